/*
 * imap_fetch_body - the bytes of BODY[section]<partial> and
 * BINARY[section]<partial>; see imap_fetch.h.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "imap_fetch.h"
#include "mime.h"
#include "vbuf.h"

static int
prev_byte(const struct mime_msg *m, size_t off)
{
	return off > 0 ? m->data[off - 1] : 0;
}

/* Append [off, off + len) of the message in CR LF form, partial applied. */
static int
put_range(const struct imap_fetch_body *fb, const struct mime_msg *m,
    size_t off, size_t len, struct vbuf *out)
{
	uint64_t start = fb->partial ? fb->origin : 0;
	uint64_t count = fb->partial ? fb->count : UINT64_MAX;

	if (!fb->partial)
		return mime_crlf_copy(m->data + off, len, prev_byte(m, off),
		    out);
	if (start > SIZE_MAX)
		return 0;
	return mime_crlf_slice(m->data + off, len, prev_byte(m, off),
	    (size_t)start, count > SIZE_MAX ? SIZE_MAX : (size_t)count, out);
}

/* Append [data, data + len) with partial applied. */
static int
put_partial(const struct imap_fetch_body *fb, const char *data, size_t len,
    struct vbuf *out)
{
	uint64_t start = 0, count = len;

	if (fb->partial) {
		start = fb->origin;
		count = fb->count;
		if (start >= len)
			return 0;
		if (count > len - start)
			count = len - start;
	}
	return vbuf_append(out, data + start, (size_t)count);
}

static int
field_listed(const struct imap_fetch_body *fb, const struct mime_field *f)
{
	unsigned i;

	if (f->nocolon)
		return 0;
	for (i = 0; i < fb->nfields; i++)
		if (mime_name_is(f->name, fb->fields[i]))
			return 1;
	return 0;
}

/* HEADER.FIELDS (or .NOT): the chosen fields and the empty line. */
static int
put_fields(const struct imap_fetch_body *fb, const struct mime_msg *m,
    const struct mime_part *p, struct vbuf *out)
{
	int want = fb->text == IMAP_SECTION_FIELDS;
	struct mime_hdr_iter it;
	struct mime_field f;
	struct vbuf tmp;
	int r;

	vbuf_init(&tmp, 256, VBUF_NOLIMIT);
	mime_hdr_init(&it, m->data + p->hdr_off, p->hdr_len);
	while (mime_hdr_next(&it, &f)) {
		if (field_listed(fb, &f) != want)
			continue;
		(void)mime_crlf_copy(f.raw.ptr, f.raw.len,
		    prev_byte(m, (size_t)(f.raw.ptr - m->data)), &tmp);
		if (f.raw.ptr[f.raw.len - 1] != '\n')
			(void)vbuf_append(&tmp, "\r\n", 2);
	}
	(void)vbuf_append(&tmp, "\r\n", 2);
	r = put_partial(fb, vbuf_str(&tmp), vbuf_len(&tmp), out);
	vbuf_release(&tmp);
	return r;
}

int
imap_fetch_section(const struct imap_fetch_body *fb,
    const struct mime_msg *m, struct vbuf *out)
{
	const struct mime_part *p, *msg;

	if ((p = mime_section(m, fb->nums, fb->nnums)) == NULL)
		return 0;
	switch (fb->text) {
	case IMAP_SECTION_ALL:
		if (fb->nnums == 0)
			(void)put_range(fb, m, 0, m->len, out);
		else
			(void)put_range(fb, m, p->body_off, p->body_len, out);
		return 1;
	case IMAP_SECTION_MIME:
		(void)put_range(fb, m, p->hdr_off, p->hdr_len, out);
		return 1;
	default:
		break;
	}
	/* HEADER, HEADER.FIELDS, TEXT: of a message */
	msg = fb->nnums == 0 ? m->root : mime_part_message(p);
	if (msg == NULL)
		return 0;
	if (fb->text == IMAP_SECTION_HEADER)
		(void)put_range(fb, m, msg->hdr_off, msg->hdr_len, out);
	else if (fb->text == IMAP_SECTION_TEXT)
		(void)put_range(fb, m, msg->body_off, msg->body_len, out);
	else
		(void)put_fields(fb, m, msg, out);
	return 1;
}

int
imap_fetch_binary(const struct imap_fetch_body *fb,
    const struct mime_msg *m, struct vbuf *out)
{
	const struct mime_part *p;
	enum mime_cte cte = MIME_CTE_IDENTITY;
	struct vbuf tmp;
	size_t off = 0, len = m->len;

	if ((p = mime_section(m, fb->nums, fb->nnums)) == NULL)
		return 0;
	if (fb->nnums > 0) {
		off = p->body_off;
		len = p->body_len;
		/* only a leaf has a transfer encoding to undo */
		if ((p->flags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE)) == 0)
			cte = mime_cte(p->encoding);
	}
	if (cte == MIME_CTE_UNKNOWN)
		return -1;
	vbuf_init(&tmp, len, VBUF_NOLIMIT);
	if (cte == MIME_CTE_IDENTITY)
		(void)mime_crlf_copy(m->data + off, len, prev_byte(m, off),
		    &tmp);
	else
		(void)mime_decode(cte, m->data + off, len, &tmp);
	(void)put_partial(fb, vbuf_str(&tmp), vbuf_len(&tmp), out);
	vbuf_release(&tmp);
	return 1;
}
