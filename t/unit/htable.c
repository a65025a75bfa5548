/*
 * Unit tests for lib/htable (the one hash table) and lib/monotime.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htable.h"
#include "monotime.h"
#include "tap.h"
#include "xmalloc.h"

struct ent {
	struct htable_node node;
	char	 key[32];
	int	 value;
	int	 seen;
};

static struct ent *
find(const struct htable *t, const char *key)
{
	uint64_t h = htable_hash_str(t, key);
	struct htable_node *n;
	struct ent *e;

	for (n = htable_first(t, h); n != NULL; n = htable_next(n, h)) {
		e = HTABLE_ENTRY(n, struct ent, node);
		if (strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

static void
test_table(void)
{
	enum { N = 5000 };
	static struct ent ents[N];
	struct htable t, u;
	struct htable_iter it;
	struct htable_node *n;
	struct ent *e;
	int i, bad, seen;

	htable_init(&t);
	for (i = 0; i < N; i++) {
		snprintf(ents[i].key, sizeof(ents[i].key), "10.0.%d.%d",
		    i / 256, i % 256);
		ents[i].value = i;
		htable_add(&t, &ents[i].node, htable_hash_str(&t,
		    ents[i].key));
	}
	is_int((long long)htable_count(&t), N, "%d entries", N);
	ok(t.nbucket >= N, "the buckets grew with them (%zu)", t.nbucket);
	for (i = 0, bad = 0; i < N; i++)
		bad += (e = find(&t, ents[i].key)) == NULL || e->value != i;
	is_int(bad, 0, "every key finds its own entry");
	ok(find(&t, "10.0.255.255") == NULL && find(&t, "") == NULL,
	    "keys not in the table find nothing");

	/* delete every other one while walking */
	htable_iter_init(&it, &t);
	seen = 0;
	while ((n = htable_iter_next(&it)) != NULL) {
		e = HTABLE_ENTRY(n, struct ent, node);
		e->seen++;
		seen++;
		if (e->value % 2 == 0)
			htable_del(&t, n);
	}
	is_int(seen, N, "a walk sees every entry once, deleting as it goes");
	for (i = 0, bad = 0; i < N; i++)
		bad += ents[i].seen != 1;
	is_int(bad, 0, "  each exactly once");
	is_int((long long)htable_count(&t), N / 2, "half are left");
	for (i = 0, bad = 0; i < N; i++)
		bad += (find(&t, ents[i].key) != NULL) != (i % 2 == 1);
	is_int(bad, 0, "the deleted ones are gone, the others found");

	/* the same key in another table hashes differently: seeded */
	htable_init(&u);
	ok(htable_hash_str(&t, "192.0.2.1") != htable_hash_str(&u,
	    "192.0.2.1"), "each table has its own random basis");
	ok(htable_hash_str(&t, "ab") == htable_hash_more(htable_hash(&t, "a",
	    1), "b", 1), "htable_hash_more goes on where htable_hash ended");
	is_int((long long)htable_hash_more(HTABLE_FNV_BASIS, "a", 1),
	    (long long)0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\" (the "
	    "published vector)");
	htable_release(&u);
	htable_release(&t);
}

static void
test_collisions(void)
{
	struct ent a, b, c;
	struct htable t;

	/* entries with one hash share a chain; the caller tells them apart */
	htable_init(&t);
	strlcpy(a.key, "a", sizeof(a.key));
	strlcpy(b.key, "b", sizeof(b.key));
	strlcpy(c.key, "c", sizeof(c.key));
	htable_add(&t, &a.node, 42);
	htable_add(&t, &b.node, 42);
	htable_add(&t, &c.node, 43);
	ok(htable_first(&t, 42) != NULL &&
	    htable_next(htable_first(&t, 42), 42) != NULL &&
	    htable_next(htable_next(htable_first(&t, 42), 42), 42) == NULL,
	    "two nodes under one hash, and only those");
	htable_del(&t, &a.node);
	ok(htable_first(&t, 42) == &b.node &&
	    htable_next(&b.node, 42) == NULL, "delete one of them");
	ok(htable_first(&t, 43) == &c.node, "the other hash is untouched");
	htable_release(&t);
}

static void
test_monotime(void)
{
	long long a = monotime_ms(), b = monotime_ms();

	ok(a > 0 && b >= a, "monotime_ms does not go back");
}

int
main(void)
{
	tap_init("htable");
	test_table();
	test_collisions();
	test_monotime();
	return done_testing();
}
