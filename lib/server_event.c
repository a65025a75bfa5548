/*
 * NAME
 *	server_event - the event-driven skeletons: multi and trigger (and
 *	the loop of the datagram one, server_dgram.c).
 *
 * DESCRIPTION
 *	One process, the lib/event loop. MULTI hands each accepted client
 *	(non-blocking) to the service, which calls server_disconnect() when
 *	done. TRIGGER reads what one connection sends (one read, bounded,
 *	with a deadline), hands it to the service and closes it; the
 *	service may write a short answer first (server_info.reply_fd), or
 *	ask to keep the connection (server_trigger_keep): then what the
 *	client sends later is served in whole lines, until it closes the
 *	connection. At most SERVER_TRIGGER_KEPT are kept; they are not
 *	clients (a retiring process does not wait for them).
 *	Triggers come in bursts and their clients write before they are
 *	accepted: a wakeup accepts up to SERVER_ACCEPT_BATCH of them and
 *	serves each at once when its bytes are there, without a timer, an
 *	event registration or busy/idle reports (one pair, for the
 *	master's crash-loop check).
 *
 *	A MULTI process can always take one more client, so after each
 *	accept it reports TAKEN then AVAIL, as Postfix's multi server does:
 *	the master forks another process only if this one stops answering.
 *	When the status channel ends (master gone, or a reload retired this
 *	generation) the process stops accepting and exits once its last
 *	client is done; the master bounds how long that may take.
 *
 * SECURITY
 *	Runs jailed. A trigger connection can send at most
 *	SERVER_TRIGGER_MAX bytes and must do so within
 *	SERVER_TRIGGER_TIMEOUT; anything beyond is ignored.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "server.h"
#include "server_private.h"
#include "xmalloc.h"

#define SERVER_TRIGGER_TIMEOUT	(10 * 1000)	/* ms */
#define SERVER_TRIGGER_PART	64	/* a kept connection's line, at most */

struct server_trigger {
	int			 fd;
	int			 lfd;
	struct event_timer	*timer;
	size_t			 plen;	/* kept: a line's start, read */
	char			 part[SERVER_TRIGGER_PART];
};

#define SERVER_ACCEPT_BATCH	64	/* trigger clients per wakeup */
#define SERVER_TRIGGER_KEPT	256	/* connections kept open, at most */

static struct event_loop *server_ev;
static struct event_timer *server_idle_timer;
static unsigned long server_clients;
static int server_accepting;
static int server_keep_asked;		/* by the service, while serving */
static unsigned long server_kept;	/* trigger connections kept */

struct event_loop *
server_loop(void)
{
	if (server_ev == NULL && (server_ev = event_loop_new()) == NULL)
		log_fatal("event loop: %m");
	return server_ev;
}

static void
server_idle_fire(void *arg)
{
	(void)arg;
	server_idle_timer = NULL;
	log_debug("idle for %llds: exiting", server_st.max_idle);
	server_exit(0);
}

/* Arm the idle timer when there is nothing to do; disarm otherwise. */
static void
server_idle_update(void)
{
	if (server_clients > 0 || server_st.max_idle <= 0) {
		if (server_idle_timer != NULL)
			event_del_timer(server_ev, server_idle_timer);
		server_idle_timer = NULL;
		return;
	}
	if (server_idle_timer == NULL)
		server_idle_timer = event_add_timer(server_ev,
		    server_st.max_idle * 1000, server_idle_fire, NULL);
}

static void
server_stop_accepting(void)
{
	int i;

	if (!server_accepting)
		return;
	server_accepting = 0;
	for (i = 0; i < server_st.nlisten; i++)
		event_del_fd(server_ev, SERVER_LISTEN_FD + i);
}

/* After a client is done: retire, or go idle. */
static void
server_after_client(void)
{
	if (server_st.max_use > 0 &&
	    server_st.use_count >= (unsigned long)server_st.max_use)
		server_stop_accepting();
	if (!server_accepting || server_st.retired) {
		server_stop_accepting();
		if (server_clients == 0)
			server_exit(0);
		return;
	}
	server_idle_update();
}

static void
server_status_event(int fd, int events, void *arg)
{
	(void)events;
	(void)arg;
	if (!server_status_eof())
		return;
	event_del_fd(server_ev, fd);
	if (server_st.spec->kind == SERVER_DGRAM)
		server_dgram_drain();
	log_debug("status channel closed: finishing %lu client(s)",
	    server_clients);
	server_stop_accepting();
	if (server_clients == 0)
		server_exit(0);
}

/* A trigger connection ends: the service hears of it first. */
static void
server_trigger_close(int fd)
{
	if (server_st.spec->trigger_gone != NULL)
		server_st.spec->trigger_gone(fd);
	close(fd);
}

static void
server_trigger_done(struct server_trigger *t)
{
	if (t->timer != NULL)
		event_del_timer(server_ev, t->timer);
	event_del_fd(server_ev, t->fd);
	server_trigger_close(t->fd);
	free(t);
	server_clients--;
	server_report(SERVER_STATE_AVAIL);
	server_after_client();
}

static void
server_trigger_timeout(void *arg)
{
	struct server_trigger *t = arg;

	t->timer = NULL;
	log_warn("trigger client sent nothing in %ds; closing",
	    SERVER_TRIGGER_TIMEOUT / 1000);
	server_trigger_done(t);
}

/* Hand a trigger client's bytes to the service; it may answer on fd. */
static void
server_trigger_serve(const char *buf, size_t len, int fd, int lfd)
{
	struct server_info info;

	server_info_fill(&info, lfd, fd);
	server_st.spec->trigger(buf, len, &info);
}

void
server_trigger_keep(void)
{
	server_keep_asked = 1;
}

/*
 * Serve the first read of a trigger connection. A client that speaks in
 * lines may have been cut mid-line by that read: its whole lines are
 * served first, and when the service then keeps the connection, the cut
 * line waits for its rest like the later reads' (served as it is, it
 * would reach the service as two wrong requests). The length held back.
 */
static size_t
server_trigger_first(const char *buf, size_t len, int fd, int lfd)
{
	const char *nl;
	size_t cut = 0;

	for (nl = buf + len; nl > buf && nl[-1] != '\n'; nl--)
		;
	if (nl > buf && len - (size_t)(nl - buf) <= SERVER_TRIGGER_PART)
		cut = len - (size_t)(nl - buf);
	server_trigger_serve(buf, len - cut, fd, lfd);
	if (cut > 0 && !server_keep_asked) {
		server_trigger_serve(nl, cut, fd, lfd);
		cut = 0;
	}
	return cut;
}

/*
 * A kept connection sent more, or ended. Its requests are lines: the
 * service gets whole ones, and the start of a line that one read cut
 * waits for the rest (bounded: a longer one is dropped).
 */
static void
server_trigger_kept_read(int fd, int events, void *arg)
{
	struct server_trigger *t = arg;
	char buf[SERVER_TRIGGER_PART + SERVER_TRIGGER_MAX];
	char *nl;
	size_t have;
	ssize_t n;

	(void)events;
	memcpy(buf, t->part, t->plen);
	n = read(fd, buf + t->plen, SERVER_TRIGGER_MAX);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		have = t->plen + (size_t)n;
		t->plen = 0;
		for (nl = buf + have; nl > buf && nl[-1] != '\n'; nl--)
			;
		if (have - (size_t)(nl - buf) <= SERVER_TRIGGER_PART) {
			t->plen = have - (size_t)(nl - buf);
			memcpy(t->part, nl, t->plen);
		}
		if (nl > buf)
			server_trigger_serve(buf, (size_t)(nl - buf), fd,
			    t->lfd);
		server_keep_asked = 0;
		return;
	}
	event_del_fd(server_ev, fd);
	server_trigger_close(fd);
	free(t);
	server_kept--;
}

/*
 * After serving: keep the connection for more requests when the service
 * asked (server_trigger_keep) and there is room. A kept connection is
 * not a client: it does not keep a retiring process alive.
 */
static int
server_trigger_kept(int fd, int lfd, const char *part, size_t plen)
{
	struct server_trigger *t;
	int asked = server_keep_asked;

	server_keep_asked = 0;
	if (!asked || !server_accepting || server_kept >= SERVER_TRIGGER_KEPT) {
		if (plen > 0) {		/* not kept: the cut line as it is */
			server_trigger_serve(part, plen, fd, lfd);
			server_keep_asked = 0;
		}
		return 0;
	}
	t = xcalloc(1, sizeof(*t));
	t->fd = fd;
	t->lfd = lfd;
	memcpy(t->part, part, plen);
	t->plen = plen;
	if (event_add_fd(server_ev, fd, EVENT_READ, server_trigger_kept_read,
	    t) < 0) {
		free(t);
		return 0;
	}
	server_kept++;
	return 1;
}

static void
server_trigger_read(int fd, int events, void *arg)
{
	struct server_trigger *t = arg;
	char buf[SERVER_TRIGGER_MAX];
	ssize_t n;
	size_t cut = 0;
	int lfd = t->lfd;

	(void)events;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		cut = server_trigger_first(buf, (size_t)n, fd, lfd);
	if (n > 0 && server_keep_asked) {
		/* served: no longer a client, but maybe a kept connection */
		if (t->timer != NULL)
			event_del_timer(server_ev, t->timer);
		event_del_fd(server_ev, fd);
		free(t);
		server_clients--;
		server_report(SERVER_STATE_AVAIL);
		if (!server_trigger_kept(fd, lfd, buf + n - cut, cut))
			server_trigger_close(fd);
		server_after_client();
		return;
	}
	server_keep_asked = 0;
	server_trigger_done(t);
}

/*
 * A trigger client has usually written its request before it is
 * accepted: serve it at once, without a timer, an event registration
 * and busy/idle reports to the master. 1 when done (fd closed), 0 when
 * nothing is there yet.
 */
static int
server_trigger_now(int fd, int lfd)
{
	static int reported;
	char buf[SERVER_TRIGGER_MAX];
	ssize_t n;
	size_t cut = 0;

	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (!reported) {
		/* the master's crash-loop check wants one served client */
		reported = 1;
		server_report(SERVER_STATE_TAKEN);
		server_report(SERVER_STATE_AVAIL);
	}
	if (n > 0)
		cut = server_trigger_first(buf, (size_t)n, fd, lfd);
	if (n <= 0 || !server_trigger_kept(fd, lfd, buf + n - cut, cut))
		server_trigger_close(fd);
	/* the idle time counts from now */
	if (server_idle_timer != NULL) {
		event_del_timer(server_ev, server_idle_timer);
		server_idle_timer = NULL;
	}
	server_after_client();
	return 1;
}

static int server_accept_one(int);

static void
server_accept_event(int lfd, int events, void *arg)
{
	int i;

	(void)events;
	(void)arg;
	/* triggers come in bursts: take what is waiting, within reason */
	for (i = 0; i < SERVER_ACCEPT_BATCH && server_accepting; i++)
		if (server_accept_one(lfd) <= 0)
			break;
}

/* 1 when a client was accepted and a trigger served at once, else 0. */
static int
server_accept_one(int lfd)
{
	struct server_info info;
	struct server_trigger *t;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return 0;
		log_error("accept: %m");
		server_stop_accepting();
		if (server_clients == 0)
			server_exit(1);
		return 0;
	}
	server_st.use_count++;
	if (server_st.spec->kind == SERVER_TRIGGER &&
	    server_trigger_now(fd, lfd))
		return 1;
	server_clients++;
	server_idle_update();
	server_report(SERVER_STATE_TAKEN);
	if (server_st.spec->kind == SERVER_TRIGGER) {
		t = xcalloc(1, sizeof(*t));
		t->fd = fd;
		t->lfd = lfd;
		t->timer = event_add_timer(server_ev, SERVER_TRIGGER_TIMEOUT,
		    server_trigger_timeout, t);
		if (event_add_fd(server_ev, fd, EVENT_READ,
		    server_trigger_read, t) < 0)
			log_fatal("event_add_fd: %m");
		return 0;
	}
	server_info_fill(&info, lfd, -1);
	server_st.spec->conn(fd, &info);
	server_report(SERVER_STATE_AVAIL);
	if (server_st.max_use > 0 &&
	    server_st.use_count >= (unsigned long)server_st.max_use)
		server_stop_accepting();
	return 0;
}

void
server_disconnect(int fd)
{
	close(fd);
	if (server_clients == 0)
		log_panic("server_disconnect: no client to disconnect");
	server_clients--;
	server_after_client();
}

void
server_event_loop(void)
{
	int i;

	server_loop();
	if (event_add_fd(server_ev, SERVER_STATUS_FD, EVENT_READ,
	    server_status_event, NULL) < 0)
		log_fatal("event_add_fd: %m");
	if (server_st.spec->kind == SERVER_DGRAM)
		server_dgram_watch(server_ev);
	else
		for (i = 0; i < server_st.nlisten; i++)
			if (event_add_fd(server_ev, SERVER_LISTEN_FD + i,
			    EVENT_READ, server_accept_event, NULL) < 0)
				log_fatal("event_add_fd: %m");
	server_accepting = 1;
	server_idle_update();
	event_run(server_ev);
	server_exit(0);
}
