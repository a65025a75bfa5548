/*
 * NAME
 *	smtpd_mail - MAIL and RCPT: the envelope of a transaction.
 *
 * DESCRIPTION
 *	MAIL FROM:<path> [params] starts a transaction. Parameters (only
 *	after EHLO; else 555 5.5.4): SIZE (RFC 1870: over
 *	message_size_limit is 552 5.3.4, over the free queue space 452
 *	4.3.1), BODY=7BIT|8BITMIME (RFC 6152; BINARYMIME is 504 5.5.4),
 *	SMTPUTF8 (RFC 6531: then addresses may be UTF-8), RET=FULL|HDRS
 *	and ENVID=xtext (RFC 3461). Anything else is 555 5.5.4.
 *
 *	RCPT TO:<path> [params] adds a recipient: NOTIFY and ORCPT (RFC
 *	3461) are checked and kept with it. The recipient policy
 *	(smtpd_check) decides; a refusal is logged as a reject. The queue
 *	file is opened at the first accepted recipient (so that a client
 *	that only probes addresses costs no file; Postfix's
 *	smtpd_delay_open_until_valid_rcpt), and every accepted recipient
 *	is written into it at once. More than smtpd_recipient_limit is
 *	452 4.5.3, which is not counted as a client error (RFC 5321
 *	4.5.3.1.10: the client sends the rest in another transaction).
 *
 * SECURITY
 *	Paths and parameters are the client's: addr_parse_path and
 *	esmtp_params_parse check them against the grammar and the length
 *	limits; decoded values are printable ASCII; nothing of the client
 *	reaches the queue file's envelope without passing them.
 */
#include "config.h"

#include <sys/statvfs.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "esmtp.h"
#include "log.h"
#include "params.h"
#include "qfile.h"
#include "smtpd.h"

void
smtpd_xact_reset(struct smtpd_session *sess)
{
	struct smtpd_xact *x = &sess->xact;

	smtpd_content_free(&x->content);
	if (x->qf != NULL)
		qfile_abort(x->qf);
	memset(x, 0, sizeof(*x));
	if (sess->state > SMTPD_STATE_HELO)
		sess->state = SMTPD_STATE_HELO;
}

/* Parse ESMTP parameters into params: count, or -1 after a reply. */
static int
smtpd_mail_params(struct smtpd_session *sess, char *rest,
    struct esmtp_param *params)
{
	const char *err;
	int n;

	if (*rest == '\0')
		return 0;
	if ((n = esmtp_params_parse(rest, params, ESMTP_MAX_PARAMS,
	    &err)) < 0) {
		smtpd_reply(sess, 501, "5.5.4", "Error: %s", err);
		return -1;
	}
	if (n > 0 && !(sess->flags & SMTPD_F_ESMTP)) {
		smtpd_reply(sess, 555, "5.5.4", "Unsupported option: %s "
		    "(send EHLO first)", params[0].keyword);
		return -1;
	}
	return n;
}

/* SIZE=: 0, or -1 after a reply. */
static int
smtpd_mail_size(struct smtpd_session *sess, const char *v)
{
	struct smtpd_xact *x = &sess->xact;
	struct statvfs vfs;
	unsigned long long size = 0, avail;
	size_t i;

	if (v == NULL || strlen(v) > 20 || v[strspn(v, "0123456789")] != '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Bad SIZE parameter syntax");
		return -1;
	}
	for (i = 0; v[i] != '\0'; i++) {
		if (size > (~0ULL - 9) / 10) {
			size = ~0ULL;
			break;
		}
		size = size * 10 + (unsigned)(v[i] - '0');
	}
	if (var_message_size_limit > 0 &&
	    size > (unsigned long long)var_message_size_limit) {
		smtpd_reply(sess, 552, "5.3.4",
		    "Message size exceeds fixed limit");
		return -1;
	}
	/* the queue must hold it, with room to spare (Postfix: 1.5x) */
	if (statvfs(".", &vfs) == 0) {
		avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
		if (size > avail / 3 * 2) {
			log_warn("not enough free space in the queue for a "
			    "message of %llu bytes from %s", size,
			    sess->namaddr);
			smtpd_reply(sess, 452, "4.3.1",
			    "Insufficient system storage");
			return -1;
		}
	}
	x->size = size;
	return 0;
}

/* The MAIL parameters: 0, or -1 after a reply. */
static int
smtpd_mail_param(struct smtpd_session *sess, const struct esmtp_param *p)
{
	struct smtpd_xact *x = &sess->xact;
	const char *v = p->value;

	if (strcmp(p->keyword, "SIZE") == 0)
		return smtpd_mail_size(sess, v);
	if (strcmp(p->keyword, "BODY") == 0) {
		if (v != NULL && strcasecmp(v, "8BITMIME") == 0)
			x->body = SMTPD_BODY_8BITMIME;
		else if (v != NULL && strcasecmp(v, "7BIT") == 0)
			x->body = SMTPD_BODY_7BIT;
		else if (v != NULL && strcasecmp(v, "BINARYMIME") == 0) {
			smtpd_reply(sess, 504, "5.5.4",
			    "Unsupported BODY parameter value");
			return -1;
		} else {
			smtpd_reply(sess, 501, "5.5.4",
			    "Bad BODY parameter syntax");
			return -1;
		}
		return 0;
	}
	if (strcmp(p->keyword, "AUTH") == 0)
		return smtpd_auth_mail_param(sess, v);
	if (strcmp(p->keyword, "SMTPUTF8") == 0) {
		if (v != NULL) {
			smtpd_reply(sess, 501, "5.5.4",
			    "Bad SMTPUTF8 parameter syntax");
			return -1;
		}
		x->smtputf8 = 1;
		return 0;
	}
	if (strcmp(p->keyword, "RET") == 0) {
		if (v != NULL && strcasecmp(v, "FULL") == 0)
			x->ret = SMTPD_RET_FULL;
		else if (v != NULL && strcasecmp(v, "HDRS") == 0)
			x->ret = SMTPD_RET_HDRS;
		else {
			smtpd_reply(sess, 501, "5.5.4",
			    "Bad RET parameter syntax");
			return -1;
		}
		return 0;
	}
	if (strcmp(p->keyword, "ENVID") == 0) {
		if (v == NULL || esmtp_xtext_decode(v, x->envid,
		    sizeof(x->envid)) < 0) {
			x->envid[0] = '\0';
			smtpd_reply(sess, 501, "5.5.4",
			    "Bad ENVID parameter syntax");
			return -1;
		}
		return 0;
	}
	smtpd_reply(sess, 555, "5.5.4", "Unsupported option: %s", p->keyword);
	return -1;
}

/* A path parse error: the reply for it. */
static void
smtpd_mail_bad_path(struct smtpd_session *sess, enum addr_err err, int flags,
    const char *what)
{
	const char *enh;
	int code;

	code = addr_err_reply(err, flags, &enh);
	if (err == ADDR_E_BRACKET || err == ADDR_E_TRAILING)
		smtpd_reply(sess, code, enh, "Syntax: %s", what);
	else if (err == ADDR_E_8BIT)
		smtpd_reply(sess, code, enh, "Error: non-ASCII address "
		    "needs SMTPUTF8");
	else
		smtpd_reply(sess, code, enh, "Bad %s address syntax: %s",
		    (flags & ADDR_F_SENDER) ? "sender" : "recipient",
		    addr_strerror(err));
}

/* A hook's reply line "553 5.7.1 text": send it as a reject. */
static void
smtpd_mail_hook_reply(struct smtpd_session *sess, const char *line)
{
	char enh[8];
	size_t n;
	int code;

	if (strlen(line) < 10 || line[3] != ' ' ||
	    (line[0] != '4' && line[0] != '5') ||
	    strspn(line, "0123456789") != 3 ||
	    (n = strspn(line + 4, "0123456789.")) < 5 || n >= sizeof(enh) ||
	    line[4 + n] != ' ') {
		smtpd_reject(sess, NULL, 451, "4.3.0", "Error: %s", line);
		return;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	memcpy(enh, line + 4, n);
	enh[n] = '\0';
	smtpd_reject(sess, NULL, code, enh, "%s", line + 5 + n);
}

int
smtpd_cmd_mail(struct smtpd_session *sess, char *arg)
{
	struct esmtp_param params[ESMTP_MAX_PARAMS];
	struct smtpd_xact *x = &sess->xact;
	char rest[SMTPD_LINE_MAX + 1], qual[SMTPD_LINE_MAX + 1], text[600];
	const char *r, *path;
	enum addr_err err;
	struct addr a;
	int i, n;

	if (sess->state != SMTPD_STATE_HELO) {
		smtpd_reply(sess, 503, "5.5.1", "Error: nested MAIL command");
		return SMTPD_ERR;
	}
	if (strncasecmp(arg, "FROM:", 5) != 0) {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
		return SMTPD_ERR;
	}
	path = arg + 5;
	if (sess->flags & SMTPD_F_LOCAL)
		path = smtpd_submit_qualify(sess, path, qual, sizeof(qual));
	/* SMTPUTF8 comes after the path: parse leniently, check below */
	if (addr_parse_path(path, ADDR_F_SENDER | ADDR_F_SMTPUTF8, &a, &r,
	    &err) < 0) {
		smtpd_mail_bad_path(sess, err, ADDR_F_SENDER,
		    "MAIL FROM:<address>");
		return SMTPD_ERR;
	}
	strlcpy(rest, r, sizeof(rest));
	memset(x, 0, sizeof(*x));
	if ((n = smtpd_mail_params(sess, rest, params)) < 0)
		goto bad;
	for (i = 0; i < n; i++)
		if (smtpd_mail_param(sess, &params[i]) < 0)
			goto bad;
	if ((a.flags & ADDR_UTF8) && !x->smtputf8) {
		smtpd_mail_bad_path(sess, ADDR_E_8BIT, ADDR_F_SENDER, NULL);
		goto bad;
	}
	if ((sess->flags & SMTPD_F_LOCAL) &&
	    smtpd_submit_sender(sess, &a, text, sizeof(text)) != 1) {
		smtpd_mail_hook_reply(sess, text);
		goto bad;
	}
	if (smtpd_auth_policy_mail(sess, &a) < 0)
		goto bad;
	if (addr_format(&a, x->sender, sizeof(x->sender)) < 0)
		log_panic("addr_format: sender does not fit");
	sess->state = SMTPD_STATE_MAIL;
	smtpd_reply(sess, 250, "2.1.0", "Ok");
	return SMTPD_OK;
bad:
	memset(x, 0, sizeof(*x));
	return SMTPD_ERR;
}

/* NOTIFY in its canonical text form, or -1 after a reply. */
static int
smtpd_rcpt_notify(struct smtpd_session *sess, const char *v, char *out,
    size_t outlen)
{
	int flags;

	if (v == NULL || esmtp_notify_parse(v, &flags) < 0) {
		smtpd_reply(sess, 501, "5.5.4", "Bad NOTIFY parameter syntax");
		return -1;
	}
	if (flags & ESMTP_NOTIFY_NEVER) {
		strlcpy(out, "NEVER", outlen);
		return 0;
	}
	snprintf(out, outlen, "%s%s%s",
	    (flags & ESMTP_NOTIFY_SUCCESS) ? "SUCCESS," : "",
	    (flags & ESMTP_NOTIFY_FAILURE) ? "FAILURE," : "",
	    (flags & ESMTP_NOTIFY_DELAY) ? "DELAY," : "");
	out[strlen(out) - 1] = '\0';	/* the last comma */
	return 0;
}

int
smtpd_cmd_rcpt(struct smtpd_session *sess, char *arg)
{
	struct esmtp_param params[ESMTP_MAX_PARAMS];
	struct smtpd_xact *x = &sess->xact;
	char rest[SMTPD_LINE_MAX + 1], ext[ADDR_TEXT_MAX], text[600];
	char notify[32], qual[SMTPD_LINE_MAX + 1];
	const char *orcpt = NULL, *path;
	const char *r, *enh;
	enum addr_err err;
	struct addr a;
	int i, n, code, flags, postmaster = 0;

	if (sess->state == SMTPD_STATE_HELO) {
		smtpd_reply(sess, 503, "5.5.1", "Error: need MAIL command");
		return SMTPD_ERR;
	}
	if (strncasecmp(arg, "TO:", 3) != 0) {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return SMTPD_ERR;
	}
	flags = x->smtputf8 ? ADDR_F_SMTPUTF8 : 0;
	path = arg + 3;
	if (sess->flags & SMTPD_F_LOCAL)
		path = smtpd_submit_qualify(sess, path, qual, sizeof(qual));
	if (addr_parse_path(path, flags, &a, &r, &err) < 0) {
		smtpd_mail_bad_path(sess, err, flags, "RCPT TO:<address>");
		return SMTPD_ERR;
	}
	strlcpy(rest, r, sizeof(rest));
	notify[0] = '\0';
	if ((n = smtpd_mail_params(sess, rest, params)) < 0)
		return SMTPD_ERR;
	for (i = 0; i < n; i++) {
		if (strcmp(params[i].keyword, "NOTIFY") == 0) {
			if (smtpd_rcpt_notify(sess, params[i].value, notify,
			    sizeof(notify)) < 0)
				return SMTPD_ERR;
		} else if (strcmp(params[i].keyword, "ORCPT") == 0) {
			if (params[i].value == NULL ||
			    esmtp_orcpt_valid(params[i].value) != 0) {
				smtpd_reply(sess, 501, "5.5.4",
				    "Bad ORCPT parameter syntax");
				return SMTPD_ERR;
			}
			orcpt = params[i].value;
		} else {
			smtpd_reply(sess, 555, "5.5.4",
			    "Unsupported option: %s", params[i].keyword);
			return SMTPD_ERR;
		}
	}
	if (x->nrcpt >= (size_t)var_smtpd_recipient_limit) {
		smtpd_reply(sess, 452, "4.5.3", "Error: too many recipients");
		return SMTPD_FAIL;
	}
	if (a.flags & ADDR_POSTMASTER) {
		/* <Postmaster> is always ours (RFC 5321 4.5.1) */
		strlcpy(a.local, "postmaster", sizeof(a.local));
		strlcpy(a.domain, var_myhostname, sizeof(a.domain));
		addr_lower(a.domain);
		a.flags &= ~ADDR_POSTMASTER;
		postmaster = 1;
	}
	if (addr_format(&a, ext, sizeof(ext)) < 0)
		log_panic("addr_format: recipient does not fit");
	if (!postmaster && smtpd_check_rcpt(sess, &a, &code, &enh, text,
	    sizeof(text)) < 0) {
		smtpd_reject(sess, ext, code, enh, "%s", text);
		return SMTPD_ERR;
	}
	if (x->nrcpt == 0 && smtpd_queue_open(sess) < 0)
		return SMTPD_FAIL;
	if (smtpd_queue_add_rcpt(sess, ext, orcpt,
	    notify[0] != '\0' ? notify : NULL) < 0) {
		log_error("%s: queue file write error: %m", x->qid);
		smtpd_xact_reset(sess);
		smtpd_reply(sess, 451, "4.3.0", "Error: queue file write "
		    "error");
		return SMTPD_FAIL;
	}
	if (x->nrcpt++ == 0)
		strlcpy(x->rcpt1, ext, sizeof(x->rcpt1));
	sess->state = SMTPD_STATE_RCPT;
	smtpd_reply(sess, 250, "2.1.5", "Ok");
	return SMTPD_OK;
}
