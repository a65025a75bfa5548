/*
 * NAME
 *	imapd_copy - COPY, MOVE and their UID forms (RFC 9051 6.4.7,
 *	6.4.8; RFC 4315 COPYUID; RFC 6851 MOVE)
 *
 * DESCRIPTION
 *	Each message file is hard-linked into the target's new/ under a
 *	fresh unique name that keeps its ,S= and ,W= sizes (a link is
 *	atomic: the target never sees half a message); where a link is not
 *	possible the bytes are copied through the target's tmp/. new/ is
 *	fsynced once, then the target's index gives all of them UIDs in one
 *	transaction (mailbox_add) with the source's flags and keywords and
 *	internal dates, and the tagged OK says COPYUID. MOVE then expunges
 *	the source messages: the client sees "* OK [COPYUID ...]", the
 *	EXPUNGEs, and the tagged OK (RFC 6851 3.3).
 *
 *	Quota: the user's limit (from auth) against maildirsize; a copy
 *	that would pass it is refused whole with NO [OVERQUOTA].
 *
 *	A crash after some links and before mailbox_add leaves files in
 *	the target's new/ that its next listing gives UIDs: the copy is
 *	then complete but was not confirmed, as a delivery in the same
 *	window.
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "maildir.h"
#include "maildir_quota.h"
#include "vbuf.h"
#include "xmalloc.h"

struct copy {
	struct imapd		*d;
	struct maildir		*dmd;		/* target folder */
	struct mailbox		*dmb;
	struct mailbox_new	*msgs;
	char			**names;
	uint32_t		*src;		/* source UIDs */
	uint32_t		*dst;		/* target UIDs */
	size_t			 n;
	unsigned long		 q;		/* unique counter */
};

/* A unique target name for a message of size and vsize. */
static void
new_name(struct copy *c, const struct mailbox_msg *m, char *buf, size_t len)
{
	struct timeval tv;
	size_t l;

	gettimeofday(&tv, NULL);
	if (maildir_unique(buf, len, &tv, (long)getpid(), ++c->q,
	    maildir_hostname()) < 0)
		buf[0] = '\0';
	l = strlen(buf);
	if (m->vsize != MAILBOX_VSIZE_UNKNOWN)
		snprintf(buf + l, len - l, ",S=%llu,W=%llu",
		    (unsigned long long)m->size, (unsigned long long)m->vsize);
	else
		snprintf(buf + l, len - l, ",S=%llu",
		    (unsigned long long)m->size);
}

/* The bytes of message uid into the target (no link possible). */
static int
copy_bytes(struct copy *c, uint32_t uid, char *name, size_t len)
{
	struct maildir_msg *w;
	char buf[65536], *err = NULL;
	ssize_t n;
	int fd, r;

	if ((r = mailbox_msg_open(c->d->sel->mb, uid, &fd, &err)) <= 0) {
		if (r < 0) {
			log_warn("%s: %s", c->d->sess.user, err);
			free(err);
		}
		return -1;
	}
	if ((w = maildir_msg_new(c->dmd != NULL ? c->dmd : c->d->sess.md, 0,
	    &err)) == NULL) {
		log_warn("%s: %s", c->d->sess.user, err);
		free(err);
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (maildir_msg_write(w, buf, (size_t)n) < 0)
			break;
	close(fd);
	if (n != 0) {
		maildir_msg_abort(w);
		return -1;
	}
	if (maildir_msg_commit(w, name, len, &err) < 0) {
		log_warn("%s: %s", c->d->sess.user, err);
		free(err);
		return -1;
	}
	return 0;
}

/* Link (or copy) one message into the target's new/. */
static int
place(struct copy *c, const struct mailbox_msg *m, char *name, size_t len)
{
	struct maildir *smd = c->d->sel->md != NULL ? c->d->sel->md :
	    c->d->sess.md;
	struct maildir *dmd = c->dmd != NULL ? c->dmd : c->d->sess.md;

	new_name(c, m, name, len);
	if (name[0] != '\0' && linkat(m->in_cur ? smd->curfd : smd->newfd,
	    m->name, dmd->newfd, name, 0) == 0)
		return 0;
	return copy_bytes(c, m->uid, name, len);
}

int
imapd_over_quota(struct imapd *d, uint64_t bytes, size_t n)
{
	struct maildir_quota q;
	char *err = NULL;

	if (d->sess.quota == 0)
		return 0;
	memset(&q, 0, sizeof(q));
	q.limit_bytes = (long long)d->sess.quota;
	if (maildir_quota_get(d->sess.md, &q, time(NULL), &err) < 0) {
		log_warn("%s: %s", d->sess.user, err);
		free(err);
		return 0;
	}
	return maildir_quota_exceeded(&q, bytes, (long long)n);
}

/* Keywords of the source as bits of the target. */
static uint64_t
map_keywords(struct copy *c, uint64_t kw)
{
	const char *name;
	char *err = NULL;
	uint64_t out = 0;
	unsigned i;
	int k;

	for (i = 0; i < 64 && kw != 0; i++) {
		if (!(kw & ((uint64_t)1 << i)) ||
		    (name = mailbox_keyword_name(c->d->sel->mb, i)) == NULL)
			continue;
		if ((k = mailbox_keyword(c->dmb, name, 1, &err)) < 0) {
			free(err);	/* the target is full: drop it */
			err = NULL;
			continue;
		}
		out |= (uint64_t)1 << k;
	}
	return out;
}

static void
copy_free(struct copy *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->msgs);
	free(c->src);
	free(c->dst);
	mailbox_close(&c->dmb);
	maildir_close(&c->dmd);
}

static int
copy_or_move(struct imapd *d, const struct imap_arg *args, int move)
{
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m;
	struct imap_range *r;
	struct copy c;
	const char *target;
	char name[MAILDIR_NAME_MAX + 1], *err = NULL;
	uint64_t bytes = 0;
	uint32_t seq, total;
	unsigned n, i;
	struct vbuf b;
	int rr;

	if (imapd_seqset(d, args, d->uid, &r, &n) < 0)
		return 0;
	if (imapd_mailbox_arg(d, args->next, &target) < 0)
		return 0;
	if (args->next->next != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	if (move && sel->readonly) {
		imapd_tagged(d, "NO [READ-ONLY] Mailbox is read-only.");
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.d = d;
	if ((rr = imapd_folder_open(d, target, &c.dmd, &err)) <= 0) {
		imapd_no_mailbox(d, err, "TRYCREATE", target);
		return 0;
	}
	total = imap_ranges_count(r, n);
	c.msgs = xcalloc(total + 1, sizeof(*c.msgs));
	c.names = xcalloc(total + 1, sizeof(*c.names));
	c.src = xcalloc(total + 1, sizeof(*c.src));
	c.dst = xcalloc(total + 1, sizeof(*c.dst));
	for (i = 0; i < n; i++)
		for (seq = r[i].lo; seq <= r[i].hi; seq++) {
			m = mailbox_msg(sel->mb, seq - 1);
			if (!(m->state & MAILBOX_MSG_EXPUNGED))
				bytes += m->size;
		}
	if (imapd_over_quota(d, bytes, total)) {
		copy_free(&c);
		imapd_tagged(d, "NO [OVERQUOTA] Quota exceeded (mailbox for "
		    "user is full)");
		return 0;
	}
	if (mailbox_open(c.dmd != NULL ? c.dmd : d->sess.md, d->sess.md, 0,
	    &c.dmb, &err) < 0) {
		copy_free(&c);
		imapd_no_err(d, err);
		return 0;
	}
	for (i = 0; i < n; i++)
		for (seq = r[i].lo; seq <= r[i].hi; seq++) {
			m = mailbox_msg(sel->mb, seq - 1);
			if (m->state & MAILBOX_MSG_EXPUNGED)
				continue;
			if (place(&c, m, name, sizeof(name)) < 0) {
				/* what was placed gets UIDs at the next sync */
				copy_free(&c);
				imapd_tagged(d, "NO [SERVERBUG] Copy failed; "
				    "refer to the server log.");
				return 0;
			}
			c.names[c.n] = xstrdup(name);
			c.msgs[c.n].name = c.names[c.n];
			c.msgs[c.n].flags = m->flags;
			c.msgs[c.n].keywords = map_keywords(&c, m->keywords);
			c.msgs[c.n].idate = m->idate;
			c.src[c.n] = m->uid;
			c.n++;
		}
	if (c.n > 0) {
		(void)fsync((c.dmd != NULL ? c.dmd : d->sess.md)->newfd);
		if (mailbox_add(c.dmb, c.msgs, c.n, c.dst, &err) < 0) {
			copy_free(&c);
			imapd_no_err(d, err);
			return 0;
		}
	}
	if (c.n > 0 && maildir_quota_add(d->sess.md, (long long)bytes,
	    (long long)c.n) < 0)
		log_warn("%s: update %s: %m", d->sess.user, MAILDIR_QUOTA_FILE);
	if (imapd_special_use(target) != NULL &&
	    strcmp(imapd_special_use(target), "\\Trash") == 0)
		d->trashed += (unsigned)c.n;
	vbuf_init(&b, 128, VBUF_NOLIMIT);
	if (c.n > 0) {
		(void)vbuf_appendf(&b, "[COPYUID %u ", mailbox_uidvalidity(c.dmb));
		imap_put_set(&b, c.src, c.n);
		(void)vbuf_appendc(&b, ' ');
		imap_put_set(&b, c.dst, c.n);
		(void)vbuf_appends(&b, "] ");
	}
	if (move && c.n > 0) {
		imapd_untagged(d, "OK %sMoved UIDs.", vbuf_str(&b));
		if (mailbox_expunge(sel->mb, c.src, c.n, NULL, &err) < 0) {
			vbuf_release(&b);
			copy_free(&c);
			imapd_no_err(d, err);
			return 0;
		}
		d->expunged += (unsigned)c.n;
		vbuf_reset(&b);
	}
	copy_free(&c);
	imapd_ok(d, "%s%s completed.", vbuf_str(&b), move ? "Move" : "Copy");
	vbuf_release(&b);
	return 0;
}

int
imapd_cmd_copy(struct imapd *d, const struct imap_arg *args)
{
	return copy_or_move(d, args, 0);
}

int
imapd_cmd_move(struct imapd *d, const struct imap_arg *args)
{
	return copy_or_move(d, args, 1);
}
