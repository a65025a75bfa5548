/*
 * fuzz/addr - RFC 5321 paths, mailboxes and domains (lib/addr), as they
 * come from MAIL FROM, RCPT TO, VRFY, EHLO and ETRN.
 *
 * Input: one byte of flags (ADDR_F_SENDER, ADDR_F_SMTPUTF8; which
 * parser), then the text. Properties for every accepted input:
 * - the internal form holds no control character, and within limits;
 * - parse -> addr_format -> parse again gives the same address (the
 *   mailbox form, and the path form in angle brackets);
 * - a normalised domain is a fixed point of addr_parse_domain;
 * - the lookup key fits ADDR_TEXT_MAX and equals itself lowercased;
 * - every error has a reply code and a text.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"

static void
check_clean(const char *s, size_t max, int utf8)
{
	size_t i, n = strlen(s);

	FUZZ_CHECK(n <= max);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
		if (!utf8)
			FUZZ_CHECK((unsigned char)s[i] < 0x80);
	}
}

static void
check_err(enum addr_err err, int flags)
{
	const char *enh = NULL;
	int code;

	FUZZ_CHECK(err != ADDR_OK);
	code = addr_err_reply(err, flags, &enh);
	FUZZ_CHECK(code == 501 || code == 553);
	FUZZ_CHECK(enh != NULL && strlen(enh) == 5);
	FUZZ_CHECK(addr_strerror(err)[0] != '\0');
}

static void
check_same(const struct addr *a, const struct addr *b)
{
	FUZZ_CHECK(strcmp(a->local, b->local) == 0);
	FUZZ_CHECK(strcmp(a->domain, b->domain) == 0);
	FUZZ_CHECK((a->flags & (ADDR_NULL | ADDR_POSTMASTER)) ==
	    (b->flags & (ADDR_NULL | ADDR_POSTMASTER)));
	FUZZ_CHECK(addr_cmp(a, b) == 0);
}

static void
check_addr(const struct addr *a, int flags)
{
	char text[ADDR_TEXT_MAX], key[ADDR_TEXT_MAX], path[ADDR_TEXT_MAX + 2];
	char dom[ADDR_DOMAIN_MAX + 1], lower[ADDR_TEXT_MAX];
	int utf8 = (flags & ADDR_F_SMTPUTF8) != 0;
	const char *rest, *ext;
	enum addr_err err;
	struct addr b;
	size_t userlen;

	check_clean(a->local, ADDR_LOCAL_MAX, utf8);
	check_clean(a->domain, ADDR_DOMAIN_MAX, utf8);
	FUZZ_CHECK(addr_format(a, text, sizeof(text)) == 0);
	FUZZ_CHECK(addr_key(a, key, sizeof(key)) == 0);
	strlcpy(lower, key, sizeof(lower));
	addr_lower(lower);
	FUZZ_CHECK(strcmp(lower, key) == 0);

	/*
	 * The external form in brackets parses back to the same; a mailbox
	 * (no path limit) may be too long for a path.
	 */
	snprintf(path, sizeof(path), "<%s>", text);
	if (strlen(path) > ADDR_PATH_MAX) {
		FUZZ_CHECK(addr_parse_path(path, flags, &b, &rest, &err) < 0);
		FUZZ_CHECK(err == ADDR_E_PATH_LONG);
	} else if (addr_parse_path(path, flags, &b, &rest, &err) < 0) {
		fprintf(stderr, "reparse of %s: %s\n", path,
		    addr_strerror(err));
		FUZZ_CHECK(!"formatted path parses");
	} else {
		FUZZ_CHECK(*rest == '\0');
		check_same(a, &b);
	}

	if (a->domain[0] != '\0') {
		/* ... and so does the bare mailbox */
		if (addr_parse_mailbox(text, flags, &b, &err) < 0) {
			fprintf(stderr, "reparse of %s: %s\n", text,
			    addr_strerror(err));
			FUZZ_CHECK(!"formatted mailbox parses");
		}
		check_same(a, &b);
		/* the normal form of a domain is its own normal form */
		FUZZ_CHECK(addr_parse_domain(a->domain, flags, dom, &err) ==
		    0);
		FUZZ_CHECK(strcmp(dom, a->domain) == 0);
	}
	if (addr_split_ext(a->local, "+-", &userlen, &ext)) {
		FUZZ_CHECK(userlen > 0 && userlen < strlen(a->local));
		FUZZ_CHECK(ext == a->local + userlen + 1);
	} else {
		FUZZ_CHECK(userlen == strlen(a->local) && ext == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, dom[ADDR_DOMAIN_MAX + 1];
	const char *rest;
	enum addr_err err;
	struct addr a;
	int flags, which;

	if (size < 1)
		return 0;
	flags = data[0] & (ADDR_F_SENDER | ADDR_F_SMTPUTF8);
	which = (data[0] >> 4) % 3;
	if ((s = malloc(size)) == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	switch (which) {
	case 0:
		if (addr_parse_path(s, flags, &a, &rest, &err) < 0)
			check_err(err, flags);
		else {
			FUZZ_CHECK(rest >= s && rest <= s + strlen(s));
			FUZZ_CHECK(*rest != ' ');
			if (!(flags & ADDR_F_SENDER))
				FUZZ_CHECK(!(a.flags & ADDR_NULL));
			check_addr(&a, flags);
		}
		break;
	case 1:
		if (addr_parse_mailbox(s, flags, &a, &err) < 0)
			check_err(err, flags);
		else {
			FUZZ_CHECK(a.domain[0] != '\0');
			check_addr(&a, flags);
		}
		break;
	default:
		if (addr_parse_domain(s, flags, dom, &err) < 0)
			check_err(err, flags);
		else {
			char again[ADDR_DOMAIN_MAX + 1];

			check_clean(dom, ADDR_DOMAIN_MAX,
			    (flags & ADDR_F_SMTPUTF8) != 0);
			FUZZ_CHECK(addr_parse_domain(dom, flags, again,
			    &err) == 0);
			FUZZ_CHECK(strcmp(dom, again) == 0);
		}
		break;
	}
	free(s);
	return 0;
}
