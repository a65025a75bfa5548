/*
 * NAME
 *	imapd_select - the selected mailbox: SELECT, EXAMINE, CLOSE,
 *	UNSELECT, and the untagged updates of every command
 *
 * DESCRIPTION
 *	The session's view (struct imap_view) is what the client was
 *	told: message i has sequence number i + 1. It follows the store's
 *	view (lib/mailbox) index for index: new messages are appended to
 *	both; an expunge found by mailbox_sync is only marked in the store's
 *	view until the client may be told (RFC 9051 7.5.1: not while
 *	answering FETCH, STORE or SEARCH by sequence number, nor when no
 *	command is in progress), then both drop it at once and EXPUNGE
 *	goes out. So a sequence number means the same to both sides at
 *	every moment, whatever other sessions and deliveries do.
 *
 *	Flag changes made elsewhere are found by comparing the store's
 *	flags with those the client was last told (told_flags, told_kw)
 *	and sent as FETCH (UID FLAGS); a keyword the client has not seen
 *	yet brings a new FLAGS and PERMANENTFLAGS first.
 *
 *	\Recent (IMAP4rev1 only; RFC 9051 drops it): a read-write SELECT
 *	claims the messages still in new/ (mailbox_claim_new) for this
 *	session, as every later sync does with new mail.
 *
 * SECURITY
 *	Sequence numbers and UIDs come from the client and are resolved
 *	against the view only (imap_seqset.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "maildir.h"
#include "params.h"
#include "vbuf.h"
#include "xmalloc.h"

void
imapd_ok(struct imapd *d, const char *fmt, ...)
{
	struct vbuf b;
	va_list ap;

	(void)imapd_sync(d, !d->noexpunge);
	vbuf_init(&b, 64, VBUF_NOLIMIT);
	va_start(ap, fmt);
	(void)vbuf_vappendf(&b, fmt, ap);
	va_end(ap);
	imapd_tagged(d, "OK %s", vbuf_str(&b));
	vbuf_release(&b);
}

int
imapd_is_recent(const struct imapd_sel *sel, uint32_t uid)
{
	uint32_t i = imap_uids_ge(sel->recent, (uint32_t)sel->nrecent, uid);

	return i < sel->nrecent && sel->recent[i] == uid;
}

/* Claim what is in new/ as \Recent for this session (read-write only). */
static void
claim_recent(struct imapd *d)
{
	struct imapd_sel *sel = d->sel;
	uint32_t *uids;
	size_t n, i;
	char *err = NULL;

	if (sel->readonly)
		return;
	if (mailbox_claim_new(sel->mb, &uids, &n, &err) < 0) {
		log_warn("%s: %s", d->sess.user, err);
		free(err);
		return;
	}
	/* claimed UIDs are new to this session: all above the known ones */
	for (i = 0; i < n; i++) {
		if (sel->nrecent > 0 && uids[i] <= sel->recent[sel->nrecent - 1])
			continue;
		if (sel->nrecent == sel->caprecent) {
			sel->caprecent = sel->caprecent ? sel->caprecent * 2 : 64;
			sel->recent = xreallocarray(sel->recent,
			    sel->caprecent, sizeof(*sel->recent));
		}
		sel->recent[sel->nrecent++] = uids[i];
	}
	free(uids);
}

static size_t
count_recent(const struct imapd_sel *sel)
{
	size_t n = 0;
	uint32_t i;

	/* recent UIDs still in the view */
	for (i = 0; i < sel->nrecent; i++)
		if (imap_view_seq(&sel->view, sel->recent[i]) != 0)
			n++;
	return n;
}

/* Room for count messages in the told arrays. */
static void
told_grow(struct imapd_sel *sel, uint32_t count)
{
	if (count <= sel->told_cap)
		return;
	sel->told_cap = sel->view.cap > count ? sel->view.cap : count;
	sel->told_flags = xreallocarray(sel->told_flags, sel->told_cap,
	    sizeof(*sel->told_flags));
	sel->told_kw = xreallocarray(sel->told_kw, sel->told_cap,
	    sizeof(*sel->told_kw));
}

void
imapd_told(struct imapd_sel *sel, uint32_t i, uint32_t flags, uint64_t kw)
{
	sel->told_flags[i] = flags;
	sel->told_kw[i] = kw;
}

/* Append message i of the store's view to ours. */
static void
view_append(struct imapd_sel *sel, uint32_t i)
{
	const struct mailbox_msg *m = mailbox_msg(sel->mb, i);

	if (imap_view_append(&sel->view, m->uid) < 0)
		log_panic("imapd: UID %u out of order", m->uid);
	told_grow(sel, sel->view.count);
	imapd_told(sel, sel->view.count - 1, m->flags, m->keywords);
}

/* * FLAGS and * OK [PERMANENTFLAGS] with the folder's keywords. */
static void
send_flags(struct imapd *d)
{
	struct imapd_sel *sel = d->sel;
	struct vbuf b;
	unsigned i, n = mailbox_keyword_count(sel->mb);

	vbuf_init(&b, 128, VBUF_NOLIMIT);
	(void)vbuf_appends(&b, "FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
	    "\\Draft");
	for (i = 0; i < n; i++)
		(void)vbuf_appendf(&b, " %s", mailbox_keyword_name(sel->mb, i));
	(void)vbuf_appendc(&b, ')');
	imapd_untagged(d, "%s", vbuf_str(&b));
	vbuf_reset(&b);
	if (sel->readonly)
		(void)vbuf_appends(&b, "OK [PERMANENTFLAGS ()] Read-only "
		    "mailbox.");
	else {
		(void)vbuf_appends(&b, "OK [PERMANENTFLAGS (\\Answered "
		    "\\Flagged \\Deleted \\Seen \\Draft");
		for (i = 0; i < n; i++)
			(void)vbuf_appendf(&b, " %s",
			    mailbox_keyword_name(sel->mb, i));
		(void)vbuf_appends(&b, n < MAILBOX_KEYWORDS_MAX ? " \\*)] "
		    "Flags permitted." : ")] Flags permitted.");
	}
	imapd_untagged(d, "%s", vbuf_str(&b));
	vbuf_release(&b);
	sel->told_nkw = n;
}

void
imapd_flags_update(struct imapd *d)
{
	if (d->sel != NULL &&
	    mailbox_keyword_count(d->sel->mb) != d->sel->told_nkw)
		send_flags(d);
}

static void
send_expunge(void *arg, uint32_t seq)
{
	imapd_untagged(arg, "%u EXPUNGE", seq);
}

void
imapd_announce_expunges(struct imapd *d)
{
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m;
	uint32_t *gone, i, n = 0, out = 0;
	size_t r, s;

	for (i = 0; i < sel->view.count; i++)
		if (mailbox_msg(sel->mb, i)->state & MAILBOX_MSG_EXPUNGED)
			n++;
	if (n == 0)
		return;
	gone = xreallocarray(NULL, n, sizeof(*gone));
	for (i = 0, n = 0; i < sel->view.count; i++) {
		m = mailbox_msg(sel->mb, i);
		if (m->state & MAILBOX_MSG_EXPUNGED) {
			gone[n++] = m->uid;
			continue;
		}
		sel->told_flags[out] = sel->told_flags[i];
		sel->told_kw[out] = sel->told_kw[i];
		out++;
	}
	(void)imap_view_expunge(&sel->view, gone, n, send_expunge, d);
	mailbox_purge(sel->mb);
	/* RFC 5182: expunged messages leave the saved result */
	for (r = s = 0; r < sel->nsaved; r++)
		if (imap_view_seq(&sel->view, sel->saved[r]) != 0)
			sel->saved[s++] = sel->saved[r];
	sel->nsaved = s;
	free(gone);
}

int
imapd_sync(struct imapd *d, int allow_expunge)
{
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m;
	struct vbuf b;
	uint32_t i, n, old;
	char *err = NULL;
	int r = 0;

	if (sel == NULL)
		return 0;
	if (mailbox_sync(sel->mb, 0, &err) < 0) {
		log_warn("%s: %s", d->sess.user, err);
		free(err);
		r = -1;
	}
	claim_recent(d);
	if (allow_expunge)
		imapd_announce_expunges(d);
	imapd_flags_update(d);
	vbuf_init(&b, 128, VBUF_NOLIMIT);
	for (i = 0; i < sel->view.count; i++) {
		m = mailbox_msg(sel->mb, i);
		if ((m->state & MAILBOX_MSG_EXPUNGED) ||
		    (m->flags == sel->told_flags[i] &&
		    m->keywords == sel->told_kw[i]))
			continue;
		vbuf_reset(&b);
		(void)vbuf_appendf(&b, "%u FETCH (UID %u FLAGS ", i + 1, m->uid);
		imapd_put_flags(d, &b, m->flags, m->keywords,
		    imapd_is_recent(sel, m->uid));
		(void)vbuf_appendc(&b, ')');
		imapd_untagged(d, "%s", vbuf_str(&b));
		imapd_told(sel, i, m->flags, m->keywords);
	}
	vbuf_release(&b);
	old = sel->view.count;
	n = mailbox_count(sel->mb);
	for (i = old; i < n; i++)
		view_append(sel, i);
	if (n > old) {
		imapd_untagged(d, "%u EXISTS", sel->view.count);
		if (!imapd_rev2(d))
			imapd_untagged(d, "%zu RECENT", count_recent(sel));
	}
	return r;
}

void
imapd_unselect(struct imapd *d)
{
	struct imapd_sel *sel = d->sel;

	if (sel == NULL)
		return;
	mailbox_close(&sel->mb);
	maildir_close(&sel->md);
	imap_view_release(&sel->view);
	free(sel->told_flags);
	free(sel->told_kw);
	free(sel->recent);
	free(sel->saved);
	imapd_memo_free(sel);
	free(sel->name);
	if (sel->ifd >= 0)
		close(sel->ifd);
	free(sel);
	d->sel = NULL;
}

/* The first message without \Seen, or 0. */
static uint32_t
first_unseen(const struct imapd_sel *sel)
{
	uint32_t i;

	for (i = 0; i < sel->view.count; i++)
		if (!(sel->told_flags[i] & MAILBOX_F_SEEN))
			return i + 1;
	return 0;
}

int
imapd_cmd_select(struct imapd *d, const struct imap_arg *args)
{
	int readonly = strcmp(d->cmd, "EXAMINE") == 0;
	struct imapd_sel *sel;
	struct maildir *md = NULL;
	const char *name;
	char *err = NULL;
	struct vbuf b;
	uint32_t i, n, unseen;
	int r;

	if (imapd_mailbox_arg(d, args, &name) < 0)
		return 0;
	if (args->next != NULL) {
		imapd_bad(d, "Unsupported SELECT parameters.");
		return 0;
	}
	if (d->sel != NULL) {
		imapd_unselect(d);
		if (imapd_rev2(d))
			imapd_untagged(d, "OK [CLOSED] Previous mailbox closed.");
	}
	if ((r = imapd_folder_open(d, name, &md, &err)) <= 0) {
		imapd_no_mailbox(d, err, "NONEXISTENT", name);
		return 0;
	}
	sel = xcalloc(1, sizeof(*sel));
	sel->md = md;
	sel->ifd = -1;
	sel->readonly = readonly;
	sel->name = xstrdup(name);
	if (mailbox_open(md != NULL ? md : d->sess.md, d->sess.md, 0,
	    &sel->mb, &err) < 0) {
		maildir_close(&sel->md);
		free(sel->name);
		free(sel);
		imapd_no_err(d, err);
		return 0;
	}
	d->sel = sel;
	mailbox_purge(sel->mb);
	claim_recent(d);
	imap_view_init(&sel->view);
	n = mailbox_count(sel->mb);
	for (i = 0; i < n; i++)
		view_append(sel, i);
	send_flags(d);
	imapd_untagged(d, "%u EXISTS", sel->view.count);
	if (!imapd_rev2(d)) {
		imapd_untagged(d, "%zu RECENT", count_recent(sel));
		if ((unseen = first_unseen(sel)) != 0)
			imapd_untagged(d, "OK [UNSEEN %u] First unseen.",
			    unseen);
	}
	imapd_untagged(d, "OK [UIDVALIDITY %u] UIDs valid",
	    mailbox_uidvalidity(sel->mb));
	imapd_untagged(d, "OK [UIDNEXT %u] Predicted next UID",
	    mailbox_uidnext(sel->mb));
	if (imapd_rev2(d)) {
		vbuf_init(&b, 64, VBUF_NOLIMIT);
		(void)vbuf_appends(&b, "LIST () \".\" ");
		imapd_put_mailbox(d, &b, name);
		imapd_untagged(d, "%s", vbuf_str(&b));
		vbuf_release(&b);
	}
	imapd_tagged(d, "OK [%s] %s completed.", readonly ? "READ-ONLY" :
	    "READ-WRITE", readonly ? "Examine" : "Select");
	return 0;
}

int
imapd_cmd_close(struct imapd *d, const struct imap_arg *args)
{
	if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	/* RFC 9051 6.4.1: remove \Deleted messages, without EXPUNGE */
	if (!d->sel->readonly)
		(void)imapd_expunge_deleted(d, NULL, 0, 1);
	imapd_unselect(d);
	imapd_tagged(d, "OK Close completed.");
	return 0;
}

int
imapd_cmd_unselect(struct imapd *d, const struct imap_arg *args)
{
	if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	imapd_unselect(d);
	imapd_tagged(d, "OK Unselect completed.");
	return 0;
}

/* The saved result ("$") as ranges of sequence numbers. */
static void
saved_ranges(struct imapd *d, struct imap_range **ranges_r, unsigned *n_r)
{
	struct imapd_sel *sel = d->sel;
	struct imap_range *r;
	uint32_t seq;
	size_t i;
	unsigned n = 0;

	r = arena_calloc(imap_parser_arena(d->parser),
	    sel->nsaved ? sel->nsaved : 1, sizeof(*r));
	for (i = 0; i < sel->nsaved; i++)
		if ((seq = imap_view_seq(&sel->view, sel->saved[i])) != 0) {
			r[n].lo = r[n].hi = seq;
			n++;
		}
	*n_r = imap_ranges_normalise(r, n);
	*ranges_r = r;
}

int
imapd_seqset(struct imapd *d, const struct imap_arg *arg, int uid,
    struct imap_range **ranges_r, unsigned *n_r)
{
	struct arena *a = imap_parser_arena(d->parser);
	struct imap_seqset set;
	const char *s;

	if (!imap_arg_atom(arg, &s) ||
	    imap_seqset_parse(a, s, strlen(s), &set) < 0) {
		imapd_bad(d, "Invalid messageset");
		return -1;
	}
	if (set.dollar) {
		saved_ranges(d, ranges_r, n_r);
		return 0;
	}
	if (imap_view_resolve(&d->sel->view, &set, uid, a, ranges_r,
	    n_r) < 0) {
		imapd_bad(d, "Invalid messageset");
		return -1;
	}
	return 0;
}
