/*
 * NAME
 *	htable - the one hash table: chained, growing, seeded FNV-1a.
 *
 * SYNOPSIS
 *	struct entry {
 *		struct htable_node node;
 *		char *key;
 *		...
 *	};
 *	struct htable t;
 *	struct htable_node *n;
 *	uint64_t h;
 *
 *	htable_init(&t);
 *	h = htable_hash_str(&t, key);
 *	for (n = htable_first(&t, h); n != NULL; n = htable_next(n, h))
 *		if (strcmp(HTABLE_ENTRY(n, struct entry, node)->key, key) == 0)
 *			return HTABLE_ENTRY(n, struct entry, node);
 *	htable_add(&t, &e->node, h);
 *
 * DESCRIPTION
 *	An intrusive table: the caller's entries embed a struct htable_node
 *	and stay the caller's (allocated, freed and compared by it), so an
 *	entry can sit on other lists too (anvil's idle list, auth's window
 *	order) and a key may be anything the caller hashes (anvil hashes a
 *	service and a client address together with htable_hash_more).
 *	The table keeps each node's hash and walks only the chain of a
 *	hash; the buckets double whenever there are more entries than
 *	buckets, so a chain stays about one entry long.
 *
 * SECURITY
 *	Keys often come from the network (client addresses, user names,
 *	recipient domains). Each table hashes from its own random basis
 *	(arc4random), so nobody can choose keys that share one chain. The
 *	table bounds nothing: the caller caps the number of entries.
 */
#ifndef POSTERN_HTABLE_H
#define POSTERN_HTABLE_H

#include <stddef.h>
#include <stdint.h>

#define HTABLE_FNV_BASIS	0xcbf29ce484222325ULL	/* FNV-1a, 64 bits */

struct htable_node {
	struct htable_node	*next;		/* in the bucket's chain */
	uint64_t		 hash;
};

struct htable {
	struct htable_node	**bucket;
	size_t			 nbucket;	/* a power of two */
	size_t			 n;
	uint64_t		 basis;		/* random, per table */
};

/* Walks every node; the node just returned may be deleted. */
struct htable_iter {
	const struct htable	*t;
	size_t			 i;		/* next bucket */
	struct htable_node	*next;
};

/* The entry of type that holds node as its member. */
#define HTABLE_ENTRY(node, type, member) \
	((type *)(void *)((char *)(node) - offsetof(type, member)))

/* An empty table. */
void	htable_init(struct htable *);
/* Free the buckets (not the entries: free them first). */
void	htable_release(struct htable *);
/* FNV-1a of len bytes from the table's basis. */
uint64_t htable_hash(const struct htable *, const void *, size_t len);
uint64_t htable_hash_str(const struct htable *, const char *);
/* Go on hashing: a key made of several parts. */
uint64_t htable_hash_more(uint64_t h, const void *, size_t len);
/*
 * The nodes whose hash is hash, one after the other (NULL at the end);
 * the caller compares the keys.
 */
struct htable_node *htable_first(const struct htable *, uint64_t hash);
struct htable_node *htable_next(const struct htable_node *, uint64_t hash);
/* Add node under hash (not already in a table). */
void	htable_add(struct htable *, struct htable_node *, uint64_t hash);
/* Take node out of the table. */
void	htable_del(struct htable *, struct htable_node *);
size_t	htable_count(const struct htable *);
/*
 * Every node in no particular order. The node last returned may be
 * deleted; nothing may be added during the walk.
 */
void	htable_iter_init(struct htable_iter *, const struct htable *);
struct htable_node *htable_iter_next(struct htable_iter *);

#endif
