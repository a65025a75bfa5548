/*
 * NAME
 *	local_conn - the server side of the deliver protocol.
 *
 * DESCRIPTION
 *	Per connection (lib/deliver_proto.h): send proto=deliver/1.0; then
 *	for each request: receive it with the queue file descriptor,
 *	deliver each recipient, answering one req=status record as soon as
 *	its outcome is known, then req=done. The connection ends when qmgr
 *	closes it, when no request comes within max_idle, or at the first
 *	protocol error. When a status cannot be sent (qmgr is gone), the
 *	remaining recipients are not attempted: qmgr counts every
 *	recipient without a status as 4.3.0, so nothing is delivered that
 *	qmgr will not hear about, beyond the one in flight.
 *
 *	One log line per recipient, Postfix-shaped: QUEUEID: to=<RCPT>,
 *	orig_to=<ORIG>, relay=local, delay=, delays=a/b/c/d, dsn=,
 *	status=sent|deferred|bounced (TEXT).
 *
 *	soft_bounce turns every 5.x.x answer into 4.x.x (logged as
 *	deferred), so nothing bounces while a new setup is tested.
 *
 * SECURITY
 *	qmgr runs as another user and may be compromised: every attribute
 *	is read with the strict typed getters, in order, with bounds; the
 *	descriptor must be a regular file and the content range must lie
 *	inside it; addresses must be free of control characters (they go
 *	into header lines). Any violation is logged as a protocol error
 *	and closes the connection; nothing qmgr sends can make the agent
 *	write outside the Maildir the table names.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "ipc.h"
#include "local.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "printable.h"
#include "xmalloc.h"

#define LOCAL_TIME_MAX	((uint64_t)1 << 40)	/* seconds, a sanity bound */
#define LOCAL_ENVID_MAX	512
#define LOCAL_NOTIFY_MAX	64
/* A request with DELIVER_RCPT_MAX recipients of the longest addresses. */
#define LOCAL_IPC_MAX	(4 * 1024 * 1024)

void
local_status_set(struct local_status *st, const char *dsn, const char *fmt,
    ...)
{
	va_list ap;

	strlcpy(st->dsn, dsn, sizeof(st->dsn));
	st->action = dsn[0] == '2' ? "delivered" : dsn[0] == '4' ? "delayed" :
	    "failed";
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
	printable_fix(st->text, PRINTABLE_8BIT);
}

int
local_request_parse(struct ipc_rec *r, struct local_req *req,
    const char **err_r)
{
	const char *qid, *envid, *ret, *nexthop;
	struct local_rcpt *rc;
	uint64_t count;
	size_t i;

	req->rcpts = NULL;
	req->count = 0;
	if (ipc_get_strn(r, "queue_id", QID_MAXLEN, &qid) < 0 ||
	    ipc_get_strn(r, "sender", DELIVER_ADDR_MAX, &req->sender) < 0 ||
	    ipc_get_uint(r, "arrival", 0, LOCAL_TIME_MAX, &req->arrival) < 0 ||
	    ipc_get_uint(r, "queued", 0, LOCAL_TIME_MAX, &req->queued) < 0 ||
	    ipc_get_uint(r, "content_offset", 0, INT64_MAX,
	    &req->content_offset) < 0 ||
	    ipc_get_uint(r, "content_size", 0, INT64_MAX,
	    &req->content_size) < 0 ||
	    ipc_get_strn(r, "envid", LOCAL_ENVID_MAX, &envid) < 0 ||
	    ipc_get_strn(r, "ret", 16, &ret) < 0 ||
	    ipc_get_bool(r, "smtputf8", &req->smtputf8) < 0 ||
	    ipc_get_strn(r, "nexthop", ADDR_DOMAIN_MAX, &nexthop) < 0 ||
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
		    ipc_get_strn(r, "notify", LOCAL_NOTIFY_MAX,
		    &rc[i].notify) < 0) {
			*err_r = ipc_rec_error(r);
			return -1;
		}
		/* no control characters: the values go into headers */
		if (*rc[i].addr == '\0' ||
		    !printable_ok(rc[i].addr, PRINTABLE_8BIT) ||
		    !printable_ok(rc[i].orig, PRINTABLE_8BIT)) {
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
	if (!printable_ok(req->sender, PRINTABLE_8BIT)) {
		*err_r = "sender with a control character";
		return -1;
	}
	if (req->content_offset > INT64_MAX - req->content_size) {
		*err_r = "content range overflows";
		return -1;
	}
	return 0;
}

/* Seconds as Postfix shows them: 0, 0.05, 1.2, 17. */
static void
local_fmt_secs(char *buf, size_t len, double s)
{
	if (s < 0.005)
		snprintf(buf, len, "0");
	else if (s < 0.1)
		snprintf(buf, len, "%.2f", s);
	else if (s < 10)
		snprintf(buf, len, "%.1f", s);
	else
		snprintf(buf, len, "%.0f", s);
}

static void
local_log(const struct local_req *req, size_t i,
    const struct local_status *st)
{
	const struct local_rcpt *rc = &req->rcpts[i];
	struct timeval now;
	double t_now, t_recv, a, b, d, delay;
	char sa[16], sb[16], sd[16], sdelay[16], *orig = NULL;

	gettimeofday(&now, NULL);
	t_now = (double)now.tv_sec + now.tv_usec / 1e6;
	t_recv = (double)req->received.tv_sec + req->received.tv_usec / 1e6;
	delay = t_now - (double)req->arrival;
	a = (double)req->queued - (double)req->arrival;
	b = t_recv - (double)req->queued;
	d = t_now - t_recv;
	local_fmt_secs(sdelay, sizeof(sdelay), delay);
	local_fmt_secs(sa, sizeof(sa), a);
	local_fmt_secs(sb, sizeof(sb), b);
	local_fmt_secs(sd, sizeof(sd), d);
	if (*rc->orig != '\0' && strcmp(rc->orig, rc->addr) != 0)
		orig = xasprintf(", orig_to=<%s>", rc->orig);
	log_info("%s: to=<%s>%s, relay=local, delay=%s, delays=%s/%s/0/%s, "
	    "dsn=%s, status=%s (%s)", req->queue_id, rc->addr,
	    orig != NULL ? orig : "", sdelay, sa, sb, sd, st->dsn,
	    st->dsn[0] == '2' ? "sent" : st->dsn[0] == '4' ? "deferred" :
	    "bounced", st->text);
	free(orig);
}

static int
local_send_status(struct ipc_chan *ch, size_t i,
    const struct local_status *st)
{
	struct ipc_rec *r = ipc_rec_new();
	int ret;

	ipc_add_str(r, "req", "status");
	ipc_add_uint(r, "index", i);
	ipc_add_str(r, "dsn", st->dsn);
	ipc_add_str(r, "action", st->action);
	ipc_add_str(r, "relay", "local");
	ipc_add_str(r, "text", st->text);
	ipc_add_str(r, "remote_mta", "");
	ipc_add_str(r, "diag_type", "");
	ret = ipc_send(ch, r);
	ipc_rec_free(&r);
	return ret;
}

static int
local_send_done(struct ipc_chan *ch)
{
	struct ipc_rec *r = ipc_rec_new();
	int ret;

	ipc_add_str(r, "req", "done");
	ret = ipc_send(ch, r);
	ipc_rec_free(&r);
	return ret;
}

/* Serve one request: 0, or -1 when the connection must end. */
static int
local_serve(struct ipc_chan *ch, struct ipc_rec *r, int qfd)
{
	struct local_req req;
	struct local_status st;
	struct stat sb;
	const char *verb, *err;
	size_t i;
	int ret = -1;

	memset(&req, 0, sizeof(req));
	gettimeofday(&req.received, NULL);
	req.qfd = qfd;
	if (ipc_get_strn(r, "req", 32, &verb) < 0) {
		ipc_log_rec_error(ch, r);
		return -1;
	}
	if (strcmp(verb, "deliver") != 0) {
		log_warn("protocol error from %s: unexpected request \"%s\"",
		    ch->peer, verb);
		return -1;
	}
	if (local_request_parse(r, &req, &err) < 0) {
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
	for (i = 0; i < req.count; i++) {
		memset(&st, 0, sizeof(st));
		local_deliver(&req, i, &st);
		if (var_soft_bounce && st.dsn[0] == '5') {
			st.dsn[0] = '4';
			st.action = "delayed";
		}
		local_log(&req, i, &st);
		if (local_send_status(ch, i, &st) < 0) {
			ipc_log_error(ch);
			goto out;
		}
	}
	if (local_send_done(ch) < 0) {
		ipc_log_error(ch);
		goto out;
	}
	ret = 0;
out:
	local_loop_free(&req.dt);
	free(req.rcpts);
	return ret;
}

static int
local_ms(long long secs)
{
	return secs <= 0 || secs > INT_MAX / 1000 ? INT_MAX :
	    (int)(secs * 1000);
}

void
local_conn(int fd, const struct server_info *info)
{
	struct ipc_chan ch;
	struct ipc_rec *r;
	int qfd, n;

	(void)info;
	ipc_chan_init(&ch, fd, "qmgr");
	ch.max = LOCAL_IPC_MAX;
	ch.timeout_ms = local_ms(var_ipc_timeout);
	if (ipc_hello_send(&ch, DELIVER_PROTO_NAME, DELIVER_PROTO_MAJOR,
	    DELIVER_PROTO_MINOR) < 0) {
		ipc_log_error(&ch);
		return;
	}
	for (;;) {
		/* between requests wait no longer than an idle process */
		ch.timeout_ms = local_ms(var_max_idle);
		if ((n = ipc_recv_fd(&ch, &r, &qfd)) <= 0) {
			/* between requests, qmgr may hang up as it likes
			   (close, reset, or no request within max_idle);
			   only a broken frame is worth a warning */
			if (n < 0 && ch.err_proto)
				ipc_log_error(&ch);
			else if (n < 0)
				log_debug("connection from %s ended: %s",
				    ch.peer, ch.err);
			break;
		}
		ch.timeout_ms = local_ms(var_ipc_timeout);
		n = local_serve(&ch, r, qfd);
		ipc_rec_free(&r);
		if (qfd >= 0)
			close(qfd);
		if (n < 0)
			break;
		/* a fresh process opens the new table (the skeleton
		   exits after this connection) */
		if (maps_changed())
			break;
	}
}
