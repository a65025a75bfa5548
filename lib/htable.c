/*
 * NAME
 *	htable - the one hash table; see htable.h.
 *
 * DESCRIPTION
 *	A bucket index takes the low bits of the hash with the high half
 *	folded in: FNV-1a mixes its last bytes into the low bits only
 *	weakly, and many keys differ only at the end (addresses in one
 *	network, queue IDs).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "xmalloc.h"

#define HTABLE_FNV_PRIME	0x100000001b3ULL
#define HTABLE_MIN		16

static size_t
htable_index(const struct htable *t, uint64_t hash)
{
	return (size_t)(hash ^ (hash >> 32)) & (t->nbucket - 1);
}

void
htable_init(struct htable *t)
{
	memset(t, 0, sizeof(*t));
	t->nbucket = HTABLE_MIN;
	t->bucket = xcalloc(t->nbucket, sizeof(*t->bucket));
	arc4random_buf(&t->basis, sizeof(t->basis));
	t->basis ^= HTABLE_FNV_BASIS;
}

void
htable_release(struct htable *t)
{
	free(t->bucket);
	t->bucket = NULL;
	t->nbucket = 0;
	t->n = 0;
}

uint64_t
htable_hash_more(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * HTABLE_FNV_PRIME;
	return h;
}

uint64_t
htable_hash(const struct htable *t, const void *p, size_t len)
{
	return htable_hash_more(t->basis, p, len);
}

uint64_t
htable_hash_str(const struct htable *t, const char *s)
{
	return htable_hash_more(t->basis, s, strlen(s));
}

struct htable_node *
htable_next(const struct htable_node *n, uint64_t hash)
{
	for (n = n->next; n != NULL && n->hash != hash; n = n->next)
		;
	/* UNSAFE: drops const; the node is the caller's own */
	return (struct htable_node *)(uintptr_t)n;
}

struct htable_node *
htable_first(const struct htable *t, uint64_t hash)
{
	struct htable_node *n = t->bucket[htable_index(t, hash)];

	return n == NULL || n->hash == hash ? n : htable_next(n, hash);
}

/* Double the buckets: a chain stays about one entry long. */
static void
htable_grow(struct htable *t)
{
	struct htable_node **old = t->bucket, *n, *next;
	size_t i, oldn = t->nbucket;

	if (t->nbucket > SIZE_MAX / 2 / sizeof(*t->bucket))
		return;
	t->nbucket *= 2;
	t->bucket = xcalloc(t->nbucket, sizeof(*t->bucket));
	for (i = 0; i < oldn; i++)
		for (n = old[i]; n != NULL; n = next) {
			next = n->next;
			n->next = t->bucket[htable_index(t, n->hash)];
			t->bucket[htable_index(t, n->hash)] = n;
		}
	free(old);
}

void
htable_add(struct htable *t, struct htable_node *n, uint64_t hash)
{
	size_t i = htable_index(t, hash);

	n->hash = hash;
	n->next = t->bucket[i];
	t->bucket[i] = n;
	if (++t->n > t->nbucket)
		htable_grow(t);
}

void
htable_del(struct htable *t, struct htable_node *n)
{
	struct htable_node **pp;

	for (pp = &t->bucket[htable_index(t, n->hash)]; *pp != n;
	    pp = &(*pp)->next)
		;
	*pp = n->next;
	n->next = NULL;
	t->n--;
}

size_t
htable_count(const struct htable *t)
{
	return t->n;
}

void
htable_iter_init(struct htable_iter *it, const struct htable *t)
{
	it->t = t;
	it->i = 0;
	it->next = NULL;
}

struct htable_node *
htable_iter_next(struct htable_iter *it)
{
	struct htable_node *n;

	while (it->next == NULL && it->i < it->t->nbucket)
		it->next = it->t->bucket[it->i++];
	if ((n = it->next) != NULL)
		it->next = n->next;
	return n;
}
