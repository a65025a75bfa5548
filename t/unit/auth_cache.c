/*
 * Unit tests for auth/auth_cache: a login verified lately is let in
 * again with the same password and the same stored hash, within
 * auth_cache_ttl; another password, a changed hash or an expired entry
 * is not; the cache keeps to auth_cache_size; off at 0.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "params.h"
#include "tap.h"

#define NOW	1000000LL	/* ms */

int
main(void)
{
	const char *h1 = "$6$salt$hashone", *h2 = "$6$salt$hashtwo";
	char user[32];
	int i;

	tap_init("auth_cache");
	var_auth_cache_size = 0;
	var_auth_cache_ttl = 60;
	auth_cache_init();
	auth_cache_add("a@x", h1, "pw", NOW);
	is_int(auth_cache_check("a@x", h1, "pw", NOW), 0,
	    "auth_cache_size = 0: nothing is cached");

	var_auth_cache_size = 1024 * 1024;
	auth_cache_init();
	is_int(auth_cache_check("a@x", h1, "pw", NOW), 0, "empty: a miss");
	auth_cache_add("a@x", h1, "pw", NOW);
	is_int(auth_cache_check("a@x", h1, "pw", NOW + 1000), 1,
	    "the same password and hash: let in");
	is_int(auth_cache_check("a@x", h1, "pW", NOW + 1000), 0,
	    "another password: not from the cache");
	is_int(auth_cache_check("b@x", h1, "pw", NOW + 1000), 0,
	    "another user: not from the cache");
	is_int(auth_cache_check("a@x", h2, "pw", NOW + 1000), 0,
	    "the stored hash changed (a new password): not from the cache");
	is_int(auth_cache_check("a@x", h1, "pw", NOW + 1000), 0,
	    "... and the entry is gone");
	auth_cache_add("a@x", h1, "pw", NOW);
	is_int(auth_cache_check("a@x", h1, "pw", NOW + 60000), 0,
	    "after auth_cache_ttl: not from the cache");

	/* room for two entries: the oldest goes */
	var_auth_cache_size = 2 * 700;
	auth_cache_init();
	for (i = 0; i < 5; i++) {
		snprintf(user, sizeof(user), "u%d@x", i);
		auth_cache_add(user, h1, "pw", NOW);
	}
	ok(auth_cache_count() >= 1 && auth_cache_count() <= 2,
	    "bounded by auth_cache_size (%zu entries)", auth_cache_count());
	is_int(auth_cache_check("u4@x", h1, "pw", NOW), 1, "the newest stays");
	is_int(auth_cache_check("u0@x", h1, "pw", NOW), 0, "the oldest went");
	auth_cache_free();
	is_int((long long)auth_cache_count(), 0, "freed");
	return done_testing();
}
