/*
 * NAME
 *	imapd_fetch - FETCH and UID FETCH (RFC 9051 6.4.5, RFC 3501 6.4.5,
 *	RFC 3516 BINARY)
 *
 * DESCRIPTION
 *	The set is resolved against the view; the items parsed once
 *	(imap_fetch.h). Index data (UID, FLAGS, INTERNALDATE, RFC822.SIZE)
 *	needs no file; ENVELOPE, BODY and BODYSTRUCTURE are taken from the
 *	store's cache when they are there, else computed from the message
 *	and cached; a message is read only as far as the items need (its
 *	header, or all of it).
 *
 *	Fetching a body part without .PEEK sets \Seen (RFC 9051 6.4.5): the
 *	flag is stored for all those messages in one transaction before
 *	the responses go out, and their responses then carry FLAGS.
 *
 *	A message that another session expunged, and this one has not
 *	announced yet, is left out, and the command ends with
 *	"NO [EXPUNGEISSUED]" (RFC 9051 7.1).
 *
 * SECURITY
 *	Messages are the network's: lib/mime parses them, bounded; the
 *	sections and partials come from the client and are clamped to the
 *	data (imap_fetch_body.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "imap_fetch.h"
#include "imap_quote.h"
#include "imap_struct.h"
#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "mime.h"
#include "vbuf.h"
#include "xmalloc.h"

struct fetch {
	struct imapd		*d;
	struct imap_fetch_req	 req;
	struct vbuf		*line;
	struct vbuf		*tmp;
	struct arena		*arena;
	int			 missing;	/* some message was gone */
};

/* The space before an item: none right after "(", one after an item
 * (also after a literal already sent, which leaves the line empty). */
static void
sep(struct vbuf *b)
{
	if (vbuf_len(b) == 0 || b->data[vbuf_len(b) - 1] != '(')
		(void)vbuf_appendc(b, ' ');
}

/* RFC 9051 date-time: " 3-Jun-2008 11:05:30 +0200", in our zone. */
static void
put_date(struct vbuf *b, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%e-%b-%Y %H:%M:%S %z", &tm) == 0)
		strlcpy(buf, " 1-Jan-1970 00:00:00 +0000", sizeof(buf));
	(void)vbuf_appendf(b, "\"%s\"", buf);
}

/* A literal (literal8 when it holds a NUL and binary is allowed). */
static void
put_literal(struct vbuf *b, const struct vbuf *data, int binary)
{
	int nul = binary && memchr(vbuf_str(data), '\0', vbuf_len(data));

	(void)vbuf_appendf(b, "%s{%zu}\r\n", nul ? "~" : "", vbuf_len(data));
	(void)vbuf_append(b, vbuf_str(data), vbuf_len(data));
}

/* ENVELOPE, BODY, BODYSTRUCTURE from the cache: 1 when appended. */
static int
cached(struct fetch *f, uint32_t uid, unsigned field)
{
	char *err = NULL;
	int r;

	vbuf_reset(f->tmp);
	r = mailbox_cache_get(f->d->sel->mb, uid, field, f->tmp, &err);
	if (r < 0) {
		log_warn("%s: %s", f->d->sess.user, err);
		free(err);
		return 0;
	}
	if (r == 0 || vbuf_len(f->tmp) == 0)
		return 0;
	(void)vbuf_append(f->line, vbuf_str(f->tmp), vbuf_len(f->tmp));
	return 1;
}

static void
cache_put(struct fetch *f, uint32_t uid, unsigned field, const char *s,
    size_t len)
{
	char *err = NULL;

	if (len + 64 > MAILBOX_REC_MAX)
		return;
	if (mailbox_cache_put(f->d->sel->mb, uid, field, s, len, &err) < 0) {
		log_warn("%s: %s", f->d->sess.user, err);
		free(err);
	}
}

/* What a message's items need beyond the cache. */
static enum imap_fetch_need
need_for(struct fetch *f, const struct mailbox_msg *m, unsigned *compute_r)
{
	enum imap_fetch_need need = IMAP_NEED_NONE;
	struct vbuf probe;
	char *err = NULL;
	unsigned items = f->req.items, compute = 0;
	static const struct {
		unsigned item, field;
		enum imap_fetch_need need;
	} c[] = {
		{ IMAP_FETCH_ENVELOPE, MAILBOX_CACHE_ENVELOPE, IMAP_NEED_HEADER },
		{ IMAP_FETCH_BODY, MAILBOX_CACHE_BODY, IMAP_NEED_FULL },
		{ IMAP_FETCH_BODYSTRUCTURE, MAILBOX_CACHE_BODYSTRUCTURE,
		    IMAP_NEED_FULL },
	};
	size_t i;
	int r;

	vbuf_init(&probe, 64, VBUF_NOLIMIT);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (!(items & c[i].item))
			continue;
		vbuf_reset(&probe);
		r = mailbox_cache_get(f->d->sel->mb, m->uid, c[i].field,
		    &probe, &err);
		if (r < 0) {
			free(err);
			err = NULL;
		}
		if (r <= 0) {
			compute |= c[i].item;
			if (c[i].need > need)
				need = c[i].need;
		}
	}
	vbuf_release(&probe);
	if (f->req.bodies != NULL && f->req.need > need)
		need = f->req.need;
	if ((items & (IMAP_FETCH_RFC822 | IMAP_FETCH_RFC822_TEXT)) &&
	    need < IMAP_NEED_FULL)
		need = IMAP_NEED_FULL;
	if ((items & IMAP_FETCH_RFC822_HEADER) && need < IMAP_NEED_HEADER)
		need = IMAP_NEED_HEADER;
	if ((items & IMAP_FETCH_SIZE) && m->vsize == MAILBOX_VSIZE_UNKNOWN)
		need = IMAP_NEED_FULL;
	*compute_r = compute;
	return need;
}

#define STREAM_MIN	65536	/* larger sections go out as they are made */

/*
 * A large section as a literal, converted to CR LF a piece at a time
 * straight to the client: what is built of the line so far goes first.
 */
static void
stream_range(struct fetch *f, const struct mime_msg *m, size_t off,
    size_t len, size_t size)
{
	size_t done = 0, n;

	(void)vbuf_appendf(f->line, "{%zu}\r\n", size);
	imapd_write(f->d, vbuf_str(f->line), vbuf_len(f->line));
	vbuf_reset(f->line);
	while (done < len) {
		n = len - done < STREAM_MIN ? len - done : STREAM_MIN;
		vbuf_reset(f->tmp);
		(void)mime_crlf_copy(m->data + off + done, n, off + done > 0 ?
		    m->data[off + done - 1] : 0, f->tmp);
		imapd_write(f->d, vbuf_str(f->tmp), vbuf_len(f->tmp));
		done += n;
	}
}

/*
 * The range and CR LF size of a section that needs no building (the
 * whole message, a part, a header, a text), or 0.
 */
static int
plain_range(const struct imap_fetch_body *fb, const struct mime_msg *m,
    size_t *off_r, size_t *len_r, size_t *size_r)
{
	const struct mime_part *p, *msg;

	if (fb->kind != IMAP_ITEM_BODY || fb->partial ||
	    (p = mime_section(m, fb->nums, fb->nnums)) == NULL)
		return 0;
	msg = fb->nnums == 0 ? m->root : mime_part_message(p);
	switch (fb->text) {
	case IMAP_SECTION_ALL:
		if (fb->nnums == 0) {
			*off_r = 0;
			*len_r = m->len;
			*size_r = m->root->hdr_size + m->root->body_size;
			return 1;
		}
		msg = p;
		/* FALLTHROUGH */
	case IMAP_SECTION_TEXT:
		if (msg == NULL)
			return 0;
		*off_r = msg->body_off;
		*len_r = msg->body_len;
		*size_r = msg->body_size;
		return 1;
	case IMAP_SECTION_MIME:
		msg = p;
		/* FALLTHROUGH */
	case IMAP_SECTION_HEADER:
		if (msg == NULL)
			return 0;
		*off_r = msg->hdr_off;
		*len_r = msg->hdr_len;
		*size_r = msg->hdr_size;
		return 1;
	default:
		return 0;
	}
}

/* BODY[...] / BINARY[...] items. -1: an encoding we cannot undo. */
static int
put_bodies(struct fetch *f, struct imapd_msg *msg)
{
	const struct imap_fetch_body *fb;
	struct mime_msg *mm = imapd_msg_mime(msg);
	struct imapd *d = f->d;
	size_t off, len, size;
	int r;

	for (fb = f->req.bodies; fb != NULL; fb = fb->next) {
		if (plain_range(fb, mm, &off, &len, &size) && size >
		    STREAM_MIN) {
			sep(f->line);
			(void)vbuf_appendf(f->line, "%s ", fb->label);
			stream_range(f, mm, off, len, size);
			d->body_count++;
			d->body_bytes += size;
			continue;
		}
		vbuf_reset(f->tmp);
		if (fb->kind == IMAP_ITEM_BODY)
			r = imap_fetch_section(fb, mm, f->tmp);
		else
			r = imap_fetch_binary(fb, mm, f->tmp);
		if (r < 0)
			return -1;
		sep(f->line);
		(void)vbuf_appends(f->line, fb->label);
		if (fb->kind == IMAP_ITEM_BINARY_SIZE) {
			if (r == 0)
				(void)vbuf_appends(f->line, " NIL");
			else
				(void)vbuf_appendf(f->line, " %zu",
				    vbuf_len(f->tmp));
			continue;
		}
		if (fb->partial)
			(void)vbuf_appendf(f->line, "<%llu>",
			    (unsigned long long)fb->origin);
		(void)vbuf_appendc(f->line, ' ');
		if (r == 0) {
			(void)vbuf_appends(f->line, "NIL");
			continue;
		}
		put_literal(f->line, f->tmp, fb->kind == IMAP_ITEM_BINARY);
		if (fb->kind == IMAP_ITEM_BODY && fb->nnums == 0 &&
		    fb->text != IMAP_SECTION_ALL && fb->text !=
		    IMAP_SECTION_TEXT) {
			d->hdr_count++;
			d->hdr_bytes += vbuf_len(f->tmp);
		} else {
			d->body_count++;
			d->body_bytes += vbuf_len(f->tmp);
		}
	}
	return 0;
}

/* RFC822, RFC822.HEADER, RFC822.TEXT (IMAP4rev1). */
static void
put_rfc822(struct fetch *f, struct imapd_msg *msg)
{
	static const struct {
		unsigned item;
		const char *name;
		enum imap_section_text text;
	} r[] = {
		{ IMAP_FETCH_RFC822_HEADER, "RFC822.HEADER", IMAP_SECTION_HEADER },
		{ IMAP_FETCH_RFC822_TEXT, "RFC822.TEXT", IMAP_SECTION_TEXT },
		{ IMAP_FETCH_RFC822, "RFC822", IMAP_SECTION_ALL },
	};
	struct imap_fetch_body fb;
	size_t i, off, len, size;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (!(f->req.items & r[i].item))
			continue;
		memset(&fb, 0, sizeof(fb));
		fb.text = r[i].text;
		if (plain_range(&fb, imapd_msg_mime(msg), &off, &len, &size) &&
		    size > STREAM_MIN) {
			sep(f->line);
			(void)vbuf_appendf(f->line, "%s ", r[i].name);
			stream_range(f, imapd_msg_mime(msg), off, len, size);
			f->d->body_count++;
			f->d->body_bytes += size;
			continue;
		}
		vbuf_reset(f->tmp);
		(void)imap_fetch_section(&fb, imapd_msg_mime(msg), f->tmp);
		sep(f->line);
		(void)vbuf_appendf(f->line, "%s ", r[i].name);
		put_literal(f->line, f->tmp, 0);
		f->d->body_count++;
		f->d->body_bytes += vbuf_len(f->tmp);
	}
}

/* ENVELOPE / BODY / BODYSTRUCTURE computed from the message. */
static void
put_structure(struct fetch *f, struct imapd_msg *msg, uint32_t uid,
    unsigned item, unsigned compute)
{
	struct imapd *d = f->d;
	unsigned field;
	size_t start;
	const char *name;

	if (item == IMAP_FETCH_ENVELOPE) {
		name = "ENVELOPE ";
		field = MAILBOX_CACHE_ENVELOPE;
	} else if (item == IMAP_FETCH_BODY) {
		name = "BODY ";
		field = MAILBOX_CACHE_BODY;
	} else {
		name = "BODYSTRUCTURE ";
		field = MAILBOX_CACHE_BODYSTRUCTURE;
	}
	sep(f->line);
	(void)vbuf_appends(f->line, name);
	if (!(compute & item) && cached(f, uid, field))
		return;
	start = vbuf_len(f->line);
	if (item == IMAP_FETCH_ENVELOPE)
		(void)imap_envelope_put(f->line, f->arena, msg->data, msg->len);
	else
		(void)imap_bodystructure_put(f->line, f->arena,
		    imapd_msg_mime(msg), imapd_msg_mime(msg)->root,
		    item == IMAP_FETCH_BODYSTRUCTURE, imapd_rev2(d));
	cache_put(f, uid, field, vbuf_str(f->line) + start,
	    vbuf_len(f->line) - start);
}

/* One message's FETCH response. */
static void
fetch_one(struct fetch *f, uint32_t i, int flags_changed)
{
	struct imapd *d = f->d;
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m = mailbox_msg(sel->mb, i);
	unsigned items = f->req.items, compute = 0;
	enum imap_fetch_need need;
	struct imapd_msg msg;
	uint64_t vsize;
	int r;

	if (m->state & MAILBOX_MSG_EXPUNGED) {
		f->missing = 1;
		return;
	}
	memset(&msg, 0, sizeof(msg));
	need = need_for(f, m, &compute);
	if (need != IMAP_NEED_NONE &&
	    (r = imapd_msg_load(d, m->uid, need == IMAP_NEED_FULL,
	    &msg)) <= 0) {
		f->missing = 1;
		return;
	}
	vbuf_reset(f->line);
	(void)vbuf_appendf(f->line, "* %u FETCH (", i + 1);
	if (items & IMAP_FETCH_UID)
		(void)vbuf_appendf(f->line, "UID %u", m->uid);
	if ((items & IMAP_FETCH_FLAGS) || flags_changed) {
		sep(f->line);
		(void)vbuf_appends(f->line, "FLAGS ");
		imapd_put_flags(d, f->line, m->flags, m->keywords,
		    imapd_is_recent(sel, m->uid));
		imapd_told(sel, i, m->flags, m->keywords);
	}
	if (items & IMAP_FETCH_INTERNALDATE) {
		sep(f->line);
		(void)vbuf_appends(f->line, "INTERNALDATE ");
		put_date(f->line, m->idate);
	}
	if (items & IMAP_FETCH_SIZE) {
		vsize = m->vsize;
		if (vsize == MAILBOX_VSIZE_UNKNOWN)
			vsize = imapd_msg_mime(&msg)->root->hdr_size +
			    imapd_msg_mime(&msg)->root->body_size;
		sep(f->line);
		(void)vbuf_appendf(f->line, "RFC822.SIZE %llu",
		    (unsigned long long)vsize);
	}
	if (items & IMAP_FETCH_ENVELOPE)
		put_structure(f, &msg, m->uid, IMAP_FETCH_ENVELOPE, compute);
	if (items & IMAP_FETCH_BODY)
		put_structure(f, &msg, m->uid, IMAP_FETCH_BODY, compute);
	if (items & IMAP_FETCH_BODYSTRUCTURE)
		put_structure(f, &msg, m->uid, IMAP_FETCH_BODYSTRUCTURE,
		    compute);
	put_rfc822(f, &msg);
	if (f->req.bodies != NULL && put_bodies(f, &msg) < 0) {
		imapd_msg_free(&msg);
		imapd_tagged(d, "NO [UNKNOWN-CTE] Unknown Content-Transfer-"
		    "Encoding in message %u.", i + 1);
		f->missing = -1;
		return;
	}
	(void)vbuf_append(f->line, ")\r\n", 3);
	imapd_write(d, vbuf_str(f->line), vbuf_len(f->line));
	imapd_msg_free(&msg);
}

/* Set \Seen on the unseen messages of the ranges, in one store. */
static void
mark_seen(struct imapd *d, const struct imap_range *r, unsigned n,
    unsigned char *changed)
{
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m;
	uint32_t *uids, seq, k = 0;
	unsigned i;
	char *err = NULL;

	uids = xreallocarray(NULL, imap_ranges_count(r, n) + 1,
	    sizeof(*uids));
	for (i = 0; i < n; i++)
		for (seq = r[i].lo; seq <= r[i].hi; seq++) {
			m = mailbox_msg(sel->mb, seq - 1);
			if (!(m->flags & MAILBOX_F_SEEN) &&
			    !(m->state & MAILBOX_MSG_EXPUNGED)) {
				uids[k++] = m->uid;
				changed[seq - 1] = 1;
			}
		}
	if (k > 0 && mailbox_store(sel->mb, uids, k, MAILBOX_STORE_ADD,
	    MAILBOX_F_SEEN, 0, 0, NULL, NULL, &err) < 0) {
		log_warn("%s: %s", d->sess.user, err);
		free(err);
	}
	free(uids);
}

int
imapd_cmd_fetch(struct imapd *d, const struct imap_arg *args)
{
	struct fetch f;
	struct imap_range *r;
	unsigned n, i;
	unsigned char *changed = NULL;
	const char *err;
	uint32_t seq;

	if (imapd_seqset(d, args, d->uid, &r, &n) < 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.d = d;
	f.arena = imap_parser_arena(d->parser);
	if (args->next == NULL || imap_fetch_parse(f.arena, args->next,
	    &f.req, &err) < 0) {
		imapd_bad(d, args->next == NULL ? "Missing fetch items" : err);
		return 0;
	}
	if (args->next->next != NULL) {
		imapd_bad(d, "Unsupported FETCH modifiers");
		return 0;
	}
	if (d->uid)
		f.req.items |= IMAP_FETCH_UID;
	if (f.req.set_seen && !d->sel->readonly && n > 0) {
		changed = xcalloc(d->sel->view.count, 1);
		mark_seen(d, r, n, changed);
	}
	f.line = vbuf_new(1024, VBUF_NOLIMIT);
	f.tmp = vbuf_new(1024, VBUF_NOLIMIT);
	for (i = 0; i < n && f.missing >= 0; i++)
		for (seq = r[i].lo; seq <= r[i].hi && f.missing >= 0; seq++)
			fetch_one(&f, seq - 1, changed != NULL &&
			    changed[seq - 1]);
	vbuf_free(&f.line);
	vbuf_free(&f.tmp);
	free(changed);
	if (f.missing < 0)
		return 0;
	if (f.missing) {
		(void)imapd_sync(d, !d->noexpunge);
		imapd_tagged(d, "NO [EXPUNGEISSUED] Some of the requested "
		    "messages no longer exist.");
		return 0;
	}
	imapd_ok(d, "Fetch completed.");
	return 0;
}
