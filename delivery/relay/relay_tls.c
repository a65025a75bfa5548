/*
 * NAME
 *	relay_tls - STARTTLS as smtp_tls_security_level says.
 *
 * DESCRIPTION
 *	The levels, with Postfix's meanings:
 *	  none		never STARTTLS
 *	  may		STARTTLS when offered; a refusal or a failed
 *			handshake is no reason not to deliver (a failed
 *			handshake: the session is made again without TLS)
 *	  encrypt	TLS is required; no certificate check
 *	  verify	TLS is required and the server's certificate must
 *			be trusted (smtp_tls_CAfile, smtp_tls_CApath, else
 *			the system's store) and name what
 *			smtp_tls_verify_cert_match says: hostname, the MX
 *			host's name (an MX answer can be forged without
 *			DNSSEC: that is what secure is for)
 *	  secure	as verify, the name matched against
 *			smtp_tls_secure_cert_match: nexthop (the domain the
 *			mail is for, or the relayhost) and dot-nexthop (any
 *			name below it), so a forged MX record cannot send
 *			the mail elsewhere
 *	Where TLS is required and missing, the mail is deferred (4.7.4,
 *	4.7.5): a site failure. SNI is smtp_tls_servername (hostname: the
 *	MX host's name, not for an address literal).
 *
 *	After the handshake, one log line as Postfix writes it:
 *	"Verified TLS connection established to mx.example.org[192.0.2.7]:25:
 *	TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
 *	(Anonymous, Untrusted, Trusted or Verified; lib/tls_info).
 *
 * SECURITY
 *	OpenSSL does the handshake and the chain and name checks; the
 *	names to match come from main.cf and from the request, never from
 *	the server.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "log.h"
#include "params.h"
#include "relay.h"
#include "stream.h"
#include "tls.h"
#include "xmalloc.h"

#define RELAY_MATCH_MAX		16

/*
 * The names a certificate must match, from a match list (hostname,
 * nexthop, dot-nexthop, or literal names), into names (NULL-ended);
 * the strings are malloc'd into store.
 */
static void
relay_tls_names(const char *list, const struct relay_session *s,
    const struct relay_hop *hop, char **names, size_t max)
{
	char **words = params_list(list);
	size_t i, n = 0;

	for (i = 0; words[i] != NULL && n + 1 < max; i++) {
		if (strcasecmp(words[i], "hostname") == 0)
			names[n++] = xstrdup(s->dest.host);
		else if (strcasecmp(words[i], "nexthop") == 0)
			names[n++] = xstrdup(hop->host);
		else if (strcasecmp(words[i], "dot-nexthop") == 0)
			names[n++] = xasprintf(".%s", hop->host);
		else
			names[n++] = xstrdup(words[i]);
	}
	names[n] = NULL;
	params_list_free(words);
}

static const char *
relay_tls_sni(const struct relay_session *s, const struct relay_hop *hop)
{
	const char *v = var_smtp_tls_servername;

	(void)hop;
	if (v == NULL || *v == '\0')
		return NULL;
	if (strcasecmp(v, "hostname") == 0)
		/* an address literal has no name to send */
		return strcmp(s->dest.host, s->dest.addr) != 0 ?
		    s->dest.host : NULL;
	return v;
}

int
relay_tls_start(struct relay_session *s, const struct relay_hop *hop,
    int allow, struct relay_job *job)
{
	char *names[RELAY_MATCH_MAX], *why = NULL;
	const char *match_list = NULL;
	size_t i;
	int code, r;

	if (relay_tls_ctx == NULL || relay_tls_level == TLS_LEV_NONE ||
	    !allow)
		return 0;
	if (!(s->ehlo.ext & SMTP_EXT_STARTTLS)) {
		if (relay_tls_level == TLS_LEV_MAY)
			return 0;
		relay_fail_set(job, s->relay, 1, "4.7.4", "TLS is required, "
		    "but was not offered by host %s[%s]", s->dest.host,
		    s->dest.addr);
		return -1;
	}
	code = relay_command(s, var_smtp_starttls_timeout, "STARTTLS");
	if (code < 0) {
		relay_fail_lost(job, s, "sending STARTTLS");
		s->broken = 1;
		return -1;
	}
	if (code != 220) {
		if (relay_tls_level == TLS_LEV_MAY)
			return 0;
		relay_fail_reply(job, s, "STARTTLS", 1);
		strlcpy(job->fail.dsn, "4.7.4", sizeof(job->fail.dsn));
		return -1;
	}
	if (relay_tls_level == TLS_LEV_VERIFY)
		match_list = var_smtp_tls_verify_cert_match;
	else if (relay_tls_level == TLS_LEV_SECURE)
		match_list = var_smtp_tls_secure_cert_match;
	names[0] = NULL;
	if (match_list != NULL)
		relay_tls_names(match_list, s, hop, names, RELAY_MATCH_MAX);
	stream_set_timeouts(s->s, (int)(var_smtp_starttls_timeout * 1000),
	    (int)(var_smtp_starttls_timeout * 1000));
	r = tls_client_start_match(s->s, relay_tls_ctx, relay_tls_sni(s, hop),
	    match_list != NULL ? (const char *const *)names : NULL, &why);
	for (i = 0; names[i] != NULL; i++)
		free(names[i]);
	if (r != 0) {
		s->broken = 1;
		if (relay_tls_level == TLS_LEV_MAY) {
			log_info("%s: TLS handshake with %s failed: %s",
			    job->req->queue_id, s->relay, why);
			err_free(&why);
			return 1;
		}
		if (strstr(why, "certificate verify failed") != NULL)
			relay_fail_set(job, s->relay, 1, "4.7.5", "Server "
			    "certificate not verified (%s[%s]: %s)",
			    s->dest.host, s->dest.addr, why);
		else
			relay_fail_set(job, s->relay, 1, "4.7.5", "Cannot start "
			    "TLS: handshake failure with %s[%s]: %s",
			    s->dest.host, s->dest.addr, why);
		err_free(&why);
		return -1;
	}
	s->tls = 1;
	tls_log_established(s->s, "to", s->relay, var_smtp_tls_loglevel);
	return 0;
}
