/*
 * Unit tests for lib/printable: what is kept and what becomes '?'
 * under each flag, cutting with and without "...".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "printable.h"
#include "tap.h"
#include "vbuf.h"

static const struct {
	const char	*in;
	size_t		 len;
	int		 flags;
	const char	*out;
} cases[] = {
	{ "hello world", 11, 0, "hello world" },
	{ "hello world", 11, PRINTABLE_NOSPACE, "hello?world" },
	{ "a\r\nb", 4, 0, "a??b" },
	{ "a\r\nb", 4, PRINTABLE_8BIT, "a??b" },
	{ "tab\there", 8, 0, "tab?here" },
	{ "del\x7f", 4, PRINTABLE_8BIT, "del?" },
	{ "esc\x1b[2J", 7, 0, "esc?[2J" },
	{ "caf\xc3\xa9", 5, 0, "caf??" },
	{ "caf\xc3\xa9", 5, PRINTABLE_8BIT, "caf\xc3\xa9" },
	{ "say \"hi\\\"", 9, 0, "say \"hi\\\"" },
	{ "say \"hi\\\"", 9, PRINTABLE_NOQUOTE, "say ?hi??" },
	{ "nul\0byte", 8, 0, "nul?byte" },
	{ "", 0, 0, "" },
};

static void
test_copy(void)
{
	char buf[64], small[8];
	struct vbuf *b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		is_str(printable_copy(buf, sizeof(buf), cases[i].in,
		    cases[i].len, cases[i].flags), cases[i].out,
		    "copy case %zu", i);
		b = vbuf_new(4, 64);
		printable_append(b, cases[i].in, cases[i].len,
		    cases[i].flags);
		is_str(vbuf_str(b), cases[i].out, "  append");
		vbuf_free(&b);
		if (cases[i].len == strlen(cases[i].in)) {
			strlcpy(buf, cases[i].in, sizeof(buf));
			is_str(printable_fix(buf, cases[i].flags),
			    cases[i].out, "  in place");
			is_int(printable_ok(cases[i].in, cases[i].flags),
			    strcmp(cases[i].in, cases[i].out) == 0,
			    "  printable_ok");
		}
	}
	is_str(printable_copy(small, sizeof(small), "abcdefghij", 10, 0),
	    "abcdefg", "a copy is cut to the buffer");
	is_str(printable_copy(small, sizeof(small), "abcdefghij", 10,
	    PRINTABLE_ELLIPSIS), "abcd...", "  with ... when asked");
	is_str(printable_copy(small, sizeof(small), "abcdefg", 7,
	    PRINTABLE_ELLIPSIS), "abcdefg", "  and not when it fits");
	ok(!printable_char('\n', PRINTABLE_8BIT) &&
	    printable_char(0xe9, PRINTABLE_8BIT) && !printable_char(0xe9, 0),
	    "printable_char");
}

int
main(void)
{
	tap_init("printable");
	test_copy();
	return done_testing();
}
