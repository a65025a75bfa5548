/*
 * NAME
 *	anvil_server - the connections from smtpd processes: requests in,
 *	replies out, on the skeleton's event loop.
 *
 * DESCRIPTION
 *	Each connection gets the protocol announcement, then any number of
 *	requests (anvil_clnt.h), each answered in order. A connection
 *	remembers the sessions it reported (at most ANVIL_HOLD_MAX at a
 *	time; an smtpd process has one) and ends those it did not end
 *	itself when it closes, so a crashed or killed smtpd leaves no
 *	count behind.
 *
 *	Two timers: one drops expired idle entries every rate window (so
 *	memory shrinks back when the traffic stops), one logs the largest
 *	count and rate seen every anvil_status_update_time, as Postfix's
 *	anvil does, when there was anything to report.
 *
 * SECURITY
 *	Only processes that can reach private/ can connect. Requests are
 *	still parsed as network input: records are bounded (ANVIL_REC_MAX)
 *	before anything is allocated, every attribute is checked, a
 *	connection that breaks the protocol is logged and closed, and a
 *	client that does not read its replies is cut off once
 *	ANVIL_OUT_MAX bytes wait for it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anvil.h"
#include "event.h"
#include "ipc.h"
#include "ipc_conn.h"
#include "log.h"
#include "monotime.h"
#include "params.h"
#include "server.h"
#include "xmalloc.h"

#define ANVIL_HOLD_MAX		64		/* sessions per connection */
#define ANVIL_OUT_MAX		(16 * 1024)	/* unread replies */

struct anvil_hold {
	char		*service;
	char		*ident;
	uint64_t	 gen;
};

struct anvil_conn {
	struct ipc_conn	*conn;
	struct ipc_chan	*ch;		/* &conn->ch, for its peer name */
	struct anvil_hold holds[ANVIL_HOLD_MAX];
	size_t		 nholds;
};

static struct anvil_table *anvil_tab;
static struct event_timer *anvil_expire_timer;
static struct event_timer *anvil_stats_timer;

/* --- timers ------------------------------------------------------------ */

static void
anvil_expire_fire(void *arg)
{
	size_t n;

	(void)arg;
	n = anvil_table_expire(anvil_tab, monotime_ms());
	if (n > 0)
		log_debug("expired %zu idle client(s), %zu left", n,
		    anvil_table_size(anvil_tab));
	anvil_expire_timer = event_add_timer(server_loop(),
	    var_anvil_rate_time_unit * 1000, anvil_expire_fire, NULL);
}

static void
anvil_stats_peak(const char *what, const struct anvil_peak *p,
    const char *unit)
{
	char when[64];
	time_t tt = (time_t)p->when;

	if (p->value == 0)
		return;
	strftime(when, sizeof(when), "%b %e %H:%M:%S", localtime(&tt));
	if (p->what[0] != '\0')
		log_info("statistics: max %s %lu%s for (%s) at %s", what,
		    p->value, unit, p->what, when);
	else
		log_info("statistics: max %s %lu at %s", what, p->value,
		    when);
}

/* Log the peaks since the last report (Postfix's anvil shape). */
static void
anvil_stats_log(void)
{
	const struct anvil_stats *st = anvil_table_stats(anvil_tab);
	char unit[32];

	snprintf(unit, sizeof(unit), "/%llds", var_anvil_rate_time_unit);
	anvil_stats_peak("connection rate", &st->rate, unit);
	anvil_stats_peak("connection count", &st->count, "");
	anvil_stats_peak("cache size", &st->size, "");
	if (st->evicted > 0 || st->refused > 0)
		log_info("statistics: table full (anvil_client_limit=%lld): "
		    "%lu idle client(s) forgotten early, %lu not counted",
		    var_anvil_client_limit, st->evicted, st->refused);
	anvil_table_stats_reset(anvil_tab);
}

static void
anvil_stats_fire(void *arg)
{
	(void)arg;
	anvil_stats_log();
	anvil_stats_timer = event_add_timer(server_loop(),
	    var_anvil_status_update_time * 1000, anvil_stats_fire, NULL);
}

void
anvil_server_init(void)
{
	anvil_tab = anvil_table_new((size_t)var_anvil_client_limit,
	    var_anvil_rate_time_unit * 1000);
	anvil_expire_timer = event_add_timer(server_loop(),
	    var_anvil_rate_time_unit * 1000, anvil_expire_fire, NULL);
	anvil_stats_timer = event_add_timer(server_loop(),
	    var_anvil_status_update_time * 1000, anvil_stats_fire, NULL);
}

void
anvil_server_exit(void)
{
	if (anvil_tab != NULL)
		anvil_stats_log();
}

/* --- one connection ---------------------------------------------------- */

static void
anvil_conn_close(struct ipc_conn *conn, void *arg)
{
	struct anvil_conn *c = arg;
	long long now = monotime_ms();
	size_t i;

	for (i = 0; i < c->nholds; i++) {
		if (anvil_table_disconnect(anvil_tab, c->holds[i].service,
		    c->holds[i].ident, c->holds[i].gen, now) == 0)
			log_debug("%s: %s:%s: session ended by close",
			    c->ch->peer, c->holds[i].service,
			    c->holds[i].ident);
		free(c->holds[i].service);
		free(c->holds[i].ident);
	}
	server_disconnect(conn->fd);
	free(c);
}

static int
anvil_reply_status(struct anvil_conn *c, int status)
{
	struct ipc_rec *r = ipc_rec_new();
	int ret;

	ipc_add_uint(r, "status", (uint64_t)status);
	ret = ipc_conn_reply(c->conn, r);
	ipc_rec_free(&r);
	return ret;
}

static int
anvil_do_connect(struct anvil_conn *c, const char *service,
    const char *ident)
{
	const struct anvil_entry *e;
	struct anvil_hold *h;
	struct ipc_rec *r;
	long long now = monotime_ms();
	int ret;

	if (c->nholds >= ANVIL_HOLD_MAX) {
		log_warn("%s: more than %d open sessions on one connection: "
		    "not counting %s:%s", c->ch->peer, ANVIL_HOLD_MAX,
		    service, ident);
		return anvil_reply_status(c, ANVIL_STAT_FAIL);
	}
	anvil_table_expire(anvil_tab, now);
	if ((e = anvil_table_connect(anvil_tab, service, ident, now))
	    == NULL) {
		log_warn("table full (anvil_client_limit=%lld, every client "
		    "with an open session): not counting %s:%s",
		    var_anvil_client_limit, service, ident);
		r = ipc_rec_new();
		ipc_add_uint(r, "status", ANVIL_STAT_FULL);
		ipc_add_uint(r, "count", 0);
		ipc_add_uint(r, "rate", 0);
		ret = ipc_conn_reply(c->conn, r);
		ipc_rec_free(&r);
		return ret;
	}
	h = &c->holds[c->nholds++];
	h->service = xstrdup(service);
	h->ident = xstrdup(ident);
	h->gen = e->gen;
	log_debug("%s: connect %s:%s count=%lu rate=%lu", c->ch->peer,
	    service, ident, e->count, e->rate);
	r = ipc_rec_new();
	ipc_add_uint(r, "status", ANVIL_STAT_OK);
	ipc_add_uint(r, "count", e->count);
	ipc_add_uint(r, "rate", e->rate);
	ret = ipc_conn_reply(c->conn, r);
	ipc_rec_free(&r);
	return ret;
}

static int
anvil_do_disconnect(struct anvil_conn *c, const char *service,
    const char *ident)
{
	struct anvil_hold *h;
	size_t i;

	/* the most recent session of that client on this connection */
	for (i = c->nholds; i-- > 0;) {
		h = &c->holds[i];
		if (strcmp(h->service, service) != 0 ||
		    strcmp(h->ident, ident) != 0)
			continue;
		anvil_table_disconnect(anvil_tab, service, ident, h->gen,
		    monotime_ms());
		free(h->service);
		free(h->ident);
		c->holds[i] = c->holds[--c->nholds];
		log_debug("%s: disconnect %s:%s", c->ch->peer, service, ident);
		break;
	}
	/* one we do not know of (a reconnect in between): nothing to do */
	return anvil_reply_status(c, ANVIL_STAT_OK);
}

static const char *const anvil_verbs[] = {
	ANVIL_REQ_CONNECT, ANVIL_REQ_DISCONNECT, NULL
};

/* One request; -1 closes the connection. */
static int
anvil_request(struct ipc_conn *conn, struct ipc_rec *r, void *arg)
{
	struct anvil_conn *c = arg;
	const char *service, *ident;
	int verb;

	if ((verb = ipc_conn_verb(conn, r, anvil_verbs)) == -1)
		return -1;
	if (verb < 0)	/* a newer client: refuse, keep the connection */
		return anvil_reply_status(c, ANVIL_STAT_FAIL);
	if (ipc_get_strn(r, "service", ANVIL_SERVICE_MAX, &service) < 0 ||
	    ipc_get_strn(r, "ident", ANVIL_IDENT_MAX, &ident) < 0 ||
	    ipc_end(r) < 0) {
		ipc_log_rec_error(c->ch, r);
		return -1;
	}
	if (!anvil_valid_service(service) || !anvil_valid_ident(ident)) {
		log_warn("protocol error from %s: bad service or client "
		    "address", c->ch->peer);
		return -1;
	}
	if (verb == 0)
		return anvil_do_connect(c, service, ident);
	return anvil_do_disconnect(c, service, ident);
}

void
anvil_server_conn(int fd, const struct server_info *info)
{
	struct anvil_conn *c = xcalloc(1, sizeof(*c));
	const struct ipc_conn_params p = {
		.loop = server_loop(),
		.out_max = ANVIL_OUT_MAX,
		.request = anvil_request,
		.close = anvil_conn_close,
		.arg = c,
	};

	(void)info;
	c->conn = ipc_conn_serve(fd, &anvil_proto, &p);
	c->ch = &c->conn->ch;
}
