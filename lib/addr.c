/*
 * addr - RFC 5321 mail addresses: paths, domains, extensions, lookup keys.
 *
 * DESCRIPTION
 *	A hand-written recursive-descent parser over the NUL-terminated
 *	argument of MAIL FROM / RCPT TO; see addr.h for the grammar, the
 *	limits, the normalisation and the reply codes. Every character is
 *	classified once; the local part is decoded into its internal form
 *	as it is scanned, the domain is measured before it is copied.
 *
 * SECURITY
 *	Input is an SMTP client's. Writes into the fixed buffers of struct
 *	addr happen only after the corresponding length check: a local
 *	part's internal form is never longer than its written form, which
 *	is checked against ADDR_LOCAL_MAX before each byte is stored; a
 *	domain is checked against ADDR_DOMAIN_MAX before it is copied.
 *
 * UNSAFE: the parser walks the input with pointers; it stops at the
 * terminating NUL, which no accepted character class includes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>
#include <strings.h>

#include "addr.h"

static const char *const addr_errtext[] = {
	[ADDR_OK] = "no error",
	[ADDR_E_BRACKET] = "address must be enclosed in <>",
	[ADDR_E_TRAILING] = "no space between the address and what follows",
	[ADDR_E_SYNTAX] = "bad address syntax",
	[ADDR_E_QUOTE] = "unterminated quoted string in local part",
	[ADDR_E_EMPTY_LOCAL] = "empty local part",
	[ADDR_E_NODOMAIN] = "address has no domain",
	[ADDR_E_NULL] = "null address not allowed here",
	[ADDR_E_LOCAL_LONG] = "local part longer than 64 octets",
	[ADDR_E_DOMAIN_LONG] = "domain longer than 255 octets",
	[ADDR_E_LABEL_LONG] = "domain label longer than 63 octets",
	[ADDR_E_PATH_LONG] = "path longer than 256 octets",
	[ADDR_E_DOMAIN] = "bad domain syntax",
	[ADDR_E_LITERAL] = "bad address literal",
	[ADDR_E_8BIT] = "non-ASCII address without SMTPUTF8",
	[ADDR_E_UTF8] = "invalid UTF-8 in address",
};

const char *
addr_strerror(enum addr_err err)
{
	if ((unsigned)err >= sizeof(addr_errtext) / sizeof(addr_errtext[0]))
		return "unknown address error";
	return addr_errtext[err];
}

int
addr_err_reply(enum addr_err err, int flags, const char **enh_r)
{
	switch (err) {
	case ADDR_OK:
		*enh_r = "2.0.0";
		return 250;
	case ADDR_E_BRACKET:
	case ADDR_E_TRAILING:
		*enh_r = "5.5.4";
		return 501;
	case ADDR_E_8BIT:
		*enh_r = "5.6.7";
		return 553;
	case ADDR_E_NULL:
		*enh_r = "5.1.3";
		return 501;
	default:
		*enh_r = (flags & ADDR_F_SENDER) != 0 ? "5.1.7" : "5.1.3";
		return 501;
	}
}

static int
addr_fail(enum addr_err *err_r, enum addr_err err)
{
	*err_r = err;
	return -1;
}

/* RFC 5322 atext, ASCII part. */
static int
addr_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
addr_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static char
addr_tolower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Length of the valid UTF-8 sequence (2..4 bytes) starting at p, which
 * has n bytes, or 0 (RFC 3629; C1 controls refused too).
 */
static size_t
addr_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;	/* continuation byte, C0/C1 lead, F5..FF */
	if (n < len)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* past U+10FFFF */
	else if (p[0] == 0xc2)
		lo = 0xa0;	/* C1 controls U+0080..U+009F */
	if (p[1] < lo || p[1] > hi)
		return 0;
	/* UNSAFE: n >= len was checked */
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* A non-ASCII byte at p: its sequence length, or 0 and *err_r. */
static size_t
addr_nonascii(const unsigned char *p, size_t n, int flags, int *aflags,
    enum addr_err *err_r)
{
	size_t len;

	if ((flags & ADDR_F_SMTPUTF8) == 0) {
		*err_r = ADDR_E_8BIT;
		return 0;
	}
	if ((len = addr_utf8_len(p, n)) == 0) {
		*err_r = ADDR_E_UTF8;
		return 0;
	}
	*aflags |= ADDR_UTF8;
	return len;
}

/*
 * Check and normalise len bytes of s as a domain (or, when literal_ok,
 * an address literal) into out (ADDR_DOMAIN_MAX + 1 bytes).
 */
static int
addr_domain(const char *s, size_t len, int flags, int literal_ok, char *out,
    int *aflags, enum addr_err *err_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n, seq, label = 0, lstart = 0;
	int alldigits = 1;

	if (len == 0)
		return addr_fail(err_r, ADDR_E_NODOMAIN);
	if (p[0] == '[') {
		char ip[64], text[INET6_ADDRSTRLEN];
		unsigned char bin[sizeof(struct in6_addr)];
		const char *content = s + 1;
		size_t clen;
		int af = AF_INET;

		if (!literal_ok || len < 3 || p[len - 1] != ']')
			return addr_fail(err_r, ADDR_E_LITERAL);
		clen = len - 2;
		if (clen > 5 && strncasecmp(content, "IPv6:", 5) == 0) {
			af = AF_INET6;
			content += 5;
			clen -= 5;
		}
		if (clen >= sizeof(ip) || memchr(content, '\0', clen) != NULL)
			return addr_fail(err_r, ADDR_E_LITERAL);
		memcpy(ip, content, clen);
		ip[clen] = '\0';
		if (inet_pton(af, ip, bin) != 1 ||
		    inet_ntop(af, bin, text, sizeof(text)) == NULL)
			return addr_fail(err_r, ADDR_E_LITERAL);
		strlcpy(out, af == AF_INET6 ? "[IPv6:" : "[",
		    ADDR_DOMAIN_MAX + 1);
		strlcat(out, text, ADDR_DOMAIN_MAX + 1);
		strlcat(out, "]", ADDR_DOMAIN_MAX + 1);
		*aflags |= ADDR_LITERAL;
		return 0;
	}
	if (p[len - 1] == '.')
		len--;			/* one trailing dot */
	if (len == 0)
		return addr_fail(err_r, ADDR_E_DOMAIN);
	if (len > ADDR_DOMAIN_MAX)
		return addr_fail(err_r, ADDR_E_DOMAIN_LONG);
	for (i = 0, n = 0; i <= len; ) {
		if (i == len || p[i] == '.') {
			/* end of a label */
			if (label == 0 || p[i - 1] == '-' || p[lstart] == '-')
				return addr_fail(err_r, ADDR_E_DOMAIN);
			if (label > ADDR_LABEL_MAX)
				return addr_fail(err_r, ADDR_E_LABEL_LONG);
			if (i == len)
				break;
			out[n++] = '.';
			i++;
			lstart = i;
			label = 0;
			alldigits = 1;
			continue;
		}
		if (addr_alnum(p[i]) || p[i] == '-') {
			if (p[i] < '0' || p[i] > '9')
				alldigits = 0;
			out[n++] = addr_tolower((char)p[i]);
			i++;
			label++;
			continue;
		}
		if (p[i] < 0x80)
			return addr_fail(err_r, ADDR_E_DOMAIN);
		/* UNSAFE: len - i bytes remain in this domain */
		if ((seq = addr_nonascii(p + i, len - i, flags, aflags,
		    err_r)) == 0)
			return -1;
		memcpy(out + n, p + i, seq);
		n += seq;
		i += seq;
		label += seq;
		alldigits = 0;
	}
	if (alldigits)
		return addr_fail(err_r, ADDR_E_DOMAIN);	/* numeric TLD */
	out[n] = '\0';
	return 0;
}

/*
 * Scan a local part at s into its internal form in out (ADDR_LOCAL_MAX
 * + 1 bytes); *end_r is set to the first byte after it.
 */
static int
addr_local(const char *s, int flags, const char **end_r, char *out,
    int *aflags, enum addr_err *err_r)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *start = p;
	size_t n = 0, seq;
	int dot = 1;

	if (*p == '"') {
		p++;
		for (;;) {
			if (*p == '\0')
				return addr_fail(err_r, ADDR_E_QUOTE);
			if (*p == '"') {
				p++;
				break;
			}
			seq = 1;
			if (*p == '\\') {
				p++;	/* quoted-pairSMTP: %d92 %d32-126 */
				if (*p == '\0')
					return addr_fail(err_r, ADDR_E_QUOTE);
				if (*p < 32 || *p > 126)
					return addr_fail(err_r, ADDR_E_SYNTAX);
			} else if (*p >= 0x80) {
				/* UNSAFE: the sequence check stops at NUL */
				if ((seq = addr_nonascii(p, 4, flags, aflags,
				    err_r)) == 0)
					return -1;
			} else if (*p < 32 || *p == 127)
				return addr_fail(err_r, ADDR_E_SYNTAX);
			if (n + seq > ADDR_LOCAL_MAX)
				return addr_fail(err_r, ADDR_E_LOCAL_LONG);
			memcpy(out + n, p, seq);
			n += seq;
			p += seq;
		}
		if (n == 0)
			return addr_fail(err_r, ADDR_E_EMPTY_LOCAL);
	} else {
		for (;;) {
			seq = 1;
			if (*p == '.') {
				if (dot)
					return addr_fail(err_r, ADDR_E_SYNTAX);
				dot = 1;
			} else if (addr_atext(*p))
				dot = 0;
			else if (*p >= 0x80) {
				/* UNSAFE: the sequence check stops at NUL */
				if ((seq = addr_nonascii(p, 4, flags, aflags,
				    err_r)) == 0)
					return -1;
				dot = 0;
			} else
				break;
			if (n + seq > ADDR_LOCAL_MAX)
				return addr_fail(err_r, ADDR_E_LOCAL_LONG);
			memcpy(out + n, p, seq);
			n += seq;
			p += seq;
		}
		if (n == 0)
			return addr_fail(err_r, *p == '@' || *p == '\0' ?
			    ADDR_E_EMPTY_LOCAL : ADDR_E_SYNTAX);
		if (dot)
			return addr_fail(err_r, ADDR_E_SYNTAX);	/* "a." */
	}
	if ((size_t)(p - start) > ADDR_LOCAL_MAX)
		return addr_fail(err_r, ADDR_E_LOCAL_LONG);
	out[n] = '\0';
	*end_r = (const char *)p;
	return 0;
}

/* Source route "@a,@b:" at s (which points at the first '@'). */
static int
addr_route(const char *s, int flags, const char **end_r, enum addr_err *err_r)
{
	char tmp[ADDR_DOMAIN_MAX + 1];
	const char *p = s, *q;
	int dummy = 0;

	for (;;) {
		p++;		/* the '@' */
		for (q = p; *q != '\0' && *q != ',' && *q != ':' && *q != '>';
		    q++)
			;
		if (addr_domain(p, (size_t)(q - p), flags, 0, tmp, &dummy,
		    err_r) < 0)
			return -1;
		p = q;
		if (*p == ',') {
			if (*++p != '@')
				return addr_fail(err_r, ADDR_E_SYNTAX);
			continue;
		}
		if (*p == ':')
			break;
		return addr_fail(err_r, *p == '\0' ? ADDR_E_BRACKET :
		    ADDR_E_SYNTAX);
	}
	*end_r = p + 1;
	return 0;
}

int
addr_parse_path(const char *s, int flags, struct addr *a, const char **rest_r,
    enum addr_err *err_r)
{
	const char *p = s, *lt, *q;

	memset(a, 0, sizeof(*a));
	*err_r = ADDR_OK;
	while (*p == ' ')
		p++;
	if (*p != '<')
		return addr_fail(err_r, ADDR_E_BRACKET);
	lt = p++;
	if (*p == '>') {
		if ((flags & ADDR_F_SENDER) == 0)
			return addr_fail(err_r, ADDR_E_NULL);
		a->flags = ADDR_NULL;
		p++;
		goto rest;
	}
	if (*p == '\0')
		return addr_fail(err_r, ADDR_E_BRACKET);
	if (*p == '@' && addr_route(p, flags, &p, err_r) < 0)
		return -1;
	if (addr_local(p, flags, &p, a->local, &a->flags, err_r) < 0)
		return -1;
	if (*p == '>') {
		/* RFC 5321 4.1.1.3: RCPT TO:<Postmaster> */
		if ((flags & ADDR_F_SENDER) != 0 ||
		    strcasecmp(a->local, "postmaster") != 0)
			return addr_fail(err_r, ADDR_E_NODOMAIN);
		a->flags |= ADDR_POSTMASTER;
		p++;
	} else {
		if (*p == '\0')
			return addr_fail(err_r, ADDR_E_BRACKET);
		if (*p != '@')
			return addr_fail(err_r, ADDR_E_SYNTAX);
		for (q = ++p; *q != '\0' && *q != '>'; q++)
			;
		if (addr_domain(p, (size_t)(q - p), flags, 1, a->domain,
		    &a->flags, err_r) < 0)
			return -1;
		if (*q != '>')
			return addr_fail(err_r, ADDR_E_BRACKET);
		p = q + 1;
	}
	if ((size_t)(p - lt) > ADDR_PATH_MAX)
		return addr_fail(err_r, ADDR_E_PATH_LONG);
rest:
	if (*p != '\0' && *p != ' ')
		return addr_fail(err_r, ADDR_E_TRAILING);
	while (*p == ' ')
		p++;
	*rest_r = p;
	return 0;
}

int
addr_parse_mailbox(const char *s, int flags, struct addr *a,
    enum addr_err *err_r)
{
	const char *p;

	memset(a, 0, sizeof(*a));
	*err_r = ADDR_OK;
	if (addr_local(s, flags, &p, a->local, &a->flags, err_r) < 0)
		return -1;
	if (*p == '\0')
		return addr_fail(err_r, ADDR_E_NODOMAIN);
	if (*p != '@')
		return addr_fail(err_r, ADDR_E_SYNTAX);
	p++;
	return addr_domain(p, strlen(p), flags, 1, a->domain, &a->flags,
	    err_r);
}

int
addr_parse_domain(const char *s, int flags, char *out, enum addr_err *err_r)
{
	int dummy = 0;

	*err_r = ADDR_OK;
	return addr_domain(s, strlen(s), flags, 1, out, &dummy, err_r);
}

/* Append k bytes to buf (len bytes) at *n, keeping room for a NUL. */
static int
addr_put(char *buf, size_t len, size_t *n, const char *s, size_t k)
{
	if (k >= len - *n)
		return -1;
	memcpy(buf + *n, s, k);
	*n += k;
	buf[*n] = '\0';
	return 0;
}

/* Is local a dot-string (can it be written without quotes)? */
static int
addr_dotstring(const char *local)
{
	const unsigned char *p = (const unsigned char *)local;
	int dot = 1;

	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (dot)
				return 0;
			dot = 1;
		} else if (addr_atext(*p) || *p >= 0x80)
			dot = 0;
		else
			return 0;
	}
	return !dot;
}

int
addr_format(const struct addr *a, char *buf, size_t len)
{
	const char *p;
	size_t n = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if ((a->flags & ADDR_NULL) != 0)
		return 0;
	if (addr_dotstring(a->local)) {
		if (addr_put(buf, len, &n, a->local, strlen(a->local)) < 0)
			return -1;
	} else {
		if (addr_put(buf, len, &n, "\"", 1) < 0)
			return -1;
		for (p = a->local; *p != '\0'; p++) {
			if ((*p == '"' || *p == '\\') &&
			    addr_put(buf, len, &n, "\\", 1) < 0)
				return -1;
			if (addr_put(buf, len, &n, p, 1) < 0)
				return -1;
		}
		if (addr_put(buf, len, &n, "\"", 1) < 0)
			return -1;
	}
	if (a->domain[0] == '\0')
		return 0;
	if (addr_put(buf, len, &n, "@", 1) < 0 ||
	    addr_put(buf, len, &n, a->domain, strlen(a->domain)) < 0)
		return -1;
	return 0;
}

void
addr_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = addr_tolower(*s);
}

int
addr_key_parts(const char *local, size_t locallen, const char *domain,
    char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (addr_put(buf, len, &n, local, locallen) < 0)
		return -1;
	if (domain != NULL && (addr_put(buf, len, &n, "@", 1) < 0 ||
	    addr_put(buf, len, &n, domain, strlen(domain)) < 0))
		return -1;
	addr_lower(buf);
	return 0;
}

int
addr_key(const struct addr *a, char *buf, size_t len)
{
	if (len == 0)
		return -1;
	if ((a->flags & ADDR_NULL) != 0) {
		buf[0] = '\0';
		return 0;
	}
	return addr_key_parts(a->local, strlen(a->local),
	    a->domain[0] != '\0' ? a->domain : NULL, buf, len);
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	char ka[ADDR_TEXT_MAX], kb[ADDR_TEXT_MAX];

	if (addr_key(a, ka, sizeof(ka)) < 0)
		ka[0] = '\0';
	if (addr_key(b, kb, sizeof(kb)) < 0)
		kb[0] = '\0';
	if ((a->flags & ADDR_NULL) != (b->flags & ADDR_NULL))
		return (a->flags & ADDR_NULL) != 0 ? -1 : 1;
	return strcmp(ka, kb);
}

int
addr_split_ext(const char *local, const char *delims, size_t *userlen_r,
    const char **ext_r)
{
	const unsigned char *p = (const unsigned char *)local;
	size_t i;

	*userlen_r = strlen(local);
	*ext_r = NULL;
	if (delims == NULL || *delims == '\0')
		return 0;
	for (i = 0; p[i] != '\0'; i++)
		if (p[i] < 0x80 && strchr(delims, p[i]) != NULL)
			break;
	if (p[i] == '\0' || i == 0)
		return 0;
	*userlen_r = i;
	*ext_r = local + i + 1;
	return 1;
}
