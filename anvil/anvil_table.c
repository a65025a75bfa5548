/*
 * NAME
 *	anvil_table - session counts and rates per (service, client), in
 *	bounded memory; see anvil.h.
 *
 * DESCRIPTION
 *	A chained hash table keyed by service and client address, plus a
 *	list of the idle entries (no open session) in the order they went
 *	idle, which is the order in which they expire and are replaced.
 *	Every operation is O(1) on average except anvil_table_expire,
 *	which is O(entries dropped).
 *
 *	Invariants: an entry is on the idle list exactly when its count
 *	is 0; the table never holds more than `limit` entries; a new entry
 *	gets a generation number never used before in this process, so a
 *	disconnect meant for a replaced entry cannot touch its heir.
 *
 * SECURITY
 *	Keys come from smtpd processes (the client's address, which a
 *	remote client chooses among the addresses it controls: an IPv6
 *	client can pick from 2^64). The hash is seeded at random so that
 *	nobody can aim many addresses at one chain, and the number of
 *	entries is capped; what is over the cap is not tracked rather than
 *	allowed to grow the process.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anvil.h"
#include "xmalloc.h"

#define ANVIL_BUCKETS_MIN	64

TAILQ_HEAD(anvil_idle_list, anvil_entry);

struct anvil_table {
	struct anvil_entry **buckets;
	size_t		 nbuckets;	/* a power of two */
	size_t		 n;
	size_t		 limit;
	long long	 window_ms;
	uint64_t	 seed;
	uint64_t	 next_gen;
	struct anvil_idle_list idle;
	struct anvil_stats stats;
};

struct anvil_table *
anvil_table_new(size_t limit, long long window_ms)
{
	struct anvil_table *t = xcalloc(1, sizeof(*t));

	t->limit = limit > 0 ? limit : 1;
	t->window_ms = window_ms > 0 ? window_ms : 1;
	t->nbuckets = ANVIL_BUCKETS_MIN;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	arc4random_buf(&t->seed, sizeof(t->seed));
	TAILQ_INIT(&t->idle);
	return t;
}

static void
anvil_entry_free(struct anvil_entry *e)
{
	free(e->service);
	free(e->ident);
	free(e);
}

void
anvil_table_free(struct anvil_table **tp)
{
	struct anvil_table *t = *tp;
	struct anvil_entry *e, *next;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (e = t->buckets[i]; e != NULL; e = next) {
			next = e->next;
			anvil_entry_free(e);
		}
	free(t->buckets);
	free(t);
	*tp = NULL;
}

/* FNV-1a over service NUL ident, from a seeded basis. */
static uint64_t
anvil_hash(const struct anvil_table *t, const char *service,
    const char *ident)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;
	const unsigned char *p;

	for (p = (const unsigned char *)service; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h = (h ^ 0) * 0x100000001b3ULL;
	for (p = (const unsigned char *)ident; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	/* fold the high bits in: the bucket index takes the low ones */
	return h ^ (h >> 29) ^ (h >> 47);
}

static struct anvil_entry *
anvil_lookup(const struct anvil_table *t, const char *service,
    const char *ident, uint64_t h)
{
	struct anvil_entry *e;

	for (e = t->buckets[h & (t->nbuckets - 1)]; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->ident, ident) == 0 &&
		    strcmp(e->service, service) == 0)
			return e;
	return NULL;
}

const struct anvil_entry *
anvil_table_find(struct anvil_table *t, const char *service,
    const char *ident)
{
	return anvil_lookup(t, service, ident,
	    anvil_hash(t, service, ident));
}

/* Double the buckets while the table has more entries than buckets. */
static void
anvil_grow(struct anvil_table *t)
{
	struct anvil_entry **nb, *e, *next;
	size_t i, nn;

	if (t->n <= t->nbuckets || t->nbuckets >= t->limit)
		return;
	nn = t->nbuckets * 2;
	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < t->nbuckets; i++)
		for (e = t->buckets[i]; e != NULL; e = next) {
			next = e->next;
			e->next = nb[e->hash & (nn - 1)];
			nb[e->hash & (nn - 1)] = e;
		}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = nn;
}

/* Unlink e from its chain and the idle list, and free it. */
static void
anvil_remove(struct anvil_table *t, struct anvil_entry *e)
{
	struct anvil_entry **pp;

	for (pp = &t->buckets[e->hash & (t->nbuckets - 1)]; *pp != e;
	    pp = &(*pp)->next)
		;
	*pp = e->next;
	if (e->count == 0)
		TAILQ_REMOVE(&t->idle, e, idle);
	t->n--;
	anvil_entry_free(e);
}

static void
anvil_peak(struct anvil_peak *p, unsigned long value,
    const struct anvil_entry *e)
{
	if (value <= p->value)
		return;
	p->value = value;
	p->when = (long long)time(NULL);
	if (e != NULL)
		snprintf(p->what, sizeof(p->what), "%s:%s", e->service,
		    e->ident);
}

const struct anvil_entry *
anvil_table_connect(struct anvil_table *t, const char *service,
    const char *ident, long long now)
{
	struct anvil_entry *e, *victim;
	uint64_t h = anvil_hash(t, service, ident);

	if ((e = anvil_lookup(t, service, ident, h)) == NULL) {
		if (t->n >= t->limit) {
			if ((victim = TAILQ_FIRST(&t->idle)) == NULL) {
				t->stats.refused++;
				return NULL;
			}
			anvil_remove(t, victim);
			t->stats.evicted++;
		}
		e = xcalloc(1, sizeof(*e));
		e->service = xstrdup(service);
		e->ident = xstrdup(ident);
		e->gen = ++t->next_gen;
		e->hash = h;
		e->window_start = now;
		e->next = t->buckets[h & (t->nbuckets - 1)];
		t->buckets[h & (t->nbuckets - 1)] = e;
		t->n++;
		anvil_grow(t);
	} else if (e->count == 0)
		TAILQ_REMOVE(&t->idle, e, idle);
	if (now - e->window_start >= t->window_ms) {
		e->window_start = now;
		e->rate = 0;
	}
	e->count++;
	e->rate++;
	e->last = now;
	anvil_peak(&t->stats.count, e->count, e);
	anvil_peak(&t->stats.rate, e->rate, e);
	anvil_peak(&t->stats.size, (unsigned long)t->n, NULL);
	return e;
}

int
anvil_table_disconnect(struct anvil_table *t, const char *service,
    const char *ident, uint64_t gen, long long now)
{
	struct anvil_entry *e;

	e = anvil_lookup(t, service, ident, anvil_hash(t, service, ident));
	if (e == NULL || e->gen != gen || e->count == 0)
		return -1;
	e->last = now;
	if (--e->count == 0)
		TAILQ_INSERT_TAIL(&t->idle, e, idle);
	return 0;
}

size_t
anvil_table_expire(struct anvil_table *t, long long now)
{
	struct anvil_entry *e;
	size_t n = 0;

	while ((e = TAILQ_FIRST(&t->idle)) != NULL &&
	    now - e->last >= t->window_ms) {
		anvil_remove(t, e);
		n++;
	}
	return n;
}

size_t
anvil_table_size(const struct anvil_table *t)
{
	return t->n;
}

const struct anvil_stats *
anvil_table_stats(const struct anvil_table *t)
{
	return &t->stats;
}

void
anvil_table_stats_reset(struct anvil_table *t)
{
	memset(&t->stats, 0, sizeof(t->stats));
}
