/*
 * bounce - delivery status notifications (RFC 3461, 3462/6522, 3464,
 * 6533) as new queue files: non-delivery reports ("bounces"), delay
 * warnings and success notices.
 *
 * DESCRIPTION
 *	qmgr calls bounce_write with the envelope of a queue file it owns,
 *	the open queue file, and the outcomes of some of its recipients.
 *	bounce_write writes ONE new queue file into incoming/ with the
 *	ordinary queue writer (lib/qfile): envelope sender <> (the null
 *	sender), one recipient (the original envelope sender), and a
 *	multipart/report; report-type=delivery-status message from
 *	MAILER-DAEMON@$myhostname with three parts:
 *	  1. text/plain: what happened, recipient by recipient, in words;
 *	  2. message/delivery-status: Reporting-MTA, X-Postern-Queue-ID,
 *	     X-Postern-Sender, Original-Envelope-Id (ENVID), Arrival-Date;
 *	     per recipient Final-Recipient, Original-Recipient (from ORCPT),
 *	     Action, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date,
 *	     Will-Retry-Until (delays);
 *	  3. text/rfc822-headers with the original header section (RET=HDRS
 *	     or no RET, and always for delay and success notices), or
 *	     message/rfc822 with the whole original (RET=FULL on a failure
 *	     notice, when it is at most bounce_size_limit bytes; a larger
 *	     original is returned as its headers, and part 1 says so).
 *	The new file is then an ordinary message that qmgr picks up from
 *	incoming/ like any other. The queue attributes read are those smtpd
 *	writes: ret (FULL or HDRS), envid (already decoded from xtext),
 *	smtputf8 (yes) and body (8BITMIME); ORCPT is read as received.
 *
 *	Internationalised mail (RFC 6533): when the original was received
 *	with SMTPUTF8 (queue attribute smtputf8), or an address in the
 *	report is not ASCII, parts 2 and 3 are message/global-delivery-
 *	status and message/global-headers or message/global, part 1 is
 *	UTF-8, and the notice's queue file is marked smtputf8=yes. Any
 *	other 8-bit byte copied from the original is labelled (8bit
 *	transfer encoding) and the notice is marked body=8BITMIME; nothing
 *	is downgraded or re-encoded.
 *
 *	Who gets a notice (RFC 3461 4.1): a recipient is reported when its
 *	NOTIFY asks for the kind (dsn_notify_wants): without NOTIFY,
 *	failures and delays are reported (qmgr sends delays only when
 *	delay_warning_time is set) and successes are not; NOTIFY=NEVER
 *	gets nothing. A message whose envelope sender is null is itself a
 *	notice and never gets one (no bounce of a bounce).
 *
 *	Logging: bounce_write logs, with the original queue ID, the lines
 *	"QID: sender non-delivery notification: NEWQID" (or "sender delay
 *	notification", "sender delivery status notification") when it
 *	queued a notice, and "QID: discarding sender non-delivery
 *	notification: the message has the null sender" when it dropped
 *	one. It logs nothing on error: the caller does, and retries later.
 *
 * SECURITY
 *	The original message is hostile. Only a bounded amount of it is
 *	copied (bounce_size_limit bytes); its lines are re-terminated with
 *	CRLF and lines longer than 998 octets are split, so nothing in it
 *	can end a part early: the MIME boundary is random and is checked
 *	not to occur anywhere in the parts. Addresses, ORCPT, ENVID and
 *	diagnostic texts (which may come from remote servers) have control
 *	characters replaced, are length-bounded, and are always written
 *	after a field name or indentation, never at the start of a line.
 */
#ifndef POSTERN_BOUNCE_H
#define POSTERN_BOUNCE_H

#include <stddef.h>
#include <time.h>

#include "dsn.h"
#include "qfile.h"
#include "qid.h"

/* The kind of notice: its subject, wording and which actions it lists. */
enum bounce_kind {
	BOUNCE_FAILURE,		/* "Undelivered Mail Returned to Sender" */
	BOUNCE_DELAY,		/* "Delayed Mail (still being retried)" */
	BOUNCE_SUCCESS,		/* "Successful Mail Delivery Report" */
};

/*
 * One recipient's outcome, as the delivery agent reported it:
 *   addr	the final recipient (after aliases)
 *   orig	the address as received when different, else NULL or ""
 *   orcpt	DSN ORCPT as stored (xtext), or NULL
 *   notify	DSN NOTIFY as stored, or NULL
 *   action	failed for BOUNCE_FAILURE, delayed for BOUNCE_DELAY,
 *		delivered, relayed or expanded for BOUNCE_SUCCESS
 *   status	enhanced status code ("5.1.1"); a missing or malformed one,
 *		or one of another class than the action, is reported as
 *		the action's generic code (5.0.0, 4.0.0, 2.0.0)
 *   text	diagnostic text, or NULL
 *   diag_type	"smtp" when text is a remote SMTP reply; NULL or "" means
 *		x-unix (a local reason)
 *   remote_mta	the remote MTA's host name, or NULL or ""
 *   last_attempt	time of the attempt; 0 means now
 */
struct bounce_rcpt {
	const char	*addr;
	const char	*orig;
	const char	*orcpt;
	const char	*notify;
	enum dsn_action	 action;
	const char	*status;
	const char	*text;
	const char	*diag_type;
	const char	*remote_mta;
	time_t		 last_attempt;
};

/* bounce_write results */
#define BOUNCE_ERROR		(-1)	/* nothing written; *err_r, errno */
#define BOUNCE_NONE		0	/* no recipient wants this notice */
#define BOUNCE_QUEUED		1	/* written; bqid_r is its queue ID */
#define BOUNCE_DISCARDED	2	/* null sender: dropped and logged */

/* bounce_write flags: fsync incoming/H after the rename (queue_dir_fsync) */
#define BOUNCE_DIR_SYNC		0x1

/*
 * Write the notice of the given kind about the message with queue ID qid,
 * envelope env (qfile_read_env) and queue file open on qfd (read with
 * pread only: the file offset is not used), listing those of the n
 * outcomes in rcpts whose NOTIFY asks for this kind.
 *
 * Returns BOUNCE_QUEUED with the new queue ID in bqid_r, BOUNCE_NONE when
 * no recipient wants the notice, BOUNCE_DISCARDED when the original's
 * sender is null, or BOUNCE_ERROR with *err_r a static reason and errno
 * set (EINVAL for a bad argument such as an action that does not match
 * kind; ENOSPC, EIO ... from the queue writer or the read of qfd). On
 * BOUNCE_ERROR nothing is left in the queue: keep the recipients and try
 * again later.
 *
 * Uses the parameters myhostname, mail_name, bounce_size_limit and
 * maximal_queue_lifetime (Will-Retry-Until of delay notices).
 */
int	bounce_write(const char *queue_dir, const char *qid,
	    const struct qfile_env *env, int qfd, enum bounce_kind kind,
	    const struct bounce_rcpt *rcpts, size_t n, int flags,
	    char bqid_r[QID_SIZE], const char **err_r);

/*
 * The log wording of a kind: "sender non-delivery notification",
 * "sender delay notification", "sender delivery status notification".
 */
const char *bounce_kind_name(enum bounce_kind);

#endif
