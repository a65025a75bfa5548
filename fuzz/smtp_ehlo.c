/*
 * fuzz/smtp_ehlo - libFuzzer harness for the EHLO reply parser
 * (lib/smtp_ehlo): the input is the text of an EHLO reply as the reply
 * reader leaves it (lines "\n" apart); NUL bytes end it, as they would.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_ehlo.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_ehlo e;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	smtp_ehlo_parse(text, &e);
	(void)smtp_ehlo_auth(&e, "PLAIN");
	(void)smtp_ehlo_auth(&e, "LOGIN");
	free(text);
	return 0;
}
