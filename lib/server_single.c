/*
 * NAME
 *	server_single - the accept loop of a one-client-per-process daemon.
 *
 * DESCRIPTION
 *	poll() on the status channel and the listen sockets; accept one
 *	client, report TAKEN, serve it, report AVAIL. The status channel is
 *	looked at before any listen socket so that a retired process (after
 *	a reload or when the master is gone) takes no new client. Several
 *	processes share each listen socket; losing the accept race is
 *	normal (EAGAIN).
 *
 * SECURITY
 *	Runs jailed (server.c has dropped privileges before this loop).
 */
#include "config.h"

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
	struct pollfd pfd[1 + SERVER_LISTEN_MAX];
	int i, n = server_st.nlisten, r, timeout, fd;

	pfd[0].fd = SERVER_STATUS_FD;
	pfd[0].events = POLLIN;
	for (i = 0; i < n; i++) {
		pfd[1 + i].fd = SERVER_LISTEN_FD + i;
		pfd[1 + i].events = POLLIN;
	}
	timeout = -1;
	if (server_st.max_idle > 0)
		timeout = server_st.max_idle > INT_MAX / 1000 ? INT_MAX :
		    (int)server_st.max_idle * 1000;
	for (;;) {
		if (server_st.retired)
			server_exit(0);
		r = poll(pfd, (nfds_t)(1 + n), timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("poll: %m");
		}
		if (r == 0) {
			log_debug("idle for %llds: exiting",
			    server_st.max_idle);
			server_exit(0);
		}
		if (pfd[0].revents != 0 && server_status_eof())
			server_exit(0);
		for (i = 0; i < n; i++) {
			if (pfd[1 + i].revents == 0)
				continue;
			/* leave the client to a process with current tables */
			if (maps_changed())
				server_exit(0);
			fd = accept4(pfd[1 + i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EAGAIN || errno == EINTR ||
				    errno == ECONNABORTED)
					continue;
				/* out of fds or memory: let the master
				   start a fresh process */
				log_error("accept: %m");
				server_exit(1);
			}
			server_single_serve(fd, pfd[1 + i].fd);
			break;	/* look at the status channel again */
		}
	}
}
