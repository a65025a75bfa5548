/*
 * NAME
 *	qmgr_spare - delivered queue files are kept, emptied, for reuse.
 *
 * DESCRIPTION
 *	A message with nothing left to deliver leaves active/ for spare/
 *	(lib/qfile_spare) instead of being unlinked, while spare/ holds fewer than queue_file_spare_limit
 *	files; smtpd and bounces take them back (qfile_create). qmgr does
 *	not see the takes: it counts the directory again when its own
 *	tally reaches the limit (at most every QMGR_SPARE_RECOUNT_MS) and
 *	at every deferred-queue run, removing any files beyond the limit
 *	(after a reload lowered it).
 *
 * SECURITY
 *	Only this process's own active/ file is moved; names are queue IDs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "params.h"
#include "qfile_spare.h"
#include "qmgr.h"
#include "server.h"

#define QMGR_SPARE_RECOUNT_MS	100

static long qmgr_spares = -1;		/* counted, plus parked since */
static long long qmgr_spares_counted;	/* when, event_now_ms */

void
qmgr_spare_recount(void)
{
	long keep = var_queue_file_spare_limit;

	qmgr_spares_counted = event_now_ms();
	if ((qmgr_spares = qfile_spare_count(".", keep)) < 0 &&
	    errno != ENOENT)
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
	    event_now_ms() - qmgr_spares_counted < QMGR_SPARE_RECOUNT_MS)
		return 0;
	qmgr_spare_recount();
	return qmgr_spares >= 0 && qmgr_spares < var_queue_file_spare_limit;
}

/* The delivered file of m out of active/: 0, or -1 with errno. */
int
qmgr_spare_remove(struct qmgr_msg *m)
{
	char *path = qmgr_path(QDIR_ACTIVE, m->qid);
	int r;

	/* what the admin deletes is gone, not kept */
	if (!(m->flags & QMGR_MSG_DELETE) && qmgr_spare_room() &&
	    qfile_spare_park(".", path, m->qid) == 0) {
		qmgr_spares++;
		r = 0;
	} else
		r = unlink(path);
	free(path);
	return r;
}
