/*
 * Unit tests for auth/auth_db, auth/auth_verify and auth/auth_request: the
 * users table entries and keys, the hash schemes, unknown users and
 * disabled accounts, throttling per client (IPv6 by /64) and per user,
 * windows, and temporary failures.
 */
#include "config.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "params.h"
#include "pwhash.h"
#include "tap.h"
#include "xmalloc.h"

#define NOW	1000000LL	/* ms */
#define WINDOW	60000LL		/* auth_throttle_time = 60s */

static const struct {
	const char	*value;
	int		 ok;
	const char	*hash;
	const char	*maildir;
	unsigned long long quota;
} parsecases[] = {
	{ "$y$j9T$abc$def example.test/alice/", 1, "$y$j9T$abc$def",
	    "example.test/alice/", 0 },
	{ "  $6$x$y   d/a/   quota=1m ", 1, "$6$x$y", "d/a/", 1048576 },
	{ "! d/a/ quota=10k", 1, "!", "d/a/", 10240 },
	{ "$6$x$y", 0, NULL, NULL, 0 },
	{ "", 0, NULL, NULL, 0 },
	{ "$6$x$y d/a/ quota=big", 0, NULL, NULL, 0 },
	{ "$6$x$y d/a/ size=1m", 0, NULL, NULL, 0 },
	{ "$6$x$y d/a/ quota=1m extra", 0, NULL, NULL, 0 },
	{ "$6$x$y ../a/", 0, NULL, NULL, 0 },
	{ "$6$x$y d/../a", 0, NULL, NULL, 0 },
};

static const struct {
	const char	*user;
	const char	*key;		/* NULL: not an address */
} keycases[] = {
	{ "alice@example.test", "alice@example.test" },
	{ "Alice@EXAMPLE.Test", "alice@example.test" },
	{ "alice@example.test.", "alice@example.test" },
	{ "\"a b\"@example.test", "a b@example.test" },
	{ "alice", NULL },
	{ "alice@", NULL },
	{ "@example.test", NULL },
	{ "alice@[192.0.2.1]", "alice@[192.0.2.1]" },
	{ "al ice@example.test", NULL },
	{ "alice@exa mple.test", NULL },
	{ "alice@example.test\r\n", NULL },
};

static void
test_parse(void)
{
	struct auth_entry e;
	const char *err;
	char key[512];
	size_t i;
	int r;

	for (i = 0; i < sizeof(parsecases) / sizeof(parsecases[0]); i++) {
		memset(&e, 0, sizeof(e));
		r = auth_db_parse(parsecases[i].value, &e, &err);
		if (!parsecases[i].ok) {
			is_int(r, -1, "entry \"%s\" is refused",
			    parsecases[i].value);
			continue;
		}
		if (!is_int(r, 0, "entry \"%s\" parses", parsecases[i].value))
			continue;
		is_str(e.hash, parsecases[i].hash, "  hash");
		is_str(e.maildir, parsecases[i].maildir, "  maildir");
		is_int((long long)e.quota, (long long)parsecases[i].quota,
		    "  quota");
	}
	for (i = 0; i < sizeof(keycases) / sizeof(keycases[0]); i++) {
		r = auth_db_key(keycases[i].user, key, sizeof(key));
		if (keycases[i].key == NULL)
			is_int(r, -1, "user name %zu is not an address", i);
		else if (is_int(r, 0, "user name \"%s\" is an address",
		    keycases[i].user))
			is_str(key, keycases[i].key, "  its key");
	}
}

/* A hash of password with the scheme prefix (default cost). */
static const char *
mkhash(const char *prefix, const char *password)
{
	static char out[8][PWHASH_SIZE];
	static int n;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    (h = crypt(password, salt)) == NULL || h[0] == '*')
		bail_out("crypt %s failed", prefix);
	n = (n + 1) % 8;
	strlcpy(out[n], h, sizeof(out[n]));
	return out[n];
}

static void
setup(const char *users_maps)
{
	char *over[8], *err;
	int i = 0;

	over[i++] = xasprintf("auth_users_maps=%s", users_maps);
	over[i++] = xasprintf("auth_client_failure_limit=3");
	over[i++] = xasprintf("auth_user_failure_limit=5");
	over[i++] = xasprintf("auth_throttle_time=60s");
	over[i++] = xasprintf("auth_throttle_table_size=1000");
	over[i] = NULL;
	if (params_load(NULL, (const char *const *)over, &err) < 0)
		bail_out("params_load: %s", err);
	while (i-- > 0)
		free(over[i]);
	auth_db_init();
	auth_request_init();
}

static struct auth_ans ans;

static int
ask(const char *client, const char *user, const char *password,
    long long now)
{
	struct auth_req q = {
		.service = "smtpd", .mech = "PLAIN", .client = client,
		.tls = 1, .user = user, .password = password,
	};

	auth_request_run(&q, &ans, now);
	return ans.status;
}

static void
test_requests(const char *dir)
{
	char path[512], *spec;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/users", dir);
	if ((fp = fopen(path, "w")) == NULL)
		bail_out("%s", path);
	fprintf(fp, "alice@example.test %s example.test/alice/ quota=1m\n",
	    mkhash("$y$", "secret"));
	fprintf(fp, "six@example.test %s example.test/six/\n",
	    mkhash("$6$", "pw6"));
	fprintf(fp, "five@example.test %s example.test/five/\n",
	    mkhash("$5$", "pw5"));
	fprintf(fp, "bcrypt@example.test %s example.test/bcrypt/\n",
	    mkhash("$2b$", "pwb"));
	fprintf(fp, "carol@example.test ! example.test/carol/\n");
	fprintf(fp, "des@example.test abJnggxhB/yWI example.test/des/\n");
	fprintf(fp, "broken@example.test %s\n", mkhash("$y$", "x"));
	fprintf(fp, "dave@example.test %s example.test/dave/\n",
	    mkhash("$y$", "davepw"));
	fclose(fp);
	spec = xasprintf("texthash:%s", path);
	setup(spec);
	free(spec);
	auth_verify_init();

	is_int(ask("192.0.2.1", "alice@example.test", "secret", NOW),
	    AUTH_STAT_OK, "yescrypt: the right password");
	is_str(ans.e.user, "alice@example.test", "  canonical user");
	is_str(ans.e.maildir, "example.test/alice/", "  maildir");
	is_int((long long)ans.e.quota, 1048576, "  quota");
	is_int(ans.delay, 0, "  answered at once");
	is_str(ans.e.hash, "", "  the hash is not kept in the answer");
	is_int(ask("192.0.2.1", "ALICE@Example.Test", "secret", NOW),
	    AUTH_STAT_OK, "the user name's case does not matter");
	is_str(ans.e.user, "alice@example.test", "  canonical user");
	is_int(ask("192.0.2.1", "six@example.test", "pw6", NOW),
	    AUTH_STAT_OK, "sha512-crypt");
	is_int(ask("192.0.2.1", "five@example.test", "pw5", NOW),
	    AUTH_STAT_OK, "sha256-crypt");
	is_int(ask("192.0.2.1", "bcrypt@example.test", "pwb", NOW),
	    AUTH_STAT_OK, "bcrypt");

	is_int(ask("192.0.2.2", "alice@example.test", "Secret", NOW),
	    AUTH_STAT_FAIL, "a wrong password fails");
	is_int(ans.delay, 1, "  after the delay");
	is_int(ask("192.0.2.3", "nobody@example.test", "secret", NOW),
	    AUTH_STAT_FAIL, "an unknown user fails alike");
	is_int(ans.delay, 1, "  after the delay");
	is_int(ask("192.0.2.4", "carol@example.test", "", NOW),
	    AUTH_STAT_FAIL, "a disabled account fails, also with \"\"");
	is_int(ask("192.0.2.4", "carol@example.test", "!", NOW),
	    AUTH_STAT_FAIL, "  and with \"!\"");
	is_int(ask("192.0.2.5", "des@example.test", "secret", NOW),
	    AUTH_STAT_FAIL, "an old DES hash never matches");
	is_int(ask("192.0.2.6", "alice", "secret", NOW), AUTH_STAT_FAIL,
	    "a user name without a domain finds nobody");
	tap_check_log("failures so far are not warnings");

	tap_expect_log("entry of broken@example.test");
	is_int(ask("192.0.2.7", "broken@example.test", "x", NOW),
	    AUTH_STAT_TEMP, "a malformed entry is a temporary failure");
	is_int(ans.delay, 0, "  answered at once");
	tap_check_log("the malformed entry is a warning");

	/* per client: 3 failures in the window, then throttled */
	ask("192.0.2.9", "nobody1@example.test", "x", NOW);
	ask("192.0.2.9", "nobody2@example.test", "x", NOW + 1);
	tap_expect_log("client 192.0.2.9: 3 authentication failures");
	is_int(ask("192.0.2.9", "nobody3@example.test", "x", NOW + 2),
	    AUTH_STAT_FAIL, "third failure from a client");
	tap_check_log("the limit is a warning");
	is_int(ask("192.0.2.9", "alice@example.test", "secret", NOW + 3),
	    AUTH_STAT_THROTTLED, "then even the right password is throttled");
	is_int(ans.delay, 0, "  at once");
	is_str(ans.e.user, "", "  and nothing about the user is answered");
	is_int(ask("192.0.2.9", "alice@example.test", "wrong", NOW + 4),
	    AUTH_STAT_THROTTLED, "as is a wrong one");
	is_int(ask("192.0.2.10", "alice@example.test", "secret", NOW + 5),
	    AUTH_STAT_OK, "another client is not throttled");
	is_int(ask("192.0.2.9", "alice@example.test", "secret",
	    NOW + WINDOW - 1), AUTH_STAT_THROTTLED,
	    "still throttled at the end of the window");
	is_int(ask("192.0.2.9", "alice@example.test", "secret", NOW + WINDOW),
	    AUTH_STAT_OK, "the window passed: the client may log in again");

	/* IPv6: the /64 is one client */
	ask("2001:db8:1:2::1", "nobody@example.test", "x", NOW);
	ask("2001:db8:1:2::2", "nobody@example.test", "x", NOW);
	tap_expect_log("client 2001:db8:1:2::3: 3 authentication failures");
	ask("2001:db8:1:2::3", "nobody@example.test", "x", NOW);
	tap_check_log("an IPv6 /64 reached the limit");
	is_int(ask("2001:db8:1:2:ffff:ffff:ffff:ffff", "alice@example.test",
	    "secret", NOW + 1), AUTH_STAT_THROTTLED,
	    "another address of the same IPv6 /64 is throttled");
	is_int(ask("2001:db8:1:3::1", "alice@example.test", "secret",
	    NOW + 1), AUTH_STAT_OK, "the next /64 is not");

	/* per user: 5 failures from different clients */
	ask("198.51.100.1", "dave@example.test", "1", NOW);
	ask("198.51.100.2", "dave@example.test", "2", NOW);
	ask("198.51.100.3", "Dave@example.test", "3", NOW);
	ask("198.51.100.4", "dave@example.test", "4", NOW);
	tap_expect_log("user dave@example.test: 5 authentication failures");
	ask("198.51.100.5", "dave@EXAMPLE.TEST", "5", NOW);
	tap_check_log("a user reached the limit");
	is_int(ask("198.51.100.6", "dave@example.test", "davepw", NOW + 1),
	    AUTH_STAT_THROTTLED, "a user guessed at from many clients is "
	    "throttled, also with the right password");
	is_int(ask("198.51.100.6", "alice@example.test", "secret", NOW + 1),
	    AUTH_STAT_OK, "others are not");
	is_int(ask("198.51.100.6", "dave@example.test", "davepw",
	    NOW + WINDOW), AUTH_STAT_OK, "the window passed");

	is_int(ask("", "alice@example.test", "secret", NOW), AUTH_STAT_OK,
	    "no client address: no client throttling");
	auth_request_free();

	/* an unreadable table */
	setup("hash:/nonexistent/users");
	tap_expect_log("temporary failure");
	is_int(ask("192.0.2.1", "alice@example.test", "secret", NOW),
	    AUTH_STAT_TEMP, "a table that cannot be read: temporary failure");
	tap_check_log("and a warning");
	tap_expect_log("temporary failure");
	is_int(ask("192.0.2.1", "alice@example.test", "secret", NOW),
	    AUTH_STAT_TEMP, "  every time (never a failure that counts)");
	tap_check_log("and a warning");
	is_int(ask("192.0.2.1", "nobody", "secret", NOW), AUTH_STAT_FAIL,
	    "a name that is no address needs no table");
	auth_request_free();
	auth_db_free();
}

int
main(void)
{
	tap_init("auth_request");
	test_parse();
	test_requests(tap_tmpdir());
	return done_testing();
}
