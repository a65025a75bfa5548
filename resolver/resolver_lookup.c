/*
 * NAME
 *	resolver_lookup - one request's DNS work: MX, then the addresses of
 *	every host, all queries of all requests in flight at once.
 *
 * DESCRIPTION
 *	A lookup with mx=1 asks for the domain's MX records. The answer
 *	decides (resolver_proto.h has the codes):
 *	  NXDOMAIN			NOTFOUND 5.1.2
 *	  an error, SERVFAIL, ...	TEMP 4.4.3
 *	  a bogus answer		TEMP 4.7.5 (DNSSEC validation failed)
 *	  a null MX among the records	NULLMX 5.1.10 (RFC 7505)
 *	  records			their hosts, in order (resolver_rr)
 *	  no record (NODATA)		the implicit MX: the domain itself
 *	A lookup with mx=0 starts with the one host. Then every host's A
 *	and AAAA records (as inet_protocols allows) are asked for at once.
 *	A host whose address lookups fail is left out; when no host is
 *	left the answer is TEMP if any failure was temporary, else
 *	NOTFOUND 5.4.4. CNAMEs are followed by libunbound (the canonical
 *	name only matters to it).
 *
 *	The whole lookup is bounded by resolver_query_timeout: what is
 *	still in flight then is cancelled and the answer is TEMP. A slow
 *	domain delays nothing else: each libunbound query completes on
 *	its own, and the event loop serves other clients meanwhile.
 *
 *	The callback of a lookup always runs from the event loop: from
 *	libunbound's answers (resolver_lookup_process), from the timeout,
 *	or from a zero-delay timer when the answer is known at once (a
 *	malformed name).
 *
 * SECURITY
 *	Record data is decoded by resolver_rr, which accepts only host
 *	names and well-formed addresses. The number of hosts considered
 *	is bounded (RESOLVER_MX_MAX records, RESOLVER_HOST_MAX hosts) and
 *	so is the number of queries per lookup.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

#include "event.h"
#include "log.h"
#include "params.h"
#include "resolver.h"
#include "server.h"
#include "xmalloc.h"

#define RESOLVER_MX_MAX		256	/* MX records looked at */
#define RESOLVER_CLASS_IN	1
#define RESOLVER_RCODE_NXDOMAIN	3

struct resolver_query {
	struct resolver_lookup		*lk;
	int				 host;	/* -1: the MX query */
	int				 type;
	int				 id;	/* libunbound's */
	LIST_ENTRY(resolver_query)	 entry;
};

struct resolver_lookup {
	char			 ascii[RESOLVER_NAME_MAX + 1];
	int			 mx;
	resolver_done_fn	 done;
	void			*arg;
	struct resolver_rr_host	*hosts;
	size_t			 nhost;
	int			 secure;	/* the MX answer (or the host's) */
	int			 temp;		/* a temporary failure seen */
	int			 decided;	/* status is final */
	int			 status;
	char			 dsn[DSN_STATUS_SIZE];
	char			 text[RESOLVER_TEXT_MAX + 1];
	LIST_HEAD(, resolver_query) queries;
	struct event_timer	*timer;
	LIST_ENTRY(resolver_lookup) entry;
};

static LIST_HEAD(, resolver_lookup) resolver_lookups =
    LIST_HEAD_INITIALIZER(resolver_lookups);
static size_t resolver_nlookups;

static const char *
resolver_type_name(int type)
{
	return type == RESOLVER_TYPE_MX ? "MX" : type == RESOLVER_TYPE_A ?
	    "A" : "AAAA";
}

static uint32_t
resolver_rnd(uint32_t n)
{
	return arc4random_uniform(n);
}

static void resolver_lookup_finish(struct resolver_lookup *);

/* Decide the outcome (the first decision stands). */
static void
resolver_decide(struct resolver_lookup *lk, int status, const char *dsn,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
resolver_decide(struct resolver_lookup *lk, int status, const char *dsn,
    const char *fmt, ...)
{
	va_list ap;

	if (lk->decided)
		return;
	lk->decided = 1;
	lk->status = status;
	strlcpy(lk->dsn, dsn, sizeof(lk->dsn));
	va_start(ap, fmt);
	vsnprintf(lk->text, sizeof(lk->text), fmt, ap);
	va_end(ap);
}

static void
resolver_free(struct resolver_lookup *lk)
{
	struct resolver_query *q;

	while ((q = LIST_FIRST(&lk->queries)) != NULL) {
		(void)ub_cancel(resolver_ub, q->id);
		LIST_REMOVE(q, entry);
		free(q);
	}
	if (lk->timer != NULL)
		event_del_timer(server_loop(), lk->timer);
	LIST_REMOVE(lk, entry);
	resolver_nlookups--;
	free(lk->hosts);
	free(lk);
}

static void resolver_answer(void *, int, struct ub_result *);

/* Ask one question; a failure to ask counts as a temporary failure. */
static void
resolver_ask(struct resolver_lookup *lk, const char *name, int type, int host)
{
	struct resolver_query *q = xcalloc(1, sizeof(*q));
	int rc;

	q->lk = lk;
	q->host = host;
	q->type = type;
	rc = ub_resolve_async(resolver_ub, name, type, RESOLVER_CLASS_IN, q,
	    resolver_answer, &q->id);
	if (rc != 0) {
		log_error("libunbound: query %s/%s: %s", name,
		    resolver_type_name(type), ub_strerror(rc));
		lk->temp = 1;
		if (host >= 0)
			lk->hosts[host].temp = 1;
		else
			resolver_decide(lk, RESOLVER_STAT_TEMP, "4.4.3",
			    "Name service error for name=%s type=MX: %s",
			    name, ub_strerror(rc));
		free(q);
		return;
	}
	LIST_INSERT_HEAD(&lk->queries, q, entry);
}

/* Every host's addresses, of the families wanted. */
static void
resolver_ask_hosts(struct resolver_lookup *lk)
{
	size_t i;

	for (i = 0; i < lk->nhost; i++) {
		lk->hosts[i].secure = 1;
		if (resolver_want6)
			resolver_ask(lk, lk->hosts[i].name,
			    RESOLVER_TYPE_AAAA, (int)i);
		if (resolver_want4)
			resolver_ask(lk, lk->hosts[i].name, RESOLVER_TYPE_A,
			    (int)i);
	}
}

/* The MX answer: the hosts, or the outcome. */
static void
resolver_got_mx(struct resolver_lookup *lk, struct ub_result *r)
{
	struct resolver_rr_host *h;
	size_t i, n = 0;
	unsigned pref;
	int bad = 0;
	char name[RESOLVER_NAME_MAX + 1];

	lk->secure = r->secure;
	if (r->havedata) {
		for (i = 0; r->data[i] != NULL; i++)
			n++;
		if (n > RESOLVER_MX_MAX)
			n = RESOLVER_MX_MAX;
		lk->hosts = xcalloc(n, sizeof(*lk->hosts));
		for (i = 0; i < n; i++) {
			if (resolver_rr_mx((const unsigned char *)r->data[i],
			    (size_t)r->len[i], &pref, name,
			    sizeof(name)) < 0) {
				bad++;
				continue;
			}
			if (name[0] == '\0') {
				resolver_decide(lk, RESOLVER_STAT_NULLMX,
				    "5.1.10", "Domain %s does not accept mail "
				    "(nullMX)", lk->ascii);
				return;
			}
			h = &lk->hosts[lk->nhost++];
			strlcpy(h->name, name, sizeof(h->name));
			h->pref = pref;
		}
		lk->nhost = resolver_rr_order(lk->hosts, lk->nhost,
		    resolver_rnd);
		if (lk->nhost > RESOLVER_HOST_MAX)
			lk->nhost = RESOLVER_HOST_MAX;
		if (bad > 0)
			log_warn("%s: %d malformed MX record(s) ignored",
			    lk->ascii, bad);
		if (lk->nhost == 0) {
			resolver_decide(lk, RESOLVER_STAT_TEMP, "4.4.3",
			    "Name service error for name=%s type=MX: "
			    "malformed MX records", lk->ascii);
			return;
		}
	} else {
		/* no MX record: the implicit MX, the domain itself */
		lk->hosts = xcalloc(1, sizeof(*lk->hosts));
		strlcpy(lk->hosts[0].name, lk->ascii,
		    sizeof(lk->hosts[0].name));
		lk->nhost = 1;
	}
	resolver_ask_hosts(lk);
}

/* An address answer for host h. */
static void
resolver_got_addr(struct resolver_lookup *lk, struct resolver_query *q,
    struct ub_result *r)
{
	struct resolver_rr_host *h = &lk->hosts[q->host];
	char addr[RESOLVER_ADDR_TEXT_MAX];
	size_t i;

	if (!r->secure)
		h->secure = 0;
	for (i = 0; r->havedata && r->data[i] != NULL; i++) {
		if (resolver_rr_addr(q->type,
		    (const unsigned char *)r->data[i], (size_t)r->len[i],
		    addr, sizeof(addr)) < 0) {
			log_warn("%s: malformed %s record ignored", h->name,
			    resolver_type_name(q->type));
			continue;
		}
		(void)resolver_rr_add_addr(h, addr);
	}
	if (h->naddr == 0 && !lk->decided)
		/* the reason, should no host have an address */
		snprintf(lk->text, sizeof(lk->text), "Host or domain name "
		    "not found. Name service error for name=%s type=%s: %s",
		    h->name, resolver_type_name(q->type), r->nxdomain ?
		    "Host not found" : "Host found but no data record of "
		    "requested type");
}

static void
resolver_answer(void *arg, int err, struct ub_result *r)
{
	struct resolver_query *q = arg;
	struct resolver_lookup *lk = q->lk;
	const char *name = q->host < 0 ? lk->ascii : lk->hosts[q->host].name;
	const char *type = resolver_type_name(q->type);

	LIST_REMOVE(q, entry);
	if (err != 0 || r == NULL) {
		log_warn("libunbound: %s/%s: %s", name, type,
		    ub_strerror(err));
		if (q->host >= 0)
			lk->hosts[q->host].temp = 1;
		lk->temp = 1;
		resolver_decide(lk, RESOLVER_STAT_TEMP, "4.4.3", "Name service "
		    "error for name=%s type=%s: %s", name, type,
		    ub_strerror(err));
	} else if (r->bogus) {
		log_warn("DNSSEC validation failed for %s/%s: %s", name, type,
		    r->why_bogus != NULL ? r->why_bogus : "bogus");
		if (q->host >= 0)
			lk->hosts[q->host].temp = 1;
		lk->temp = 1;
		resolver_decide(lk, RESOLVER_STAT_TEMP, "4.7.5", "DNSSEC "
		    "validation failed for name=%s type=%s", name, type);
	} else if (r->rcode != 0 && r->rcode != RESOLVER_RCODE_NXDOMAIN) {
		if (q->host >= 0)
			lk->hosts[q->host].temp = 1;
		lk->temp = 1;
		if (q->host < 0)
			resolver_decide(lk, RESOLVER_STAT_TEMP, "4.4.3",
			    "Host or domain name not found. Name service "
			    "error for name=%s type=%s: Host not found, try "
			    "again", name, type);
	} else if (q->host < 0 && r->nxdomain)
		resolver_decide(lk, RESOLVER_STAT_NOTFOUND, "5.1.2", "Host or "
		    "domain name not found. Name service error for name=%s "
		    "type=%s: Host not found", name, type);
	else if (q->host < 0)
		resolver_got_mx(lk, r);
	else
		resolver_got_addr(lk, q, r);
	if (r != NULL)
		ub_resolve_free(r);
	free(q);
	if (LIST_EMPTY(&lk->queries))
		resolver_lookup_finish(lk);
}

/* Every answer is in (or it is too late): build the result. */
static void
resolver_lookup_finish(struct resolver_lookup *lk)
{
	struct resolver_result res;
	size_t i, n = 0;

	for (i = 0; !lk->decided && i < lk->nhost; i++) {
		if (lk->hosts[i].naddr == 0)
			continue;
		resolver_rr_addr_order(&lk->hosts[i]);
		if (n != i)
			lk->hosts[n] = lk->hosts[i];
		n++;
	}
	if (!lk->decided) {
		lk->nhost = n;
		if (n > 0)
			resolver_decide(lk, RESOLVER_STAT_OK, "2.0.0", "%s",
			    "");
		else if (lk->temp)
			resolver_decide(lk, RESOLVER_STAT_TEMP, "4.4.3",
			    "Host or domain name not found. Name service "
			    "error for name=%s type=%s: Host not found, try "
			    "again", lk->nhost > 0 ? lk->hosts[0].name :
			    lk->ascii, resolver_want4 ? "A" : "AAAA");
		else {
			char why[RESOLVER_TEXT_MAX + 1];

			strlcpy(why, lk->text, sizeof(why));
			resolver_decide(lk, RESOLVER_STAT_NOTFOUND, "5.4.4",
			    "%s", why[0] != '\0' ? why : "no address record");
		}
	}
	memset(&res, 0, sizeof(res));
	res.status = lk->status;
	res.dsn = lk->dsn;
	res.text = lk->text;
	res.ascii = lk->ascii;
	/* mx=0: the answer is the host's own */
	res.secure = lk->status == RESOLVER_STAT_OK && lk->secure &&
	    (lk->mx || lk->hosts[0].secure);
	if (lk->status == RESOLVER_STAT_OK) {
		res.nhost = lk->nhost;
		res.hosts = lk->hosts;
	}
	if (!LIST_EMPTY(&lk->queries))
		log_panic("%s: finished with queries in flight", lk->ascii);
	lk->done(&res, lk->arg);
	resolver_free(lk);
}

static void
resolver_timeout(void *arg)
{
	struct resolver_lookup *lk = arg;
	struct resolver_query *q;
	size_t i;

	lk->timer = NULL;
	/* the hosts that answered in time will do; else it is too late */
	for (i = 0; i < lk->nhost && lk->hosts[i].naddr == 0; i++)
		;
	if (i == lk->nhost)
		resolver_decide(lk, RESOLVER_STAT_TEMP, "4.4.3", "Name service "
		    "error for name=%s: no answer within %llds", lk->ascii,
		    var_resolver_query_timeout);
	while ((q = LIST_FIRST(&lk->queries)) != NULL) {
		(void)ub_cancel(resolver_ub, q->id);
		LIST_REMOVE(q, entry);
		free(q);
	}
	resolver_lookup_finish(lk);
}

static void
resolver_now(void *arg)
{
	struct resolver_lookup *lk = arg;

	lk->timer = NULL;
	resolver_lookup_finish(lk);
}

struct resolver_lookup *
resolver_lookup_start(const char *domain, int mx, resolver_done_fn done,
    void *arg)
{
	struct resolver_lookup *lk = xcalloc(1, sizeof(*lk));
	const char *why;

	lk->mx = mx;
	lk->done = done;
	lk->arg = arg;
	LIST_INIT(&lk->queries);
	LIST_INSERT_HEAD(&resolver_lookups, lk, entry);
	resolver_nlookups++;
	if (resolver_name_ascii(domain, lk->ascii, sizeof(lk->ascii),
	    &why) < 0) {
		resolver_decide(lk, RESOLVER_STAT_NOTFOUND, "5.1.2", "%s", why);
		lk->timer = event_add_timer(server_loop(), 0, resolver_now, lk);
		return lk;
	}
	if (mx)
		resolver_ask(lk, lk->ascii, RESOLVER_TYPE_MX, -1);
	else {
		lk->hosts = xcalloc(1, sizeof(*lk->hosts));
		strlcpy(lk->hosts[0].name, lk->ascii,
		    sizeof(lk->hosts[0].name));
		lk->nhost = 1;
		lk->secure = 1;
		resolver_ask_hosts(lk);
	}
	if (LIST_EMPTY(&lk->queries))
		lk->timer = event_add_timer(server_loop(), 0, resolver_now, lk);
	else
		lk->timer = event_add_timer(server_loop(),
		    var_resolver_query_timeout * 1000, resolver_timeout, lk);
	return lk;
}

void
resolver_lookup_cancel(struct resolver_lookup *lk)
{
	resolver_free(lk);
}

void
resolver_lookup_process(void)
{
	int rc;

	if ((rc = ub_process(resolver_ub)) != 0)
		log_error("libunbound: %s", ub_strerror(rc));
}

size_t
resolver_lookup_count(void)
{
	return resolver_nlookups;
}
