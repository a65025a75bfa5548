/*
 * bounce_report - the first two parts of a notice: the explanation for
 * people (text/plain) and the one for programs (message/delivery-status,
 * RFC 3464, or message/global-delivery-status, RFC 6533).
 *
 * SECURITY
 *	Addresses, ORCPT, ENVID, diagnostic texts and remote MTA names are
 *	untrusted: each goes through bounce_clean (bounded, no control
 *	characters, 8-bit only as valid UTF-8 in a global notice) and is
 *	only ever written after a field name or an indentation.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bounce_int.h"
#include "esmtp.h"
#include "params.h"

#define BOUNCE_TYPE_MAX	32

/* The status to report: the agent's, or the generic one of the action. */
static const char *
bounce_status(const struct bounce_rcpt *r)
{
	char want;

	switch (r->action) {
	case DSN_ACTION_FAILED:
		want = '5';
		break;
	case DSN_ACTION_DELAYED:
		want = '4';
		break;
	default:
		want = '2';
		break;
	}
	if (dsn_status_valid(r->status) && (r->status[0] == want ||
	    (want == '5' && r->status[0] == '4')))
		return r->status;
	return want == '5' ? "5.0.0" : want == '4' ? "4.0.0" : "2.0.0";
}

/* "rfc822; addr" or, for a non-ASCII address in a global notice, utf-8 */
static void
bounce_addr_value(struct bounce_doc *doc, struct vbuf *v, const char *type,
    const char *addr, int *is8)
{
	vbuf_reset(v);
	if (type == NULL)
		type = doc->global && bounce_has8(addr) ? "utf-8" : "rfc822";
	vbuf_appendf(v, "%s; ", type);
	if (bounce_clean(v, addr, BOUNCE_STR_MAX, doc->global))
		*is8 = 1;
}

/* "12 minutes", "5 hours", "3 days" */
static void
bounce_duration(char *buf, size_t len, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 2 * 3600)
		snprintf(buf, len, "%lld minute%s", secs / 60,
		    secs / 60 == 1 ? "" : "s");
	else if (secs < 2 * 86400)
		snprintf(buf, len, "%lld hours", secs / 3600);
	else
		snprintf(buf, len, "%lld days", secs / 86400);
}

static void
bounce_text_intro(struct bounce_doc *doc, struct vbuf *t, struct vbuf *s)
{
	char date[DSN_DATE_SIZE], dur[64];
	long long life = var_maximal_queue_lifetime;
	size_t i;
	int relayed = 0;

	vbuf_reset(s);
	vbuf_appends(s, "This is the ");
	bounce_clean(s, var_mail_name, 64, 0);
	vbuf_appends(s, " mail system at host ");
	bounce_clean(s, var_myhostname, 255, 0);
	vbuf_appends(s, ".");
	bounce_wrap(t, "", vbuf_str(s));
	vbuf_appends(t, "\r\n");

	vbuf_reset(s);
	switch (doc->kind) {
	case BOUNCE_FAILURE:
		vbuf_appends(s, "Your message could not be delivered to the "
		    "recipients listed below. The mail system has given up "
		    "on them: either the failure is permanent, or delivery "
		    "kept failing until the message expired from the queue.");
		break;
	case BOUNCE_DELAY:
		bounce_duration(dur, sizeof(dur),
		    (long long)(doc->now - doc->env->arrival.tv_sec));
		vbuf_appendf(s, "Your message has not yet reached the "
		    "recipients listed below: it has been waiting for %s. "
		    "This is only a warning; you do not need to send the "
		    "message again.", dur);
		if (life > 0) {
			dsn_date(doc->env->arrival.tv_sec + (time_t)life,
			    date);
			vbuf_appendf(s, " The mail system will keep trying "
			    "until %s. If it still has not succeeded by then, "
			    "you will receive a non-delivery report.", date);
		}
		break;
	case BOUNCE_SUCCESS:
		vbuf_appends(s, "Your message was delivered to the recipients "
		    "listed below; you asked to be told about it.");
		for (i = 0; i < doc->n; i++)
			if (doc->rcpts[i]->action == DSN_ACTION_RELAYED)
				relayed = 1;
		if (relayed)
			vbuf_appends(s, " Where it says \"relayed\", the "
			    "message was passed on to a mail system that does "
			    "not report deliveries: this is the last notice "
			    "you will get about that recipient.");
		break;
	}
	bounce_wrap(t, "", vbuf_str(s));
	vbuf_appends(t, "\r\n");

	vbuf_reset(s);
	dsn_date(doc->env->arrival.tv_sec, date);
	vbuf_appendf(s, "The message arrived on %s and has the queue ID %s "
	    "here.", date, doc->qid);
	if (doc->ret_full)
		vbuf_appends(s, " The complete message is attached.");
	else if (doc->full_too_big)
		vbuf_appendf(s, " It was larger than %lld bytes, so only its "
		    "header section is attached, not the whole message.",
		    (long long)var_bounce_size_limit);
	else
		vbuf_appends(s, " Its header section is attached.");
	if (doc->orig_truncated)
		vbuf_appendf(s, " The header section was cut short at %lld "
		    "bytes.", (long long)var_bounce_size_limit);
	bounce_wrap(t, "", vbuf_str(s));
	vbuf_appends(t, "\r\n");
}

static void
bounce_text_rcpt(struct bounce_doc *doc, struct vbuf *t, struct vbuf *s,
    const struct bounce_rcpt *r)
{
	const char *what;

	switch (r->action) {
	case DSN_ACTION_FAILED:
		what = "delivery failed";
		break;
	case DSN_ACTION_DELAYED:
		what = "not delivered yet";
		break;
	case DSN_ACTION_DELIVERED:
		what = "delivered";
		break;
	case DSN_ACTION_RELAYED:
		what = "relayed";
		break;
	default:
		what = "delivered to the members of a list";
		break;
	}
	vbuf_reset(s);
	vbuf_appendc(s, '<');
	doc->text8 |= bounce_clean(s, r->addr, BOUNCE_STR_MAX, doc->global);
	vbuf_appendc(s, '>');
	if (r->orig != NULL && *r->orig != '\0' &&
	    strcmp(r->orig, r->addr) != 0) {
		vbuf_appends(s, " (sent to <");
		doc->text8 |= bounce_clean(s, r->orig, BOUNCE_STR_MAX,
		    doc->global);
		vbuf_appends(s, ">)");
	}
	vbuf_appendf(s, ": %s, status %s", what, bounce_status(r));
	bounce_wrap(t, "  ", vbuf_str(s));

	if (r->text == NULL || *r->text == '\0')
		return;
	vbuf_reset(s);
	if (r->remote_mta != NULL && *r->remote_mta != '\0') {
		vbuf_appends(s, "the mail server ");
		bounce_clean(s, r->remote_mta, 255, 0);
		vbuf_appends(s, r->diag_type != NULL &&
		    strcmp(r->diag_type, "smtp") == 0 ? " replied: " :
		    " reported: ");
	}
	doc->text8 |= bounce_clean(s, r->text, BOUNCE_STR_MAX, doc->global);
	bounce_wrap(t, "      ", vbuf_str(s));
}

void
bounce_report_text(struct bounce_doc *doc)
{
	struct vbuf *t = vbuf_new(4096, VBUF_NOLIMIT);
	struct vbuf *s = vbuf_new(256, VBUF_NOLIMIT);
	size_t i;

	bounce_text_intro(doc, t, s);
	for (i = 0; i < doc->n; i++) {
		bounce_text_rcpt(doc, t, s, doc->rcpts[i]);
		vbuf_appends(t, "\r\n");
	}
	vbuf_reset(s);
	vbuf_appends(s, "If you need help, ask the postmaster of ");
	bounce_clean(s, var_myhostname, 255, 0);
	vbuf_appends(s, " and quote the queue ID above. The attached "
	    "delivery report has the details in a form that programs can "
	    "read.");
	bounce_wrap(t, "", vbuf_str(s));
	vbuf_free(&s);
	doc->text = t;
}

/* The per-recipient fields of RFC 3464 2.3, in its order. */
static void
bounce_status_rcpt(struct bounce_doc *doc, struct vbuf *st, struct vbuf *v,
    const struct bounce_rcpt *r)
{
	char type[BOUNCE_TYPE_MAX], addr[3 * ESMTP_ORCPT_MAX + 1];
	char date[DSN_DATE_SIZE];
	long long life = var_maximal_queue_lifetime;

	vbuf_appends(st, "\r\n");
	if (r->orcpt != NULL && dsn_orcpt_decode(r->orcpt, type, sizeof(type),
	    addr, sizeof(addr)) == 0) {
		bounce_addr_value(doc, v, type, addr, &doc->status8);
		bounce_field(st, "Original-Recipient", vbuf_str(v));
	}
	bounce_addr_value(doc, v, NULL, r->addr, &doc->status8);
	bounce_field(st, "Final-Recipient", vbuf_str(v));
	bounce_field(st, "Action", dsn_action_name(r->action));
	bounce_field(st, "Status", bounce_status(r));
	if (r->remote_mta != NULL && *r->remote_mta != '\0') {
		vbuf_reset(v);
		vbuf_appends(v, "dns; ");
		bounce_clean(v, r->remote_mta, 255, 0);
		bounce_field(st, "Remote-MTA", vbuf_str(v));
	}
	if (r->text != NULL && *r->text != '\0') {
		vbuf_reset(v);
		vbuf_appends(v, r->diag_type != NULL &&
		    strcmp(r->diag_type, "smtp") == 0 ? "smtp; " : "x-unix; ");
		if (bounce_clean(v, r->text, BOUNCE_STR_MAX, doc->global))
			doc->status8 = 1;
		bounce_field(st, "Diagnostic-Code", vbuf_str(v));
	}
	dsn_date(r->last_attempt != 0 ? r->last_attempt : doc->now, date);
	bounce_field(st, "Last-Attempt-Date", date);
	if (r->action == DSN_ACTION_DELAYED && life > 0) {
		dsn_date(doc->env->arrival.tv_sec + (time_t)life, date);
		bounce_field(st, "Will-Retry-Until", date);
	}
}

void
bounce_report_status(struct bounce_doc *doc)
{
	struct vbuf *st = vbuf_new(2048, VBUF_NOLIMIT);
	struct vbuf *v = vbuf_new(256, VBUF_NOLIMIT);
	char date[DSN_DATE_SIZE];
	const char *e;
	size_t i;

	/* per-message fields (RFC 3464 2.2) */
	vbuf_appends(v, "dns; ");
	bounce_clean(v, var_myhostname, 255, 0);
	bounce_field(st, "Reporting-MTA", vbuf_str(v));
	bounce_field(st, "X-Postern-Queue-ID", doc->qid);
	bounce_addr_value(doc, v, NULL, doc->env->sender, &doc->status8);
	bounce_field(st, "X-Postern-Sender", vbuf_str(v));
	/* smtpd stores the ENVID decoded from its xtext */
	if ((e = qfile_env_attr(doc->env, "envid")) != NULL && *e != '\0') {
		vbuf_reset(v);
		bounce_clean(v, e, ESMTP_ENVID_MAX, 0);
		bounce_field(st, "Original-Envelope-Id", vbuf_str(v));
	}
	dsn_date(doc->env->arrival.tv_sec, date);
	bounce_field(st, "Arrival-Date", date);
	for (i = 0; i < doc->n; i++)
		bounce_status_rcpt(doc, st, v, doc->rcpts[i]);
	vbuf_free(&v);
	doc->status = st;
}
