/*
 * NAME
 *	auth_request - one login question: throttling, lookup,
 *	verification, and the log line.
 *
 * DESCRIPTION
 *	In order:
 *	1. Throttling. When the client's address (its /64 for IPv6) has
 *	   auth_client_failure_limit failures in its current window, or
 *	   the user name has auth_user_failure_limit, the answer is
 *	   AUTH_STAT_THROTTLED at once: the password is not looked at, so
 *	   a guesser learns nothing even when it guesses right, and costs
 *	   no crypt. Throttled attempts are not failures: the window still
 *	   ends auth_throttle_time after the first failure, so a client or
 *	   user is locked out for at most one window. The user limit stops
 *	   guessing spread over many addresses, at the price that such a
 *	   guesser can keep the real user out for as long as it goes on;
 *	   it is set higher than the client limit for that reason.
 *	2. The users table. A table that cannot be read is
 *	   AUTH_STAT_TEMP (logged as a warning), never a failure.
 *	3. crypt(3) (auth_verify): an unknown user and a disabled account
 *	   cost one verification against the dummy hash, like a wrong
 *	   password. A login verified lately with the same password and
 *	   hash is let in from the cache without it (auth_cache.c, when
 *	   auth_cache_size is set).
 *	4. A failure counts against the client and the user name and is
 *	   answered after auth_failure_delay (the caller's timer); the
 *	   reason is logged, not answered: the client only ever hears
 *	   "bad credentials".
 *
 *	Log lines (info; a limit reached is a warning), never with the
 *	password:
 *	  smtpd PLAIN authentication succeeded for alice@example.org
 *	      from 192.0.2.1 (TLS)
 *	  smtpd LOGIN authentication failed for alice@example.org from
 *	      192.0.2.1: bad password
 *	  ... failed for bob@example.org from 192.0.2.1: unknown user
 *	  ... throttled for alice@example.org from 192.0.2.1: 10
 *	      failures from this client in 600s; retry in 412s
 *	The user is shown in its canonical form when it is an address,
 *	else as the client sent it, reduced to printable ASCII and cut.
 *
 * SECURITY
 *	Everything in the question comes from another process, and its
 *	user name from the network: it is shown only cleaned, used as a
 *	table key only through lib/addr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "auth.h"
#include "log.h"
#include "params.h"
#include "printable.h"

#define AUTH_SHOW_MAX	64	/* bytes of a raw user name in the log */

static struct auth_throttle *auth_thr;

void
auth_request_init(void)
{
	auth_request_free();
	auth_cache_init();
	auth_thr = auth_throttle_new((size_t)var_auth_throttle_table_size,
	    var_auth_throttle_time * 1000);
}

void
auth_request_free(void)
{
	auth_cache_free();
	auth_throttle_free(&auth_thr);
}

/* Printable ASCII, cut, for the log. */
static const char *
auth_request_clean(const char *s, char *buf, size_t len)
{
	return printable_copy(buf, len, s, strlen(s), PRINTABLE_NOSPACE |
	    PRINTABLE_ELLIPSIS);
}

/* Is the key over its limit? Logs the throttled attempt when it is. */
static int
auth_request_throttled(const struct auth_req *q, const char *key,
    long long limit, const char *what, const char *who, const char *from,
    long long now)
{
	unsigned long n;
	long long left;

	if (limit <= 0 || key[0] == '\0')
		return 0;
	if ((n = auth_throttle_count(auth_thr, key, now)) <
	    (unsigned long)limit)
		return 0;
	left = (auth_throttle_until(auth_thr, key, now) - now + 999) / 1000;
	log_info("%s %s authentication throttled for %s from %s: %lu "
	    "failures %s in %llds; retry in %llds", q->service, q->mech, who,
	    from, n, what, var_auth_throttle_time, left);
	return 1;
}

/* Count a failure; warn when it reaches the limit. */
static void
auth_request_count(const char *key, long long limit, const char *what,
    const char *name, long long now)
{
	unsigned long n;

	if (limit <= 0 || key[0] == '\0')
		return;
	n = auth_throttle_fail(auth_thr, key, now);
	if (n == (unsigned long)limit)
		log_warn("%s %s: %lu authentication failures in %llds: "
		    "further attempts fail until %llds after the first",
		    what, name, n, var_auth_throttle_time,
		    var_auth_throttle_time);
}

void
auth_request_run(const struct auth_req *q, struct auth_ans *a,
    long long now)
{
	char key[ADDR_TEXT_MAX], ukey[ADDR_TEXT_MAX + 3], ckey[128];
	char ckeyval[AUTH_CLIENT_MAX + 8], shown[AUTH_SHOW_MAX + 8];
	const char *who, *from, *why;
	char *err;
	int known, found = 0, v, cached;

	memset(a, 0, sizeof(*a));
	if (auth_thr == NULL)
		log_panic("auth_request_run: auth_request_init was not called");
	known = auth_db_key(q->user, key, sizeof(key)) == 0;
	who = known ? key : auth_request_clean(q->user, shown, sizeof(shown));
	snprintf(ukey, sizeof(ukey), "u:%s", known ? key : q->user);
	from = q->client[0] != '\0' ? q->client : "unknown";
	ckey[0] = '\0';
	if (q->client[0] != '\0') {
		auth_throttle_client_key(q->client, ckeyval, sizeof(ckeyval));
		snprintf(ckey, sizeof(ckey), "c:%s", ckeyval);
	}

	if (auth_request_throttled(q, ckey, var_auth_client_failure_limit,
	    "from this client", who, from, now) ||
	    auth_request_throttled(q, ukey, var_auth_user_failure_limit,
	    "for this user", who, from, now)) {
		a->status = AUTH_STAT_THROTTLED;
		return;
	}

	if (known && (found = auth_db_lookup(key, &a->e, &err)) < 0) {
		log_warn("%s %s authentication for %s from %s: temporary "
		    "failure: %s", q->service, q->mech, who, from, err);
		free(err);
		auth_entry_clear(&a->e);
		a->status = AUTH_STAT_TEMP;
		return;
	}
	cached = found && auth_cache_check(key, a->e.hash, q->password, now);
	v = cached ? 1 : auth_verify(q->password, found ? a->e.hash : NULL);
	if (v == 1 && found && !cached)
		auth_cache_add(key, a->e.hash, q->password, now);
	if (v < 0) {
		log_warn("%s %s authentication for %s from %s: temporary "
		    "failure: crypt(3) failed on the stored hash", q->service,
		    q->mech, who, from);
		auth_entry_clear(&a->e);
		a->status = AUTH_STAT_TEMP;
		return;
	}
	if (v == 1) {
		explicit_bzero(a->e.hash, sizeof(a->e.hash));
		log_info("%s %s authentication succeeded for %s from %s (%s%s)",
		    q->service, q->mech, who, from, q->tls ? "TLS" :
		    "cleartext", cached ? ", cached" : "");
		a->status = AUTH_STAT_OK;
		return;
	}
	if (!found)
		why = "unknown user";
	else if (!pwhash_scheme_ok(a->e.hash))
		why = "account disabled or password hash of an unknown scheme";
	else
		why = "bad password";
	auth_entry_clear(&a->e);
	log_info("%s %s authentication failed for %s from %s: %s",
	    q->service, q->mech, who, from, why);
	auth_request_count(ckey, var_auth_client_failure_limit, "client",
	    from, now);
	auth_request_count(ukey, var_auth_user_failure_limit, "user", who,
	    now);
	a->status = AUTH_STAT_FAIL;
	a->delay = 1;
}
