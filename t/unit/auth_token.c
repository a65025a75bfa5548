/*
 * Unit tests for auth/auth_token: a login token is redeemed once, for
 * the service and client it was issued to, within its lifetime; a
 * forged, replayed, expired or misdirected one is refused; the table
 * stays bounded.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "tap.h"

#define NOW	5000000LL	/* ms */

static void
entry(struct auth_entry *e, const char *user)
{
	memset(e, 0, sizeof(*e));
	strlcpy(e->user, user, sizeof(e->user));
	strlcpy(e->hash, "$6$salt$hash", sizeof(e->hash));
	strlcpy(e->maildir, "example.org/alice/", sizeof(e->maildir));
	e->quota = 1024;
}

int
main(void)
{
	struct auth_entry e, got;
	char tok[AUTH_TOKEN_LEN + 1], tok2[AUTH_TOKEN_LEN + 1];
	char forged[AUTH_TOKEN_LEN + 1];
	const char *why;
	int i, bad;

	tap_init("auth_token");
	entry(&e, "alice@example.org");
	auth_token_issue(&e, "pop3d", "192.0.2.1", NOW, tok);
	ok(strlen(tok) == AUTH_TOKEN_LEN &&
	    strspn(tok, "0123456789abcdef") == AUTH_TOKEN_LEN,
	    "a token is %d hex digits", AUTH_TOKEN_LEN);
	auth_token_issue(&e, "pop3d", "192.0.2.1", NOW, tok2);
	ok(strcmp(tok, tok2) != 0, "two tokens differ");
	ok(auth_token_redeem(tok, "pop3d", "192.0.2.1", NOW + 1000, &got,
	    &why) == 0 && strcmp(got.user, "alice@example.org") == 0 &&
	    strcmp(got.maildir, "example.org/alice/") == 0 &&
	    got.quota == 1024, "redeemed: user, Maildir, quota");
	ok(got.hash[0] == '\0', "... without the password hash");
	ok(auth_token_redeem(tok, "pop3d", "192.0.2.1", NOW + 1000, &got,
	    &why) < 0 && got.user[0] == '\0', "replayed: refused (%s)", why);

	strlcpy(forged, tok2, sizeof(forged));
	forged[10] = forged[10] == 'a' ? 'b' : 'a';
	ok(auth_token_redeem(forged, "pop3d", "192.0.2.1", NOW, &got,
	    &why) < 0, "forged (one digit changed): refused");
	ok(auth_token_redeem("xyz", "pop3d", "192.0.2.1", NOW, &got,
	    &why) < 0 && strcmp(why, "not a token") == 0, "not a token");
	ok(auth_token_redeem(tok2, "imapd", "192.0.2.1", NOW, &got,
	    &why) < 0, "for another service: refused (%s)", why);
	ok(auth_token_redeem(tok2, "pop3d", "192.0.2.1", NOW, &got,
	    &why) < 0, "... and spent by that attempt");

	auth_token_issue(&e, "pop3d", "192.0.2.1", NOW, tok);
	ok(auth_token_redeem(tok, "pop3d", "192.0.2.9", NOW, &got,
	    &why) < 0, "from another client: refused");
	auth_token_issue(&e, "pop3d", "192.0.2.1", NOW, tok);
	ok(auth_token_redeem(tok, "pop3d", "192.0.2.1",
	    NOW + AUTH_TOKEN_TTL * 1000LL, &got, &why) < 0,
	    "expired after %d s: refused", AUTH_TOKEN_TTL);

	/* a full table: the oldest goes, the new ones work */
	auth_token_issue(&e, "pop3d", "192.0.2.1", NOW, tok);
	for (i = 0; i < AUTH_TOKEN_MAX; i++)
		auth_token_issue(&e, "pop3d", "192.0.2.1", NOW + 1 + i, tok2);
	ok(auth_token_redeem(tok, "pop3d", "192.0.2.1", NOW + 2 * i, &got,
	    &why) < 0, "%d tokens later the oldest is gone", i);
	ok(auth_token_redeem(tok2, "pop3d", "192.0.2.1", NOW + 2 * i, &got,
	    &why) == 0, "the newest still works");
	for (i = 0, bad = 0; i < 3; i++) {
		auth_token_issue(&e, "imapd", "", NOW, tok);
		if (auth_token_redeem(tok, "imapd", "", NOW, &got, &why) < 0)
			bad++;
	}
	is_int(bad, 0, "tokens for a client without an address");
	auth_token_free();
	ok(auth_token_redeem(tok2, "pop3d", "192.0.2.1", NOW, &got, &why) < 0,
	    "nothing after the table is freed");
	return done_testing();
}
