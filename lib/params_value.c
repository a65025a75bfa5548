/*
 * params_value - typed parameter values: numbers with units, booleans,
 * lists, and the checks each type and a few parameters make.
 *
 * SECURITY
 *	Values come from main.cf and master.cf -o options: numbers are parsed
 *	digit by digit with overflow checks, never with atoi, and a number
 *	with junk after it is an error, not a prefix.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "params_int.h"
#include "xmalloc.h"

/* Allowed words of enumerated parameters. */
static const struct params_enum {
	const char	*name;
	const char	*words;		/* space separated */
	int		 list;		/* a list of them */
} params_enums[] = {
	{ "inet_protocols", "all ipv4 ipv6", 1 },
	{ "smtpd_tls_security_level", "none may encrypt", 0 },
	{ "smtp_tls_security_level", "none may encrypt verify secure", 0 },
	{ "syslog_facility", "mail daemon user auth authpriv local0 local1 "
	    "local2 local3 local4 local5 local6 local7", 0 },
};

int
params_namechar(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

int
params_valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > PARAMS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!params_namechar(s[i]))
			return 0;
	return 1;
}

/* --- typed values ----------------------------------------------------- */

/* Parse the leading decimal digits of s: 0, or -1 with *err_r. */
static int
params_parse_digits(const char **sp, long long *v_r, const char **err_r)
{
	const char *s = *sp;
	long long v = 0;
	int d;

	if (!isdigit((unsigned char)*s)) {
		*err_r = "not a number";
		return -1;
	}
	for (; isdigit((unsigned char)*s); s++) {
		d = *s - '0';
		if (v > (LLONG_MAX - d) / 10) {
			*err_r = "number too large";
			return -1;
		}
		v = v * 10 + d;
	}
	*sp = s;
	*v_r = v;
	return 0;
}

/* A number with an optional one-letter unit from units/mult. */
static int
params_parse_unit(const char *s, long long *v_r, const char *units,
    const long long *mult, const char *badunit, const char **err_r)
{
	const char *u;
	long long v, m = 1;

	if (params_parse_digits(&s, &v, err_r) < 0)
		return -1;
	if (*s != '\0') {
		if (s[1] != '\0' ||
		    (u = strchr(units, tolower((unsigned char)*s))) == NULL) {
			*err_r = badunit;
			return -1;
		}
		m = mult[u - units];
	}
	if (v > LLONG_MAX / m) {
		*err_r = "number too large";
		return -1;
	}
	*v_r = v * m;
	return 0;
}

int
params_parse_time(const char *s, long long *v_r, const char **err_r)
{
	static const long long mult[] = { 1, 60, 3600, 86400, 7 * 86400 };

	return params_parse_unit(s, v_r, "smhdw", mult,
	    "bad time unit (use s, m, h, d or w)", err_r);
}

int
params_parse_size(const char *s, long long *v_r, const char **err_r)
{
	static const long long mult[] = { 1024LL, 1024LL * 1024,
	    1024LL * 1024 * 1024 };

	return params_parse_unit(s, v_r, "kmg", mult,
	    "bad size unit (use k, m or g)", err_r);
}

int
params_parse_bool(const char *s, int *v_r, const char **err_r)
{
	if (strcasecmp(s, "yes") == 0)
		*v_r = 1;
	else if (strcasecmp(s, "no") == 0)
		*v_r = 0;
	else {
		*err_r = "expected yes or no";
		return -1;
	}
	return 0;
}

int
params_parse_int(const char *s, long long *v_r, const char **err_r)
{
	long long v;
	int neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (params_parse_digits(&s, &v, err_r) < 0)
		return -1;
	if (*s != '\0') {
		*err_r = "not a number";
		return -1;
	}
	*v_r = neg ? -v : v;
	return 0;
}

void
params_format_number(char *buf, size_t len, enum param_type t, long long v)
{
	static const struct {
		long long	 m;
		char		 c;
	} tu[] = { { 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' },
	    { 60, 'm' } }, su[] = { { 1024LL * 1024 * 1024, 'g' },
	    { 1024LL * 1024, 'm' }, { 1024, 'k' } };
	size_t i;

	if (t == PARAM_TYPE_TIME) {
		for (i = 0; i < sizeof(tu) / sizeof(tu[0]); i++)
			if (v != 0 && v % tu[i].m == 0) {
				snprintf(buf, len, "%lld%c", v / tu[i].m,
				    tu[i].c);
				return;
			}
		snprintf(buf, len, "%llds", v);
		return;
	}
	if (t == PARAM_TYPE_SIZE)
		for (i = 0; i < sizeof(su) / sizeof(su[0]); i++)
			if (v != 0 && v % su[i].m == 0) {
				snprintf(buf, len, "%lld%c", v / su[i].m,
				    su[i].c);
				return;
			}
	snprintf(buf, len, "%lld", v);
}

/* Is word one of the space-separated words? */
static int
params_word_in(const char *word, size_t len, const char *words)
{
	const char *w = words;
	size_t n;

	while (*w != '\0') {
		n = strcspn(w, " ");
		if (n == len && strncasecmp(w, word, len) == 0)
			return 1;
		w += n;
		w += strspn(w, " ");
	}
	return 0;
}

int
params_valid_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || *s == '.' || *s == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* One element of a MAP list: type:name. */
static int
params_valid_map(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n > 0 && s[n] == ':' && s[n + 1] != '\0';
}

int
params_check_value(const struct param_info *pi, const char *v,
    long long *num_r, char **why_r)
{
	const char *err = NULL;
	char lo[32], hi[32], **list, **lp;
	long long n = 0;
	size_t i;
	int b;

	*num_r = 0;
	if ((pi->type == PARAM_TYPE_LIST || pi->type == PARAM_TYPE_MAP) &&
	    (err = params_list_check(v)) != NULL)
		goto bad;
	switch (pi->type) {
	case PARAM_TYPE_STR:
	case PARAM_TYPE_LIST:
		break;
	case PARAM_TYPE_MAP:
		list = params_list(v);
		for (lp = list; *lp != NULL; lp++)
			if (!params_valid_map(*lp)) {
				*why_r = xasprintf("bad value \"%s\": \"%s\" "
				    "is not a lookup table (type:name, as "
				    "hash:/etc/postern/aliases)", v, *lp);
				params_list_free(list);
				return -1;
			}
		params_list_free(list);
		return 0;
	case PARAM_TYPE_BOOL:
		if (params_parse_bool(v, &b, &err) < 0)
			goto bad;
		*num_r = b;
		return 0;
	case PARAM_TYPE_INT:
		if (params_parse_int(v, &n, &err) < 0)
			goto bad;
		break;
	case PARAM_TYPE_TIME:
		if (params_parse_time(v, &n, &err) < 0)
			goto bad;
		break;
	case PARAM_TYPE_SIZE:
		if (params_parse_size(v, &n, &err) < 0)
			goto bad;
		break;
	}
	if (pi->type == PARAM_TYPE_INT || pi->type == PARAM_TYPE_TIME ||
	    pi->type == PARAM_TYPE_SIZE) {
		if ((pi->min != 0 || pi->max != 0) &&
		    (n < pi->min || n > pi->max)) {
			params_format_number(lo, sizeof(lo), pi->type, pi->min);
			params_format_number(hi, sizeof(hi), pi->type, pi->max);
			*why_r = xasprintf("bad value \"%s\": out of range "
			    "(%s to %s)", v, lo, hi);
			return -1;
		}
		*num_r = n;
		return 0;
	}
	/* STR and LIST: the few with a fixed vocabulary or a shape */
	if (strcmp(pi->name, "syslog_name") == 0) {
		if (!log_sysname_ok(v)) {
			*why_r = xasprintf("bad value \"%s\": a log name is "
			    "letters, digits, '.', '_', '-' and '/' inside, at "
			    "most %d", v, LOG_SYSNAME_MAX);
			return -1;
		}
		return 0;
	}
	if (strcmp(pi->name, "myhostname") == 0 ||
	    strcmp(pi->name, "mydomain") == 0) {
		if (!params_valid_hostname(v)) {
			*why_r = xasprintf("bad value \"%s\": not a valid "
			    "host name", v);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < sizeof(params_enums) / sizeof(params_enums[0]); i++) {
		const struct params_enum *pe = &params_enums[i];

		if (strcmp(pi->name, pe->name) != 0)
			continue;
		list = pe->list ? params_list(v) : NULL;
		if (!pe->list && !params_word_in(v, strlen(v), pe->words))
			err = v;
		for (lp = list; lp != NULL && *lp != NULL; lp++)
			if (!params_word_in(*lp, strlen(*lp), pe->words)) {
				err = *lp;
				break;
			}
		if (list != NULL && list[0] == NULL)
			err = "";
		if (err != NULL)
			*why_r = xasprintf("bad value \"%s\": \"%s\" is not "
			    "one of: %s", v, err, pe->words);
		params_list_free(list);
		return err != NULL ? -1 : 0;
	}
	return 0;
bad:
	*why_r = xasprintf("bad value \"%s\": %s", v, err);
	return -1;
}

/* --- lists ------------------------------------------------------------ */

/*
 * The end of the list element at p: a {...} group is one element,
 * commas and blanks and all; so is a "quoted string" (an address's
 * local part in an alias value), with \ quoting the next character.
 * *open_r: 0, or what the value ended inside of ('"' or '{').
 */
static const char *
params_list_elem(const char *p, int *open_r)
{
	int depth = 0, quote = 0;

	for (; *p != '\0'; p++) {
		if (quote) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				quote = 0;
			continue;
		}
		if (*p == '"')
			quote = 1;
		else if (*p == '{')
			depth++;
		else if (*p == '}' && depth > 0)
			depth--;
		else if (depth == 0 && strchr(", \t\r\n", *p) != NULL)
			break;
	}
	*open_r = quote ? '"' : depth > 0 ? '{' : 0;
	return p;
}

const char *
params_list_check(const char *value)
{
	const char *p = value;
	int open = 0;

	while (*(p += strspn(p, ", \t\r\n")) != '\0' && !open)
		p = params_list_elem(p, &open);
	return open == '"' ? "a quoted string does not end (\")" :
	    open == '{' ? "a { group does not end (})" : NULL;
}

char **
params_list(const char *value)
{
	const char *p = value, *start;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int open;

	for (;;) {
		p += strspn(p, ", \t\r\n");
		if (*p == '\0')
			break;
		start = p;
		p = params_list_elem(p, &open);
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrndup(start, (size_t)(p - start));
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	v[n] = NULL;
	return v;
}

void
params_list_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}
