/*
 * imap_search - matching a prepared SEARCH program against one message;
 * see imap_search.h.
 *
 * What the content yields is computed once per message and kept in its
 * cache: the parsed MIME tree, the Date: day, and the folded text of
 * the header fields and of the body that TEXT and BODY look through.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_search.h"
#include "imf.h"
#include "mime.h"
#include "vbuf.h"
#include "xmalloc.h"

struct imap_search_cache {
	const char	*data;
	size_t		 len;
	int		 full;
	int		 failed;
	struct mime_msg	*mime;
	struct vbuf	*hdr_text;	/* folded, decoded header fields */
	struct vbuf	*body_text;	/* folded, decoded text parts */
	int		 have_sent;
	long		 sent_day;
};

static struct imap_search_cache *
cache(struct imap_search_msg *m)
{
	if (m->cache == NULL)
		m->cache = xcalloc(1, sizeof(*m->cache));
	return m->cache;
}

void
imap_search_msg_done(struct imap_search_msg *m)
{
	struct imap_search_cache *c = m->cache;

	if (c == NULL)
		return;
	mime_free(&c->mime);
	vbuf_free(&c->hdr_text);
	vbuf_free(&c->body_text);
	free(c);
	m->cache = NULL;
}

/* The bytes: at least the header (full 0) or everything (full 1). */
static int
load(struct imap_search_msg *m, int full)
{
	struct imap_search_cache *c = cache(m);

	if (c->failed)
		return -1;
	if (c->data != NULL && (c->full || !full))
		return 0;
	if ((c->data = m->content(m->ctx, full, &c->len)) == NULL) {
		c->failed = 1;
		return -1;
	}
	c->full = full;
	return 0;
}

static struct mime_msg *
mime(struct imap_search_msg *m)
{
	struct imap_search_cache *c = cache(m);

	if (c->mime == NULL && load(m, 1) == 0)
		c->mime = mime_parse(c->data, c->len);
	return c->mime;
}

/* Decode, unfold and fold a field value into out. */
static void
fold_value(const struct mime_field *f, struct vbuf *tmp, struct vbuf *out)
{
	vbuf_reset(tmp);
	mime_words_decode(f->value.ptr, f->value.len, tmp);
	imap_fold(vbuf_str(tmp), vbuf_len(tmp), out);
}

static int
contains(const struct vbuf *hay, const struct imap_search_key *k)
{
	return k->len == 0 ||
	    memmem(vbuf_str(hay), vbuf_len(hay), k->str, k->len) != NULL;
}

int
imap_search_field(const char *hdr, size_t len, const char *name,
    struct vbuf *out)
{
	struct mime_hdr_iter it;
	struct mime_field f;
	struct vbuf tmp;
	int found = 0;

	vbuf_init(&tmp, 256, VBUF_NOLIMIT);
	mime_hdr_init(&it, hdr, len);
	while (mime_hdr_next(&it, &f)) {
		if (f.nocolon || !mime_name_is(f.name, name))
			continue;
		if (found++)
			(void)vbuf_appendc(out, '\n');
		fold_value(&f, &tmp, out);
	}
	vbuf_release(&tmp);
	return found > 0;
}

static int
match_header(const struct imap_search_key *k, struct imap_search_msg *m)
{
	struct vbuf val;
	int found;

	vbuf_init(&val, 256, VBUF_NOLIMIT);
	if (m->header != NULL)
		found = m->header(m->ctx, k->hdr, &val);
	else if (load(m, 0) == 0)
		found = imap_search_field(m->cache->data, m->cache->len,
		    k->hdr, &val);
	else
		found = 0;
	found = found > 0 && contains(&val, k);
	vbuf_release(&val);
	return found;
}

/* Every header field of a header section, "name: value\n", folded. */
static void
fold_fields(const char *hdr, size_t len, struct vbuf *tmp, struct vbuf *out)
{
	struct mime_hdr_iter it;
	struct mime_field f;

	mime_hdr_init(&it, hdr, len);
	while (mime_hdr_next(&it, &f)) {
		imap_fold(f.name.ptr, f.name.len, out);
		(void)vbuf_append(out, ": ", 2);
		fold_value(&f, tmp, out);
		(void)vbuf_appendc(out, '\n');
	}
}

static const struct vbuf *
header_text(struct imap_search_msg *m)
{
	struct imap_search_cache *c = cache(m);
	struct vbuf tmp;

	if (c->hdr_text == NULL && load(m, 0) == 0) {
		c->hdr_text = vbuf_new(1024, VBUF_NOLIMIT);
		vbuf_init(&tmp, 256, VBUF_NOLIMIT);
		fold_fields(c->data, c->len, &tmp, c->hdr_text);
		vbuf_release(&tmp);
	}
	return c->hdr_text;
}

/* The text of a part tree: text parts decoded, carried headers too. */
static void
fold_parts(const struct mime_msg *mm, const struct mime_part *p,
    struct vbuf *tmp, struct vbuf *utf8, struct vbuf *out)
{
	const struct mime_part *c;
	enum mime_cte cte;

	if (p->flags & MIME_PART_MESSAGE) {
		c = p->children;
		fold_fields(mm->data + c->hdr_off, c->hdr_len, tmp, out);
		fold_parts(mm, c, tmp, utf8, out);
		return;
	}
	if (p->flags & MIME_PART_MULTIPART) {
		for (c = p->children; c != NULL; c = c->next)
			fold_parts(mm, c, tmp, utf8, out);
		return;
	}
	if (!(p->flags & MIME_PART_TEXT) ||
	    (cte = mime_cte(p->encoding)) == MIME_CTE_UNKNOWN)
		return;
	vbuf_reset(tmp);
	vbuf_reset(utf8);
	(void)mime_decode(cte, mm->data + p->body_off, p->body_len, tmp);
	(void)mime_charset_utf8(mime_param_get(p->params, p->nparams,
	    "charset"), vbuf_str(tmp), vbuf_len(tmp), utf8);
	imap_fold(vbuf_str(utf8), vbuf_len(utf8), out);
	(void)vbuf_appendc(out, '\n');
}

static const struct vbuf *
body_text(struct imap_search_msg *m)
{
	struct imap_search_cache *c = cache(m);
	struct mime_msg *mm;
	struct vbuf tmp, utf8;

	if (c->body_text == NULL && (mm = mime(m)) != NULL) {
		c->body_text = vbuf_new(4096, VBUF_NOLIMIT);
		vbuf_init(&tmp, 4096, VBUF_NOLIMIT);
		vbuf_init(&utf8, 4096, VBUF_NOLIMIT);
		/* the body only: the root's own header is not in BODY */
		fold_parts(mm, mm->root, &tmp, &utf8, c->body_text);
		vbuf_release(&tmp);
		vbuf_release(&utf8);
	}
	return c->body_text;
}

static long
sent_day(struct imap_search_msg *m)
{
	struct imap_search_cache *c = cache(m);
	struct mime_field f;
	struct imf_date d;

	if (!c->have_sent) {
		c->have_sent = 1;
		c->sent_day = m->internal_day;
		if (load(m, 0) == 0 &&
		    mime_hdr_find(c->data, c->len, "date", &f) &&
		    imf_date_parse(f.value.ptr, f.value.len, &d) == 0)
			c->sent_day = imf_days(d.year, d.mon, d.mday);
	}
	return c->sent_day;
}

static int
has_keyword(const struct imap_search_msg *m, const char *kw)
{
	unsigned i;

	for (i = 0; i < m->nkeywords; i++)
		if (strcasecmp(m->keywords[i], kw) == 0)
			return 1;
	return 0;
}

int
imap_search_match(const struct imap_search_key *k, struct imap_search_msg *m)
{
	const struct imap_search_key *c;
	const struct vbuf *t;

	switch (k->type) {
	case ISK_AND:
		for (c = k->children; c != NULL; c = c->next)
			if (!imap_search_match(c, m))
				return 0;
		return 1;
	case ISK_OR:
		return imap_search_match(k->children, m) ||
		    imap_search_match(k->children->next, m);
	case ISK_NOT:
		return !imap_search_match(k->children, m);
	case ISK_ALL:
		return 1;
	case ISK_SEQSET:
	case ISK_UIDSET:
	case ISK_SAVED:
		return imap_ranges_has(k->ranges, k->nranges, m->seq);
	case ISK_FLAGS_SET:
		return (m->flags & k->num) == k->num;
	case ISK_FLAGS_CLEAR:
		return (m->flags & k->num) == 0;
	case ISK_NEW:
		return (m->flags & (IMAP_FLAG_RECENT | IMAP_FLAG_SEEN)) ==
		    IMAP_FLAG_RECENT;
	case ISK_KEYWORD:
		return has_keyword(m, k->str);
	case ISK_UNKEYWORD:
		return !has_keyword(m, k->str);
	case ISK_BEFORE:
		return m->internal_day < k->day;
	case ISK_ON:
		return m->internal_day == k->day;
	case ISK_SINCE:
		return m->internal_day >= k->day;
	case ISK_SENTBEFORE:
		return sent_day(m) < k->day;
	case ISK_SENTON:
		return sent_day(m) == k->day;
	case ISK_SENTSINCE:
		return sent_day(m) >= k->day;
	case ISK_LARGER:
		return m->size > k->num;
	case ISK_SMALLER:
		return m->size < k->num;
	case ISK_OLDER:
		return m->now - m->internal_date >= (time_t)k->num;
	case ISK_YOUNGER:
		return m->now - m->internal_date <= (time_t)k->num;
	case ISK_HEADER:
		return match_header(k, m);
	case ISK_TEXT:
		if ((t = header_text(m)) != NULL && contains(t, k))
			return 1;
		/* FALLTHROUGH */
	case ISK_BODY:
		return (t = body_text(m)) != NULL && contains(t, k);
	}
	return 0;
}

int
imap_search_prepare(struct imap_search_key *k, const struct imap_view *v,
    const struct imap_range *saved, unsigned nsaved, struct arena *a)
{
	struct imap_search_key *c;
	struct imap_range *r;

	switch (k->type) {
	case ISK_SAVED:
		k->ranges = saved;
		k->nranges = saved != NULL ? nsaved : 0;
		return 0;
	case ISK_SEQSET:
	case ISK_UIDSET:
		if (imap_view_resolve(v, &k->set, k->type == ISK_UIDSET, a,
		    &r, &k->nranges) < 0)
			return -1;
		k->ranges = r;
		return 0;
	case ISK_AND:
	case ISK_OR:
	case ISK_NOT:
		for (c = k->children; c != NULL; c = c->next)
			if (imap_search_prepare(c, v, saved, nsaved, a) < 0)
				return -1;
		return 0;
	default:
		return 0;
	}
}

enum imap_search_cost
imap_search_cost(const struct imap_search_key *k)
{
	return k->cost;
}
