/*
 * NAME
 *	qmgr_trigger - the client of the queue manager's wakeup socket
 *	(qmgr_proto.h, WAKEUP): "there is mail", "flush", and smtpd's kept
 *	connection that also brings back spare queue file names.
 *
 * SYNOPSIS
 *	qmgr_trigger_send(QMGR_TRIGGER_SOCKET, QMGR_TRIGGER_FLUSH, &err);
 *
 *	static struct qmgr_trigger *qt;
 *	if (qt == NULL)
 *		qt = qmgr_trigger_new(QMGR_TRIGGER_SOCKET);
 *	qmgr_trigger_spares(qt, qfile_spare_offer);	before a new file
 *	if (qfile_spare_stock() == 0)			the last name used
 *		qmgr_trigger_need(qt, QFILE_SPARE_REFILL);
 *	qmgr_trigger_queued(qt, qid);			after the 250
 *
 * DESCRIPTION
 *	Waking qmgr is best effort: qmgr scans incoming/ on the master's
 *	timer anyway, so a failure costs delay, never mail. No call ever
 *	waits for qmgr beyond a short connect timeout: a qmgr that is behind
 *	does not slow the SMTP session down.
 *
 *	The kept connection (struct qmgr_trigger) sends one "QQID\n" line
 *	per new message, and "N\n" lines when smtpd wants spare names, and
 *	is made again when qmgr has gone (the master restarts it); qmgr
 *	answers a line, when it has a name, with "SNAME\n", which
 *	qmgr_trigger_spares hands over without waiting.
 *
 * SECURITY
 *	Anything at the socket could answer: answers are lines of at most
 *	QMGR_TRIGGER_LINE_MAX bytes, and only "S" lines are passed on (as
 *	names for qfile_spare_offer, which checks them as queue IDs). A
 *	buffer filled with no newline is discarded.
 */
#ifndef POSTERN_QMGR_TRIGGER_H
#define POSTERN_QMGR_TRIGGER_H

#define QMGR_TRIGGER_TIMEOUT	2	/* seconds, connect */
#define QMGR_TRIGGER_LINE_MAX	255

struct qmgr_trigger;

typedef void (*qmgr_trigger_spare_fn)(const char *name);

/*
 * One request (a verb byte of qmgr_proto.h) on a connection of its own
 * to path. 0, or -1 with *err_r ("cannot connect to PATH: ...").
 */
int	qmgr_trigger_send(const char *path, int verb, char **err_r);

/* A kept connection to path; nothing is connected yet. Never NULL. */
struct qmgr_trigger *qmgr_trigger_new(const char *path);
void	qmgr_trigger_free(struct qmgr_trigger **);
/*
 * "QQID\n": the message is in incoming/. 0, or -1 (qmgr is not there
 * or is behind; logged at debug level).
 */
int	qmgr_trigger_queued(struct qmgr_trigger *, const char *qid);
/*
 * "N\n" n times: this process wants n more spare names (it has used
 * its last). 0, or -1 as qmgr_trigger_queued.
 */
int	qmgr_trigger_need(struct qmgr_trigger *, int n);
/* Hand each spare file name that qmgr has sent to fn, without waiting. */
void	qmgr_trigger_spares(struct qmgr_trigger *, qmgr_trigger_spare_fn fn);

#endif
