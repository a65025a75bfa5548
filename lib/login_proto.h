/*
 * NAME
 *	login_proto - from the login side to the session side of pop3d
 *	and imapd: the login token and the handoff of the client
 *
 * DESCRIPTION
 *	A user logs in on the login side (lib/login.h: login_owner, an
 *	empty jail, TLS, the commands allowed before login, SASL). The
 *	session side (lib/session.h: the vmail uid, jailed in the mail
 *	root, then confined to the user's Maildir) serves the mailbox.
 *	Between them:
 *
 *	1. The login side asks auth with req=login (auth_proto.h): the
 *	   same question as req=verify, but a yes comes with a one-time
 *	   token, 64 hexadecimal digits (256 random bits), that auth keeps
 *	   for AUTH_TOKEN_TTL seconds together with the user, his Maildir,
 *	   the service that asked and the client's address. The login side
 *	   learns the canonical user name (for its log line) and the
 *	   token, not the Maildir.
 *	2. It connects to the session service (private/SERVICE, through
 *	   lib/login_dial), reads the announcement proto=login/1.0 and
 *	   sends one record, with the client's connection attached
 *	   (SCM_RIGHTS) unless the login side relays it:
 *
 *		req=handoff
 *		token=HEX		64 hex digits
 *		client=192.0.2.1	numeric, as the login side saw it
 *		client_port=53211
 *		server=192.0.2.25	our own address and port
 *		server_port=110
 *		transport=plain		plain: the client's socket, no TLS
 *					ktls: the client's socket, TLS keys
 *					in the kernel (the session reads and
 *					writes plaintext on it)
 *					relay: no descriptor; the login side
 *					keeps the TLS connection and relays
 *					the plaintext over this connection,
 *					from the first byte after this record
 *		tls=TEXT		"" or the TLS description for logs
 *					("TLSv1.3 with cipher ...")
 *		mech=PLAIN		how the user logged in (logs)
 *		user=alice@example.org	as auth told the login side (logs;
 *					the session uses auth's answer)
 *		tag=TEXT		protocol data for the first reply
 *					(IMAP's command tag; "" for POP3)
 *		input=BYTES		what the client sent after its login
 *					command and the login side already
 *					read (pipelining); at most
 *					LOGIN_INPUT_MAX bytes
 *
 *	3. The session side redeems the token with auth (req=redeem,
 *	   service and client): auth answers with the user, the Maildir
 *	   and the quota, and forgets the token. A token auth does not
 *	   know (forged), has already redeemed (replayed), has let expire,
 *	   or that was issued for another service or client is refused
 *	   and logged: a compromised login side cannot choose whose
 *	   mailbox it gets.
 *	4. The session side opens the Maildir, confines itself to it
 *	   (lib/confine), and only then answers the login command (+OK
 *	   Logged in. / OK LOGIN completed) and reads the next one.
 *
 *	The session side speaks no reply on this connection: in plain
 *	and ktls modes the login side closes it, and the client's socket,
 *	once the record is sent; in relay mode the connection carries
 *	the client's plaintext both ways until either end closes.
 *
 * SECURITY
 *	The session side trusts nothing in the record but as a hint for
 *	its logs: the user, the Maildir and the quota come from auth. The
 *	record is parsed strictly (bounded values, ipc_end), the attached
 *	descriptor must be a socket, and it must come on a record that
 *	says it has one.
 */
#ifndef POSTERN_LOGIN_PROTO_H
#define POSTERN_LOGIN_PROTO_H

#define LOGIN_PROTO		"login"
#define LOGIN_PROTO_MAJOR	1
#define LOGIN_PROTO_MINOR	0

#define LOGIN_REQ_HANDOFF	"handoff"

#define LOGIN_TRANSPORT_PLAIN	"plain"
#define LOGIN_TRANSPORT_KTLS	"ktls"
#define LOGIN_TRANSPORT_RELAY	"relay"

#define LOGIN_INPUT_MAX		(64 * 1024)	/* pipelined bytes */
#define LOGIN_TAG_MAX		256
#define LOGIN_TLS_MAX		256
#define LOGIN_REC_MAX		(LOGIN_INPUT_MAX + 4096)
#define LOGIN_HANDOFF_TIMEOUT	10000	/* ms, either side */

#endif
