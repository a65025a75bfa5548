/*
 * dsn - delivery status notification helpers (RFC 3461, 3463, 3464):
 * enhanced status codes, DSN actions, NOTIFY and ORCPT interpretation,
 * and the RFC 5322 date used in reports.
 *
 * DESCRIPTION
 *	A delivery outcome is classified once, where it is detected, as an
 *	enhanced status code ("5.1.1") and an action; this module checks
 *	and names them, and answers whether a recipient asked for a notice
 *	of a given kind. qmgr/bounce.c builds the notices themselves.
 *
 * SECURITY
 *	NOTIFY and ORCPT values were received from the network and stored
 *	by smtpd; status codes come from delivery agents (another uid) and
 *	remote servers. Everything is checked against its grammar here and
 *	a bad value is reported, never passed on.
 */
#ifndef POSTERN_DSN_H
#define POSTERN_DSN_H

#include <stddef.h>
#include <time.h>

/* "X.YYY.ZZZ" and its NUL */
#define DSN_STATUS_SIZE	10
/* "Mon, 02 Jan 2006 15:04:05 -0700" and its NUL, with room to spare */
#define DSN_DATE_SIZE	80

/* RFC 3464 2.3.3 actions. */
enum dsn_action {
	DSN_ACTION_FAILED,
	DSN_ACTION_DELAYED,
	DSN_ACTION_DELIVERED,
	DSN_ACTION_RELAYED,
	DSN_ACTION_EXPANDED,
};

/*
 * 1 when s is an enhanced status code (RFC 3463): class 2, 4 or 5, then
 * two dot-separated numbers of 1 to 3 digits without leading zeros.
 */
int	dsn_status_valid(const char *s);

/* "failed", "delayed", "delivered", "relayed", "expanded". */
const char *dsn_action_name(enum dsn_action);
/* The reverse, case-insensitive: 0, or -1 for an unknown name. */
int	dsn_action_parse(const char *, enum dsn_action *);

/*
 * 1 when a recipient whose NOTIFY parameter is notify (as stored: NULL
 * or "" when the client gave none) wants a notice for action: without
 * NOTIFY, failures and delays are reported and successes are not
 * (RFC 3461 4.1); NOTIFY=NEVER wants nothing; otherwise the listed
 * conditions (SUCCESS covers delivered, relayed and expanded). A
 * malformed stored value counts as absent.
 */
int	dsn_notify_wants(const char *notify, enum dsn_action);

/*
 * Split an ORCPT value "addr-type;xtext" (RFC 3461 4.2) into the
 * address type (type, size typelen, lower-cased) and the decoded
 * address (addr, size addrlen). The xtext is decoded (RFC 3461 4); the
 * utf-8 type is utf-8-addr-xtext instead (RFC 6533 3), whose \x{HEX}
 * escapes are decoded into UTF-8, so addr may then hold 8-bit bytes.
 * Returns 0, or -1 when the value is malformed (bad xtext or escape, a
 * control character, a surrogate) or does not fit.
 */
int	dsn_orcpt_decode(const char *orcpt, char *type, size_t typelen,
	    char *addr, size_t addrlen);

/* The RFC 5322 date-time of t in local time, in the C locale. */
void	dsn_date(time_t t, char buf[DSN_DATE_SIZE]);

#endif
