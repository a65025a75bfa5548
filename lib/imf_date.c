/*
 * imf_date - RFC 5322 dates, obsolete forms included; see imf.h.
 *
 * UNSAFE: pointer arithmetic bounded by `end`.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "imf.h"

static const char months[12][4] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

static const struct {
	const char	*name;
	int		 minutes;
} zones[] = {
	{ "ut", 0 }, { "gmt", 0 }, { "utc", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
};

struct rd {
	const char	*p, *end;
};

static void
skip_cfws(struct rd *r)
{
	int depth;

	while (r->p < r->end) {
		if (isspace((unsigned char)*r->p) || *r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p != '(')
			return;
		for (depth = 0; r->p < r->end; r->p++) {
			if (*r->p == '(')
				depth++;
			else if (*r->p == ')' && --depth == 0) {
				r->p++;
				break;
			}
		}
	}
}

/* Digits: up to maxd of them; -1 when none. */
static long
number(struct rd *r, int maxd, int *ndig_r)
{
	long v = 0;
	int n = 0;

	while (r->p < r->end && n < maxd && isdigit((unsigned char)*r->p)) {
		v = v * 10 + (*r->p - '0');
		r->p++;
		n++;
	}
	if (ndig_r != NULL)
		*ndig_r = n;
	return n == 0 ? -1 : v;
}

/* A word of letters; its length (0 when none). */
static size_t
word(struct rd *r, const char **w_r)
{
	const char *s = r->p;

	while (r->p < r->end && isalpha((unsigned char)*r->p))
		r->p++;
	*w_r = s;
	return (size_t)(r->p - s);
}

static int
month(const char *w, size_t n)
{
	int i;

	if (n < 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (strncasecmp(w, months[i], 3) == 0)
			return i + 1;
	return 0;
}

long
imf_days(int year, int mon, int mday)
{
	/* days from civil, era-based (H. Hinnant's algorithm) */
	long y = year - (mon <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
zone(struct rd *r, int *minutes_r)
{
	const char *w;
	size_t n, i;
	long v;
	int sign, nd;

	skip_cfws(r);
	*minutes_r = 0;
	if (r->p >= r->end)
		return 0;
	if (*r->p == '+' || *r->p == '-') {
		sign = *r->p == '-' ? -1 : 1;
		r->p++;
		v = number(r, 4, &nd);
		if (nd != 4 || v % 100 >= 60)
			return 0;
		*minutes_r = sign * (int)(v / 100 * 60 + v % 100);
		return 0;
	}
	n = word(r, &w);
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == n &&
		    strncasecmp(w, zones[i].name, n) == 0)
			*minutes_r = zones[i].minutes;
	/* military zones and anything else: +0000 (RFC 5322 4.3) */
	return 0;
}

int
imf_date_parse(const char *value, size_t len, struct imf_date *d)
{
	struct rd r = { value, value + len };
	const char *w;
	size_t n;
	long v;
	int nd;

	memset(d, 0, sizeof(*d));
	skip_cfws(&r);
	/* an optional day name */
	if ((n = word(&r, &w)) > 0 && month(w, n) == 0)
		skip_cfws(&r);
	else
		r.p = w;
	skip_cfws(&r);
	if ((v = number(&r, 2, NULL)) < 1 || v > 31)
		return -1;
	d->mday = (int)v;
	skip_cfws(&r);
	if (r.p < r.end && *r.p == '-')
		r.p++;
	n = word(&r, &w);
	if ((d->mon = month(w, n)) == 0)
		return -1;
	skip_cfws(&r);
	if (r.p < r.end && *r.p == '-')
		r.p++;
	if ((v = number(&r, 4, &nd)) < 0)
		return -1;
	if (nd == 2)
		v += v < 50 ? 2000 : 1900;
	else if (nd == 3)
		v += 1900;
	d->year = (int)v;
	skip_cfws(&r);
	if ((v = number(&r, 2, NULL)) >= 0 && v < 24 && r.p < r.end &&
	    *r.p == ':') {
		d->hour = (int)v;
		r.p++;
		if ((v = number(&r, 2, NULL)) < 0 || v > 59)
			return -1;
		d->min = (int)v;
		if (r.p < r.end && *r.p == ':') {
			r.p++;
			if ((v = number(&r, 2, NULL)) < 0 || v > 60)
				return -1;
			d->sec = (int)v;
		}
		(void)zone(&r, &d->zone);
	}
	d->utc = (time_t)(imf_days(d->year, d->mon, d->mday) * 86400L +
	    d->hour * 3600L + d->min * 60L + d->sec - d->zone * 60L);
	return 0;
}
