/*
 * NAME
 *	login - the login side's connections: set-up, the state machine on
 *	the event loop, TLS, replies, the end; see login.h.
 *
 * DESCRIPTION
 *	Each connection is driven by login_run: whatever its state asks
 *	(a handshake step, the command lines that are there, a flush) is
 *	done until it would wait, and then login_watch says what to wait
 *	for, with the stream's own timeout (lib/stream's non-blocking
 *	mode: when the timer fires, the next call reports the timeout).
 *	Callbacks from elsewhere (auth's answer) only record and schedule
 *	login_run from the loop (login_later), so nothing runs inside
 *	another module's callback.
 *
 *	A command that starts a login stops the reading: what the client
 *	pipelined behind it stays in the stream's buffer for the session
 *	side (handed over, or relayed), or is read as commands when the
 *	login fails.
 *
 * SECURITY
 *	Runs as login_owner in an empty chroot. The TLS keys are read
 *	before the jail (tls_server_ctx_prepare). The client address
 *	decides only whether a login without TLS is allowed (mynetworks,
 *	which holds the loopback networks by default), as the
 *	configuration says.
 */
#include "config.h"


#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "event.h"
#include "log.h"
#include "login_dial.h"
#include "login_int.h"
#include "monotime.h"
#include "netlist.h"
#include "params.h"
#include "server.h"
#include "sock.h"
#include "stream.h"
#include "tls.h"
#include "vbuf.h"
#include "xmalloc.h"

const struct login_proto *login_p;
const struct login_conf *login_c;
static struct tls_server_ctx *login_tls;
static struct netlist *login_mynets;
static size_t login_proto_size;
static int login_tls_loglevel;

static int
login_ms(long long sec)
{
	return sec > INT_MAX / 1000 ? INT_MAX : (int)(sec * 1000);
}

void
login_set_proto_size(size_t n)
{
	login_proto_size = n;
}

static void
login_tls_init(void)
{
	struct tls_server_conf tc;
	char *err = NULL;
	int mandatory = login_c->tls == 2 || login_c->wrapper;

	if (login_c->tls == 0 && !login_c->wrapper)
		return;
	if (tls_server_conf_params(&tc, login_c->tls_prefix, mandatory,
	    &err) < 0)
		log_fatal("%s TLS parameters: %s", login_c->tls_prefix, err);
	login_tls_loglevel = tc.loglevel;
	if (!tls_server_conf_has_cert(&tc)) {
		if (mandatory)
			log_fatal("%s_tls_%s needs a certificate: set "
			    "%s_tls_cert_file", login_c->tls_prefix,
			    login_c->wrapper ? "wrappermode" : "security_level",
			    login_c->tls_prefix);
		return;		/* "may" without a certificate: no STARTTLS */
	}
	if ((login_tls = tls_server_ctx_prepare(&tc, &err)) == NULL)
		log_fatal("%s", err);
}

void
login_init(const struct login_proto *p, const struct login_conf *conf)
{
	const char *paths[3];
	char *err = NULL, *session;

	login_p = p;
	login_c = conf;
	if ((login_mynets = netlist_new(var_mynetworks, &err)) == NULL)
		log_fatal("mynetworks: %s", err);
	login_tls_init();
	session = xasprintf("private/%s", conf->session);
	paths[LOGIN_DIAL_AUTH] = auth_proto.socket;
	paths[LOGIN_DIAL_SESSION] = session;
	paths[2] = NULL;
	login_dial_start(paths);
	free(session);
}

/* --- waiting --------------------------------------------------------- */

static void
login_event(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	login_run(arg);
}

static void
login_timer_fire(void *arg)
{
	struct login_conn *c = arg;

	c->timer = NULL;
	login_run(c);
}

void
login_watch(struct login_conn *c, int events)
{
	long long left;

	if (events != 0) {
		if (event_add_fd(server_loop(), c->fd, events, login_event,
		    c) < 0)
			log_fatal("event_add_fd: %m");
	} else
		event_del_fd(server_loop(), c->fd);
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	c->timer = NULL;
	if (events != 0 && (left = stream_timeout_left(c->s)) >= 0)
		c->timer = event_add_timer(server_loop(), left < 1 ? 1 : left,
		    login_timer_fire, c);
}

static void
login_next_fire(void *arg)
{
	struct login_conn *c = arg;

	c->next = NULL;
	login_run(c);
}

void
login_later(struct login_conn *c)
{
	if (c->next == NULL)
		c->next = event_add_timer(server_loop(), 0, login_next_fire, c);
}

/* --- the end --------------------------------------------------------- */

static void
login_log_end(struct login_conn *c, const char *why)
{
	long long secs = (monotime_ms() - c->start_ms) / 1000;
	const char *tls = c->s != NULL && tls_active(c->s) ? ", TLS" : "";

	if (c->attempts > 0)
		log_info("Disconnected%s%s (auth failed, %d attempt%s in %lld "
		    "secs): user=<%s>, method=%s, rip=%s, lip=%s%s",
		    why != NULL ? ": " : "", why != NULL ? why : "",
		    c->attempts, c->attempts == 1 ? "" : "s", secs, c->user,
		    c->mech, c->client, c->server, tls);
	else
		log_info("Disconnected%s%s (no auth attempts in %lld secs): "
		    "user=<>, rip=%s, lip=%s%s", why != NULL ? ": " : "",
		    why != NULL ? why : "", secs, c->client, c->server, tls);
}

void
login_close(struct login_conn *c, const char *why)
{
	if (!c->logged_in)
		login_log_end(c, why);
	event_del_fd(server_loop(), c->fd);
	if (c->timer != NULL)
		event_del_timer(server_loop(), c->timer);
	if (c->next != NULL)
		event_del_timer(server_loop(), c->next);
	login_auth_free(c);
	login_handoff_free(c);
	if (c->literal != NULL)
		explicit_bzero(c->literal->data, vbuf_len(c->literal));
	vbuf_free(&c->literal);
	stream_free(&c->s);
	server_disconnect(c->fd);
	free(c->pdata);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

/* --- the state machine ------------------------------------------------- */

/*
 * The command or SASL states: read and serve lines until we must wait
 * (0) or the connection is gone (-1: c was freed).
 */
static int
login_run_lines(struct login_conn *c)
{
	struct span line;
	ssize_t n;
	int r;

	while (c->state == LC_CMD || c->state == LC_SASL) {
		if (c->literal_len > 0) {
			n = stream_read_vbuf(c->s, c->literal, c->literal_len -
			    vbuf_len(c->literal));
			if (n > 0 && vbuf_len(c->literal) == c->literal_len) {
				c->literal_len = 0;
				r = login_p->literal(c, vbuf_str(c->literal),
				    vbuf_len(c->literal));
				explicit_bzero(c->literal->data,
				    vbuf_len(c->literal));
				vbuf_free(&c->literal);
				if (r < 0)
					login_hangup(c);
				continue;
			}
			if (n > 0)
				continue;
		} else
			n = stream_read_line(c->s, &line);
		if (n > 0) {
			if (c->state == LC_SASL)
				r = login_sasl_step(c, line.ptr, line.len);
			else
				r = login_p->command(c, line.ptr, line.len);
			/* UNSAFE: the line may hold a password; it is ours */
			explicit_bzero((void *)(uintptr_t)line.ptr, line.len);
			if (r < 0)
				login_hangup(c);
			continue;
		}
		if (n == -2) {
			if (login_p->too_long(c) < 0)
				login_hangup(c);
			continue;
		}
		if (n == 0)
			return 0;
		if (stream_error(c->s) == STREAM_ERR_TIMEOUT ||
		    stream_error(c->s) == STREAM_ERR_DEADLINE) {
			stream_set_deadline(c->s, 0);
			login_p->bye(c, "Disconnected for inactivity.");
			c->state = LC_CLOSING;
			stream_set_timeouts(c->s, 1000, 1000);
			(void)stream_flush(c->s);
			login_close(c, "Inactivity");
		} else
			login_close(c, NULL);
		return -1;
	}
	return 0;
}

void
login_run(struct login_conn *c)
{
	char *why = NULL;
	int r;

	for (;;) {
		switch (c->state) {
		case LC_STARTTLS:
			if ((r = stream_flush(c->s)) == 1) {
				login_watch(c, EVENT_WRITE);
				return;
			}
			if (r < 0) {
				login_close(c, NULL);
				return;
			}
			c->state = LC_HANDSHAKE;
			if ((r = tls_server_start(c->s, login_tls, &why)) < 0)
				goto tls_failed;
			continue;
		case LC_HANDSHAKE:
			if ((r = tls_handshake(c->s, &why)) == 1) {
				login_watch(c, stream_want(c->s));
				return;
			}
			if (r < 0)
				goto tls_failed;
			tls_log_established(c->s, "from", c->peer,
			    login_tls_loglevel);
			c->state = LC_CMD;
			if (c->greet_after_tls)
				login_p->greet(c);
			c->greet_after_tls = 0;
			continue;
		case LC_CMD:
		case LC_SASL:
			if (login_run_lines(c) < 0)
				return;
			if (c->state != LC_CMD && c->state != LC_SASL)
				continue;
			if ((r = stream_flush(c->s)) < 0) {
				login_close(c, NULL);
				return;
			}
			login_watch(c, EVENT_READ | (r == 1 ? EVENT_WRITE : 0));
			return;
		case LC_AUTH:
			if (c->areq == NULL && c->status != -1) {
				login_auth_after(c);	/* auth answered */
				continue;
			}
			/* FALLTHROUGH */
		case LC_HANDOFF:
			/* nothing is read meanwhile; replies go out */
			if ((r = stream_flush(c->s)) < 0) {
				login_close(c, NULL);
				return;
			}
			login_watch(c, r == 1 ? EVENT_WRITE : 0);
			return;
		case LC_RELAY:
			login_relay(c);
			return;
		case LC_CLOSING:
			if ((r = stream_flush(c->s)) == 1) {
				login_watch(c, EVENT_WRITE);
				return;
			}
			login_close(c, NULL);
			return;
		}
	}
tls_failed:
	log_info("TLS handshake failed from %s: %s", c->peer, why);
	err_free(&why);
	login_close(c, "TLS handshake failed");
}

/* --- a new connection ---------------------------------------------------- */

void
login_conn(int fd, const struct server_info *info)
{
	struct login_conn *c = xcalloc(1, sizeof(*c));
	char *why = NULL;

	(void)info;
	c->fd = fd;
	c->ufd = -1;
	c->status = -1;
	c->start_ms = monotime_ms();
	c->pdata = xcalloc(1, login_proto_size + 1);
	if (sock_peer_addr(fd, c->client, sizeof(c->client), c->client_port,
	    sizeof(c->client_port)) < 0)
		strlcpy(c->client, "", sizeof(c->client));
	if (sock_local_addr(fd, c->server, sizeof(c->server), c->server_port,
	    sizeof(c->server_port)) < 0)
		strlcpy(c->server, "", sizeof(c->server));
	snprintf(c->peer, sizeof(c->peer), "[%s]:%s", c->client,
	    c->client_port);
	/* replies go out whole; Nagle would hold a pipelined batch's last */
	(void)sock_set_nodelay(fd);
	c->trusted = netlist_match(login_mynets, c->client);
	if ((c->s = stream_new(fd, STREAM_F_NONBLOCK | STREAM_F_NOCLOSE)) ==
	    NULL)
		log_panic("stream_new: %m");
	stream_set_timeouts(c->s, login_ms(login_c->timeout),
	    login_ms(login_c->timeout));
	stream_set_line_limit(c->s, (size_t)login_c->line_max);
	if (login_c->wrapper) {
		c->greet_after_tls = 1;
		c->state = LC_HANDSHAKE;
		if (tls_server_start(c->s, login_tls, &why) < 0) {
			log_info("TLS handshake failed from %s: %s", c->peer,
			    why);
			err_free(&why);
			login_close(c, "TLS handshake failed");
			return;
		}
	} else {
		c->state = LC_CMD;
		login_p->greet(c);
	}
	login_run(c);
}

/* --- for the protocol ---------------------------------------------------- */

void
login_vreply(struct login_conn *c, const char *fmt, va_list ap)
{
	stream_vprintf(c->s, fmt, ap);
	stream_puts(c->s, "\r\n");
}

void
login_reply(struct login_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	login_vreply(c, fmt, ap);
	va_end(ap);
}

void
login_hangup(struct login_conn *c)
{
	c->state = LC_CLOSING;
}

int
login_read_literal(struct login_conn *c, size_t len)
{
	if (len > LOGIN_LITERAL_MAX || login_p->literal == NULL)
		return -1;
	if (len == 0) {
		if (login_p->literal(c, "", 0) < 0)
			login_hangup(c);
		return 0;
	}
	c->literal = vbuf_new(len + 1, len);
	c->literal_len = len;
	return 0;
}

int
login_tls_active(const struct login_conn *c)
{
	return tls_active(c->s);
}

int
login_tls_available(const struct login_conn *c)
{
	return login_tls != NULL && !tls_active(c->s);
}

int
login_tls_required(const struct login_conn *c)
{
	return login_c->tls == 2 && !tls_active(c->s);
}

void
login_starttls(struct login_conn *c)
{
	if (!login_tls_available(c))
		log_panic("login_starttls: no TLS to start");
	c->state = LC_STARTTLS;
}

int
login_plaintext_ok(const struct login_conn *c)
{
	return tls_active(c->s) || c->trusted || !login_c->auth_only;
}

const char *
login_client(const struct login_conn *c)
{
	return c->client;
}

struct stream *
login_stream(struct login_conn *c)
{
	return c->s;
}

void *
login_proto_data(struct login_conn *c)
{
	return c->pdata;
}
