/*
 * deliver_proto - the protocol between qmgr and the delivery agents
 * (delivery/local, delivery/relay), over their private UNIX sockets.
 *
 * DESCRIPTION
 *	The agent speaks first (ipc_hello_send): proto=deliver/1.1.
 *	qmgr then sends one request per connection-use, carrying the queue
 *	file as an open read-only descriptor (ipc_send_fd): the agent never
 *	sees the queue directory (DESIGN). Attributes, in this order:
 *
 *	  req=deliver
 *	  queue_id	the QID (for log lines)
 *	  sender	envelope sender ("" for the null sender)
 *	  arrival	seconds since the epoch (for delay=)
 *	  queued	seconds qmgr saw it first (for delays=a/b/c/d)
 *	  content_offset, content_size
 *			where the content is in the file (CRLF line ends)
 *	  envid, ret	DSN ENVID and RET ("" when absent)
 *	  smtputf8	bool: the message needs SMTPUTF8
 *	  nexthop	the destination (domain for relay, "" for local)
 *	  count		number of recipients, at most DELIVER_RCPT_MAX
 *	  then count groups of:
 *	    rcpt	the address to deliver to (after alias expansion)
 *	    orig	the address as received (orig_to=; "" when the same)
 *	    orcpt	DSN ORCPT as received ("" when absent)
 *	    notify	DSN NOTIFY ("" when absent)
 *
 *	The agent answers with one record per recipient, in request order,
 *	each sent as soon as that recipient's outcome is known:
 *
 *	  req=status
 *	  index		0-based recipient index
 *	  dsn		enhanced status code "X.Y.Z": 2 delivered,
 *			4 try again later, 5 failed for good
 *	  action	"delivered", "relayed", "failed", "delayed", or
 *			"forwarded": passed to a next hop that speaks DSN
 *			with the recipient's NOTIFY, so no success notice
 *			is due from us ("relayed": it does not speak DSN,
 *			a success notice is due when NOTIFY asks for it)
 *	  relay		what log lines show as relay= ("local",
 *			"mx.example.org[192.0.2.1]:25")
 *	  text		human-readable reason (for status= and the DSN
 *			Diagnostic-Code), no CR/LF
 *	  remote_mta	"" or the remote MTA name (DSN Remote-MTA)
 *	  diag_type	"" or "smtp" when text is a remote SMTP reply
 *
 *	and then
 *
 *	  req=done
 *	  site_fail	bool (1.1): 1 when the destination itself failed
 *			(no connection, a 421 or a dropped session, TLS
 *			required and not available, DNS trouble): every
 *			recipient was deferred for that. 0 when each
 *			recipient got its own answer, 4xx ones included.
 *
 *	Only a site failure counts against the destination in qmgr's
 *	scheduler (slow start, suspension): a provider that greylists
 *	every recipient (4xx to RCPT) stays open for the other messages.
 *	A connection may carry further requests. qmgr treats a missing
 *	status (agent crash, protocol error, timeout) as 4.3.0 for every
 *	recipient without one: a recipient is marked done only on an
 *	explicit 2.x.x or 5.x.x status.
 *
 *	Versions: 1.0 had no site_fail; qmgr requires 1.1.
 *
 * SECURITY
 *	Both sides validate every attribute (ipc strict getters): the
 *	agent runs as another user and either side may be compromised.
 */
#ifndef POSTERN_DELIVER_PROTO_H
#define POSTERN_DELIVER_PROTO_H

#define DELIVER_PROTO_NAME	"deliver"
#define DELIVER_PROTO_MAJOR	1
#define DELIVER_PROTO_MINOR	1
#define DELIVER_RCPT_MAX	1000
#define DELIVER_ADDR_MAX	1024	/* any address attribute, bytes */
#define DELIVER_TEXT_MAX	1024	/* status text, bytes */

#endif
