/*
 * auth.h - private header of the authentication service (auth(8)).
 *
 * The service answers one question (lib/auth_proto.h): do this user
 * name and password match? In files:
 *	auth_server.c	the connections: records in, answers out, a
 *			failure's answer held back by a timer
 *	auth_request.c	one question: throttling, lookup, verification,
 *			the log line
 *	auth_db.c	the users table (auth_users_maps)
 *	auth_verify.c	crypt(3) through lib/pwhash, with the dummy hash
 *			that makes an unknown user cost a verification
 *	auth_throttle.c	failure counts per client and per user name, in
 *			bounded memory
 *	auth_token.c	one-time login tokens for pop3d and imapd
 *	auth_cache.c	logins verified lately (auth_cache_size)
 */
#ifndef POSTERN_AUTH_H
#define POSTERN_AUTH_H

#include <stddef.h>

#include "auth_proto.h"
#include "pwhash.h"

struct server_info;

/* --- auth_db.c ------------------------------------------------------------ */

/* A user as the table has it. */
struct auth_entry {
	char		 user[AUTH_USER_MAX + 1];	/* canonical: the key */
	char		 hash[PWHASH_SIZE];
	char		 maildir[AUTH_MAILDIR_MAX + 1];
	unsigned long long quota;			/* bytes, 0: none */
};

/* Open auth_users_maps (before the jail); fatal on a malformed name. */
void	auth_db_init(void);
void	auth_db_free(void);
/*
 * The table key of a user name as a client sent it: the address in
 * the form `postern user` stores (lib/addr: addr_key, lower case).
 * 0, or -1 when the name cannot be an address (no such user then).
 */
int	auth_db_key(const char *user, char *key, size_t len);
/*
 * Look key up: 1 found (*e filled), 0 not in the table, -1 the table
 * cannot be read or the entry is malformed (*err_r, malloc'd: the
 * caller frees it).
 */
int	auth_db_lookup(const char *key, struct auth_entry *e, char **err_r);
/* A table value "HASH MAILDIR [quota=SIZE]": 0, or -1 with *err_r. */
int	auth_db_parse(const char *value, struct auth_entry *e,
	    const char **err_r);
/* Wipe an entry (it holds a hash). */
void	auth_entry_clear(struct auth_entry *);

/* --- auth_verify.c -------------------------------------------------------- */

/* Make the dummy hash: yescrypt of a random password (pwhash_make). */
void	auth_verify_init(void);
/*
 * 1 when password matches hash, 0 when not, -1 when crypt failed.
 * A NULL hash (no such user) or one of a scheme pwhash does not accept
 * (a disabled account) costs a verification against the dummy hash
 * all the same, and is 0.
 */
int	auth_verify(const char *password, const char *hash);

/* --- auth_throttle.c ------------------------------------------------------ */

/*
 * Failure counts by key in fixed windows: the window of a key opens at
 * its first failure and lasts window_ms; when it has passed the key is
 * forgotten. At most limit keys: a new one then replaces the key whose
 * window opened first. Times are milliseconds on any monotonic clock,
 * given by the caller (tests control them).
 */
struct auth_throttle;

struct auth_throttle *auth_throttle_new(size_t limit, long long window_ms);
void	auth_throttle_free(struct auth_throttle **);
/* Failures of key in its current window (0: none, or it has passed). */
unsigned long auth_throttle_count(struct auth_throttle *, const char *key,
	    long long now);
/* One more failure of key; returns its count in the window. */
unsigned long auth_throttle_fail(struct auth_throttle *, const char *key,
	    long long now);
/* When the window of key ends (0 when it has none). */
long long auth_throttle_until(struct auth_throttle *, const char *key,
	    long long now);
/* Keys held now. */
size_t	auth_throttle_size(const struct auth_throttle *);
/*
 * The key for a client address: an IPv6 address stands for its /64
 * network ("2001:db8:1:2::/64"), anything else for itself.
 */
void	auth_throttle_client_key(const char *client, char *buf, size_t len);

/* --- auth_cache.c --------------------------------------------------------- */

/* Size the cache from auth_cache_size (0: off); empties it. */
void	auth_cache_init(void);
void	auth_cache_free(void);
/*
 * 1 when user's password was verified against hash (the one the table
 * holds now) within auth_cache_ttl before now (ms): let in without
 * crypt. 0 otherwise.
 */
int	auth_cache_check(const char *user, const char *hash,
	    const char *password, long long now);
/* Remember a successful verification. */
void	auth_cache_add(const char *user, const char *hash,
	    const char *password, long long now);
/* Entries held. */
size_t	auth_cache_count(void);

/* --- auth_token.c --------------------------------------------------------- */

/*
 * A new one-time token for e (a user who just logged in on service
 * from client), at time now (ms), into token_r (AUTH_TOKEN_LEN hex
 * digits). The oldest waiting token goes when AUTH_TOKEN_MAX wait.
 */
void	auth_token_issue(const struct auth_entry *e, const char *service,
	    const char *client, long long now,
	    char token_r[AUTH_TOKEN_LEN + 1]);
/*
 * Redeem token (once) for service and client: 0 and *e_r (no hash),
 * or -1 with *why_r (static) when there is no such token, it expired,
 * or it was issued for another service or client (then it is spent).
 */
int	auth_token_redeem(const char *token, const char *service,
	    const char *client, long long now, struct auth_entry *e_r,
	    const char **why_r);
/* Wipe and free the table. */
void	auth_token_free(void);

/* --- auth_request.c ------------------------------------------------------- */

struct auth_req {
	const char	*service;
	const char	*mech;
	const char	*client;	/* "" when none */
	int		 tls;
	const char	*user;		/* as the client sent it */
	const char	*password;
};

struct auth_ans {
	int		 status;	/* AUTH_STAT_* */
	int		 delay;		/* a failure: answer after the delay */
	struct auth_entry e;		/* with AUTH_STAT_OK */
};

/* The throttle table, from the parameters (after the jail). */
void	auth_request_init(void);
void	auth_request_free(void);
/* Answer one question at time now (ms); logs the outcome. */
void	auth_request_run(const struct auth_req *, struct auth_ans *,
	    long long now);

/* --- auth_server.c -------------------------------------------------------- */

void	auth_server_init(void);
void	auth_server_conn(int fd, const struct server_info *);
void	auth_server_exit(void);

#endif
