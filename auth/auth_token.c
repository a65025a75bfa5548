/*
 * NAME
 *	auth_token - one-time login tokens: issued to the login side of
 *	pop3d and imapd with a successful login, redeemed once by the
 *	session side (lib/login_proto.h, lib/auth_proto.h).
 *
 * DESCRIPTION
 *	A token is 32 random bytes (arc4random), given out as 64 hex
 *	digits. auth keeps at most AUTH_TOKEN_MAX waiting, each for
 *	AUTH_TOKEN_TTL seconds, with what it stands for: the user, his
 *	Maildir and quota, the service and the client address that logged
 *	in. Redeeming it (same service, same client) returns those and
 *	forgets the token, so a replay finds nothing. When the table is
 *	full, the oldest token makes room (its session then fails with a
 *	temporary error).
 *
 *	The table is small and short-lived: a linear search, with a
 *	comparison in constant time.
 *
 * SECURITY
 *	Tokens are capabilities for a mailbox: they are never logged, and
 *	their entries are wiped when used or dropped. The redeeming side
 *	proves nothing but knowledge of the token, which only auth and
 *	the login process that asked ever saw; binding it to the service
 *	and the client address keeps a token stolen from one login
 *	process from opening a session for another client.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "xmalloc.h"

struct auth_token {
	unsigned char	 key[AUTH_TOKEN_LEN / 2];
	long long	 expires;	/* ms; 0: the slot is free */
	char		 service[AUTH_SERVICE_MAX + 1];
	char		 client[AUTH_CLIENT_MAX + 1];
	struct auth_entry e;
};

static struct auth_token *auth_tokens;

static void
auth_token_clear(struct auth_token *t)
{
	explicit_bzero(t, sizeof(*t));
}

void
auth_token_free(void)
{
	size_t i;

	if (auth_tokens == NULL)
		return;
	for (i = 0; i < AUTH_TOKEN_MAX; i++)
		auth_token_clear(&auth_tokens[i]);
	free(auth_tokens);
	auth_tokens = NULL;
}

/* 32 bytes from 64 hex digits: 0, or -1 when it is no token at all. */
static int
auth_token_decode(const char *hex, unsigned char *key)
{
	static const char digits[] = "0123456789abcdef";
	const char *hi, *lo;
	size_t i;

	if (strlen(hex) != AUTH_TOKEN_LEN)
		return -1;
	for (i = 0; i < AUTH_TOKEN_LEN / 2; i++) {
		if (hex[2 * i] == '\0' || hex[2 * i + 1] == '\0' ||
		    (hi = strchr(digits, hex[2 * i])) == NULL ||
		    (lo = strchr(digits, hex[2 * i + 1])) == NULL)
			return -1;
		key[i] = (unsigned char)((hi - digits) << 4 | (lo - digits));
	}
	return 0;
}

void
auth_token_issue(const struct auth_entry *e, const char *service,
    const char *client, long long now, char token_r[AUTH_TOKEN_LEN + 1])
{
	struct auth_token *t = NULL;
	size_t i;

	if (auth_tokens == NULL)
		auth_tokens = xcalloc(AUTH_TOKEN_MAX, sizeof(*auth_tokens));
	/* a free or expired slot, else the oldest */
	for (i = 0; i < AUTH_TOKEN_MAX; i++) {
		if (auth_tokens[i].expires <= now) {
			t = &auth_tokens[i];
			break;
		}
		if (t == NULL || auth_tokens[i].expires < t->expires)
			t = &auth_tokens[i];
	}
	auth_token_clear(t);
	arc4random_buf(t->key, sizeof(t->key));
	t->expires = now + AUTH_TOKEN_TTL * 1000LL;
	strlcpy(t->service, service, sizeof(t->service));
	strlcpy(t->client, client, sizeof(t->client));
	t->e = *e;
	explicit_bzero(t->e.hash, sizeof(t->e.hash));
	for (i = 0; i < sizeof(t->key); i++)
		snprintf(token_r + 2 * i, 3, "%02x", t->key[i]);
}

int
auth_token_redeem(const char *token, const char *service,
    const char *client, long long now, struct auth_entry *e_r,
    const char **why_r)
{
	unsigned char key[AUTH_TOKEN_LEN / 2];
	struct auth_token *t;
	size_t i;

	memset(e_r, 0, sizeof(*e_r));
	*why_r = "no such token (forged, used before, or expired)";
	if (auth_token_decode(token, key) < 0) {
		*why_r = "not a token";
		return -1;
	}
	for (i = 0; auth_tokens != NULL && i < AUTH_TOKEN_MAX; i++) {
		t = &auth_tokens[i];
		if (t->expires == 0 ||
		    CRYPTO_memcmp(t->key, key, sizeof(key)) != 0)
			continue;
		if (t->expires <= now) {
			auth_token_clear(t);
			return -1;
		}
		if (strcmp(t->service, service) != 0 ||
		    strcmp(t->client, client) != 0) {
			/* a token from elsewhere: it is spent all the same */
			*why_r = "a token issued for another service or client";
			auth_token_clear(t);
			return -1;
		}
		*e_r = t->e;
		auth_token_clear(t);
		explicit_bzero(key, sizeof(key));
		return 0;
	}
	explicit_bzero(key, sizeof(key));
	return -1;
}
