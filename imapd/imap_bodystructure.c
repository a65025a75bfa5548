/*
 * imap_bodystructure - BODY and BODYSTRUCTURE; see imap_struct.h.
 *
 * Recursion follows the MIME tree, whose depth lib/mime bounds
 * (MIME_MAX_DEPTH).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_quote.h"
#include "imap_struct.h"
#include "mime.h"
#include "vbuf.h"

static void
put_params(struct vbuf *b, const struct mime_param *ps, unsigned n)
{
	unsigned i;

	if (n == 0) {
		(void)vbuf_appends(b, "NIL");
		return;
	}
	(void)vbuf_appendc(b, '(');
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)vbuf_appendc(b, ' ');
		(void)imap_put_text(b, ps[i].name, strlen(ps[i].name));
		(void)vbuf_appendc(b, ' ');
		(void)imap_put_text(b, ps[i].value, strlen(ps[i].value));
	}
	(void)vbuf_appendc(b, ')');
}

/* The next language tag in a Content-Language list, or 0. */
static size_t
next_tag(const char **pp, const char **tag_r)
{
	const char *p = *pp, *s;

	while (*p == ',' || *p == ' ' || *p == '\t')
		p++;
	for (s = p; *p != '\0' && *p != ',' && *p != ' ' && *p != '\t'; p++)
		;
	*pp = p;
	*tag_r = s;
	return (size_t)(p - s);
}

/* Content-Language: one tag as a string, several as a list. */
static void
put_language(struct vbuf *b, const char *lang)
{
	const char *p = lang, *tag;
	size_t n, count = 0, len;

	if (lang != NULL)
		while (next_tag(&p, &tag) > 0)
			count++;
	if (count == 0) {
		(void)vbuf_appends(b, "NIL");
		return;
	}
	if (count > 1)
		(void)vbuf_appendc(b, '(');
	for (p = lang, n = 0; (len = next_tag(&p, &tag)) > 0; n++) {
		if (n > 0)
			(void)vbuf_appendc(b, ' ');
		(void)imap_put_text(b, tag, len);
	}
	if (count > 1)
		(void)vbuf_appendc(b, ')');
}

/* body-ext-1part / body-ext-mpart's common tail. */
static void
put_ext_tail(struct vbuf *b, const struct mime_part *p)
{
	(void)vbuf_appendc(b, ' ');
	if (p->disposition == NULL)
		(void)vbuf_appends(b, "NIL");
	else {
		(void)vbuf_appendc(b, '(');
		(void)imap_put_ntext(b, p->disposition);
		(void)vbuf_appendc(b, ' ');
		put_params(b, p->disp_params, p->ndisp_params);
		(void)vbuf_appendc(b, ')');
	}
	(void)vbuf_appendc(b, ' ');
	put_language(b, p->language);
	(void)vbuf_appendc(b, ' ');
	(void)imap_put_ntext(b, p->location);
}

static void
put_part(struct vbuf *b, struct arena *a, const struct mime_msg *m,
    const struct mime_part *p, int ext, int rev2)
{
	const struct mime_part *c, *inner;
	int is_message;

	(void)vbuf_appendc(b, '(');
	if (p->flags & MIME_PART_MULTIPART) {
		for (c = p->children; c != NULL; c = c->next)
			put_part(b, a, m, c, ext, rev2);
		(void)vbuf_appendc(b, ' ');
		(void)imap_put_ntext(b, p->subtype);
		if (ext) {
			(void)vbuf_appendc(b, ' ');
			put_params(b, p->params, p->nparams);
			put_ext_tail(b, p);
		}
		(void)vbuf_appendc(b, ')');
		return;
	}
	inner = mime_part_message(p);
	is_message = inner != NULL && (rev2 ||
	    strcasecmp(p->subtype, "rfc822") == 0);
	(void)imap_put_ntext(b, p->type);
	(void)vbuf_appendc(b, ' ');
	(void)imap_put_ntext(b, p->subtype);
	(void)vbuf_appendc(b, ' ');
	put_params(b, p->params, p->nparams);
	(void)vbuf_appendc(b, ' ');
	(void)imap_put_ntext(b, p->id);
	(void)vbuf_appendc(b, ' ');
	(void)imap_put_ntext(b, p->description);
	(void)vbuf_appendc(b, ' ');
	(void)imap_put_ntext(b, p->encoding != NULL ? p->encoding : "7BIT");
	(void)vbuf_appendf(b, " %zu", p->body_size);
	if (is_message) {
		(void)vbuf_appendc(b, ' ');
		(void)imap_envelope_put(b, a, m->data + inner->hdr_off,
		    inner->hdr_len);
		(void)vbuf_appendc(b, ' ');
		put_part(b, a, m, inner, ext, rev2);
		(void)vbuf_appendf(b, " %zu", p->body_lines);
	} else if (p->flags & MIME_PART_TEXT)
		(void)vbuf_appendf(b, " %zu", p->body_lines);
	if (ext) {
		(void)vbuf_appendc(b, ' ');
		(void)imap_put_ntext(b, p->md5);
		put_ext_tail(b, p);
	}
	(void)vbuf_appendc(b, ')');
}

int
imap_bodystructure_put(struct vbuf *b, struct arena *a,
    const struct mime_msg *m, const struct mime_part *p, int ext, int rev2)
{
	size_t start = vbuf_len(b);

	put_part(b, a, m, p, ext, rev2);
	/* a vbuf at its limit dropped pieces: report it, leave nothing */
	if (vbuf_len(b) < start + 2 || b->data[vbuf_len(b) - 1] != ')') {
		vbuf_truncate(b, start);
		return -1;
	}
	return 0;
}
