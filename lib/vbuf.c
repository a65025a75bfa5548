/*
 * vbuf - growable, bounded, NUL-terminated byte buffer; see vbuf.h.
 *
 * UNSAFE: raw memory arithmetic. Growth doubles, with explicit overflow
 * checks before every size computation.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbuf.h"
#include "xmalloc.h"

static void
vbuf_grow(struct vbuf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 16;

	/* need excludes the NUL; the limit check happened before */
	while (cap < need + 1) {
		if (cap > SIZE_MAX / 2)
			cap = need + 1;
		else
			cap *= 2;
	}
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

void
vbuf_init(struct vbuf *b, size_t initial, size_t limit)
{
	if (limit > VBUF_NOLIMIT)
		limit = VBUF_NOLIMIT;
	if (initial > limit)
		initial = limit;
	b->cap = initial + 1;
	b->data = xmalloc(b->cap);
	b->data[0] = '\0';
	b->len = 0;
	b->limit = limit;
}

struct vbuf *
vbuf_new(size_t initial, size_t limit)
{
	struct vbuf *b = xmalloc(sizeof(*b));

	vbuf_init(b, initial, limit);
	return b;
}

void
vbuf_release(struct vbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
vbuf_free(struct vbuf **bp)
{
	if (*bp == NULL)
		return;
	vbuf_release(*bp);
	free(*bp);
	*bp = NULL;
}

void
vbuf_reset(struct vbuf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

int
vbuf_reserve(struct vbuf *b, size_t n)
{
	if (n > b->limit - b->len) {
		errno = EMSGSIZE;
		return -1;
	}
	if (b->len + n + 1 > b->cap)
		vbuf_grow(b, b->len + n);
	return 0;
}

int
vbuf_append(struct vbuf *b, const void *p, size_t n)
{
	if (vbuf_reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
vbuf_appendc(struct vbuf *b, int c)
{
	char ch = (char)c;

	return vbuf_append(b, &ch, 1);
}

int
vbuf_appends(struct vbuf *b, const char *s)
{
	return vbuf_append(b, s, strlen(s));
}

int
vbuf_vappendf(struct vbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	size_t room = b->cap - b->len;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(b->data + b->len, room, fmt, aq);
	va_end(aq);
	if (n < 0)
		goto fail;
	if ((size_t)n > b->limit - b->len) {
		errno = EMSGSIZE;
		goto fail;
	}
	if ((size_t)n >= room) {
		vbuf_grow(b, b->len + (size_t)n);
		if (vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap) != n)
			goto fail;
	}
	b->len += (size_t)n;
	return 0;
fail:
	b->data[b->len] = '\0';
	return -1;
}

int
vbuf_appendf(struct vbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vbuf_vappendf(b, fmt, ap);
	va_end(ap);
	return r;
}

int
vbuf_set(struct vbuf *b, const void *p, size_t n)
{
	if (n > b->limit) {
		errno = EMSGSIZE;
		return -1;
	}
	vbuf_reset(b);
	return vbuf_append(b, p, n);
}

int
vbuf_sets(struct vbuf *b, const char *s)
{
	return vbuf_set(b, s, strlen(s));
}

void
vbuf_truncate(struct vbuf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void
vbuf_consume(struct vbuf *b, size_t n)
{
	if (n >= b->len) {
		vbuf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *
vbuf_steal(struct vbuf *b)
{
	char *p = b->data;

	b->cap = 16;
	b->data = xmalloc(b->cap);
	b->len = 0;
	b->data[0] = '\0';
	return p;
}
