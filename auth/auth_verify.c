/*
 * NAME
 *	auth_verify - password verification with crypt(3), at one cost
 *	whether or not the user exists.
 *
 * DESCRIPTION
 *	lib/pwhash does the work: yescrypt ($y$), SHA-512-crypt ($6$),
 *	SHA-256-crypt ($5$) and bcrypt ($2b$), compared in constant time.
 *	When there is no such user, or the account's hash is one pwhash
 *	refuses at once (a disabled account's "!" or "*", an old DES or
 *	MD5 hash), the password is checked against a dummy hash instead,
 *	made at startup with the default scheme and cost (pwhash_make, as
 *	`postern user` makes every new hash), and the answer is "no". A
 *	client therefore cannot tell an unknown user from a wrong password
 *	by the time the answer takes: both cost one yescrypt computation,
 *	and both are answered after auth_failure_delay. (A user whose hash
 *	is of another scheme or cost takes that scheme's time; the time
 *	says what scheme an existing user has, not whether one exists.)
 *
 * SECURITY
 *	Passwords are never copied here; the dummy password is random,
 *	wiped once hashed, and never used for anything else.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "pwhash.h"

static char auth_dummy[PWHASH_SIZE];

void
auth_verify_init(void)
{
	unsigned char rnd[18];
	char pw[2 * sizeof(rnd) + 1];
	const char *err;
	size_t i;

	arc4random_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		pw[2 * i] = (char)('a' + (rnd[i] & 0x0f));
		pw[2 * i + 1] = (char)('a' + (rnd[i] >> 4));
	}
	pw[2 * sizeof(rnd)] = '\0';
	if (pwhash_make(pw, auth_dummy, sizeof(auth_dummy), &err) < 0)
		log_fatal("cannot make the dummy password hash: %s", err);
	explicit_bzero(rnd, sizeof(rnd));
	explicit_bzero(pw, sizeof(pw));
}

int
auth_verify(const char *password, const char *hash)
{
	if (auth_dummy[0] == '\0')
		log_panic("auth_verify: auth_verify_init was not called");
	if (hash == NULL || !pwhash_scheme_ok(hash)) {
		(void)pwhash_verify(password, auth_dummy);
		return 0;
	}
	return pwhash_verify(password, hash);
}
