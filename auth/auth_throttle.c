/*
 * NAME
 *	auth_throttle - failure counts per key in fixed windows, in
 *	bounded memory; see auth.h.
 *
 * DESCRIPTION
 *	A hash table (lib/htable) of entries {key, count, window start}, plus one list
 *	of all entries in the order their windows opened (a window opens
 *	when an entry is made, or when a failure finds its old window
 *	passed: the entry then moves to the end). Expiry is therefore
 *	exact and cheap: entries are dropped from the front of the list
 *	while their window has passed, on every change. When the table is
 *	full a new key replaces the front entry, the one whose window is
 *	oldest: memory never passes `limit` entries, whatever a client
 *	sends, and what is forgotten early is what was closest to being
 *	forgotten anyway.
 *
 *	Keys are hashed from a random basis (lib/htable), so a client
 *	cannot choose names that all land in one bucket.
 *
 *	The auth service keys clients as "c:ADDRESS" (an IPv6 client by
 *	its /64: one host has all of those addresses) and user names as
 *	"u:ADDRESS" in one table.
 *
 * SECURITY
 *	Keys come from the network (user names, bounded by the protocol):
 *	they are copied, never interpreted.
 */
#include "config.h"

#include <sys/queue.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "htable.h"
#include "xmalloc.h"

struct auth_thr_ent {
	char		*key;
	unsigned long	 count;
	long long	 start;		/* window opened, ms */
	struct htable_node node;
	TAILQ_ENTRY(auth_thr_ent) order;	/* by window start */
};

TAILQ_HEAD(auth_thr_list, auth_thr_ent);

struct auth_throttle {
	size_t		 limit;
	long long	 window;
	struct htable	 tab;
	struct auth_thr_list order;
};

struct auth_throttle *
auth_throttle_new(size_t limit, long long window_ms)
{
	struct auth_throttle *t = xcalloc(1, sizeof(*t));

	t->limit = limit > 0 ? limit : 1;
	t->window = window_ms > 0 ? window_ms : 1;
	htable_init(&t->tab);
	TAILQ_INIT(&t->order);
	return t;
}

static void
auth_thr_unlink(struct auth_throttle *t, struct auth_thr_ent *e)
{
	htable_del(&t->tab, &e->node);
	TAILQ_REMOVE(&t->order, e, order);
	free(e->key);
	free(e);
}

void
auth_throttle_free(struct auth_throttle **tp)
{
	struct auth_throttle *t = *tp;
	struct auth_thr_ent *e;

	if (t == NULL)
		return;
	while ((e = TAILQ_FIRST(&t->order)) != NULL)
		auth_thr_unlink(t, e);
	htable_release(&t->tab);
	free(t);
	*tp = NULL;
}

size_t
auth_throttle_size(const struct auth_throttle *t)
{
	return htable_count(&t->tab);
}

/* Drop the entries whose window has passed (front of the list). */
static void
auth_thr_expire(struct auth_throttle *t, long long now)
{
	struct auth_thr_ent *e;

	while ((e = TAILQ_FIRST(&t->order)) != NULL &&
	    now - e->start >= t->window)
		auth_thr_unlink(t, e);
}

/* The entry of key, if its window has not passed. */
static struct auth_thr_ent *
auth_thr_find(struct auth_throttle *t, const char *key, uint64_t h,
    long long now)
{
	struct auth_thr_ent *e;
	struct htable_node *n;

	for (n = htable_first(&t->tab, h); n != NULL; n = htable_next(n, h)) {
		e = HTABLE_ENTRY(n, struct auth_thr_ent, node);
		if (strcmp(e->key, key) != 0)
			continue;
		/* expiry from the front is enough with a monotonic clock;
		   this keeps every answer right whatever the times were */
		if (now - e->start >= t->window) {
			auth_thr_unlink(t, e);
			return NULL;
		}
		return e;
	}
	return NULL;
}

unsigned long
auth_throttle_count(struct auth_throttle *t, const char *key, long long now)
{
	struct auth_thr_ent *e;

	auth_thr_expire(t, now);
	e = auth_thr_find(t, key, htable_hash_str(&t->tab, key), now);
	return e != NULL ? e->count : 0;
}

long long
auth_throttle_until(struct auth_throttle *t, const char *key, long long now)
{
	struct auth_thr_ent *e;

	auth_thr_expire(t, now);
	e = auth_thr_find(t, key, htable_hash_str(&t->tab, key), now);
	return e != NULL ? e->start + t->window : 0;
}

unsigned long
auth_throttle_fail(struct auth_throttle *t, const char *key, long long now)
{
	uint64_t h = htable_hash_str(&t->tab, key);
	struct auth_thr_ent *e;

	auth_thr_expire(t, now);
	if ((e = auth_thr_find(t, key, h, now)) != NULL)
		return ++e->count;
	if (htable_count(&t->tab) >= t->limit)
		auth_thr_unlink(t, TAILQ_FIRST(&t->order));
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->count = 1;
	e->start = now;
	htable_add(&t->tab, &e->node, h);
	TAILQ_INSERT_TAIL(&t->order, e, order);
	return 1;
}

void
auth_throttle_client_key(const char *client, char *buf, size_t len)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];

	if (strchr(client, ':') != NULL &&
	    inet_pton(AF_INET6, client, a) == 1) {
		memset(a + 8, 0, 8);
		if (inet_ntop(AF_INET6, a, text, sizeof(text)) != NULL) {
			snprintf(buf, len, "%s/64", text);
			return;
		}
	}
	strlcpy(buf, client, len);
}
