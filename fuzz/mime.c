/*
 * libFuzzer harness: the MIME parser and what FETCH and SEARCH do with
 * its result (sections, parameters, encoded words, decoders, CR LF
 * slices, addresses, dates). Seeds: fuzz/corpus/mime/, the malformed
 * corpus the tests also use.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "imf.h"
#include "mime.h"
#include "vbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
walk(const struct mime_msg *m, const struct mime_part *p, struct vbuf *b,
    struct arena *a)
{
	const struct mime_part *c;
	struct mime_hdr_iter it;
	struct mime_field f;
	struct imf_date d;
	int prev;

	vbuf_reset(b);
	(void)mime_param_decode(p->params, p->nparams, "charset", b);
	(void)mime_param_decode(p->disp_params, p->ndisp_params, "filename",
	    b);
	mime_hdr_init(&it, m->data + p->hdr_off, p->hdr_len);
	while (mime_hdr_next(&it, &f)) {
		vbuf_reset(b);
		mime_words_decode(f.value.ptr, f.value.len, b);
		if (mime_name_is(f.name, "from") || mime_name_is(f.name, "to"))
			(void)imf_addr_parse(a, f.value.ptr, f.value.len);
		if (mime_name_is(f.name, "date"))
			(void)imf_date_parse(f.value.ptr, f.value.len, &d);
	}
	vbuf_reset(b);
	if (p->children == NULL && p->body_len < 65536)
		(void)mime_decode(mime_cte(p->encoding),
		    m->data + p->body_off, p->body_len, b);
	vbuf_reset(b);
	prev = p->body_off > 0 ? m->data[p->body_off - 1] : 0;
	(void)mime_crlf_slice(m->data + p->body_off, p->body_len, prev,
	    p->body_size / 3, p->body_size / 2 + 1, b);
	for (c = p->children; c != NULL; c = c->next)
		walk(m, c, b, a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mime_msg *m = mime_parse((const char *)data, len);
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	struct arena *a = arena_new(4096);
	unsigned nums[3] = { 1, 2, 1 };

	walk(m, m->root, b, a);
	(void)mime_section(m, nums, 3);
	(void)mime_section(m, nums + 1, 2);
	arena_free(&a);
	vbuf_free(&b);
	mime_free(&m);
	return 0;
}
