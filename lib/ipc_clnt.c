/*
 * NAME
 *	ipc_clnt - the client end of an internal service; see ipc_clnt.h.
 *
 * DESCRIPTION
 *	Blocking calls use lib/ipc's blocking send and receive on the
 *	connection, with the timeout left of the call's one deadline.
 *
 *	On an event loop a client is a small state machine: no connection;
 *	connected, waiting for the announcement (nothing is written before
 *	it is checked, so a request never reaches the wrong service); ready.
 *	Requests wait in one queue in the order they were started; each
 *	keeps its own copy of its frame and how much of it was written, and
 *	the answers that arrive belong to the written requests in order. A
 *	cancelled request stays in the queue without its callback until its
 *	answer has come (or until it would be written: then it is dropped).
 *	Everything that ends a connection goes through ipc_clnt_drop, which
 *	fails (or, for IPC_CLNT_RETRY on a kept connection, queues again
 *	once) the requests that were waiting on it. A generation number
 *	tells a loop that a callback closed the connection under it.
 *
 * SECURITY
 *	The input buffer is bounded by one record plus one read; a frame
 *	length over proto->rec_max is refused before anything is allocated
 *	(ipc_parse). A secret request's frame is wiped as soon as it is
 *	written, and when it is dropped unwritten.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "event.h"
#include "ipc.h"
#include "ipc_clnt.h"
#include "log.h"
#include "monotime.h"
#include "sock.h"
#include "vbuf.h"
#include "xmalloc.h"

#define IPC_CLNT_READ_SIZE	4096

struct ipc_clnt_req {
	TAILQ_ENTRY(ipc_clnt_req) entry;
	struct ipc_clnt	*c;
	char		*frame;
	size_t		 len;
	size_t		 off;		/* written so far */
	int		 flags;		/* IPC_CLNT_* */
	int		 kept;		/* sent on a connection made before */
	ipc_clnt_reply_fn fn;		/* NULL: cancelled */
	void		*arg;
	struct event_timer *timer;
};

TAILQ_HEAD(ipc_clnt_queue, ipc_clnt_req);

struct ipc_clnt {
	const struct ipc_proto *proto;
	char		*path;
	int		 timeout_ms;
	int		 fd;
	struct ipc_chan	 ch;
	unsigned	 minor;
	/* on an event loop */
	struct event_loop *loop;
	int		 ready;		/* announcement checked */
	unsigned long	 answers;	/* answers on this connection */
	unsigned long	 gen;		/* bumped whenever fd is closed */
	struct vbuf	*in;
	struct ipc_clnt_queue queue;
	struct event_timer *fail_timer;	/* reports a failed connect */
	char		*fail_err;
	ipc_clnt_dial_fn dial;		/* NULL: connect to path */
	void		*dial_arg;
};

static void	ipc_clnt_event(int, int, void *);

struct ipc_clnt *
ipc_clnt_new(const struct ipc_proto *proto, const char *path,
    int timeout_ms, struct event_loop *loop)
{
	struct ipc_clnt *c = xcalloc(1, sizeof(*c));

	c->proto = proto;
	c->path = xstrdup(path != NULL ? path : proto->socket);
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : proto->timeout_ms;
	if (c->timeout_ms <= 0)
		c->timeout_ms = IPC_TIMEOUT_DEFAULT;
	c->fd = -1;
	c->loop = loop;
	TAILQ_INIT(&c->queue);
	return c;
}

const char *
ipc_clnt_path(const struct ipc_clnt *c)
{
	return c->path;
}

int
ipc_clnt_is_open(const struct ipc_clnt *c)
{
	return c->fd >= 0;
}

unsigned
ipc_clnt_minor(const struct ipc_clnt *c)
{
	return c->minor;
}

/* Close the descriptor only; the queue is the caller's business. */
static void
ipc_clnt_hangup(struct ipc_clnt *c)
{
	if (c->fd < 0)
		return;
	if (c->loop != NULL)
		event_del_fd(c->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->ready = 0;
	c->answers = 0;
	c->gen++;
	if (c->in != NULL)
		vbuf_reset(c->in);
}

static void
ipc_clnt_req_free(struct ipc_clnt_req *q)
{
	if (q->timer != NULL)
		event_del_timer(q->c->loop, q->timer);
	if ((q->flags & IPC_CLNT_SECRET) != 0)
		explicit_bzero(q->frame, q->len);
	free(q->frame);
	free(q);
}

/*
 * The connection is gone; err says why, in full. Fail every request
 * that was waiting on it, or, when may_retry (a connection that had
 * answered before died: its server went away), queue again once each
 * IPC_CLNT_RETRY request that went out on a kept connection, and keep
 * the unwritten ones; then connect again for what is left. A connection
 * that dies before its first answer fails everything, so a service
 * that keeps hanging up is not dialled in a loop. May run callbacks.
 */
static void	ipc_clnt_connect_async(struct ipc_clnt *);

static void
ipc_clnt_drop(struct ipc_clnt *c, const char *err, int may_retry)
{
	struct ipc_clnt_queue failed;
	struct ipc_clnt_req *q, *next;

	ipc_clnt_hangup(c);
	TAILQ_INIT(&failed);
	for (q = TAILQ_FIRST(&c->queue); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->off == 0 && q->fn == NULL) {
			TAILQ_REMOVE(&c->queue, q, entry);
			ipc_clnt_req_free(q);
		} else if (may_retry && q->kept && q->fn != NULL &&
		    (q->flags & IPC_CLNT_RETRY) != 0) {
			q->kept = 0;	/* once */
			q->off = 0;
		} else if (q->off > 0 || !may_retry) {
			TAILQ_REMOVE(&c->queue, q, entry);
			TAILQ_INSERT_TAIL(&failed, q, entry);
		}
	}
	if (!TAILQ_EMPTY(&c->queue))
		ipc_clnt_connect_async(c);
	while ((q = TAILQ_FIRST(&failed)) != NULL) {
		TAILQ_REMOVE(&failed, q, entry);
		if (q->fn != NULL)
			(void)q->fn(NULL, err, q->arg);
		ipc_clnt_req_free(q);
	}
}

/* ipc_clnt_drop with "PATH: " and the formatted reason. */
static void	ipc_clnt_dropf(struct ipc_clnt *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
ipc_clnt_dropf(struct ipc_clnt *c, int may_retry, const char *fmt, ...)
{
	char reason[IPC_ERR_MAX + 64], *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	err = xasprintf("%s: %s", c->path, reason);
	ipc_clnt_drop(c, err, may_retry);
	free(err);
}

void
ipc_clnt_close(struct ipc_clnt *c)
{
	if (c->loop != NULL && !TAILQ_EMPTY(&c->queue))
		ipc_clnt_dropf(c, 0, "connection closed");
	else
		ipc_clnt_hangup(c);
}

void
ipc_clnt_free(struct ipc_clnt **cp)
{
	struct ipc_clnt *c = *cp;
	struct ipc_clnt_req *q;

	if (c == NULL)
		return;
	ipc_clnt_hangup(c);
	while ((q = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, q, entry);
		ipc_clnt_req_free(q);
	}
	if (c->fail_timer != NULL)
		event_del_timer(c->loop, c->fail_timer);
	free(c->fail_err);
	vbuf_free(&c->in);
	free(c->path);
	free(c);
	*cp = NULL;
}

/* --- blocking ------------------------------------------------------------ */

/* What is left until deadline, at least 1 ms (0 would mean "none"). */
static int
ipc_clnt_left(long long deadline)
{
	long long left = deadline - monotime_ms();

	return left < 1 ? 1 : (int)left;
}

/* Close and say "PATH: what the channel says"; -1 (errno EPROTO). */
static int
ipc_clnt_chan_fail(struct ipc_clnt *c, char **err_r)
{
	err_set(err_r, "%s: %s", c->path, c->ch.err);
	ipc_clnt_hangup(c);
	errno = EPROTO;
	return -1;
}

static int
ipc_clnt_open_by(struct ipc_clnt *c, long long deadline, char **err_r)
{
	int secs = (ipc_clnt_left(deadline) + 999) / 1000;

	if (c->loop != NULL)
		log_panic("ipc_clnt: a blocking call on an event loop client");
	if (c->fd >= 0)
		return 0;
	if (c->dial != NULL) {
		if ((c->fd = c->dial(c->dial_arg, err_r)) < 0)
			return -1;
	} else if ((c->fd = sock_connect_unix(c->path, secs)) < 0)
		return err_set(err_r, "connect to %s: %m", c->path);
	ipc_chan_init(&c->ch, c->fd, c->proto->name);
	c->ch.max = c->proto->rec_max;
	c->ch.timeout_ms = ipc_clnt_left(deadline);
	if (ipc_hello_recv(&c->ch, c->proto->name, c->proto->major,
	    &c->minor) < 0)
		return ipc_clnt_chan_fail(c, err_r);
	return 0;
}

void
ipc_clnt_set_dial(struct ipc_clnt *c, ipc_clnt_dial_fn fn, void *arg)
{
	c->dial = fn;
	c->dial_arg = arg;
}

int
ipc_clnt_open(struct ipc_clnt *c, char **err_r)
{
	return ipc_clnt_open_by(c, monotime_ms() + c->timeout_ms, err_r);
}

int
ipc_clnt_call(struct ipc_clnt *c, const struct ipc_rec *req, int flags,
    struct ipc_rec **rep_r, char **err_r)
{
	long long deadline = monotime_ms() + c->timeout_ms;
	int fresh, r;

	*rep_r = NULL;
	for (;;) {
		fresh = c->fd < 0;
		if (ipc_clnt_open_by(c, deadline, err_r) < 0)
			return -1;
		c->ch.timeout_ms = ipc_clnt_left(deadline);
		if ((r = ipc_send(&c->ch, req)) == 0) {
			c->ch.timeout_ms = ipc_clnt_left(deadline);
			r = ipc_recv(&c->ch, rep_r);
		}
		if (r == 1)
			return 0;
		if (r == 0)
			snprintf(c->ch.err, sizeof(c->ch.err), "connection "
			    "closed by the service before it answered");
		/* a kept connection may simply have outlived its server */
		if (fresh || (flags & IPC_CLNT_RETRY) == 0 ||
		    c->ch.err_proto || deadline - monotime_ms() <= 0)
			return ipc_clnt_chan_fail(c, err_r);
		ipc_clnt_hangup(c);
		flags &= ~IPC_CLNT_RETRY;
	}
}

int
ipc_clnt_send(struct ipc_clnt *c, const struct ipc_rec *req, char **err_r)
{
	long long deadline = monotime_ms() + c->timeout_ms;

	if (ipc_clnt_open_by(c, deadline, err_r) < 0)
		return -1;
	c->ch.timeout_ms = ipc_clnt_left(deadline);
	if (ipc_send(&c->ch, req) < 0)
		return ipc_clnt_chan_fail(c, err_r);
	return 0;
}

int
ipc_clnt_recv(struct ipc_clnt *c, struct ipc_rec **rep_r, char **err_r)
{
	int r;

	*rep_r = NULL;
	if (c->fd < 0)
		return err_set(err_r, "%s: not connected", c->path);
	c->ch.timeout_ms = c->timeout_ms;
	if ((r = ipc_recv(&c->ch, rep_r)) == 1)
		return 0;
	if (r == 0)
		snprintf(c->ch.err, sizeof(c->ch.err), "connection closed by "
		    "the service");
	return ipc_clnt_chan_fail(c, err_r);
}

int
ipc_clnt_bad_reply(struct ipc_clnt *c, const struct ipc_rec *rep,
    const char *text, char **err_r)
{
	ipc_clnt_hangup(c);
	return err_set(err_r, "%s: protocol error: %s", c->path,
	    text != NULL ? text : rep != NULL ? ipc_rec_error(rep) :
	    "malformed answer");
}

/* --- on an event loop ---------------------------------------------------- */

/* A connect that failed inside ipc_clnt_start is reported from here. */
static void
ipc_clnt_fail_fire(void *arg)
{
	struct ipc_clnt *c = arg;
	char *err = c->fail_err;

	c->fail_timer = NULL;
	c->fail_err = NULL;
	ipc_clnt_drop(c, err, 0);	/* "connect to PATH: ..." */
	free(err);
}

static void
ipc_clnt_watch(struct ipc_clnt *c)
{
	struct ipc_clnt_req *q;
	int ev = EVENT_READ;

	if (c->ready)
		TAILQ_FOREACH(q, &c->queue, entry)
			if (q->off < q->len) {
				ev |= EVENT_WRITE;
				break;
			}
	if (event_add_fd(c->loop, c->fd, ev, ipc_clnt_event, c) < 0)
		log_fatal("event_add_fd: %m");
}

static void
ipc_clnt_connect_async(struct ipc_clnt *c)
{
	if (c->fd >= 0 || c->fail_timer != NULL)
		return;
	if (c->dial != NULL) {
		if ((c->fd = c->dial(c->dial_arg, &c->fail_err)) < 0 ||
		    sock_set_nonblock(c->fd, 1) < 0) {
			if (c->fd >= 0) {
				close(c->fd);
				c->fd = -1;
				c->fail_err = xasprintf("%s: set non-blocking: "
				    "%s", c->path, strerror(errno));
			}
			c->fail_timer = event_add_timer(c->loop, 0,
			    ipc_clnt_fail_fire, c);
			return;
		}
	} else if ((c->fd = sock_connect_unix_nowait(c->path)) < 0) {
		c->fail_err = errno == EAGAIN ? xasprintf("connect to %s: "
		    "the service is not accepting connections", c->path) :
		    xasprintf("connect to %s: %s", c->path, strerror(errno));
		c->fail_timer = event_add_timer(c->loop, 0, ipc_clnt_fail_fire,
		    c);
		return;
	}
	ipc_chan_init(&c->ch, c->fd, c->proto->name);
	c->ch.max = c->proto->rec_max;
	if (c->in == NULL)
		c->in = vbuf_new(256, 4 + c->proto->rec_max +
		    IPC_CLNT_READ_SIZE);
	ipc_clnt_watch(c);
}

static void
ipc_clnt_timeout(void *arg)
{
	struct ipc_clnt_req *q = arg;

	q->timer = NULL;
	ipc_clnt_dropf(q->c, 0, "timed out waiting for an answer");
}

struct ipc_clnt_req *
ipc_clnt_start(struct ipc_clnt *c, const struct ipc_rec *req, int flags,
    ipc_clnt_reply_fn fn, void *arg)
{
	struct ipc_clnt_req *q;
	const void *frame;
	size_t len;

	if (c->loop == NULL)
		log_panic("ipc_clnt_start: the client has no event loop");
	if ((frame = ipc_rec_frame(req, &len)) == NULL ||
	    len - 4 > c->proto->rec_max)
		log_panic("ipc_clnt_start: request too large for %s",
		    c->proto->name);
	q = xcalloc(1, sizeof(*q));
	q->c = c;
	q->frame = xmemdup(frame, len);
	q->len = len;
	q->flags = flags;
	q->kept = c->fd >= 0;
	q->fn = fn;
	q->arg = arg;
	q->timer = event_add_timer(c->loop, c->timeout_ms, ipc_clnt_timeout,
	    q);
	TAILQ_INSERT_TAIL(&c->queue, q, entry);
	if (c->fd < 0)
		ipc_clnt_connect_async(c);
	else
		ipc_clnt_watch(c);
	return q;
}

void
ipc_clnt_cancel(struct ipc_clnt_req *q)
{
	if (q != NULL)
		q->fn = NULL;
}

/* Write what the socket takes; 0, or -1 after dropping the connection. */
static int
ipc_clnt_flush(struct ipc_clnt *c)
{
	struct ipc_clnt_req *q, *next;
	ssize_t n;

	for (q = TAILQ_FIRST(&c->queue); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->off == q->len)
			continue;
		if (q->off == 0 && q->fn == NULL) {
			/* cancelled before a byte went out */
			TAILQ_REMOVE(&c->queue, q, entry);
			ipc_clnt_req_free(q);
			continue;
		}
		n = send(c->fd, q->frame + q->off, q->len - q->off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			next = q;
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			ipc_clnt_dropf(c, c->answers > 0, "send: %s",
			    strerror(errno));
			return -1;
		}
		q->off += (size_t)n;
		if (q->off < q->len)
			return 0;
		if ((q->flags & IPC_CLNT_SECRET) != 0)
			explicit_bzero(q->frame, q->len);
	}
	return 0;
}

/* One record arrived; 0, or -1 when the connection was dropped. */
static int
ipc_clnt_answer(struct ipc_clnt *c, struct ipc_rec *r)
{
	struct ipc_clnt_req *q = TAILQ_FIRST(&c->queue);
	unsigned long gen = c->gen;
	int ret = 0;

	if (!c->ready) {
		if (ipc_hello_check(r, c->proto->name, c->proto->major,
		    &c->minor) < 0) {
			ipc_clnt_dropf(c, 0, "protocol error: %s",
			    ipc_rec_error(r));
			return -1;
		}
		c->ready = 1;
		return 0;
	}
	if (q == NULL || q->off < q->len) {
		ipc_clnt_dropf(c, 0, "protocol error: an answer to no "
		    "request");
		return -1;
	}
	TAILQ_REMOVE(&c->queue, q, entry);
	c->answers++;
	if (q->fn != NULL)
		ret = q->fn(r, NULL, q->arg);
	ipc_clnt_req_free(q);
	if (gen != c->gen)
		return -1;	/* the callback closed the connection */
	if (ret < 0) {
		ipc_clnt_dropf(c, 0, "protocol error: malformed answer");
		return -1;
	}
	return 0;
}

/* Read what is there and take every whole record; -1: dropped. */
static int
ipc_clnt_read(struct ipc_clnt *c)
{
	char buf[IPC_CLNT_READ_SIZE];
	struct ipc_rec *r;
	size_t used;
	ssize_t n;
	int ret;

	n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		ipc_clnt_dropf(c, c->answers > 0, "receive: %s",
		    strerror(errno));
		return -1;
	}
	if (n == 0) {
		/* a kept connection's server may have exited (max_idle) */
		ipc_clnt_dropf(c, c->answers > 0 && vbuf_len(c->in) == 0,
		    "connection closed by the service%s",
		    TAILQ_EMPTY(&c->queue) ? "" : " before it answered");
		return -1;
	}
	if (vbuf_append(c->in, buf, (size_t)n) < 0)
		log_panic("ipc_clnt_read: input over its bound");
	for (;;) {
		ret = ipc_parse(&c->ch, vbuf_str(c->in), vbuf_len(c->in), &r,
		    &used);
		if (ret == 0)
			return 0;
		if (ret < 0) {
			ipc_clnt_dropf(c, 0, "protocol error: %s", c->ch.err);
			return -1;
		}
		vbuf_consume(c->in, used);
		ret = ipc_clnt_answer(c, r);
		ipc_rec_free(&r);
		if (ret < 0)
			return -1;
	}
}

static void
ipc_clnt_event(int fd, int events, void *arg)
{
	struct ipc_clnt *c = arg;

	(void)fd;
	if ((events & EVENT_READ) != 0 && ipc_clnt_read(c) < 0)
		return;
	if (c->ready && ipc_clnt_flush(c) < 0)
		return;
	if (c->fd >= 0)
		ipc_clnt_watch(c);
}
