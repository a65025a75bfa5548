/*
 * NAME
 *	relay_sasl - client AUTH (RFC 4954) to a next hop that wants it,
 *	typically the relayhost of a provider.
 *
 * DESCRIPTION
 *	With smtp_sasl_auth_enable = yes, smtp_sasl_password_maps is asked
 *	for the next hop, as Postfix does: first as the next hop is written
 *	("[smtp.example.net]:587"), then its host ("smtp.example.net"),
 *	then the name of the server connected to. The value is
 *	"username:password". No entry: no AUTH. The mechanisms are PLAIN
 *	(RFC 4616, with the initial response) and LOGIN, the first the
 *	server offers in that order.
 *
 *	Only over TLS: a password would otherwise cross the network in the
 *	clear. A next hop with a password and a session without TLS
 *	defers the mail ("4.7.0 ... refused without TLS"); set
 *	smtp_tls_security_level = encrypt (or higher) for it. A server
 *	that offers no AUTH gets the mail without it (it may then refuse
 *	to relay: that reply is what the sender sees). A refused login
 *	defers the mail (4.7.0, Postfix's smtp_sasl_auth_soft_bounce), so
 *	a mistyped password does not bounce mail.
 *
 * SECURITY
 *	The password is read from the admin's table and sent only inside
 *	TLS; every buffer that held it is wiped (explicit_bzero) and it is
 *	never logged. The server's challenges are not interpreted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "relay.h"
#include "sasl.h"

#define RELAY_SASL_MAX		1024	/* user or password, bytes */
#define RELAY_B64_MAX		(4 * ((2 * RELAY_SASL_MAX + 4) / 3) + 8)

static struct maps_list *relay_sasl_maps;

void
relay_sasl_open(void)
{
	char *err = NULL;

	if (!var_smtp_sasl_auth_enable || *var_smtp_sasl_password_maps == '\0')
		return;
	if ((relay_sasl_maps = maps_list_open(var_smtp_sasl_password_maps,
	    MAPS_OPEN_DEFER, &err)) == NULL)
		log_fatal("smtp_sasl_password_maps: %s", err);
}

/* The entry for this next hop: 1 found, 0 none, -1 table error. */
static int
relay_sasl_lookup(const char *nexthop, const struct relay_hop *hop,
    const struct relay_session *s, const char **value_r, char **err_r)
{
	const char *keys[3] = { nexthop, hop->host, s->dest.host };
	size_t i;
	int r;

	for (i = 0; i < 3; i++) {
		if ((r = maps_list_lookup(relay_sasl_maps, keys[i], value_r,
		    err_r)) != 0)
			return r;
	}
	return 0;
}

/* The server's reply to an AUTH step, as the reason of a deferral. */
static int
relay_sasl_failed(struct relay_session *s, struct relay_job *job, int code)
{
	if (code < 0) {
		relay_fail_lost(job, s, "authenticating");
		return -1;
	}
	relay_fail_reply(job, s, "AUTH", 1);
	snprintf(job->fail.log, sizeof(job->fail.log), "SASL authentication "
	    "failed; server %s[%s] said: %s", s->dest.host, s->dest.addr,
	    job->fail.text);
	strlcpy(job->fail.dsn, "4.7.0", sizeof(job->fail.dsn));
	return -1;
}

static int
relay_sasl_plain(struct relay_session *s, const char *user, const char *pw,
    struct relay_job *job)
{
	char raw[2 * RELAY_SASL_MAX + 4], b64[RELAY_B64_MAX];
	size_t ul = strlen(user), pl = strlen(pw);
	int code;

	/* authzid (empty) NUL authcid NUL password */
	raw[0] = '\0';
	memcpy(raw + 1, user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, pw, pl);
	if (sasl_b64_encode(raw, 2 + ul + pl, b64, sizeof(b64)) < 0)
		code = SMTP_REPLY_BAD;
	else
		code = relay_command(s, var_smtp_helo_timeout,
		    "AUTH PLAIN %s", b64);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	return code == 235 ? 0 : relay_sasl_failed(s, job, code);
}

static int
relay_sasl_login(struct relay_session *s, const char *user, const char *pw,
    struct relay_job *job)
{
	char b64[RELAY_B64_MAX];
	int code;

	code = relay_command(s, var_smtp_helo_timeout, "AUTH LOGIN");
	if (code == 334 && sasl_b64_encode(user, strlen(user), b64,
	    sizeof(b64)) >= 0)
		code = relay_command(s, var_smtp_helo_timeout, "%s", b64);
	if (code == 334 && sasl_b64_encode(pw, strlen(pw), b64,
	    sizeof(b64)) >= 0)
		code = relay_command(s, var_smtp_helo_timeout, "%s", b64);
	explicit_bzero(b64, sizeof(b64));
	return code == 235 ? 0 : relay_sasl_failed(s, job, code);
}

int
relay_sasl_auth(struct relay_session *s, const char *nexthop,
    const struct relay_hop *hop, struct relay_job *job)
{
	char user[RELAY_SASL_MAX + 1], pw[RELAY_SASL_MAX + 1], *err = NULL;
	const char *value, *colon;
	size_t ulen;
	int r;

	if (relay_sasl_maps == NULL)
		return 0;
	if ((r = relay_sasl_lookup(nexthop, hop, s, &value, &err)) < 0) {
		relay_fail_set(job, s->relay, 0, "4.3.0", "%s", err);
		err_free(&err);
		return -1;
	}
	if (r == 0)
		return 0;
	if ((colon = strchr(value, ':')) == NULL ||
	    (ulen = (size_t)(colon - value)) == 0 || ulen > RELAY_SASL_MAX ||
	    strlen(colon + 1) > RELAY_SASL_MAX) {
		relay_fail_set(job, s->relay, 0, "4.3.5", "smtp_sasl_password_"
		    "maps: the entry for %s is not username:password",
		    nexthop);
		return -1;
	}
	if (!s->tls) {
		relay_fail_set(job, s->relay, 1, "4.7.0", "SASL authentication "
		    "to %s[%s] refused without TLS (set smtp_tls_security_level"
		    " = encrypt or higher for it)", s->dest.host, s->dest.addr);
		return -1;
	}
	if (!(s->ehlo.ext & SMTP_EXT_AUTH))
		return 0;
	memcpy(user, value, ulen);
	user[ulen] = '\0';
	strlcpy(pw, colon + 1, sizeof(pw));
	if (smtp_ehlo_auth(&s->ehlo, "PLAIN"))
		r = relay_sasl_plain(s, user, pw, job);
	else if (smtp_ehlo_auth(&s->ehlo, "LOGIN"))
		r = relay_sasl_login(s, user, pw, job);
	else {
		relay_fail_set(job, s->relay, 1, "4.7.0", "no SASL mechanism in "
		    "common with %s[%s] (it offers%s; Postern has PLAIN and "
		    "LOGIN)", s->dest.host, s->dest.addr, s->ehlo.auth);
		r = -1;
	}
	explicit_bzero(pw, sizeof(pw));
	return r;
}
