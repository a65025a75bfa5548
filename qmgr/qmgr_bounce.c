/*
 * NAME
 *	qmgr_bounce - notices to the sender through qmgr/bounce.c.
 *
 * DESCRIPTION
 *	One call per kind of notice and message: qmgr/bounce.c writes a new
 *	queue file into incoming/ (fsynced, directory fsynced unless
 *	queue_dir_fsync is off) and logs `QID: sender non-delivery
 *	notification: NEWQID`; qmgr then scans incoming/ for it. Only after
 *	this returns success may the failed recipients be marked done, so
 *	a crash in between sends the notice twice at worst, never not at
 *	all.
 *
 * SECURITY
 *	qmgr/bounce.c treats the original message as hostile.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "log.h"
#include "params.h"
#include "qmgr.h"

int
qmgr_bounce_recipients(struct qmgr_msg *m, enum bounce_kind kind,
    const struct bounce_rcpt *rcpts, size_t n)
{
	char bqid[QID_SIZE];
	const char *err, *sync;
	int flags = BOUNCE_DIR_SYNC, r;

	sync = params_get("queue_dir_fsync");
	if (sync != NULL && (strcmp(sync, "no") == 0 ||
	    strcmp(sync, "false") == 0))
		flags = 0;
	r = bounce_write(".", m->qid, &m->env, m->fd, kind, rcpts, n, flags,
	    bqid, &err);
	if (r == BOUNCE_ERROR) {
		log_error("%s: cannot queue the %s: %s: %m", m->qid,
		    bounce_kind_name(kind), err);
		return -1;
	}
	if (r == BOUNCE_QUEUED)
		qmgr_scan_incoming();
	return 0;
}
