/*
 * NAME
 *	smtp_ehlo - the EHLO reply's extension keywords; see smtp_ehlo.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_ehlo.h"

#define SMTP_EHLO_SIZE_CAP	(1ULL << 50)
#define SMTP_EHLO_MECH_MAX	20

static const struct {
	const char	*kw;
	int		 ext;
} smtp_ehlo_kw[] = {
	{ "PIPELINING", SMTP_EXT_PIPELINING },
	{ "SIZE", SMTP_EXT_SIZE },
	{ "8BITMIME", SMTP_EXT_8BITMIME },
	{ "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
	{ "DSN", SMTP_EXT_DSN },
	{ "STARTTLS", SMTP_EXT_STARTTLS },
	{ "AUTH", SMTP_EXT_AUTH },
	{ "CHUNKING", SMTP_EXT_CHUNKING },
	{ "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCED },
};

/* "AUTH PLAIN LOGIN": keep the well-formed mechanism names. */
static void
smtp_ehlo_mechs(struct smtp_ehlo *e, const char *p, size_t len)
{
	size_t i = 0, n, k, have;

	while (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == '='))
			i++;
		for (n = 0; i + n < len && p[i + n] != ' '; n++)
			;
		if (n == 0)
			break;
		for (k = 0; k < n; k++)
			if (!((p[i + k] >= 'A' && p[i + k] <= 'Z') ||
			    (p[i + k] >= 'a' && p[i + k] <= 'z') ||
			    (p[i + k] >= '0' && p[i + k] <= '9') ||
			    p[i + k] == '-' || p[i + k] == '_'))
				break;
		have = strlen(e->auth);
		if (k == n && n <= SMTP_EHLO_MECH_MAX &&
		    have + n + 2 < sizeof(e->auth)) {
			if (have == 0)
				e->auth[have++] = ' ';
			for (k = 0; k < n; k++) {
				char c = p[i + k];

				e->auth[have++] = c >= 'a' && c <= 'z' ?
				    (char)(c - 32) : c;
			}
			e->auth[have++] = ' ';
			e->auth[have] = '\0';
		}
		i += n;
	}
}

/* One line's keyword and parameters (after "250-"). */
static void
smtp_ehlo_line(struct smtp_ehlo *e, const char *p, size_t len)
{
	unsigned long long v;
	size_t kwlen, i, k;

	for (kwlen = 0; kwlen < len && p[kwlen] != ' ' && p[kwlen] != '=';
	    kwlen++)
		;
	for (i = 0; i < sizeof(smtp_ehlo_kw) / sizeof(smtp_ehlo_kw[0]);
	    i++) {
		if (strlen(smtp_ehlo_kw[i].kw) != kwlen ||
		    strncasecmp(p, smtp_ehlo_kw[i].kw, kwlen) != 0)
			continue;
		e->ext |= smtp_ehlo_kw[i].ext;
		if (smtp_ehlo_kw[i].ext == SMTP_EXT_AUTH)
			smtp_ehlo_mechs(e, p + kwlen, len - kwlen);
		if (smtp_ehlo_kw[i].ext == SMTP_EXT_SIZE &&
		    kwlen < len && p[kwlen] == ' ') {
			for (v = 0, k = kwlen + 1; k < len && p[k] >= '0' &&
			    p[k] <= '9'; k++)
				if (v < SMTP_EHLO_SIZE_CAP)
					v = v * 10 + (unsigned)(p[k] - '0');
			if (k == len && k > kwlen + 1)
				e->size = v > SMTP_EHLO_SIZE_CAP ?
				    SMTP_EHLO_SIZE_CAP : v;
		}
		return;
	}
}

void
smtp_ehlo_parse(const char *text, struct smtp_ehlo *e)
{
	const char *p, *nl;
	size_t len;

	memset(e, 0, sizeof(*e));
	if ((p = strchr(text, '\n')) == NULL)
		return;		/* the greeting line only */
	for (p++; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len > 4)
			smtp_ehlo_line(e, p + 4, len - 4);
		if (nl == NULL)
			break;
	}
}

int
smtp_ehlo_auth(const struct smtp_ehlo *e, const char *mech)
{
	char want[SMTP_EHLO_MECH_MAX + 3];

	if (strlen(mech) > SMTP_EHLO_MECH_MAX)
		return 0;
	want[0] = ' ';
	strlcpy(want + 1, mech, sizeof(want) - 1);
	strlcat(want, " ", sizeof(want));
	return strstr(e->auth, want) != NULL;
}
