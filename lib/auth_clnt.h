/*
 * NAME
 *	auth_clnt - the client half of the authentication service
 *
 * SYNOPSIS
 *	static struct auth_clnt *ac;
 *	struct auth_query q = { .service = "smtpd", .mech = "PLAIN",
 *	    .client = "192.0.2.1", .tls = 1, .user = u, .password = p };
 *	struct auth_user au;
 *
 *	if (ac == NULL)
 *		ac = auth_clnt_new(NULL, var_auth_request_timeout * 1000);
 *	switch (auth_clnt_verify(ac, &q, &au)) {
 *	case AUTH_STAT_OK:	   235, au.user is the canonical address
 *	case AUTH_STAT_FAIL:	   535
 *	case AUTH_STAT_TEMP:	   454; auth_clnt_error(ac) says why
 *	case AUTH_STAT_THROTTLED:  454
 *	}
 *
 * DESCRIPTION
 *	The protocol is in auth_proto.h. Each call connects to the
 *	service, checks its announcement, asks one question, reads the
 *	answer and hangs up, all within the timeout: there is no
 *	connection to go stale, nothing to retry (a retry could count one
 *	failure twice), and a restarted service is picked up by the next
 *	call. A process whose jail hides the socket (pop3d and imapd run
 *	in the mail root) calls auth_clnt_open() before the jail: the
 *	connection is then kept for the calls that follow, and once it
 *	fails every later call answers AUTH_STAT_TEMP unless the socket
 *	path can be reached again.
 *
 *	Whatever goes wrong (no service, a crash before the answer, a
 *	timeout, a malformed or unexpected answer) is AUTH_STAT_TEMP with
 *	the reason in auth_clnt_error(): never AUTH_STAT_OK. The caller
 *	logs the reason as a warning.
 *
 * SECURITY
 *	The request carries the password: the record that holds it is
 *	wiped before it is freed, and the password is its last attribute
 *	(the record buffer is never reallocated after it is in). The
 *	answer is parsed strictly; an OK answer must carry a canonical
 *	address of printable text and a Maildir path that maildir_open
 *	accepts (maildir_path_ok), or the answer is treated as TEMP.
 */
#ifndef POSTERN_AUTH_CLNT_H
#define POSTERN_AUTH_CLNT_H

#include "auth_proto.h"

struct auth_clnt;

/* One question (all strings NUL-terminated, none NULL). */
struct auth_query {
	const char	*service;	/* "smtpd", "pop3d", "imapd" */
	const char	*mech;		/* "PLAIN", "LOGIN" */
	const char	*client;	/* numeric address, or "" */
	int		 tls;
	const char	*user;		/* as the client sent it */
	const char	*password;
};

/* The answer to a successful login. */
struct auth_user {
	char		user[AUTH_USER_MAX + 1];	/* canonical */
	char		maildir[AUTH_MAILDIR_MAX + 1];
	unsigned long long quota;			/* bytes, 0: none */
};

/*
 * A client of the service at path (NULL: AUTH_SOCKET, relative to the
 * current directory); each call bounded by timeout_ms in all (<= 0: 30
 * seconds). Nothing is connected yet. Never NULL.
 */
struct auth_clnt *auth_clnt_new(const char *path, int timeout_ms);
/* Close any kept connection and free; sets *acp to NULL. NULL is fine. */
void	auth_clnt_free(struct auth_clnt **acp);
/*
 * Connect now and keep the connection for the calls that follow (see
 * DESCRIPTION). 0, or -1 with auth_clnt_error().
 */
int	auth_clnt_open(struct auth_clnt *);
/*
 * Ask. Returns AUTH_STAT_OK with *user_r filled, or AUTH_STAT_FAIL,
 * AUTH_STAT_TEMP or AUTH_STAT_THROTTLED (*user_r zeroed). A query the
 * service would refuse as malformed (a value too long or with a bad
 * character) is answered here: AUTH_STAT_FAIL for a user name or
 * password that cannot be a valid one, AUTH_STAT_TEMP for a bad
 * service, mechanism or client (our own mistake).
 */
int	auth_clnt_verify(struct auth_clnt *, const struct auth_query *,
	    struct auth_user *user_r);
/* Why the last call did not get an answer from the service. */
const char *auth_clnt_error(const struct auth_clnt *);

/*
 * 1 when s is a valid service name, mechanism name, or client string
 * (see auth_proto.h), else 0: the server and client share these.
 */
int	auth_valid_service(const char *s);
int	auth_valid_mech(const char *s);
int	auth_valid_client(const char *s);

#endif
