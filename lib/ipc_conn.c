/*
 * ipc_conn - the server end of an ipc channel on an event loop; see
 * ipc_conn.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "ipc.h"
#include "ipc_conn.h"
#include "log.h"
#include "sock.h"
#include "vbuf.h"
#include "xmalloc.h"

static void	ipc_conn_event(int, int, void *);

static size_t
ipc_conn_in_max(const struct ipc_conn *c)
{
	/* a whole record plus one read's worth of the next */
	return 4 + c->p.rec_max + IPC_CONN_READ_SIZE;
}

struct ipc_conn *
ipc_conn_new(int fd, const char *what, const struct ipc_conn_params *p)
{
	struct ipc_conn *c = xcalloc(1, sizeof(*c));
	char peer[sizeof(c->ch.peer)];
	pid_t pid = 0;

	if (p->rec_max > IPC_MAX_LIMIT || p->request == NULL ||
	    p->close == NULL || p->loop == NULL)
		log_panic("ipc_conn_new: bad parameters");
	if (sock_peercred(fd, NULL, NULL, &pid) == 0 && pid > 0)
		snprintf(peer, sizeof(peer), "%s pid %ld", what, (long)pid);
	else
		strlcpy(peer, what, sizeof(peer));
	c->fd = fd;
	c->p = *p;
	ipc_chan_init(&c->ch, fd, peer);
	c->ch.max = p->rec_max;
	if ((p->flags & IPC_CONN_SECRET) != 0)
		/* full size at once: never reallocated with a secret inside */
		c->in = vbuf_new(ipc_conn_in_max(c), ipc_conn_in_max(c));
	else
		c->in = vbuf_new(256, ipc_conn_in_max(c));
	c->out = vbuf_new(256, p->out_max);
	return c;
}

void
ipc_conn_close(struct ipc_conn *c)
{
	event_del_fd(c->p.loop, c->fd);
	c->p.close(c, c->p.arg);
	if ((c->p.flags & IPC_CONN_SECRET) != 0)
		explicit_bzero(c->in->data, c->in->cap);
	vbuf_free(&c->in);
	vbuf_free(&c->out);
	free(c);
}

int
ipc_conn_reply(struct ipc_conn *c, const struct ipc_rec *r)
{
	const void *frame;
	size_t len;

	if ((frame = ipc_rec_frame(r, &len)) == NULL)
		log_panic("ipc_conn_reply: record too large");
	if (vbuf_append(c->out, frame, len) < 0) {
		log_warn("%s: %zu bytes of replies not read: closing",
		    c->ch.peer, vbuf_len(c->out));
		return -1;
	}
	return 0;
}

void
ipc_conn_hold(struct ipc_conn *c)
{
	c->held = 1;
}

/* Wipe what the input buffer holds beyond its data (consumed bytes). */
static void
ipc_conn_wipe_tail(struct ipc_conn *c)
{
	struct vbuf *b = c->in;

	/* UNSAFE: data[len] is the NUL; cap bytes are allocated */
	if (b->cap > b->len + 1)
		explicit_bzero(b->data + b->len + 1, b->cap - b->len - 1);
}

/* Answer every whole record in the input, unless held; -1: close. */
static int
ipc_conn_parse(struct ipc_conn *c)
{
	struct ipc_rec *r;
	size_t used;
	int ret;

	while (!c->held) {
		ret = ipc_parse(&c->ch, vbuf_str(c->in), vbuf_len(c->in), &r,
		    &used);
		if (ret == 0)
			return 0;
		if (ret < 0) {
			ipc_log_error(&c->ch);
			return -1;
		}
		vbuf_consume(c->in, used);
		if ((c->p.flags & IPC_CONN_SECRET) != 0)
			ipc_conn_wipe_tail(c);
		ret = c->p.request(c, r, c->p.arg);
		ipc_rec_free(&r);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Read what is there and answer; -1: close. */
static int
ipc_conn_read(struct ipc_conn *c)
{
	char buf[IPC_CONN_READ_SIZE];
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
	if ((c->p.flags & IPC_CONN_SECRET) != 0)
		explicit_bzero(buf, sizeof(buf));
	if (ret < 0)
		log_panic("ipc_conn_read: input over its bound");
	return ipc_conn_parse(c);
}

/* Write what we can; 0, or -1 when the connection is dead. */
static int
ipc_conn_flush(struct ipc_conn *c)
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
ipc_conn_watch(struct ipc_conn *c)
{
	int ev = 0;

	/* nothing is read while held or while replies pile up; the input
	   buffer always has room for one more read then */
	if (!c->held && vbuf_len(c->out) < c->p.out_max / 2 &&
	    vbuf_len(c->in) <= ipc_conn_in_max(c) - IPC_CONN_READ_SIZE)
		ev |= EVENT_READ;
	if (vbuf_len(c->out) > 0)
		ev |= EVENT_WRITE;
	if (event_add_fd(c->p.loop, c->fd, ev, ipc_conn_event, c) < 0)
		log_fatal("event_add_fd: %m");
}

static void
ipc_conn_event(int fd, int events, void *arg)
{
	struct ipc_conn *c = arg;

	(void)fd;
	if ((events & EVENT_READ) != 0 && ipc_conn_read(c) < 0) {
		ipc_conn_close(c);
		return;
	}
	if (ipc_conn_flush(c) < 0) {
		ipc_conn_close(c);
		return;
	}
	ipc_conn_watch(c);
}

void
ipc_conn_release(struct ipc_conn *c)
{
	c->held = 0;
	if (ipc_conn_parse(c) < 0 || ipc_conn_flush(c) < 0) {
		ipc_conn_close(c);
		return;
	}
	ipc_conn_watch(c);
}

void
ipc_conn_start(struct ipc_conn *c, const char *name, unsigned major,
    unsigned minor)
{
	struct ipc_rec *r = ipc_hello_new(name, major, minor);

	(void)ipc_conn_reply(c, r);
	ipc_rec_free(&r);
	/* written when the socket is writable: c stays valid for the caller */
	ipc_conn_watch(c);
}

struct ipc_conn *
ipc_conn_serve(int fd, const struct ipc_proto *proto,
    const struct ipc_conn_params *p)
{
	struct ipc_conn_params pp = *p;
	struct ipc_conn *c;

	pp.rec_max = proto->rec_max;
	c = ipc_conn_new(fd, proto->client, &pp);
	ipc_conn_start(c, proto->name, proto->major, proto->minor);
	return c;
}

int
ipc_conn_verb(struct ipc_conn *c, struct ipc_rec *r, const char *const *verbs)
{
	const char *verb;
	int i;

	if (ipc_get_str(r, "req", &verb) < 0) {
		ipc_log_rec_error(&c->ch, r);
		return -1;
	}
	for (i = 0; verbs[i] != NULL; i++)
		if (strcmp(verb, verbs[i]) == 0)
			return i;
	log_warn("%s: unknown request \"%.32s\"", c->ch.peer, verb);
	return -2;
}
