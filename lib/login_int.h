/*
 * login_int.h - what the login side's files share (login.c, login_auth.c,
 * login_relay.c). Not for programs: they use login.h.
 */
#ifndef POSTERN_LOGIN_INT_H
#define POSTERN_LOGIN_INT_H

#include "auth_proto.h"
#include "ipc.h"
#include "login.h"
#include "login_proto.h"
#include "sasl.h"

struct auth_clnt;
struct auth_clnt_req;
struct event_timer;
struct stream;
struct tls_server_ctx;
struct vbuf;

enum login_state {
	LC_HANDSHAKE,		/* TLS handshake in progress */
	LC_STARTTLS,		/* the go-ahead is being flushed */
	LC_CMD,			/* reading commands */
	LC_SASL,		/* reading SASL responses */
	LC_AUTH,		/* waiting for auth's answer */
	LC_HANDOFF,		/* waiting for the session service */
	LC_RELAY,		/* relaying a TLS session */
	LC_CLOSING,		/* flushing the last words */
};

#define LOGIN_RELAY_BUF		16384
#define LOGIN_DIAL_AUTH		0	/* login_dial entries */
#define LOGIN_DIAL_SESSION	1

struct login_conn {
	int		 fd;
	enum login_state state;
	struct stream	*s;
	char		 client[AUTH_CLIENT_MAX + 1];
	char		 client_port[8];
	char		 server[AUTH_CLIENT_MAX + 1];
	char		 server_port[8];
	char		 peer[AUTH_CLIENT_MAX + 16];	/* [addr]:port */
	int		 trusted;	/* loopback or mynetworks */
	int		 greet_after_tls;	/* implicit TLS */
	long long	 start_ms;
	struct event_timer *timer;
	struct event_timer *next;	/* carries on after a callback */
	/* logging in */
	struct sasl_server sasl;
	char		 mech[AUTH_MECH_MAX + 1];
	char		 tag[LOGIN_TAG_MAX + 1];
	char		 user[AUTH_USER_MAX + 1];
	char		 token[AUTH_TOKEN_LEN + 1];
	int		 attempts;	/* failed logins */
	struct vbuf	*literal;	/* a literal being read */
	size_t		 literal_len;	/* its length, 0: none wanted */
	int		 status;	/* auth's answer, until acted on */
	struct auth_clnt *ac;
	struct auth_clnt_req *areq;
	/* handing over */
	int		 ufd;
	struct ipc_chan	 uch;
	struct vbuf	*uin;
	int		 logged_in;
	/* relaying */
	char		*rbuf;
	size_t		 rlen, roff;
	int		 ceof, seof;
	void		*pdata;
};

/* login.c */
extern const struct login_proto *login_p;
extern const struct login_conf *login_c;
/* Do what the state asks, then wait for what it needs. */
void	login_run(struct login_conn *);
/* Continue from the loop (after a callback that must not recurse). */
void	login_later(struct login_conn *);
/* End the connection (logs why when nobody logged in). */
void	login_close(struct login_conn *, const char *why);
/* Watch the client for events (0: none) with the stream's timeout. */
void	login_watch(struct login_conn *, int events);

/* login_auth.c */
/* A SASL response line in LC_SASL: 0, or -1 to hang up. */
int	login_sasl_step(struct login_conn *, const char *line, size_t len);
/* auth answered (after login_later): go on. */
void	login_auth_after(struct login_conn *);
/* Release what logging in holds (auth client, credentials). */
void	login_auth_free(struct login_conn *);

/* login_relay.c */
/* Connect to the session service and hand the client over. */
void	login_handoff_start(struct login_conn *);
/* LC_RELAY: move what can be moved both ways. */
void	login_relay(struct login_conn *);
void	login_handoff_free(struct login_conn *);

#endif
