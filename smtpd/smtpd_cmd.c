/*
 * NAME
 *	smtpd_cmd - the SMTP verbs: which states allow them, and the
 *	commands without a transaction (HELO, EHLO, RSET, NOOP, QUIT,
 *	HELP, VRFY, ETRN).
 *
 * DESCRIPTION
 *	A command line is a verb, then a space and the argument. The verb
 *	table gives each verb its handler, the states it is allowed in and
 *	its counter for the disconnect log line. Outside its states a verb
 *	gets 503 5.5.1 (before HELO/EHLO: "send HELO/EHLO first"; during
 *	BDAT chunks, RFC 3030: only BDAT, RSET, NOOP, HELP, QUIT and a new
 *	EHLO/HELO are allowed). Within them the handler checks the finer
 *	sequence rules (nested MAIL, RCPT without MAIL, ...).
 *
 *	Limits and errors: a command line is at most 512 octets with CR LF
 *	(RFC 5321 4.5.3.1.4), MAIL and RCPT up to SMTPD_LINE_MAX for their
 *	ESMTP parameters; longer is "500 5.5.2 Error: line too long". An
 *	unknown verb is "502 5.5.2 Error: command not recognized"; NUL or
 *	CR inside a line is "500 5.5.2". All of them count toward the
 *	error limits (smtpd_reply_error).
 *
 *	Replies to EHLO and HELO carry no enhanced status code (RFC 2034
 *	3: neither does the greeting); every other reply does.
 *
 * SECURITY
 *	The line is the client's: it is copied into a bounded buffer, the
 *	verb is matched without case against the table only, and the
 *	HELO argument is reduced to printable ASCII before it is kept
 *	(it ends up in Received: and in logs).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "log.h"
#include "params.h"
#include "printable.h"
#include "smtpd.h"

#define SMTPD_S_HELO_ON	(SMTPD_S(SMTPD_STATE_HELO) | \
	SMTPD_S(SMTPD_STATE_MAIL) | SMTPD_S(SMTPD_STATE_RCPT))

static const struct smtpd_cmd {
	const char	*name;
	int		(*fn)(struct smtpd_session *, char *);
	int		 states;
	enum smtpd_counter cnt;
	int		 long_ok;	/* may pass 512 octets */
} smtpd_cmds[] = {
	{ "EHLO", smtpd_cmd_ehlo, SMTPD_S_ANY, SMTPD_CNT_EHLO, 0 },
	{ "STARTTLS", smtpd_cmd_starttls, SMTPD_S_HELO_ON, SMTPD_CNT_STARTTLS,
	    0 },
	{ "HELO", smtpd_cmd_helo, SMTPD_S_ANY, SMTPD_CNT_HELO, 0 },
	{ "AUTH", smtpd_cmd_auth, SMTPD_S_HELO_ON, SMTPD_CNT_AUTH, 1 },
	{ "MAIL", smtpd_cmd_mail, SMTPD_S_HELO_ON, SMTPD_CNT_MAIL, 1 },
	{ "RCPT", smtpd_cmd_rcpt, SMTPD_S_HELO_ON, SMTPD_CNT_RCPT, 1 },
	{ "DATA", smtpd_cmd_data, SMTPD_S_HELO_ON, SMTPD_CNT_DATA, 0 },
	{ "BDAT", smtpd_cmd_bdat, SMTPD_S_HELO_ON | SMTPD_S(SMTPD_STATE_BDAT),
	    SMTPD_CNT_BDAT, 0 },
	{ "RSET", smtpd_cmd_rset, SMTPD_S_ANY, SMTPD_CNT_RSET, 0 },
	{ "NOOP", smtpd_cmd_noop, SMTPD_S_ANY, SMTPD_CNT_NOOP, 0 },
	{ "VRFY", smtpd_cmd_vrfy,
	    SMTPD_S_HELO_ON | SMTPD_S(SMTPD_STATE_CONNECT), SMTPD_CNT_VRFY, 0 },
	{ "ETRN", smtpd_cmd_etrn, SMTPD_S_HELO_ON, SMTPD_CNT_ETRN, 0 },
	{ "HELP", smtpd_cmd_help, SMTPD_S_ANY, SMTPD_CNT_HELP, 0 },
	{ "QUIT", smtpd_cmd_quit, SMTPD_S_ANY, SMTPD_CNT_QUIT, 0 },
};

void
smtpd_cmd_dispatch(struct smtpd_session *sess, const char *line, size_t len)
{
	char buf[SMTPD_LINE_MAX + 1], *arg;
	const struct smtpd_cmd *c = NULL;
	size_t i, vlen;
	int r;

	log_debug("< %s: %.*s", sess->namaddr,
	    (int)smtpd_auth_loggable(line, len), line);
	vlen = strcspn(line, " ");
	if (vlen > len)
		vlen = len;
	for (i = 0; i < sizeof(smtpd_cmds) / sizeof(smtpd_cmds[0]); i++)
		if (vlen == strlen(smtpd_cmds[i].name) &&
		    strncasecmp(line, smtpd_cmds[i].name, vlen) == 0)
			c = &smtpd_cmds[i];
	if (c == NULL) {
		sess->verb = "UNKNOWN";
		sess->cnt_all[SMTPD_CNT_UNKNOWN]++;
		smtpd_reply(sess, 502, "5.5.2",
		    "Error: command not recognized");
		smtpd_reply_error(sess);
		return;
	}
	sess->verb = c->name;
	sess->cnt_all[c->cnt]++;
	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) !=
	    NULL) {
		smtpd_reply(sess, 500, "5.5.2",
		    "Error: bad character in command");
		smtpd_reply_error(sess);
		return;
	}
	if (len + 2 > SMTPD_CMD_MAX && !c->long_ok) {
		smtpd_reply(sess, 500, "5.5.2", "Error: line too long");
		smtpd_reply_error(sess);
		return;
	}
	if (!(c->states & SMTPD_S(sess->state))) {
		if (sess->state == SMTPD_STATE_CONNECT)
			smtpd_reply(sess, 503, "5.5.1",
			    "Error: send HELO/EHLO first");
		else
			smtpd_reply(sess, 503, "5.5.1", "Error: %s not "
			    "allowed during BDAT: send BDAT, RSET or QUIT",
			    c->name);
		smtpd_reply_error(sess);
		return;
	}
	if (smtpd_tls_required(sess, c->name))
		return;
	memcpy(buf, line, len);
	buf[len] = '\0';
	arg = buf + vlen;
	arg += strspn(arg, " ");
	r = c->fn(sess, arg);
	if (r == SMTPD_OK)
		sess->cnt_ok[c->cnt]++;
	else if (r == SMTPD_ERR)
		smtpd_reply_error(sess);
}

/* Keep a HELO/EHLO argument: printable ASCII, bounded. */
static void
smtpd_cmd_keep_helo(struct smtpd_session *sess, const char *arg)
{
	printable_copy(sess->helo, sizeof(sess->helo), arg, strlen(arg),
	    PRINTABLE_NOSPACE);
}

static int
smtpd_cmd_hello(struct smtpd_session *sess, char *arg, int esmtp)
{
	if (*arg == '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: %s hostname",
		    esmtp ? "EHLO" : "HELO");
		return SMTPD_ERR;
	}
	/* RFC 5321 4.1.4: a new EHLO/HELO is also a reset */
	smtpd_xact_reset(sess);
	smtpd_cmd_keep_helo(sess, arg);
	sess->state = SMTPD_STATE_HELO;
	if (esmtp)
		sess->flags |= SMTPD_F_ESMTP;
	else
		sess->flags &= ~SMTPD_F_ESMTP;
	return SMTPD_OK;
}

int
smtpd_cmd_helo(struct smtpd_session *sess, char *arg)
{
	if (smtpd_cmd_hello(sess, arg, 0) != SMTPD_OK)
		return SMTPD_ERR;
	smtpd_reply(sess, 250, NULL, "%s", var_myhostname);
	return SMTPD_OK;
}

int
smtpd_cmd_ehlo(struct smtpd_session *sess, char *arg)
{
	char size[32];

	if (smtpd_cmd_hello(sess, arg, 1) != SMTPD_OK)
		return SMTPD_ERR;
	if (var_message_size_limit > 0)
		snprintf(size, sizeof(size), "SIZE %lld",
		    var_message_size_limit);
	else
		strlcpy(size, "SIZE", sizeof(size));
	smtpd_reply(sess, 250, NULL, "%s\nPIPELINING\n%s\n%sETRN\n%s%s"
	    "ENHANCEDSTATUSCODES\n8BITMIME\nDSN\nSMTPUTF8\nCHUNKING",
	    var_myhostname, size, var_disable_vrfy_command ? "" : "VRFY\n",
	    smtpd_tls_offer(sess) ? "STARTTLS\n" : "", smtpd_auth_ehlo(sess));
	return SMTPD_OK;
}

int
smtpd_cmd_rset(struct smtpd_session *sess, char *arg)
{
	if (*arg != '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: RSET");
		return SMTPD_ERR;
	}
	smtpd_xact_reset(sess);
	if (sess->state != SMTPD_STATE_CONNECT)
		sess->state = SMTPD_STATE_HELO;
	smtpd_reply(sess, 250, "2.0.0", "Ok");
	return SMTPD_OK;
}

int
smtpd_cmd_noop(struct smtpd_session *sess, char *arg)
{
	(void)arg;	/* RFC 5321 4.1.1.9: a parameter is ignored */
	smtpd_reply(sess, 250, "2.0.0", "Ok");
	return SMTPD_OK;
}

int
smtpd_cmd_quit(struct smtpd_session *sess, char *arg)
{
	(void)arg;
	smtpd_reply(sess, 221, "2.0.0", "Bye");
	sess->flags |= SMTPD_F_HANGUP;
	return SMTPD_OK;
}

int
smtpd_cmd_help(struct smtpd_session *sess, char *arg)
{
	(void)arg;
	smtpd_reply(sess, 214, "2.0.0", "%s SMTP server; commands:\n"
	    "EHLO HELO AUTH MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY "
	    "ETRN\n"
	    "See RFC 5321", var_mail_name);
	return SMTPD_OK;
}

int
smtpd_cmd_vrfy(struct smtpd_session *sess, char *arg)
{
	char path[ADDR_PATH_MAX + 3];
	const char *rest;
	enum addr_err err;
	struct addr a;

	if (var_disable_vrfy_command) {
		smtpd_reply(sess, 502, "5.5.1", "VRFY command is disabled");
		return SMTPD_ERR;
	}
	if (*arg == '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: VRFY address");
		return SMTPD_ERR;
	}
	if (*arg != '<') {
		snprintf(path, sizeof(path), "<%s>", arg);
		arg = path;
	}
	if (addr_parse_path(arg, ADDR_F_SMTPUTF8, &a, &rest, &err) < 0 ||
	    *rest != '\0') {
		smtpd_reply(sess, 501, "5.1.3", "Bad recipient address syntax");
		return SMTPD_ERR;
	}
	/* no address harvesting: the answer never depends on the tables */
	smtpd_reply(sess, 252, "2.0.0", "Cannot VRFY user, but will accept "
	    "message and attempt delivery");
	return SMTPD_OK;
}

int
smtpd_cmd_etrn(struct smtpd_session *sess, char *arg)
{
	char domain[ADDR_DOMAIN_MAX + 1];
	enum addr_err err;
	int r;

	if (sess->state != SMTPD_STATE_HELO) {
		smtpd_reply(sess, 503, "5.5.1",
		    "Error: MAIL transaction in progress");
		return SMTPD_ERR;
	}
	if (*arg == '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: ETRN domain");
		return SMTPD_ERR;
	}
	/* RFC 1985: "@domain" is the domain and its subdomains */
	if (*arg == '@')
		arg++;
	if (*arg == '#') {
		smtpd_reply(sess, 458, "4.3.0", "Unable to queue messages "
		    "for %s: queue names are not supported", arg);
		return SMTPD_FAIL;
	}
	if (addr_parse_domain(arg, 0, domain, &err) < 0) {
		smtpd_reply(sess, 501, "5.5.4", "Error: invalid parameter "
		    "syntax");
		return SMTPD_ERR;
	}
	if ((r = smtpd_check_etrn(domain)) < 0) {
		smtpd_reply(sess, 458, "4.3.0", "Unable to queue messages "
		    "for %s: temporary lookup failure", domain);
		return SMTPD_FAIL;
	}
	if (r == 0) {
		smtpd_reject(sess, NULL, 459, "4.7.1", "<%s>: Node not "
		    "allowed: not a relay domain of this server", domain);
		return SMTPD_ERR;
	}
	if (smtpd_queue_flush() < 0) {
		smtpd_reply(sess, 458, "4.3.0", "Unable to queue messages "
		    "for %s", domain);
		return SMTPD_FAIL;
	}
	log_info("%s: ETRN %s: queue run requested", sess->namaddr, domain);
	smtpd_reply(sess, 250, "2.0.0", "Queuing started");
	return SMTPD_OK;
}
