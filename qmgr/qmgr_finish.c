/*
 * NAME
 *	qmgr_finish - a message leaves the active queue.
 *
 * DESCRIPTION
 *	When no final address of a message is pending, in this order:
 *	1. Expiry: when recipients are still deferred and the message is
 *	   past its lifetime (qmgr_expired), they fail with their last
 *	   reason; `QID: from=<s>, status=expired, returned to sender`.
 *	2. Failures get one non-delivery notice (qmgr/bounce.c). Only when it
 *	   is safely queued (or not wanted: NOTIFY, null sender) are their
 *	   'R' records marked done; otherwise they stay to be retried.
 *	3. Successes whose NOTIFY asks for it get a success notice.
 *	4. A delay warning, once, when delay_warning_time is set and the
 *	   message is older than that and still deferred.
 *	5. Where the file goes: with nothing left to deliver it is
 *	   removed (`QID: removed`, and its defer record; qmgr_spare keeps
 *	   the emptied file for reuse); else the marks
 *	   are fsynced, the defer record written, the modification time
 *	   set to the next retry, and the file renamed into deferred/ if
 *	   it came from incoming/ (or hold/, or unlinked, when the admin
 *	   said so meanwhile); a file taken from deferred/ stays there.
 *
 * SECURITY
 *	Only a file this process owns (in its table) is touched.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "qmgr.h"
#include "xmalloc.h"

static void
qmgr_fails_free(struct qmgr_fail *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].addr);
		free(v[i].text);
		free(v[i].remote_mta);
		free(v[i].diag_type);
	}
	free(v);
}

void
qmgr_message_free(struct qmgr_msg *m)
{
	size_t i;

	TAILQ_REMOVE(&qmgr_active, m, entry);
	qmgr_message_forget(m);
	qmgr_nactive--;
	close(m->fd);
	for (i = 0; i < m->nqr; i++)
		free(m->qr[i].reason);
	free(m->qr);
	qmgr_fails_free(m->fails, m->nfails);
	qmgr_fails_free(m->oks, m->noks);
	qfile_env_free(&m->env);
	free(m);
	qmgr_sched_kick();	/* room in the active queue */
}

/* The notice for a list of outcomes; 0 when queued or not needed. */
static int
qmgr_finish_notice(struct qmgr_msg *m, enum bounce_kind kind,
    const struct qmgr_fail *v, size_t n)
{
	struct bounce_rcpt *br = xcalloc(n, sizeof(*br));
	const struct qfile_rcpt *fr;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		fr = &m->env.rcpts[m->qr[v[i].qr].index];
		br[i].addr = v[i].addr;
		br[i].orig = fr->addr;
		br[i].orcpt = fr->orcpt;
		br[i].notify = fr->notify;
		br[i].action = kind == BOUNCE_FAILURE ? DSN_ACTION_FAILED :
		    kind == BOUNCE_DELAY ? DSN_ACTION_DELAYED : v[i].action;
		br[i].status = v[i].dsn;
		br[i].text = v[i].text;
		br[i].diag_type = v[i].diag_type;
		br[i].remote_mta = v[i].remote_mta;
		br[i].last_attempt = v[i].when;
	}
	r = qmgr_bounce_recipients(m, kind, br, n);
	free(br);
	return r;
}

/* Deferred recipients as a list of outcomes (for expiry and warnings). */
static void
qmgr_finish_deferred(struct qmgr_msg *m, struct qmgr_fail **v, size_t *n)
{
	struct qmgr_qr *qr;
	size_t i;

	for (i = 0; i < m->nqr; i++) {
		qr = &m->qr[i];
		if (!qr->deferred)
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		memset(&(*v)[*n], 0, sizeof(**v));
		(*v)[*n].qr = i;
		(*v)[*n].addr = xstrdup(m->env.rcpts[qr->index].addr);
		strlcpy((*v)[*n].dsn, qr->dsn, sizeof((*v)[*n].dsn));
		(*v)[*n].text = xstrdup(qr->reason != NULL ? qr->reason : "");
		(*v)[*n].when = time(NULL);
		(*n)++;
	}
}

static void
qmgr_finish_remove(struct qmgr_msg *m)
{
	if (qmgr_spare_remove(m) < 0)
		log_error("%s: remove %s/%c/%s: %m", m->qid, m->dir,
		    qid_hash(m->qid), m->qid);
	else
		log_info("%s: removed", m->qid);
	qmgr_defer_remove(m->qid);
}

static void
qmgr_finish_defer(struct qmgr_msg *m, int warned, time_t now)
{
	struct timespec ts[2];
	const char *to = QDIR_DEFERRED;

	if (fsync(m->fd) < 0)
		log_error("%s: fsync: %m", m->qid);
	(void)qmgr_defer_write(m, warned);
	ts[0].tv_sec = now;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = (m->flags & QMGR_MSG_HOLD) ? now :
	    qmgr_defer_next(m, now);
	ts[1].tv_nsec = 0;
	if (futimens(m->fd, ts) < 0)
		log_error("%s: set the retry time: %m", m->qid);
	if (m->flags & QMGR_MSG_HOLD)
		to = QDIR_HOLD;
	if (strcmp(m->dir, to) != 0 && qfile_move(m->dir, to, m->qid) < 0)
		log_error("%s: move to %s: %m", m->qid, to);
}

void
qmgr_finish(struct qmgr_msg *m)
{
	struct qmgr_fail *dv = NULL;
	struct qmgr_defer_info info;
	time_t now = time(NULL);
	size_t i, nd = 0, left = 0;
	int warned = 0;

	if (m->flags & QMGR_MSG_DELETE) {
		qmgr_finish_remove(m);
		qmgr_message_free(m);
		return;
	}
	/* 1: expiry turns the deferred into failures */
	qmgr_finish_deferred(m, &dv, &nd);
	if (nd > 0 && qmgr_expired(m, now)) {
		log_info("%s: from=<%s>, status=expired, returned to sender",
		    m->qid, m->env.sender);
		for (i = 0; i < nd; i++) {
			m->qr[dv[i].qr].deferred = 0;
			m->qr[dv[i].qr].bounced = 1;
		}
		m->fails = xreallocarray(m->fails, m->nfails + nd,
		    sizeof(*m->fails));
		memcpy(m->fails + m->nfails, dv, nd * sizeof(*dv));
		m->nfails += nd;
		free(dv);
		dv = NULL;
		nd = 0;
	}
	/* 2: failures */
	if (m->nfails > 0) {
		if (qmgr_finish_notice(m, BOUNCE_FAILURE, m->fails,
		    m->nfails) == 0) {
			for (i = 0; i < m->nqr; i++)
				if (m->qr[i].bounced && !m->qr[i].deferred &&
				    qfile_mark_done(m->fd, m->env.rcpts[
				    m->qr[i].index].offset) < 0)
					log_error("%s: mark done: %m", m->qid);
		} else {
			for (i = 0; i < m->nqr; i++)
				if (m->qr[i].bounced && !m->qr[i].deferred) {
					m->qr[i].deferred = 1;
					strlcpy(m->qr[i].dsn, "4.3.0",
					    sizeof(m->qr[i].dsn));
					free(m->qr[i].reason);
					m->qr[i].reason = xstrdup("the "
					    "non-delivery notice could not "
					    "be queued");
				}
		}
	}
	/* 3: success notices (NOTIFY=SUCCESS) */
	if (m->noks > 0)
		(void)qmgr_finish_notice(m, BOUNCE_SUCCESS, m->oks, m->noks);
	for (i = 0; i < m->nqr; i++)
		if (m->qr[i].deferred)
			left++;
	/* 4: one delay warning */
	if (left > 0 && nd > 0 && var_delay_warning_time > 0 &&
	    now - m->env.arrival.tv_sec >= var_delay_warning_time) {
		qmgr_defer_read(m->qid, &info);
		warned = info.warned;
		qmgr_defer_info_free(&info);
		if (!warned && qmgr_finish_notice(m, BOUNCE_DELAY, dv,
		    nd) == 0)
			warned = 1;
	} else if (left > 0) {
		qmgr_defer_read(m->qid, &info);
		warned = info.warned;
		qmgr_defer_info_free(&info);
	}
	qmgr_fails_free(dv, nd);
	/* 5: where the file goes */
	if (left == 0)
		qmgr_finish_remove(m);
	else
		qmgr_finish_defer(m, warned, now);
	qmgr_message_free(m);
}
