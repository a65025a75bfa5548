/*
 * NAME
 *	auth_server - the connections of smtpd, pop3d and imapd on the
 *	skeleton's event loop: questions in, answers out.
 *
 * DESCRIPTION
 *	Each connection gets the protocol announcement, then any number
 *	of questions (lib/auth_proto.h), answered in order. A failed login
 *	is answered after auth_failure_delay by a timer: the process goes
 *	on serving every other connection meanwhile, and reads nothing
 *	more from this one until the answer is out (so answers stay in
 *	order, and a client cannot have more than one delayed answer).
 *
 *	req=login is verify with a login token in the answer, and
 *	req=redeem hands a token's user, Maildir and quota to the session
 *	side of pop3d or imapd once (auth_token.c, lib/login_proto.h).
 *
 *	crypt(3) itself runs in this one process: while one verification
 *	computes (some tens of milliseconds for yescrypt), the others
 *	wait. Throttling (auth_request.c) keeps a guesser from making that
 *	the bottleneck.
 *
 * SECURITY
 *	Only processes that can reach private/ can connect. Questions are
 *	still parsed as network input: records are bounded (AUTH_REC_MAX)
 *	before anything is allocated, every attribute is checked, and a
 *	connection that breaks the protocol is logged and closed. A client
 *	that does not read its answers is cut off at AUTH_OUT_MAX bytes.
 *
 *	Passwords pass through three buffers here, each wiped: the read
 *	buffer on the stack and the connection's input buffer (both by
 *	ipc_conn with IPC_CONN_SECRET: the input buffer is allocated at its
 *	full size once, so it is never reallocated with a password in it,
 *	and what a consumed record leaves behind is wiped at once), and
 *	the decoded record (its password value is wiped before it is
 *	freed).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "auth_clnt.h"
#include "event.h"
#include "ipc.h"
#include "ipc_conn.h"
#include "log.h"
#include "monotime.h"
#include "params.h"
#include "server.h"
#include "xmalloc.h"

#define AUTH_OUT_MAX		(16 * 1024)	/* unread answers, bytes */

struct auth_conn {
	struct ipc_conn	*conn;
	struct ipc_chan	*ch;		/* &conn->ch, for its peer name */
	struct ipc_rec	*held;		/* a failure's answer, waiting */
	struct event_timer *delay;
};

void
auth_server_init(void)
{
	auth_verify_init();
	auth_request_init();
}

void
auth_server_exit(void)
{
	auth_request_free();
	auth_token_free();
	auth_db_free();
}

static void
auth_conn_close(struct ipc_conn *conn, void *arg)
{
	struct auth_conn *c = arg;

	if (c->delay != NULL)
		event_del_timer(server_loop(), c->delay);
	ipc_rec_free(&c->held);
	server_disconnect(conn->fd);
	free(c);
}

static struct ipc_rec *
auth_conn_status(int status)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_uint(r, "status", (uint64_t)status);
	return r;
}

/* The delay is over: out with the answer, then on with the input. */
static void
auth_conn_delay_fire(void *arg)
{
	struct auth_conn *c = arg;
	int r;

	c->delay = NULL;
	r = ipc_conn_reply(c->conn, c->held);
	ipc_rec_free(&c->held);
	if (r < 0)
		ipc_conn_close(c->conn);
	else
		ipc_conn_release(c->conn);
}

/* Answer a question now, or hold a failure's answer back. */
static int
auth_conn_answer(struct auth_conn *c, const struct auth_ans *a,
    const char *token)
{
	struct ipc_rec *r = auth_conn_status(a->status);
	int ret;

	if (a->status == AUTH_STAT_OK && token != NULL) {
		ipc_add_str(r, "user", a->e.user);
		ipc_add_str(r, "token", token);
	} else if (a->status == AUTH_STAT_OK) {
		ipc_add_str(r, "user", a->e.user);
		ipc_add_str(r, "maildir", a->e.maildir);
		ipc_add_uint(r, "quota", a->e.quota);
	}
	if (a->delay && var_auth_failure_delay > 0) {
		c->held = r;
		ipc_conn_hold(c->conn);
		c->delay = event_add_timer(server_loop(),
		    var_auth_failure_delay * 1000, auth_conn_delay_fire, c);
		return 0;
	}
	ret = ipc_conn_reply(c->conn, r);
	ipc_rec_free(&r);
	return ret;
}

static const char *const auth_verbs[] = {
	AUTH_REQ_VERIFY, AUTH_REQ_LOGIN, AUTH_REQ_REDEEM, NULL
};

/* req=redeem: a login token's user, once. */
static int
auth_conn_redeem(struct auth_conn *c, struct ipc_rec *r)
{
	const char *service, *client, *token, *why;
	struct auth_ans a;
	int ret;

	if (ipc_get_strn(r, "service", AUTH_SERVICE_MAX, &service) < 0 ||
	    ipc_get_strn(r, "client", AUTH_CLIENT_MAX, &client) < 0 ||
	    ipc_get_strn(r, "token", AUTH_TOKEN_LEN, &token) < 0 ||
	    ipc_end(r) < 0) {
		ipc_log_rec_error(c->ch, r);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	if (auth_token_redeem(token, service, client, monotime_ms(), &a.e,
	    &why) < 0) {
		log_warn("%s: login token refused from %s for client %s: %s",
		    auth_valid_service(service) ? service : "?", c->ch->peer,
		    auth_valid_client(client) ? client : "?", why);
		a.status = AUTH_STAT_FAIL;
	} else {
		log_debug("%s: login token of %s redeemed by %s", service,
		    a.e.user, c->ch->peer);
		a.status = AUTH_STAT_OK;
	}
	/* UNSAFE: the value lives in the record's own buffer */
	explicit_bzero((void *)(uintptr_t)token, strlen(token));
	ret = auth_conn_answer(c, &a, NULL);
	auth_entry_clear(&a.e);
	return ret;
}

/* One question; -1 closes the connection. */
static int
auth_conn_request(struct ipc_conn *conn, struct ipc_rec *r, void *arg)
{
	struct auth_conn *c = arg;
	struct auth_req q;
	struct auth_ans a;
	const char *pw = NULL;
	char token[AUTH_TOKEN_LEN + 1];
	int ret, verb;

	token[0] = '\0';
	if ((verb = ipc_conn_verb(conn, r, auth_verbs)) == -1)
		return -1;
	if (verb < 0) {
		/* a newer client: refuse the verb, keep the connection */
		memset(&a, 0, sizeof(a));
		a.status = AUTH_STAT_TEMP;
		return auth_conn_answer(c, &a, NULL);
	}
	if (verb == 2)
		return auth_conn_redeem(c, r);
	memset(&q, 0, sizeof(q));
	if (ipc_get_strn(r, "service", AUTH_SERVICE_MAX, &q.service) < 0 ||
	    ipc_get_strn(r, "mech", AUTH_MECH_MAX, &q.mech) < 0 ||
	    ipc_get_strn(r, "client", AUTH_CLIENT_MAX, &q.client) < 0 ||
	    ipc_get_bool(r, "tls", &q.tls) < 0 ||
	    ipc_get_strn(r, "user", AUTH_USER_MAX, &q.user) < 0 ||
	    ipc_get_strn(r, "password", AUTH_PASS_MAX, &pw) < 0 ||
	    ipc_end(r) < 0) {
		ipc_log_rec_error(c->ch, r);
		ret = -1;
		goto out;
	}
	if (!auth_valid_service(q.service) || !auth_valid_mech(q.mech) ||
	    !auth_valid_client(q.client) || q.user[0] == '\0') {
		log_warn("protocol error from %s: bad service, mechanism, "
		    "client or user", c->ch->peer);
		ret = -1;
		goto out;
	}
	q.password = pw;
	auth_request_run(&q, &a, monotime_ms());
	if (verb == 1 && a.status == AUTH_STAT_OK)
		auth_token_issue(&a.e, q.service, q.client, monotime_ms(),
		    token);
	ret = auth_conn_answer(c, &a, verb == 1 ? token : NULL);
	explicit_bzero(token, sizeof(token));
	auth_entry_clear(&a.e);
out:
	if (pw != NULL)
		/* UNSAFE: the value lives in the record's own buffer */
		explicit_bzero((void *)(uintptr_t)pw, strlen(pw));
	return ret;
}

void
auth_server_conn(int fd, const struct server_info *info)
{
	struct auth_conn *c = xcalloc(1, sizeof(*c));
	const struct ipc_conn_params p = {
		.loop = server_loop(),
		.out_max = AUTH_OUT_MAX,
		/* passwords: the input buffer is allocated once and wiped */
		.flags = IPC_CONN_SECRET,
		.request = auth_conn_request,
		.close = auth_conn_close,
		.arg = c,
	};

	(void)info;
	c->conn = ipc_conn_serve(fd, &auth_proto, &p);
	c->ch = &c->conn->ch;
}
