/*
 * NAME
 *	deliver_agent - the agent side of the deliver protocol; see
 *	deliver_agent.h and deliver_proto.h.
 *
 * DESCRIPTION
 *	When a status cannot be sent (qmgr is gone), serve() is told (-1)
 *	and must not attempt the remaining recipients: qmgr counts every
 *	recipient without a status as 4.3.0, so nothing is delivered that
 *	qmgr will not hear about, beyond the one in flight.
 *
 * SECURITY
 *	See deliver_agent.h.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "deliver_agent.h"
#include "fdpass.h"
#include "ipc.h"
#include "log.h"
#include "params.h"
#include "printable.h"
#include "xmalloc.h"

#define DELIVER_TIME_MAX	((uint64_t)1 << 40)	/* seconds, a bound */
/* A request with DELIVER_RCPT_MAX recipients of the longest addresses. */
#define DELIVER_IPC_MAX		(4 * 1024 * 1024)

struct deliver_conn {
	struct ipc_chan	 ch;
};

/* No control characters: the values go into headers and commands. */
static int
deliver_ok(const char *s)
{
	return printable_ok(s, PRINTABLE_8BIT);
}

void
deliver_status_set(struct deliver_status *st, const char *dsn,
    const char *fmt, ...)
{
	va_list ap;

	memset(st, 0, sizeof(*st));
	strlcpy(st->dsn, dsn, sizeof(st->dsn));
	st->action = dsn[0] == '2' ? "delivered" : dsn[0] == '4' ? "delayed" :
	    "failed";
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
	printable_fix(st->text, PRINTABLE_8BIT);
	strlcpy(st->relay, "none", sizeof(st->relay));
	st->diag_type = "";
}

int
deliver_req_parse(struct ipc_rec *r, struct deliver_req *req,
    const char **err_r)
{
	struct deliver_rcpt *rc;
	const char *qid;
	uint64_t count;
	size_t i;

	req->rcpts = NULL;
	req->count = 0;
	if (ipc_get_strn(r, "queue_id", QID_MAXLEN, &qid) < 0 ||
	    ipc_get_strn(r, "sender", DELIVER_ADDR_MAX, &req->sender) < 0 ||
	    ipc_get_uint(r, "arrival", 0, DELIVER_TIME_MAX,
	    &req->arrival) < 0 ||
	    ipc_get_uint(r, "queued", 0, DELIVER_TIME_MAX, &req->queued) < 0 ||
	    ipc_get_uint(r, "content_offset", 0, INT64_MAX,
	    &req->content_offset) < 0 ||
	    ipc_get_uint(r, "content_size", 0, INT64_MAX,
	    &req->content_size) < 0 ||
	    ipc_get_strn(r, "envid", DELIVER_ENVID_MAX, &req->envid) < 0 ||
	    ipc_get_strn(r, "ret", 16, &req->ret) < 0 ||
	    ipc_get_bool(r, "smtputf8", &req->smtputf8) < 0 ||
	    ipc_get_strn(r, "nexthop", DELIVER_ADDR_MAX, &req->nexthop) < 0 ||
	    ipc_get_uint(r, "count", 1, DELIVER_RCPT_MAX, &count) < 0) {
		*err_r = ipc_rec_error(r);
		return -1;
	}
	req->count = (size_t)count;
	req->rcpts = rc = xcalloc(req->count, sizeof(*rc));
	for (i = 0; i < req->count; i++) {
		if (ipc_get_strn(r, "rcpt", DELIVER_ADDR_MAX,
		    &rc[i].addr) < 0 ||
		    ipc_get_strn(r, "orig", DELIVER_ADDR_MAX,
		    &rc[i].orig) < 0 ||
		    ipc_get_strn(r, "orcpt", DELIVER_ADDR_MAX,
		    &rc[i].orcpt) < 0 ||
		    ipc_get_strn(r, "notify", DELIVER_NOTIFY_MAX,
		    &rc[i].notify) < 0) {
			*err_r = ipc_rec_error(r);
			return -1;
		}
		if (*rc[i].addr == '\0' || !deliver_ok(rc[i].addr) ||
		    !deliver_ok(rc[i].orig) ||
		    !deliver_ok(rc[i].orcpt) ||
		    !deliver_ok(rc[i].notify)) {
			*err_r = "recipient with a control character";
			return -1;
		}
	}
	if (ipc_end(r) < 0) {
		*err_r = ipc_rec_error(r);
		return -1;
	}
	if (!qid_valid(qid)) {
		*err_r = "malformed queue_id";
		return -1;
	}
	strlcpy(req->queue_id, qid, sizeof(req->queue_id));
	if (!deliver_ok(req->sender) || !deliver_ok(req->envid) ||
	    !deliver_ok(req->ret) || !deliver_ok(req->nexthop)) {
		*err_r = "sender, envid, ret or nexthop with a control "
		    "character";
		return -1;
	}
	if (req->content_offset > INT64_MAX - req->content_size) {
		*err_r = "content range overflows";
		return -1;
	}
	return 0;
}

void
deliver_fmt_delay(char *buf, size_t len, double s)
{
	char *p;

	/* two significant digits, at most two decimals (a clock step
	   back shows as 0) */
	if (s < 0.005)
		snprintf(buf, len, "0");
	else if (s < 1)
		snprintf(buf, len, "%.2f", s);
	else if (s < 10)
		snprintf(buf, len, "%.1f", s);
	else
		snprintf(buf, len, "%.0f", s);
	if (strchr(buf, '.') != NULL) {
		for (p = buf + strlen(buf) - 1; *p == '0'; p--)
			*p = '\0';
		if (*p == '.')
			*p = '\0';
	}
}

static void
deliver_log(const struct deliver_req *req, size_t i,
    const struct deliver_status *st)
{
	const struct deliver_rcpt *rc = &req->rcpts[i];
	struct timeval now;
	double t_now, t_recv, a, b, c, d, delay;
	char sa[16], sb[16], sc[16], sd[16], sdelay[16], use[32] = "";
	char *orig = NULL;

	gettimeofday(&now, NULL);
	t_now = (double)now.tv_sec + now.tv_usec / 1e6;
	t_recv = (double)req->received.tv_sec + req->received.tv_usec / 1e6;
	delay = t_now - (double)req->arrival;
	a = (double)req->queued - (double)req->arrival;
	b = t_recv - (double)req->queued;
	c = st->setup;
	d = t_now - t_recv - c;
	deliver_fmt_delay(sdelay, sizeof(sdelay), delay);
	deliver_fmt_delay(sa, sizeof(sa), a);
	deliver_fmt_delay(sb, sizeof(sb), b);
	deliver_fmt_delay(sc, sizeof(sc), c);
	deliver_fmt_delay(sd, sizeof(sd), d);
	if (*rc->orig != '\0' && strcmp(rc->orig, rc->addr) != 0)
		orig = xasprintf(", orig_to=<%s>", rc->orig);
	if (st->conn_use > 1)
		snprintf(use, sizeof(use), ", conn_use=%u", st->conn_use);
	log_info("%s: to=<%s>%s, relay=%s%s, delay=%s, delays=%s/%s/%s/%s, "
	    "dsn=%s, status=%s (%s)", req->queue_id, rc->addr,
	    orig != NULL ? orig : "", st->relay, use, sdelay, sa, sb, sc, sd,
	    st->dsn, st->dsn[0] == '2' ? "sent" : st->dsn[0] == '4' ?
	    "deferred" : "bounced", st->log_text != NULL ? st->log_text :
	    st->text);
	free(orig);
}

int
deliver_report(struct deliver_conn *dc, const struct deliver_req *req,
    size_t i, struct deliver_status *st)
{
	struct ipc_rec *r;
	int ret;

	if (var_soft_bounce && st->dsn[0] == '5') {
		st->dsn[0] = '4';
		st->action = "delayed";
	}
	deliver_log(req, i, st);
	r = ipc_rec_new();
	ipc_add_str(r, "req", "status");
	ipc_add_uint(r, "index", i);
	ipc_add_str(r, "dsn", st->dsn);
	ipc_add_str(r, "action", st->action);
	ipc_add_str(r, "relay", st->relay);
	ipc_add_str(r, "text", st->text);
	ipc_add_str(r, "remote_mta", st->remote_mta);
	ipc_add_str(r, "diag_type", st->diag_type != NULL ? st->diag_type :
	    "");
	ret = ipc_send(&dc->ch, r);
	ipc_rec_free(&r);
	if (ret < 0)
		ipc_log_error(&dc->ch);
	return ret;
}

static int
deliver_send_done(struct deliver_conn *dc, int site_fail)
{
	struct ipc_rec *r = ipc_rec_new();
	int ret;

	ipc_add_str(r, "req", "done");
	ipc_add_bool(r, "site_fail", site_fail);
	ret = ipc_send(&dc->ch, r);
	ipc_rec_free(&r);
	return ret;
}

/* Serve one request: 0, or -1 when the connection must end. */
static int
deliver_serve(struct deliver_conn *dc, const struct deliver_agent *agent,
    struct ipc_rec *r, int qfd)
{
	struct ipc_chan *ch = &dc->ch;
	struct deliver_req req;
	struct stat sb;
	const char *verb, *err;
	int ret = -1;

	memset(&req, 0, sizeof(req));
	gettimeofday(&req.received, NULL);
	req.qfd = qfd;
	if (ipc_get_strn(r, "req", 32, &verb) < 0) {
		ipc_log_rec_error(ch, r);
		return -1;
	}
	if (strcmp(verb, "deliver") != 0) {
		log_warn("protocol error from %s: unexpected request \"%.32s\"",
		    ch->peer, verb);
		return -1;
	}
	if (deliver_req_parse(r, &req, &err) < 0) {
		log_warn("protocol error from %s: %s", ch->peer, err);
		goto out;
	}
	if (qfd < 0) {
		log_warn("protocol error from %s: request without the queue "
		    "file", ch->peer);
		goto out;
	}
	if (fdpass_check_reg(qfd, &sb, &err) < 0) {
		log_warn("protocol error from %s: queue file: %s", ch->peer,
		    err);
		goto out;
	}
	if (req.content_offset + req.content_size > (uint64_t)sb.st_size) {
		log_warn("protocol error from %s: %s: content range beyond "
		    "the end of the queue file", ch->peer, req.queue_id);
		goto out;
	}
	if (agent->serve(dc, &req) < 0)
		goto out;
	if (deliver_send_done(dc, req.site_fail) < 0) {
		ipc_log_error(ch);
		goto out;
	}
	ret = 0;
out:
	free(req.rcpts);
	return ret;
}

static int
deliver_ms(long long secs)
{
	return secs <= 0 || secs > INT_MAX / 1000 ? INT_MAX :
	    (int)(secs * 1000);
}

/* Wait for the next request: 1 with it, or 0 (the connection ends). */
static int
deliver_next(struct deliver_conn *dc, const struct deliver_agent *agent,
    struct ipc_rec **r, int *qfd)
{
	struct ipc_chan *ch = &dc->ch;
	long long idle = agent->idle_ms != NULL ? agent->idle_ms() : -1;
	struct pollfd pfd;
	int n;

	if (idle >= 0) {
		/* what the agent keeps open waits this long for a request */
		pfd.fd = ch->fd;
		pfd.events = POLLIN;
		do
			n = poll(&pfd, 1, idle > INT_MAX ? INT_MAX : (int)idle);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			agent->idle();
	}
	/* between requests wait no longer than an idle process */
	ch->timeout_ms = deliver_ms(var_max_idle);
	if ((n = ipc_recv_fd(ch, r, qfd)) <= 0) {
		/* between requests, qmgr may hang up as it likes (close,
		   reset, or no request within max_idle); only a broken
		   frame is worth a warning */
		if (n < 0 && ch->err_proto)
			ipc_log_error(ch);
		else if (n < 0)
			log_debug("connection from %s ended: %s", ch->peer,
			    ch->err);
		return 0;
	}
	return 1;
}

void
deliver_agent_conn(int fd, const struct deliver_agent *agent)
{
	struct deliver_conn dc;
	struct ipc_rec *r;
	int qfd, n;

	ipc_chan_init(&dc.ch, fd, "qmgr");
	dc.ch.max = DELIVER_IPC_MAX;
	dc.ch.timeout_ms = deliver_ms(var_ipc_timeout);
	if (ipc_hello_send(&dc.ch, DELIVER_PROTO_NAME, DELIVER_PROTO_MAJOR,
	    DELIVER_PROTO_MINOR) < 0) {
		ipc_log_error(&dc.ch);
		return;
	}
	while (deliver_next(&dc, agent, &r, &qfd)) {
		dc.ch.timeout_ms = deliver_ms(var_ipc_timeout);
		n = deliver_serve(&dc, agent, r, qfd);
		ipc_rec_free(&r);
		if (qfd >= 0)
			close(qfd);
		if (n < 0)
			break;
		if (agent->after != NULL && agent->after())
			break;
	}
	if (agent->idle != NULL)
		agent->idle();
}
