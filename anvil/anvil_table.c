/*
 * NAME
 *	anvil_table - session counts and rates per (service, client), in
 *	bounded memory; see anvil.h.
 *
 * DESCRIPTION
 *	A hash table (lib/htable) keyed by service and client address, plus a
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
 *	client can pick from 2^64). The hash is seeded at random (htable)
 *	so that nobody can aim many addresses at one chain, and the number of
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

TAILQ_HEAD(anvil_idle_list, anvil_entry);

struct anvil_table {
	struct htable	 tab;
	size_t		 limit;
	long long	 window_ms;
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
	htable_init(&t->tab);
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
	struct htable_iter it;
	struct htable_node *n;

	if (t == NULL)
		return;
	htable_iter_init(&it, &t->tab);
	while ((n = htable_iter_next(&it)) != NULL)
		anvil_entry_free(HTABLE_ENTRY(n, struct anvil_entry, node));
	htable_release(&t->tab);
	free(t);
	*tp = NULL;
}

/* The key is service NUL ident. */
static uint64_t
anvil_hash(const struct anvil_table *t, const char *service,
    const char *ident)
{
	return htable_hash_more(htable_hash(&t->tab, service,
	    strlen(service) + 1), ident, strlen(ident));
}

static struct anvil_entry *
anvil_lookup(const struct anvil_table *t, const char *service,
    const char *ident, uint64_t h)
{
	struct htable_node *n;
	struct anvil_entry *e;

	for (n = htable_first(&t->tab, h); n != NULL; n = htable_next(n, h)) {
		e = HTABLE_ENTRY(n, struct anvil_entry, node);
		if (strcmp(e->ident, ident) == 0 &&
		    strcmp(e->service, service) == 0)
			return e;
	}
	return NULL;
}

const struct anvil_entry *
anvil_table_find(struct anvil_table *t, const char *service,
    const char *ident)
{
	return anvil_lookup(t, service, ident,
	    anvil_hash(t, service, ident));
}

/* Take e out of the table and the idle list, and free it. */
static void
anvil_remove(struct anvil_table *t, struct anvil_entry *e)
{
	htable_del(&t->tab, &e->node);
	if (e->count == 0)
		TAILQ_REMOVE(&t->idle, e, idle);
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
		if (htable_count(&t->tab) >= t->limit) {
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
		e->window_start = now;
		htable_add(&t->tab, &e->node, h);
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
	anvil_peak(&t->stats.size, (unsigned long)htable_count(&t->tab),
	    NULL);
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
	return htable_count(&t->tab);
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
