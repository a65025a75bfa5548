/*
 * mime_parse - the one-pass structure parser; see mime.h.
 *
 * The parser walks the message line by line. The parts that contain
 * the current line are "open", outermost first; the last one is either
 * in its header (lines until the empty one) or in its body. Open
 * multiparts' boundaries sit on a stack; a line that begins with "--"
 * is compared with them, innermost first. A match for multipart k ends
 * every part opened inside k at the line end before the delimiter, then
 * either opens k's next child or, for a close delimiter, leaves k in
 * its epilogue.
 *
 * Sizes are counted as the walk goes: for each part we note how many
 * LFs, and how many bare LFs, come before its start, its body and its
 * end (struct mark), so no range is ever scanned twice.
 *
 * UNSAFE: offset arithmetic over the message buffer; every line is
 * found with memchr inside [data, data + len), and marks only move
 * forward within it.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arena.h"
#include "mime.h"
#include "vbuf.h"

#define BOUNDARY_MAX	1024	/* longer ones are ignored */

/* A position, with the LFs and the bare LFs before it. */
struct mark {
	size_t	off;
	size_t	lf;
	size_t	bare;
};

struct open_part {
	struct mime_part	*part;
	struct mark		 start, body;
	int			 in_header;
};

struct boundary {
	const char	*text;
	size_t		 len;
	unsigned	 level;		/* its multipart's index in open[] */
	int		 closed;	/* in the epilogue */
};

struct parser {
	struct mime_msg	*msg;
	const char	*data;
	size_t		 len;
	struct open_part open[MIME_MAX_DEPTH + 1];
	unsigned	 nopen;
	struct boundary	 bounds[MIME_MAX_DEPTH + 1];
	unsigned	 nbounds;
	struct vbuf	*scratch;
};

static struct mime_param default_params[] = {
	{ "charset", "us-ascii" },
};

static void
set_type(struct mime_part *p, const char *type, const char *subtype,
    struct mime_param *params, unsigned nparams)
{
	p->type = type;
	p->subtype = subtype;
	p->params = params;
	p->nparams = nparams;
}

static void
set_default_type(struct mime_part *p)
{
	set_type(p, "text", "plain", default_params, 1);
}

/* Past a limit: opaque data, not looked into. */
static void
set_limited(struct mime_part *p)
{
	set_type(p, "application", "octet-stream", NULL, 0);
	p->flags = (p->flags & ~(MIME_PART_MULTIPART | MIME_PART_MESSAGE |
	    MIME_PART_TEXT)) | MIME_PART_LIMITED;
}

static struct mime_part *
part_new(struct mime_msg *m, struct mime_part *parent)
{
	struct mime_part *p = arena_zalloc(m->arena, sizeof(*p));

	p->parent = parent;
	if (parent != NULL) {
		p->depth = parent->depth + 1;
		if (parent->children == NULL)
			parent->children = p;
		else
			parent->last->next = p;
		parent->last = p;
		parent->nchildren++;
	}
	m->nparts++;
	return p;
}

/* Room for one more part below parent? */
static int
part_room(const struct mime_msg *m, const struct mime_part *parent)
{
	return parent->depth < MIME_MAX_DEPTH && m->nparts < MIME_MAX_PARTS;
}

static void
part_open(struct parser *ps, struct mime_part *p, const struct mark *at)
{
	struct open_part *op = &ps->open[ps->nopen++];

	op->part = p;
	op->start = *at;
	op->body = *at;
	op->in_header = 1;
	p->hdr_off = at->off;
}

/* The Content-* fields of a part whose header is known. */
static void
part_fields(struct parser *ps, struct mime_part *p)
{
	struct arena *a = ps->msg->arena;
	struct mime_hdr_iter it;
	struct mime_field f;
	const char **slot;
	int have_type = 0, have_disp = 0;

	mime_hdr_init(&it, ps->data + p->hdr_off, p->hdr_len);
	while (mime_hdr_next(&it, &f)) {
		if (f.nocolon || f.name.len < 8 ||
		    strncasecmp(f.name.ptr, "content-", 8) != 0)
			continue;
		if (mime_name_is(f.name, "content-type")) {
			if (!have_type && mime_ctype_parse(a, f.value.ptr,
			    f.value.len, &p->type, &p->subtype, &p->params,
			    &p->nparams) == 0)
				have_type = 1;
			continue;
		}
		if (mime_name_is(f.name, "content-disposition")) {
			if (!have_disp && mime_disp_parse(a, f.value.ptr,
			    f.value.len, &p->disposition, &p->disp_params,
			    &p->ndisp_params) == 0)
				have_disp = 1;
			continue;
		}
		if (mime_name_is(f.name, "content-transfer-encoding")) {
			/* a token, comments around it dropped */
			struct mime_param *cte_params;
			unsigned ncte;

			if (p->encoding == NULL)
				(void)mime_disp_parse(a, f.value.ptr,
				    f.value.len, &p->encoding, &cte_params, &ncte);
			continue;
		}
		if (mime_name_is(f.name, "content-id"))
			slot = &p->id;
		else if (mime_name_is(f.name, "content-description"))
			slot = &p->description;
		else if (mime_name_is(f.name, "content-md5"))
			slot = &p->md5;
		else if (mime_name_is(f.name, "content-language"))
			slot = &p->language;
		else if (mime_name_is(f.name, "content-location"))
			slot = &p->location;
		else
			continue;
		if (*slot != NULL)
			continue;
		vbuf_reset(ps->scratch);
		if (mime_unfold(f.value.ptr, f.value.len, ps->scratch) == 0)
			*slot = arena_strndup(a, vbuf_str(ps->scratch),
			    vbuf_len(ps->scratch));
	}
	if (have_type)
		return;
	if (p->parent != NULL &&
	    mime_part_is(p->parent, "multipart", "digest"))
		set_type(p, "message", "rfc822", NULL, 0);
	else
		set_default_type(p);
}

/*
 * Decide what a part is once its header is read; for a multipart,
 * return its boundary (else NULL).
 */
static const char *
part_classify(struct parser *ps, struct mime_part *p, size_t *blen_r)
{
	struct vbuf *b = ps->scratch;
	const char *raw;

	part_fields(ps, p);
	if (strcasecmp(p->type, "multipart") == 0) {
		vbuf_reset(b);
		raw = mime_param_get(p->params, p->nparams, "boundary");
		if (raw != NULL)
			(void)vbuf_sets(b, raw);
		else
			(void)mime_param_decode(p->params, p->nparams,
			    "boundary", b);
		if (vbuf_len(b) == 0 ||
		    vbuf_len(b) > BOUNDARY_MAX ||
		    strlen(vbuf_str(b)) != vbuf_len(b)) {
			set_default_type(p);
			p->flags |= MIME_PART_TEXT;
			return NULL;
		}
		if (!part_room(ps->msg, p)) {
			set_limited(p);
			return NULL;
		}
		p->flags |= MIME_PART_MULTIPART;
		*blen_r = vbuf_len(b);
		return arena_strndup(ps->msg->arena, vbuf_str(b),
		    vbuf_len(b));
	}
	if (strcasecmp(p->type, "message") == 0 &&
	    (strcasecmp(p->subtype, "rfc822") == 0 ||
	    strcasecmp(p->subtype, "global") == 0)) {
		if (!part_room(ps->msg, p))
			set_limited(p);
		else
			p->flags |= MIME_PART_MESSAGE;
		return NULL;
	}
	if (strcasecmp(p->type, "text") == 0)
		p->flags |= MIME_PART_TEXT;
	return NULL;
}

/* The empty line at `body` ended the current part's header. */
static void
part_header_end(struct parser *ps, const struct mark *body)
{
	struct open_part *op = &ps->open[ps->nopen - 1];
	struct mime_part *p = op->part, *child;
	const char *bound;
	size_t blen = 0;

	op->in_header = 0;
	op->body = *body;
	p->hdr_len = body->off - op->start.off;
	p->flags |= MIME_PART_HEADER_END;
	bound = part_classify(ps, p, &blen);
	if (bound != NULL) {
		struct boundary *b = &ps->bounds[ps->nbounds++];

		b->text = bound;
		b->len = blen;
		b->level = ps->nopen - 1;
		b->closed = 0;
	} else if (p->flags & MIME_PART_MESSAGE) {
		child = part_new(ps->msg, p);
		part_open(ps, child, body);
	}
}

/* Finish an open part at end (a line end before a delimiter, or EOF). */
static void
part_close(struct parser *ps, struct open_part *op, const struct mark *end)
{
	struct mime_part *p = op->part;
	struct mark e = *end;

	if (e.off < op->start.off) {
		/*
		 * A delimiter right after the one that opened this part:
		 * the line end they share belongs to the second, so the
		 * part is empty where the first one's line ends.
		 */
		op->start = e;
		op->body = e;
		p->hdr_off = e.off;
	}
	if (op->in_header) {
		/* no empty line: the header runs to the end, no body */
		op->in_header = 0;
		op->body = e;
		p->hdr_len = e.off - op->start.off;
		(void)part_classify(ps, p, &(size_t){ 0 });
	}
	if (e.off < op->body.off) {
		/*
		 * The line end of the empty line after the header is the
		 * one before the delimiter, which belongs to the delimiter:
		 * the header ends without it and the body is empty.
		 */
		op->body = e;
		p->hdr_len = e.off - op->start.off;
	}
	p->hdr_size = p->hdr_len + (op->body.bare - op->start.bare);
	p->body_off = op->body.off;
	p->body_len = e.off - op->body.off;
	p->body_size = p->body_len + (e.bare - op->body.bare);
	p->body_lines = e.lf - op->body.lf;
	if (p->body_len > 0 && ps->data[e.off - 1] != '\n')
		p->body_lines++;
}

/* Close the open parts from the innermost down to (not including) level. */
static void
close_above(struct parser *ps, unsigned level, const struct mark *end)
{
	while (ps->nopen > level + 1) {
		ps->nopen--;
		part_close(ps, &ps->open[ps->nopen], end);
	}
	while (ps->nbounds > 0 && ps->bounds[ps->nbounds - 1].level > level)
		ps->nbounds--;
}

/*
 * Is the line (without its line end) a delimiter of an open multipart?
 * Returns the boundary's index, or -1; *close_r for a close delimiter.
 */
static int
match_boundary(const struct parser *ps, const char *line, size_t len,
    int *close_r)
{
	const struct boundary *b;
	const char *rest;
	size_t i, n;
	unsigned k;

	for (k = ps->nbounds; k-- > 0;) {
		b = &ps->bounds[k];
		if (b->closed || len < 2 + b->len ||
		    memcmp(line + 2, b->text, b->len) != 0)
			continue;
		rest = line + 2 + b->len;
		n = len - 2 - b->len;
		if (n >= 2 && rest[0] == '-' && rest[1] == '-') {
			*close_r = 1;
			return (int)k;
		}
		for (i = 0; i < n; i++)
			if (rest[i] != ' ' && rest[i] != '\t')
				break;
		if (i == n) {
			*close_r = 0;
			return (int)k;
		}
	}
	return -1;
}

/* A delimiter line at `at` for boundary k; next is the line after it. */
static void
delimiter(struct parser *ps, int k, int close, const struct mark *at,
    const struct mark *next)
{
	struct boundary *b = &ps->bounds[k];
	struct mime_part *mp = ps->open[b->level].part, *child;
	struct mark end = *at;

	/* the line end before the delimiter belongs to it */
	if (end.off > 0 && ps->data[end.off - 1] == '\n') {
		end.off--;
		end.lf--;
		if (end.off > 0 && ps->data[end.off - 1] == '\r')
			end.off--;
		else
			end.bare--;
	}
	close_above(ps, b->level, &end);
	if (close) {
		b->closed = 1;
		return;
	}
	child = part_new(ps->msg, mp);
	part_open(ps, child, next);
}

/* Parts that must have a child and got none (see mime.h). */
static void
finish_tree(struct mime_msg *m, struct mime_part *p)
{
	struct mime_part *c;

	for (; p != NULL; p = p->next) {
		if ((p->flags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE)) &&
		    p->children == NULL) {
			c = part_new(m, p);
			c->hdr_off = p->body_off;
			c->body_off = p->body_off;
			if (p->flags & MIME_PART_MULTIPART) {
				/* the whole body, readable as text */
				c->flags = MIME_PART_NO_HEADER | MIME_PART_TEXT;
				set_default_type(c);
				c->body_len = p->body_len;
				c->body_size = p->body_size;
				c->body_lines = p->body_lines;
			} else {
				/* a message that is all header */
				c->hdr_len = p->body_len;
				c->hdr_size = p->body_size;
				c->body_off = p->body_off + p->body_len;
				set_default_type(c);
				c->flags = MIME_PART_TEXT;
			}
		}
		finish_tree(m, p->children);
	}
}

struct mime_msg *
mime_parse(const char *data, size_t len)
{
	struct parser ps;
	struct arena *a;
	struct mime_msg *m;
	struct mark at = { 0, 0, 0 }, next;
	const char *nl;
	size_t content;
	int k, close;

	a = arena_new(8192);
	m = arena_zalloc(a, sizeof(*m));
	m->arena = a;
	memset(&ps, 0, sizeof(ps));
	ps.msg = m;
	ps.data = m->data = data;
	ps.len = m->len = len;
	ps.scratch = vbuf_new(256, VBUF_NOLIMIT);
	m->root = part_new(m, NULL);
	part_open(&ps, m->root, &at);

	while (at.off < len) {
		nl = memchr(data + at.off, '\n', len - at.off);
		next = at;
		if (nl == NULL) {
			content = len - at.off;
			next.off = len;
		} else {
			content = (size_t)(nl - (data + at.off));
			next.off = at.off + content + 1;
			next.lf++;
			if (content > 0 && nl[-1] == '\r')
				content--;
			else
				next.bare++;
		}
		if (ps.nbounds > 0 && content >= 2 && data[at.off] == '-' &&
		    data[at.off + 1] == '-' &&
		    (k = match_boundary(&ps, data + at.off, content,
		    &close)) >= 0 &&
		    (close || part_room(m, ps.open[ps.bounds[k].level].part))) {
			delimiter(&ps, k, close, &at, &next);
		} else if (ps.open[ps.nopen - 1].in_header && content == 0 &&
		    nl != NULL)
			part_header_end(&ps, &next);
		at = next;
	}
	close_above(&ps, 0, &at);
	part_close(&ps, &ps.open[0], &at);
	finish_tree(m, m->root);
	vbuf_free(&ps.scratch);
	return m;
}

void
mime_free(struct mime_msg **mp)
{
	struct arena *a;

	if (*mp == NULL)
		return;
	a = (*mp)->arena;	/* the message itself lives in it */
	arena_free(&a);
	*mp = NULL;
}
