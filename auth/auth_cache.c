/*
 * NAME
 *	auth_cache - logins verified lately, let in again without crypt(3)
 *	(auth_cache_size, auth_cache_ttl), as Dovecot's auth cache does.
 *
 * DESCRIPTION
 *	A mail client logs in every few minutes with the same password; at
 *	the default cost a verification takes tens of milliseconds of CPU.
 *	When auth_cache_size is not 0, a successful verification leaves an
 *	entry: the user, the stored hash the password was checked against,
 *	and an HMAC-SHA256 of the password under a key made at random when
 *	the process starts (never written anywhere). A later login of that
 *	user with the same password, while the table still holds the same
 *	hash and within auth_cache_ttl, succeeds without crypt. Anything
 *	else (another password, a changed hash, an expired entry) runs
 *	crypt as before: a failure is never cached, so a wrong password
 *	costs what it always cost.
 *
 *	The table holds at most auth_cache_size bytes of entries; when it
 *	is full the oldest entry goes.
 *
 * SECURITY
 *	The cache holds no password: an HMAC under a key that lives only in
 *	this process's memory, compared in constant time. Entries are wiped
 *	when dropped. A password changed with `postern user passwd` changes
 *	the hash, so the old password stops working at once.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "htable.h"
#include "log.h"
#include "params.h"
#include "xmalloc.h"

#define AUTH_CACHE_MAC	32	/* HMAC-SHA256 */

struct auth_cache_ent {
	struct htable_node node;
	TAILQ_ENTRY(auth_cache_ent) fifo;
	long long	 expires;	/* ms */
	unsigned char	 mac[AUTH_CACHE_MAC];
	char		 hash[PWHASH_SIZE];
	char		 user[AUTH_USER_MAX + 1];
};

TAILQ_HEAD(auth_cache_fifo, auth_cache_ent);

static struct htable auth_cache_tab;
static struct auth_cache_fifo auth_cache_list =
    TAILQ_HEAD_INITIALIZER(auth_cache_list);
static unsigned char auth_cache_key[32];
static size_t auth_cache_max;		/* entries; 0: off */

void
auth_cache_init(void)
{
	auth_cache_free();
	auth_cache_max = (size_t)(var_auth_cache_size /
	    (long long)sizeof(struct auth_cache_ent));
	if (auth_cache_max == 0)
		return;
	arc4random_buf(auth_cache_key, sizeof(auth_cache_key));
	htable_init(&auth_cache_tab);
}

static void
auth_cache_drop(struct auth_cache_ent *e)
{
	htable_del(&auth_cache_tab, &e->node);
	TAILQ_REMOVE(&auth_cache_list, e, fifo);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

void
auth_cache_free(void)
{
	struct auth_cache_ent *e;

	if (auth_cache_max == 0)
		return;
	while ((e = TAILQ_FIRST(&auth_cache_list)) != NULL)
		auth_cache_drop(e);
	htable_release(&auth_cache_tab);
	explicit_bzero(auth_cache_key, sizeof(auth_cache_key));
	auth_cache_max = 0;
}

static void
auth_cache_mac(const char *password, unsigned char *mac)
{
	unsigned int len = AUTH_CACHE_MAC;

	if (HMAC(EVP_sha256(), auth_cache_key, sizeof(auth_cache_key),
	    (const unsigned char *)password, strlen(password), mac,
	    &len) == NULL || len != AUTH_CACHE_MAC)
		log_fatal("auth cache: HMAC-SHA256 failed");
}

static struct auth_cache_ent *
auth_cache_find(const char *user, uint64_t h)
{
	struct htable_node *n;
	struct auth_cache_ent *e;

	for (n = htable_first(&auth_cache_tab, h); n != NULL;
	    n = htable_next(n, h)) {
		e = HTABLE_ENTRY(n, struct auth_cache_ent, node);
		if (strcmp(e->user, user) == 0)
			return e;
	}
	return NULL;
}

int
auth_cache_check(const char *user, const char *hash, const char *password,
    long long now)
{
	unsigned char mac[AUTH_CACHE_MAC];
	struct auth_cache_ent *e;
	int hit;

	if (auth_cache_max == 0 ||
	    (e = auth_cache_find(user, htable_hash_str(&auth_cache_tab,
	    user))) == NULL)
		return 0;
	if (e->expires <= now || strcmp(e->hash, hash) != 0) {
		auth_cache_drop(e);
		return 0;
	}
	auth_cache_mac(password, mac);
	hit = CRYPTO_memcmp(mac, e->mac, sizeof(mac)) == 0;
	explicit_bzero(mac, sizeof(mac));
	return hit;
}

void
auth_cache_add(const char *user, const char *hash, const char *password,
    long long now)
{
	struct auth_cache_ent *e;
	uint64_t h;

	if (auth_cache_max == 0 || strlen(hash) >= sizeof(e->hash))
		return;
	h = htable_hash_str(&auth_cache_tab, user);
	if ((e = auth_cache_find(user, h)) != NULL)
		auth_cache_drop(e);
	while (htable_count(&auth_cache_tab) >= auth_cache_max &&
	    (e = TAILQ_FIRST(&auth_cache_list)) != NULL)
		auth_cache_drop(e);
	e = xcalloc(1, sizeof(*e));
	strlcpy(e->user, user, sizeof(e->user));
	strlcpy(e->hash, hash, sizeof(e->hash));
	auth_cache_mac(password, e->mac);
	e->expires = now + var_auth_cache_ttl * 1000;
	htable_add(&auth_cache_tab, &e->node, h);
	TAILQ_INSERT_TAIL(&auth_cache_list, e, fifo);
}

size_t
auth_cache_count(void)
{
	return auth_cache_max == 0 ? 0 : htable_count(&auth_cache_tab);
}
