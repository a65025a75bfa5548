/*
 * mime_crlf - message bytes as IMAP sends them: every bare LF becomes
 * CR LF; see mime.h.
 *
 * UNSAFE: pointer arithmetic bounded by len.
 */
#include "config.h"

#include <string.h>

#include "mime.h"
#include "vbuf.h"

size_t
mime_crlf_size(const char *in, size_t len, int prev)
{
	const char *p = in, *end = in + len, *nl;
	size_t n = len;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((nl == in ? prev : nl[-1]) != '\r')
			n++;
		p = nl + 1;
	}
	return n;
}

int
mime_crlf_copy(const char *in, size_t len, int prev, struct vbuf *out)
{
	const char *p = in, *end = in + len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((nl == in ? prev : nl[-1]) != '\r') {
			if (vbuf_append(out, p, (size_t)(nl - p)) < 0 ||
			    vbuf_append(out, "\r\n", 2) < 0)
				return -1;
		} else if (vbuf_append(out, p, (size_t)(nl + 1 - p)) < 0)
			return -1;
		p = nl + 1;
	}
	return vbuf_append(out, p, (size_t)(end - p));
}

/* The raw offset of CR LF octet off; *mid_r: off is an added CR's LF. */
static size_t
crlf_offset(const char *in, size_t len, int prev, size_t off, int *mid_r)
{
	const char *p = in, *end = in + len, *nl;
	size_t done = 0, seg;	/* CR LF octets before p */

	*mid_r = 0;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		seg = (size_t)(nl - p);
		if (off <= done + seg)
			return (size_t)(p - in) + (off - done);
		if ((nl == in ? prev : nl[-1]) != '\r') {
			/* seg bytes, the CR we add, then the LF */
			if (off == done + seg + 1) {
				*mid_r = 1;
				return (size_t)(nl - in);
			}
			done += seg + 2;
		} else
			done += seg + 1;
		p = nl + 1;
	}
	if (off - done > (size_t)(end - p))
		return len;
	return (size_t)(p - in) + (off - done);
}

int
mime_crlf_slice(const char *in, size_t len, int prev, size_t start,
    size_t count, struct vbuf *out)
{
	const char *end = in + len, *p, *first, *nl, *seg_end;
	size_t r, n;
	int mid, before;

	r = crlf_offset(in, len, prev, start, &mid);
	first = p = in + r;
	while (count > 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		seg_end = nl == NULL ? end : nl;
		n = (size_t)(seg_end - p);
		if (n > count)
			n = count;
		if (vbuf_append(out, p, n) < 0)
			return -1;
		count -= n;
		p += n;
		if (count == 0 || nl == NULL)
			break;
		if (nl == first)
			before = mid ? '\r' : (nl == in ? prev : nl[-1]);
		else
			before = nl[-1];
		if (before != '\r') {
			if (vbuf_append(out, "\r\n", count >= 2 ? 2 : 1) < 0)
				return -1;
			count -= count >= 2 ? 2 : 1;
		} else {
			if (vbuf_appendc(out, '\n') < 0)
				return -1;
			count--;
		}
		p = nl + 1;
	}
	return 0;
}
