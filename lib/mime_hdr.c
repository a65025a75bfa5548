/*
 * mime_hdr - walking the fields of a header section; see mime.h.
 *
 * UNSAFE: pointer arithmetic bounded by the iterator's end.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "mime.h"
#include "vbuf.h"

void
mime_hdr_init(struct mime_hdr_iter *it, const char *hdr, size_t len)
{
	it->p = hdr;
	it->end = hdr + len;
}

/* End of the line at p (after its LF, or end). */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl == NULL ? end : nl + 1;
}

/* Length of the line at p without its line end. */
static size_t
line_text(const char *p, const char *le)
{
	size_t n = (size_t)(le - p);

	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

int
mime_hdr_next(struct mime_hdr_iter *it, struct mime_field *f)
{
	const char *start = it->p, *p, *le, *colon, *v, *vend;
	size_t n;

	if (start >= it->end)
		return 0;
	le = line_end(start, it->end);
	if (line_text(start, le) == 0) {
		/* the empty line: the end of the header section */
		it->p = it->end;
		return 0;
	}
	/* continuation lines begin with white space */
	for (p = le; p < it->end && (*p == ' ' || *p == '\t'); p = le)
		le = line_end(p, it->end);
	it->p = p;
	f->raw.ptr = start;
	f->raw.len = (size_t)(p - start);
	/* the value ends before the last line end */
	vend = p;
	if (vend > start && vend[-1] == '\n')
		vend--;
	if (vend > start && vend[-1] == '\r')
		vend--;
	colon = memchr(start, ':', (size_t)(vend - start));
	if (colon == NULL) {
		f->nocolon = 1;
		f->name.ptr = start;
		f->name.len = (size_t)(vend - start);
		f->value.ptr = vend;
		f->value.len = 0;
		return 1;
	}
	f->nocolon = 0;
	n = (size_t)(colon - start);
	while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
		n--;
	f->name.ptr = start;
	f->name.len = n;
	for (v = colon + 1; v < vend && (*v == ' ' || *v == '\t'); v++)
		;
	f->value.ptr = v;
	f->value.len = (size_t)(vend - v);
	return 1;
}

int
mime_name_is(struct span name, const char *want)
{
	size_t n = strlen(want);

	return name.len == n && strncasecmp(name.ptr, want, n) == 0;
}

int
mime_hdr_find(const char *hdr, size_t len, const char *name,
    struct mime_field *f)
{
	struct mime_hdr_iter it;

	mime_hdr_init(&it, hdr, len);
	while (mime_hdr_next(&it, f))
		if (!f->nocolon && mime_name_is(f->name, name))
			return 1;
	return 0;
}

int
mime_unfold(const char *value, size_t len, struct vbuf *out)
{
	const char *p = value, *end = value + len, *seg;
	size_t start = vbuf_len(out);

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		end--;
	while (p < end) {
		/* copy up to the next CR or LF, then drop it */
		for (seg = p; p < end && *p != '\r' && *p != '\n'; p++)
			;
		if (vbuf_append(out, seg, (size_t)(p - seg)) < 0) {
			vbuf_truncate(out, start);
			return -1;
		}
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
	}
	return 0;
}
