/*
 * NAME
 *	auth_proto - the protocol of the authentication service (auth)
 *
 * DESCRIPTION
 *	auth (auth/, auth(8)) is one event-driven process, the only reader
 *	of the password hashes (DESIGN). smtpd, pop3d and imapd decode the
 *	client's SASL exchange themselves (lib/sasl) and ask auth one
 *	question: are these a user name and password, from this client,
 *	for this service? The client half is lib/auth_clnt.
 *
 *	Transport: lib/ipc records on the UNIX socket private/auth
 *	(auth_proto), relative to queue_directory (the same path inside
 *	and outside smtpd's chroot). The server speaks first:
 *
 *		proto=auth/1.1		(1.0: no req=login, req=redeem)
 *
 *	Then any number of requests on the connection, each answered in
 *	order (lib/auth_clnt's blocking client asks one and hangs up;
 *	on an event loop it keeps the connection for many):
 *
 *		req=verify		AUTH_REQ_VERIFY
 *		service=smtpd		[a-z0-9_-], at most AUTH_SERVICE_MAX
 *					bytes: who asks (smtpd, pop3d, imapd;
 *					for the log and per-service policy)
 *		mech=PLAIN		[A-Z0-9_-], at most AUTH_MECH_MAX: the
 *					SASL mechanism the client used (log)
 *		client=192.0.2.1	the client's numeric address, at most
 *					AUTH_CLIENT_MAX printable bytes; ""
 *					when there is none (not throttled
 *					per address then)
 *		tls=1			was the session encrypted (0 or 1)
 *		user=alice@example.org	the authentication identity as the
 *					client sent it, 1..AUTH_USER_MAX bytes
 *		password=...		at most AUTH_PASS_MAX bytes, no NUL.
 *					Always the last attribute, so that no
 *					record buffer holding it is ever
 *					reallocated (see SECURITY)
 *
 *	Replies, one per request:
 *
 *		status=0 user=U maildir=M quota=Q	AUTH_STAT_OK
 *			U is the canonical address (the users table's key:
 *			lower case), which the caller uses from then on
 *			(sender ownership, logs, the mailbox); M the Maildir
 *			relative to virtual_mailbox_base; Q the quota in
 *			bytes, 0 for none.
 *		status=1				AUTH_STAT_FAIL
 *			bad credentials: wrong password, unknown user,
 *			disabled account, all alike (and answered after
 *			auth_failure_delay).
 *		status=2				AUTH_STAT_TEMP
 *			temporary failure: the users table cannot be read,
 *			an entry is malformed, crypt failed.
 *		status=3				AUTH_STAT_THROTTLED
 *			too many failures from this client or for this
 *			user lately: refused without looking at the
 *			password (the right one too), until the window
 *			ends (auth_throttle_time). Temporary.
 *
 *	The login side of pop3d and imapd (lib/login_proto.h) asks with
 *	req=login instead of req=verify, with the same attributes. A yes
 *	is then
 *
 *		status=0 user=U token=T			AUTH_STAT_OK
 *			T a one-time login token: AUTH_TOKEN_LEN hexadecimal
 *			digits (256 random bits). auth keeps it for
 *			AUTH_TOKEN_TTL seconds with the user, his Maildir and
 *			quota, the service and the client address; the
 *			login side is not told where the Maildir is.
 *
 *	and the session side, after the handoff, redeems it:
 *
 *		req=redeem		AUTH_REQ_REDEEM
 *		service=pop3d		the same service that logged in
 *		client=192.0.2.1	the same client address
 *		token=T
 *
 *		status=0 user=U maildir=M quota=Q	AUTH_STAT_OK, as for
 *							verify; the token is
 *							forgotten
 *		status=1				AUTH_STAT_FAIL: auth
 *			has no such token (forged, already redeemed, expired)
 *			or it was issued for another service or client.
 *			Logged as a warning; never delayed.
 *
 *	A request with a verb the server does not know is answered
 *	status=AUTH_STAT_TEMP and the connection stays open (a newer
 *	client); any other malformed request is a protocol error and the
 *	server closes the connection.
 *
 *	Reply codes in the protocols (RFC 4954 for SMTP):
 *		OK		235 2.7.0 / +OK / OK
 *		FAIL		535 5.7.8 / -ERR [AUTH] /
 *				NO [AUTHENTICATIONFAILED]
 *		TEMP		454 4.7.0 / -ERR [SYS/TEMP] / NO [UNAVAILABLE]
 *		THROTTLED	454 4.7.0 / -ERR [SYS/TEMP] / NO [UNAVAILABLE]
 *	and a service that cannot be reached, or that breaks the protocol,
 *	or does not answer within auth_request_timeout, is TEMP: never a
 *	success.
 *
 * SECURITY
 *	The socket is in private/: only the mail system's processes can
 *	connect. The server still parses every request strictly (lengths
 *	before allocation, every attribute checked, ipc_end) and the
 *	client parses every reply the same way. Passwords cross the socket
 *	in the clear (a UNIX socket between our own processes); both ends
 *	wipe every buffer that held one (explicit_bzero) and never log one.
 */
#ifndef POSTERN_AUTH_PROTO_H
#define POSTERN_AUTH_PROTO_H

#include "ipc.h"

/* Name, version, socket (private/auth), bounds: both ends use it. */
extern const struct ipc_proto auth_proto;

#define AUTH_REQ_VERIFY		"verify"
#define AUTH_REQ_LOGIN		"login"		/* verify, and a token */
#define AUTH_REQ_REDEEM		"redeem"	/* a token, once */

#define AUTH_STAT_OK		0
#define AUTH_STAT_FAIL		1	/* bad credentials */
#define AUTH_STAT_TEMP		2	/* temporary failure */
#define AUTH_STAT_THROTTLED	3	/* too many failures: later */

#define AUTH_SERVICE_MAX	32	/* bytes */
#define AUTH_MECH_MAX		20
#define AUTH_CLIENT_MAX		64
#define AUTH_USER_MAX		320	/* a local part, @, a domain */
#define AUTH_PASS_MAX		1024	/* = PWHASH_PASSWORD_MAX */
#define AUTH_MAILDIR_MAX	1024	/* = MAILDIR_PATH_MAX */
#define AUTH_QUOTA_MAX		(1ULL << 50)	/* = PARAM_SIZE_MAX */
#define AUTH_TOKEN_LEN		64	/* hex digits: 256 bits */
#define AUTH_TOKEN_TTL		60	/* seconds a token waits */
#define AUTH_TOKEN_MAX		4096	/* tokens waiting at most */
/* Largest record either way: a request with the longest values. */
#define AUTH_REC_MAX		8192

#endif
