/* Unit tests for lib/netlist: mynetworks-style CIDR lists. */
#include "config.h"

#include "err.h"
#include "netlist.h"
#include "tap.h"

static const struct {
	const char	*nets;
	const char	*addr;
	int		 want;
} cases[] = {
	{ "127.0.0.0/8", "127.0.0.1", 1 },
	{ "127.0.0.0/8", "127.255.255.254", 1 },
	{ "127.0.0.0/8", "128.0.0.1", 0 },
	{ "192.0.2.0/24 198.51.100.7", "198.51.100.7", 1 },
	{ "192.0.2.0/24, 198.51.100.7", "198.51.100.8", 0 },
	{ "192.0.2.128/25", "192.0.2.127", 0 },
	{ "192.0.2.128/25", "192.0.2.200", 1 },
	{ "10.0.0.0/7", "11.1.2.3", 1 },
	{ "10.0.0.0/7", "12.1.2.3", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "[::1]/128", "::1", 1 },
	{ "[::1]/128", "::2", 0 },
	{ "::1", "::1", 1 },
	{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ "[2001:db8::]/32", "2001:db9::1", 0 },
	{ "2001:db8:8000::/33", "2001:db8:7fff::1", 0 },
	{ "2001:db8:8000::/33", "2001:db8:8000::1", 1 },
	{ "127.0.0.0/8", "::ffff:127.0.0.1", 1 },	/* mapped */
	{ "::ffff:192.0.2.0/120", "192.0.2.9", 1 },
	{ "127.0.0.0/8", "::1", 0 },
	{ "[::1]/128", "127.0.0.1", 0 },
	{ "127.0.0.0/8", "not an address", 0 },
	{ "", "127.0.0.1", 0 },
};

static const char *const bad[] = {
	"10.0.0.0/6",		/* host bits past the prefix */
	"192.0.2.1/24",
	"192.0.2.0/33",
	"2001:db8::/129",
	"[192.0.2.1]",		/* brackets only around IPv6 */
	"[::1",
	"example.org",
	"192.0.2.0/",
	"192.0.2.0/8x",
	"::ffff:192.0.2.0/64",	/* a mapped network shorter than /96 */
	NULL,
};

int
main(void)
{
	struct netlist *n;
	char *err = NULL;
	size_t i;

	tap_init("netlist");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = netlist_new(cases[i].nets, &err);
		if (n == NULL) {
			ok(cases[i].want == 0, "\"%s\" refused (%s)",
			    cases[i].nets, err);
			err_free(&err);
			continue;
		}
		is_int(netlist_match(n, cases[i].addr), cases[i].want,
		    "%s in \"%s\"", cases[i].addr, cases[i].nets);
		netlist_free(&n);
		ok(n == NULL, "free clears the pointer");
	}
	for (i = 0; bad[i] != NULL; i++) {
		n = netlist_new(bad[i], &err);
		ok(n == NULL && err != NULL, "bad entry \"%s\": %s", bad[i],
		    err != NULL ? err : "(accepted)");
		err_free(&err);
		netlist_free(&n);
	}
	err = NULL;
	n = netlist_new("192.0.2.0/24, bogus", &err);
	like(n == NULL ? err : "", "bogus", "the error names the bad entry");
	err_free(&err);
	return done_testing();
}
