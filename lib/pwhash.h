/*
 * NAME
 *	pwhash - password hashes with crypt(3) (libxcrypt)
 *
 * DESCRIPTION
 *	New hashes are yescrypt ("$y$", libxcrypt's default cost) with a
 *	salt that crypt_gensalt_rn draws from the kernel's random source.
 *	Verification accepts the schemes a migrated user database may
 *	hold: yescrypt ($y$), SHA-512-crypt ($6$), SHA-256-crypt ($5$)
 *	and bcrypt ($2b$). Anything else (DES, MD5-crypt, a disabled
 *	account's "!" or "*", plain text) never matches.
 *
 *	`postern user` makes hashes; the auth service (the only reader of
 *	the password database, DESIGN) verifies them.
 *
 * SECURITY
 *	The password is handed to crypt_rn only; its working memory is on
 *	the heap and wiped (explicit_bzero) before it is freed. The
 *	computed hash is compared with the stored one in constant time.
 *	Passwords with a NUL byte cannot be expressed; longer than
 *	PWHASH_PASSWORD_MAX bytes are refused (a cheap denial of service
 *	otherwise, for schemes whose cost grows with the length).
 */
#ifndef POSTERN_PWHASH_H
#define POSTERN_PWHASH_H

#include <stddef.h>

#define PWHASH_SIZE		384	/* a hash and its NUL (crypt.h) */
#define PWHASH_PASSWORD_MAX	511	/* bytes: crypt(3)'s limit */

/*
 * Hash password into out (PWHASH_SIZE bytes suffice): 0, or -1 with
 * *err_r (static text).
 */
int	pwhash_make(const char *password, char *out, size_t outlen,
	    const char **err_r);
/*
 * 1 when password matches hash, 0 when it does not (also for a hash
 * of a scheme not accepted, or a disabled account), -1 when crypt
 * failed (out of memory, a malformed hash of an accepted scheme).
 */
int	pwhash_verify(const char *password, const char *hash);
/* 1 when hash is of a scheme pwhash_verify accepts. */
int	pwhash_scheme_ok(const char *hash);

#endif
