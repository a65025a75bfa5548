/*
 * pwverify - test helper: does the password on standard input (one
 * line) match the crypt(3) hash given as the argument? Exit 0 yes,
 * 1 no, 2 error. Uses lib/pwhash, the verifier the auth service uses.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pwhash.h"

int
main(int argc, char **argv)
{
	char pw[PWHASH_PASSWORD_MAX + 2];
	int r;

	if (argc != 2 || fgets(pw, sizeof(pw), stdin) == NULL)
		return 2;
	pw[strcspn(pw, "\n")] = '\0';
	r = pwhash_verify(pw, argv[1]);
	return r == 1 ? 0 : r == 0 ? 1 : 2;
}
