/*
 * Unit tests for auth/auth_throttle: failure counts in windows, expiry,
 * the bound on memory, and the client keys (IPv6 by /64).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "tap.h"

#define W	60000LL		/* the window, ms */

static void
test_counts(void)
{
	struct auth_throttle *t = auth_throttle_new(100, W);

	is_int(auth_throttle_count(t, "c:192.0.2.1", 1000), 0, "no failures");
	is_int(auth_throttle_until(t, "c:192.0.2.1", 1000), 0, "no window");
	is_int(auth_throttle_fail(t, "c:192.0.2.1", 1000), 1, "first");
	is_int(auth_throttle_fail(t, "c:192.0.2.1", 2000), 2, "second");
	is_int(auth_throttle_fail(t, "u:alice@example.org", 2000), 1,
	    "another key counts apart");
	is_int(auth_throttle_count(t, "c:192.0.2.1", 3000), 2, "count 2");
	is_int(auth_throttle_until(t, "c:192.0.2.1", 3000), 1000 + W,
	    "the window ends W after the first failure");
	is_int(auth_throttle_count(t, "c:192.0.2.1", 1000 + W - 1), 2,
	    "still 2 just before the end");
	is_int(auth_throttle_count(t, "c:192.0.2.1", 1000 + W), 0,
	    "forgotten at the end");
	is_int(auth_throttle_size(t), 1, "only the other key is left");
	is_int(auth_throttle_fail(t, "c:192.0.2.1", 1000 + W), 1,
	    "a new window opens");
	is_int(auth_throttle_until(t, "c:192.0.2.1", 1000 + W), 1000 + 2 * W,
	    "  ending W later");
	is_int(auth_throttle_count(t, "u:alice@example.org", 2000 + W), 0,
	    "expiry of the other key");
	is_int(auth_throttle_size(t), 1, "one left");
	auth_throttle_free(&t);
	ok(t == NULL, "free sets the pointer to NULL");
}

static void
test_limit(void)
{
	struct auth_throttle *t = auth_throttle_new(3, W);
	char key[32];
	int i;

	auth_throttle_fail(t, "a", 100);
	auth_throttle_fail(t, "b", 200);
	auth_throttle_fail(t, "c", 300);
	auth_throttle_fail(t, "a", 400);
	is_int(auth_throttle_size(t), 3, "full");
	is_int(auth_throttle_fail(t, "d", 500), 1, "a new key when full");
	is_int(auth_throttle_size(t), 3, "still 3 keys");
	is_int(auth_throttle_count(t, "a", 500), 0,
	    "the key whose window opened first was forgotten");
	is_int(auth_throttle_count(t, "b", 500), 1, "the others are kept");
	auth_throttle_free(&t);

	t = auth_throttle_new(5000, W);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "c:10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		auth_throttle_fail(t, key, 1000 + i);
	}
	is_int(auth_throttle_size(t), 5000, "20000 keys: 5000 kept");
	is_int(auth_throttle_count(t, "c:10.0.0.1", 1000 + 20000), 0,
	    "the oldest are gone");
	is_int(auth_throttle_count(t, "c:10.0.78.31", 1000 + 20000), 1,
	    "the newest are there");
	is_int(auth_throttle_count(t, "c:10.0.0.1", 1000 + 20000 + W), 0,
	    "all expire");
	is_int(auth_throttle_size(t), 0, "empty again");
	auth_throttle_free(&t);
}

static const struct {
	const char	*client;
	const char	*key;
} keycases[] = {
	{ "192.0.2.1", "192.0.2.1" },
	{ "2001:db8:1:2::1", "2001:db8:1:2::/64" },
	{ "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64" },
	{ "2001:db8:1:3::1", "2001:db8:1:3::/64" },
	{ "::1", "::/64" },
	{ "fe80::1%eth0", "fe80::1%eth0" },	/* not parsed: itself */
	{ "unknown", "unknown" },
};

static void
test_client_key(void)
{
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(keycases) / sizeof(keycases[0]); i++) {
		auth_throttle_client_key(keycases[i].client, buf, sizeof(buf));
		is_str(buf, keycases[i].key, "client key of %s",
		    keycases[i].client);
	}
}

int
main(void)
{
	tap_init("auth_throttle");
	test_counts();
	test_limit();
	test_client_key();
	return done_testing();
}
