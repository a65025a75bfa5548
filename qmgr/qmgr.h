/*
 * NAME
 *	qmgr.h - the queue manager's private header.
 *
 * DESCRIPTION
 *	One process, one event loop (lib/server SERVER_TRIGGER). The
 *	objects:
 *
 *	qmgr_msg	a message in the active queue: its open queue file,
 *			envelope, and the state of each 'R' record (qr).
 *	qmgr_rcpt	one final address of a qr after alias expansion,
 *			waiting in its destination's queue or in a job.
 *	qmgr_transport	a delivery agent service (private/NAME): its
 *			limits, availability and idle connections.
 *	qmgr_dest	a (transport, next hop) pair, or (transport,
 *			recipient) when the transport takes one recipient
 *			per request: the unit of concurrency, slow start
 *			and "dead destination" throttling.
 *	qmgr_job	one delivery request on one agent connection.
 *
 *	Queue state machine: see lib/qfile.h. qmgr takes a file of
 *	incoming/ or deferred/ where it is: its table of active messages
 *	(qmgr_message_find), not a directory, says what it owns. It moves
 *	an owned file into deferred/ (from incoming/), hold/ or corrupt/,
 *	or parks or unlinks it. Next to deferred/
 *	it keeps defer/H/QID, a small advisory text record per message
 *	(last reasons, delay warning sent) that never decides delivery.
 *
 * SECURITY
 *	Queue files come from smtpd (network input): every file is
 *	re-validated (qfile_read_env) and only names that are valid queue
 *	IDs are touched. Agents run as other users: their replies are
 *	parsed strictly (lib/ipc). The control socket is private/ (root
 *	and mail_owner only).
 */
#ifndef QMGR_H
#define QMGR_H

#include <sys/queue.h>
#include <sys/time.h>

#include <stddef.h>
#include <time.h>

#include "bounce.h"
#include "deliver_proto.h"
#include "dsn.h"
#include "htable.h"
#include "ipc.h"
#include "qfile.h"
#include "qfile_path.h"
#include "qid.h"
#include "resolve.h"
#include "server.h"
#include "vbuf.h"

#define QMGR_DEFER_DIR		"defer"
#define QMGR_SCAN_BATCH		200	/* directory entries per round */
#define QMGR_IDLE_CONN_MS	5000	/* an idle agent connection */
#define QMGR_IDLE_CONN_MAX	32	/* idle connections per transport */

struct qmgr_msg;
struct qmgr_dest;
struct qmgr_transport;
struct qmgr_conn;

/* One 'R'/'D' record of a queue file. */
struct qmgr_qr {
	size_t		 index;		/* in env.rcpts */
	int		 nexp;		/* final addresses not finished */
	int		 deferred;	/* one of them deferred */
	int		 bounced;	/* one of them failed for good */
	int		 finished;	/* nothing more to do this round */
	char		 dsn[DSN_STATUS_SIZE];	/* last deferral */
	char		*reason;	/* last deferral reason */
};

/* One final address. */
struct qmgr_rcpt {
	struct qmgr_msg		*msg;
	struct qmgr_qr		*qr;
	char			*addr;
	struct qmgr_dest	*dest;
	TAILQ_ENTRY(qmgr_rcpt)	 entry;		/* dest->todo */
};
TAILQ_HEAD(qmgr_rcpt_list, qmgr_rcpt);

/* A recipient that failed for good, for the bounce. */
struct qmgr_fail {
	size_t	 qr;
	char	*addr;
	char	 dsn[DSN_STATUS_SIZE];
	char	*text;
	char	*remote_mta;
	char	*diag_type;
	time_t	 when;
	enum dsn_action action;	/* success notices: delivered, relayed */
};

#define QMGR_MSG_DELETE		0x1	/* the admin deleted it while active */
#define QMGR_MSG_HOLD		0x2	/* ... or put it on hold */

struct qmgr_msg {
	char		 qid[QID_SIZE];
	const char	*dir;		/* QDIR_INCOMING or QDIR_DEFERRED */
	int		 fd;		/* dir/H/QID, read-write */
	struct qfile_env env;
	int		 smtputf8;
	time_t		 queued;	/* when it entered the active queue */
	double		 queued_f;
	struct qmgr_qr	*qr;
	size_t		 nqr;
	size_t		 pending;	/* final addresses not finished */
	size_t		 nrcpt_mem;	/* qmgr_rcpt objects allocated */
	struct qmgr_fail *fails;		/* failed for good */
	size_t		 nfails;
	struct qmgr_fail *oks;		/* delivered, NOTIFY=SUCCESS */
	size_t		 noks;
	int		 loading;
	int		 flags;
	int		 finishing;
	TAILQ_ENTRY(qmgr_msg) entry;
	struct htable_node node;	/* in the table of active messages */
};
TAILQ_HEAD(qmgr_msg_list, qmgr_msg);

struct qmgr_transport {
	char		*name;
	int		 dest_limit;	/* concurrency per destination */
	int		 rcpt_limit;	/* recipients per request */
	int		 initial;	/* a new destination's window */
	int		 limit;		/* jobs in flight, all destinations */
	int		 active;
	long long	 dead_until;	/* ms: not available until then */
	long long	 pause_until;	/* ms: agents busy, try again then */
	char		*dead_reason;
	TAILQ_HEAD(, qmgr_dest) ready;	/* destinations that can start */
	TAILQ_HEAD(, qmgr_conn) idle;
	int		 nidle;
	LIST_ENTRY(qmgr_transport) entry;
};

struct qmgr_dest {
	struct qmgr_transport	*tr;
	char			*name;
	char			*nexthop;	/* for the agent */
	struct qmgr_rcpt_list	 todo;
	size_t			 ntodo;
	int			 active;	/* jobs in flight */
	double			 window;	/* concurrency now */
	int			 failures;	/* consecutive failed jobs */
	long long		 dead_until;	/* ms */
	char			 dead_dsn[DSN_STATUS_SIZE];
	char			*dead_reason;
	int			 on_ready;
	TAILQ_ENTRY(qmgr_dest)	 ready_entry;
	struct htable_node	 node;		/* in the destination table */
};

struct qmgr_job {
	struct qmgr_dest	*dest;
	struct qmgr_msg		*msg;
	struct qmgr_rcpt	**rcpts;
	unsigned char		*got;		/* status received */
	size_t			 n;
	int			 successes;	/* 2.x or 5.x: the agent got through */
	int			 failed;	/* a site failure (deliver/1.1
						   site_fail), or the agent lost
						   before any success */
	int			 retried;	/* a stale idle connection was replaced */
	char			 last_dsn[DSN_STATUS_SIZE];
	char			*last_text;	/* last deferral reason */
	struct qmgr_conn	*conn;
};

/* Outcome of one final address, however it was decided. */
struct qmgr_outcome {
	const char	*dsn;
	const char	*text;
	const char	*relay;		/* "none" when qmgr decided */
	const char	*remote_mta;
	const char	*diag_type;
	const char	*action;	/* the agent's, or NULL */
	int		 logged;	/* the agent logged the to= line */
};

/* qmgr_service.c: the skeleton hooks main.c names */
void	qmgr_pre_jail(void);
void	qmgr_post_jail(void);
void	qmgr_on_exit(void);
extern int qmgr_stopping;
void	qmgr_trigger(const char *, size_t, const struct server_info *);

/* qmgr_scan.c: the queue directories */
void	qmgr_scan_recover(void);
void	qmgr_scan_incoming(void);
void	qmgr_scan_one(const char *qid);
void	qmgr_scan_deferred(int all);
void	qmgr_scan_feed(void);
int	qmgr_scan_busy(void);
void	qmgr_scan_tmp_cleanup(void);

/* qmgr_message.c: the active queue */
extern struct qmgr_msg_list qmgr_active;
extern size_t qmgr_nactive, qmgr_rcpts_mem;
/* Active messages the descriptor limit allows (each holds its file). */
extern size_t qmgr_fd_room;
extern struct resolve *qmgr_resolver;
int	qmgr_message_load(const char *dir, const char *qid);
void	qmgr_message_outcome(struct qmgr_rcpt *, const struct qmgr_outcome *);
void	qmgr_message_result(struct qmgr_msg *, struct qmgr_qr *,
	    const char *addr, const struct qmgr_outcome *);
void	qmgr_message_log(const struct qmgr_msg *, const char *addr,
	    const char *orig, const struct qmgr_outcome *, const char *status);
/* The active message qid (its file is ours), or NULL. */
struct qmgr_msg *qmgr_message_find(const char *qid);
/* Out of the table of active messages (qmgr_message_free). */
void	qmgr_message_forget(struct qmgr_msg *);

/* qmgr_finish.c: a message leaves the active queue */
void	qmgr_finish(struct qmgr_msg *);
void	qmgr_message_free(struct qmgr_msg *);

/* qmgr_spare.c: delivered files kept for reuse */
int	qmgr_spare_remove(struct qmgr_msg *);
void	qmgr_spare_recount(void);
/* qid is new in incoming/: the spare name it was written over is used. */
void	qmgr_spare_used(const char *qid);
/* Is the peer of fd this process's own user (mail_owner)? */
int	qmgr_peer_owner(int fd);
/* The wakeup connection fd ended (server_spec.trigger_gone). */
void	qmgr_spare_gone(int fd);
/* Answer on fd with a spare file's name; the caller checked the peer. */
void	qmgr_spare_give(int fd);

/* qmgr_sched.c: transports, destinations, concurrency */
struct qmgr_transport *qmgr_transport_get(const char *name);
struct qmgr_dest *qmgr_dest_get(struct qmgr_transport *, const char *name,
	    const char *nexthop);
void	qmgr_dest_add(struct qmgr_dest *, struct qmgr_rcpt *);
void	qmgr_sched_kick(void);
void	qmgr_sched_run(void);
void	qmgr_sched_job_done(struct qmgr_job *);
void	qmgr_transport_dead(struct qmgr_transport *, const char *reason);
void	qmgr_dest_defer_all(struct qmgr_dest *);
void	qmgr_sched_unthrottle_all(void);
void	qmgr_sched_maybe_free(struct qmgr_dest *);
void	qmgr_sched_sweep(void);
/* Jobs in flight, all transports. */
int	qmgr_sched_inflight(void);

/* qmgr_deliver.c: agent connections */
void	qmgr_deliver_start(struct qmgr_job *);
void	qmgr_deliver_close_idle(struct qmgr_transport *);

/* qmgr_defer.c: backoff and the defer record */
struct qmgr_defer_info {
	int	  warned;		/* a delay warning was sent */
	size_t	  n;
	char	**addr;			/* queue file recipient */
	char	**reason;		/* "4.x.y text" */
};
time_t	qmgr_defer_next(const struct qmgr_msg *, time_t now);
int	qmgr_expired(const struct qmgr_msg *, time_t now);
/* Write defer/H/QID for the deferred recipients of m. 0/-1. */
int	qmgr_defer_write(const struct qmgr_msg *, int warned);
/* Read it: 0, or -1 when there is none (info is then empty). */
int	qmgr_defer_read(const char *qid, struct qmgr_defer_info *);
void	qmgr_defer_info_free(struct qmgr_defer_info *);
void	qmgr_defer_remove(const char *qid);

/* qmgr_bounce.c */
int	qmgr_bounce_recipients(struct qmgr_msg *, enum bounce_kind,
	    const struct bounce_rcpt *, size_t);

/* qmgr_ctl.c: the control socket, made and served after the drop */
void	qmgr_ctl_start(void);

/* qmgr_util.c */
double	qmgr_now_f(void);
/* 1 when dsn is an enhanced status code of class 2, 4 or 5. */
int	qmgr_status_ok(const char *dsn);
/* A copy with control characters replaced, at most max bytes. */
char	*qmgr_clean(const char *s, size_t max);

#endif
