/*
 * bounce - delivery status notifications as new queue files; see
 * bounce.h. This file checks the request, decides who gets what,
 * assembles the multipart/report and hands it to the queue writer.
 *
 * SECURITY
 *	The parts are built first (bounce_orig.c, bounce_report.c); the
 *	MIME boundary is then drawn at random and redrawn while it occurs
 *	anywhere in them, so no content can end a part early.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bounce_int.h"
#include "log.h"
#include "params.h"
#include "xmalloc.h"

#define BOUNCE_BOUNDARY_TRIES	8

static const char *const bounce_kind_names[] = {
	[BOUNCE_FAILURE] = "sender non-delivery notification",
	[BOUNCE_DELAY] = "sender delay notification",
	[BOUNCE_SUCCESS] = "sender delivery status notification",
};

static const char *const bounce_subjects[] = {
	[BOUNCE_FAILURE] = "Undelivered Mail Returned to Sender",
	[BOUNCE_DELAY] = "Delayed Mail (still being retried)",
	[BOUNCE_SUCCESS] = "Successful Mail Delivery Report",
};

const char *
bounce_kind_name(enum bounce_kind kind)
{
	if ((unsigned int)kind > BOUNCE_SUCCESS)
		return "sender notification";
	return bounce_kind_names[kind];
}

/* Whether an outcome belongs in a notice of this kind. */
static int
bounce_kind_has(enum bounce_kind kind, enum dsn_action a)
{
	switch (kind) {
	case BOUNCE_FAILURE:
		return a == DSN_ACTION_FAILED;
	case BOUNCE_DELAY:
		return a == DSN_ACTION_DELAYED;
	case BOUNCE_SUCCESS:
		return a == DSN_ACTION_DELIVERED || a == DSN_ACTION_RELAYED ||
		    a == DSN_ACTION_EXPANDED;
	}
	return 0;
}

static int
bounce_attr_true(const char *v)
{
	return v != NULL && (strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* RFC 6533 when the message was SMTPUTF8 or an address is not ASCII. */
static int
bounce_is_global(const struct bounce_doc *doc)
{
	char type[32], addr[1600];
	const struct bounce_rcpt *r;
	size_t i;

	if (bounce_attr_true(qfile_env_attr(doc->env, "smtputf8")) ||
	    bounce_has8(doc->env->sender))
		return 1;
	for (i = 0; i < doc->n; i++) {
		r = doc->rcpts[i];
		if (bounce_has8(r->addr) || (r->orig != NULL &&
		    bounce_has8(r->orig)))
			return 1;
		if (r->orcpt != NULL && dsn_orcpt_decode(r->orcpt, type,
		    sizeof(type), addr, sizeof(addr)) == 0 && bounce_has8(addr))
			return 1;
	}
	return 0;
}

static int
bounce_has_boundary(const struct vbuf *b, const char *boundary)
{
	return memmem(vbuf_str(b), vbuf_len(b), boundary,
	    strlen(boundary)) != NULL;
}

static int
bounce_boundary(const struct bounce_doc *doc, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[16];
	size_t i, k;
	int tries;

	for (tries = 0; tries < BOUNCE_BOUNDARY_TRIES; tries++) {
		arc4random_buf(rnd, sizeof(rnd));
		k = strlcpy(buf, "=_postern_", len);
		for (i = 0; i < sizeof(rnd) && k + 2 < len; i++) {
			buf[k++] = hex[rnd[i] >> 4];
			buf[k++] = hex[rnd[i] & 15];
		}
		buf[k] = '\0';
		if (!bounce_has_boundary(doc->text, buf) &&
		    !bounce_has_boundary(doc->status, buf) &&
		    !bounce_has_boundary(doc->orig, buf))
			return 0;
	}
	return -1;
}

static void
bounce_part(struct vbuf *m, const char *boundary, const char *desc,
    const char *type, int eightbit, const struct vbuf *body)
{
	vbuf_appendf(m, "--%s\r\n", boundary);
	vbuf_appendf(m, "Content-Description: %s\r\n", desc);
	vbuf_appendf(m, "Content-Type: %s\r\n", type);
	vbuf_appendf(m, "Content-Transfer-Encoding: %s\r\n\r\n",
	    eightbit ? "8bit" : "7bit");
	vbuf_append(m, vbuf_str(body), vbuf_len(body));
}

/* The whole message: top-level header, then the three parts. */
static struct vbuf *
bounce_assemble(struct bounce_doc *doc, const char *boundary)
{
	struct vbuf *m = vbuf_new(vbuf_len(doc->text) + vbuf_len(doc->status) +
	    vbuf_len(doc->orig) + 2048, VBUF_NOLIMIT);
	struct vbuf *v = vbuf_new(256, VBUF_NOLIMIT);
	char date[DSN_DATE_SIZE];
	unsigned int rnd = arc4random();
	const char *desc, *type;
	int any8 = doc->text8 || doc->status8 || doc->orig8;

	dsn_date(doc->now, date);
	bounce_field(m, "Date", date);
	vbuf_appends(v, "MAILER-DAEMON@");
	bounce_clean(v, var_myhostname, 255, 0);
	vbuf_appends(v, " (Mail Delivery System)");
	bounce_field(m, "From", vbuf_str(v));
	bounce_field(m, "Subject", bounce_subjects[doc->kind]);
	vbuf_reset(v);
	vbuf_appendc(v, '<');
	bounce_clean(v, doc->env->sender, BOUNCE_STR_MAX, doc->global);
	vbuf_appendc(v, '>');
	bounce_field(m, "To", vbuf_str(v));
	bounce_field(m, "Auto-Submitted", "auto-replied");
	vbuf_reset(v);
	vbuf_appendf(v, "<%lld.%s.%08x@", (long long)doc->now, doc->qid, rnd);
	bounce_clean(v, var_myhostname, 255, 0);
	vbuf_appendc(v, '>');
	bounce_field(m, "Message-ID", vbuf_str(v));
	bounce_field(m, "MIME-Version", "1.0");
	vbuf_reset(v);
	vbuf_appendf(v, "multipart/report; report-type=%s; boundary=\"%s\"",
	    doc->global ? "global-delivery-status" : "delivery-status",
	    boundary);
	bounce_field(m, "Content-Type", vbuf_str(v));
	bounce_field(m, "Content-Transfer-Encoding", any8 ? "8bit" : "7bit");
	vbuf_appends(m, "\r\nThis is a MIME-encapsulated message.\r\n\r\n");

	bounce_part(m, boundary, "Notification", doc->text8 ?
	    "text/plain; charset=utf-8" : "text/plain; charset=us-ascii",
	    doc->text8, doc->text);
	bounce_part(m, boundary, "Delivery report", doc->global ?
	    "message/global-delivery-status" : "message/delivery-status",
	    doc->status8, doc->status);
	if (doc->ret_full) {
		desc = "Undelivered Message";
		type = doc->global ? "message/global" : "message/rfc822";
	} else {
		desc = doc->kind == BOUNCE_FAILURE ?
		    "Undelivered Message Headers" : "Message Headers";
		type = doc->global ? "message/global-headers" :
		    "text/rfc822-headers";
	}
	bounce_part(m, boundary, desc, type, doc->orig8, doc->orig);
	vbuf_appendf(m, "--%s--\r\n", boundary);
	vbuf_free(&v);
	return m;
}

static int
bounce_queue(const char *queue_dir, const struct bounce_doc *doc,
    const struct vbuf *msg, int flags, char bqid_r[QID_SIZE],
    const char **err_r)
{
	struct qfile_writer *w;
	int any8 = doc->text8 || doc->status8 || doc->orig8, saved;

	if ((w = qfile_create(queue_dir)) == NULL) {
		*err_r = "cannot create a queue file";
		return -1;
	}
	if (qfile_add_sender(w, "") < 0 ||
	    (doc->global && qfile_add_attr(w, "smtputf8", "yes") < 0) ||
	    (any8 && qfile_add_attr(w, "body", "8BITMIME") < 0) ||
	    qfile_add_rcpt(w, doc->env->sender, NULL, NULL) < 0 ||
	    qfile_begin_content(w) < 0 ||
	    qfile_write_content(w, vbuf_str(msg), vbuf_len(msg)) < 0 ||
	    qfile_commit(w, (flags & BOUNCE_DIR_SYNC) != 0, bqid_r) < 0) {
		saved = errno;
		qfile_abort(w);
		errno = saved;
		*err_r = "cannot write the queue file";
		return -1;
	}
	qfile_abort(w);		/* committed: this only frees */
	return 0;
}

static void
bounce_doc_free(struct bounce_doc *doc)
{
	vbuf_free(&doc->text);
	vbuf_free(&doc->status);
	vbuf_free(&doc->orig);
	free(doc->rcpts);
}

int
bounce_write(const char *queue_dir, const char *qid,
    const struct qfile_env *env, int qfd, enum bounce_kind kind,
    const struct bounce_rcpt *rcpts, size_t n, int flags,
    char bqid_r[QID_SIZE], const char **err_r)
{
	struct bounce_doc doc;
	char boundary[64];
	struct vbuf *msg;
	size_t i;
	int ret = BOUNCE_ERROR;

	*err_r = "bad argument";
	if (queue_dir == NULL || qid == NULL || !qid_valid(qid) ||
	    env == NULL || env->sender == NULL ||
	    (unsigned int)kind > BOUNCE_SUCCESS ||
	    (flags & ~BOUNCE_DIR_SYNC) != 0 || (n > 0 && rcpts == NULL)) {
		errno = EINVAL;
		return BOUNCE_ERROR;
	}
	memset(&doc, 0, sizeof(doc));
	doc.qid = qid;
	doc.env = env;
	doc.kind = kind;
	doc.rcpts = xreallocarray(NULL, n + 1, sizeof(*doc.rcpts));
	for (i = 0; i < n; i++) {
		if (rcpts[i].addr == NULL ||
		    !bounce_kind_has(kind, rcpts[i].action)) {
			*err_r = "recipient action does not match the notice";
			errno = EINVAL;
			goto out;
		}
		if (dsn_notify_wants(rcpts[i].notify, rcpts[i].action))
			doc.rcpts[doc.n++] = &rcpts[i];
	}
	if (doc.n == 0) {
		ret = BOUNCE_NONE;
		goto out;
	}
	if (*env->sender == '\0') {
		/* RFC 3461 6.2: never a notice about a notice */
		log_info("%s: discarding %s: the message has the null sender",
		    qid, bounce_kind_name(kind));
		ret = BOUNCE_DISCARDED;
		goto out;
	}
	doc.now = time(NULL);
	doc.global = bounce_is_global(&doc);
	if (bounce_orig_read(&doc, qfd, err_r) < 0)
		goto out;
	bounce_report_text(&doc);
	bounce_report_status(&doc);
	if (bounce_boundary(&doc, boundary, sizeof(boundary)) < 0) {
		*err_r = "cannot find a MIME boundary absent from the message";
		errno = EINVAL;
		goto out;
	}
	msg = bounce_assemble(&doc, boundary);
	if (bounce_queue(queue_dir, &doc, msg, flags, bqid_r, err_r) == 0) {
		log_info("%s: %s: %s", qid, bounce_kind_name(kind), bqid_r);
		ret = BOUNCE_QUEUED;
	}
	vbuf_free(&msg);
out:
	bounce_doc_free(&doc);
	return ret;
}
