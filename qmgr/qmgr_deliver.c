/*
 * NAME
 *	qmgr_deliver - the client side of the delivery protocol
 *	(lib/deliver_proto.h), on the event loop.
 *
 * DESCRIPTION
 *	A job gets a connection to private/TRANSPORT: an idle one of that
 *	transport (the agent serves further requests on it; one whose last
 *	job had the same next hop first, since a relay agent keeps its SMTP
 *	session with that next hop for a moment), or a new one
 *	(non-blocking connect; the agent greets with proto=deliver/1.1 or
 *	a later minor version).
 *	The request goes out with a read-only descriptor of the queue
 *	file, opened anew so the agent can never write it. Status records
 *	come back one per recipient and end with req=done; each is handed
 *	to qmgr_message_outcome as soon as it arrives. A recipient without
 *	a status when the connection ends, breaks the protocol or times
 *	out is deferred (4.3.0): only an explicit 2.x.x or 5.x.x marks a
 *	recipient done.
 *
 *	A socket that does not exist or refuses connections makes the
 *	transport unavailable (qmgr_transport_dead); a full listen queue
 *	pauses the transport for a moment without deferring anything.
 *
 * SECURITY
 *	The agent runs as another user: every reply is parsed with the
 *	strict ipc getters, bounded (DELIVER_TEXT_MAX, DELIVER_ADDR_MAX),
 *	checked (status code grammar, index in range and not repeated),
 *	and cleaned of control characters before it is logged or kept.
 *	A descriptor the agent sends is refused (ipc_parse keeps none).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "ipc.h"
#include "log.h"
#include "monotime.h"
#include "params.h"
#include "qmgr.h"
#include "server.h"
#include "xmalloc.h"

#define QMGR_CONN_HELLO		1
#define QMGR_CONN_BUSY		2
#define QMGR_CONN_IDLE		3
#define QMGR_READ_CHUNK		16384
#define QMGR_PAUSE_MS		200

struct qmgr_conn {
	int			 fd;
	int			 state;
	struct qmgr_transport	*tr;
	struct ipc_chan		 ch;
	struct vbuf		*in;
	struct qmgr_job		*job;
	struct event_timer	*timer;
	char			*nexthop;	/* of its last job: the agent
						   may hold a session there */
	TAILQ_ENTRY(qmgr_conn)	 entry;
};

static void qmgr_conn_event(int, int, void *);
static int qmgr_deliver_send(struct qmgr_conn *, int);
static void qmgr_conn_close(struct qmgr_conn *, const char *);
static void qmgr_conn_idle(struct qmgr_conn *);

/* A transport name becomes a path under private/: letters and digits. */
static int
qmgr_transport_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return 0;
	return 1;
}

static void
qmgr_conn_timeout(void *arg)
{
	struct qmgr_conn *c = arg;

	c->timer = NULL;
	if (c->state == QMGR_CONN_IDLE)
		snprintf(c->ch.err, sizeof(c->ch.err), "idle");
	else
		snprintf(c->ch.err, sizeof(c->ch.err), "timeout");
	qmgr_conn_close(c, c->state == QMGR_CONN_IDLE ? NULL :
	    "timeout talking to the delivery agent");
}

static void
qmgr_conn_timer(struct qmgr_conn *c, long long ms)
{
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	c->timer = event_add_timer(server_loop(), ms, qmgr_conn_timeout, c);
}

/* Give every recipient of the job without a status a deferral. */
static void
qmgr_job_abandon(struct qmgr_job *job, const char *why)
{
	struct qmgr_outcome o;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.dsn = "4.3.0";
	o.text = why;
	o.relay = "none";
	for (i = 0; i < job->n; i++) {
		if (job->got[i])
			continue;
		job->got[i] = 1;
		strlcpy(job->last_dsn, o.dsn, sizeof(job->last_dsn));
		free(job->last_text);
		job->last_text = xstrdup(why);
		qmgr_message_outcome(job->rcpts[i], &o);
		job->rcpts[i] = NULL;
	}
	job->failed = job->successes == 0;
	qmgr_sched_job_done(job);
}

/* Close c; a job on it ends with why for the recipients left. */
static void
qmgr_conn_close(struct qmgr_conn *c, const char *why)
{
	struct qmgr_job *job = c->job;

	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	event_del_fd(server_loop(), c->fd);
	close(c->fd);
	if (c->state == QMGR_CONN_IDLE) {
		TAILQ_REMOVE(&c->tr->idle, c, entry);
		c->tr->nidle--;
	}
	vbuf_free(&c->in);
	free(c->nexthop);
	free(c);
	if (job != NULL) {
		job->conn = NULL;
		qmgr_job_abandon(job, why != NULL ? why :
		    "lost connection with the delivery agent");
	}
}

void
qmgr_deliver_close_idle(struct qmgr_transport *tr)
{
	struct qmgr_conn *c;

	while ((c = TAILQ_FIRST(&tr->idle)) != NULL)
		qmgr_conn_close(c, NULL);
}

static void
qmgr_unpause(void *arg)
{
	(void)arg;
	qmgr_sched_kick();
}

/* Put the job's recipients back and pause the transport a moment. */
static void
qmgr_job_requeue(struct qmgr_job *job)
{
	struct qmgr_dest *d = job->dest;
	size_t i;

	for (i = job->n; i > 0; i--) {
		TAILQ_INSERT_HEAD(&d->todo, job->rcpts[i - 1], entry);
		d->ntodo++;
	}
	job->n = 0;
	d->tr->pause_until = monotime_ms() + QMGR_PAUSE_MS;
	qmgr_sched_job_done(job);
	event_add_timer(server_loop(), QMGR_PAUSE_MS + 1, qmgr_unpause, NULL);
}

static struct qmgr_conn *
qmgr_conn_new(struct qmgr_job *job)
{
	struct qmgr_transport *tr = job->dest->tr;
	struct sockaddr_un sun;
	struct qmgr_conn *c;
	char why[256];
	int fd;

	if (!qmgr_transport_name_ok(tr->name)) {
		snprintf(why, sizeof(why), "bad transport name \"%s\"",
		    tr->name);
		qmgr_transport_dead(tr, why);
		qmgr_job_abandon(job, why);
		return NULL;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "private/%s", tr->name);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		log_error("socket: %m");
		qmgr_job_requeue(job);
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		if (e == EAGAIN || e == EINTR) {
			qmgr_job_requeue(job);
			return NULL;
		}
		snprintf(why, sizeof(why), "transport %s not available",
		    tr->name);
		errno = e;
		log_debug("connect private/%s: %m", tr->name);
		qmgr_transport_dead(tr, why);
		qmgr_job_abandon(job, why);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->tr = tr;
	c->state = QMGR_CONN_HELLO;
	c->in = vbuf_new(1024, IPC_MAX_DEFAULT + 4);
	ipc_chan_init(&c->ch, fd, tr->name);
	c->ch.timeout_ms = (int)(var_qmgr_ipc_timeout * 1000);
	c->job = job;
	job->conn = c;
	if (event_add_fd(server_loop(), fd, EVENT_READ, qmgr_conn_event,
	    c) < 0)
		log_fatal("event_add_fd: %m");
	qmgr_conn_timer(c, var_qmgr_ipc_timeout * 1000);
	return c;
}

void
qmgr_deliver_start(struct qmgr_job *job)
{
	struct qmgr_transport *tr = job->dest->tr;
	struct qmgr_conn *c;

	/* the agent that served this next hop last may still hold a
	   session with it (the relay's connection reuse): that one first */
	TAILQ_FOREACH(c, &tr->idle, entry)
		if (c->nexthop != NULL && *job->dest->nexthop != '\0' &&
		    strcmp(c->nexthop, job->dest->nexthop) == 0)
			break;
	if (c == NULL)
		c = TAILQ_FIRST(&tr->idle);
	if (c != NULL) {
		TAILQ_REMOVE(&tr->idle, c, entry);
		tr->nidle--;
		c->state = QMGR_CONN_BUSY;
		c->job = job;
		job->conn = c;
		if (c->timer != NULL)
			event_del_timer(server_loop(), c->timer);
		c->timer = NULL;
		(void)qmgr_deliver_send(c, 1);
		return;
	}
	(void)qmgr_conn_new(job);
}

/*
 * The request record and the queue file, read-only. reused: c came
 * from the idle list. 0, or -1 when c is gone (closed or replaced).
 */
static int
qmgr_deliver_send(struct qmgr_conn *c, int reused)
{
	struct qmgr_job *job = c->job;
	struct qmgr_msg *m = job->msg;
	struct ipc_rec *r = ipc_rec_new();
	const struct qfile_rcpt *fr;
	const char *v;
	char *path;
	size_t i;
	int fd, rc;

	ipc_add_str(r, "req", "deliver");
	ipc_add_str(r, "queue_id", m->qid);
	ipc_add_str(r, "sender", m->env.sender);
	ipc_add_uint(r, "arrival", (uint64_t)m->env.arrival.tv_sec);
	ipc_add_uint(r, "queued", (uint64_t)m->queued);
	ipc_add_uint(r, "content_offset", m->env.content_offset);
	ipc_add_uint(r, "content_size", m->env.content_size);
	ipc_add_str(r, "envid", (v = qfile_env_attr(&m->env, "envid")) ?
	    v : "");
	ipc_add_str(r, "ret", (v = qfile_env_attr(&m->env, "ret")) ? v : "");
	ipc_add_bool(r, "smtputf8", m->smtputf8);
	ipc_add_str(r, "nexthop", job->dest->nexthop);
	ipc_add_uint(r, "count", job->n);
	for (i = 0; i < job->n; i++) {
		fr = &m->env.rcpts[job->rcpts[i]->qr->index];
		ipc_add_str(r, "rcpt", job->rcpts[i]->addr);
		ipc_add_str(r, "orig", strcasecmp(fr->addr,
		    job->rcpts[i]->addr) != 0 ? fr->addr : "");
		ipc_add_str(r, "orcpt", fr->orcpt != NULL ? fr->orcpt : "");
		ipc_add_str(r, "notify", fr->notify != NULL ? fr->notify : "");
	}
	path = qfile_path(m->dir, m->qid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0) {
		log_error("%s: open for delivery: %m", m->qid);
		ipc_rec_free(&r);
		c->job = NULL;
		job->conn = NULL;
		qmgr_conn_idle(c);
		qmgr_job_abandon(job, "cannot open the queue file");
		return -1;
	}
	c->ch.max = IPC_MAX_LIMIT;	/* a request may be large */
	rc = ipc_send_fd(&c->ch, r, fd);
	c->ch.max = IPC_MAX_DEFAULT;
	close(fd);
	ipc_rec_free(&r);
	if (rc < 0) {
		if (reused && !job->retried) {
			/* a reused connection the agent had given up */
			job->retried = 1;
			c->job = NULL;
			job->conn = NULL;
			qmgr_conn_close(c, NULL);
			(void)qmgr_conn_new(job);
			return -1;
		}
		ipc_log_error(&c->ch);
		qmgr_conn_close(c, "lost connection with the delivery agent");
		return -1;
	}
	c->state = QMGR_CONN_BUSY;
	free(c->nexthop);
	c->nexthop = xstrdup(job->dest->nexthop);
	qmgr_conn_timer(c, var_ipc_timeout * 1000);
	return 0;
}

/* The connection is free for another request. */
static void
qmgr_conn_idle(struct qmgr_conn *c)
{
	c->job = NULL;
	if (c->tr->nidle >= QMGR_IDLE_CONN_MAX ||
	    c->tr->dead_until > monotime_ms()) {
		qmgr_conn_close(c, NULL);
		return;
	}
	c->state = QMGR_CONN_IDLE;
	TAILQ_INSERT_TAIL(&c->tr->idle, c, entry);
	c->tr->nidle++;
	qmgr_conn_timer(c, QMGR_IDLE_CONN_MS);
}

/* One status record (req already read): 0, or -1 protocol error. */
static int
qmgr_deliver_status(struct qmgr_conn *c, struct ipc_rec *r)
{
	struct qmgr_job *job = c->job;
	const char *dsn, *action, *relay, *text, *rmta, *dtype;
	struct qmgr_outcome o;
	char *crelay, *ctext, *crmta;
	uint64_t idx;

	if (ipc_get_uint(r, "index", 0, job->n - 1, &idx) < 0 ||
	    ipc_get_strn(r, "dsn", DSN_STATUS_SIZE - 1, &dsn) < 0 ||
	    ipc_get_strn(r, "action", 16, &action) < 0 ||
	    ipc_get_strn(r, "relay", DELIVER_ADDR_MAX, &relay) < 0 ||
	    ipc_get_strn(r, "text", DELIVER_TEXT_MAX, &text) < 0 ||
	    ipc_get_strn(r, "remote_mta", DELIVER_ADDR_MAX, &rmta) < 0 ||
	    ipc_get_strn(r, "diag_type", 16, &dtype) < 0 || ipc_end(r) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	if (!qmgr_status_ok(dsn) || job->got[idx]) {
		log_warn("protocol error from %s: %s", c->ch.peer,
		    job->got[idx] ? "second status for a recipient" :
		    "bad status code");
		return -1;
	}
	job->got[idx] = 1;
	crelay = qmgr_clean(relay, DELIVER_ADDR_MAX);
	ctext = qmgr_clean(text, DELIVER_TEXT_MAX);
	crmta = qmgr_clean(rmta, DELIVER_ADDR_MAX);
	memset(&o, 0, sizeof(o));
	o.dsn = dsn;
	o.text = ctext;
	o.relay = crelay;
	o.remote_mta = crmta;
	o.diag_type = strcmp(dtype, "smtp") == 0 ? "smtp" : NULL;
	o.action = action;
	o.logged = 1;
	if (dsn[0] == '4') {
		strlcpy(job->last_dsn, dsn, sizeof(job->last_dsn));
		free(job->last_text);
		job->last_text = xstrdup(ctext);
	} else
		job->successes++;
	qmgr_message_outcome(job->rcpts[idx], &o);
	job->rcpts[idx] = NULL;
	free(crelay);
	free(ctext);
	free(crmta);
	return 0;
}

/* One whole record from the agent: 0 go on, -1 close the connection. */
static int
qmgr_conn_record(struct qmgr_conn *c, struct ipc_rec *r)
{
	struct qmgr_job *job = c->job;
	const char *req;
	unsigned minor;
	size_t i;
	int site_fail;

	if (c->state == QMGR_CONN_HELLO) {
		if (ipc_hello_check(r, DELIVER_PROTO_NAME, DELIVER_PROTO_MAJOR,
		    &minor) < 0) {
			ipc_log_rec_error(&c->ch, r);
			return -1;
		}
		if (minor < DELIVER_PROTO_MINOR) {
			log_warn("protocol error from %s: deliver/%d.%u is "
			    "too old (site_fail needs %d.%d)", c->ch.peer,
			    DELIVER_PROTO_MAJOR, minor, DELIVER_PROTO_MAJOR,
			    DELIVER_PROTO_MINOR);
			return -1;
		}
		c->state = QMGR_CONN_BUSY;
		return qmgr_deliver_send(c, 0) < 0 ? 1 : 0;
	}
	if (c->state != QMGR_CONN_BUSY || job == NULL) {
		log_warn("protocol error from %s: unexpected record",
		    c->ch.peer);
		return -1;
	}
	if (ipc_get_str(r, "req", &req) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	if (strcmp(req, "status") == 0)
		return qmgr_deliver_status(c, r);
	if (strcmp(req, "done") != 0) {
		log_warn("protocol error from %s: unexpected request \"%.32s\"",
		    c->ch.peer, req);
		return -1;
	}
	if (ipc_get_bool(r, "site_fail", &site_fail) < 0 || ipc_end(r) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	if (vbuf_len(c->in) > 0) {
		log_warn("protocol error from %s: data after done",
		    c->ch.peer);
		return -1;
	}
	c->job = NULL;
	job->conn = NULL;
	for (i = 0; i < job->n && job->got[i]; i++)
		;
	if (i < job->n) {
		qmgr_conn_idle(c);
		qmgr_job_abandon(job, "the delivery agent did not report "
		    "every recipient");
		return 1;
	}
	/* only a failure of the destination counts against it: a job
	   whose recipients were each deferred (greylisting) does not */
	job->failed = site_fail && job->successes == 0;
	qmgr_conn_idle(c);
	qmgr_sched_job_done(job);
	return 1;
}

static void
qmgr_conn_event(int fd, int events, void *arg)
{
	struct qmgr_conn *c = arg;
	struct ipc_rec *r;
	size_t used;
	ssize_t n;
	int rc;

	(void)events;
	if (vbuf_reserve(c->in, QMGR_READ_CHUNK) < 0)
		n = 0;
	else
		n = read(fd, c->in->data + c->in->len, QMGR_READ_CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			log_debug("read from %s: %m", c->ch.peer);
		qmgr_conn_close(c, NULL);
		return;
	}
	c->in->len += (size_t)n;
	c->in->data[c->in->len] = '\0';
	for (;;) {
		rc = ipc_parse(&c->ch, vbuf_str(c->in), vbuf_len(c->in), &r,
		    &used);
		if (rc == 0)
			break;
		if (rc < 0) {
			ipc_log_error(&c->ch);
			qmgr_conn_close(c, NULL);
			return;
		}
		vbuf_consume(c->in, used);
		rc = qmgr_conn_record(c, r);
		ipc_rec_free(&r);
		if (rc < 0) {
			qmgr_conn_close(c, NULL);
			return;
		}
		if (rc == 1)
			return;		/* c is idle, closed or replaced */
		if (c->state == QMGR_CONN_BUSY)
			qmgr_conn_timer(c, var_ipc_timeout * 1000);
	}
}
