/* Unit tests for anvil/anvil_table: counts, rate windows, expiry, the cap. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "anvil/anvil.h"
#include "tap.h"

#define W	60000LL		/* the rate window, ms */

static const struct anvil_entry *
conn(struct anvil_table *t, const char *svc, const char *ip, long long now)
{
	return anvil_table_connect(t, svc, ip, now);
}

static void
test_counts(void)
{
	struct anvil_table *t = anvil_table_new(100, W);
	const struct anvil_entry *e;
	uint64_t gen;

	e = conn(t, "smtp", "192.0.2.1", 1000);
	ok(e != NULL, "first session is counted");
	is_int(e->count, 1, "count 1");
	is_int(e->rate, 1, "rate 1");
	gen = e->gen;
	e = conn(t, "smtp", "192.0.2.1", 2000);
	is_int(e->count, 2, "second session: count 2");
	is_int(e->rate, 2, "second session: rate 2");
	is_int(e->gen, gen, "same entry");
	e = conn(t, "submission", "192.0.2.1", 2000);
	is_int(e->count, 1, "another service counts apart");
	e = conn(t, "smtp", "2001:db8::1", 2000);
	is_int(e->count, 1, "another client counts apart");
	is_int(anvil_table_size(t), 3, "three entries");

	is_int(anvil_table_disconnect(t, "smtp", "192.0.2.1", gen, 3000), 0,
	    "disconnect");
	e = anvil_table_find(t, "smtp", "192.0.2.1");
	is_int(e->count, 1, "count back to 1");
	is_int(e->rate, 2, "rate unchanged by a disconnect");
	is_int(anvil_table_disconnect(t, "smtp", "192.0.2.1", gen + 100,
	    3000), -1, "disconnect with a wrong generation is refused");
	is_int(e->count, 1, "and changes nothing");
	is_int(anvil_table_disconnect(t, "smtp", "192.0.2.9", gen, 3000), -1,
	    "disconnect of an unknown client is refused");
	is_int(anvil_table_disconnect(t, "smtp", "192.0.2.1", gen, 3000), 0,
	    "last session ends");
	is_int(anvil_table_disconnect(t, "smtp", "192.0.2.1", gen, 3000), -1,
	    "a count never goes below 0");
	e = anvil_table_find(t, "smtp", "192.0.2.1");
	ok(e != NULL && e->count == 0, "an idle entry is kept (its rate)");
	anvil_table_free(&t);
	ok(t == NULL, "free sets the pointer to NULL");
}

static void
test_rate_window(void)
{
	struct anvil_table *t = anvil_table_new(100, W);
	const struct anvil_entry *e;
	uint64_t gen;
	int i;

	for (i = 0; i < 5; i++) {
		e = conn(t, "smtp", "192.0.2.2", 1000 + i * 1000);
		gen = e->gen;
		anvil_table_disconnect(t, "smtp", "192.0.2.2", gen,
		    1000 + i * 1000 + 10);
	}
	e = conn(t, "smtp", "192.0.2.2", 1000 + W - 1);
	is_int(e->rate, 6, "six sessions inside one window");
	gen = e->gen;
	anvil_table_disconnect(t, "smtp", "192.0.2.2", gen, 1000 + W);
	e = conn(t, "smtp", "192.0.2.2", 1000 + W);
	is_int(e->rate, 1, "a new window starts when the old one is over");
	is_int(e->window_start, 1000 + W, "at the session that opened it");
	e = conn(t, "smtp", "192.0.2.2", 1000 + W + 5);
	is_int(e->rate, 2, "and counts from there");
	is_int(e->count, 2, "the concurrent count is not windowed");
	anvil_table_free(&t);
}

static void
test_expire(void)
{
	struct anvil_table *t = anvil_table_new(100, W);
	const struct anvil_entry *e;

	e = conn(t, "smtp", "192.0.2.3", 1000);
	anvil_table_disconnect(t, "smtp", "192.0.2.3", e->gen, 2000);
	e = conn(t, "smtp", "192.0.2.4", 1500);
	anvil_table_disconnect(t, "smtp", "192.0.2.4", e->gen, 5000);
	conn(t, "smtp", "192.0.2.5", 1000);	/* stays open */
	is_int(anvil_table_expire(t, 2000 + W - 1), 0,
	    "nothing expires inside the window");
	is_int(anvil_table_expire(t, 2000 + W), 1,
	    "an idle entry expires one window after its last use");
	ok(anvil_table_find(t, "smtp", "192.0.2.3") == NULL, "the right one");
	is_int(anvil_table_expire(t, 1000000), 1,
	    "the next when its time comes");
	ok(anvil_table_find(t, "smtp", "192.0.2.5") != NULL,
	    "an entry with an open session never expires");
	is_int(anvil_table_size(t), 1, "one left");
	e = conn(t, "smtp", "192.0.2.4", 1000001);
	is_int(e->rate, 1, "an expired client starts afresh");
	anvil_table_free(&t);
}

static void
test_limit(void)
{
	struct anvil_table *t = anvil_table_new(16, W);
	const struct anvil_entry *e;
	const struct anvil_stats *st;
	uint64_t old_gen;
	char ip[32];
	int i;

	/* 16 clients, all idle, the first one idle longest */
	for (i = 0; i < 16; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		e = conn(t, "smtp", ip, 1000 + i);
		anvil_table_disconnect(t, "smtp", ip, e->gen, 2000 + i);
	}
	is_int(anvil_table_size(t), 16, "table full");
	old_gen = anvil_table_find(t, "smtp", "198.51.100.0")->gen;
	e = conn(t, "smtp", "203.0.113.1", 3000);
	ok(e != NULL, "a new client replaces an idle one");
	is_int(anvil_table_size(t), 16, "the size stays at the limit");
	ok(anvil_table_find(t, "smtp", "198.51.100.0") == NULL,
	    "the longest-idle client went");
	ok(anvil_table_find(t, "smtp", "198.51.100.1") != NULL,
	    "the next one stays");

	/* the replaced client comes back: a disconnect for the old entry
	   must not touch the new one */
	for (i = 1; i < 16; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		conn(t, "smtp", ip, 4000);
	}
	st = anvil_table_stats(t);
	is_int(st->evicted, 1, "one eviction so far");
	e = conn(t, "smtp", "198.51.100.0", 4000);
	ok(e == NULL, "every entry busy: the new client is not counted");
	is_int(st->refused, 1, "and that is in the statistics");
	is_int(anvil_table_size(t), 16, "the table did not grow");

	/* free one slot, bring the old client back under a new gen */
	anvil_table_disconnect(t, "smtp", "203.0.113.1",
	    anvil_table_find(t, "smtp", "203.0.113.1")->gen, 5000);
	e = conn(t, "smtp", "198.51.100.0", 5001);
	ok(e != NULL && e->gen != old_gen, "a returning client is a new entry");
	is_int(anvil_table_disconnect(t, "smtp", "198.51.100.0", old_gen,
	    5002), -1, "a disconnect for its old entry is ignored");
	is_int(anvil_table_find(t, "smtp", "198.51.100.0")->count, 1,
	    "the new entry keeps its count");
	anvil_table_free(&t);
}

static void
test_many(void)
{
	struct anvil_table *t = anvil_table_new(20000, W);
	const struct anvil_entry *e;
	char ip[64];
	int i, bad = 0;

	for (i = 0; i < 20000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		if (conn(t, "smtp", ip, 1000) == NULL)
			bad++;
	}
	is_int(bad, 0, "20000 clients counted");
	for (i = 0; i < 20000; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		e = anvil_table_find(t, "smtp", ip);
		if (e == NULL || e->count != 1 ||
		    anvil_table_disconnect(t, "smtp", ip, e->gen, 2000) < 0)
			bad++;
	}
	is_int(bad, 0, "each found after the table grew, and ended");
	is_int(anvil_table_expire(t, 2000 + W), 20000, "all expire");
	is_int(anvil_table_size(t), 0, "the table is empty");
	anvil_table_free(&t);
}

static void
test_stats(void)
{
	struct anvil_table *t = anvil_table_new(100, W);
	const struct anvil_stats *st = anvil_table_stats(t);

	conn(t, "smtp", "192.0.2.7", 1000);
	conn(t, "smtp", "192.0.2.7", 1001);
	conn(t, "smtp", "192.0.2.8", 1002);
	is_int(st->count.value, 2, "peak count");
	is_str(st->count.what, "smtp:192.0.2.7", "for whom");
	is_int(st->rate.value, 2, "peak rate");
	is_int(st->size.value, 2, "peak size");
	anvil_table_stats_reset(t);
	is_int(st->count.value, 0, "reset");
	anvil_table_free(&t);
}

int
main(void)
{
	tap_init("anvil_table");
	test_counts();
	test_rate_window();
	test_expire();
	test_limit();
	test_many();
	test_stats();
	return done_testing();
}
