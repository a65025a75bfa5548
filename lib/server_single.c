/*
 * NAME
 *	server_single - the accept loop of a one-client-per-process daemon.
 *
 * DESCRIPTION
 *	epoll on the status channel and the listen sockets; accept one
 *	client, report TAKEN, serve it, report AVAIL. The status channel is
 *	looked at before any listen socket so that a retired process (after
 *	a reload or when the master is gone) takes no new client.
 *
 *	Several processes share each listen socket. With poll() every idle
 *	one woke for every new client and all but one lost the accept race:
 *	at 50 SMTP sessions, two wasted wakeups per connection (bench/run:
 *	12% more messages per second, 10% less CPU without them). The
 *	listen sockets are therefore registered with EPOLLEXCLUSIVE, and
 *	the kernel wakes one idle process per client. A process woken so
 *	must take the client or tell the master: one that leaves instead
 *	(its tables changed, it was retired) exits, and the master, seeing
 *	an idle process gone while a client waits, starts another
 *	(master_reap), whose new registration sees the waiting client.
 *
 * SECURITY
 *	Runs jailed (server.c has dropped privileges before this loop).
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "log.h"
#include "maps.h"
#include "server.h"
#include "server_private.h"

/* Serve one client on fd from listen socket lfd. */
static void
server_single_serve(int fd, int lfd)
{
	struct server_info info;

	server_st.use_count++;
	server_report(SERVER_STATE_TAKEN);
	server_info_fill(&info, lfd, -1);
	server_st.spec->conn(fd, &info);
	close(fd);
	if (server_st.max_use > 0 &&
	    server_st.use_count >= (unsigned long)server_st.max_use) {
		log_debug("served %lu clients: max_use reached, exiting",
		    server_st.use_count);
		server_exit(0);
	}
	if (maps_changed())
		server_exit(0);	/* a fresh process opens the new tables */
	server_report(SERVER_STATE_AVAIL);
}

void
server_single_loop(void)
{
	struct epoll_event ev, evs[1 + SERVER_LISTEN_MAX];
	int i, n = server_st.nlisten, r, timeout, fd, ep, lfd;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %m");
	ev.events = EPOLLIN;
	ev.data.fd = SERVER_STATUS_FD;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, SERVER_STATUS_FD, &ev) < 0)
		log_fatal("epoll_ctl: %m");
	for (i = 0; i < n; i++) {
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.fd = SERVER_LISTEN_FD + i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, SERVER_LISTEN_FD + i, &ev) < 0)
			log_fatal("epoll_ctl: %m");
	}
	timeout = -1;
	if (server_st.max_idle > 0)
		timeout = server_st.max_idle > INT_MAX / 1000 ? INT_MAX :
		    (int)server_st.max_idle * 1000;
	for (;;) {
		if (server_st.retired)
			server_exit(0);
		r = epoll_wait(ep, evs, 1 + n, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("epoll_wait: %m");
		}
		if (r == 0) {
			log_debug("idle for %llds: exiting",
			    server_st.max_idle);
			server_exit(0);
		}
		for (i = 0; i < r; i++)
			if (evs[i].data.fd == SERVER_STATUS_FD &&
			    server_status_eof())
				server_exit(0);
		for (i = 0; i < r; i++) {
			lfd = evs[i].data.fd;
			if (lfd == SERVER_STATUS_FD)
				continue;
			/* leave the client to a process with current tables */
			if (maps_changed())
				server_exit(0);
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EAGAIN || errno == EINTR ||
				    errno == ECONNABORTED)
					continue;
				/* out of fds or memory: let the master
				   start a fresh process */
				log_error("accept: %m");
				server_exit(1);
			}
			server_single_serve(fd, lfd);
			break;	/* look at the status channel again */
		}
	}
}
