/*
 * fuzz/mime - the MIME parser (lib/mime) and what imapd's FETCH and
 * SEARCH do with its tree: sections, parameters, encoded words,
 * decoders, CR LF slices, addresses, dates.
 *
 * Input: a message. Properties: every part lies inside its parent and
 * in the buffer; the sizes the tree announces (what BODYSTRUCTURE and
 * RFC822.SIZE send) equal the CR LF form of the bytes; a <partial>
 * slice equals the same piece of the whole CR LF form; the part count
 * stays within the limits. Seeds: the malformed corpus the tests use.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "fuzz.h"
#include "imf.h"
#include "mime.h"
#include "vbuf.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

static int
prev(const struct mime_msg *m, size_t off)
{
	return off > 0 ? m->data[off - 1] : 0;
}

static void
walk(const struct mime_msg *m, const struct mime_part *p, struct vbuf *b,
    struct vbuf *whole, struct arena *a)
{
	const struct mime_part *c;
	struct mime_hdr_iter it;
	struct mime_field f;
	struct imf_date d;
	size_t end = p->body_off + p->body_len, start, count;

	FUZZ_CHECK(p->hdr_off + p->hdr_len <= p->body_off && end <= m->len);
	FUZZ_CHECK(p->type != NULL && p->subtype != NULL);
	if (!(p->flags & MIME_PART_NO_HEADER))
		FUZZ_CHECK(p->hdr_size == mime_crlf_size(m->data + p->hdr_off,
		    p->hdr_len, prev(m, p->hdr_off)));
	FUZZ_CHECK(p->body_size == mime_crlf_size(m->data + p->body_off,
	    p->body_len, prev(m, p->body_off)));
	if ((p->flags & MIME_PART_MULTIPART) || (p->flags & MIME_PART_MESSAGE))
		FUZZ_CHECK(p->children != NULL);

	/* a slice of the CR LF form is that piece of the whole */
	vbuf_reset(whole);
	(void)mime_crlf_copy(m->data + p->body_off, p->body_len,
	    prev(m, p->body_off), whole);
	FUZZ_CHECK(vbuf_len(whole) == p->body_size);
	start = p->body_size / 3;
	count = p->body_size / 2 + 1;
	vbuf_reset(b);
	(void)mime_crlf_slice(m->data + p->body_off, p->body_len,
	    prev(m, p->body_off), start, count, b);
	if (count > p->body_size - start)
		count = p->body_size - start;
	FUZZ_CHECK(vbuf_len(b) == count && memcmp(vbuf_str(b),
	    vbuf_str(whole) + start, count) == 0);

	vbuf_reset(b);
	(void)mime_param_decode(p->params, p->nparams, "charset", b);
	(void)mime_param_decode(p->disp_params, p->ndisp_params, "filename",
	    b);
	mime_hdr_init(&it, m->data + p->hdr_off, p->hdr_len);
	while (mime_hdr_next(&it, &f)) {
		FUZZ_CHECK(f.raw.ptr >= m->data + p->hdr_off &&
		    f.raw.ptr + f.raw.len <= m->data + p->hdr_off + p->hdr_len);
		vbuf_reset(b);
		mime_words_decode(f.value.ptr, f.value.len, b);
		if (mime_name_is(f.name, "from") || mime_name_is(f.name, "to"))
			(void)imf_addr_parse(a, f.value.ptr, f.value.len);
		if (mime_name_is(f.name, "date") &&
		    imf_date_parse(f.value.ptr, f.value.len, &d) == 0)
			FUZZ_CHECK(d.mon >= 1 && d.mon <= 12 && d.mday >= 1 &&
			    d.mday <= 31);
	}
	if (p->children == NULL && p->body_len < 65536) {
		vbuf_reset(b);
		(void)mime_decode(mime_cte(p->encoding),
		    m->data + p->body_off, p->body_len, b);
	}
	for (c = p->children; c != NULL; c = c->next) {
		FUZZ_CHECK(c->parent == p && c->depth == p->depth + 1);
		FUZZ_CHECK(c->hdr_off >= p->body_off &&
		    c->body_off + c->body_len <= end);
		walk(m, c, b, whole, a);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mime_msg *m = mime_parse((const char *)data, len);
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	struct vbuf *whole = vbuf_new(256, VBUF_NOLIMIT);
	struct arena *a = arena_new(4096);
	unsigned nums[3] = { 1, 2, 1 };

	FUZZ_CHECK(m->root->hdr_off == 0 &&
	    m->root->body_off + m->root->body_len == len);
	FUZZ_CHECK(m->nparts <= 2 * MIME_MAX_PARTS);
	walk(m, m->root, b, whole, a);
	FUZZ_CHECK(mime_section(m, nums, 0) == m->root);
	(void)mime_section(m, nums, 3);
	(void)mime_section(m, nums + 1, 2);
	arena_free(&a);
	vbuf_free(&whole);
	vbuf_free(&b);
	mime_free(&m);
	return 0;
}
