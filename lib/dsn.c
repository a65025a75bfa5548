/*
 * dsn - status codes, actions, NOTIFY, ORCPT and dates; see dsn.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "esmtp.h"

static const char *const dsn_action_names[] = {
	[DSN_ACTION_FAILED] = "failed",
	[DSN_ACTION_DELAYED] = "delayed",
	[DSN_ACTION_DELIVERED] = "delivered",
	[DSN_ACTION_RELAYED] = "relayed",
	[DSN_ACTION_EXPANDED] = "expanded",
};

#define DSN_NACTIONS	(sizeof(dsn_action_names) / sizeof(dsn_action_names[0]))

/* 1 to 3 digits, no leading zero unless the number is 0; *sp advanced */
static int
dsn_status_number(const char **sp)
{
	const char *s = *sp;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return 0;
	*sp = s + n;
	return 1;
}

int
dsn_status_valid(const char *s)
{
	if (s == NULL || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return 0;
	s += 2;
	if (!dsn_status_number(&s) || *s++ != '.' || !dsn_status_number(&s))
		return 0;
	return *s == '\0';
}

const char *
dsn_action_name(enum dsn_action a)
{
	if ((size_t)a >= DSN_NACTIONS)
		return "failed";
	return dsn_action_names[a];
}

int
dsn_action_parse(const char *s, enum dsn_action *a_r)
{
	size_t i;

	for (i = 0; i < DSN_NACTIONS; i++)
		if (strcasecmp(s, dsn_action_names[i]) == 0) {
			*a_r = (enum dsn_action)i;
			return 0;
		}
	return -1;
}

int
dsn_notify_wants(const char *notify, enum dsn_action a)
{
	int flags;

	if (notify == NULL || *notify == '\0' ||
	    esmtp_notify_parse(notify, &flags) < 0)
		flags = ESMTP_NOTIFY_FAILURE | ESMTP_NOTIFY_DELAY;
	switch (a) {
	case DSN_ACTION_FAILED:
		return (flags & ESMTP_NOTIFY_FAILURE) != 0;
	case DSN_ACTION_DELAYED:
		return (flags & ESMTP_NOTIFY_DELAY) != 0;
	case DSN_ACTION_DELIVERED:
	case DSN_ACTION_RELAYED:
	case DSN_ACTION_EXPANDED:
		return (flags & ESMTP_NOTIFY_SUCCESS) != 0;
	}
	return 0;
}

static int
dsn_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Append code point cp as UTF-8 to out at *np; -1 when it does not fit. */
static int
dsn_put_utf8(char *out, size_t outlen, size_t *np, unsigned long cp)
{
	unsigned char b[4];
	size_t k, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*np + k >= outlen)
		return -1;
	for (i = 0; i < k; i++)
		out[(*np)++] = (char)b[i];
	return 0;
}

/*
 * utf-8-addr-xtext (RFC 6533 3): printable ASCII except '+', '=' and
 * '\', and \x{HEX} escapes of 1 to 6 hex digits for anything else.
 */
static int
dsn_utf8_xtext_decode(const char *s, char *out, size_t outlen)
{
	unsigned long cp;
	size_t n = 0;
	int c, d, k;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '\\') {
			if (s[1] != 'x' || s[2] != '{')
				return -1;
			s += 3;
			for (cp = 0, k = 0; (d = dsn_hexval(*s)) >= 0 && k < 6;
			    s++, k++)
				cp = cp * 16 + (unsigned long)d;
			/* no control character, C1 included (they would
			 * reach a DSN's header fields) */
			if (k == 0 || *s != '}' || cp < 32 ||
			    (cp >= 127 && cp <= 0x9f) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return -1;
			if (dsn_put_utf8(out, outlen, &n, cp) < 0)
				return -1;
			continue;
		}
		if (c < 33 || c > 126 || c == '+' || c == '=')
			return -1;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	if (outlen == 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

int
dsn_orcpt_decode(const char *orcpt, char *type, size_t typelen, char *addr,
    size_t addrlen)
{
	const char *semi;
	size_t i, n;

	if (orcpt == NULL || (semi = strchr(orcpt, ';')) == NULL)
		return -1;
	n = (size_t)(semi - orcpt);
	if (n == 0 || n >= typelen)
		return -1;
	for (i = 0; i < n; i++) {
		char c = orcpt[i];

		/* an atom, and in practice rfc822, utf-8 or x-...: be strict */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return -1;
		type[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	type[n] = '\0';
	if (semi[1] == '\0')
		return -1;
	if (strcmp(type, "utf-8") == 0)
		return dsn_utf8_xtext_decode(semi + 1, addr, addrlen) < 0 ?
		    -1 : 0;
	return esmtp_xtext_decode(semi + 1, addr, addrlen) <= 0 ? -1 : 0;
}

void
dsn_date(time_t t, char buf[DSN_DATE_SIZE])
{
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	int off;

	/* by hand rather than strftime: never in the process's locale */
	if (localtime_r(&t, &tm) == NULL || tm.tm_wday < 0 ||
	    tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11) {
		strlcpy(buf, "Thu, 01 Jan 1970 00:00:00 +0000", DSN_DATE_SIZE);
		return;
	}
	/* minutes east of UTC, within a day */
	off = (int)((tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff) / 60 %
	    1440);
	snprintf(buf, DSN_DATE_SIZE,
	    "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
	    wday[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_gmtoff < 0 ? '-' : '+',
	    off / 60, off % 60);
}
