/*
 * NAME
 *	imap_login - the not-authenticated state of IMAP on the login side:
 *	CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN, AUTHENTICATE
 *	(RFC 9051 6.1, 6.2; RFC 4959 SASL-IR; RFC 2971 ID)
 *
 * DESCRIPTION
 *	The grammar only; lib/login does the rest (TLS, SASL, auth, the
 *	handoff). Lines arrive one by one; a command that announces a
 *	literal (a password with a quote in it is sent so) is gathered
 *	until it is whole: lib/login reads the literal's bytes
 *	(login_read_literal), a synchronizing one after our "+ OK", and the
 *	command is then read with the same tokenizer as after login
 *	(imap_read over the gathered bytes).
 *
 *	A login without TLS is refused with "NO [PRIVACYREQUIRED]" unless
 *	the client is in mynetworks (the loopback networks by default) or
 *	imapd_tls_auth_only = no; the capabilities then say LOGINDISABLED
 *	and STARTTLS instead of AUTH=. With imapd_tls_security_level =
 *	encrypt nothing but CAPABILITY, NOOP, LOGOUT, ID and STARTTLS is
 *	accepted before TLS. The answer to a successful LOGIN or
 *	AUTHENTICATE comes from imapd, once the mailbox is open.
 *
 *	Failures, as RFC 5530 codes them: bad credentials
 *	NO [AUTHENTICATIONFAILED]; auth unreachable, throttled, or the
 *	session service down NO [UNAVAILABLE]: never a login.
 *
 * SECURITY
 *	Lines come from the network: bounded by imapd_max_line_length,
 *	gathered commands too; the gathered bytes may hold a password and
 *	are wiped as soon as the command is done. Bad commands are counted
 *	(imapd_hard_error_limit).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth_proto.h"
#include "imap_login.h"
#include "imap_parser.h"
#include "imap_read.h"
#include "log.h"
#include "login.h"
#include "login_proto.h"
#include "params.h"
#include "stream.h"
#include "vbuf.h"


/* What one connection remembers. */
struct imapl {
	struct vbuf	*cmd;		/* a command still waiting for literals */
	char		 tag[LOGIN_TAG_MAX + 1];
	int		 bad;
};

static struct login_conf imapl_conf;
static struct imap_parser *imapl_parser;

static void
imapl_forget(struct imapl *p)
{
	if (p->cmd != NULL) {
		explicit_bzero(p->cmd->data, p->cmd->cap);
		vbuf_free(&p->cmd);
	}
}

static int	imapl_bad(struct login_conn *, const char *tag, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

static int
imapl_bad(struct login_conn *c, const char *tag, const char *fmt, ...)
{
	struct imapl *p = login_proto_data(c);
	struct vbuf b;
	va_list ap;

	vbuf_init(&b, 128, VBUF_NOLIMIT);
	(void)vbuf_appendf(&b, "%s ", tag != NULL ? tag : "*");
	va_start(ap, fmt);
	(void)vbuf_vappendf(&b, fmt, ap);
	va_end(ap);
	login_reply(c, "%s", vbuf_str(&b));
	vbuf_release(&b);
	if (++p->bad < var_imapd_hard_error_limit)
		return 0;
	login_reply(c, "* BYE Too many invalid IMAP commands.");
	return -1;
}

static void
imapl_caps(struct login_conn *c, struct vbuf *b)
{
	(void)vbuf_appends(b, "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID "
	    "ENABLE IDLE");
	if (login_tls_available(c))
		(void)vbuf_appends(b, " STARTTLS");
	if (login_plaintext_ok(c))
		(void)vbuf_appends(b, " AUTH=PLAIN AUTH=LOGIN");
	else
		(void)vbuf_appends(b, " LOGINDISABLED");
}

static void
imapl_greet(struct login_conn *c)
{
	struct vbuf b;

	vbuf_init(&b, 128, VBUF_NOLIMIT);
	imapl_caps(c, &b);
	login_reply(c, "* OK [CAPABILITY %s] %s", vbuf_str(&b),
	    var_imapd_banner);
	vbuf_release(&b);
}

#define IMAPL_NO_PLAIN	"NO [PRIVACYREQUIRED] Plaintext authentication " \
	"disallowed on non-secure (SSL/TLS) connections."

static int
imapl_login(struct login_conn *c, struct imapl *p, const char *tag,
    const struct imap_arg *args)
{
	const char *user, *pass;
	size_t ulen, plen;

	if (!imap_arg_astring(args, &user, &ulen) ||
	    !imap_arg_astring(args ? args->next : NULL, &pass, &plen) ||
	    args->next->next != NULL || strlen(user) != ulen ||
	    strlen(pass) != plen)
		return imapl_bad(c, tag, "BAD Error in IMAP command LOGIN: "
		    "Invalid arguments.");
	if (!login_plaintext_ok(c))
		return imapl_bad(c, tag, IMAPL_NO_PLAIN);
	if (ulen > AUTH_USER_MAX || plen > AUTH_PASS_MAX) {
		login_reply(c, "%s NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.", tag);
		return 0;
	}
	strlcpy(p->tag, tag, sizeof(p->tag));
	login_plain(c, user, pass, tag);
	return 0;
}

static int
imapl_authenticate(struct login_conn *c, struct imapl *p, const char *tag,
    const struct imap_arg *args)
{
	const char *mech, *ir = NULL;

	if (!imap_arg_atom(args, &mech) || (args->next != NULL &&
	    (!imap_arg_atom(args->next, &ir) || args->next->next != NULL)))
		return imapl_bad(c, tag, "BAD Error in IMAP command "
		    "AUTHENTICATE: Invalid arguments.");
	if (!login_plaintext_ok(c))
		return imapl_bad(c, tag, IMAPL_NO_PLAIN);
	if (strlen(mech) > AUTH_MECH_MAX)
		return imapl_bad(c, tag, "NO Unsupported authentication "
		    "mechanism.");
	strlcpy(p->tag, tag, sizeof(p->tag));
	/* SASL-IR: "=" is an empty initial response */
	if (login_sasl(c, mech, ir, tag) < 0)
		return imapl_bad(c, tag, "NO Unsupported authentication "
		    "mechanism.");
	return 0;
}

static int
imapl_id(struct login_conn *c, const char *tag, const struct imap_arg *args)
{
	if (args == NULL || args->next != NULL ||
	    (!imap_arg_is_nil(args) && args->type != IMAP_ARG_LIST))
		return imapl_bad(c, tag, "BAD Error in IMAP command ID: "
		    "Invalid arguments.");
	login_reply(c, "* ID (\"name\" \"Postern\")");
	login_reply(c, "%s OK ID completed.", tag);
	return 0;
}

/* A whole command, tokenized. */
static int
imapl_run(struct login_conn *c, struct imapl *p, const struct imap_cmd *cmd)
{
	const char *name = cmd->name, *tag = cmd->tag;
	struct vbuf b;

	if (login_tls_required(c) && strcasecmp(name, "CAPABILITY") != 0 &&
	    strcasecmp(name, "NOOP") != 0 && strcasecmp(name, "LOGOUT") != 0 &&
	    strcasecmp(name, "ID") != 0 && strcasecmp(name, "STARTTLS") != 0)
		return imapl_bad(c, tag, "NO [PRIVACYREQUIRED] Issue STARTTLS "
		    "first.");
	if (strcasecmp(name, "CAPABILITY") == 0) {
		vbuf_init(&b, 128, VBUF_NOLIMIT);
		imapl_caps(c, &b);
		login_reply(c, "* CAPABILITY %s", vbuf_str(&b));
		vbuf_release(&b);
		login_reply(c, "%s OK Capability completed.", tag);
		return 0;
	}
	if (strcasecmp(name, "NOOP") == 0) {
		login_reply(c, "%s OK NOOP completed.", tag);
		return 0;
	}
	if (strcasecmp(name, "LOGOUT") == 0) {
		login_reply(c, "* BYE Logging out");
		login_reply(c, "%s OK Logout completed.", tag);
		return -1;
	}
	if (strcasecmp(name, "ID") == 0)
		return imapl_id(c, tag, cmd->args);
	if (strcasecmp(name, "STARTTLS") == 0) {
		if (login_tls_active(c))
			return imapl_bad(c, tag, "BAD TLS is already active.");
		if (!login_tls_available(c))
			return imapl_bad(c, tag, "BAD TLS support isn't "
			    "enabled.");
		login_reply(c, "%s OK Begin TLS negotiation now.", tag);
		imapl_forget(p);	/* nothing from plaintext survives */
		login_starttls(c);
		return 0;
	}
	if (strcasecmp(name, "LOGIN") == 0)
		return imapl_login(c, p, tag, cmd->args);
	if (strcasecmp(name, "AUTHENTICATE") == 0)
		return imapl_authenticate(c, p, tag, cmd->args);
	return imapl_bad(c, tag, "BAD Error in IMAP command %s: Not "
	    "allowed before login (or unknown).", name);
}

/* Does the gathered command end with a literal to wait for? */
static int
imapl_pending_literal(const char *line, size_t len, int *sync_r,
    uint64_t *size_r)
{
	size_t open;

	if (len < 3 || line[len - 1] != '}')
		return 0;
	*sync_r = line[len - 2] != '+';
	for (open = len - (*sync_r ? 2 : 3); open > 0 &&
	    line[open] >= '0' && line[open] <= '9'; open--)
		;
	if (line[open] != '{')
		return 0;
	return imap_parse_number64(line + open + 1, len - open - 1 -
	    (*sync_r ? 1 : 2), size_r);
}

/* A gathered command is whole: tokenize and run it. */
static int
imapl_whole(struct login_conn *c, struct imapl *p)
{
	struct imap_reader r = { imapl_parser, NULL, NULL, 0 };
	struct imap_cmd cmd;
	enum imap_read_result res;
	const char *resp;
	int ret;

	r.stream = stream_mem_open(vbuf_str(p->cmd), vbuf_len(p->cmd));
	stream_set_line_limit(r.stream, (size_t)imapl_conf.line_max);
	res = imap_read_cmd(&r, &cmd, &resp);
	if (res == IMAP_READ_CMD)
		ret = imapl_run(c, p, &cmd);
	else
		ret = imapl_bad(c, cmd.tag, "%s", resp != NULL ? resp :
		    "BAD Error in IMAP command received by server.");
	stream_free(&r.stream);
	imap_parser_reset(imapl_parser);
	imapl_forget(p);
	return ret;
}

static int
imapl_command(struct login_conn *c, const char *line, size_t len)
{
	struct imapl *p = login_proto_data(c);
	uint64_t size;
	int sync;

	if (p->cmd == NULL)
		p->cmd = vbuf_new(len + 2, (size_t)imapl_conf.line_max);
	if (vbuf_append(p->cmd, line, len) < 0 ||
	    vbuf_append(p->cmd, "\r\n", 2) < 0) {
		imapl_forget(p);
		return imapl_bad(c, NULL, "BAD [TOOBIG] Command too long.");
	}
	if (!imapl_pending_literal(line, len, &sync, &size))
		return imapl_whole(c, p);
	/* the literal's bytes come next, read whole by lib/login */
	if (size > LOGIN_LITERAL_MAX || login_read_literal(c,
	    (size_t)size) < 0) {
		imapl_forget(p);
		return imapl_bad(c, NULL, "BAD [TOOBIG] Literal too large.");
	}
	if (sync)
		login_reply(c, "+ OK");
	return 0;
}

/* A literal of the command being gathered. */
static int
imapl_literal(struct login_conn *c, const char *data, size_t len)
{
	struct imapl *p = login_proto_data(c);

	if (p->cmd == NULL || vbuf_append(p->cmd, data, len) < 0) {
		imapl_forget(p);
		return imapl_bad(c, NULL, "BAD [TOOBIG] Command too long.");
	}
	return 0;
}

static int
imapl_too_long(struct login_conn *c)
{
	imapl_forget(login_proto_data(c));
	return imapl_bad(c, NULL, "BAD [TOOBIG] Command line too long.");
}

static void
imapl_challenge(struct login_conn *c, const char *b64)
{
	login_reply(c, "+ %s", b64);
}

static int
imapl_result(struct login_conn *c, enum login_res res)
{
	struct imapl *p = login_proto_data(c);
	const char *tag = p->tag[0] != '\0' ? p->tag : "*";

	switch (res) {
	case LOGIN_RES_FAIL:
		login_reply(c, "%s NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.", tag);
		break;
	case LOGIN_RES_CANCEL:
		login_reply(c, "%s BAD Authentication aborted by client.",
		    tag);
		break;
	case LOGIN_RES_SYNTAX:
		login_reply(c, "%s BAD Invalid authentication data.", tag);
		break;
	default:
		login_reply(c, "%s NO [UNAVAILABLE] Temporary authentication "
		    "failure; try again later.", tag);
		break;
	}
	p->tag[0] = '\0';
	return 0;
}

static void
imapl_bye(struct login_conn *c, const char *why)
{
	login_reply(c, "* BYE %s", why);
}

static const struct login_proto imapl_proto = {
	.service = "imapd",
	.greet = imapl_greet,
	.command = imapl_command,
	.literal = imapl_literal,
	.too_long = imapl_too_long,
	.challenge = imapl_challenge,
	.result = imapl_result,
	.bye = imapl_bye,
};

void
imap_login_check(void)
{
	const char *lev = var_imapd_tls_security_level;

	imapl_conf.session = var_imapd_session_service;
	imapl_conf.tls_prefix = "imapd";
	if (strcmp(lev, "none") == 0)
		imapl_conf.tls = 0;
	else if (strcmp(lev, "may") == 0)
		imapl_conf.tls = 1;
	else if (strcmp(lev, "encrypt") == 0)
		imapl_conf.tls = 2;
	else
		log_fatal("imapd_tls_security_level = \"%s\": expected none, "
		    "may or encrypt", lev);
	imapl_conf.wrapper = var_imapd_tls_wrappermode;
	imapl_conf.auth_only = var_imapd_tls_auth_only;
	imapl_conf.timeout = var_imapd_login_timeout;
	imapl_conf.line_max = var_imapd_max_line_length + 2;
	if (*imapl_conf.session == '\0' || strchr(imapl_conf.session, '/'))
		log_fatal("imapd_session_service = \"%s\": expected the "
		    "master.cf name of the imapd unix service",
		    imapl_conf.session);
}

void
imap_login_pre_jail(void)
{
	login_set_proto_size(sizeof(struct imapl));
	login_init(&imapl_proto, &imapl_conf);
	imapl_parser = imap_parser_new((size_t)var_imapd_max_line_length,
	    (unsigned)var_imapd_max_nesting_depth);
}
