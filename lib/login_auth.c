/*
 * NAME
 *	login_auth - logging in on the login side: the SASL exchange and
 *	the question to auth; see login.h.
 *
 * DESCRIPTION
 *	Every login gets its own auth client on the event loop, connected
 *	through the dialer (the jail hides private/auth): auth holds a
 *	failed login's answer back for auth_failure_delay on that
 *	connection, and another client's login must not wait behind it.
 *	The question asks for a login token (req=login); with it the
 *	connection goes on to the handoff (login_relay.c).
 *
 * SECURITY
 *	The credentials live in the connection's sasl_server and in the
 *	question auth_clnt copies and wipes; ours are wiped as soon as the
 *	question is asked. Nothing of them is logged; the user name shown
 *	in the disconnect line is auth's canonical one, or the client's
 *	cut to printable ASCII.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_clnt.h"
#include "event.h"
#include "log.h"
#include "login_dial.h"
#include "login_int.h"
#include "params.h"
#include "printable.h"
#include "server.h"
#include "stream.h"
#include "tls.h"

#define LOGIN_USER_SHOW	64	/* bytes of a failed user name in logs */

static int
login_dial_auth(void *arg, char **err_r)
{
	(void)arg;
	return login_dial(LOGIN_DIAL_AUTH, err_r);
}

/* auth answered: note it, carry on from the loop. */
static void
login_auth_done(int status, const struct auth_user *u, const char *err,
    void *arg)
{
	struct login_conn *c = arg;

	c->areq = NULL;
	c->status = status;
	if (status == AUTH_STAT_OK) {
		strlcpy(c->user, u->user, sizeof(c->user));
		strlcpy(c->token, u->token, sizeof(c->token));
	} else if (status == AUTH_STAT_TEMP && err != NULL)
		log_warn("%s: auth service: %s", c->peer, err);
	login_later(c);
}

/* The user name as the client gave it, for the log: printable, cut. */
static void
login_show_user(struct login_conn *c, const char *user)
{
	size_t len = strlen(user);

	printable_copy(c->user, len > LOGIN_USER_SHOW ? LOGIN_USER_SHOW + 4 :
	    sizeof(c->user), user, len, PRINTABLE_NOSPACE | PRINTABLE_8BIT |
	    PRINTABLE_ELLIPSIS);
}

/* Ask auth (on the loop); the answer comes to login_auth_after. */
static void
login_ask(struct login_conn *c, const char *user, const char *password)
{
	struct auth_query q;
	long long t = var_auth_request_timeout;
	int r;

	login_show_user(c, user);
	memset(&q, 0, sizeof(q));
	q.service = login_p->service;
	q.mech = c->mech;
	q.client = c->client;
	q.tls = tls_active(c->s);
	q.user = user;
	q.password = password;
	q.token = 1;
	c->ac = auth_clnt_new(NULL, t > 3600 ? 3600000 : (int)t * 1000,
	    server_loop());
	auth_clnt_set_dial(c->ac, login_dial_auth, NULL);
	c->state = LC_AUTH;
	c->status = -1;
	r = auth_clnt_verify_start(c->ac, &q, login_auth_done, c, &c->areq);
	if (r != AUTH_CLNT_PENDING) {
		/* answered at once: a name or password that cannot be */
		c->status = r;
		login_later(c);
	}
}

void
login_plain(struct login_conn *c, const char *user, const char *password,
    const char *tag)
{
	strlcpy(c->mech, "PLAIN", sizeof(c->mech));
	strlcpy(c->tag, tag, sizeof(c->tag));
	login_ask(c, user, password);
}

/* What sasl_server_start or _step said: act on it. 0, or -1 to hang up. */
static int
login_sasl_result(struct login_conn *c, int r)
{
	enum login_res res;

	switch (r) {
	case SASL_CONTINUE:
		c->state = LC_SASL;
		login_p->challenge(c, sasl_server_challenge(&c->sasl));
		return 0;
	case SASL_DONE:
		login_ask(c, c->sasl.user, c->sasl.pass);
		sasl_server_clear(&c->sasl);
		return 0;
	case SASL_ERR_CANCEL:
		res = LOGIN_RES_CANCEL;
		break;
	default:
		log_debug("%s: SASL %s: %s", c->peer, c->mech,
		    sasl_strerror(r));
		c->attempts++;
		res = LOGIN_RES_SYNTAX;
		break;
	}
	sasl_server_clear(&c->sasl);
	c->state = LC_CMD;
	return login_p->result(c, res);
}

int
login_sasl(struct login_conn *c, const char *mech, const char *initial,
    const char *tag)
{
	enum sasl_mech m;

	if (sasl_mech_parse(mech, &m) < 0)
		return -1;
	strlcpy(c->mech, sasl_mech_name(m), sizeof(c->mech));
	strlcpy(c->tag, tag, sizeof(c->tag));
	sasl_server_init(&c->sasl, m);
	if (login_sasl_result(c, sasl_server_start(&c->sasl, initial)) < 0)
		login_hangup(c);
	return 0;
}

int
login_sasl_step(struct login_conn *c, const char *line, size_t len)
{
	return login_sasl_result(c, sasl_server_step(&c->sasl, line, len));
}

void
login_auth_after(struct login_conn *c)
{
	int status = c->status;
	enum login_res res;

	c->status = -1;
	auth_clnt_free(&c->ac);
	if (status == AUTH_STAT_OK) {
		c->state = LC_HANDOFF;
		login_handoff_start(c);
		return;
	}
	switch (status) {
	case AUTH_STAT_FAIL:
		c->attempts++;
		res = LOGIN_RES_FAIL;
		break;
	case AUTH_STAT_THROTTLED:
		c->attempts++;
		res = LOGIN_RES_THROTTLED;
		break;
	default:
		res = LOGIN_RES_TEMP;
		break;
	}
	c->state = LC_CMD;
	if (login_p->result(c, res) < 0)
		login_hangup(c);
}

void
login_auth_free(struct login_conn *c)
{
	auth_clnt_verify_cancel(c->areq);
	c->areq = NULL;
	auth_clnt_free(&c->ac);
	sasl_server_clear(&c->sasl);
	explicit_bzero(c->token, sizeof(c->token));
}
