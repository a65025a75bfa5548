/*
 * NAME
 *	resolver_server - the relay agents' connections: requests in,
 *	answers out, on the skeleton's event loop.
 *
 * DESCRIPTION
 *	Each connection gets the protocol announcement, then any number of
 *	requests (lib/resolver_proto.h), answered in order: while one
 *	lookup of a connection is in progress nothing more is read from it
 *	(ipc_conn_hold), which bounds the work a client can start to one
 *	lookup per connection. Lookups of different connections run side
 *	by side. A connection that closes while its lookup runs cancels
 *	the lookup.
 *
 *	One log line per lookup at -v (debug): the domain, the outcome,
 *	the hosts.
 *
 * SECURITY
 *	Only processes that can reach private/ can connect. Requests are
 *	parsed as network input: records are bounded (RESOLVER_REC_MAX)
 *	before anything is allocated, every attribute is checked, and a
 *	connection that breaks the protocol is logged and closed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "ipc.h"
#include "ipc_conn.h"
#include "log.h"
#include "resolver.h"
#include "server.h"
#include "xmalloc.h"

#define RESOLVER_OUT_MAX	(2 * RESOLVER_REC_MAX)	/* unread answers */

struct resolver_conn {
	struct ipc_conn		*conn;
	struct resolver_lookup	*lookup;	/* in progress, or NULL */
};

static void
resolver_conn_close(struct ipc_conn *conn, void *arg)
{
	struct resolver_conn *c = arg;

	if (c->lookup != NULL)
		resolver_lookup_cancel(c->lookup);
	server_disconnect(conn->fd);
	free(c);
}

/* The answer record of a result. */
static struct ipc_rec *
resolver_answer_rec(const struct resolver_result *res)
{
	struct ipc_rec *r = ipc_rec_new();
	const struct resolver_rr_host *h;
	size_t i, j;

	ipc_add_uint(r, "status", (uint64_t)res->status);
	ipc_add_str(r, "dsn", res->dsn);
	ipc_add_str(r, "text", res->text);
	ipc_add_str(r, "ascii", res->ascii);
	ipc_add_bool(r, "secure", res->secure);
	ipc_add_uint(r, "count", res->nhost);
	for (i = 0; i < res->nhost; i++) {
		h = &res->hosts[i];
		ipc_add_str(r, "host", h->name);
		ipc_add_uint(r, "pref", h->pref);
		ipc_add_bool(r, "secure", h->secure);
		ipc_add_uint(r, "naddr", h->naddr);
		for (j = 0; j < h->naddr; j++)
			ipc_add_str(r, "addr", h->addr[j]);
	}
	return r;
}

static void
resolver_conn_done(const struct resolver_result *res, void *arg)
{
	struct resolver_conn *c = arg;
	struct ipc_rec *r;
	int rc;

	c->lookup = NULL;
	/* the name as asked is not logged: it may be anything */
	if (res->status == RESOLVER_STAT_OK)
		log_debug("%s: %s: %zu host(s), first %s[%s]%s",
		    c->conn->ch.peer, res->ascii, res->nhost,
		    res->hosts[0].name, res->hosts[0].addr[0],
		    res->secure ? ", DNSSEC-validated" : "");
	else
		log_debug("%s: %s: %s %s", c->conn->ch.peer,
		    *res->ascii != '\0' ? res->ascii : "(malformed name)",
		    res->dsn, res->text);
	r = resolver_answer_rec(res);
	rc = ipc_conn_reply(c->conn, r);
	ipc_rec_free(&r);
	if (rc < 0)
		ipc_conn_close(c->conn);
	else
		ipc_conn_release(c->conn);
}

/* A verb this server does not know: answer TEMP, keep the connection. */
static int
resolver_conn_unknown(struct resolver_conn *c)
{
	struct resolver_result res;
	struct ipc_rec *r;
	int rc;

	memset(&res, 0, sizeof(res));
	res.status = RESOLVER_STAT_TEMP;
	res.dsn = "4.3.0";
	res.text = "request not understood by the resolver service";
	res.ascii = "";
	r = resolver_answer_rec(&res);
	rc = ipc_conn_reply(c->conn, r);
	ipc_rec_free(&r);
	return rc;
}

/* One request; -1 closes the connection. */
static int
resolver_request(struct ipc_conn *conn, struct ipc_rec *r, void *arg)
{
	static const char *const verbs[] = { RESOLVER_REQ_LOOKUP, NULL };
	struct resolver_conn *c = arg;
	const char *domain;
	int mx, v;

	if ((v = ipc_conn_verb(conn, r, verbs)) == -1)
		return -1;
	if (v < 0)
		return resolver_conn_unknown(c);
	if (ipc_get_strn(r, "domain", RESOLVER_UNAME_MAX, &domain) < 0 ||
	    ipc_get_bool(r, "mx", &mx) < 0 || ipc_end(r) < 0) {
		ipc_log_rec_error(&conn->ch, r);
		return -1;
	}
	ipc_conn_hold(conn);
	c->lookup = resolver_lookup_start(domain, mx, resolver_conn_done, c);
	return 0;
}

void
resolver_server_conn(int fd, const struct server_info *info)
{
	struct resolver_conn *c = xcalloc(1, sizeof(*c));
	const struct ipc_conn_params p = {
		.loop = server_loop(),
		.out_max = RESOLVER_OUT_MAX,
		.request = resolver_request,
		.close = resolver_conn_close,
		.arg = c,
	};

	(void)info;
	c->conn = ipc_conn_serve(fd, &resolver_proto, &p);
}
