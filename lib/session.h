/*
 * NAME
 *	session - the session side of pop3d and imapd: take a client over
 *	from the login side, learn from auth whose it is, open that user's
 *	Maildir and confine the process to it
 *
 * SYNOPSIS
 *	pre_jail:	session_prepare();
 *	conn(fd):	struct session s;
 *			char *err = NULL;
 *
 *			if (session_accept(fd, "pop3d", &s, &err) < 0) {
 *				log_warn("%s", err); ... return;
 *			}
 *			switch (session_login(&s, &err)) {
 *			case SESSION_OK:   ... s.md is the Maildir, confined
 *			case SESSION_TEMP: ... -ERR [SYS/TEMP], err says why
 *			case SESSION_FAIL: ... the token was refused
 *			}
 *			... serve s.fd ...
 *			session_free(&s);
 *
 * DESCRIPTION
 *	The protocol between the two sides is in login_proto.h. The
 *	session program is a SERVER_SINGLE service on a UNIX socket
 *	(private/pop3d, private/imapd), run as vmail_owner, chrooted to
 *	virtual_mailbox_base, one session per process
 *	(SERVER_FLAG_ONCE: the confinement cannot be undone).
 *
 *	session_prepare, before the jail, opens the mail root (as a
 *	directory descriptor every Maildir path is resolved beneath, in
 *	and out of the jail) and a connection to auth (private/auth is not
 *	in the jail). session_accept announces the protocol, reads the
 *	handoff record and takes the client's socket (or, in relay mode,
 *	keeps the connection itself as the client's). session_login
 *	redeems the token with auth, opens the Maildir (creating it: the
 *	first login may come before the first delivery), and confines the
 *	process to it (lib/confine) before anything of the client's is
 *	read.
 *
 * SECURITY
 *	The login side is less trusted than we are: its record is parsed
 *	strictly, its descriptor must be a socket, and nothing it says
 *	decides whose mailbox is opened: auth's answer to the token does.
 *	The process is confined before it reads a command.
 */
#ifndef POSTERN_SESSION_H
#define POSTERN_SESSION_H

#include "auth_proto.h"
#include "login_proto.h"

struct maildir;
struct vbuf;

enum session_transport {
	SESSION_PLAIN,		/* the client's socket, no TLS */
	SESSION_KTLS,		/* the client's socket, TLS in the kernel */
	SESSION_RELAY,		/* the login side relays TLS for us */
};

/* session_login results */
#define SESSION_OK	0
#define SESSION_FAIL	1	/* auth refused the token */
#define SESSION_TEMP	2	/* auth or the Maildir cannot be reached */

struct session {
	int		 fd;		/* the client, as plaintext */
	enum session_transport transport;
	char		 client[AUTH_CLIENT_MAX + 1];
	char		 client_port[8];
	char		 server[AUTH_CLIENT_MAX + 1];
	char		 server_port[8];
	char		 tls[LOGIN_TLS_MAX + 1];	/* "" without TLS */
	char		 mech[AUTH_MECH_MAX + 1];
	char		 user[AUTH_USER_MAX + 1];	/* auth's, once known */
	char		 tag[LOGIN_TAG_MAX + 1];
	struct vbuf	*input;		/* the client's pipelined bytes */
	const char	*service;	/* "pop3d", "imapd" */
	char		 token[AUTH_TOKEN_LEN + 1];	/* until redeemed */
	struct maildir	*md;		/* the user's Maildir++ root */
	unsigned long long quota;	/* bytes, 0: none */
	int		 confined;	/* Landlock ABI, 0: none (confine.h) */
};

/* Before the jail: the mail root and the auth connection. */
void	session_prepare(void);
/*
 * Take the client over on the connection fd from the login side
 * (which stays the skeleton's to close). 0 with *s filled (s->fd is the
 * client), or -1 with *err_r (a protocol error or a timeout: drop it).
 */
int	session_accept(int fd, const char *service, struct session *s,
	    char **err_r);
/* Redeem, open, confine: SESSION_* (see above), *err_r unless OK. */
int	session_login(struct session *s, char **err_r);
/* "TLS relayed by the login process", "TLS in the kernel", "no TLS". */
const char *session_transport_text(const struct session *s);
/* Close what accept and login opened; wipe the token. */
void	session_free(struct session *s);

#endif
