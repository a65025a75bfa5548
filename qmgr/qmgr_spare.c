/*
 * NAME
 *	qmgr_spare - delivered queue files are kept for smtpd to reuse.
 *
 * DESCRIPTION
 *	A message with nothing left to deliver leaves active/ for spare/
 *	(lib/qfile_spare) instead of being unlinked, while spare/ holds
 *	fewer than queue_file_spare_limit files. qmgr keeps the names it
 *	parked and answers each "Q" wakeup from smtpd with one of them
 *	("S" and the name): that smtpd writes its next message over that
 *	file. A name given to an smtpd that never uses it stays in spare/;
 *	the directory is counted again (and the list rebuilt from it) at
 *	start, at every deferred-queue run, and when the tally reaches the
 *	limit (at most every QMGR_SPARE_RECOUNT_MS), which also removes
 *	files beyond the limit (after a reload lowered it).
 *
 * SECURITY
 *	Only this process's own active/ file is moved; names are queue IDs.
 *	Anybody may connect to public/qmgr: a name is given only to a
 *	client that runs as mail_owner (SO_PEERCRED), so other users can
 *	neither learn the queue IDs of delivered mail nor use up the list.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"
#include "params.h"
#include "qfile_spare.h"
#include "qmgr.h"
#include "qmgr_proto.h"
#include "server.h"
#include "xmalloc.h"

#define QMGR_SPARE_RECOUNT_MS	100

static long qmgr_spares = -1;		/* counted, plus parked since */
static long long qmgr_spares_counted;	/* when, monotime_ms */
static char (*qmgr_spare_names)[QID_SIZE];	/* not given out yet */
static size_t qmgr_spare_n, qmgr_spare_cap;

static void
qmgr_spare_push(const char *name, void *arg)
{
	(void)arg;
	if (qmgr_spare_n == qmgr_spare_cap) {
		if (qmgr_spare_cap >= (size_t)var_queue_file_spare_limit)
			return;
		qmgr_spare_cap = qmgr_spare_cap == 0 ? 64 : 2 * qmgr_spare_cap;
		qmgr_spare_names = xreallocarray(qmgr_spare_names,
		    qmgr_spare_cap, sizeof(*qmgr_spare_names));
	}
	strlcpy(qmgr_spare_names[qmgr_spare_n++], name, QID_SIZE);
}

void
qmgr_spare_recount(void)
{
	qmgr_spares_counted = monotime_ms();
	qmgr_spare_n = 0;
	qmgr_spares = qfile_spare_scan(".", var_queue_file_spare_limit,
	    qmgr_spare_push, NULL);
	if (qmgr_spares < 0 && errno != ENOENT)
		log_warn("count %s: %m", QDIR_SPARE);
}

static int
qmgr_spare_room(void)
{
	if (var_queue_file_spare_limit <= 0)
		return 0;
	if (qmgr_spares >= 0 && qmgr_spares < var_queue_file_spare_limit)
		return 1;
	if (qmgr_spares >= 0 &&
	    monotime_ms() - qmgr_spares_counted < QMGR_SPARE_RECOUNT_MS)
		return 0;
	qmgr_spare_recount();
	return qmgr_spares >= 0 && qmgr_spares < var_queue_file_spare_limit;
}

/* The delivered file of m out of active/: 0, or -1 with errno. */
int
qmgr_spare_remove(struct qmgr_msg *m)
{
	char *path = qfile_path(QDIR_ACTIVE, m->qid);
	int r;

	/* what the admin deletes is gone, not kept */
	if (!(m->flags & QMGR_MSG_DELETE) && qmgr_spare_room() &&
	    qfile_spare_park(".", path, m->qid) == 0) {
		qmgr_spares++;
		qmgr_spare_push(m->qid, NULL);
		r = 0;
	} else
		r = unlink(path);
	free(path);
	return r;
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
	char buf[QID_SIZE + 2];
	int len;

	if (fd < 0 || qmgr_spare_n == 0)
		return;
	len = snprintf(buf, sizeof(buf), "%c%s\n", QMGR_TRIGGER_SPARE,
	    qmgr_spare_names[--qmgr_spare_n]);
	/*
	 * The answer fits in the connection's buffer, or is lost (smtpd
	 * reads its answers when it makes its next queue file). The tally
	 * stays: the file is in spare/ until smtpd takes it, and the next
	 * count finds out whether it did.
	 */
	(void)send(fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
}
