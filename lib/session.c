/*
 * NAME
 *	session - taking a client over on the session side; see
 *	session.h and login_proto.h.
 *
 * SECURITY
 *	Everything in the handoff record is bounded and checked here;
 *	only auth's answer to the token names the Maildir.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_clnt.h"
#include "confine.h"
#include "err.h"
#include "fdpass.h"
#include "ipc.h"
#include "log.h"
#include "maildir.h"
#include "params.h"
#include "printable.h"
#include "session.h"
#include "vbuf.h"
#include "xmalloc.h"

static int session_rootfd = -1;
static struct auth_clnt *session_auth;

void
session_prepare(void)
{
	const char *base = var_virtual_mailbox_base;
	char *err = NULL;
	struct stat st;

	if (base == NULL || *base != '/')
		log_fatal("virtual_mailbox_base = \"%s\": must be the absolute "
		    "path of the mail root", base != NULL ? base : "");
	session_rootfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (session_rootfd < 0 || fstat(session_rootfd, &st) < 0)
		log_fatal("virtual_mailbox_base %s: %m", base);
	session_auth = auth_clnt_new(NULL, var_auth_request_timeout > 3600 ?
	    3600000 : (int)var_auth_request_timeout * 1000, NULL);
	/* the socket is not in the jail: now or never, for this process */
	if (auth_clnt_open(session_auth, &err) < 0) {
		log_warn("cannot reach the auth service: %s; this process "
		    "answers logins with a temporary error", err);
		free(err);
	}
}

/* A value of the record into buf (at most len - 1 bytes). */
static int
session_get(struct ipc_rec *r, const char *name, char *buf, size_t len)
{
	const char *v;

	if (ipc_get_strn(r, name, len - 1, &v) < 0)
		return -1;
	strlcpy(buf, v, len);
	return 0;
}

static int
session_parse(struct ipc_rec *r, struct session *s, char **err_r)
{
	char transport[8];
	const char *req;
	const void *in;
	size_t inlen;

	if (ipc_get_strn(r, "req", 16, &req) < 0 || strcmp(req,
	    LOGIN_REQ_HANDOFF) != 0 || session_get(r, "token", s->token, sizeof(s->token)) < 0 ||
	    session_get(r, "client", s->client, sizeof(s->client)) < 0 ||
	    session_get(r, "client_port", s->client_port,
	    sizeof(s->client_port)) < 0 ||
	    session_get(r, "server", s->server, sizeof(s->server)) < 0 ||
	    session_get(r, "server_port", s->server_port,
	    sizeof(s->server_port)) < 0 ||
	    session_get(r, "transport", transport, sizeof(transport)) < 0 ||
	    session_get(r, "tls", s->tls, sizeof(s->tls)) < 0 ||
	    session_get(r, "mech", s->mech, sizeof(s->mech)) < 0 ||
	    session_get(r, "user", s->user, sizeof(s->user)) < 0 ||
	    session_get(r, "tag", s->tag, sizeof(s->tag)) < 0 ||
	    ipc_get_data(r, "input", &in, &inlen) < 0 || ipc_end(r) < 0)
		return err_set(err_r, "protocol error from the login side: %s",
		    ipc_rec_error(r));
	if (strcmp(transport, LOGIN_TRANSPORT_PLAIN) == 0)
		s->transport = SESSION_PLAIN;
	else if (strcmp(transport, LOGIN_TRANSPORT_KTLS) == 0)
		s->transport = SESSION_KTLS;
	else if (strcmp(transport, LOGIN_TRANSPORT_RELAY) == 0)
		s->transport = SESSION_RELAY;
	else
		return err_set(err_r, "protocol error from the login side: "
		    "transport \"%.8s\"", transport);
	if (!auth_valid_client(s->client) ||
	    !printable_ok(s->client_port, PRINTABLE_NOSPACE) ||
	    !printable_ok(s->server, PRINTABLE_NOSPACE) ||
	    !printable_ok(s->server_port, PRINTABLE_NOSPACE) ||
	    !auth_valid_mech(s->mech) ||
	    !printable_ok(s->user, PRINTABLE_NOSPACE | PRINTABLE_8BIT) ||
	    inlen > LOGIN_INPUT_MAX)
		return err_set(err_r, "protocol error from the login side: a "
		    "bad address, mechanism, user or input");
	s->input = vbuf_new(inlen + 1, LOGIN_INPUT_MAX);
	(void)vbuf_append(s->input, in, inlen);
	return 0;
}

int
session_accept(int fd, const char *service, struct session *s,
    char **err_r)
{
	struct ipc_chan ch;
	struct ipc_rec *r = NULL;
	const char *why;
	int cfd = -1, n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->service = service;
	ipc_chan_init(&ch, fd, "login process");
	ch.max = LOGIN_REC_MAX;
	ch.timeout_ms = LOGIN_HANDOFF_TIMEOUT;
	if (ipc_hello_send(&ch, LOGIN_PROTO, LOGIN_PROTO_MAJOR,
	    LOGIN_PROTO_MINOR) < 0)
		return err_set(err_r, "handoff: %s", ch.err);
	if ((n = ipc_recv_fd(&ch, &r, &cfd)) <= 0) {
		if (n == 0)
			return err_set(err_r, "handoff: the login side closed "
			    "the connection");
		return err_set(err_r, "handoff: %s", ch.err);
	}
	if (session_parse(r, s, err_r) < 0)
		goto fail;
	if (s->transport == SESSION_RELAY) {
		if (cfd >= 0) {
			err_set(err_r, "protocol error from the login side: a "
			    "descriptor with a relayed session");
			goto fail;
		}
		/* the client's bytes follow on this connection */
		if ((s->fd = dup(fd)) < 0) {
			err_set(err_r, "dup: %m");
			goto fail;
		}
	} else {
		if (cfd < 0 || fdpass_check_sock(cfd, NULL, &why) < 0) {
			err_set(err_r, "protocol error from the login side: %s",
			    cfd < 0 ? "no client socket" : why);
			goto fail;
		}
		s->fd = cfd;
		cfd = -1;
	}
	ipc_rec_free(&r);
	return 0;
fail:
	if (cfd >= 0)
		close(cfd);
	ipc_rec_free(&r);
	session_free(s);
	return -1;
}

int
session_login(struct session *s, char **err_r)
{
	struct auth_user au;
	char *err = NULL;
	int r;

	if (session_auth == NULL || session_rootfd < 0)
		log_panic("session_login: session_prepare was not called");
	r = auth_clnt_redeem(session_auth, s->service, s->client, s->token,
	    &au, &err);
	explicit_bzero(s->token, sizeof(s->token));
	if (r == AUTH_STAT_FAIL) {
		err_set(err_r, "auth refused the login token");
		return SESSION_FAIL;
	}
	if (r != AUTH_STAT_OK) {
		err_set(err_r, "auth service: %s", err != NULL ? err :
		    "temporary failure");
		free(err);
		return SESSION_TEMP;
	}
	if (strcmp(au.user, s->user) != 0)
		log_warn("%s: the login side said user %s, auth says %s: "
		    "serving %s", s->client, s->user, au.user, au.user);
	strlcpy(s->user, au.user, sizeof(s->user));
	s->quota = au.quota;
	if (maildir_open(session_rootfd, au.maildir, MAILDIR_CREATE, &s->md,
	    &err) < 0) {
		err_set(err_r, "%s", err);
		free(err);
		return SESSION_TEMP;
	}
	close(session_rootfd);
	session_rootfd = -1;
	if ((s->confined = confine_beneath(s->md->fd, &err)) < 0) {
		err_set(err_r, "confine to %s: %s", s->md->path, err);
		free(err);
		return SESSION_TEMP;
	}
	return SESSION_OK;
}

const char *
session_transport_text(const struct session *s)
{
	switch (s->transport) {
	case SESSION_KTLS:
		return "TLS in the kernel";
	case SESSION_RELAY:
		return "TLS relayed by the login process";
	default:
		return "no TLS";
	}
}

void
session_free(struct session *s)
{
	explicit_bzero(s->token, sizeof(s->token));
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	vbuf_free(&s->input);
	maildir_close(&s->md);
}
