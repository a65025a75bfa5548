/*
 * NAME
 *	relay_hop - the next hop of a request, and the addresses to try.
 *
 * DESCRIPTION
 *	The next hop is what qmgr's address resolution chose (lib/resolve):
 *	the recipient domain, $relayhost, or a transport_maps value's
 *	nexthop, written as Postfix writes them:
 *	  example.org		MX lookup (implicit MX without MX records)
 *	  example.org:2525	the same, another port
 *	  [mx.example.org]	the host's own addresses, no MX lookup
 *	  [mx.example.org]:587	the same, another port
 *	  [192.0.2.1]:25	an address literal: no DNS at all
 *	  [ipv6:2001:db8::1]	an IPv6 literal (Postfix's form; the bare
 *				form in brackets is accepted too)
 *	The port is a number or smtp, submission, submissions; without one
 *	smtp_tcp_port (25).
 *
 *	The addresses come from the resolver service (lib/resolver_clnt):
 *	the hosts in MX order, each host's addresses in turn, at most
 *	smtp_mx_address_limit of them in all. The resolver's outcome maps
 *	onto the recipients: TEMP is a deferral and a site failure (the
 *	destination's DNS is in trouble), NOTFOUND and NULLMX bounce. When
 *	the resolver service itself cannot be reached the mail is deferred
 *	(4.3.0) without counting against the destination.
 *
 * SECURITY
 *	The next hop comes from qmgr (our own tables, our own parser); it
 *	is still parsed strictly. Addresses from the resolver were checked
 *	by its client (numeric only) before they reach connect().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "log.h"
#include "params.h"
#include "relay.h"
#include "sock.h"
#include "xmalloc.h"

static struct resolver_clnt *relay_resolver;
static struct resolver_answer relay_answer;

static int
relay_port(const char *s, unsigned *port_r)
{
	char *end;
	long v;

	if (strcasecmp(s, "smtp") == 0)
		v = 25;
	else if (strcasecmp(s, "submission") == 0)
		v = 587;
	else if (strcasecmp(s, "submissions") == 0 ||
	    strcasecmp(s, "smtps") == 0)
		v = 465;
	else {
		v = strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0' || v < 1 || v > 65535)
			return -1;
	}
	*port_r = (unsigned)v;
	return 0;
}

/* A host name; U-labels pass (the resolver converts them). */
static int
relay_hop_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x80 && strchr(".-_0123456789"
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", *s) ==
		    NULL)
			return 0;
	return 1;
}

int
relay_hop_parse(const char *nexthop, struct relay_hop *h, const char **why_r)
{
	const char *p = nexthop, *end, *colon;
	size_t n;

	memset(h, 0, sizeof(*h));
	h->port = (unsigned)var_smtp_tcp_port;
	h->mx = 1;
	if (*p == '[') {
		if ((end = strchr(p, ']')) == NULL) {
			*why_r = "missing ] in the next hop";
			return -1;
		}
		p++;
		if (strncasecmp(p, "ipv6:", 5) == 0)
			p += 5;
		n = (size_t)(end - p);
		h->mx = 0;
		colon = end[1] == ':' ? end + 2 : NULL;
		if (end[1] != '\0' && colon == NULL) {
			*why_r = "junk after ] in the next hop";
			return -1;
		}
	} else {
		colon = strrchr(p, ':');
		if (colon != NULL && strchr(p, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
		n = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (colon != NULL)
			colon++;
	}
	if (n == 0 || n >= sizeof(h->host)) {
		*why_r = "empty or too long next hop";
		return -1;
	}
	memcpy(h->host, p, n);
	h->host[n] = '\0';
	if (colon != NULL && relay_port(colon, &h->port) < 0) {
		*why_r = "bad port in the next hop";
		return -1;
	}
	if (sock_addr_numeric(h->host)) {
		h->literal = 1;
		h->mx = 0;
	} else if (!relay_hop_name_ok(h->host)) {
		*why_r = "malformed next hop";
		return -1;
	}
	return 0;
}

int
relay_hop_dests(const struct relay_hop *h, struct relay_job *job,
    struct relay_dest **dests_r, size_t *n_r, size_t max)
{
	struct resolver_answer *a = &relay_answer;
	struct relay_dest *d;
	char *err = NULL;
	size_t i, j, n = 0;

	*dests_r = NULL;
	*n_r = 0;
	if (h->literal) {
		d = xcalloc(1, sizeof(*d));
		strlcpy(d->host, h->host, sizeof(d->host));
		strlcpy(d->addr, h->host, sizeof(d->addr));
		d->port = h->port;
		*dests_r = d;
		*n_r = 1;
		return 0;
	}
	if (relay_resolver == NULL)
		relay_resolver = resolver_clnt_new(NULL,
		    (int)(var_resolver_query_timeout * 1000 + 10000));
	if (resolver_clnt_lookup(relay_resolver, h->host, h->mx, a,
	    &err) < 0) {
		log_warn("%s: %s", job->req->queue_id, err);
		relay_fail_set(job, "none", 0, "4.3.0", "DNS lookup not "
		    "available: %s", err);
		err_free(&err);
		return -1;
	}
	if (a->status != RESOLVER_STAT_OK) {
		/* DNS trouble is the destination's; an answer is final */
		relay_fail_set(job, "none", a->status == RESOLVER_STAT_TEMP,
		    a->dsn, "%s", a->text);
		return -1;
	}
	d = xcalloc(max, sizeof(*d));
	for (i = 0; i < a->nhost && n < max; i++)
		for (j = 0; j < a->host[i].naddr && n < max; j++) {
			strlcpy(d[n].host, a->host[i].name,
			    sizeof(d[n].host));
			strlcpy(d[n].addr, a->host[i].addr[j],
			    sizeof(d[n].addr));
			d[n].port = h->port;
			n++;
		}
	*dests_r = d;
	*n_r = n;
	return 0;
}
