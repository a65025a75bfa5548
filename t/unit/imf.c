/* Unit tests for lib/imf: address lists and dates as ENVELOPE sees them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "imf.h"
#include "tap.h"
#include "vbuf.h"

/* One line per address: name|route|mailbox|host, groups as <name> </> */
static void
render(const struct imf_addr *a, struct vbuf *out)
{
	for (; a != NULL; a = a->next) {
		switch (a->kind) {
		case IMF_ADDR_GROUP_START:
			vbuf_appendf(out, "<%s>", a->mailbox);
			break;
		case IMF_ADDR_GROUP_END:
			vbuf_appends(out, "</>");
			break;
		default:
			vbuf_appendf(out, "[%s|%s|%s|%s]",
			    a->name ? a->name : "-", a->route ? a->route : "-",
			    a->mailbox, a->host);
		}
	}
}

static const struct {
	const char	*in;
	const char	*out;
} addrs[] = {
	{ "a@example.org", "[-|-|a|example.org]" },
	{ "Alice <alice@example.org>", "[Alice|-|alice|example.org]" },
	{ "\"Doe, John\" <j@x>, b@y", "[Doe, John|-|j|x][-|-|b|y]" },
	{ "j@x (John Doe)", "[John Doe|-|j|x]" },
	{ "(comment before) j@x", "[-|-|j|x]" },
	{ "=?utf-8?q?caf=C3=A9?= <c@x>", "[=?utf-8?q?caf=C3=A9?=|-|c|x]" },
	{ "\"john doe\"@x", "[-|-|\"john doe\"|x]" },
	{ "<@r1,@r2:u@d>", "[-|@r1,@r2|u|d]" },
	{ "Group: a@x, B <b@y>;, c@z",
	    "<Group>[-|-|a|x][B|-|b|y]</>[-|-|c|z]" },
	{ "undisclosed-recipients:;", "<undisclosed-recipients></>" },
	{ "nodomain", "[-|-|nodomain|]" },
	{ "<>", "[-|-||]" },
	{ "a@[192.0.2.1]", "[-|-|a|[192.0.2.1]]" },
	{ "  ,, ;; ", "" },
	{ "\"unterminated <x@y", "[-|-|\"unterminated <x@y\"|]" },
	{ "x <y@z", "[x|-|y|z]" },
	{ "a@b@c", "[-|-|a|b][-|-||c]" },
	{ "Joe   Q.   Public <jqp@x>", "[Joe Q. Public|-|jqp|x]" },
	{ "\"a\\\"b\" <q@x>", "[a\"b|-|q|x]" },
	{ "G: nested: x@y;;", "<G>[-|-|nested|][-|-|x|y]</>" },
	{ "\"\" <e@x>", "[-|-|e|x]" },
};

static void
test_addrs(void)
{
	struct arena *a = arena_new(1024);
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		vbuf_reset(b);
		render(imf_addr_parse(a, addrs[i].in, strlen(addrs[i].in)), b);
		is_str(vbuf_str(b), addrs[i].out, "address: %s", addrs[i].in);
	}
	vbuf_free(&b);
	arena_free(&a);
}

static const struct {
	const char	*in;
	int		 ok;
	int		 y, m, d, hh, mm, ss, zone;
	long long	 utc;
} dates[] = {
	{ "Tue, 3 Jun 2008 11:05:30 +0200", 1, 2008, 6, 3, 11, 5, 30, 120,
	    1212483930 },
	{ "3 Jun 2008 11:05 GMT", 1, 2008, 6, 3, 11, 5, 0, 0, 1212491100 },
	{ "Thu, 01 Jan 70 00:00:00 EST", 1, 1970, 1, 1, 0, 0, 0, -300,
	    18000 },
	{ "Sat, 1 Jan 49 12:00:00 -0000", 1, 2049, 1, 1, 12, 0, 0, 0,
	    2493115200LL },
	{ "1 Feb 103 00:00:00 +0000", 1, 2003, 2, 1, 0, 0, 0, 0,
	    1044057600 },
	{ "Mon, 29 Feb 2016 23:59:60 (leap) -0800 (PST)", 1, 2016, 2, 29,
	    23, 59, 60, -480, 1456819200 },
	{ "5 mar 2020", 1, 2020, 3, 5, 0, 0, 0, 0, 1583366400 },
	{ "Fri, 13 Mar 2020 10:00:00 Q", 1, 2020, 3, 13, 10, 0, 0, 0,
	    1584093600 },
	{ "32 Foo 20x8 25:61:99 +9999", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "Tuesday", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "10 Jun", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static void
test_dates(void)
{
	struct imf_date d;
	size_t i;
	int r;

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		r = imf_date_parse(dates[i].in, strlen(dates[i].in), &d);
		if (!dates[i].ok) {
			is_int(r, -1, "not a date: %s", dates[i].in);
			continue;
		}
		ok(r == 0 && d.year == dates[i].y && d.mon == dates[i].m &&
		    d.mday == dates[i].d && d.hour == dates[i].hh &&
		    d.min == dates[i].mm && d.sec == dates[i].ss &&
		    d.zone == dates[i].zone && (long long)d.utc == dates[i].utc,
		    "date: %s (%d-%d-%d %d:%d:%d %d = %lld)", dates[i].in,
		    d.year, d.mon, d.mday, d.hour, d.min, d.sec, d.zone,
		    (long long)d.utc);
	}
	is_int(imf_days(1970, 1, 1), 0, "epoch day");
	is_int(imf_days(2000, 3, 1), 11017, "2000-03-01");
	is_int(imf_days(1969, 12, 31), -1, "before the epoch");
}

int
main(void)
{
	tap_init("imf");
	test_addrs();
	test_dates();
	return done_testing();
}
