/*
 * Unit tests for the resolver's own DNS handling (resolver/resolver_rr.c,
 * resolver_name.c) and the name check both ends share (lib/resolver_clnt):
 * record data decoding, the order of mail servers, A-label conversion.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "resolver/resolver.h"
#include "tap.h"

struct name_case {
	const char	*what;
	const char	*data;
	size_t		 len;
	const char	*want;		/* NULL: refused */
};

#define W(s)	s, sizeof(s) - 1

static const struct name_case name_cases[] = {
	{ "two labels", W("\003mx1\007example\000"), "mx1.example" },
	{ "root", W("\000"), "" },
	{ "upper case folded", W("\003MX1\003Org\000"), "mx1.org" },
	{ "underscore and hyphen", W("\005a_b-c\000"), "a_b-c" },
	{ "a compression pointer", W("\003mx1\300\014"), NULL },
	{ "label past the end", W("\010mx1\000"), NULL },
	{ "no terminating root", W("\003mx1"), NULL },
	{ "empty data", "", 0, NULL },
	{ "a dot inside a label", W("\003a.b\000"), NULL },
	{ "a space inside a label", W("\003a b\000"), NULL },
	{ "a NUL inside a label", W("\003a\000b\000"), NULL },
	{ "a control byte", W("\003a\nb\000"), NULL },
	{ "UTF-8 bytes", W("\002\303\244\000"), NULL },
	{ "label of 64", W("\100"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\000"), NULL },
};

static void
test_names(void)
{
	size_t i, off;
	char out[RESOLVER_NAME_MAX + 1];
	int r;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];

		off = 0;
		r = resolver_rr_name((const unsigned char *)c->data, c->len,
		    &off, out, sizeof(out));
		if (c->want == NULL)
			is_int(r, -1, "name: %s: refused", c->what);
		else {
			is_int(r, 0, "name: %s: decoded", c->what);
			is_str(out, c->want, "name: %s: text", c->what);
			is_int((long long)off, (long long)c->len,
			    "name: %s: consumed", c->what);
		}
	}
	/* a name that does not fit the caller's buffer */
	off = 0;
	is_int(resolver_rr_name((const unsigned char *)"\003mx1\000", 5, &off,
	    out, 3), -1, "name: too long for the buffer");
	/* a name over 253 bytes in text */
	{
		unsigned char big[320];
		size_t n = 0, k;

		for (k = 0; k < 5; k++) {
			big[n++] = 60;
			memset(big + n, 'a', 60);
			n += 60;
		}
		big[n++] = 0;
		off = 0;
		is_int(resolver_rr_name(big, n, &off, out, sizeof(out)), -1,
		    "name: 304 bytes in text: refused");
	}
}

static void
test_mx(void)
{
	char name[RESOLVER_NAME_MAX + 1];
	unsigned pref = 7;

	is_int(resolver_rr_mx((const unsigned char *)"\000\012\002mx\002io\000",
	    9, &pref, name, sizeof(name)), 0, "mx: decoded");
	is_int(pref, 10, "mx: preference");
	is_str(name, "mx.io", "mx: exchange");
	is_int(resolver_rr_mx((const unsigned char *)"\000\000\000", 3, &pref,
	    name, sizeof(name)), 0, "mx: null MX decoded");
	is_str(name, "", "mx: null MX is the root");
	is_int(resolver_rr_mx((const unsigned char *)"\377\377\001a\000", 5,
	    &pref, name, sizeof(name)), 0, "mx: preference 65535");
	is_int(pref, 65535, "mx: 65535");
	is_int(resolver_rr_mx((const unsigned char *)"\000\012\001a\000x", 6,
	    &pref, name, sizeof(name)), -1, "mx: bytes after the name");
	is_int(resolver_rr_mx((const unsigned char *)"\000\012", 2, &pref,
	    name, sizeof(name)), -1, "mx: no name");
	is_int(resolver_rr_mx((const unsigned char *)"", 0, &pref, name,
	    sizeof(name)), -1, "mx: empty");
}

static void
test_addr(void)
{
	char out[RESOLVER_ADDR_TEXT_MAX];
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1 };

	is_int(resolver_rr_addr(RESOLVER_TYPE_A,
	    (const unsigned char *)"\300\000\002\007", 4, out, sizeof(out)), 0,
	    "A decoded");
	is_str(out, "192.0.2.7", "A as text");
	is_int(resolver_rr_addr(RESOLVER_TYPE_AAAA, v6, 16, out, sizeof(out)),
	    0, "AAAA decoded");
	is_str(out, "2001:db8::1", "AAAA as text");
	is_int(resolver_rr_addr(RESOLVER_TYPE_A, v6, 16, out, sizeof(out)), -1,
	    "A of 16 bytes refused");
	is_int(resolver_rr_addr(RESOLVER_TYPE_AAAA, v6, 4, out, sizeof(out)),
	    -1, "AAAA of 4 bytes refused");
	is_int(resolver_rr_addr(RESOLVER_TYPE_A, v6, 3, out, sizeof(out)), -1,
	    "A of 3 bytes refused");
	is_int(resolver_rr_addr(RESOLVER_TYPE_MX, v6, 4, out, sizeof(out)), -1,
	    "another type refused");
}

/* A deterministic "random": always the last position (a reversal). */
static uint32_t
rnd_last(uint32_t n)
{
	return n - 1;
}

/* Always the first position: a rotation. */
static uint32_t
rnd_first(uint32_t n)
{
	(void)n;
	return 0;
}

static void
host(struct resolver_rr_host *h, const char *name, unsigned pref)
{
	memset(h, 0, sizeof(*h));
	strlcpy(h->name, name, sizeof(h->name));
	h->pref = pref;
}

static void
test_order(void)
{
	struct resolver_rr_host h[8];
	size_t n;
	char got[1100];

	host(&h[0], "c", 20);
	host(&h[1], "a", 10);
	host(&h[2], "b", 10);
	host(&h[3], "A", 30);	/* a again, worse */
	host(&h[4], "d", 5);
	n = resolver_rr_order(h, 5, rnd_last);
	is_int((long long)n, 4, "order: a duplicate name dropped");
	snprintf(got, sizeof(got), "%s/%u %s/%u %s/%u %s/%u", h[0].name,
	    h[0].pref, h[1].name, h[1].pref, h[2].name, h[2].pref, h[3].name,
	    h[3].pref);
	is_str(got, "d/5 a/10 b/10 c/20", "order: by preference, a keeps 10");
	host(&h[0], "x", 10);
	host(&h[1], "y", 10);
	host(&h[2], "z", 10);
	n = resolver_rr_order(h, 3, rnd_first);
	snprintf(got, sizeof(got), "%s %s %s", h[0].name, h[1].name,
	    h[2].name);
	ok(strcmp(got, "x y z") != 0, "order: equal preferences are shuffled "
	    "(%s)", got);
	is_int((long long)n, 3, "order: all three kept");
	is_int((long long)resolver_rr_order(h, 0, rnd_first), 0,
	    "order: none");
}

static void
test_addrs(void)
{
	struct resolver_rr_host h;
	char a[RESOLVER_ADDR_TEXT_MAX];
	int i;

	memset(&h, 0, sizeof(h));
	is_int(resolver_rr_add_addr(&h, "192.0.2.1"), 1, "add: first");
	is_int(resolver_rr_add_addr(&h, "2001:db8::1"), 1, "add: second");
	is_int(resolver_rr_add_addr(&h, "192.0.2.1"), 0, "add: duplicate");
	is_int(resolver_rr_add_addr(&h, "192.0.2.2"), 1, "add: third");
	resolver_rr_addr_order(&h);
	snprintf(a, sizeof(a), "%s", h.addr[0]);
	is_str(a, "2001:db8::1", "IPv6 first");
	is_str(h.addr[1], "192.0.2.1", "then IPv4 in DNS order");
	is_str(h.addr[2], "192.0.2.2", "... kept");
	for (i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "10.0.0.%d", i);
		(void)resolver_rr_add_addr(&h, a);
	}
	is_int((long long)h.naddr, RESOLVER_ADDR_MAX, "add: bounded");
}

static void
test_ascii(void)
{
	char out[RESOLVER_NAME_MAX + 1];
	const char *why = NULL;

	is_int(resolver_name_ascii("Example.ORG.", out, sizeof(out), &why), 0,
	    "ascii: absolute, mixed case");
	is_str(out, "example.org", "ascii: lower case, no final dot");
	is_int(resolver_name_ascii("b\303\274cher.example", out, sizeof(out),
	    &why), 0, "ascii: U-label converted");
	is_str(out, "xn--bcher-kva.example", "ascii: A-label");
	is_int(resolver_name_ascii("FA\303\237.de", out, sizeof(out), &why),
	    0, "ascii: sharp s (IDNA2008, non-transitional)");
	is_str(out, "xn--fa-hia.de", "ascii: kept as sharp s");
	is_int(resolver_name_ascii("a..b", out, sizeof(out), &why), -1,
	    "ascii: empty label refused");
	is_int(resolver_name_ascii("", out, sizeof(out), &why), -1,
	    "ascii: empty refused");
	is_int(resolver_name_ascii("\377\376.example", out, sizeof(out),
	    &why), -1, "ascii: not UTF-8 refused");
	ok(why != NULL && *why != '\0', "ascii: with a reason (%s)",
	    why != NULL ? why : "");
	is_int(resolver_name_ascii("a b.example", out, sizeof(out), &why), -1,
	    "ascii: space refused");
	ok(resolver_name_ok("mx1.example"), "name_ok: host name");
	ok(!resolver_name_ok("mx1.example."), "name_ok: no final dot");
	ok(!resolver_name_ok(".example"), "name_ok: no empty label");
	ok(!resolver_name_ok("a/b"), "name_ok: no slash");
}

int
main(void)
{
	tap_init("resolver_rr");
	test_names();
	test_mx();
	test_addr();
	test_order();
	test_addrs();
	test_ascii();
	tap_check_log("resolver_rr");
	return done_testing();
}
