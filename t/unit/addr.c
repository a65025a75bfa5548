/* Unit tests for lib/addr: RFC 5321 paths, domains, keys, extensions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"
#include "xmalloc.h"

#define UTF8	ADDR_F_SMTPUTF8
#define SENDER	ADDR_F_SENDER

struct path_case {
	const char	*desc;
	const char	*in;
	int		 flags;
	enum addr_err	 err;
	const char	*local;		/* expected on success */
	const char	*domain;
	const char	*rest;
	int		 aflags;	/* expected struct addr flags */
};

/* A case that must fail with err. */
#define BAD(desc, in, flags, err)	{ desc, in, flags, err, NULL, NULL, NULL, 0 }

static const struct path_case path_cases[] = {
	/* good */
	{ "plain", "<user@example.org>", 0, ADDR_OK,
	    "user", "example.org", "", 0 },
	{ "domain lowercased, local case kept", "<User@Example.ORG>", 0,
	    ADDR_OK, "User", "example.org", "", 0 },
	{ "leading spaces skipped", "  <user@example.org>", 0, ADDR_OK,
	    "user", "example.org", "", 0 },
	{ "ESMTP parameters returned", "<user@example.org> SIZE=100 "
	    "BODY=8BITMIME", SENDER, ADDR_OK, "user", "example.org",
	    "SIZE=100 BODY=8BITMIME", 0 },
	{ "spaces before parameters skipped", "<u@example.org>   SIZE=1", 0,
	    ADDR_OK, "u", "example.org", "SIZE=1", 0 },
	{ "trailing spaces only", "<u@example.org>  ", 0, ADDR_OK,
	    "u", "example.org", "", 0 },
	{ "null path for MAIL FROM", "<>", SENDER, ADDR_OK, "", "", "",
	    ADDR_NULL },
	{ "null path with parameters", "<> SIZE=10", SENDER, ADDR_OK, "", "",
	    "SIZE=10", ADDR_NULL },
	{ "quoted local part", "<\"a b\"@example.org>", 0, ADDR_OK,
	    "a b", "example.org", "", 0 },
	{ "quoted pair quote", "<\"a\\\"b\"@example.org>", 0, ADDR_OK,
	    "a\"b", "example.org", "", 0 },
	{ "quoted pair backslash", "<\"a\\\\b\"@example.org>", 0, ADDR_OK,
	    "a\\b", "example.org", "", 0 },
	{ "quoted pair of an ordinary char", "<\"\\a\"@example.org>", 0,
	    ADDR_OK, "a", "example.org", "", 0 },
	{ "> inside quotes", "<\"a>b\"@example.org>", 0, ADDR_OK,
	    "a>b", "example.org", "", 0 },
	{ "@ inside quotes", "<\"a@b\"@example.org>", 0, ADDR_OK,
	    "a@b", "example.org", "", 0 },
	{ "needlessly quoted", "<\"abc\"@example.org>", 0, ADDR_OK,
	    "abc", "example.org", "", 0 },
	{ "source route ignored", "<@a.example,@b.example:user@example.org>",
	    0, ADDR_OK, "user", "example.org", "", 0 },
	{ "one-hop source route", "<@relay.example:user@example.org>", 0,
	    ADDR_OK, "user", "example.org", "", 0 },
	{ "trailing dot stripped", "<user@example.org.>", 0, ADDR_OK,
	    "user", "example.org", "", 0 },
	{ "dot-string", "<first.last@sub.example.org>", 0, ADDR_OK,
	    "first.last", "sub.example.org", "", 0 },
	{ "all atext", "<!#$%&'*+-/=?^_`{|}~@example.org>", 0, ADDR_OK,
	    "!#$%&'*+-/=?^_`{|}~", "example.org", "", 0 },
	{ "IPv4 literal", "<user@[192.0.2.1]>", 0, ADDR_OK,
	    "user", "[192.0.2.1]", "", ADDR_LITERAL },
	{ "IPv6 literal canonicalised", "<user@[IPv6:2001:DB8:0:0::1]>", 0,
	    ADDR_OK, "user", "[IPv6:2001:db8::1]", "", ADDR_LITERAL },
	{ "IPv6 tag case-insensitive, v4-mapped",
	    "<user@[ipv6:::ffff:192.0.2.1]>", 0, ADDR_OK, "user",
	    "[IPv6:::ffff:192.0.2.1]", "", ADDR_LITERAL },
	{ "A-label passed through", "<user@XN--bcher-kva.example>", 0,
	    ADDR_OK, "user", "xn--bcher-kva.example", "", 0 },
	{ "hyphens inside labels", "<u@a-b--c.ex-ample.org>", 0, ADDR_OK,
	    "u", "a-b--c.ex-ample.org", "", 0 },
	{ "digits in labels", "<u@123.4example.org>", 0, ADDR_OK,
	    "u", "123.4example.org", "", 0 },
	{ "<Postmaster> for RCPT TO", "<Postmaster>", 0, ADDR_OK,
	    "Postmaster", "", "", ADDR_POSTMASTER },
	{ "<postmaster> any case", "<POSTMASTER> NOTIFY=NEVER", 0, ADDR_OK,
	    "POSTMASTER", "", "NOTIFY=NEVER", ADDR_POSTMASTER },
	{ "UTF-8 local part with SMTPUTF8",
	    "<\xe7\x94\xa8\xe6\x88\xb7@example.org>", UTF8, ADDR_OK,
	    "\xe7\x94\xa8\xe6\x88\xb7", "example.org", "", ADDR_UTF8 },
	{ "UTF-8 domain, ASCII lowercased only",
	    "<user@B\xc3\xbc" "cher.Example>", UTF8, ADDR_OK, "user",
	    "b\xc3\xbc" "cher.example", "", ADDR_UTF8 },
	{ "UTF-8 in quotes", "<\"\xc3\xa4 b\"@example.org>", UTF8, ADDR_OK,
	    "\xc3\xa4 b", "example.org", "", ADDR_UTF8 },
	{ "4-byte UTF-8", "<\xf0\x9f\x93\xa7@example.org>", UTF8, ADDR_OK,
	    "\xf0\x9f\x93\xa7", "example.org", "", ADDR_UTF8 },
	{ "ASCII address with SMTPUTF8", "<u@example.org>", UTF8, ADDR_OK,
	    "u", "example.org", "", 0 },

	/* brackets and what surrounds them */
	BAD("no brackets", "user@example.org", 0, ADDR_E_BRACKET),
	BAD("missing >", "<user@example.org", 0, ADDR_E_BRACKET),
	BAD("missing <", "user@example.org>", 0, ADDR_E_BRACKET),
	BAD("lone <", "<", 0, ADDR_E_BRACKET),
	BAD("empty argument", "", 0, ADDR_E_BRACKET),
	BAD("local part only, unterminated", "<user", 0, ADDR_E_BRACKET),
	BAD("junk right after >", "<user@example.org>SIZE=1", 0,
	    ADDR_E_TRAILING),
	BAD("double >", "<user@example.org>>", 0, ADDR_E_TRAILING),
	BAD("junk right after <>", "<>x", SENDER, ADDR_E_TRAILING),
	BAD("double <", "<<user@example.org>>", 0, ADDR_E_SYNTAX),

	/* null path and missing parts */
	BAD("null path for RCPT TO", "<>", 0, ADDR_E_NULL),
	BAD("no domain", "<user>", 0, ADDR_E_NODOMAIN),
	BAD("<postmaster> as sender", "<postmaster>", SENDER, ADDR_E_NODOMAIN),
	BAD("empty domain", "<user@>", 0, ADDR_E_NODOMAIN),
	BAD("@domain alone (a route without :)", "<@example.org>", 0,
	    ADDR_E_SYNTAX),
	BAD("empty quoted local part", "<\"\"@example.org>", 0,
	    ADDR_E_EMPTY_LOCAL),

	/* local part syntax */
	BAD("unbalanced quote", "<\"user@example.org>", 0, ADDR_E_QUOTE),
	BAD("backslash at end of input", "<\"a\\", 0, ADDR_E_QUOTE),
	BAD("stray quote", "<us\"er@example.org>", 0, ADDR_E_SYNTAX),
	BAD("double dot", "<a..b@example.org>", 0, ADDR_E_SYNTAX),
	BAD("leading dot", "<.a@example.org>", 0, ADDR_E_SYNTAX),
	BAD("trailing dot", "<a.@example.org>", 0, ADDR_E_SYNTAX),
	BAD("space in local part", "<a b@example.org>", 0, ADDR_E_SYNTAX),
	BAD("control char", "<a\x01z@example.org>", 0, ADDR_E_SYNTAX),
	BAD("control char in quotes", "<\"a\x01\"@example.org>", 0,
	    ADDR_E_SYNTAX),
	BAD("tab in quotes", "<\"a\tb\"@example.org>", 0, ADDR_E_SYNTAX),
	BAD("DEL in quotes", "<\"a\x7f\"@example.org>", 0, ADDR_E_SYNTAX),
	BAD("quoted pair of a control char", "<\"a\\\x01\"@example.org>", 0,
	    ADDR_E_SYNTAX),
	BAD("quoted pair of UTF-8", "<\"a\\\xc3\xa4\"@example.org>", UTF8,
	    ADDR_E_SYNTAX),
	BAD("text between quote and @", "<\"a\"b@example.org>", 0,
	    ADDR_E_SYNTAX),

	/* source routes */
	BAD("route without colon", "<@a.example>", 0, ADDR_E_SYNTAX),
	BAD("route without @ after comma", "<@a.example,b.example:u@ex.org>",
	    0, ADDR_E_SYNTAX),
	BAD("route unterminated", "<@a.example", 0, ADDR_E_BRACKET),
	BAD("bad route domain", "<@a_b.example:u@example.org>", 0,
	    ADDR_E_DOMAIN),
	BAD("literal in route", "<@[192.0.2.1]:u@example.org>", 0,
	    ADDR_E_LITERAL),
	BAD("empty route domain", "<@:u@example.org>", 0, ADDR_E_NODOMAIN),

	/* domains */
	BAD("second @", "<a@b@example.org>", 0, ADDR_E_DOMAIN),
	BAD("underscore", "<a@exa_mple.org>", 0, ADDR_E_DOMAIN),
	BAD("leading hyphen", "<a@-example.org>", 0, ADDR_E_DOMAIN),
	BAD("trailing hyphen", "<a@example-.org>", 0, ADDR_E_DOMAIN),
	BAD("empty label", "<a@example..org>", 0, ADDR_E_DOMAIN),
	BAD("leading dot", "<a@.example.org>", 0, ADDR_E_DOMAIN),
	BAD("two trailing dots", "<a@example.org..>", 0, ADDR_E_DOMAIN),
	BAD("only a dot", "<a@.>", 0, ADDR_E_DOMAIN),
	BAD("space in domain", "<a@exa mple.org>", 0, ADDR_E_DOMAIN),
	BAD("bare IPv4 (numeric TLD)", "<a@192.0.2.1>", 0, ADDR_E_DOMAIN),
	BAD("IPv4 octet too big", "<a@[192.0.2.256]>", 0, ADDR_E_LITERAL),
	BAD("IPv4 too short", "<a@[192.0.2]>", 0, ADDR_E_LITERAL),
	BAD("literal without ]", "<a@[192.0.2.1>", 0, ADDR_E_LITERAL),
	BAD("literal with junk after ]", "<a@[192.0.2.1]x>", 0,
	    ADDR_E_LITERAL),
	BAD("bad IPv6", "<a@[IPv6:2001:db8::g]>", 0, ADDR_E_LITERAL),
	BAD("IPv6 with too many groups", "<a@[IPv6:1:2:3:4:5:6:7:8:9]>", 0,
	    ADDR_E_LITERAL),
	BAD("IPv4 under IPv6 tag", "<a@[IPv6:192.0.2.1]>", 0, ADDR_E_LITERAL),
	BAD("IPv6 without tag", "<a@[2001:db8::1]>", 0, ADDR_E_LITERAL),
	BAD("general address literal", "<a@[x400:c=us]>", 0, ADDR_E_LITERAL),
	BAD("empty literal", "<a@[]>", 0, ADDR_E_LITERAL),
	BAD("empty IPv6 literal", "<a@[IPv6:]>", 0, ADDR_E_LITERAL),

	/* 8-bit and UTF-8 */
	BAD("8-bit local part without SMTPUTF8", "<\xc3\xbcser@example.org>", 0,
	    ADDR_E_8BIT),
	BAD("8-bit domain without SMTPUTF8", "<u@b\xc3\xbc" "cher.example>", 0,
	    ADDR_E_8BIT),
	BAD("8-bit in quotes without SMTPUTF8", "<\"\xc3\xbc\"@example.org>", 0,
	    ADDR_E_8BIT),
	BAD("8-bit in route without SMTPUTF8",
	    "<@b\xc3\xbc" "cher.example:u@example.org>", 0, ADDR_E_8BIT),
	BAD("truncated sequence", "<\xc3@example.org>", UTF8, ADDR_E_UTF8),
	BAD("sequence cut by NUL", "<a\xe2\x82", UTF8, ADDR_E_UTF8),
	BAD("overlong /", "<\xc0\xaf@example.org>", UTF8, ADDR_E_UTF8),
	BAD("overlong 3-byte", "<\xe0\x80\xaf@example.org>", UTF8,
	    ADDR_E_UTF8),
	BAD("surrogate", "<\xed\xa0\x80@example.org>", UTF8, ADDR_E_UTF8),
	BAD("past U+10FFFF", "<\xf4\x90\x80\x80@example.org>", UTF8,
	    ADDR_E_UTF8),
	BAD("C1 control", "<a\xc2\x85@example.org>", UTF8, ADDR_E_UTF8),
	BAD("lone continuation byte", "<\x80@example.org>", UTF8, ADDR_E_UTF8),
	BAD("0xff", "<\xff@example.org>", UTF8, ADDR_E_UTF8),
	BAD("invalid UTF-8 in domain", "<a@\xe4.example>", UTF8, ADDR_E_UTF8),
	BAD("invalid UTF-8 in quotes", "<\"\xe4\"@example.org>", UTF8,
	    ADDR_E_UTF8),
};

static void
check_path(const char *desc, const char *in, int flags, enum addr_err want,
    const char *local, const char *domain, const char *rest, int aflags)
{
	struct addr a;
	enum addr_err err;
	const char *r = NULL;
	int ret;

	ret = addr_parse_path(in, flags, &a, &r, &err);
	if (want != ADDR_OK) {
		if (!ok(ret == -1 && err == want, "%s: %s", desc,
		    addr_strerror(want)))
			diag("got ret %d, error \"%s\"", ret,
			    ret == 0 ? "none" : addr_strerror(err));
		return;
	}
	if (!ok(ret == 0, "%s: parses", desc)) {
		diag("error \"%s\"", addr_strerror(err));
		return;
	}
	if (local != NULL)
		is_str(a.local, local, "%s: local part", desc);
	if (domain != NULL)
		is_str(a.domain, domain, "%s: domain", desc);
	if (rest != NULL)
		is_str(r, rest, "%s: rest", desc);
	is_int(a.flags, aflags, "%s: flags", desc);
}

/* A string of n copies of c. */
static char *
fill(char *buf, int c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* A domain of exactly n octets: letters, labels of at most 61. */
static char *
make_domain(char *buf, size_t n)
{
	size_t i, label = 0;

	for (i = 0; i < n; i++) {
		if (label == 60) {
			buf[i] = '.';
			label = 0;
		} else {
			buf[i] = (char)('a' + i % 26);
			label++;
		}
	}
	if (buf[n - 1] == '.')
		buf[n - 1] = 'z';	/* never end in a dot */
	buf[n] = '\0';
	return buf;
}

static void
test_limits(void)
{
	char local[200], dom[400], in[1000], out[ADDR_DOMAIN_MAX + 1];
	enum addr_err err;
	struct addr a;

	/* local part: 64 octets as written, then one over */
	snprintf(in, sizeof(in), "<%s@example.org>", fill(local, 'a', 64));
	check_path("local part of exactly 64", in, 0, ADDR_OK, local,
	    "example.org", "", 0);
	snprintf(in, sizeof(in), "<%s@example.org>", fill(local, 'a', 65));
	check_path("local part of 65", in, 0, ADDR_E_LOCAL_LONG, 0, 0, 0, 0);
	snprintf(in, sizeof(in), "<%s@example.org>", fill(local, 'a', 150));
	check_path("local part of 150", in, 0, ADDR_E_LOCAL_LONG, 0, 0, 0, 0);
	/* quotes count: "x..." with 62 inside is 64 on the wire */
	snprintf(in, sizeof(in), "<\"%s\"@example.org>", fill(local, ' ', 62));
	check_path("quoted local part of exactly 64", in, 0, ADDR_OK, local,
	    "example.org", "", 0);
	snprintf(in, sizeof(in), "<\"%s\"@example.org>", fill(local, ' ', 63));
	check_path("quoted local part of 65", in, 0, ADDR_E_LOCAL_LONG,
	    0, 0, 0, 0);
	/* backslashes count too: 31 quoted pairs + 2 quotes = 64 */
	strlcpy(local, "\"", sizeof(local));
	for (int i = 0; i < 31; i++)
		strlcat(local, "\\\"", sizeof(local));
	strlcat(local, "\"", sizeof(local));
	snprintf(in, sizeof(in), "<%s@example.org>", local);
	check_path("64 octets of quoted pairs", in, 0, ADDR_OK,
	    fill(dom, '"', 31), "example.org", "", 0);
	snprintf(in, sizeof(in), "<\"\\\"%s@example.org>", local + 1);
	check_path("66 octets of quoted pairs", in, 0, ADDR_E_LOCAL_LONG,
	    0, 0, 0, 0);
	/* UTF-8 counts octets: 16 four-byte characters = 64 */
	in[0] = '\0';
	strlcat(in, "<", sizeof(in));
	for (int i = 0; i < 16; i++)
		strlcat(in, "\xf0\x9f\x93\xa7", sizeof(in));
	strlcat(in, "@example.org>", sizeof(in));
	check_path("64 octets of UTF-8", in, UTF8, ADDR_OK, NULL,
	    "example.org", "", ADDR_UTF8);
	memmove(in + 2, in + 1, strlen(in));
	in[1] = 'x';
	check_path("65 octets of UTF-8", in, UTF8, ADDR_E_LOCAL_LONG,
	    0, 0, 0, 0);

	/* labels: 63, then 64 */
	snprintf(in, sizeof(in), "<u@%s.example>", fill(dom, 'd', 63));
	check_path("label of exactly 63", in, 0, ADDR_OK, "u", NULL, "", 0);
	snprintf(in, sizeof(in), "<u@%s.example>", fill(dom, 'd', 64));
	check_path("label of 64", in, 0, ADDR_E_LABEL_LONG, 0, 0, 0, 0);
	snprintf(in, sizeof(in), "<u@example.%s>", fill(dom, 'd', 64));
	check_path("last label of 64", in, 0, ADDR_E_LABEL_LONG, 0, 0, 0, 0);

	/* domain: 255, then 256 (the path limit would hit first in <>) */
	make_domain(dom, 255);
	is_int(addr_parse_domain(dom, 0, out, &err), 0,
	    "domain of exactly 255");
	is_str(out, dom, "domain of 255 unchanged");
	snprintf(in, sizeof(in), "%s.", dom);
	is_int(addr_parse_domain(in, 0, out, &err), 0,
	    "domain of 255 plus trailing dot");
	snprintf(in, sizeof(in), "u@%s", dom);
	is_int(addr_parse_mailbox(in, 0, &a, &err), 0,
	    "mailbox with a domain of 255");
	make_domain(dom, 256);
	is_int(addr_parse_domain(dom, 0, out, &err), -1,
	    "domain of 256 refused");
	is_int(err, ADDR_E_DOMAIN_LONG, "domain of 256: domain too long");
	snprintf(in, sizeof(in), "<u@%s>", dom);
	check_path("domain of 256 in a path", in, 0, ADDR_E_DOMAIN_LONG,
	    0, 0, 0, 0);

	/* path: 64 + 1 + 189 + 2 = 256, then 257 */
	fill(local, 'l', 64);
	snprintf(in, sizeof(in), "<%s@%s>", local, make_domain(dom, 189));
	is_int(strlen(in), 256, "path test input is 256 octets");
	check_path("path of exactly 256", in, 0, ADDR_OK, local, dom, "", 0);
	snprintf(in, sizeof(in), "<%s@%s> SIZE=1", local,
	    make_domain(dom, 190));
	check_path("path of 257", in, 0, ADDR_E_PATH_LONG, 0, 0, 0, 0);
	/* a source route counts towards the path */
	snprintf(in, sizeof(in), "<@%s:u@example.org>", make_domain(dom, 250));
	check_path("path made long by a route", in, 0, ADDR_E_PATH_LONG,
	    0, 0, 0, 0);
	snprintf(in, sizeof(in), "<@%s:u@example.org>", make_domain(dom, 239));
	check_path("path of 256 with a route", in, 0, ADDR_OK, "u",
	    "example.org", "", 0);
}

static void
test_mailbox_domain(void)
{
	char out[ADDR_DOMAIN_MAX + 1];
	enum addr_err err;
	struct addr a;

	is_int(addr_parse_mailbox("User@Example.org", 0, &a, &err), 0,
	    "mailbox: plain");
	is_str(a.local, "User", "mailbox: local");
	is_str(a.domain, "example.org", "mailbox: domain");
	is_int(addr_parse_mailbox("\"a b\"@example.org", 0, &a, &err), 0,
	    "mailbox: quoted");
	is_str(a.local, "a b", "mailbox: quoted local");
	ok(addr_parse_mailbox("user", 0, &a, &err) == -1 &&
	    err == ADDR_E_NODOMAIN, "mailbox: no domain");
	ok(addr_parse_mailbox("@example.org", 0, &a, &err) == -1 &&
	    err == ADDR_E_EMPTY_LOCAL, "mailbox: empty local part");
	ok(addr_parse_mailbox("", 0, &a, &err) == -1 &&
	    err == ADDR_E_EMPTY_LOCAL, "mailbox: empty string");
	ok(addr_parse_mailbox("a b@example.org", 0, &a, &err) == -1 &&
	    err == ADDR_E_SYNTAX, "mailbox: space");
	ok(addr_parse_mailbox("<a@example.org>", 0, &a, &err) == -1 &&
	    err == ADDR_E_SYNTAX, "mailbox: brackets not allowed");
	ok(addr_parse_mailbox("a@example.org ", 0, &a, &err) == -1 &&
	    err == ADDR_E_DOMAIN, "mailbox: trailing space");
	is_int(addr_parse_mailbox("a@[IPv6:::1]", 0, &a, &err), 0,
	    "mailbox: literal");
	is_str(a.domain, "[IPv6:::1]", "mailbox: literal domain");

	is_int(addr_parse_domain("Mail.Example.COM.", 0, out, &err), 0,
	    "domain: normalises");
	is_str(out, "mail.example.com", "domain: lowercase, no trailing dot");
	is_int(addr_parse_domain("[IPv6:0:0:0:0:0:0:0:1]", 0, out, &err), 0,
	    "domain: IPv6 literal");
	is_str(out, "[IPv6:::1]", "domain: IPv6 literal canonical");
	is_int(addr_parse_domain("[010.0.0.1]", 0, out, &err), -1,
	    "domain: leading zero in IPv4 literal refused");
	ok(addr_parse_domain("", 0, out, &err) == -1 &&
	    err == ADDR_E_NODOMAIN, "domain: empty");
	ok(addr_parse_domain(".", 0, out, &err) == -1 &&
	    err == ADDR_E_DOMAIN, "domain: lone dot");
	ok(addr_parse_domain("localhost", 0, out, &err) == 0 &&
	    strcmp(out, "localhost") == 0, "domain: single label");
	ok(addr_parse_domain("123", 0, out, &err) == -1 &&
	    err == ADDR_E_DOMAIN, "domain: all-digit single label");
}

static void
test_errors(void)
{
	const char *enh, *t1, *t2;
	enum addr_err e1, e2;
	int distinct = 1;

	for (e1 = ADDR_E_BRACKET; e1 <= ADDR_E_UTF8; e1++) {
		t1 = addr_strerror(e1);
		for (e2 = e1 + 1; e2 <= ADDR_E_UTF8; e2++) {
			t2 = addr_strerror(e2);
			if (strcmp(t1, t2) == 0)
				distinct = 0;
		}
	}
	ok(distinct, "every error has its own text");
	like(addr_strerror(ADDR_E_LOCAL_LONG), "64", "local limit in text");
	like(addr_strerror(ADDR_E_PATH_LONG), "256", "path limit in text");

	is_int(addr_err_reply(ADDR_E_SYNTAX, 0, &enh), 501, "syntax: 501");
	is_str(enh, "5.1.3", "syntax in RCPT TO: 5.1.3");
	is_int(addr_err_reply(ADDR_E_SYNTAX, SENDER, &enh), 501,
	    "syntax in MAIL FROM: 501");
	is_str(enh, "5.1.7", "syntax in MAIL FROM: 5.1.7");
	is_int(addr_err_reply(ADDR_E_LOCAL_LONG, 0, &enh), 501,
	    "local part too long: 501");
	is_str(enh, "5.1.3", "local part too long: 5.1.3");
	is_int(addr_err_reply(ADDR_E_PATH_LONG, SENDER, &enh), 501,
	    "path too long: 501");
	is_str(enh, "5.1.7", "path too long in MAIL FROM: 5.1.7");
	is_int(addr_err_reply(ADDR_E_BRACKET, 0, &enh), 501,
	    "missing brackets: 501");
	is_str(enh, "5.5.4", "missing brackets: 5.5.4");
	is_int(addr_err_reply(ADDR_E_TRAILING, SENDER, &enh), 501,
	    "junk after >: 501");
	is_str(enh, "5.5.4", "junk after >: 5.5.4");
	is_int(addr_err_reply(ADDR_E_8BIT, 0, &enh), 553,
	    "8-bit without SMTPUTF8: 553");
	is_str(enh, "5.6.7", "8-bit without SMTPUTF8: 5.6.7");
	is_int(addr_err_reply(ADDR_E_NULL, 0, &enh), 501, "<> in RCPT: 501");
	is_str(enh, "5.1.3", "<> in RCPT: 5.1.3");
	is_int(addr_err_reply(ADDR_E_UTF8, UTF8, &enh), 501,
	    "invalid UTF-8: 501");
	is_str(enh, "5.1.3", "invalid UTF-8: 5.1.3");
}

static void
test_format_key(void)
{
	static const struct {
		const char *in;
		const char *formatted;
		const char *key;
		int flags;
	} cases[] = {
		{ "<User@Example.ORG>", "User@example.org", "user@example.org",
		    0 },
		{ "<\"a b\"@example.org>", "\"a b\"@example.org",
		    "a b@example.org", 0 },
		{ "<\"A\\\"B\"@example.org>", "\"A\\\"B\"@example.org",
		    "a\"b@example.org", 0 },
		{ "<\"a\\\\b\"@example.org>", "\"a\\\\b\"@example.org",
		    "a\\b@example.org", 0 },
		{ "<\"abc\"@example.org>", "abc@example.org",
		    "abc@example.org", 0 },
		{ "<\"a..b\"@example.org>", "\"a..b\"@example.org",
		    "a..b@example.org", 0 },
		{ "<\".a\"@example.org>", "\".a\"@example.org",
		    ".a@example.org", 0 },
		{ "<@r.example:u@[IPv6:2001:DB8::1]>", "u@[IPv6:2001:db8::1]",
		    "u@[ipv6:2001:db8::1]", 0 },
		{ "<Postmaster>", "Postmaster", "postmaster", UTF8 },
		{ "<>", "", "", SENDER },
		{ "<\xc3\x84rger@B\xc3\x9c" "cher.example>",
		    "\xc3\x84rger@b\xc3\x9c" "cher.example",
		    "\xc3\x84rger@b\xc3\x9c" "cher.example", SENDER | UTF8 },
	};
	char buf[ADDR_TEXT_MAX], key[ADDR_TEXT_MAX], again[ADDR_TEXT_MAX + 2];
	struct addr a, b;
	enum addr_err err;
	const char *rest;
	size_t i;
	int cases_flags;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cases_flags = cases[i].flags;
		if (addr_parse_path(cases[i].in, cases_flags, &a, &rest,
		    &err) < 0) {
			ok(0, "format %zu: parse (%s)", i, addr_strerror(err));
			continue;
		}
		is_int(addr_format(&a, buf, sizeof(buf)), 0, "format %zu", i);
		is_str(buf, cases[i].formatted, "format %zu: text", i);
		is_int(addr_key(&a, key, sizeof(key)), 0, "key %zu", i);
		is_str(key, cases[i].key, "key %zu: text", i);
		/* the external form parses back to the same address */
		snprintf(again, sizeof(again), "<%s>", buf);
		ok(addr_parse_path(again, cases_flags, &b, &rest, &err) == 0 &&
		    strcmp(a.local, b.local) == 0 &&
		    strcmp(a.domain, b.domain) == 0,
		    "format %zu: round trip", i);
	}

	addr_parse_path("<User@example.org>", 0, &a, &rest, &err);
	is_int(addr_format(&a, buf, 5), -1, "format: small buffer refused");
	is_int(addr_key(&a, buf, 16), -1, "key: small buffer refused");
	is_int(addr_key(&a, buf, 17), 0, "key: exact buffer");
	addr_parse_path("<USER@EXAMPLE.org>", 0, &b, &rest, &err);
	is_int(addr_cmp(&a, &b), 0, "cmp: case-insensitive");
	is_str(b.local, "USER", "cmp: local case kept for delivery");
	addr_parse_path("<user2@example.org>", 0, &b, &rest, &err);
	ok(addr_cmp(&a, &b) != 0, "cmp: different users differ");
	addr_parse_path("<>", SENDER, &b, &rest, &err);
	ok(addr_cmp(&a, &b) != 0 && addr_cmp(&b, &b) == 0,
	    "cmp: null address");

	is_int(addr_key_parts("User+Ext", 4, "Example.org", buf, sizeof(buf)),
	    0, "key_parts: user after split");
	is_str(buf, "user@example.org", "key_parts: text");
	addr_key_parts("", 0, "example.org", buf, sizeof(buf));
	is_str(buf, "@example.org", "key_parts: catch-all @domain");
	addr_key_parts("MiXed", 5, NULL, buf, sizeof(buf));
	is_str(buf, "mixed", "key_parts: local only");
	strlcpy(buf, "AbC-\xc3\x84", sizeof(buf));
	addr_lower(buf);
	is_str(buf, "abc-\xc3\x84", "lower: ASCII only");
}

static void
test_split(void)
{
	static const struct {
		const char *local;
		const char *delims;
		int ret;
		size_t userlen;
		const char *ext;
	} cases[] = {
		{ "user+ext", "+", 1, 4, "ext" },
		{ "user", "+", 0, 4, NULL },
		{ "user+a+b", "+", 1, 4, "a+b" },
		{ "user-ext+x", "+-", 1, 4, "ext+x" },
		{ "user+ext-x", "-+", 1, 4, "ext-x" },
		{ "user+", "+", 1, 4, "" },
		{ "+ext", "+", 0, 4, NULL },
		{ "user+ext", "", 0, 8, NULL },
		{ "user+ext", NULL, 0, 8, NULL },
		{ "owner-list", "-", 1, 5, "list" },
		{ "\xc3\xbcser+x", "+", 1, 5, "x" },
		{ "a\xc3\xbc", "\xbc", 0, 3, NULL },
	};
	const char *ext;
	size_t i, userlen;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ret = addr_split_ext(cases[i].local, cases[i].delims, &userlen,
		    &ext);
		ok(ret == cases[i].ret && userlen == cases[i].userlen &&
		    ((ext == NULL && cases[i].ext == NULL) ||
		    (ext != NULL && cases[i].ext != NULL &&
		    strcmp(ext, cases[i].ext) == 0)),
		    "split %zu: \"%s\" at \"%s\"", i, cases[i].local,
		    cases[i].delims ? cases[i].delims : "(null)");
	}
}

/*
 * Every prefix of every table input, copied into a buffer of exactly its
 * size (so the sanitizers catch a read past the NUL). A prefix of a
 * good path that stops before its closing > must never parse; for the
 * bad ones this checks only that nothing reads out of bounds.
 */
static void
test_prefixes(void)
{
	const struct path_case *c;
	struct addr a;
	enum addr_err err;
	const char *rest, *end;
	size_t i, k, len, pathend;
	char *buf;
	int bad = 0;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		c = &path_cases[i];
		len = strlen(c->in);
		pathend = 0;
		if (c->err == ADDR_OK &&
		    addr_parse_path(c->in, c->flags, &a, &rest, &err) == 0) {
			for (end = rest; end > c->in && end[-1] != '>'; end--)
				;
			pathend = (size_t)(end - c->in);
		}
		for (k = 0; k < len; k++) {
			buf = xmalloc(k + 1);
			memcpy(buf, c->in, k);
			buf[k] = '\0';
			if (addr_parse_path(buf, c->flags, &a, &rest, &err) == 0 &&
			    c->err == ADDR_OK && k < pathend) {
				diag("prefix %zu of \"%s\" parsed", k, c->desc);
				bad++;
			}
			free(buf);
		}
	}
	is_int(bad, 0, "no truncated path parses");
}

int
main(void)
{
	size_t i;

	tap_init("addr");
	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++)
		check_path(path_cases[i].desc, path_cases[i].in,
		    path_cases[i].flags, path_cases[i].err,
		    path_cases[i].local, path_cases[i].domain,
		    path_cases[i].rest, path_cases[i].aflags);
	test_limits();
	test_mailbox_domain();
	test_errors();
	test_format_key();
	test_split();
	test_prefixes();
	return done_testing();
}
