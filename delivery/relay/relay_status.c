/*
 * NAME
 *	relay_status - the outcome of each recipient, in Postfix's words.
 *
 * DESCRIPTION
 *	A recipient's status (lib/deliver_agent) carries two texts: the one
 *	qmgr keeps and a bounce quotes (the remote reply itself, with
 *	diag_type smtp and the remote MTA, so that the DSN says
 *	"Diagnostic-Code: smtp; 550 5.1.1 ..."), and the one of the log
 *	line, which says whose reply it was and to what:
 *
 *	  host mx.example.org[192.0.2.7] said: 550 5.1.1 <a@example.org>:
 *	  Recipient address rejected (in reply to RCPT TO command)
 *
 *	Failures of our own making read as Postfix's do: "connect to
 *	mx.example.org[192.0.2.7]:25: Connection refused", "lost
 *	connection with mx.example.org[192.0.2.7] while receiving the
 *	initial server greeting", "conversation with ... timed out while
 *	sending MAIL FROM", so that admins and log tools (pflogsumm) know
 *	them.
 *
 *	A remote reply's enhanced status code is used when it is of the
 *	reply's class, else X.0.0. A success is "delivered" to qmgr, or
 *	"relayed" when the recipient asked for a success notice
 *	(NOTIFY=SUCCESS) and the server does not speak DSN (RFC 3461 5.2.2:
 *	we send the notice), or "forwarded" when it does (the NOTIFY went
 *	along: the next hop sends it, we do not).
 *
 * SECURITY
 *	Remote replies are cleaned (lib/printable via smtp_reply_oneline)
 *	and bounded before they are stored or logged.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "printable.h"
#include "relay.h"
#include "stream.h"
#include "vbuf.h"
#include "xmalloc.h"

static void
relay_fail_clear(struct relay_fail *f)
{
	memset(f, 0, sizeof(*f));
}

void
relay_fail_set(struct relay_job *job, const char *relay, int site,
    const char *dsn, const char *fmt, ...)
{
	struct relay_fail *f = &job->fail;
	va_list ap;

	relay_fail_clear(f);
	strlcpy(f->dsn, dsn, sizeof(f->dsn));
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	printable_fix(f->text, PRINTABLE_8BIT);
	strlcpy(f->log, f->text, sizeof(f->log));
	strlcpy(f->relay, relay, sizeof(f->relay));
	f->site = site;
}

/* The reply's code as an enhanced status code of its class. */
static void
relay_reply_dsn(const struct relay_session *s, char *dsn)
{
	int cls = s->rep.code / 100;

	if (s->rep.dsn[0] != '\0' && s->rep.dsn[0] == '0' + cls)
		strlcpy(dsn, s->rep.dsn, DSN_STATUS_SIZE);
	else
		snprintf(dsn, DSN_STATUS_SIZE, "%d.0.0", cls == 2 ? 2 :
		    cls == 4 ? 4 : 5);
}

/* The reply as one clean line. */
static void
relay_reply_text(const struct relay_session *s, char *buf, size_t len)
{
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);

	smtp_reply_oneline(&s->rep, b, len - 1);
	strlcpy(buf, vbuf_str(b), len);
	vbuf_free(&b);
}

void
relay_fail_reply(struct relay_job *job, const struct relay_session *s,
    const char *cmd, int site)
{
	struct relay_fail *f = &job->fail;

	relay_fail_clear(f);
	relay_reply_dsn(s, f->dsn);
	relay_reply_text(s, f->text, sizeof(f->text));
	if (cmd != NULL)
		snprintf(f->log, sizeof(f->log), "host %s[%s] said: %s (in "
		    "reply to %s command)", s->dest.host, s->dest.addr,
		    f->text, cmd);
	else
		snprintf(f->log, sizeof(f->log), "host %s[%s] refused to talk "
		    "to me: %s", s->dest.host, s->dest.addr, f->text);
	strlcpy(f->relay, s->relay, sizeof(f->relay));
	strlcpy(f->remote_mta, s->dest.host, sizeof(f->remote_mta));
	f->smtp = 1;
	f->site = site;
	f->setup = s->setup;
	f->conn_use = s->uses;
}

void
relay_fail_lost(struct relay_job *job, const struct relay_session *s,
    const char *cmd)
{
	if (s->rep.code == SMTP_REPLY_BAD)
		relay_fail_set(job, s->relay, 1, "4.4.2", "malformed reply "
		    "from %s[%s] while %s: %s", s->dest.host, s->dest.addr,
		    cmd, vbuf_str(s->rep.text));
	else if (stream_error(s->s) == STREAM_ERR_TIMEOUT ||
	    stream_error(s->s) == STREAM_ERR_DEADLINE)
		relay_fail_set(job, s->relay, 1, "4.4.2", "conversation with "
		    "%s[%s] timed out while %s", s->dest.host, s->dest.addr,
		    cmd);
	else
		relay_fail_set(job, s->relay, 1, "4.4.2", "lost connection "
		    "with %s[%s] while %s", s->dest.host, s->dest.addr, cmd);
	job->fail.setup = s->setup;
	job->fail.conn_use = s->uses;
}

/* Finish recipient i with st already filled. */
static void
relay_status_done(struct relay_job *job, size_t i)
{
	job->done[i] = 1;
	job->pending--;
}

void
relay_status_fail(struct relay_job *job, size_t i)
{
	struct deliver_status *st = &job->st[i];
	const struct relay_fail *f = &job->fail;

	if (job->done[i])
		return;
	deliver_status_set(st, f->dsn[0] != '\0' ? f->dsn : "4.3.0", "%s",
	    f->text[0] != '\0' ? f->text : "delivery failed");
	strlcpy(st->relay, f->relay[0] != '\0' ? f->relay : "none",
	    sizeof(st->relay));
	strlcpy(st->remote_mta, f->remote_mta, sizeof(st->remote_mta));
	st->diag_type = f->smtp ? "smtp" : "";
	st->setup = f->setup;
	st->conn_use = f->conn_use;
	if (!f->site)
		job->nonsite = 1;
	/* the log line's text lives in the job, as long as the status */
	free(job->log[i]);
	job->log[i] = xstrdup(f->log);
	st->log_text = job->log[i];
	relay_status_done(job, i);
}

void
relay_fail_pending(struct relay_job *job)
{
	size_t i;

	for (i = 0; i < job->req->count; i++)
		if (!job->done[i])
			relay_status_fail(job, i);
}

void
relay_status_reply(struct relay_job *job, size_t i,
    const struct relay_session *s, const char *cmd)
{
	relay_fail_reply(job, s, cmd, 0);
	relay_status_fail(job, i);
}

void
relay_status_sent(struct relay_job *job, size_t i,
    const struct relay_session *s)
{
	struct deliver_status *st = &job->st[i];
	const char *notify = job->req->rcpts[i].notify;
	char dsn[DSN_STATUS_SIZE], text[DELIVER_TEXT_MAX + 1];

	if (job->done[i])
		return;
	relay_reply_dsn(s, dsn);
	relay_reply_text(s, text, sizeof(text));
	deliver_status_set(st, dsn, "%s", text);
	if (s->ehlo.ext & SMTP_EXT_DSN)
		st->action = "forwarded";
	else if (strcasestr(notify, "SUCCESS") != NULL)
		st->action = "relayed";
	strlcpy(st->relay, s->relay, sizeof(st->relay));
	strlcpy(st->remote_mta, s->dest.host, sizeof(st->remote_mta));
	st->diag_type = "smtp";
	st->setup = s->setup;
	st->conn_use = s->uses;
	job->nonsite = 1;
	relay_status_done(job, i);
}
