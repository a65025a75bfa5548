/*
 * fuzz/pop3_cmd - POP3 command lines (lib/pop3), as pop3-login and
 * pop3d read them from the network.
 *
 * Input: command lines separated by LF (a CR before it is the line
 * end's). Properties, for every line:
 * - the parser reads within the line: every argument is a span inside
 *   it, non-empty, with no space unless the verb takes the rest of the
 *   line (USER, PASS);
 * - a line with a control character is refused, and so is an empty
 *   one; an accepted verb has its name and an argument count within
 *   its bounds;
 * - a message number accepted by pop3_msgno is a plain decimal within
 *   1..max that prints back to the same text; pop3_count agrees with
 *   strtoull on what it accepts.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "pop3.h"

static void
check_line(const char *line, size_t len)
{
	struct pop3_cmd c;
	char buf[32];
	uint64_t count;
	uint32_t n;
	size_t i;
	int r, ctl = 0, rest;

	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			ctl = 1;
	r = pop3_cmd_parse(line, len, &c);
	FUZZ_CHECK(c.name != NULL);
	if (ctl) {
		FUZZ_CHECK(r == POP3_CMD_BADCHAR);
		return;
	}
	if (len == 0) {
		FUZZ_CHECK(r == POP3_CMD_EMPTY);
		return;
	}
	FUZZ_CHECK(r == POP3_CMD_OK || r == POP3_CMD_ARGS);
	if (r != POP3_CMD_OK)
		return;
	FUZZ_CHECK(c.argc >= 0 && c.argc <= POP3_ARGS_MAX);
	if (c.verb == POP3_UNKNOWN) {
		FUZZ_CHECK(c.argc == 0);
		return;
	}
	FUZZ_CHECK(strncasecmp(line, c.name, strlen(c.name)) == 0);
	rest = c.verb == POP3_USER || c.verb == POP3_PASS;
	for (i = 0; i < (size_t)c.argc; i++) {
		FUZZ_CHECK(c.argv[i].len > 0);
		FUZZ_CHECK(c.argv[i].ptr > line &&
		    c.argv[i].ptr + c.argv[i].len <= line + len);
		FUZZ_CHECK(rest || memchr(c.argv[i].ptr, ' ',
		    c.argv[i].len) == NULL);
		if (pop3_msgno(&c.argv[i], 1000000, &n)) {
			FUZZ_CHECK(n >= 1 && n <= 1000000);
			snprintf(buf, sizeof(buf), "%u", n);
			FUZZ_CHECK(strlen(buf) == c.argv[i].len &&
			    memcmp(buf, c.argv[i].ptr, c.argv[i].len) == 0);
		}
		if (pop3_count(&c.argv[i], &count)) {
			memset(buf, 0, sizeof(buf));
			memcpy(buf, c.argv[i].ptr, c.argv[i].len < 31 ?
			    c.argv[i].len : 31);
			FUZZ_CHECK(strtoull(buf, NULL, 10) == count);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *lf;
	size_t len;
	char *line;

	while (p < end) {
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
			lf = end;
		len = (size_t)(lf - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		/* a copy of exactly the line: reads past it are caught */
		line = malloc(len + 1);
		memcpy(line, p, len);
		line[len] = '\0';
		check_line(line, len);
		free(line);
		p = lf + 1;
	}
	return 0;
}
