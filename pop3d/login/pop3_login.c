/*
 * NAME
 *	pop3_login - the AUTHORIZATION state of POP3 on the login side:
 *	CAPA, STLS, USER, PASS, AUTH, QUIT (RFC 1939, 2449, 2595, 5034).
 *
 * DESCRIPTION
 *	The grammar only; lib/login does the rest (TLS, SASL, auth, the
 *	handoff). A login without TLS is refused with
 *	"-ERR [AUTH] Plaintext authentication disallowed on non-secure
 *	(SSL/TLS) connections." unless the client is in mynetworks (the
 *	loopback networks by default), or pop3d_tls_auth_only = no; CAPA then
 *	offers neither USER nor SASL, only STLS. With
 *	pop3d_tls_security_level = encrypt nothing but CAPA, STLS and QUIT
 *	is accepted before TLS. The answer to a successful PASS or AUTH
 *	comes from pop3d, once the mailbox is open.
 *
 *	Failures, as RFC 2449 and RFC 3206 code them: bad credentials
 *	-ERR [AUTH]; auth unreachable, throttled, or the session service
 *	down -ERR [SYS/TEMP]: never a login.
 *
 * SECURITY
 *	Lines come from the network, parsed by lib/pop3 within their
 *	length. The user name from USER is kept (bounded) until PASS or
 *	STLS; the password only passes through to lib/login, which wipes
 *	it. Bad commands are counted (pop3d_hard_error_limit).
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "auth_proto.h"
#include "log.h"
#include "login.h"
#include "params.h"
#include "pop3.h"
#include "pop3_login.h"
#include "sasl.h"
#include "stream.h"

/* What one connection remembers. */
struct pop3l {
	char	 user[AUTH_USER_MAX + 1];
	int	 have_user;
	int	 bad;
};

static struct login_conf pop3l_conf;

static int	pop3l_bad(struct login_conn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
pop3l_bad(struct login_conn *c, const char *fmt, ...)
{
	struct pop3l *p = login_proto_data(c);
	va_list ap;

	va_start(ap, fmt);
	login_vreply(c, fmt, ap);
	va_end(ap);
	if (++p->bad < var_pop3d_hard_error_limit)
		return 0;
	login_reply(c, "-ERR Too many bad commands.");
	return -1;
}

static void
pop3l_forget(struct pop3l *p)
{
	explicit_bzero(p->user, sizeof(p->user));
	p->have_user = 0;
}

static void
pop3l_greet(struct login_conn *c)
{
	login_reply(c, "+OK %s", var_pop3d_banner);
}

#define POP3L_NO_PLAIN	"-ERR [AUTH] Plaintext authentication disallowed " \
	"on non-secure (SSL/TLS) connections."

static int
pop3l_auth(struct login_conn *c, const struct pop3_cmd *cmd)
{
	char mech[AUTH_MECH_MAX + 1], *initial = NULL;
	char ir[4096];

	if (cmd->argc == 0) {
		/* RFC 1734: the list of mechanisms */
		login_reply(c, "+OK");
		login_reply(c, "PLAIN");
		login_reply(c, "LOGIN");
		login_reply(c, ".");
		return 0;
	}
	if (!login_plaintext_ok(c))
		return pop3l_bad(c, POP3L_NO_PLAIN);
	if (cmd->argv[0].len >= sizeof(mech))
		return pop3l_bad(c, "-ERR Unsupported authentication "
		    "mechanism.");
	memcpy(mech, cmd->argv[0].ptr, cmd->argv[0].len);
	mech[cmd->argv[0].len] = '\0';
	if (cmd->argc == 2) {
		if (cmd->argv[1].len >= sizeof(ir))
			return pop3l_bad(c, "-ERR Initial response too long.");
		memcpy(ir, cmd->argv[1].ptr, cmd->argv[1].len);
		ir[cmd->argv[1].len] = '\0';
		initial = ir;
	}
	if (login_sasl(c, mech, initial, "") < 0) {
		explicit_bzero(ir, sizeof(ir));
		return pop3l_bad(c, "-ERR Unsupported authentication "
		    "mechanism.");
	}
	explicit_bzero(ir, sizeof(ir));
	return 0;
}

static int
pop3l_pass(struct login_conn *c, struct pop3l *p, const struct pop3_cmd *cmd)
{
	char pass[AUTH_PASS_MAX + 1];

	if (!p->have_user)
		return pop3l_bad(c, "-ERR No username given.");
	if (!login_plaintext_ok(c))
		return pop3l_bad(c, POP3L_NO_PLAIN);
	if (cmd->argv[0].len > AUTH_PASS_MAX) {
		pop3l_forget(p);
		login_reply(c, "-ERR [AUTH] Authentication failed.");
		return 0;
	}
	memcpy(pass, cmd->argv[0].ptr, cmd->argv[0].len);
	pass[cmd->argv[0].len] = '\0';
	login_plain(c, p->user, pass, "");
	explicit_bzero(pass, sizeof(pass));
	pop3l_forget(p);
	return 0;
}

static int
pop3l_command(struct login_conn *c, const char *line, size_t len)
{
	struct pop3l *p = login_proto_data(c);
	struct pop3_cmd cmd;
	int r;

	if ((r = pop3_cmd_parse(line, len, &cmd)) == POP3_CMD_ARGS)
		return pop3l_bad(c, "-ERR %s: Invalid arguments.", cmd.name);
	if (r != POP3_CMD_OK)
		return pop3l_bad(c, "-ERR Unknown command.");
	if (login_tls_required(c) && cmd.verb != POP3_CAPA &&
	    cmd.verb != POP3_STLS && cmd.verb != POP3_QUIT)
		return pop3l_bad(c, "-ERR [AUTH] Issue STLS first.");
	switch (cmd.verb) {
	case POP3_CAPA:
		pop3_capa(login_stream(c), (login_tls_available(c) ?
		    POP3_CAPA_STLS : 0) | (login_plaintext_ok(c) ?
		    POP3_CAPA_LOGIN : 0));
		return 0;
	case POP3_STLS:
		if (login_tls_active(c))
			return pop3l_bad(c, "-ERR TLS is already active.");
		if (!login_tls_available(c))
			return pop3l_bad(c, "-ERR TLS support isn't enabled.");
		login_reply(c, "+OK Begin TLS negotiation now.");
		pop3l_forget(p);	/* nothing from plaintext survives */
		login_starttls(c);
		return 0;
	case POP3_USER:
		if (!login_plaintext_ok(c))
			return pop3l_bad(c, POP3L_NO_PLAIN);
		if (cmd.argv[0].len > AUTH_USER_MAX) {
			pop3l_forget(p);
			return pop3l_bad(c, "-ERR User name too long.");
		}
		memcpy(p->user, cmd.argv[0].ptr, cmd.argv[0].len);
		p->user[cmd.argv[0].len] = '\0';
		p->have_user = 1;
		login_reply(c, "+OK");
		return 0;
	case POP3_PASS:
		return pop3l_pass(c, p, &cmd);
	case POP3_AUTH:
		return pop3l_auth(c, &cmd);
	case POP3_QUIT:
		login_reply(c, "+OK Logging out.");
		return -1;
	case POP3_NOOP:
		login_reply(c, "+OK");
		return 0;
	case POP3_APOP:
		return pop3l_bad(c, "-ERR APOP is not supported.");
	default:
		return pop3l_bad(c, "-ERR Unknown command.");
	}
}

static int
pop3l_too_long(struct login_conn *c)
{
	return pop3l_bad(c, "-ERR Input line too long.");
}

static void
pop3l_challenge(struct login_conn *c, const char *b64)
{
	login_reply(c, "+ %s", b64);
}

static int
pop3l_result(struct login_conn *c, enum login_res res)
{
	switch (res) {
	case LOGIN_RES_FAIL:
		login_reply(c, "-ERR [AUTH] Authentication failed.");
		break;
	case LOGIN_RES_CANCEL:
		login_reply(c, "-ERR Authentication cancelled.");
		break;
	case LOGIN_RES_SYNTAX:
		login_reply(c, "-ERR [AUTH] Invalid authentication data.");
		break;
	default:
		login_reply(c, "-ERR [SYS/TEMP] Temporary authentication "
		    "failure; try again later.");
		break;
	}
	return 0;
}

static void
pop3l_bye(struct login_conn *c, const char *why)
{
	login_reply(c, "-ERR %s", why);
}

static const struct login_proto pop3l_proto = {
	.service = "pop3d",
	.greet = pop3l_greet,
	.command = pop3l_command,
	.too_long = pop3l_too_long,
	.challenge = pop3l_challenge,
	.result = pop3l_result,
	.bye = pop3l_bye,
};

void
pop3_login_check(void)
{
	const char *lev = var_pop3d_tls_security_level;

	pop3l_conf.session = var_pop3d_session_service;
	pop3l_conf.tls_prefix = "pop3d";
	if (strcmp(lev, "none") == 0)
		pop3l_conf.tls = 0;
	else if (strcmp(lev, "may") == 0)
		pop3l_conf.tls = 1;
	else if (strcmp(lev, "encrypt") == 0)
		pop3l_conf.tls = 2;
	else
		log_fatal("pop3d_tls_security_level = \"%s\": expected none, "
		    "may or encrypt", lev);
	pop3l_conf.wrapper = var_pop3d_tls_wrappermode;
	pop3l_conf.auth_only = var_pop3d_tls_auth_only;
	pop3l_conf.timeout = var_pop3d_timeout;
	pop3l_conf.line_max = var_pop3d_line_length_limit;
	if (*pop3l_conf.session == '\0' || strchr(pop3l_conf.session, '/'))
		log_fatal("pop3d_session_service = \"%s\": expected the "
		    "master.cf name of the pop3d unix service",
		    pop3l_conf.session);
}

void
pop3_login_pre_jail(void)
{
	login_set_proto_size(sizeof(struct pop3l));
	login_init(&pop3l_proto, &pop3l_conf);
}
