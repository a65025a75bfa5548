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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "event.h"
#include "ipc.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "sock.h"
#include "vbuf.h"
#include "xmalloc.h"

#define ANVIL_HOLD_MAX		64		/* sessions per connection */
#define ANVIL_OUT_MAX		(16 * 1024)	/* unread replies */
#define ANVIL_READ_SIZE		4096

struct anvil_hold {
	char		*service;
	char		*ident;
	uint64_t	 gen;
};

struct anvil_conn {
	int		 fd;
	struct ipc_chan	 ch;
	struct vbuf	*in;
	struct vbuf	*out;
	struct anvil_hold holds[ANVIL_HOLD_MAX];
	size_t		 nholds;
};

static struct anvil_table *anvil_tab;
static struct event_timer *anvil_expire_timer;
static struct event_timer *anvil_stats_timer;

static void	anvil_conn_event(int, int, void *);

/* --- timers ------------------------------------------------------------ */

static void
anvil_expire_fire(void *arg)
{
	size_t n;

	(void)arg;
	n = anvil_table_expire(anvil_tab, event_now_ms());
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
anvil_conn_close(struct anvil_conn *c)
{
	long long now = event_now_ms();
	size_t i;

	for (i = 0; i < c->nholds; i++) {
		if (anvil_table_disconnect(anvil_tab, c->holds[i].service,
		    c->holds[i].ident, c->holds[i].gen, now) == 0)
			log_debug("%s: %s:%s: session ended by close",
			    c->ch.peer, c->holds[i].service,
			    c->holds[i].ident);
		free(c->holds[i].service);
		free(c->holds[i].ident);
	}
	event_del_fd(server_loop(), c->fd);
	vbuf_free(&c->in);
	vbuf_free(&c->out);
	server_disconnect(c->fd);
	free(c);
}

/* Queue a reply; -1 when the client lets too much pile up. */
static int
anvil_reply(struct anvil_conn *c, struct ipc_rec *r)
{
	const void *frame;
	size_t len;

	if ((frame = ipc_rec_frame(r, &len)) == NULL)
		log_panic("anvil_reply: record too large");
	if (vbuf_append(c->out, frame, len) < 0) {
		log_warn("%s: %zu bytes of replies not read: closing",
		    c->ch.peer, vbuf_len(c->out));
		return -1;
	}
	return 0;
}

static int
anvil_reply_status(struct anvil_conn *c, int status)
{
	struct ipc_rec *r = ipc_rec_new();
	int ret;

	ipc_add_uint(r, "status", (uint64_t)status);
	ret = anvil_reply(c, r);
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
	long long now = event_now_ms();
	int ret;

	if (c->nholds >= ANVIL_HOLD_MAX) {
		log_warn("%s: more than %d open sessions on one connection: "
		    "not counting %s:%s", c->ch.peer, ANVIL_HOLD_MAX,
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
		ret = anvil_reply(c, r);
		ipc_rec_free(&r);
		return ret;
	}
	h = &c->holds[c->nholds++];
	h->service = xstrdup(service);
	h->ident = xstrdup(ident);
	h->gen = e->gen;
	log_debug("%s: connect %s:%s count=%lu rate=%lu", c->ch.peer,
	    service, ident, e->count, e->rate);
	r = ipc_rec_new();
	ipc_add_uint(r, "status", ANVIL_STAT_OK);
	ipc_add_uint(r, "count", e->count);
	ipc_add_uint(r, "rate", e->rate);
	ret = anvil_reply(c, r);
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
		    event_now_ms());
		free(h->service);
		free(h->ident);
		c->holds[i] = c->holds[--c->nholds];
		log_debug("%s: disconnect %s:%s", c->ch.peer, service, ident);
		break;
	}
	/* one we do not know of (a reconnect in between): nothing to do */
	return anvil_reply_status(c, ANVIL_STAT_OK);
}

/* One request; -1 closes the connection. */
static int
anvil_request(struct anvil_conn *c, struct ipc_rec *r)
{
	const char *verb, *service, *ident;

	if (ipc_get_str(r, "req", &verb) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	if (strcmp(verb, ANVIL_REQ_CONNECT) != 0 &&
	    strcmp(verb, ANVIL_REQ_DISCONNECT) != 0) {
		/* a newer client: refuse the verb, keep the connection */
		log_warn("%s: unknown request \"%.32s\"", c->ch.peer, verb);
		return anvil_reply_status(c, ANVIL_STAT_FAIL);
	}
	if (ipc_get_strn(r, "service", ANVIL_SERVICE_MAX, &service) < 0 ||
	    ipc_get_strn(r, "ident", ANVIL_IDENT_MAX, &ident) < 0 ||
	    ipc_end(r) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	if (!anvil_valid_service(service) || !anvil_valid_ident(ident)) {
		log_warn("protocol error from %s: bad service or client "
		    "address", c->ch.peer);
		return -1;
	}
	if (strcmp(verb, ANVIL_REQ_CONNECT) == 0)
		return anvil_do_connect(c, service, ident);
	return anvil_do_disconnect(c, service, ident);
}

/* Write what we can; 0, or -1 when the connection is dead. */
static int
anvil_conn_flush(struct anvil_conn *c)
{
	ssize_t n;

	while (vbuf_len(c->out) > 0) {
		n = write(c->fd, vbuf_str(c->out), vbuf_len(c->out));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			log_debug("%s: write: %m", c->ch.peer);
			return -1;
		}
		vbuf_consume(c->out, (size_t)n);
	}
	return 0;
}

/* Read what is there and answer every whole request; -1: close. */
static int
anvil_conn_read(struct anvil_conn *c)
{
	struct ipc_rec *r;
	char buf[ANVIL_READ_SIZE];
	size_t used;
	ssize_t n;
	int ret;

	n = read(c->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		if (vbuf_len(c->in) > 0)
			log_warn("protocol error from %s: end of file inside "
			    "a record", c->ch.peer);
		return -1;
	}
	if (vbuf_append(c->in, buf, (size_t)n) < 0)
		log_panic("anvil_conn_read: input over its bound");
	for (;;) {
		ret = ipc_parse(&c->ch, vbuf_str(c->in), vbuf_len(c->in), &r,
		    &used);
		if (ret == 0)
			return 0;
		if (ret < 0) {
			ipc_log_error(&c->ch);
			return -1;
		}
		vbuf_consume(c->in, used);
		ret = anvil_request(c, r);
		ipc_rec_free(&r);
		if (ret < 0)
			return -1;
	}
}

static void
anvil_conn_watch(struct anvil_conn *c)
{
	int ev = 0;

	/* a client that does not read its replies is not read either */
	if (vbuf_len(c->out) < ANVIL_OUT_MAX / 2)
		ev |= EVENT_READ;
	if (vbuf_len(c->out) > 0)
		ev |= EVENT_WRITE;
	if (event_add_fd(server_loop(), c->fd, ev, anvil_conn_event, c) < 0)
		log_fatal("event_add_fd: %m");
}

static void
anvil_conn_event(int fd, int events, void *arg)
{
	struct anvil_conn *c = arg;

	(void)fd;
	if ((events & EVENT_READ) != 0 && anvil_conn_read(c) < 0) {
		anvil_conn_close(c);
		return;
	}
	if (anvil_conn_flush(c) < 0) {
		anvil_conn_close(c);
		return;
	}
	anvil_conn_watch(c);
}

void
anvil_server_conn(int fd, const struct server_info *info)
{
	struct anvil_conn *c = xcalloc(1, sizeof(*c));
	struct ipc_rec *r;
	char peer[64], proto[32];
	pid_t pid = 0;

	(void)info;
	if (sock_peercred(fd, NULL, NULL, &pid) == 0 && pid > 0)
		snprintf(peer, sizeof(peer), "anvil client pid %ld",
		    (long)pid);
	else
		strlcpy(peer, "anvil client", sizeof(peer));
	c->fd = fd;
	ipc_chan_init(&c->ch, fd, peer);
	c->ch.max = ANVIL_REC_MAX;
	/* a whole record plus one read's worth of the next */
	c->in = vbuf_new(256, ANVIL_REC_MAX + 4 + ANVIL_READ_SIZE);
	c->out = vbuf_new(256, ANVIL_OUT_MAX);
	snprintf(proto, sizeof(proto), "%s/%u.%u", ANVIL_PROTO,
	    ANVIL_PROTO_MAJOR, ANVIL_PROTO_MINOR);
	r = ipc_rec_new();
	ipc_add_str(r, "proto", proto);
	anvil_reply(c, r);
	ipc_rec_free(&r);
	anvil_conn_event(fd, 0, c);
}
