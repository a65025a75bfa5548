/*
 * NAME
 *	deliver_agent - the agent side of the deliver protocol
 *	(deliver_proto.h), shared by delivery/local and delivery/relay
 *
 * SYNOPSIS
 *	static int
 *	serve(struct deliver_conn *dc, struct deliver_req *req)
 *	{
 *		struct deliver_status st;
 *
 *		for (i = 0; i < req->count; i++) {
 *			... deliver req->rcpts[i], fill st ...
 *			if (deliver_report(dc, req, i, &st) < 0)
 *				return -1;	qmgr is gone
 *		}
 *		return 0;
 *	}
 *
 *	static const struct deliver_agent agent = { .serve = serve };
 *	deliver_agent_conn(fd, &agent);		the skeleton's conn()
 *
 * DESCRIPTION
 *	deliver_agent_conn runs one qmgr connection: the announcement
 *	(proto=deliver/1.1), then requests until qmgr closes the
 *	connection, none comes within max_idle, or a protocol error. Each
 *	request is parsed and checked (deliver_req_parse), its queue file
 *	descriptor checked (a regular file holding the content range),
 *	and handed to serve(), which reports every recipient with
 *	deliver_report; then req=done goes out with site_fail (set
 *	req->site_fail when the destination, not a recipient, failed).
 *
 *	An agent that keeps something open between requests (the relay's
 *	SMTP session) sets idle_ms and idle: between requests the wait is
 *	idle_ms() when that is >= 0, and when it passes without a request
 *	idle() runs and the wait goes on for max_idle. after() runs after
 *	each request; 1 ends the connection (a table changed: a fresh
 *	process opens it again).
 *
 *	deliver_report applies soft_bounce (5.x.x becomes 4.x.x), logs the
 *	recipient's line in Postfix's shape
 *
 *	  QID: to=<RCPT>, orig_to=<ORIG>, relay=RELAY, conn_use=N,
 *	  delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=sent|deferred|bounced
 *	  (TEXT)
 *
 *	(a: before the queue manager, b: in it, c: connection set-up, d:
 *	transmission; orig_to only when it differs, conn_use only for a
 *	reused connection) and sends the status record.
 *
 * SECURITY
 *	qmgr runs as another user and may be compromised: every attribute
 *	is read with the strict typed getters, in order, with bounds; the
 *	descriptor must be a regular file and the content range must lie
 *	inside it; addresses must be free of control characters (they go
 *	into header lines and SMTP commands). Any violation is logged as a
 *	protocol error and closes the connection.
 */
#ifndef POSTERN_DELIVER_AGENT_H
#define POSTERN_DELIVER_AGENT_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include "deliver_proto.h"
#include "dsn.h"
#include "qid.h"

#define DELIVER_ENVID_MAX	512
#define DELIVER_NOTIFY_MAX	64
#define DELIVER_RELAY_MAX	320	/* "host[address]:port" */

struct ipc_rec;
struct deliver_conn;

/* One recipient of a request; the strings point into the request. */
struct deliver_rcpt {
	const char	*addr;		/* deliver to this */
	const char	*orig;		/* as received, "": the same */
	const char	*orcpt;		/* DSN ORCPT, "" when none */
	const char	*notify;	/* DSN NOTIFY, "" when none */
};

/* One delivery request, as received and validated. */
struct deliver_req {
	char		 queue_id[QID_SIZE];
	const char	*sender;	/* "" for the null sender */
	uint64_t	 arrival;	/* seconds since the epoch */
	uint64_t	 queued;
	uint64_t	 content_offset;
	uint64_t	 content_size;
	const char	*envid;		/* DSN ENVID (decoded), "" */
	const char	*ret;		/* DSN RET, "" */
	int		 smtputf8;
	const char	*nexthop;
	size_t		 count;
	struct deliver_rcpt *rcpts;
	int		 qfd;		/* the queue file, read-only */
	struct timeval	 received;	/* when the request came in */
	int		 site_fail;	/* set by serve(): see above */
};

/* The outcome for one recipient. */
struct deliver_status {
	char		 dsn[DSN_STATUS_SIZE];
	const char	*action;	/* "delivered", "relayed", "failed",
					   "delayed" */
	char		 text[DELIVER_TEXT_MAX + 1];	/* for qmgr and DSNs */
	char		 relay[DELIVER_RELAY_MAX];	/* relay= */
	char		 remote_mta[DELIVER_RELAY_MAX];	/* "" or a host */
	const char	*diag_type;	/* "" or "smtp" */
	const char	*log_text;	/* status= (...), NULL: text */
	double		 setup;		/* seconds: delays c */
	unsigned	 conn_use;	/* > 1: a reused connection */
};

struct deliver_agent {
	int	(*serve)(struct deliver_conn *, struct deliver_req *);
	long long (*idle_ms)(void);	/* NULL or < 0: max_idle */
	void	(*idle)(void);
	int	(*after)(void);
};

/* The skeleton's conn(): serve one qmgr connection. */
void	deliver_agent_conn(int fd, const struct deliver_agent *);

/*
 * Parse and check a request record (after req=deliver was read): 0, or
 * -1 with *err_r (static or the record's) for a protocol error.
 * req->rcpts is allocated (free it); the strings point into r.
 */
int	deliver_req_parse(struct ipc_rec *r, struct deliver_req *req,
	    const char **err_r);

/*
 * Set a status: dsn, the action that goes with its class, the text
 * (printf-formatted, control characters replaced); relay "none",
 * no remote MTA, no diagnostic type, no set-up time.
 */
void	deliver_status_set(struct deliver_status *, const char *dsn,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Log recipient i's line and send its status: 0, or -1 (qmgr gone). */
int	deliver_report(struct deliver_conn *, const struct deliver_req *,
	    size_t i, struct deliver_status *);
/* Seconds as Postfix shows them: 0, 0.05, 0.12, 1.2, 17. */
void	deliver_fmt_delay(char *buf, size_t len, double secs);

#endif
