/*
 * qmgr_proto - the queue manager's two protocols: the wakeup socket
 * (smtpd, the sendmail command, the master's timer) and the control
 * socket (`postern queue`, `flush`, `hold`, `release`, `delete` and
 * `requeue`).
 *
 * WAKEUP
 *	Transport: the UNIX stream socket public/qmgr (QMGR_TRIGGER_SOCKET)
 *	under queue_directory, open to every local user; the master hands
 *	what arrives to qmgr (SERVER_TRIGGER skeleton). A request is bytes,
 *	each a verb on its own:
 *	  I	new mail in incoming/: scan it (QMGR_TRIGGER_SCAN)
 *	  F	flush: deferred mail now, dead destinations forgotten
 *		(QMGR_TRIGGER_FLUSH; sendmail -q, ETRN)
 *	  W	the master's wakeup timer: scan incoming/
 *		(QMGR_TRIGGER_WAKEUP)
 *	other bytes are ignored, as Postfix's qmgr does. Or a request is
 *	  QQID	one new message in incoming/ (QMGR_TRIGGER_QUEUED): qmgr
 *		takes that file at once instead of reading sixteen
 *		directories for it. The whole request, or lines "QQID\n"
 *		on a connection that mail_owner's smtpd keeps open.
 *	  N\n	on that kept connection: smtpd has used its last spare
 *		name and asks for one more (QMGR_TRIGGER_NEED); it sends
 *		one line per name it wants.
 *	To mail_owner only, qmgr answers each "Q" and "N" line, when it
 *	has a spare file that it has not given out, with
 *	  SNAME\n	the name of a spare queue file (QMGR_TRIGGER_SPARE,
 *		lib/qfile_spare) for smtpd's next message.
 *	Nothing else is ever answered. lib/qmgr_trigger is the client.
 *	An answer to "Q" comes after qmgr has taken the message, and a
 *	busy qmgr may answer after smtpd has begun its next message: an
 *	smtpd that then had no name left would make a new file, one more
 *	in the pool for good. So smtpd keeps a few names (qfile_spare)
 *	and asks for QFILE_SPARE_REFILL more with "N" lines whenever it
 *	has used its last one.
 *
 * CONTROL
 *	Transport: the UNIX stream socket private/qmgr-ctl under
 *	queue_directory (private/ is mode 0700 and owned by mail_owner;
 *	the socket itself is 0600 and owned by mail_owner), so only root
 *	and mail_owner can connect; qmgr also checks SO_PEERCRED and
 *	serves only uid 0 and its own uid. One request per connection.
 *	Records are lib/ipc attribute records (STYLE 2.2).
 *
 *	qmgr speaks first: proto=qmgr/1.1 (1.1 added next). Then the client
 *	sends one of
 *
 *	  req=list
 *		qmgr answers with one req=entry record per message, then
 *		req=end with total (the number of entries). An entry:
 *		  queue_id	the QID
 *		  queue		"active", "incoming", "deferred" or "hold"
 *		  size		content bytes
 *		  arrival	seconds since the epoch
 *		  sender	envelope sender ("" for the null sender)
 *		  next		when the next delivery attempt is due,
 *				seconds since the epoch, for a deferred
 *				message; 0 for the others
 *		  count		recipients not yet delivered, then count
 *				groups of:
 *		  rcpt		the address as received
 *		  reason	last deferral reason, "4.x.y text", or ""
 *		Entries are produced incrementally: a large queue costs
 *		qmgr bounded memory, and the client sees entries as they
 *		come.
 *	  req=flush
 *		deliver deferred mail now and forget dead destinations.
 *	  req=hold | req=release | req=delete | req=requeue
 *		  count		number of ids, 1..QMGR_PROTO_IDS_MAX
 *		  then count times: id  a queue ID, or ALL
 *		hold: incoming, deferred and active mail goes to hold/;
 *		release: hold/ back to the queue (delivered now);
 *		delete: removed from any queue; requeue: deferred (and,
 *		by ID, held) mail goes back to incoming/, is resolved
 *		again with the current tables and delivered now.
 *
 *	and qmgr answers the last five with
 *	  req=result
 *	  done		how many messages were affected
 *	  text		"" or a note (e.g. "no such message: QID, ...")
 *
 *	A malformed request gets req=error text=WHY and the connection is
 *	closed.
 *
 * SECURITY
 *	Both sides parse strictly (ipc getters). Queue IDs are checked
 *	with qid_valid before they become file names.
 */
#ifndef POSTERN_QMGR_PROTO_H
#define POSTERN_QMGR_PROTO_H

#include "ipc.h"

#define QMGR_TRIGGER_SOCKET	"public/qmgr"
#define QMGR_TRIGGER_SCAN	'I'
#define QMGR_TRIGGER_FLUSH	'F'
#define QMGR_TRIGGER_WAKEUP	'W'
#define QMGR_TRIGGER_QUEUED	'Q'
#define QMGR_TRIGGER_SPARE	'S'
#define QMGR_TRIGGER_NEED	'N'

/* Name, version, socket (private/qmgr-ctl): both ends use it. */
extern const struct ipc_proto qmgr_ctl_proto;

#define QMGR_PROTO_IDS_MAX	10000
#define QMGR_PROTO_TEXT_MAX	4096
#define QMGR_PROTO_ADDR_MAX	1024

#endif
