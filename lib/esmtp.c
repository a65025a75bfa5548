/*
 * esmtp - ESMTP parameter lists and xtext; see esmtp.h.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "esmtp.h"

/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static int
esmtp_keyword_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* esmtp-value = 1*(%d33-60 / %d62-126): no '=', no space, no controls */
static int
esmtp_value_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 ||
		    *s == '=')
			return 0;
	return 1;
}

int
esmtp_params_parse(char *buf, struct esmtp_param *params, size_t max,
    const char **err_r)
{
	size_t n = 0, i, klen;
	char *p = buf, *tok, *eq;

	for (;;) {
		p += strspn(p, " ");
		if (*p == '\0')
			break;
		tok = p;
		p += strcspn(p, " ");
		if (*p != '\0')
			*p++ = '\0';
		if (n == max) {
			*err_r = "too many parameters";
			return -1;
		}
		eq = strchr(tok, '=');
		klen = eq ? (size_t)(eq - tok) : strlen(tok);
		if (!esmtp_keyword_valid(tok, klen) ||
		    klen >= sizeof(params[n].keyword)) {
			*err_r = "bad parameter keyword";
			return -1;
		}
		for (i = 0; i < klen; i++)
			params[n].keyword[i] = (char)toupper((unsigned char)tok[i]);
		params[n].keyword[klen] = '\0';
		params[n].value = NULL;
		if (eq != NULL) {
			if (!esmtp_value_valid(eq + 1)) {
				*err_r = "bad parameter value";
				return -1;
			}
			params[n].value = eq + 1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(params[i].keyword, params[n].keyword) == 0) {
				*err_r = "duplicate parameter";
				return -1;
			}
		n++;
	}
	return (int)n;
}

static int
esmtp_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* RFC 3461: upper-case hex only */
}

int
esmtp_xtext_decode(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	int hi, lo, c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == '+') {
			if ((hi = esmtp_hexval(s[1])) < 0 ||
			    (lo = esmtp_hexval(s[2])) < 0)
				return -1;
			c = hi * 16 + lo;
			s += 2;
		} else if (c < 33 || c > 126 || c == '=')
			return -1;
		if (c < 32 || c > 126)		/* decoded must be printable */
			return -1;
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	if (outlen > 0)
		out[n] = '\0';
	return (int)n;
}

int
esmtp_xtext_valid(const char *s)
{
	char tmp[1024];

	return strlen(s) < sizeof(tmp) && esmtp_xtext_decode(s, tmp,
	    sizeof(tmp)) >= 0;
}

int
esmtp_xtext_encode(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 33 && c <= 126 && c != '+' && c != '=') {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = (char)c;
		} else {
			if (n + 3 >= outlen)
				return -1;
			out[n++] = '+';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (outlen == 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

int
esmtp_notify_parse(const char *s, int *flags_r)
{
	char word[16];
	size_t n;
	int flags = 0;

	if (strcasecmp(s, "NEVER") == 0) {
		*flags_r = ESMTP_NOTIFY_NEVER;
		return 0;
	}
	while (*s != '\0') {
		n = strcspn(s, ",");
		if (n == 0 || n >= sizeof(word))
			return -1;
		memcpy(word, s, n);
		word[n] = '\0';
		if (strcasecmp(word, "SUCCESS") == 0)
			flags |= ESMTP_NOTIFY_SUCCESS;
		else if (strcasecmp(word, "FAILURE") == 0)
			flags |= ESMTP_NOTIFY_FAILURE;
		else if (strcasecmp(word, "DELAY") == 0)
			flags |= ESMTP_NOTIFY_DELAY;
		else
			return -1;	/* includes NEVER in a list */
		s += n;
		if (*s == ',' && *++s == '\0')
			return -1;
	}
	if (flags == 0)
		return -1;
	*flags_r = flags;
	return 0;
}

int
esmtp_orcpt_valid(const char *s)
{
	const char *semi = strchr(s, ';');
	char tmp[ESMTP_ORCPT_MAX + 1];

	if (semi == NULL || semi == s || !esmtp_keyword_valid(s,
	    (size_t)(semi - s)))
		return -1;
	if (semi[1] == '\0' || strlen(semi + 1) > 3 * ESMTP_ORCPT_MAX)
		return -1;
	return esmtp_xtext_decode(semi + 1, tmp, sizeof(tmp)) < 0 ? -1 : 0;
}
