/*
 * fuzz/auth_token - the auth service's side of the login token exchange
 * (auth/auth_token.c): what the session side of pop3d and imapd asks
 * with req=redeem, forged by anyone who can reach private/auth.
 *
 * Input: token, service and client strings separated by NUL bytes
 * (what a redeem request carries); before each run three tokens are
 * issued, one of them for the service "pop3d" and the client
 * "192.0.2.1". Properties: a string redeems only when it is exactly an
 * issued token, for the service and client it was issued to, and then
 * gives that token's user; it never redeems twice; an issued token the
 * input did not name still redeems once afterwards (the table is not
 * disturbed by what it refuses), and one the input named is spent.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "fuzz.h"

static long long fz_now = 1000000;

static void
field(const uint8_t **p, size_t *n, char *buf, size_t len)
{
	const uint8_t *nul = memchr(*p, 0, *n);
	size_t l = nul != NULL ? (size_t)(nul - *p) : *n;

	memcpy(buf, *p, l < len - 1 ? l : len - 1);
	buf[l < len - 1 ? l : len - 1] = '\0';
	*p += nul != NULL ? l + 1 : l;
	*n -= nul != NULL ? l + 1 : l;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[3] = { "a@example.org",
	    "b@example.org", "c@example.org" };
	char tok[3][AUTH_TOKEN_LEN + 1], t[512], svc[64], cl[128];
	struct auth_entry e, got;
	const char *why;
	int i, r, match = -1;

	fz_now += 1000;
	for (i = 0; i < 3; i++) {
		memset(&e, 0, sizeof(e));
		strlcpy(e.user, users[i], sizeof(e.user));
		strlcpy(e.maildir, "example.org/x/", sizeof(e.maildir));
		auth_token_issue(&e, i == 0 ? "pop3d" : "imapd", i == 0 ?
		    "192.0.2.1" : "", fz_now, tok[i]);
	}
	field(&data, &size, t, sizeof(t));
	field(&data, &size, svc, sizeof(svc));
	field(&data, &size, cl, sizeof(cl));
	/* a run may name an issued token: "#N" stands for token N */
	if (t[0] == '#' && t[1] >= '0' && t[1] <= '2')
		strlcpy(t, tok[t[1] - '0'], sizeof(t));
	for (i = 0; i < 3; i++)
		if (strcmp(t, tok[i]) == 0)
			match = i;
	r = auth_token_redeem(t, svc, cl, fz_now, &got, &why);
	if (r == 0) {
		FUZZ_CHECK(match >= 0);
		FUZZ_CHECK(strcmp(svc, match == 0 ? "pop3d" : "imapd") == 0);
		FUZZ_CHECK(strcmp(cl, match == 0 ? "192.0.2.1" : "") == 0);
		FUZZ_CHECK(strcmp(got.user, users[match]) == 0);
		FUZZ_CHECK(got.hash[0] == '\0');
	} else
		FUZZ_CHECK(why != NULL && got.user[0] == '\0');
	FUZZ_CHECK(auth_token_redeem(t, svc, cl, fz_now, &got, &why) < 0);
	for (i = 0; i < 3; i++) {
		r = auth_token_redeem(tok[i], i == 0 ? "pop3d" : "imapd",
		    i == 0 ? "192.0.2.1" : "", fz_now, &got, &why);
		FUZZ_CHECK(i == match ? r < 0 : r == 0);
	}
	return 0;
}
