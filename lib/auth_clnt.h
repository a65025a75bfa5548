/*
 * NAME
 *	auth_clnt - the client half of the authentication service
 *
 * SYNOPSIS
 *	static struct auth_clnt *ac;
 *	struct auth_query q = { .service = "smtpd", .mech = "PLAIN",
 *	    .client = "192.0.2.1", .tls = 1, .user = u, .password = p };
 *	struct auth_user au;
 *	char *err = NULL;
 *
 *	if (ac == NULL)
 *		ac = auth_clnt_new(NULL, var_auth_request_timeout * 1000,
 *		    NULL);
 *	switch (auth_clnt_verify(ac, &q, &au, &err)) {
 *	case AUTH_STAT_OK:	   235, au.user is the canonical address
 *	case AUTH_STAT_FAIL:	   535
 *	case AUTH_STAT_TEMP:	   454; err (when set) says why
 *	case AUTH_STAT_THROTTLED:  454
 *	}
 *
 *	On an event loop (the POP3/IMAP login side, which must go on
 *	serving its other clients while auth thinks):
 *
 *	ac = auth_clnt_new(NULL, timeout_ms, loop);
 *	r = auth_clnt_verify_start(ac, &q, answer_fn, sess, &sess->auth);
 *	if (r != AUTH_CLNT_PENDING)
 *		... answered at once (a query that cannot be valid) ...
 *	... answer_fn(AUTH_STAT_*, &au or NULL, err or NULL, sess) later;
 *	auth_clnt_verify_cancel(sess->auth) when the client goes first.
 *
 * DESCRIPTION
 *	The protocol is in auth_proto.h; the connection is lib/ipc_clnt's.
 *	A blocking call connects to the service, checks its announcement,
 *	asks one question, reads the answer and hangs up, all within the
 *	timeout: there is no connection to go stale, nothing to retry (a
 *	retry could count one failure twice), and a restarted service is
 *	picked up by the next call. A process whose jail hides the socket
 *	calls auth_clnt_open() before the jail: the connection is then kept
 *	for the calls that follow, and once it fails every later call
 *	answers AUTH_STAT_TEMP unless the socket path can be reached again.
 *	On an event loop the client keeps its connection for many
 *	questions, in flight at once, and makes a new one when it is gone.
 *
 *	Whatever goes wrong (no service, a crash before the answer, a
 *	timeout, a malformed or unexpected answer) is AUTH_STAT_TEMP with
 *	the reason in *err_r (the callback's err): never AUTH_STAT_OK. The
 *	caller logs the reason as a warning.
 *
 * SECURITY
 *	The request carries the password: every copy of the record that
 *	holds it is wiped (ipc_rec_wipe, IPC_CLNT_SECRET), and the
 *	password is its last attribute (the record buffer is never
 *	reallocated after it is in). The answer is parsed strictly; an OK
 *	answer must carry a canonical address of printable text and a
 *	Maildir path that maildir_open accepts (maildir_path_ok), or the
 *	answer is treated as TEMP.
 */
#ifndef POSTERN_AUTH_CLNT_H
#define POSTERN_AUTH_CLNT_H

#include "auth_proto.h"

#define AUTH_CLNT_PENDING	(-1)	/* verify_start: fn will answer */

struct auth_clnt;
struct auth_clnt_req;
struct event_loop;

/* One question (all strings NUL-terminated, none NULL). */
struct auth_query {
	const char	*service;	/* "smtpd", "pop3d", "imapd" */
	const char	*mech;		/* "PLAIN", "LOGIN" */
	const char	*client;	/* numeric address, or "" */
	int		 tls;
	const char	*user;		/* as the client sent it */
	const char	*password;
	int		 token;		/* ask for a login token (req=login) */
};

/*
 * The answer to a successful login: the user's mailbox, or, when the
 * query asked for a token, the token instead (maildir "", quota 0).
 */
struct auth_user {
	char		user[AUTH_USER_MAX + 1];	/* canonical */
	char		maildir[AUTH_MAILDIR_MAX + 1];
	unsigned long long quota;			/* bytes, 0: none */
	char		token[AUTH_TOKEN_LEN + 1];	/* "" unless asked */
};

/*
 * The answer to auth_clnt_verify_start: AUTH_STAT_OK with user (valid
 * during the call), or another AUTH_STAT_* with user NULL and, for a
 * failure of the exchange, err (else NULL).
 */
typedef void (*auth_clnt_fn)(int status, const struct auth_user *user,
		    const char *err, void *arg);

/*
 * A client of the service at path (NULL: private/auth, relative to
 * the current directory); each call bounded by timeout_ms in all (<=
 * 0: 30 seconds). loop NULL: auth_clnt_verify blocks; otherwise use
 * auth_clnt_verify_start. Nothing is connected yet. Never NULL.
 */
struct auth_clnt *auth_clnt_new(const char *path, int timeout_ms,
	    struct event_loop *loop);
/*
 * Close any kept connection and free; questions in flight are dropped
 * without their callbacks. Sets *acp to NULL. NULL is fine.
 */
void	auth_clnt_free(struct auth_clnt **acp);
/*
 * Blocking: connect now and keep the connection for the calls that
 * follow (see DESCRIPTION). 0, or -1 with *err_r.
 */
int	auth_clnt_open(struct auth_clnt *, char **err_r);
/*
 * Blocking: ask. Returns AUTH_STAT_OK with *user_r filled, or
 * AUTH_STAT_FAIL, AUTH_STAT_TEMP or AUTH_STAT_THROTTLED (*user_r
 * zeroed). A query the service would refuse as malformed (a value too
 * long or with a bad character) is answered here: AUTH_STAT_FAIL for a
 * user name or password that cannot be a valid one, AUTH_STAT_TEMP for
 * a bad service, mechanism or client (our own mistake). *err_r is set
 * for AUTH_STAT_TEMP when the exchange failed (not when the service
 * answered TEMP).
 */
int	auth_clnt_verify(struct auth_clnt *, const struct auth_query *,
	    struct auth_user *user_r, char **err_r);
/*
 * On the event loop: ask, and return AUTH_CLNT_PENDING with *req_r (a
 * handle for auth_clnt_verify_cancel, valid until fn runs): fn runs
 * once from the loop with the answer. Or answer at once, as
 * auth_clnt_verify does for a query that cannot be valid: the status,
 * and fn does not run. q is copied: it may go after the call.
 */
int	auth_clnt_verify_start(struct auth_clnt *, const struct auth_query *q,
	    auth_clnt_fn fn, void *arg, struct auth_clnt_req **req_r);
/* fn of a pending question will not run. NULL is fine. */
void	auth_clnt_verify_cancel(struct auth_clnt_req *);
/*
 * Blocking, the session side of pop3d and imapd: redeem a login token
 * (auth_proto.h). AUTH_STAT_OK with *user_r (user, maildir, quota);
 * AUTH_STAT_FAIL when auth refuses the token (forged, replayed,
 * expired, or issued for another service or client); AUTH_STAT_TEMP
 * with *err_r when auth could not be asked.
 */
int	auth_clnt_redeem(struct auth_clnt *, const char *service,
	    const char *client, const char *token, struct auth_user *user_r,
	    char **err_r);
/*
 * Connections by fn instead of by path (ipc_clnt_set_dial): for the
 * login side, which cannot reach the socket from its jail.
 */
void	auth_clnt_set_dial(struct auth_clnt *, int (*fn)(void *, char **),
	    void *arg);

/*
 * 1 when s is a valid service name, mechanism name, or client string
 * (see auth_proto.h), else 0: the server and client share these.
 */
int	auth_valid_service(const char *s);
int	auth_valid_mech(const char *s);
int	auth_valid_client(const char *s);

#endif
