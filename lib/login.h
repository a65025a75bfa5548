/*
 * NAME
 *	login - the login side shared by pop3d and imapd: many clients on
 *	one event loop until they have logged in, then handed over
 *
 * SYNOPSIS
 *	static const struct login_proto pop3 = {
 *		.service = "pop3d", .greet = greet, .command = command,
 *		.challenge = challenge, .result = result, .bye = bye, ...
 *	};
 *
 *	pre_jail:	login_init(&pop3, &conf);	(conf from parameters)
 *	conn:		login_conn(fd, info);		(SERVER_MULTI)
 *
 *	In the protocol's command callback:
 *		login_reply(c, "+OK");
 *		login_starttls(c);			after the go-ahead
 *		login_plain(c, "PLAIN", user, pass, tag);	USER/PASS, LOGIN
 *		login_sasl(c, mech, initial, tag);	AUTH, AUTHENTICATE
 *
 * DESCRIPTION
 *	The login side (DESIGN, "Mail access") runs as login_owner,
 *	chrooted in queue_directory/empty (SERVER_FLAG_JAIL_EMPTY), as a
 *	SERVER_MULTI service: one process serves many connections on its
 *	event loop, so an idle client costs a few kilobytes. It owns:
 *	- the connection: addresses, the non-blocking stream with its
 *	  line limit and idle timeout, TLS (implicit, or after the
 *	  protocol's STARTTLS reply; keys read before the jail);
 *	- whether a client may log in without TLS (login_plaintext_ok:
 *	  TLS is up, or the client is in mynetworks (the loopback
 *	  networks by default), or the policy allows it);
 *	- the SASL exchange (lib/sasl: PLAIN, LOGIN), the challenges
 *	  formatted by the protocol;
 *	- the question to auth (lib/auth_clnt, req=login, on the event
 *	  loop: the process never waits for auth, which delays failures on
 *	  purpose), one connection per login through lib/login_dial;
 *	- the handoff (lib/login_proto.h): on success, a connection to the
 *	  session service, the token and the client's socket, or, when TLS
 *	  is up, the relay of the client's plaintext (the kernel TLS
 *	  handoff is not used: lib/tls runs OpenSSL over its own BIO);
 *	- the log lines: "Login: user=<...>, method=PLAIN, rip=..., lip=...,
 *	  TLS relayed" and "Disconnected (auth failed, 2 attempts): ...",
 *	  "Disconnected (no auth attempts): rip=...", as Dovecot writes
 *	  them.
 *	The protocol supplies only its grammar: the greeting, a command
 *	line, how to say "go on" ("+ base64") and how each failure reads.
 *
 *	The session side answers the login command itself (+OK Logged in,
 *	OK LOGIN completed): only it knows whether the mailbox opened.
 *
 * SECURITY
 *	Everything from the client is untrusted: lines are bounded, waits
 *	have timeouts, SASL data is decoded by lib/sasl into fixed
 *	buffers that are wiped; passwords are never logged. The process
 *	holds no descriptor of the mail root or the user table; it learns
 *	the canonical user name and a token from auth, not the Maildir.
 */
#ifndef POSTERN_LOGIN_H
#define POSTERN_LOGIN_H

#include <stdarg.h>
#include <stddef.h>

struct login_conn;
struct server_info;

/* What became of a login (login_proto.result). */
enum login_res {
	LOGIN_RES_FAIL,		/* bad credentials: [AUTH] */
	LOGIN_RES_TEMP,		/* auth or the session service down */
	LOGIN_RES_THROTTLED,	/* too many failures lately: temporary */
	LOGIN_RES_CANCEL,	/* the client cancelled the exchange */
	LOGIN_RES_SYNTAX,	/* a SASL response that does not parse */
};

struct login_proto {
	const char	*service;	/* auth's and the session's: "pop3d" */
	/* the greeting (after TLS when implicit) */
	void		(*greet)(struct login_conn *);
	/* a command line, without its line end: 0 go on, -1 hang up */
	int		(*command)(struct login_conn *, const char *line,
			    size_t len);
	/* a line longer than the limit was skipped: 0 or -1 */
	int		(*too_long)(struct login_conn *);
	/* SASL wants another response: send the challenge ("+ %s") */
	void		(*challenge)(struct login_conn *, const char *b64);
	/* a login that did not succeed: reply; 0 go on, -1 hang up */
	int		(*result)(struct login_conn *, enum login_res);
	/* last words before the server hangs up (timeout, shutdown) */
	void		(*bye)(struct login_conn *, const char *why);
	/*
	 * The bytes login_read_literal asked for (IMAP's {n} literals),
	 * whole: 0 go on (with lines again), -1 hang up. NULL when the
	 * protocol has no literals.
	 */
	int		(*literal)(struct login_conn *, const char *data,
			    size_t len);
};

/* What the protocol's parameters say (read by its check hook). */
struct login_conf {
	const char	*session;	/* session service name (private/) */
	const char	*tls_prefix;	/* "pop3d": PREFIX_tls_* */
	int		 tls;		/* 0 none, 1 may, 2 encrypt */
	int		 wrapper;	/* TLS from the first byte */
	int		 auth_only;	/* logins need TLS (or trust) */
	long long	 timeout;	/* idle seconds */
	long long	 line_max;	/* with the line end */
};

/*
 * Before the jail (pre_jail): the TLS context, mynetworks, the login
 * directory, the dialer. Fatal on a configuration error.
 */
void	login_init(const struct login_proto *, const struct login_conf *);
/* The skeleton's conn callback (SERVER_MULTI). */
void	login_conn(int fd, const struct server_info *);

/* Queue a reply line (CR LF added). */
void	login_reply(struct login_conn *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	login_vreply(struct login_conn *, const char *fmt, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Flush what is queued and hang up. */
void	login_hangup(struct login_conn *);
/* TLS: up; could be started now (configured, not up yet). */
int	login_tls_active(const struct login_conn *);
int	login_tls_available(const struct login_conn *);
/* TLS is mandatory before anything but the few commands that start it. */
int	login_tls_required(const struct login_conn *);
/*
 * Start TLS once the go-ahead reply (queued before) is out. The
 * protocol forgets what it learned in plaintext first (tls.h, STARTTLS
 * CONTRACT); the engine discards buffered input.
 */
void	login_starttls(struct login_conn *);
/* May the client log in now without more TLS? */
int	login_plaintext_ok(const struct login_conn *);
/*
 * Log in with a user name and password (POP3 USER/PASS, IMAP LOGIN):
 * auth is asked, the answer comes through result() or the handoff.
 * tag: what the session side needs for its reply (IMAP's tag), or "".
 * Nothing is read from the client meanwhile.
 */
void	login_plain(struct login_conn *, const char *user,
	    const char *password, const char *tag);
/*
 * SASL (POP3 AUTH, IMAP AUTHENTICATE) with mech and an initial
 * response (NULL: none). -1 for a mechanism we do not offer (nothing
 * done: the protocol says so), else 0.
 */
int	login_sasl(struct login_conn *, const char *mech, const char *initial,
	    const char *tag);
/*
 * The next len bytes the client sends are not a line but a literal
 * (IMAP LOGIN "user" {5}): they go to the protocol's literal callback
 * whole, then lines are read again. The protocol sends the continuation
 * ("+ OK") itself when the literal is synchronizing. -1 (nothing done)
 * for more than LOGIN_LITERAL_MAX bytes.
 */
#define LOGIN_LITERAL_MAX	8192
int	login_read_literal(struct login_conn *, size_t len);
/* The client's numeric address, for replies and logs. */
const char *login_client(const struct login_conn *);
/* The connection's stream, for replies longer than a line (CAPA). */
struct stream *login_stream(struct login_conn *);
/* The protocol's per-connection memory (proto_size bytes, zeroed). */
void	*login_proto_data(struct login_conn *);
/* Bytes of protocol memory each connection gets (login_init sets 0). */
void	login_set_proto_size(size_t);

#endif
