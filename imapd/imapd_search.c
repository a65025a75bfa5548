/*
 * NAME
 *	imapd_search - SEARCH and UID SEARCH (RFC 9051 6.4.4), ESEARCH
 *	results (RFC 4731), the saved result "$" (RFC 5182)
 *
 * DESCRIPTION
 *	The program is parsed and ordered by imap_search_parse; each
 *	message is matched with its index data first, and its file is
 *	read (the header, or all of it) only when a key needs it.
 *	IMAP4rev1 clients get "* SEARCH n...", unless they asked for
 *	RETURN options; IMAP4rev2 clients always get ESEARCH (RFC 9051
 *	7.3.4). RETURN (SAVE) keeps the result (only MIN and/or MAX when
 *	given with them) for "$".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "imap_search.h"
#include "imapd.h"
#include "imf.h"
#include "mailbox.h"
#include "vbuf.h"
#include "xmalloc.h"

struct content {
	struct imapd	*d;
	struct imapd_msg msg;
	int		 loaded;	/* 0 none, 1 header, 2 full */
};

/*
 * What a header key matched against, kept for the session: a message's
 * header never changes (Maildir files are written once), so a search
 * on the same field again needs no file. By UID, ascending; values
 * NUL-terminated in text, NO_VALUE when the field is absent.
 */
#define MEMO_FIELDS	2
#define MEMO_TEXT_MAX	(32 * 1024 * 1024)
#define NO_VALUE	UINT32_MAX

struct imapd_memo {
	char		 name[64];
	uint32_t	*uids, *offs;
	uint32_t	 n, cap;
	struct vbuf	*text;
	unsigned long	 used;		/* for replacing the older field */
};

static unsigned long memo_clock;

void
imapd_memo_free(struct imapd_sel *sel)
{
	size_t i;

	for (i = 0; sel->memo != NULL && i < MEMO_FIELDS; i++) {
		free(sel->memo[i].uids);
		free(sel->memo[i].offs);
		vbuf_free(&sel->memo[i].text);
	}
	free(sel->memo);
	sel->memo = NULL;
}

/* The memo of field name, made (replacing the oldest) when missing. */
static struct imapd_memo *
memo_of(struct imapd_sel *sel, const char *name)
{
	struct imapd_memo *m, *old;
	size_t i;

	if (strlen(name) >= sizeof(sel->memo[0].name))
		return NULL;
	if (sel->memo == NULL)
		sel->memo = xcalloc(MEMO_FIELDS, sizeof(*sel->memo));
	for (i = 0, old = &sel->memo[0]; i < MEMO_FIELDS; i++) {
		m = &sel->memo[i];
		if (m->text != NULL && strcasecmp(m->name, name) == 0) {
			m->used = ++memo_clock;
			return m;
		}
		if (m->used < old->used)
			old = m;
	}
	free(old->uids);
	free(old->offs);
	vbuf_free(&old->text);
	memset(old, 0, sizeof(*old));
	strlcpy(old->name, name, sizeof(old->name));
	old->text = vbuf_new(4096, MEMO_TEXT_MAX);
	old->used = ++memo_clock;
	return old;
}

static void
memo_put(struct imapd_memo *m, uint32_t uid, int found, const struct vbuf *v)
{
	uint32_t off = NO_VALUE;

	/* new UIDs only grow; anything else is not kept */
	if (m->n > 0 && uid <= m->uids[m->n - 1])
		return;
	if (found) {
		off = (uint32_t)vbuf_len(m->text);
		if (vbuf_append(m->text, vbuf_str(v), vbuf_len(v) + 1) < 0)
			return;		/* full: no more memos for this field */
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->uids = xreallocarray(m->uids, m->cap, sizeof(*m->uids));
		m->offs = xreallocarray(m->offs, m->cap, sizeof(*m->offs));
	}
	m->uids[m->n] = uid;
	m->offs[m->n++] = off;
}

static const char *content_get(void *, int, size_t *);

/* The search's header callback: from the memo, or read and memoised. */
static int
header_get(void *ctx, const char *name, struct vbuf *out)
{
	struct content *c = ctx;
	struct imapd_memo *m = memo_of(c->d->sel, name);
	const char *data;
	size_t len;
	uint32_t i;
	int found;

	if (m != NULL) {
		i = imap_uids_ge(m->uids, m->n, c->msg.uid);
		if (i < m->n && m->uids[i] == c->msg.uid) {
			if (m->offs[i] == NO_VALUE)
				return 0;
			(void)vbuf_appends(out, vbuf_str(m->text) + m->offs[i]);
			return 1;
		}
	}
	if ((data = content_get(c, 0, &len)) == NULL)
		return -1;
	found = imap_search_field(data, len, name, out);
	if (m != NULL)
		memo_put(m, c->msg.uid, found, out);
	return found;
}

static const char *
content_get(void *ctx, int full, size_t *len_r)
{
	struct content *c = ctx;

	if (c->loaded == 0 || (full && c->loaded == 1 && !c->msg.full)) {
		uint32_t uid = c->msg.uid;

		imapd_msg_free(&c->msg);
		c->msg.uid = uid;
		if (imapd_msg_load(c->d, uid, full, &c->msg) <= 0) {
			c->loaded = 0;
			return NULL;
		}
		c->loaded = full ? 2 : 1;
	}
	*len_r = c->msg.len;
	return c->msg.data;
}

static unsigned
imap_flags(uint32_t f, int recent)
{
	unsigned r = 0;

	if (f & MAILBOX_F_SEEN)
		r |= IMAP_FLAG_SEEN;
	if (f & MAILBOX_F_ANSWERED)
		r |= IMAP_FLAG_ANSWERED;
	if (f & MAILBOX_F_FLAGGED)
		r |= IMAP_FLAG_FLAGGED;
	if (f & MAILBOX_F_DELETED)
		r |= IMAP_FLAG_DELETED;
	if (f & MAILBOX_F_DRAFT)
		r |= IMAP_FLAG_DRAFT;
	if (recent)
		r |= IMAP_FLAG_RECENT;
	return r;
}

static long
local_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return (long)(t / 86400);
	return imf_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static void
save_result(struct imapd_sel *sel, const uint32_t *uids, size_t n,
    unsigned ret)
{
	free(sel->saved);
	sel->saved = NULL;
	sel->nsaved = 0;
	if (n == 0)
		return;
	sel->saved = xreallocarray(NULL, n, sizeof(*sel->saved));
	if ((ret & (IMAP_RETURN_MIN | IMAP_RETURN_MAX)) &&
	    !(ret & (IMAP_RETURN_ALL | IMAP_RETURN_COUNT))) {
		/* RFC 5182 2.4: with MIN and/or MAX, only those */
		if (ret & IMAP_RETURN_MIN)
			sel->saved[sel->nsaved++] = uids[0];
		if ((ret & IMAP_RETURN_MAX) && (sel->nsaved == 0 || n > 1))
			sel->saved[sel->nsaved++] = uids[n - 1];
		return;
	}
	memcpy(sel->saved, uids, n * sizeof(*uids));
	sel->nsaved = n;
}

static void
respond(struct imapd *d, const struct imap_search_opts *o,
    const uint32_t *hits, size_t n)
{
	unsigned ret = o->ret;
	struct vbuf b;

	if (!o->esearch && !imapd_rev2(d)) {
		vbuf_init(&b, 64, VBUF_NOLIMIT);
		(void)vbuf_appends(&b, "SEARCH");
		for (size_t i = 0; i < n; i++)
			(void)vbuf_appendf(&b, " %u", hits[i]);
		imapd_untagged(d, "%s", vbuf_str(&b));
		vbuf_release(&b);
		return;
	}
	if (!o->esearch)
		ret = IMAP_RETURN_ALL;
	if (ret == IMAP_RETURN_SAVE)
		return;		/* RFC 5182: SAVE alone answers nothing */
	vbuf_init(&b, 64, VBUF_NOLIMIT);
	(void)vbuf_appendf(&b, "ESEARCH (TAG \"%s\")%s", d->tag,
	    d->uid ? " UID" : "");
	if ((ret & IMAP_RETURN_MIN) && n > 0)
		(void)vbuf_appendf(&b, " MIN %u", hits[0]);
	if ((ret & IMAP_RETURN_MAX) && n > 0)
		(void)vbuf_appendf(&b, " MAX %u", hits[n - 1]);
	if (ret & IMAP_RETURN_COUNT)
		(void)vbuf_appendf(&b, " COUNT %zu", n);
	if ((ret & IMAP_RETURN_ALL) && n > 0) {
		(void)vbuf_appends(&b, " ALL ");
		imap_put_set(&b, hits, n);
	}
	imapd_untagged(d, "%s", vbuf_str(&b));
	vbuf_release(&b);
}

#define PREFETCH	64	/* messages read ahead of the matcher */

/* Do all header keys of the program have a memo already? */
static int
memoised(const struct imapd_sel *sel, const struct imap_search_key *k)
{
	const struct imap_search_key *c;
	size_t i;

	if (k->type == ISK_HEADER) {
		for (i = 0; sel->memo != NULL && i < MEMO_FIELDS; i++)
			if (sel->memo[i].text != NULL &&
			    strcasecmp(sel->memo[i].name, k->hdr) == 0)
				return 1;
		return 0;
	}
	for (c = k->children; c != NULL; c = c->next)
		if (!memoised(sel, c))
			return 0;
	return k->type != ISK_SENTBEFORE && k->type != ISK_SENTON &&
	    k->type != ISK_SENTSINCE;
}

int
imapd_cmd_search(struct imapd *d, const struct imap_arg *args)
{
	struct imapd_sel *sel = d->sel;
	struct arena *a = imap_parser_arena(d->parser);
	struct imap_search_opts opts;
	struct imap_search_key *key;
	struct imap_search_msg sm;
	struct imap_range *saved = NULL;
	const struct mailbox_msg *m;
	const char *err, *kws[MAILBOX_KEYWORDS_MAX];
	struct content c;
	uint32_t *hits, *uids, i, nh = 0;
	unsigned nsaved = 0, k, nk;
	enum imap_search_cost cost;
	uint32_t ahead;
	time_t now = time(NULL);

	switch (imap_search_parse(a, args, (unsigned)d->parser->max_depth,
	    &opts, &key, &err)) {
	case IMAP_SEARCH_OK:
		break;
	case IMAP_SEARCH_BADCHARSET:
		imapd_tagged(d, "NO %s", err);
		return 0;
	default:
		imapd_bad(d, err);
		return 0;
	}
	if (opts.uses_saved) {
		saved = arena_calloc(a, sel->nsaved ? sel->nsaved : 1,
		    sizeof(*saved));
		for (k = 0; k < sel->nsaved; k++)
			if ((i = imap_view_seq(&sel->view, sel->saved[k])) != 0) {
				saved[nsaved].lo = saved[nsaved].hi = i;
				nsaved++;
			}
		nsaved = imap_ranges_normalise(saved, nsaved);
	}
	if (imap_search_prepare(key, &sel->view, saved, nsaved, a) < 0) {
		imapd_bad(d, "Invalid messageset");
		return 0;
	}
	/* files will be read: overlap their reads (a cold disk seeks) */
	cost = imap_search_cost(key);
	ahead = cost == IMAP_COST_BODY || (cost == IMAP_COST_HEADER &&
	    !memoised(sel, key)) ? 0 : UINT32_MAX;
	hits = xreallocarray(NULL, sel->view.count + 1, sizeof(*hits));
	uids = xreallocarray(NULL, sel->view.count + 1, sizeof(*uids));
	for (i = 0; i < sel->view.count; i++) {
		for (; ahead != UINT32_MAX && ahead < sel->view.count &&
		    ahead < i + PREFETCH; ahead++)
			imapd_msg_prefetch(d, mailbox_msg(sel->mb, ahead)->uid,
			    cost == IMAP_COST_BODY ? 65536 : 8192);
		m = mailbox_msg(sel->mb, i);
		if (m->state & MAILBOX_MSG_EXPUNGED)
			continue;
		memset(&sm, 0, sizeof(sm));
		memset(&c, 0, sizeof(c));
		c.d = d;
		c.msg.uid = m->uid;
		sm.seq = i + 1;
		sm.uid = m->uid;
		sm.flags = imap_flags(m->flags, imapd_is_recent(sel, m->uid));
		for (k = 0, nk = 0; k < MAILBOX_KEYWORDS_MAX; k++)
			if ((m->keywords & ((uint64_t)1 << k)) &&
			    mailbox_keyword_name(sel->mb, k) != NULL)
				kws[nk++] = mailbox_keyword_name(sel->mb, k);
		sm.keywords = kws;
		sm.nkeywords = nk;
		sm.internal_date = (time_t)m->idate;
		sm.internal_day = local_day(m->idate);
		sm.size = m->vsize != MAILBOX_VSIZE_UNKNOWN ? m->vsize : m->size;
		sm.now = now;
		sm.content = content_get;
		sm.header = header_get;
		sm.ctx = &c;
		if (imap_search_match(key, &sm)) {
			hits[nh] = d->uid ? m->uid : i + 1;
			uids[nh++] = m->uid;
		}
		imap_search_msg_done(&sm);
		imapd_msg_free(&c.msg);
	}
	respond(d, &opts, hits, nh);
	if (opts.ret & IMAP_RETURN_SAVE)
		save_result(sel, uids, nh, opts.ret);
	free(hits);
	free(uids);
	imapd_ok(d, "Search completed.");
	return 0;
}
