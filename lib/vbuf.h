/*
 * vbuf - the one growable byte buffer.
 *
 * Binary-safe, always NUL-terminated beyond its length (the NUL is not
 * counted), and bounded: every buffer has a limit, and an append that would
 * pass it appends nothing and returns -1. Nothing is ever truncated
 * silently. Running out of memory is fatal (xmalloc).
 */
#ifndef POSTERN_VBUF_H
#define POSTERN_VBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define VBUF_NOLIMIT	(SIZE_MAX / 2)

struct vbuf {
	char	*data;		/* always NUL-terminated at data[len] */
	size_t	 len;
	size_t	 cap;		/* allocated, including room for the NUL */
	size_t	 limit;		/* maximum len */
};

/* Heap buffer with an initial capacity and a limit on its length. */
struct vbuf *vbuf_new(size_t initial, size_t limit);
/* Free the buffer and set *bp to NULL. NULL is fine. */
void	vbuf_free(struct vbuf **bp);
/* Set up / release a buffer embedded in another struct. */
void	vbuf_init(struct vbuf *, size_t initial, size_t limit);
void	vbuf_release(struct vbuf *);

void	vbuf_reset(struct vbuf *);
/* Append; 0 on success, -1 (and nothing appended) past the limit. */
int	vbuf_append(struct vbuf *, const void *, size_t);
int	vbuf_appendc(struct vbuf *, int);
int	vbuf_appends(struct vbuf *, const char *);
int	vbuf_appendf(struct vbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	vbuf_vappendf(struct vbuf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Replace the contents; same rules as append. */
int	vbuf_set(struct vbuf *, const void *, size_t);
int	vbuf_sets(struct vbuf *, const char *);
/* Shorten to len (no-op when already shorter). */
void	vbuf_truncate(struct vbuf *, size_t len);
/* Remove the first n bytes. */
void	vbuf_consume(struct vbuf *, size_t n);
/* Make room for n more bytes without changing len: -1 past the limit. */
int	vbuf_reserve(struct vbuf *, size_t n);
/* Take the NUL-terminated data; the buffer is left empty. Caller frees. */
char	*vbuf_steal(struct vbuf *);

static inline const char *
vbuf_str(const struct vbuf *b)
{
	return b->data;
}

static inline size_t
vbuf_len(const struct vbuf *b)
{
	return b->len;
}

#endif
