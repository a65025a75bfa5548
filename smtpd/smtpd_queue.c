/*
 * NAME
 *	smtpd_queue - the queue file of a transaction, and waking qmgr.
 *
 * DESCRIPTION
 *	The file is made at the first accepted recipient (lib/qfile: a
 *	temporary name in incoming/, or a spare file that qmgr named,
 *	written where it is under a lock), with the sender and the
 *	attributes of the transaction:
 *	  client=host[addr]  helo=NAME  protocol=ESMTP
 *	  envid=ID (decoded)  ret=FULL|HDRS  body=7BIT|8BITMIME
 *	  smtputf8=yes  local_uid=N (local submission)
 *	then each recipient as it is accepted, with its ORCPT as received
 *	and its NOTIFY as a canonical list. Content follows at DATA/BDAT.
 *	smtpd_queue_commit fdatasyncs the file, renames it into incoming/H/
 *	and fsyncs that directory (queue_dir_fsync); only then does the
 *	caller say "250 2.0.0 Ok: queued as QID". Any failure aborts the
 *	file: a client that disconnects, times out or is refused mid-DATA
 *	leaves nothing behind (and a crash leaves only a tmp.* file that
 *	qmgr removes, or a spare file that stays one, see qfile.h).
 *
 *	qmgr is woken through public/qmgr (lib/qmgr_trigger, relative to
 *	the queue directory, our working directory in or out of the jail):
 *	"Q" and the queue ID of a new message, one line each on a
 *	connection that this process keeps open, or "F" flush the deferred
 *	queue (ETRN) on a connection of its own. Failure is ignored for
 *	new mail: qmgr scans incoming/ on its own wakeup timer anyway.
 *	qmgr answers a "Q" with the name of a spare queue file
 *	(lib/qfile_spare) on the same connection; the next queue file made
 *	takes the answers that have come, without waiting, and writes over
 *	such a file.
 *
 * SECURITY
 *	Runs as mail_owner in the queue directory. Envelope text has been
 *	checked by the parsers; qfile refuses CR and LF in records.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsat.h"
#include "log.h"
#include "params.h"
#include "priv.h"
#include "qfile.h"
#include "qfile_spare.h"
#include "qmgr_proto.h"
#include "qmgr_trigger.h"
#include "smtpd.h"

/* incoming/, owned by mail_owner (qmgr makes it too; whoever is first) */
void
smtpd_queue_prepare(void)
{
	struct priv_user pu;
	const char *err;
	char *e;
	int fd;

	if (geteuid() != 0) {
		pu.uid = geteuid();
		pu.gid = getegid();
	} else if (priv_lookup(var_mail_owner, &pu, &err) < 0)
		log_fatal("mail_owner %s: %s", var_mail_owner, err);
	if ((fd = fsat_mkdir(AT_FDCWD, QDIR_INCOMING, 0700, pu.uid, pu.gid,
	    &e)) < 0)
		log_fatal("%s/%s", var_queue_directory, e);
	close(fd);
}

static int
smtpd_queue_attrs(struct smtpd_session *sess)
{
	struct smtpd_xact *x = &sess->xact;
	struct qfile_writer *qf = x->qf;
	char uid[32];

	if (qfile_add_sender(qf, x->sender) < 0 ||
	    qfile_add_attr(qf, "client", sess->namaddr) < 0 ||
	    qfile_add_attr(qf, "helo", sess->helo) < 0 ||
	    qfile_add_attr(qf, "protocol", smtpd_session_proto(sess)) < 0)
		return -1;
	if (x->envid[0] != '\0' && qfile_add_attr(qf, "envid", x->envid) < 0)
		return -1;
	if (x->ret != SMTPD_RET_NONE && qfile_add_attr(qf, "ret",
	    x->ret == SMTPD_RET_FULL ? "FULL" : "HDRS") < 0)
		return -1;
	if (x->body != SMTPD_BODY_NONE && qfile_add_attr(qf, "body",
	    x->body == SMTPD_BODY_8BITMIME ? "8BITMIME" : "7BIT") < 0)
		return -1;
	if (x->smtputf8 && qfile_add_attr(qf, "smtputf8", "yes") < 0)
		return -1;
	if (smtpd_auth_queue_attrs(sess, qf) < 0)
		return -1;
	if (sess->flags & SMTPD_F_LOCAL) {
		snprintf(uid, sizeof(uid), "%ld", (long)sess->local_uid);
		if (qfile_add_attr(qf, "local_uid", uid) < 0)
			return -1;
	}
	return 0;
}

/* The wakeup connection to qmgr, kept open (lib/qmgr_trigger). */
static struct qmgr_trigger *smtpd_qmgr;

static struct qmgr_trigger *
smtpd_queue_qmgr(void)
{
	if (smtpd_qmgr == NULL)
		smtpd_qmgr = qmgr_trigger_new(QMGR_TRIGGER_SOCKET);
	return smtpd_qmgr;
}

int
smtpd_queue_open(struct smtpd_session *sess)
{
	struct smtpd_xact *x = &sess->xact;

	qmgr_trigger_spares(smtpd_queue_qmgr(), qfile_spare_offer);
	if ((x->qf = qfile_create(".")) == NULL) {
		log_error("cannot create a queue file in %s/%s: %m",
		    var_queue_directory, QDIR_INCOMING);
		smtpd_reply(sess, 451, "4.3.0", "Error: queue file write "
		    "error");
		return -1;
	}
	/* names for the next messages, before a late answer leaves none */
	if (qfile_spare_stock() == 0)
		(void)qmgr_trigger_need(smtpd_queue_qmgr(), QFILE_SPARE_REFILL);
	qfile_id(x->qf, x->qid);
	if (smtpd_queue_attrs(sess) < 0) {
		log_error("%s: queue file write error: %m", x->qid);
		qfile_abort(x->qf);
		x->qf = NULL;
		x->qid[0] = '\0';
		smtpd_reply(sess, 451, "4.3.0", "Error: queue file write "
		    "error");
		return -1;
	}
	log_info("%s: client=%s%s", x->qid, sess->namaddr,
	    smtpd_auth_log(sess));
	return 0;
}

int
smtpd_queue_add_rcpt(struct smtpd_session *sess, const char *addr,
    const char *orcpt, const char *notify)
{
	return qfile_add_rcpt(sess->xact.qf, addr, orcpt, notify);
}

int
smtpd_queue_write(void *arg, const void *p, size_t n)
{
	struct smtpd_session *sess = arg;

	return qfile_write_content(sess->xact.qf, p, n);
}

/*
 * The directory syncs of commits are shared with the other smtpd
 * processes (group commit, lib/qfile.h): set up at the first commit,
 * when the process runs as mail_owner in the queue directory.
 */
static void
smtpd_queue_share_syncs(void)
{
	static int done;
	char *err = NULL;

	if (done || !var_queue_dir_fsync)
		return;
	done = 1;
	if (qfile_share_syncs(".", &err) < 0) {
		log_warn("%s; directory syncs not shared", err);
		err_free(&err);
	}
}

int
smtpd_queue_commit(struct smtpd_session *sess)
{
	struct smtpd_xact *x = &sess->xact;
	char qid[QID_SIZE];

	smtpd_queue_share_syncs();
	if (qfile_commit(x->qf, var_queue_dir_fsync, qid) < 0) {
		log_error("%s: queue file commit: %m", x->qid);
		qfile_abort(x->qf);
		x->qf = NULL;
		return -1;
	}
	qfile_abort(x->qf);	/* frees; the file is under its name */
	x->qf = NULL;
	if (strcmp(qid, x->qid) != 0)
		log_panic("queue ID %s became %s at commit", x->qid, qid);
	return 0;
}

void
smtpd_queue_wake(const char *qid)
{
	(void)qmgr_trigger_queued(smtpd_queue_qmgr(), qid);
}

int
smtpd_queue_flush(void)
{
	char *err = NULL;

	if (qmgr_trigger_send(QMGR_TRIGGER_SOCKET, QMGR_TRIGGER_FLUSH,
	    &err) < 0) {
		log_debug("flush: %s", err);
		err_free(&err);
		return -1;
	}
	return 0;
}
