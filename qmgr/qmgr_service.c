/*
 * NAME
 *	qmgr_service - the queue manager's skeleton hooks: before and
 *	after the jail, and wakeup requests.
 *
 * DESCRIPTION
 *	pre_jail makes the queue directories (owned by mail_owner, made
 *	and given their owner through descriptors: lib/fsat) and opens the
 *	lookup tables (deferred errors: a broken table defers mail rather
 *	than stopping qmgr). post_jail, as mail_owner, makes the control
 *	socket, recovers what an older version left in active/, removes stale
 *	incoming/tmp.* files, and starts the first scans and the deferred
 *	queue timer.
 *
 *	Wakeups (the grammar is in lib/qmgr_proto.h): "I" scan incoming/,
 *	"F" flush, "W" the master's timer; "Q" and a queue ID, after each
 *	250, for one new message, answered with a spare queue file
 *	(qmgr_spare) for smtpd's next message. An smtpd (mail_owner) that
 *	ends its "Q" lines with a newline keeps its connection open for
 *	the next ones (server_trigger_keep): no connection per message.
 *
 * SECURITY
 *	Anyone who can reach the wakeup socket can only make qmgr look at
 *	its queue sooner.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fsat.h"
#include "log.h"
#include "maps.h"
#include "monotime.h"
#include "params.h"
#include "priv.h"
#include "qfile_spare.h"
#include "qmgr.h"
#include "qmgr_proto.h"
#include "server.h"

static struct event_timer *qmgr_deferred_timer;

static void
qmgr_deferred_fire(void *arg)
{
	(void)arg;
	/*
	 * A table that changed cannot be reopened in the jail (newaliases,
	 * postern map): its lookups defer. Hand over to a new qmgr, which
	 * the master starts at the next wakeup or message and which opens
	 * the new table before its jail, as the other services do between
	 * clients.
	 */
	if (maps_changed()) {
		log_info("a lookup table changed: exiting, for a new qmgr "
		    "to read it");
		qmgr_on_exit();
		exit(0);
	}
	qmgr_deferred_timer = event_add_timer(server_loop(),
	    var_queue_run_delay * 1000, qmgr_deferred_fire, NULL);
	qmgr_scan_tmp_cleanup();
	qmgr_spare_recount();
	qmgr_sched_sweep();
	qmgr_scan_incoming();
	qmgr_scan_deferred(0);
}

/* A queue directory in the queue directory, owned by pu. */
static void
qmgr_mkdir(const char *dir, const struct priv_user *pu)
{
	char *err;
	int fd;

	if ((fd = fsat_mkdir(AT_FDCWD, dir, 0700, pu->uid, pu->gid,
	    &err)) < 0)
		log_fatal("%s/%s", var_queue_directory, err);
	close(fd);
}

size_t qmgr_fd_room = 1000;

/*
 * Each active message holds its queue file open: raise the soft limit
 * on descriptors to the hard one, and keep QFILE_FD_RESERVE of them for
 * agents, wakeups and the control socket. The master says at start
 * when that is fewer than qmgr_message_active_limit: once, not at
 * every qmgr start.
 */
static void
qmgr_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	qmgr_fd_room = qfile_fd_room(rl.rlim_cur == RLIM_INFINITY ?
	    ~0ULL : (unsigned long long)rl.rlim_cur);
	if (qmgr_fd_room < (size_t)var_qmgr_message_active_limit)
		log_debug("qmgr_message_active_limit is %d but the descriptor "
		    "limit allows %zu active messages", (int)
		    var_qmgr_message_active_limit, qmgr_fd_room);
}

void
qmgr_pre_jail(void)
{
	struct priv_user pu, *pup = &pu;
	const char *err;
	char *rerr = NULL;

	if (geteuid() != 0) {
		pu.uid = geteuid();
		pu.gid = getegid();
	} else if (priv_lookup(var_mail_owner, &pu, &err) < 0)
		log_fatal("mail_owner %s: %s", var_mail_owner, err);
	qmgr_fd_limit();
	qmgr_mkdir(QDIR_INCOMING, pup);
	qmgr_mkdir(QDIR_DEFERRED, pup);
	qmgr_mkdir(QDIR_HOLD, pup);
	qmgr_mkdir(QDIR_CORRUPT, pup);
	qmgr_mkdir(QMGR_DEFER_DIR, pup);
	qmgr_mkdir(QDIR_SPARE, pup);
	if ((qmgr_resolver = resolve_open(MAPS_OPEN_DEFER, &rerr)) == NULL)
		log_fatal("%s", rerr);
}

void
qmgr_post_jail(void)
{
	qmgr_scan_recover();
	qmgr_scan_tmp_cleanup();
	qmgr_spare_recount();
	qmgr_ctl_start();
	qmgr_scan_incoming();
	qmgr_scan_deferred(0);
	qmgr_deferred_timer = event_add_timer(server_loop(),
	    var_queue_run_delay * 1000, qmgr_deferred_fire, NULL);
}

/*
 * The master retired us (stop or reload): take nothing new, but let the
 * deliveries in flight report, for at most half of master_stop_timeout,
 * so their recipients are marked and nothing is delivered twice. What
 * is still active stays where it lies, and the next start takes it.
 */
void
qmgr_on_exit(void)
{
	long long deadline, now;

	qmgr_stopping = 1;
	now = monotime_ms();
	deadline = now + (var_master_stop_timeout > 1 ?
	    var_master_stop_timeout * 500 : 500);
	while (qmgr_sched_inflight() > 0 && now < deadline) {
		if (event_run_once(server_loop(), (int)(deadline - now)) < 0)
			break;
		now = monotime_ms();
	}
	if (qmgr_sched_inflight() > 0)
		log_info("stopping with %d deliveries in flight",
		    qmgr_sched_inflight());
}

/*
 * "QQID": that message is new in incoming/; take it without a scan, and
 * answer with a spare file for smtpd's next message.
 */
static void
qmgr_trigger_qid(const char *buf, size_t len, int reply_fd)
{
	char qid[QID_SIZE];

	if (len >= sizeof(qid)) {
		qmgr_scan_incoming();
		return;
	}
	memcpy(qid, buf, len);
	qid[len] = '\0';
	if (!qid_valid(qid)) {
		qmgr_scan_incoming();
		return;
	}
	qmgr_spare_used(qid);
	/* the answer first: smtpd may be making its next file already */
	qmgr_spare_give(reply_fd);
	qmgr_scan_one(qid);
}

void
qmgr_trigger(const char *buf, size_t len, const struct server_info *info)
{
	const char *p = buf, *end = buf + len, *nl;
	int owner;
	size_t i;

	if (len > 1 && (buf[0] == QMGR_TRIGGER_QUEUED ||
	    buf[0] == QMGR_TRIGGER_NEED)) {
		/*
		 * "QQID", or lines "QQID\n" and "N\n" from an smtpd that
		 * stays connected. Spare names and kept connections only for
		 * our own smtpd: public/qmgr is open to every local user.
		 */
		owner = qmgr_peer_owner(info->reply_fd);
		while (p < end && (*p == QMGR_TRIGGER_QUEUED ||
		    *p == QMGR_TRIGGER_NEED)) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			if (*p == QMGR_TRIGGER_QUEUED)
				qmgr_trigger_qid(p + 1, (size_t)(nl - p - 1),
				    owner ? info->reply_fd : -1);
			else if (owner && nl == p + 1)
				qmgr_spare_give(info->reply_fd);
			if (nl == end)
				break;
			p = nl + 1;
		}
		if (owner && memchr(buf, '\n', len) != NULL)
			server_trigger_keep();
		return;
	}
	for (i = 0; i < len; i++) {
		switch (buf[i]) {
		case QMGR_TRIGGER_SCAN:
		case QMGR_TRIGGER_WAKEUP:
			qmgr_scan_incoming();
			break;
		case QMGR_TRIGGER_FLUSH:
			qmgr_sched_unthrottle_all();
			qmgr_scan_incoming();
			qmgr_scan_deferred(1);
			break;
		default:
			break;
		}
	}
}
