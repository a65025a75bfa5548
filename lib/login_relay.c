/*
 * NAME
 *	login_relay - the handoff of a logged-in client to the session
 *	service, and the relay of a TLS client's plaintext; see
 *	login_proto.h.
 *
 * DESCRIPTION
 *	A connection to the session service comes from the dialer; the
 *	service's process speaks first (proto=login/1.0), perhaps after the
 *	master has started it, so the wait is on the event loop, bounded
 *	by LOGIN_HANDOFF_TIMEOUT. Then one record goes out:
 *	- without TLS, with the client's socket attached and what the
 *	  client pipelined after its login command: this process is then
 *	  done with the client;
 *	- with TLS, without a descriptor: this process keeps the TLS
 *	  connection and relays plaintext both ways over the connection to
 *	  the session process until either end closes (the kernel TLS
 *	  handoff, which would let us leave, needs OpenSSL on a socket BIO;
 *	  lib/tls runs it over its own, so the relay is what runs).
 *
 *	The relay reads from one side only while the other side's bytes
 *	have been written (a bounded buffer each way), so a slow reader
 *	slows its writer instead of growing our memory. The session side
 *	has the idle timeout; the relay has none of its own.
 *
 * SECURITY
 *	The session service is more trusted than we are, but its
 *	announcement is still checked. The record's values are ours; the
 *	client's pipelined bytes are bounded by LOGIN_INPUT_MAX.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fdpass.h"
#include "log.h"
#include "login_dial.h"
#include "login_int.h"
#include "server.h"
#include "sock.h"
#include "stream.h"
#include "tls.h"
#include "vbuf.h"
#include "xmalloc.h"

static void
login_handoff_fail(struct login_conn *c, const char *what)
{
	log_warn("%s: handoff: %s", c->peer, what);
	login_handoff_free(c);
	c->state = LC_CMD;
	if (login_p->result(c, LOGIN_RES_TEMP) < 0)
		login_hangup(c);
	login_run(c);
}

static void
login_handoff_timeout(void *arg)
{
	struct login_conn *c = arg;

	c->timer = NULL;
	login_handoff_fail(c, "the session service did "
	    "not answer in time");
}

static void
login_log_in(struct login_conn *c, const char *how)
{
	log_info("Login: user=<%s>, method=%s, rip=%s, lip=%s, %s", c->user,
	    c->mech, c->client, c->server, how);
}

/* The announcement is in: send the record (and maybe the client). */
static int
login_handoff_send(struct login_conn *c, char **why_r)
{
	struct ipc_rec *r = ipc_rec_new();
	struct tls_info ti;
	char tls[LOGIN_TLS_MAX + 1], *in = NULL;
	int relay = tls_active(c->s), ret;
	size_t n = 0;

	tls[0] = '\0';
	if (relay && tls_peer_info(c->s, &ti) == 0)
		tls_info_describe(&ti, 0, tls, sizeof(tls));
	if (!relay && (n = stream_buffered(c->s)) > 0) {
		if (n > LOGIN_INPUT_MAX)
			n = LOGIN_INPUT_MAX;
		in = xmalloc(n);
		if (stream_read(c->s, in, n) != (ssize_t)n)
			n = 0;
	}
	ipc_add_str(r, "req", LOGIN_REQ_HANDOFF);
	ipc_add_str(r, "token", c->token);
	ipc_add_str(r, "client", c->client);
	ipc_add_str(r, "client_port", c->client_port);
	ipc_add_str(r, "server", c->server);
	ipc_add_str(r, "server_port", c->server_port);
	ipc_add_str(r, "transport", relay ? LOGIN_TRANSPORT_RELAY :
	    LOGIN_TRANSPORT_PLAIN);
	ipc_add_str(r, "tls", tls);
	ipc_add_str(r, "mech", c->mech);
	ipc_add_str(r, "user", c->user);
	ipc_add_str(r, "tag", c->tag);
	ipc_add_data(r, "input", in != NULL ? in : "", n);
	c->uch.timeout_ms = LOGIN_HANDOFF_TIMEOUT;
	ret = relay ? ipc_send(&c->uch, r) : ipc_send_fd(&c->uch, r, c->fd);
	if (ret < 0)
		*why_r = c->uch.err;
	ipc_rec_wipe(&r);
	free(in);
	explicit_bzero(c->token, sizeof(c->token));
	return ret;
}

/* The session service's side of the connection is readable. */
static void
login_handoff_event(int fd, int events, void *arg)
{
	struct login_conn *c = arg;
	struct ipc_rec *r = NULL;
	char buf[512], *why;
	size_t used;
	ssize_t n;
	int p;

	(void)fd;
	(void)events;
	if (c->state == LC_RELAY) {
		login_relay(c);
		return;
	}
	n = read(c->ufd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		login_handoff_fail(c, n == 0 ?
		    "the session service closed the connection" :
		    strerror(errno));
		return;
	}
	if (vbuf_append(c->uin, buf, (size_t)n) < 0) {
		login_handoff_fail(c, "too much from the "
		    "session service");
		return;
	}
	if ((p = ipc_parse(&c->uch, vbuf_str(c->uin), vbuf_len(c->uin), &r,
	    &used)) == 0)
		return;
	if (p < 0 || ipc_hello_check(r, LOGIN_PROTO, LOGIN_PROTO_MAJOR,
	    NULL) < 0) {
		log_warn("%s: handoff: protocol error from the session "
		    "service: %s", c->peer, p < 0 ? c->uch.err :
		    ipc_rec_error(r));
		ipc_rec_free(&r);
		login_handoff_fail(c, "not the session "
		    "service");
		return;
	}
	ipc_rec_free(&r);
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	c->timer = NULL;
	if (login_handoff_send(c, &why) < 0) {
		login_handoff_fail(c, why);
		return;
	}
	c->logged_in = 1;
	if (!tls_active(c->s)) {
		login_log_in(c, "no TLS");
		login_close(c, NULL);	/* the client is the session's now */
		return;
	}
	login_log_in(c, "TLS relayed by this process");
	c->state = LC_RELAY;
	c->rbuf = xmalloc(LOGIN_RELAY_BUF);
	stream_set_timeouts(c->s, 0, 0);
	login_relay(c);
}

void
login_handoff_start(struct login_conn *c)
{
	char *err = NULL;

	if ((c->ufd = login_dial(LOGIN_DIAL_SESSION, &err)) < 0 ||
	    sock_set_nonblock(c->ufd, 1) < 0) {
		log_warn("%s: handoff: %s", c->peer, err != NULL ? err :
		    strerror(errno));
		free(err);
		login_handoff_free(c);
		c->state = LC_CMD;
		if (login_p->result(c, LOGIN_RES_TEMP) < 0)
			login_hangup(c);
		return;
	}
	ipc_chan_init(&c->uch, c->ufd, "session service");
	c->uch.max = LOGIN_REC_MAX;
	c->uin = vbuf_new(256, 4096);
	if (event_add_fd(server_loop(), c->ufd, EVENT_READ,
	    login_handoff_event, c) < 0)
		log_fatal("event_add_fd: %m");
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	c->timer = event_add_timer(server_loop(), LOGIN_HANDOFF_TIMEOUT,
	    login_handoff_timeout, c);
}

void
login_handoff_free(struct login_conn *c)
{
	if (c->ufd >= 0) {
		event_del_fd(server_loop(), c->ufd);
		close(c->ufd);
	}
	c->ufd = -1;
	vbuf_free(&c->uin);
	free(c->rbuf);
	c->rbuf = NULL;
}

/* Client to session: 0, or -1 when the relay must end. */
static int
login_relay_up(struct login_conn *c)
{
	ssize_t n;

	for (;;) {
		while (c->roff < c->rlen) {
			n = write(c->ufd, c->rbuf + c->roff, c->rlen - c->roff);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return 0;
			if (n <= 0)
				return -1;	/* the session is gone */
			c->roff += (size_t)n;
		}
		c->roff = c->rlen = 0;
		if (c->ceof)
			return 0;
		n = stream_read(c->s, c->rbuf, LOGIN_RELAY_BUF);
		if (n == 0)
			return 0;	/* would block */
		if (n < 0) {
			/* the client is done: tell the session */
			c->ceof = 1;
			(void)shutdown(c->ufd, SHUT_WR);
			return 0;
		}
		c->rlen = (size_t)n;
	}
}

/* Session to client: 0, or -1 when the relay must end. */
static int
login_relay_down(struct login_conn *c)
{
	char buf[LOGIN_RELAY_BUF];
	ssize_t n;

	while (!c->seof && stream_output_pending(c->s) < LOGIN_RELAY_BUF) {
		n = read(c->ufd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			c->seof = 1;
			break;
		}
		if (stream_write(c->s, buf, (size_t)n) < 0)
			return -1;
	}
	return stream_flush(c->s) < 0 ? -1 : 0;
}

void
login_relay(struct login_conn *c)
{
	int cev = 0, uev = 0;

	if (login_relay_up(c) < 0 || login_relay_down(c) < 0) {
		login_close(c, NULL);
		return;
	}
	if (c->seof && stream_output_pending(c->s) == 0) {
		login_close(c, NULL);	/* the session ended */
		return;
	}
	if (!c->ceof && c->rlen == 0)
		cev |= EVENT_READ;
	if (stream_output_pending(c->s) > 0)
		cev |= stream_want(c->s) != 0 ? stream_want(c->s) : EVENT_WRITE;
	if (!c->seof && stream_output_pending(c->s) < LOGIN_RELAY_BUF)
		uev |= EVENT_READ;
	if (c->rlen > c->roff)
		uev |= EVENT_WRITE;
	login_watch(c, cev);
	if (uev != 0) {
		if (event_add_fd(server_loop(), c->ufd, uev,
		    login_handoff_event, c) < 0)
			log_fatal("event_add_fd: %m");
	} else
		event_del_fd(server_loop(), c->ufd);
}
