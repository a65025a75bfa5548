/*
 * arena - allocate-only memory pool; see arena.h.
 *
 * The head block is the one being filled; a request larger than a
 * quarter block gets a block of its own, linked behind the head, so
 * the space left in the head is not wasted.
 *
 * UNSAFE: pointer arithmetic in arena_alloc; every size is checked for
 * overflow before it is added.
 */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "xmalloc.h"

#define ARENA_ALIGN	alignof(max_align_t)

struct arena_block {
	struct arena_block	*next;
	size_t			 size;	/* usable bytes after the header */
	size_t			 used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_block	*head;	/* current block; older ones follow */
	size_t			 block_size;
	size_t			 total;
};

static struct arena_block *
arena_block_new(size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		log_fatal("arena: block of %zu bytes is too large", size);
	b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *
arena_new(size_t block_size)
{
	struct arena *a = xmalloc(sizeof(*a));

	if (block_size < 256)
		block_size = 256;
	a->block_size = block_size;
	a->head = arena_block_new(block_size);
	a->total = 0;
	return a;
}

void
arena_free(struct arena **ap)
{
	struct arena_block *b, *next;

	if (*ap == NULL)
		return;
	for (b = (*ap)->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(*ap);
	*ap = NULL;
}

void
arena_clear(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = arena_block_new(a->block_size);
	a->total = 0;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head, *nb;
	size_t off, bsize;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		log_fatal("arena: allocation of %zu bytes is too large", size);
	off = (b->used + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (off <= b->size && size <= b->size - off) {
		b->used = off + size;
		a->total += size;
		return b->data + off;
	}
	/* a large request gets a block of its own behind the current one */
	if (size > a->block_size / 4) {
		nb = arena_block_new(size);
		nb->used = size;
		nb->next = b->next;
		b->next = nb;
		a->total += size;
		return nb->data;
	}
	bsize = a->block_size;
	nb = arena_block_new(bsize);
	nb->next = b;
	a->head = nb;
	nb->used = size;
	a->total += size;
	return nb->data;
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);

	memset(p, 0, size);
	return p;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		log_fatal("arena: %zu*%zu bytes overflows", nmemb, size);
	return arena_zalloc(a, nmemb * size);
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		log_fatal("arena: string too long");
	p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
