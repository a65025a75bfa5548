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
 *	Several processes share each listen socket. Watched the usual way,
 *	every idle one wakes for every new client and all but one lose the
 *	accept race: at 50 SMTP sessions, two wasted wakeups per connection
 *	(bench/run: 12% more messages per second, 10% less CPU without
 *	them). Watched with EPOLLEXCLUSIVE, the kernel wakes one idle
 *	process per client, but with one client at a time that costs more
 *	than it saves (below). So a process switches to exclusive when it
 *	loses most of its accept races, and back after a while if it served
 *	clients there (one that served none is surplus and keeps its place
 *	in the listen socket's wait queue, behind those that serve).
 *
 *	Most lost races never reach the process: woken after another one
 *	has taken the client, it finds nothing ready and epoll_wait goes
 *	back to sleep in the kernel. So they are counted from its voluntary
 *	context switches during the wait (each sleep after the first
 *	followed a wakeup for nothing), and a shared wait returns at least
 *	every SINGLE_LOOK_MS to count them. Counting only the races seen,
 *	the processes a burst of 50 sessions left stayed shared and were
 *	each woken for every later client: some 26 wakeups a connection,
 *	and 10 sessions after 50 ran 20-30% slower than alone
 *	(bench/README, stop 24).
 *
 *	max_idle is the time since the last client, however often the
 *	process was woken meanwhile.
 *
 *	A process woken alone must take the client or tell the master: one
 *	that leaves instead (its tables changed, it was retired) exits, and
 *	the master, seeing an idle process gone while a client waits,
 *	starts another (master_reap), whose new registration sees the
 *	waiting client.
 *
 * SECURITY
 *	Runs jailed (server.c has dropped privileges before this loop).
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "log.h"
#include "maps.h"
#include "monotime.h"
#include "server.h"
#include "server_private.h"

/*
 * A program that opens no lookup table (imapd and pop3d, one process
 * per session) does not link lib/maps, nor Berkeley DB through it:
 * some 40 kB less per process. The reference is weak, so it pulls
 * nothing in; where maps are linked, it is the real function.
 */
#pragma weak maps_changed

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
	if (maps_changed != NULL && maps_changed())
		server_exit(0);	/* a fresh process opens the new tables */
	server_report(SERVER_STATE_AVAIL);
}

/*
 * How the listen sockets are watched. Shared (every idle process woken
 * for each client) costs wasted wakeups when many are idle; exclusive
 * (one woken) costs latency when few are: with one client at a time it
 * answered 15 to 18% fewer messages per second on a virtual machine
 * (the kernel then places the woken process less well). So a process
 * watches shared until it loses most accept races (more than
 * SINGLE_WASTE for each client it takes), and then exclusive for a while.
 */
#define SINGLE_SAMPLE		32	/* listen wakeups judged at once */
#define SINGLE_WASTE		8	/* lost races a client may cost */
#define SINGLE_EXCL_MS		10000	/* then exclusive this long */
#define SINGLE_LOOK_MS		1000	/* shared: count wakeups this often */

struct single_watch {
	int		 ep;
	int		 excl;
	int		 woken, lost;	/* listen wakeups, lost races */
	long long	 since;		/* ms when exclusive began */
	int		 served;	/* clients since then */
};

static void
single_watch_listen(struct single_watch *w, int excl)
{
	struct epoll_event ev;
	int i;

	for (i = 0; i < server_st.nlisten; i++) {
		if (w->excl >= 0)	/* registered before */
			(void)epoll_ctl(w->ep, EPOLL_CTL_DEL,
			    SERVER_LISTEN_FD + i, NULL);
		ev.events = EPOLLIN | (excl ? EPOLLEXCLUSIVE : 0);
		ev.data.fd = SERVER_LISTEN_FD + i;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, SERVER_LISTEN_FD + i,
		    &ev) < 0)
			log_fatal("epoll_ctl: %m");
	}
	w->excl = excl;
	w->woken = w->lost = 0;
	w->since = excl ? monotime_ms() : 0;
	w->served = 0;
}

/* After a wait: woken times, of which lost found the client taken. */
static void
single_watch_count(struct single_watch *w, int woken, int lost)
{
	if (w->excl) {
		w->served += woken - lost;
		if (monotime_ms() - w->since < SINGLE_EXCL_MS)
			return;
		if (w->served > 0)
			single_watch_listen(w, 0);	/* look again */
		else
			w->since = monotime_ms();	/* surplus: stay */
		return;
	}
	w->woken += woken;
	w->lost += lost;
	if (w->woken < SINGLE_SAMPLE)
		return;
	if (w->lost > SINGLE_WASTE * (w->woken - w->lost))
		single_watch_listen(w, 1);
	w->woken = w->lost = 0;
}

/* This process's voluntary context switches so far: one per sleep. */
static long
single_sleeps(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_nvcsw : 0;
}

/* The wait's timeout: -1, or ms; 0 when max_idle has passed. */
static int
single_timeout(const struct single_watch *w, long long last)
{
	long long left;
	int t = w->excl ? -1 : SINGLE_LOOK_MS;

	if (server_st.max_idle <= 0)
		return t;
	left = server_st.max_idle * 1000 - (monotime_ms() - last);
	if (left <= 0)
		return 0;
	return t < 0 || left < t ? (left > INT_MAX ? INT_MAX : (int)left) : t;
}

void
server_single_loop(void)
{
	struct epoll_event ev, evs[1 + SERVER_LISTEN_MAX];
	struct single_watch w;
	int i, n = server_st.nlisten, r, timeout, fd, lfd, quiet;
	long long last = monotime_ms();	/* the last client */
	long slept;

	if ((w.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %m");
	ev.events = EPOLLIN;
	ev.data.fd = SERVER_STATUS_FD;
	if (epoll_ctl(w.ep, EPOLL_CTL_ADD, SERVER_STATUS_FD, &ev) < 0)
		log_fatal("epoll_ctl: %m");
	w.excl = -1;		/* nothing registered yet */
	single_watch_listen(&w, 0);
	for (;;) {
		if (server_st.retired)
			server_exit(0);
		if ((timeout = single_timeout(&w, last)) == 0) {
			log_debug("idle for %llds: exiting",
			    server_st.max_idle);
			server_exit(0);
		}
		slept = single_sleeps();
		r = epoll_wait(w.ep, evs, 1 + n, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("epoll_wait: %m");
		}
		/*
		 * One sleep is the wait itself, ended by an event or the
		 * timeout; each further one followed a wakeup that found
		 * nothing ready: another process had taken the client.
		 */
		quiet = (int)(single_sleeps() - slept) - 1;
		if (quiet > 0)
			single_watch_count(&w, quiet, quiet);
		if (r == 0)
			continue;
		for (i = 0; i < r; i++)
			if (evs[i].data.fd == SERVER_STATUS_FD &&
			    server_status_eof())
				server_exit(0);
		for (i = 0; i < r; i++) {
			lfd = evs[i].data.fd;
			if (lfd == SERVER_STATUS_FD)
				continue;
			/* leave the client to a process with current tables */
			if (maps_changed != NULL && maps_changed())
				server_exit(0);
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EAGAIN || errno == EINTR ||
				    errno == ECONNABORTED) {
					single_watch_count(&w, 1, 1);
					continue;
				}
				/* out of fds or memory: let the master
				   start a fresh process */
				log_error("accept: %m");
				server_exit(1);
			}
			single_watch_count(&w, 1, 0);
			server_single_serve(fd, lfd);
			last = monotime_ms();
			break;	/* look at the status channel again */
		}
	}
}
