/*
 * NAME
 *	relay_xact - one mail transaction: MAIL, RCPT, DATA, the content,
 *	and each recipient's outcome.
 *
 * DESCRIPTION
 *	Before MAIL, what the server announced decides:
 *	  SIZE n smaller than the message	5.3.4, nothing sent
 *	  the message needs SMTPUTF8, no SMTPUTF8	5.6.7 (RFC 6531 3.4)
 *	  8-bit content, no 8BITMIME		quoted-printable (relay_mime),
 *						or 5.6.3 when that cannot be
 *						done
 *	MAIL FROM carries SIZE, BODY=8BITMIME, SMTPUTF8, and with DSN RET
 *	and ENVID (xtext); RCPT TO carries NOTIFY and ORCPT (the one
 *	received, else rfc822;ADDRESS) when the server speaks DSN.
 *
 *	With PIPELINING (RFC 2920) MAIL, the RCPTs and DATA go out in
 *	groups of at most RELAY_PIPE_GROUP commands, each group's replies
 *	read after it; without, one command at a time. On a reused session
 *	RSET comes first (in the same group); a refused or lost RSET means
 *	the kept session is no good, and the next server (a new session)
 *	gets the recipients. Outcomes:
 *	  MAIL 4xx/5xx		every recipient, with that reply
 *	  RCPT 2xx		accepted; 4xx deferred, 5xx bounced, each
 *				with its own reply
 *	  DATA 4xx/5xx		the accepted recipients, with that reply
 *	  end of DATA		the accepted recipients: sent, deferred or
 *				bounced with the reply
 *	  421, lost, timeout	before the content went out: the session
 *				is dropped and the recipients without an
 *				outcome are tried at the next server
 *				(RELAY_XACT_RETRY); after it: deferred,
 *				"message may be sent more than once"
 *	Each stage has its Postfix timeout: smtp_mail_timeout,
 *	smtp_rcpt_timeout, smtp_data_init_timeout, smtp_data_xfer_timeout,
 *	smtp_data_done_timeout.
 *
 * SECURITY
 *	Replies are read by lib/smtp_reply (bounded); addresses and DSN
 *	values come from qmgr, which took them from a queue file that
 *	smtpd checked; ORCPT is checked again before it is sent.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esmtp.h"
#include "log.h"
#include "params.h"
#include "relay.h"
#include "stream.h"
#include "vbuf.h"
#include "xmalloc.h"

#define RELAY_PIPE_GROUP	100	/* commands sent before reading */

enum relay_cmd_kind { CMD_RSET, CMD_MAIL, CMD_RCPT, CMD_DATA };

struct relay_cmd {
	enum relay_cmd_kind kind;
	size_t		 rcpt;
};

struct relay_state {
	int		 mail_ok;	/* -1 not yet, 0 refused, 1 ok */
	size_t		 naccepted;
	int		 go;		/* DATA said 354 */
};

static long long
relay_cmd_timeout(enum relay_cmd_kind k)
{
	return k == CMD_RSET ? var_smtp_rset_timeout : k == CMD_MAIL ?
	    var_smtp_mail_timeout : k == CMD_RCPT ? var_smtp_rcpt_timeout :
	    var_smtp_data_init_timeout;
}

static const char *
relay_cmd_name(enum relay_cmd_kind k)
{
	return k == CMD_RSET ? "RSET" : k == CMD_MAIL ? "MAIL FROM" :
	    k == CMD_RCPT ? "RCPT TO" : "DATA";
}

static const char *
relay_cmd_while(enum relay_cmd_kind k)
{
	return k == CMD_RSET ? "sending RSET" : k == CMD_MAIL ?
	    "sending MAIL FROM" : k == CMD_RCPT ? "sending RCPT TO" :
	    "sending DATA command";
}

/* Write MAIL FROM with its parameters. */
static int
relay_send_mail(struct relay_session *s, struct relay_job *job, int downgrade)
{
	const struct deliver_req *req = job->req;
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	char envid[ESMTP_ENVID_MAX * 3 + 1];
	int r;

	vbuf_appendf(b, "MAIL FROM:<%s>", req->sender);
	if (s->ehlo.ext & SMTP_EXT_SIZE)
		vbuf_appendf(b, " SIZE=%llu",
		    (unsigned long long)req->content_size);
	if ((job->msg.body8 || job->msg.head8) && !downgrade &&
	    (s->ehlo.ext & SMTP_EXT_8BITMIME))
		vbuf_appends(b, " BODY=8BITMIME");
	if (req->smtputf8 && (s->ehlo.ext & SMTP_EXT_SMTPUTF8))
		vbuf_appends(b, " SMTPUTF8");
	if (s->ehlo.ext & SMTP_EXT_DSN) {
		if (strcasecmp(req->ret, "FULL") == 0 ||
		    strcasecmp(req->ret, "HDRS") == 0)
			vbuf_appendf(b, " RET=%s", req->ret);
		if (*req->envid != '\0' && esmtp_xtext_encode(req->envid,
		    envid, sizeof(envid)) > 0)
			vbuf_appendf(b, " ENVID=%s", envid);
	}
	r = stream_printf(s->s, "%s\r\n", vbuf_str(b));
	vbuf_free(&b);
	return r;
}

/* Write RCPT TO for recipient i, with NOTIFY and ORCPT under DSN. */
static int
relay_send_rcpt(struct relay_session *s, const struct relay_job *job,
    size_t i)
{
	const struct deliver_rcpt *rc = &job->req->rcpts[i];
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	char orcpt[ESMTP_ORCPT_MAX * 3 + 1];
	int r;

	vbuf_appendf(b, "RCPT TO:<%s>", rc->addr);
	if (s->ehlo.ext & SMTP_EXT_DSN) {
		if (*rc->notify != '\0')
			vbuf_appendf(b, " NOTIFY=%s", rc->notify);
		if (*rc->orcpt != '\0' && esmtp_orcpt_valid(rc->orcpt))
			vbuf_appendf(b, " ORCPT=%s", rc->orcpt);
		else if (esmtp_xtext_encode(*rc->orig != '\0' ? rc->orig :
		    rc->addr, orcpt, sizeof(orcpt)) > 0)
			vbuf_appendf(b, " ORCPT=rfc822;%s", orcpt);
	}
	r = stream_printf(s->s, "%s\r\n", vbuf_str(b));
	vbuf_free(&b);
	return r;
}

/* Handle one command's reply: 0 go on, 1 the session failed (retry). */
static int
relay_handle(struct relay_session *s, struct relay_job *job,
    struct relay_state *st, const struct relay_cmd *c, int code)
{
	size_t i;

	if (code < 0) {
		relay_fail_lost(job, s, relay_cmd_while(c->kind));
		s->broken = 1;
		return 1;
	}
	if (code == 421 || (c->kind == CMD_RSET && code / 100 != 2)) {
		/* a kept session that is no good: the next one gets them */
		relay_fail_reply(job, s, relay_cmd_name(c->kind), 1);
		s->broken = 1;
		return 1;
	}
	switch (c->kind) {
	case CMD_RSET:
		break;
	case CMD_MAIL:
		st->mail_ok = code / 100 == 2;
		if (!st->mail_ok)
			for (i = 0; i < job->req->count; i++)
				if (!job->done[i])
					relay_status_reply(job, i, s,
					    "MAIL FROM");
		break;
	case CMD_RCPT:
		if (!st->mail_ok)
			break;		/* pipelined after a refused MAIL */
		if (code / 100 == 2) {
			job->accepted[c->rcpt] = 1;
			st->naccepted++;
		} else
			relay_status_reply(job, c->rcpt, s, "RCPT TO");
		break;
	case CMD_DATA:
		if (code == 354) {
			st->go = 1;
			break;
		}
		for (i = 0; i < job->req->count; i++)
			if (job->accepted[i] && !job->done[i])
				relay_status_reply(job, i, s, "DATA");
		break;
	}
	return 0;
}

/* The content, the final dot, and the outcome of the accepted ones. */
static void
relay_content(struct relay_session *s, struct relay_job *job, int downgrade)
{
	size_t i;
	int qerr, code;

	stream_set_timeouts(s->s, (int)(var_smtp_data_xfer_timeout * 1000),
	    (int)(var_smtp_data_xfer_timeout * 1000));
	if (relay_data_send(s->s, job->req, downgrade ? job->mime : NULL,
	    &qerr) < 0) {
		/* no final dot: the server cannot take a message from this */
		if (qerr) {
			log_error("%s: read the queue file: %m",
			    job->req->queue_id);
			relay_fail_set(job, s->relay, 0, "4.3.0", "cannot read "
			    "the queue file");
		} else
			relay_fail_lost(job, s, "sending message body");
		s->broken = 1;
		for (i = 0; i < job->req->count; i++)
			if (job->accepted[i])
				relay_status_fail(job, i);
		return;
	}
	/* the dot with the end of the content, in one write: a dot
	   written alone waits for an ACK the server may delay */
	job->sent = 1;
	stream_set_timeouts(s->s, (int)(var_smtp_data_done_timeout * 1000),
	    (int)(var_smtp_data_done_timeout * 1000));
	if (stream_puts(s->s, ".\r\n") < 0 || stream_flush(s->s) < 0 ||
	    (code = smtp_reply_read(s->s, &s->rep)) < 0) {
		relay_fail_lost(job, s, "sending end of data -- message may "
		    "be sent more than once");
		s->broken = 1;
		for (i = 0; i < job->req->count; i++)
			if (job->accepted[i])
				relay_status_fail(job, i);
		return;
	}
	for (i = 0; i < job->req->count; i++) {
		if (!job->accepted[i])
			continue;
		if (code / 100 == 2)
			relay_status_sent(job, i, s);
		else
			relay_status_reply(job, i, s, "end of DATA");
	}
	if (code == 421)
		s->broken = 1;
}

/* Checks before MAIL FROM: 0 go on, 1 every recipient has an outcome. */
static int
relay_precheck(struct relay_session *s, struct relay_job *job,
    int *downgrade_r)
{
	const struct deliver_req *req = job->req;

	*downgrade_r = 0;
	if ((s->ehlo.ext & SMTP_EXT_SIZE) && s->ehlo.size > 0 &&
	    req->content_size > s->ehlo.size) {
		relay_fail_set(job, s->relay, 0, "5.3.4", "message size %llu "
		    "exceeds size limit %llu of server %s[%s]",
		    (unsigned long long)req->content_size, s->ehlo.size,
		    s->dest.host, s->dest.addr);
		relay_fail_pending(job);
		return 1;
	}
	if (job->msg.utf8 && !(s->ehlo.ext & SMTP_EXT_SMTPUTF8)) {
		relay_fail_set(job, s->relay, 0, "5.6.7", "SMTPUTF8 is "
		    "required, but was not offered by host %s[%s]",
		    s->dest.host, s->dest.addr);
		relay_fail_pending(job);
		return 1;
	}
	if ((job->msg.body8 || (job->msg.head8 && !job->msg.utf8)) &&
	    !(s->ehlo.ext & SMTP_EXT_8BITMIME)) {
		if (job->msg.noconv != NULL) {
			relay_fail_set(job, s->relay, 0, "5.6.3", "8-bit "
			    "message content cannot be sent to host %s[%s], "
			    "which does not offer 8BITMIME: %s", s->dest.host,
			    s->dest.addr, job->msg.noconv);
			relay_fail_pending(job);
			return 1;
		}
		*downgrade_r = job->msg.body8;
	}
	return 0;
}

int
relay_xact(struct relay_session *s, struct relay_job *job)
{
	const struct deliver_req *req = job->req;
	struct relay_state st = { -1, 0, 0 };
	struct relay_cmd *cmds;
	size_t ncmd = 0, i, start, end, group;
	long long tmo;
	int downgrade, code, ret = RELAY_XACT_DONE;

	if (relay_precheck(s, job, &downgrade))
		return RELAY_XACT_DONE;
	s->uses++;
	memset(job->accepted, 0, req->count);
	cmds = xcalloc(req->count + 3, sizeof(*cmds));
	if (s->rset) {
		cmds[ncmd++].kind = CMD_RSET;
		s->rset = 0;
	}
	cmds[ncmd++].kind = CMD_MAIL;
	for (i = 0; i < req->count; i++)
		if (!job->done[i]) {
			cmds[ncmd].kind = CMD_RCPT;
			cmds[ncmd++].rcpt = i;
		}
	cmds[ncmd++].kind = CMD_DATA;
	group = (s->ehlo.ext & SMTP_EXT_PIPELINING) ? RELAY_PIPE_GROUP : 1;
	for (start = 0; start < ncmd; start = end) {
		/* without PIPELINING, nothing after a refusal that ends it */
		if (group == 1 && (st.mail_ok == 0 ||
		    (cmds[start].kind == CMD_DATA && st.naccepted == 0)))
			break;
		end = start + group < ncmd ? start + group : ncmd;
		tmo = 0;
		for (i = start; i < end; i++) {
			if ((cmds[i].kind == CMD_RSET ?
			    stream_puts(s->s, "RSET\r\n") :
			    cmds[i].kind == CMD_MAIL ?
			    relay_send_mail(s, job, downgrade) :
			    cmds[i].kind == CMD_RCPT ?
			    relay_send_rcpt(s, job, cmds[i].rcpt) :
			    stream_puts(s->s, "DATA\r\n")) < 0)
				break;
			if (relay_cmd_timeout(cmds[i].kind) > tmo)
				tmo = relay_cmd_timeout(cmds[i].kind);
		}
		stream_set_timeouts(s->s, (int)(tmo * 1000), (int)(tmo * 1000));
		if (i < end || stream_flush(s->s) < 0) {
			relay_fail_lost(job, s, relay_cmd_while(cmds[start].kind));
			s->broken = 1;
			ret = RELAY_XACT_RETRY;
			goto out;
		}
		for (i = start; i < end; i++) {
			tmo = relay_cmd_timeout(cmds[i].kind) * 1000;
			stream_set_timeouts(s->s, (int)tmo, (int)tmo);
			code = smtp_reply_read(s->s, &s->rep);
			if (relay_handle(s, job, &st, &cmds[i], code)) {
				ret = RELAY_XACT_RETRY;
				goto out;
			}
		}
	}
	if (st.go && st.naccepted > 0)
		relay_content(s, job, downgrade);
	else if (st.go) {
		/* 354 with nobody to send to: an empty message, then away */
		stream_set_timeouts(s->s, (int)(var_smtp_data_done_timeout *
		    1000), (int)(var_smtp_data_done_timeout * 1000));
		if (stream_puts(s->s, ".\r\n") == 0 && stream_flush(s->s) == 0)
			(void)smtp_reply_read(s->s, &s->rep);
		s->broken = 1;
	}
out:
	if (ret == RELAY_XACT_RETRY)
		/* accepted, but no outcome: the next server gets them */
		memset(job->accepted, 0, req->count);
	free(cmds);
	return ret;
}
