/*
 * NAME
 *	imf - RFC 5322 address lists and dates, as mail readers read them
 *
 * DESCRIPTION
 *	imf_addr_parse turns a header value (From, To, Cc...) into the
 *	list IMAP's ENVELOPE sends: mailboxes, and groups as a start
 *	marker (its name in mailbox) and an end marker. It never fails and
 *	is lenient the way clients are: obsolete routes ("<@a,@b:u@d>")
 *	are kept, a comment after an address stands in for a missing
 *	display name, a local part without "@" gets host "", stray
 *	specials are skipped, a missing ">" or ";" is supplied. Text is
 *	kept as written (RFC 2047 words are not decoded: ENVELOPE sends
 *	them raw), except that quotes and quoted pairs of display names are
 *	removed and white space is collapsed; a quoted local part keeps
 *	its quotes, so mailbox@host is still a valid address.
 *
 *	imf_date_parse reads an RFC 5322 date-time, obsolete forms
 *	included: optional day name, 2- or 3-digit years (RFC 5322 4.3),
 *	optional seconds, numeric zones and the RFC 822 zone names
 *	(military letters count as +0000, RFC 5322 4.3). It returns the
 *	date as written (for SENTON and friends, which ignore the zone)
 *	and the instant in UTC.
 *
 * SECURITY
 *	Values are the network's. Parsing is linear in the value, output
 *	strings are NUL-terminated copies in the caller's arena (no NUL,
 *	CR or LF in them), and the number of addresses is bounded only by
 *	the value's length.
 */
#ifndef POSTERN_IMF_H
#define POSTERN_IMF_H

#include <stddef.h>
#include <time.h>

struct arena;

enum imf_addr_kind {
	IMF_ADDR_MAILBOX,
	IMF_ADDR_GROUP_START,	/* mailbox holds the group's name */
	IMF_ADDR_GROUP_END,
};

struct imf_addr {
	struct imf_addr		*next;
	enum imf_addr_kind	 kind;
	const char		*name;		/* display name, or NULL */
	const char		*route;		/* "@a,@b", or NULL */
	const char		*mailbox;	/* local part, or group name */
	const char		*host;		/* domain; "" when missing */
};

/* The addresses in value (NULL when there are none). */
struct imf_addr *imf_addr_parse(struct arena *, const char *value,
	    size_t len);

struct imf_date {
	int	year, mon, mday;	/* as written; mon 1..12 */
	int	hour, min, sec;
	int	zone;			/* minutes east of UTC */
	time_t	utc;
};

/* 0 and *d, or -1 when value holds no recognisable date. */
int	imf_date_parse(const char *value, size_t len, struct imf_date *d);
/* Days since 1970-01-01 of a civil date (any year, proleptic Gregorian). */
long	imf_days(int year, int mon, int mday);

#endif
