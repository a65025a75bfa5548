/*
 * NAME
 *	qmgr_spare - delivered queue files are kept for smtpd to reuse.
 *
 * DESCRIPTION
 *	A message with nothing left to deliver leaves its queue for spare/
 *	(lib/qfile_spare) instead of being unlinked. qmgr knows every name
 *	in spare/ and answers each "Q" wakeup from smtpd with one that it
 *	has not given out ("S" and the name): that smtpd writes its next
 *	message over that file.
 *
 *	The pool must neither grow nor churn as the system runs: a file
 *	that smtpd creates because it had no name is one more inode kept
 *	for good, and an unlinked one makes every file creation slower on
 *	some file systems for minutes (qfile_spare.h). So qmgr keeps its
 *	account exact instead of counting spare/ again:
 *	- free: parked names not given out, the last parked given first;
 *	- given: names given out, until the "Q" of the message written over
 *	  one arrives (its queue ID holds the file's inode, as the spare
 *	  name does). A name not used within QMGR_SPARE_LOST_MS (its smtpd
 *	  exited, or the answer was lost) is free again if the file is
 *	  still there: no name is given to two processes in the meantime.
 *	  One connection holds at most QMGR_SPARE_HOLD names not used yet:
 *	  smtpd asks for more than one a message ("N", qmgr_proto.h) so
 *	  that a late answer finds it with a name left, and names beyond
 *	  what it can use would wait there while the others make files.
 *	spare/ is read only at start and at each deferred-queue run (names
 *	given out stay given). A name that two smtpd processes hold anyway
 *	is written by one: qfile_spare_claim locks.
 *
 *	queue_file_spare_limit bounds the pool, gently: a delivered file
 *	is parked as long as smtpd needs files (the pool then holds what
 *	the busiest moment needed), and while the pool is over the limit
 *	one free file is removed at most every QMGR_SPARE_TRIM_MS, never a
 *	burst of removals (each removal slows file creation nearby for a
 *	minute or more: qfile_spare.h). But the pool never holds more than
 *	QMGR_SPARE_CEILING times the limit: past that a delivered file is
 *	unlinked at once. A qmgr that falls behind answers late, smtpds
 *	that have used their names make files, and under a long overload
 *	the pool would otherwise grow without end. 0 turns reuse off:
 *	delivered files are unlinked.
 *
 * SECURITY
 *	Only a file this process owns (an active message) is moved; names
 *	are queue IDs.
 *	Anybody may connect to public/qmgr: a name is given only to a
 *	client that runs as mail_owner (SO_PEERCRED), so other users can
 *	neither learn the queue IDs of delivered mail nor use up the list.
 *	The tables are bounded by the files in spare/, which only
 *	mail_owner can make.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "htable.h"
#include "log.h"
#include "monotime.h"
#include "params.h"
#include "qfile_spare.h"
#include "qmgr.h"
#include "qmgr_proto.h"
#include "server.h"
#include "xmalloc.h"

#define QMGR_SPARE_LOST_MS	60000	/* a name given out and not used */
#define QMGR_SPARE_TRIM_MS	1000	/* one removal at most this often */
#define QMGR_SPARE_INODE	13	/* where a queue ID's inode starts */
#define QMGR_SPARE_HOLD		8	/* names out per smtpd connection */
#define QMGR_SPARE_CEILING	2	/* times the limit: never more kept */

struct qmgr_given {
	struct htable_node	 node;		/* by inode (the name's tail) */
	TAILQ_ENTRY(qmgr_given)	 order;		/* oldest first */
	long long		 when;		/* given out, monotime_ms */
	int			 fd;		/* the connection it went to */
	char			 name[QID_SIZE];
};

static char (*qmgr_free)[QID_SIZE];	/* free names, the last on top */
static size_t qmgr_free_n, qmgr_free_cap;
static struct htable qmgr_given;
static TAILQ_HEAD(, qmgr_given) qmgr_given_order =
    TAILQ_HEAD_INITIALIZER(qmgr_given_order);
static long long qmgr_trimmed;		/* last removal, monotime_ms */
static unsigned char *qmgr_held;	/* names out, by connection fd */
static size_t qmgr_held_n;
static struct event_timer *qmgr_trim_timer;	/* the next one, if due */

static struct htable *
qmgr_given_table(void)
{
	if (qmgr_given.nbucket == 0)
		htable_init(&qmgr_given);
	return &qmgr_given;
}

static struct qmgr_given *
qmgr_given_find(const char *inode)
{
	uint64_t h = htable_hash_str(qmgr_given_table(), inode);
	struct htable_node *n;
	struct qmgr_given *g;

	for (n = htable_first(&qmgr_given, h); n != NULL;
	    n = htable_next(n, h)) {
		g = HTABLE_ENTRY(n, struct qmgr_given, node);
		if (strcmp(g->name + QMGR_SPARE_INODE, inode) == 0)
			return g;
	}
	return NULL;
}

static void
qmgr_given_drop(struct qmgr_given *g)
{
	if (g->fd >= 0 && (size_t)g->fd < qmgr_held_n && qmgr_held[g->fd] > 0)
		qmgr_held[g->fd]--;
	htable_del(&qmgr_given, &g->node);
	TAILQ_REMOVE(&qmgr_given_order, g, order);
	free(g);
}

static void
qmgr_free_push(const char *name)
{
	if (qmgr_free_n == qmgr_free_cap) {
		qmgr_free_cap = qmgr_free_cap == 0 ? 64 : 2 * qmgr_free_cap;
		qmgr_free = xreallocarray(qmgr_free, qmgr_free_cap,
		    sizeof(*qmgr_free));
	}
	strlcpy(qmgr_free[qmgr_free_n++], name, QID_SIZE);
}

static size_t
qmgr_spare_count(void)
{
	return qmgr_free_n + qmgr_given.n;
}

static void qmgr_spare_tidy(long long);

/* A name found in spare/: free, unless it is given out. */
static void
qmgr_spare_found(const char *name, void *arg)
{
	(void)arg;
	if (qmgr_given_find(name + QMGR_SPARE_INODE) == NULL)
		qmgr_free_push(name);
}

void
qmgr_spare_recount(void)
{
	qmgr_free_n = 0;
	if (qfile_spare_scan(".", LONG_MAX, qmgr_spare_found, NULL) < 0 &&
	    errno != ENOENT)
		log_warn("count %s: %m", QDIR_SPARE);
	qmgr_spare_tidy(monotime_ms());
}

static void
qmgr_spare_trim_fire(void *arg)
{
	(void)arg;
	qmgr_trim_timer = NULL;
	qmgr_spare_tidy(monotime_ms());
}

/*
 * Names given out longer than QMGR_SPARE_LOST_MS ago and still in
 * spare/ are free again; one free file goes when the pool is over the
 * limit and the last removal is QMGR_SPARE_TRIM_MS old, and a timer
 * comes back for the next one while it stays over.
 */
static void
qmgr_spare_tidy(long long now)
{
	struct qmgr_given *g;
	struct stat st;
	char path[sizeof(QDIR_SPARE) + QID_SIZE + 1];

	while ((g = TAILQ_FIRST(&qmgr_given_order)) != NULL &&
	    now - g->when >= QMGR_SPARE_LOST_MS) {
		snprintf(path, sizeof(path), "%s/%s", QDIR_SPARE, g->name);
		if (lstat(path, &st) == 0)
			qmgr_free_push(g->name);
		qmgr_given_drop(g);
	}
	if (qmgr_spare_count() <= (size_t)var_queue_file_spare_limit ||
	    qmgr_free_n == 0)
		return;
	if (now - qmgr_trimmed >= QMGR_SPARE_TRIM_MS) {
		qmgr_trimmed = now;
		/* the oldest free name: the least likely to be cached */
		(void)qfile_spare_drop(".", qmgr_free[0]);
		memmove(qmgr_free[0], qmgr_free[1], --qmgr_free_n *
		    sizeof(*qmgr_free));
	}
	if (qmgr_trim_timer == NULL && qmgr_free_n > 0 &&
	    qmgr_spare_count() > (size_t)var_queue_file_spare_limit)
		qmgr_trim_timer = event_add_timer(server_loop(),
		    qmgr_trimmed + QMGR_SPARE_TRIM_MS - now,
		    qmgr_spare_trim_fire, NULL);
}

/* The delivered file of m out of its queue: 0, or -1 with errno. */
int
qmgr_spare_remove(struct qmgr_msg *m)
{
	char *path = qfile_path(m->dir, m->qid);
	int r;

	/*
	 * What the admin deletes is gone, not kept; and past twice the
	 * limit a delivered file goes at once (QMGR_SPARE_CEILING).
	 */
	if (!(m->flags & QMGR_MSG_DELETE) && var_queue_file_spare_limit > 0 &&
	    qmgr_spare_count() < QMGR_SPARE_CEILING *
	    (size_t)var_queue_file_spare_limit &&
	    qfile_spare_park(".", path, m->qid) == 0) {
		qmgr_free_push(m->qid);
		r = 0;
	} else
		r = unlink(path);
	free(path);
	qmgr_spare_tidy(monotime_ms());
	return r;
}

/*
 * The connection fd ended: the names given on it no longer count against
 * the next connection that gets this descriptor number. They stay given
 * (the smtpd may hold them still, on a new connection) until used or
 * QMGR_SPARE_LOST_MS old.
 */
void
qmgr_spare_gone(int fd)
{
	struct qmgr_given *g;

	if (fd < 0 || (size_t)fd >= qmgr_held_n || qmgr_held[fd] == 0)
		return;
	TAILQ_FOREACH(g, &qmgr_given_order, order)
		if (g->fd == fd)
			g->fd = -1;
	qmgr_held[fd] = 0;
}

void
qmgr_spare_used(const char *qid)
{
	struct qmgr_given *g;

	if (strlen(qid) > QMGR_SPARE_INODE &&
	    (g = qmgr_given_find(qid + QMGR_SPARE_INODE)) != NULL)
		qmgr_given_drop(g);
}

int
qmgr_peer_owner(int fd)
{
	static uid_t euid = (uid_t)-1;
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	if (euid == (uid_t)-1)
		euid = geteuid();
	return fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
	    &clen) == 0 && cred.uid == euid;
}

/* Answer a wakeup on fd with one spare file's name, if there is one. */
void
qmgr_spare_give(int fd)
{
	struct qmgr_given *g;
	char buf[QID_SIZE + 2];
	int len;

	if (fd < 0 || qmgr_free_n == 0)
		return;
	if ((size_t)fd >= qmgr_held_n) {
		qmgr_held = xreallocarray(qmgr_held, (size_t)fd + 16, 1);
		memset(qmgr_held + qmgr_held_n, 0, (size_t)fd + 16 - qmgr_held_n);
		qmgr_held_n = (size_t)fd + 16;
	}
	/* an smtpd holds a few: more would only wait there, lost to others */
	if (qmgr_held[fd] >= QMGR_SPARE_HOLD)
		return;
	len = snprintf(buf, sizeof(buf), "%c%s\n", QMGR_TRIGGER_SPARE,
	    qmgr_free[qmgr_free_n - 1]);
	/*
	 * The answer fits in the connection's buffer, or the name stays
	 * free (smtpd reads its answers when it makes its next queue
	 * file).
	 */
	if (send(fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) != len)
		return;
	g = xmalloc(sizeof(*g));
	strlcpy(g->name, qmgr_free[--qmgr_free_n], sizeof(g->name));
	g->when = monotime_ms();
	g->fd = fd;
	qmgr_held[fd]++;
	htable_add(qmgr_given_table(), &g->node, htable_hash_str(&qmgr_given,
	    g->name + QMGR_SPARE_INODE));
	TAILQ_INSERT_TAIL(&qmgr_given_order, g, order);
}
