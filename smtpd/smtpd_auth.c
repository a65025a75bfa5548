/*
 * NAME
 *	smtpd_auth - SMTP AUTH (RFC 4954): the AUTH command, what EHLO
 *	says about it, and what the rest of smtpd needs to know after it.
 *
 * DESCRIPTION
 *	AUTH is offered (EHLO "AUTH PLAIN LOGIN") when smtpd_sasl_auth_enable
 *	is set, the session is not a local submission, and either TLS is
 *	on or neither smtpd_tls_auth_only nor smtpd_tls_security_level =
 *	encrypt asks for it. The exchange is decoded here with
 *	lib/sasl (initial responses allowed, "=" for an empty one, "*"
 *	cancels); the user name and password go to the auth service
 *	(lib/auth_clnt), which alone can check them. Replies:
 *
 *	235 2.7.0	authenticated: the session may relay (smtpd_check)
 *			and its protocol becomes ESMTPA/ESMTPSA
 *	535 5.7.8	bad credentials (an unknown user alike), or a PLAIN
 *			authorization identity other than the user
 *	454 4.7.0	the auth service is down, slow (auth_request_timeout)
 *			or failing, or it throttles this client or user
 *	538 5.7.11	AUTH without TLS while smtpd_tls_auth_only is set
 *	501 5.7.0	the client cancelled with "*"
 *	501 5.5.2	a response that is not base64 or not the mechanism's
 *	500 5.5.6	a response line over the line limit
 *	503 5.5.1	AUTH not enabled, twice, or inside a transaction
 *	504 5.5.4	a mechanism other than PLAIN and LOGIN
 *	421 4.7.0	the smtpd_auth_failure_limit-th failed AUTH of the
 *			session, instead of its 535 or 454; then hang up
 *
 *	A failed attempt is logged as Postfix logs it, so that log
 *	watchers (fail2ban's postfix-sasl filter) work unchanged:
 *	"warning: host[addr]: SASL PLAIN authentication failed: ...".
 *	After success the transaction's "QID: client=host[addr]" line
 *	gets ", sasl_method=PLAIN, sasl_username=USER" and the queue file
 *	the attributes sasl_method and sasl_username (the canonical
 *	address the auth service answered with).
 *
 *	MAIL FROM's AUTH= parameter (RFC 4954 5) is accepted when AUTH is
 *	offered, checked as xtext, and ignored: no identity is taken from
 *	a client's say-so. Which senders an authenticated client may use
 *	is decided in smtpd_auth_policy.c.
 *
 * SECURITY
 *	Responses carry the password. They are never logged (the debug
 *	log of a command line stops after the mechanism name:
 *	smtpd_auth_loggable); the command's copy of the line, the line
 *	buffer of continuation lines and lib/sasl's decoded credentials
 *	are wiped once used. Only the auth service's answer can make a
 *	session authenticated; every error on the way (no service, a
 *	crash, a timeout, a malformed answer) is 454, never 235.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth_clnt.h"
#include "err.h"
#include "esmtp.h"
#include "log.h"
#include "params.h"
#include "qfile.h"
#include "sasl.h"
#include "smtpd.h"

#define SMTPD_AUTH_SERVICE	"smtpd"		/* who asks, for auth */

/* smtpd_auth_exchange's outcomes besides lib/sasl's */
#define SMTPD_AUTH_LOST		100	/* the client is gone */
#define SMTPD_AUTH_REPLIED	101	/* an error reply was sent */

static struct auth_clnt *smtpd_auth_clnt;

/* Must TLS come first? smtpd_tls_security_level = encrypt implies it. */
static int
smtpd_auth_tls_only(void)
{
	return var_smtpd_tls_auth_only ||
	    strcasecmp(var_smtpd_tls_security_level, "encrypt") == 0;
}

/* Is AUTH offered in this session right now? */
static int
smtpd_auth_offered(const struct smtpd_session *sess)
{
	return var_smtpd_sasl_auth_enable && !(sess->flags & SMTPD_F_LOCAL) &&
	    ((sess->flags & SMTPD_F_TLS) || !smtpd_auth_tls_only());
}

const char *
smtpd_auth_ehlo(const struct smtpd_session *sess)
{
	return smtpd_auth_offered(sess) ? "AUTH " SASL_MECHS "\n" : "";
}

size_t
smtpd_auth_loggable(const char *line, size_t len)
{
	size_t n;

	if (len < 5 || strncasecmp(line, "AUTH ", 5) != 0)
		return len;
	/* "AUTH MECHANISM", not the initial response */
	n = 5 + strspn(line + 5, " ");
	while (n < len && line[n] != ' ')
		n++;
	return n;
}

void
smtpd_auth_reset(struct smtpd_session *sess)
{
	sess->flags &= ~SMTPD_F_AUTH;
	/* the failures stay: they count toward the session's limit */
	sess->sasl.method[0] = '\0';
	sess->sasl.user[0] = '\0';
}

const char *
smtpd_auth_log(const struct smtpd_session *sess)
{
	static char buf[sizeof(sess->sasl.user) + 64];

	if (!(sess->flags & SMTPD_F_AUTH))
		return "";
	snprintf(buf, sizeof(buf), ", sasl_method=%s, sasl_username=%s",
	    sess->sasl.method, sess->sasl.user);
	return buf;
}

int
smtpd_auth_queue_attrs(struct smtpd_session *sess, struct qfile_writer *qf)
{
	if (!(sess->flags & SMTPD_F_AUTH))
		return 0;
	if (qfile_add_attr(qf, "sasl_method", sess->sasl.method) < 0 ||
	    qfile_add_attr(qf, "sasl_username", sess->sasl.user) < 0)
		return -1;
	return 0;
}

int
smtpd_auth_mail_param(struct smtpd_session *sess, const char *value)
{
	char mailbox[SMTPD_LINE_MAX + 1];

	if (!smtpd_auth_offered(sess)) {
		smtpd_reply(sess, 555, "5.5.4", "Unsupported option: AUTH");
		return -1;
	}
	if (value == NULL || esmtp_xtext_decode(value, mailbox,
	    sizeof(mailbox)) < 0) {
		smtpd_reply(sess, 501, "5.5.4", "Bad AUTH parameter syntax");
		return -1;
	}
	return 0;
}

/* Wipe what holds a response line we read (smtpd_io's line buffer). */
static void
smtpd_auth_wipe_line(struct smtpd_session *sess)
{
	struct vbuf *b = sess->io.line;

	explicit_bzero(b->data, b->cap);
	b->len = 0;
}

/* A failed attempt: the reply, or 421 and hang up at the limit. */
static int
smtpd_auth_failed(struct smtpd_session *sess, const char *mech, int code,
    const char *enh, const char *text, const char *why)
{
	log_warn("%s: SASL %s authentication failed: %s", sess->namaddr,
	    mech, why);
	if (++sess->sasl.failures >= (unsigned)var_smtpd_auth_failure_limit) {
		log_info("too many authentication failures after AUTH from "
		    "%s", sess->namaddr);
		smtpd_reply(sess, 421, "4.7.0", "%s Error: too many "
		    "authentication failures", var_myhostname);
		sess->flags |= SMTPD_F_HANGUP;
		return SMTPD_ERR;
	}
	smtpd_reply(sess, code, enh, "%s", text);
	return code >= 500 ? SMTPD_ERR : SMTPD_FAIL;
}

/* Ask the auth service about the credentials in s. */
static int
smtpd_auth_verify(struct smtpd_session *sess, const struct sasl_server *s)
{
	const char *mech = sasl_mech_name(s->mech);
	struct auth_query q;
	struct auth_user au;
	char *err = NULL;
	int r;

	if (smtpd_auth_clnt == NULL)
		smtpd_auth_clnt = auth_clnt_new(NULL,
		    var_auth_request_timeout > 3600 ? 3600000 :
		    (int)var_auth_request_timeout * 1000, NULL);
	memset(&q, 0, sizeof(q));
	q.service = SMTPD_AUTH_SERVICE;
	q.mech = mech;
	q.client = sess->addr;
	q.tls = (sess->flags & SMTPD_F_TLS) != 0;
	q.user = s->user;
	q.password = s->pass;
	r = auth_clnt_verify(smtpd_auth_clnt, &q, &au, &err);
	switch (r) {
	case AUTH_STAT_OK:
		sess->flags |= SMTPD_F_AUTH;
		strlcpy(sess->sasl.method, mech, sizeof(sess->sasl.method));
		strlcpy(sess->sasl.user, au.user, sizeof(sess->sasl.user));
		smtpd_reply(sess, 235, "2.7.0", "Authentication successful");
		return SMTPD_OK;
	case AUTH_STAT_FAIL:
		return smtpd_auth_failed(sess, mech, 535, "5.7.8", "Error: "
		    "authentication failed", "authentication failure");
	case AUTH_STAT_THROTTLED:
		return smtpd_auth_failed(sess, mech, 454, "4.7.0", "Temporary "
		    "authentication failure: too many failed logins, try "
		    "again later", "too many failed logins");
	default:
		log_warn("%s: SASL %s authentication failed: auth service: %s",
		    sess->namaddr, mech, err != NULL ? err :
		    "temporary failure");
		err_free(&err);
		smtpd_reply(sess, 454, "4.7.0", "Temporary authentication "
		    "failure");
		return SMTPD_FAIL;
	}
}

/* The exchange after AUTH: lib/sasl's outcome, or SMTPD_AUTH_*. */
static int
smtpd_auth_exchange(struct smtpd_session *sess, struct sasl_server *s,
    const char *initial)
{
	struct span line;
	ssize_t n;
	int r;

	r = sasl_server_start(s, initial);
	while (r == SASL_CONTINUE) {
		smtpd_reply(sess, 334, NULL, "%s", sasl_server_challenge(s));
		if (smtpd_reply_flush(sess) < 0 ||
		    (n = smtpd_io_read_line(&sess->io, &line)) == -1) {
			smtpd_session_lost(sess);
			return SMTPD_AUTH_LOST;
		}
		if (n == -2) {
			smtpd_reply(sess, 500, "5.5.6", "Authentication "
			    "Exchange line is too long");
			return SMTPD_AUTH_REPLIED;
		}
		r = sasl_server_step(s, line.ptr, line.len);
		smtpd_auth_wipe_line(sess);
	}
	return r;
}

int
smtpd_cmd_auth(struct smtpd_session *sess, char *arg)
{
	struct sasl_server s;
	const char *mech_name;
	char *mech, *initial = NULL, *p;
	size_t arglen = strlen(arg);
	enum sasl_mech m;
	int r, ret = SMTPD_ERR;

	if (!var_smtpd_sasl_auth_enable || (sess->flags & SMTPD_F_LOCAL)) {
		smtpd_reply(sess, 503, "5.5.1", "Error: authentication not "
		    "enabled");
		goto out;
	}
	if (!(sess->flags & SMTPD_F_TLS) && smtpd_auth_tls_only()) {
		smtpd_reply(sess, 538, "5.7.11", "Encryption required for "
		    "requested authentication mechanism");
		goto out;
	}
	if (sess->flags & SMTPD_F_AUTH) {
		smtpd_reply(sess, 503, "5.5.1", "Error: already "
		    "authenticated");
		goto out;
	}
	if (sess->state != SMTPD_STATE_HELO) {
		smtpd_reply(sess, 503, "5.5.1", "Error: MAIL transaction in "
		    "progress");
		goto out;
	}
	mech = arg;
	if ((p = strchr(arg, ' ')) != NULL) {
		*p++ = '\0';
		initial = p + strspn(p, " ");
		p = initial + strcspn(initial, " ");
		if (p[strspn(p, " ")] != '\0') {
			smtpd_reply(sess, 501, "5.5.4", "Syntax: AUTH "
			    "mechanism [initial-response]");
			goto out;
		}
		*p = '\0';			/* trailing spaces */
		if (*initial == '\0')
			initial = NULL;
	}
	if (*mech == '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: AUTH mechanism "
		    "[initial-response]");
		goto out;
	}
	if (sasl_mech_parse(mech, &m) < 0) {
		smtpd_reply(sess, 504, "5.5.4", "Unsupported authentication "
		    "mechanism");
		goto out;
	}
	mech_name = sasl_mech_name(m);
	sasl_server_init(&s, m);
	r = smtpd_auth_exchange(sess, &s, initial);
	switch (r) {
	case SASL_DONE:
		ret = smtpd_auth_verify(sess, &s);
		break;
	case SMTPD_AUTH_LOST:
		ret = SMTPD_FAIL;
		break;
	case SMTPD_AUTH_REPLIED:
		break;
	case SASL_ERR_CANCEL:
		smtpd_reply(sess, 501, "5.7.0", "Authentication aborted");
		break;
	case SASL_ERR_BASE64:
	case SASL_ERR_SYNTAX:
		log_info("%s: SASL %s: %s", sess->namaddr, mech_name,
		    sasl_strerror(r));
		smtpd_reply(sess, 501, "5.5.2", "Error: cannot decode "
		    "response");
		break;
	default:			/* too long, authzid: credentials */
		ret = smtpd_auth_failed(sess, mech_name, 535, "5.7.8",
		    "Error: authentication failed", sasl_strerror(r));
		break;
	}
	sasl_server_clear(&s);
out:
	explicit_bzero(arg, arglen);
	return ret;
}
