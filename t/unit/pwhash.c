/*
 * Unit tests for lib/pwhash: new hashes are yescrypt and verify; the
 * accepted schemes ($y$, $6$, $5$, $2b$) verify; anything else never
 * matches; over-long passwords are refused.
 */
#include "config.h"

#include <crypt.h>
#include <string.h>

#include "pwhash.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		const char *setting;
		int accepted;
	} schemes[] = {
		{ "$y$j9T$abcdefghijklmnopqrstuv$", 1 },
		{ "$6$saltsalt$", 1 },
		{ "$5$saltsalt$", 1 },
		{ "$2b$05$abcdefghijklmnopqrstuu", 1 },
		{ "$1$saltsalt$", 0 },		/* MD5-crypt */
		{ "ab", 0 },			/* DES */
	};
	char h[PWHASH_SIZE], h2[PWHASH_SIZE], pw[PWHASH_PASSWORD_MAX + 2];
	struct crypt_data cd;
	const char *err, *c;
	size_t i;

	tap_init("pwhash");
	ok(pwhash_make("correct horse", h, sizeof(h), &err) == 0,
	    "pwhash_make");
	like(h, "$y$", "a yescrypt hash: %s", h);
	ok(pwhash_make("correct horse", h2, sizeof(h2), &err) == 0 &&
	    strcmp(h, h2) != 0, "a fresh salt every time");
	is_int(pwhash_verify("correct horse", h), 1, "the password verifies");
	is_int(pwhash_verify("correct hors", h), 0, "another does not");
	is_int(pwhash_verify("", h), 0, "nor the empty one");
	is_int(pwhash_verify("correct horse", "!"), 0, "a disabled account");
	is_int(pwhash_verify("correct horse", ""), 0, "an empty hash");
	is_int(pwhash_verify("", ""), 0, "empty against empty");
	is_int(pwhash_verify("x", "correct horse"), 0, "plain text never");
	ok(pwhash_make("x", h, 10, &err) < 0, "too small an output buffer");
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		memset(&cd, 0, sizeof(cd));
		c = crypt_r("s3cret", schemes[i].setting, &cd);
		if (c == NULL || c[0] == '*') {
			skip(2, "crypt(3) lacks this scheme");
			continue;
		}
		is_int(pwhash_verify("s3cret", c), schemes[i].accepted,
		    "scheme %.4s %s", schemes[i].setting,
		    schemes[i].accepted ? "accepted" : "never matches");
		is_int(pwhash_verify("s3cre", c), 0, "scheme %.4s: wrong "
		    "password", schemes[i].setting);
	}
	memset(pw, 'a', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	ok(pwhash_make(pw, h, sizeof(h), &err) < 0, "an over-long password is "
	    "refused (%s)", err);
	pw[PWHASH_PASSWORD_MAX] = '\0';
	ok(pwhash_make(pw, h, sizeof(h), &err) == 0 &&
	    pwhash_verify(pw, h) == 1, "the longest allowed one works");
	return done_testing();
}
