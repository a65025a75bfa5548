/*
 * fuzz/smtp_ehlo - the EHLO reply parser (lib/smtp_ehlo): the input is
 * the text of an EHLO reply as the reply reader leaves it (lines "\n"
 * apart); a NUL byte ends it, as it would.
 *
 * Properties: SIZE is capped; the AUTH list holds only upper-case
 * mechanism names between spaces, and each of them is found again by
 * smtp_ehlo_auth.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smtp_ehlo.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_ehlo e;
	char *text, mech[32];
	const char *p, *sp;
	size_t n;

	fuzz_quiet_log();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	smtp_ehlo_parse(text, &e);
	FUZZ_CHECK(e.size <= (1ULL << 50));
	FUZZ_CHECK(e.auth[0] == '\0' || (e.auth[0] == ' ' &&
	    e.auth[strlen(e.auth) - 1] == ' '));
	FUZZ_CHECK(strspn(e.auth, " ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
	    strlen(e.auth));
	for (p = e.auth; *p == ' ' && p[1] != '\0'; p = sp) {
		sp = strchr(p + 1, ' ');
		FUZZ_CHECK(sp != NULL);
		n = (size_t)(sp - p - 1);
		FUZZ_CHECK(n > 0 && n < sizeof(mech));
		memcpy(mech, p + 1, n);
		mech[n] = '\0';
		FUZZ_CHECK(smtp_ehlo_auth(&e, mech));
	}
	free(text);
	return 0;
}
