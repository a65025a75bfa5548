/*
 * NAME
 *	ctl_user_pw - passwords for `postern user`: from the terminal
 *	without echo (twice), or one line of standard input; random ones
 *	for `postern init`.
 *
 * SECURITY
 *	A password never comes from the command line (ps and /proc show
 *	it to every user). Buffers that held one are wiped with
 *	explicit_bzero; only its hash (lib/pwhash) leaves this file.
 */
#include "config.h"

#include <errno.h>
#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_user.h"
#include "pwhash.h"

#define CTL_USER_PW_MAX		(PWHASH_PASSWORD_MAX + 2)

/* One line from stdin, without its line end. 0, or -1 (printed). */
static int
ctl_user_pw_stdin(char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, stdin) == NULL) {
		fprintf(stderr, "postern user: no password on standard "
		    "input\n");
		return -1;
	}
	n = strcspn(buf, "\n");
	if (buf[n] != '\n' && !feof(stdin)) {
		fprintf(stderr, "postern user: password longer than %d "
		    "bytes\n", PWHASH_PASSWORD_MAX);
		return -1;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[n - 1] = '\0';
	return 0;
}

/* Twice from the terminal, without echo. 0, 1 (differ), -1. */
static int
ctl_user_pw_tty(char *buf, size_t len)
{
	char again[CTL_USER_PW_MAX];
	int r = 0;

	if (readpassphrase("Password: ", buf, len, RPP_REQUIRE_TTY) == NULL) {
		fprintf(stderr, "postern user: cannot read a password from "
		    "the terminal (%s); use --stdin\n", strerror(errno));
		return -1;
	}
	if (readpassphrase("Again: ", again, sizeof(again),
	    RPP_REQUIRE_TTY) == NULL) {
		fprintf(stderr, "postern user: %s\n", strerror(errno));
		r = -1;
	} else if (strcmp(buf, again) != 0) {
		fprintf(stderr, "postern user: the passwords differ; nothing "
		    "changed\n");
		r = 1;
	}
	explicit_bzero(again, sizeof(again));
	return r;
}

/* Read a password and hash it into hash. 0, 1 (differ), -1. */
int
ctl_user_password(int from_stdin, char *hash, size_t len)
{
	char pw[CTL_USER_PW_MAX];
	const char *err;
	int r;

	r = from_stdin ? ctl_user_pw_stdin(pw, sizeof(pw)) :
	    ctl_user_pw_tty(pw, sizeof(pw));
	if (r == 0 && pw[0] == '\0') {
		fprintf(stderr, "postern user: empty password refused\n");
		r = -1;
	}
	if (r == 0 && strlen(pw) > PWHASH_PASSWORD_MAX) {
		fprintf(stderr, "postern user: password longer than %d "
		    "bytes\n", PWHASH_PASSWORD_MAX);
		r = -1;
	}
	if (r == 0 && pwhash_make(pw, hash, len, &err) < 0) {
		fprintf(stderr, "postern user: %s\n", err);
		r = -1;
	}
	explicit_bzero(pw, sizeof(pw));
	return r;
}

/* A random password of n characters (no look-alikes) into buf. */
void
ctl_user_random_pw(char *buf, size_t n)
{
	static const char set[] = "abcdefghijkmnopqrstuvwxyz"
	    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = set[arc4random_uniform(sizeof(set) - 1)];
	buf[n] = '\0';
}
