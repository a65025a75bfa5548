/*
 * NAME
 *	auth_server - the connections of smtpd, pop3d and imapd on the
 *	skeleton's event loop: questions in, answers out.
 *
 * DESCRIPTION
 *	Each connection gets the protocol announcement, then any number
 *	of questions (lib/auth_proto.h), answered in order. A failed login
 *	is answered after auth_failure_delay by a timer: the process goes
 *	on serving every other connection meanwhile, and reads nothing
 *	more from this one until the answer is out (so answers stay in
 *	order, and a client cannot have more than one delayed answer).
 *
 *	crypt(3) itself runs in this one process: while one verification
 *	computes (some tens of milliseconds for yescrypt), the others
 *	wait. Throttling (auth_request.c) keeps a guesser from making that
 *	the bottleneck.
 *
 * SECURITY
 *	Only processes that can reach private/ can connect. Questions are
 *	still parsed as network input: records are bounded (AUTH_REC_MAX)
 *	before anything is allocated, every attribute is checked, and a
 *	connection that breaks the protocol is logged and closed. A client
 *	that does not read its answers is cut off at AUTH_OUT_MAX bytes.
 *
 *	Passwords pass through three buffers here, each wiped: the read
 *	buffer on the stack, the connection's input buffer (allocated at
 *	its full size once, so it is never reallocated with a password in
 *	it; what a consumed record leaves behind is wiped at once), and
 *	the decoded record (its password value is wiped before it is
 *	freed).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "auth_clnt.h"
#include "event.h"
#include "ipc.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "sock.h"
#include "vbuf.h"
#include "xmalloc.h"

#define AUTH_OUT_MAX		(16 * 1024)	/* unread answers, bytes */
#define AUTH_READ_SIZE		4096
#define AUTH_IN_MAX		(4 + AUTH_REC_MAX + AUTH_READ_SIZE)

struct auth_conn {
	int		 fd;
	struct ipc_chan	 ch;
	struct vbuf	*in;
	struct vbuf	*out;
	struct ipc_rec	*held;		/* a failure's answer, waiting */
	struct event_timer *delay;
};

static void	auth_conn_event(int, int, void *);
static void	auth_conn_watch(struct auth_conn *);
static int	auth_conn_parse(struct auth_conn *);
static int	auth_conn_flush(struct auth_conn *);

void
auth_server_init(void)
{
	auth_verify_init();
	auth_request_init();
}

void
auth_server_exit(void)
{
	auth_request_free();
	auth_db_free();
}

/* Wipe what the input buffer holds beyond its data (consumed bytes). */
static void
auth_conn_wipe_tail(struct auth_conn *c)
{
	struct vbuf *b = c->in;

	/* UNSAFE: data[len] is the NUL; cap bytes are allocated */
	if (b->cap > b->len + 1)
		explicit_bzero(b->data + b->len + 1, b->cap - b->len - 1);
}

static void
auth_conn_close(struct auth_conn *c)
{
	if (c->delay != NULL)
		event_del_timer(server_loop(), c->delay);
	ipc_rec_free(&c->held);
	event_del_fd(server_loop(), c->fd);
	explicit_bzero(c->in->data, c->in->cap);
	vbuf_free(&c->in);
	vbuf_free(&c->out);
	server_disconnect(c->fd);
	free(c);
}

/* Queue an answer; -1 when the client lets too much pile up. */
static int
auth_conn_send(struct auth_conn *c, const struct ipc_rec *r)
{
	const void *frame;
	size_t len;

	if ((frame = ipc_rec_frame(r, &len)) == NULL)
		log_panic("auth_conn_send: record too large");
	if (vbuf_append(c->out, frame, len) < 0) {
		log_warn("%s: %zu bytes of answers not read: closing",
		    c->ch.peer, vbuf_len(c->out));
		return -1;
	}
	return 0;
}

static struct ipc_rec *
auth_conn_status(int status)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_uint(r, "status", (uint64_t)status);
	return r;
}

/* The delay is over: out with the answer, then on with the input. */
static void
auth_conn_delay_fire(void *arg)
{
	struct auth_conn *c = arg;
	int r;

	c->delay = NULL;
	r = auth_conn_send(c, c->held);
	ipc_rec_free(&c->held);
	if (r < 0 || auth_conn_parse(c) < 0 || auth_conn_flush(c) < 0) {
		auth_conn_close(c);
		return;
	}
	auth_conn_watch(c);
}

/* Answer a question now, or hold a failure's answer back. */
static int
auth_conn_answer(struct auth_conn *c, const struct auth_ans *a)
{
	struct ipc_rec *r = auth_conn_status(a->status);
	int ret;

	if (a->status == AUTH_STAT_OK) {
		ipc_add_str(r, "user", a->e.user);
		ipc_add_str(r, "maildir", a->e.maildir);
		ipc_add_uint(r, "quota", a->e.quota);
	}
	if (a->delay && var_auth_failure_delay > 0) {
		c->held = r;
		c->delay = event_add_timer(server_loop(),
		    var_auth_failure_delay * 1000, auth_conn_delay_fire, c);
		return 0;
	}
	ret = auth_conn_send(c, r);
	ipc_rec_free(&r);
	return ret;
}

/* One question; -1 closes the connection. */
static int
auth_conn_request(struct auth_conn *c, struct ipc_rec *r)
{
	struct auth_req q;
	struct auth_ans a;
	const char *verb, *pw = NULL;
	int ret;

	if (ipc_get_str(r, "req", &verb) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	if (strcmp(verb, AUTH_REQ_VERIFY) != 0) {
		/* a newer client: refuse the verb, keep the connection */
		log_warn("%s: unknown request \"%.32s\"", c->ch.peer, verb);
		memset(&a, 0, sizeof(a));
		a.status = AUTH_STAT_TEMP;
		return auth_conn_answer(c, &a);
	}
	memset(&q, 0, sizeof(q));
	if (ipc_get_strn(r, "service", AUTH_SERVICE_MAX, &q.service) < 0 ||
	    ipc_get_strn(r, "mech", AUTH_MECH_MAX, &q.mech) < 0 ||
	    ipc_get_strn(r, "client", AUTH_CLIENT_MAX, &q.client) < 0 ||
	    ipc_get_bool(r, "tls", &q.tls) < 0 ||
	    ipc_get_strn(r, "user", AUTH_USER_MAX, &q.user) < 0 ||
	    ipc_get_strn(r, "password", AUTH_PASS_MAX, &pw) < 0 ||
	    ipc_end(r) < 0) {
		ipc_log_rec_error(&c->ch, r);
		ret = -1;
		goto out;
	}
	if (!auth_valid_service(q.service) || !auth_valid_mech(q.mech) ||
	    !auth_valid_client(q.client) || q.user[0] == '\0') {
		log_warn("protocol error from %s: bad service, mechanism, "
		    "client or user", c->ch.peer);
		ret = -1;
		goto out;
	}
	q.password = pw;
	auth_request_run(&q, &a, event_now_ms());
	ret = auth_conn_answer(c, &a);
	auth_entry_clear(&a.e);
out:
	if (pw != NULL)
		/* UNSAFE: the value lives in the record's own buffer */
		explicit_bzero((void *)(uintptr_t)pw, strlen(pw));
	return ret;
}

/* Answer every whole question in the input, unless one is held. */
static int
auth_conn_parse(struct auth_conn *c)
{
	struct ipc_rec *r;
	size_t used;
	int ret;

	while (c->held == NULL) {
		ret = ipc_parse(&c->ch, vbuf_str(c->in), vbuf_len(c->in), &r,
		    &used);
		if (ret == 0)
			return 0;
		if (ret < 0) {
			ipc_log_error(&c->ch);
			return -1;
		}
		vbuf_consume(c->in, used);
		auth_conn_wipe_tail(c);
		ret = auth_conn_request(c, r);
		ipc_rec_free(&r);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Read what is there and answer; -1: close. */
static int
auth_conn_read(struct auth_conn *c)
{
	char buf[AUTH_READ_SIZE];
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
	ret = vbuf_append(c->in, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (ret < 0)
		log_panic("auth_conn_read: input over its bound");
	return auth_conn_parse(c);
}

/* Write what we can; 0, or -1 when the connection is dead. */
static int
auth_conn_flush(struct auth_conn *c)
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

static void
auth_conn_watch(struct auth_conn *c)
{
	int ev = 0;

	/* nothing is read while an answer is held or answers pile up; the
	   input buffer always has room for one more read then */
	if (c->held == NULL && vbuf_len(c->out) < AUTH_OUT_MAX / 2 &&
	    vbuf_len(c->in) <= AUTH_IN_MAX - AUTH_READ_SIZE)
		ev |= EVENT_READ;
	if (vbuf_len(c->out) > 0)
		ev |= EVENT_WRITE;
	if (event_add_fd(server_loop(), c->fd, ev, auth_conn_event, c) < 0)
		log_fatal("event_add_fd: %m");
}

static void
auth_conn_event(int fd, int events, void *arg)
{
	struct auth_conn *c = arg;

	(void)fd;
	if ((events & EVENT_READ) != 0 && auth_conn_read(c) < 0) {
		auth_conn_close(c);
		return;
	}
	if (auth_conn_flush(c) < 0) {
		auth_conn_close(c);
		return;
	}
	auth_conn_watch(c);
}

void
auth_server_conn(int fd, const struct server_info *info)
{
	struct auth_conn *c = xcalloc(1, sizeof(*c));
	struct ipc_rec *r;
	char peer[64], proto[32];
	pid_t pid = 0;

	(void)info;
	if (sock_peercred(fd, NULL, NULL, &pid) == 0 && pid > 0)
		snprintf(peer, sizeof(peer), "auth client pid %ld",
		    (long)pid);
	else
		strlcpy(peer, "auth client", sizeof(peer));
	c->fd = fd;
	ipc_chan_init(&c->ch, fd, peer);
	c->ch.max = AUTH_REC_MAX;
	/* full size at once: never reallocated with a password inside */
	c->in = vbuf_new(AUTH_IN_MAX, AUTH_IN_MAX);
	c->out = vbuf_new(256, AUTH_OUT_MAX);
	snprintf(proto, sizeof(proto), "%s/%u.%u", AUTH_PROTO,
	    AUTH_PROTO_MAJOR, AUTH_PROTO_MINOR);
	r = ipc_rec_new();
	ipc_add_str(r, "proto", proto);
	(void)auth_conn_send(c, r);
	ipc_rec_free(&r);
	auth_conn_event(fd, 0, c);
}
