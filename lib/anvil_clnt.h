/*
 * NAME
 *	anvil_clnt - the client half of the per-client connection counter
 *	service (anvil), and its protocol
 *
 * SYNOPSIS
 *	struct anvil_clnt *ac = anvil_clnt_new(NULL, 0);
 *	struct anvil_reply rep;
 *
 *	if (anvil_clnt_connect(ac, "smtp", "192.0.2.1", &rep, &err) < 0)
 *		log_warn("anvil: %s: not limiting", err);
 *	else if (rep.count > limit) ... 421 and hang up ...
 *	...
 *	anvil_clnt_disconnect(ac, "smtp", "192.0.2.1", &err);
 *
 * DESCRIPTION
 *	anvil (anvil/) is one event-driven process that every smtpd
 *	process asks, at the start of a session, how many sessions the
 *	same client has open right now (for the same service) and how many
 *	it opened in the current rate window (anvil_rate_time_unit). It
 *	only counts: the limits are applied by the caller, with its own
 *	parameters, so a master.cf -o override of a limit works per
 *	service. See anvil(8).
 *
 *	Protocol (STYLE 2.2, lib/ipc records) on the private UNIX socket
 *	private/anvil (anvil_proto), relative to queue_directory (so it is
 *	the same path inside and outside the chroot). The server speaks
 *	first:
 *
 *		proto=anvil/1.0
 *
 *	Requests and replies, one reply per request, in order:
 *
 *		req=connect service=S ident=IP
 *			-> status=0 count=N rate=R
 *			   count: sessions open now, this one included;
 *			   rate: sessions started in the current window,
 *			   this one included.
 *			-> status=ANVIL_STAT_FULL count=0 rate=0
 *			   the table is full of clients with open sessions
 *			   (anvil_client_limit): this one is not counted.
 *		req=disconnect service=S ident=IP
 *			-> status=0
 *			   the end of a session this same connection
 *			   reported with connect; anything else is ignored.
 *
 *	A connection that closes ends every session it reported and did
 *	not end itself, so a crashed smtpd leaves no count behind. Rates of
 *	other events (messages, recipients) will be further verbs with the
 *	same reply shape; a server that does not know a verb answers
 *	status=ANVIL_STAT_FAIL.
 *
 *	Strings: service is [A-Za-z0-9._:[]-], at most ANVIL_SERVICE_MAX
 *	bytes (a master.cf service name, or an inet port); ident is
 *	printable ASCII without space, at most ANVIL_IDENT_MAX bytes (an
 *	IPv4 or IPv6 address).
 *
 *	The client (lib/ipc_clnt) keeps one connection open for many
 *	requests, opens it on first use, and reconnects once when the
 *	server went away (the master restarts anvil on demand). Every
 *	exchange is bounded by the timeout given to anvil_clnt_new. On any
 *	failure the call returns -1 and says why in *err_r: the caller
 *	carries on without limits (fail open, as Postfix's smtpd does when
 *	anvil is down) and logs a warning.
 *
 * SECURITY
 *	The socket is in private/: only the mail system's own processes
 *	can connect. The server still parses every request strictly and
 *	drops a connection that breaks the protocol; the client checks
 *	the protocol announcement and every reply the same way.
 */
#ifndef POSTERN_ANVIL_CLNT_H
#define POSTERN_ANVIL_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* Name, version, socket (private/anvil), bounds: both ends use it. */
extern const struct ipc_proto anvil_proto;

#define ANVIL_REQ_CONNECT	"connect"
#define ANVIL_REQ_DISCONNECT	"disconnect"

#define ANVIL_STAT_OK		0
#define ANVIL_STAT_FAIL		1	/* unknown verb, bad value */
#define ANVIL_STAT_FULL		2	/* table full: not counted */

#define ANVIL_SERVICE_MAX	64
#define ANVIL_IDENT_MAX		64
#define ANVIL_REC_MAX		1024	/* largest record either way */
#define ANVIL_COUNT_MAX		((uint64_t)1 << 40)
#define ANVIL_TIMEOUT_DEFAULT	10000	/* ms */

struct anvil_reply {
	unsigned long	count;		/* open now, this one too */
	unsigned long	rate;		/* in the current window */
};

struct anvil_clnt;

/*
 * A client of the service at path (NULL: private/anvil, relative to
 * the current directory), each exchange bounded by timeout_ms (<= 0:
 * ANVIL_TIMEOUT_DEFAULT). Nothing is connected yet. Never NULL.
 */
struct anvil_clnt *anvil_clnt_new(const char *path, int timeout_ms);
/* Close the connection and free; sets *acp to NULL. NULL is fine. */
void	anvil_clnt_free(struct anvil_clnt **acp);

/*
 * A session from ident (the client's IP address) to service starts.
 * 0 with *reply_r filled; 1 when the server could not count it
 * (ANVIL_STAT_FULL: *reply_r is zero, *err_r says so); -1 with *err_r
 * when the service cannot be reached or misbehaved. Callers treat 1
 * and -1 alike: no limit applies to this session.
 */
int	anvil_clnt_connect(struct anvil_clnt *, const char *service,
	    const char *ident, struct anvil_reply *reply_r, char **err_r);
/*
 * The session reported with anvil_clnt_connect ended. 0, or -1 with
 * *err_r; nothing to do either way: the count goes when the
 * connection to the server closes at the latest.
 */
int	anvil_clnt_disconnect(struct anvil_clnt *, const char *service,
	    const char *ident, char **err_r);

/* 1 when s is a valid service name or ident (see above). */
int	anvil_valid_service(const char *s);
int	anvil_valid_ident(const char *s);

#endif
