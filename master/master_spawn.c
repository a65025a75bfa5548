/*
 * NAME
 *	master_spawn - start service processes, and send wakeups.
 *
 * DESCRIPTION
 *	A service's listen sockets are watched only while none of its
 *	processes is idle (master_service_update). When a client is waiting
 *	the master forks a process, counts it as idle until it reports
 *	otherwise, and so starts at most one process per waiting client
 *	burst, up to maxproc.
 *
 *	The child gets the fixed descriptor layout of lib/server.h (status
 *	channel on 3, listen sockets from 4, then the log descriptor when
 *	maillog_file is set), the parent-death signal, and is exec'd with
 *	the options the skeleton expects.
 *
 *	Wakeups: a unix service with a wakeup time gets a connection that
 *	writes "W" every so many seconds (the first one right at start,
 *	unless the time ends in '?', in which case none is sent before the
 *	service has been used once).
 *
 * SECURITY
 *	Runs as root. Between fork and exec the child only moves
 *	descriptors and resets signals; privileges are dropped by the
 *	program itself (lib/server.c) before it reads from any client.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "master.h"
#include "params.h"
#include "server.h"
#include "xmalloc.h"

static void master_wakeup_fire(void *);

/* Watch the listen sockets exactly when a new process may be needed. */
void
master_service_update(struct master_service *svc)
{
	int at_limit, want;

	at_limit = svc->maxproc > 0 && svc->total >= svc->maxproc;
	if (!at_limit)
		svc->saturated = 0;
	want = !master_stopping && !svc->throttled && svc->nlisten > 0 &&
	    svc->avail == 0 && !(at_limit && (svc->maxproc == 1 ||
	    svc->saturated)) && master_log_may_spawn(svc);
	master_listen_watch(svc, want);
}

static void
master_spawn_argv_add(char ***vp, size_t *np, char *s)
{
	*vp = xreallocarray(*vp, *np + 2, sizeof(char *));
	(*vp)[(*np)++] = s;
	(*vp)[*np] = NULL;
}

static char **
master_spawn_argv(struct master_service *svc)
{
	char **v = NULL;
	size_t n = 0;
	int i;

	master_spawn_argv_add(&v, &n, xstrdup(svc->path));
	master_spawn_argv_add(&v, &n, xstrdup("-n"));
	master_spawn_argv_add(&v, &n, xstrdup(svc->name));
	master_spawn_argv_add(&v, &n, xstrdup("-t"));
	master_spawn_argv_add(&v, &n, xstrdup(mastercf_type_name(svc->type)));
	master_spawn_argv_add(&v, &n, xstrdup("-c"));
	master_spawn_argv_add(&v, &n, xstrdup(master_confdir));
	master_spawn_argv_add(&v, &n, xstrdup("-s"));
	master_spawn_argv_add(&v, &n, xasprintf("%d", svc->nlisten));
	master_spawn_argv_add(&v, &n, xstrdup("-g"));
	master_spawn_argv_add(&v, &n, xasprintf("%u", svc->gen));
	if (svc->unpriv)
		master_spawn_argv_add(&v, &n, xstrdup("-u"));
	if (svc->chroot)
		master_spawn_argv_add(&v, &n, xstrdup("-r"));
	if (master_foreground)
		master_spawn_argv_add(&v, &n, xstrdup("-d"));
	if (master_log_fd_for(svc) >= 0)
		master_spawn_argv_add(&v, &n, xstrdup("-l"));
	for (i = 0; i < master_verbose; i++)
		master_spawn_argv_add(&v, &n, xstrdup("-v"));
	for (i = 0; svc->args[i] != NULL; i++)
		master_spawn_argv_add(&v, &n, xstrdup(svc->args[i]));
	return v;
}

static void
master_spawn_argv_free(char **v)
{
	size_t i;

	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* In the child: descriptors into place, signals reset, exec. */
static void __attribute__((noreturn))
master_spawn_exec(struct master_service *svc, char **argv)
{
	int tmp[2 + SERVER_LISTEN_MAX], n = svc->nlisten, i, logfd;
	int top = SERVER_LISTEN_FD + n + 1;
	sigset_t none;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != master_pid)
		_exit(1);

	/* first above every target, then each into its place */
	tmp[0] = fcntl(svc->status[1], F_DUPFD, top);
	for (i = 0; i < n; i++)
		tmp[1 + i] = fcntl(svc->listen[i].fd, F_DUPFD, top);
	/* -l: the log descriptor right after the listen sockets */
	if ((logfd = master_log_fd_for(svc)) >= 0)
		tmp[1 + n++] = fcntl(logfd, F_DUPFD, top);
	for (i = 0; i <= n; i++)
		if (tmp[i] < 0 || dup2(tmp[i], SERVER_STATUS_FD + i) < 0) {
			log_error("%s: set up descriptors: %m", svc->path);
			_exit(1);
		}
	closefrom(top);
	execv(svc->path, argv);
	log_error("exec %s: %m", svc->path);
	_exit(1);
}

void
master_spawn(struct master_service *svc)
{
	struct master_child *child;
	char **argv;
	pid_t pid;

	if (svc->maxproc > 0 && svc->total >= svc->maxproc)
		return;
	argv = master_spawn_argv(svc);
	if ((pid = fork()) < 0) {
		log_error("fork: %m");
		master_spawn_argv_free(argv);
		master_throttle(svc);
		return;
	}
	if (pid == 0)
		master_spawn_exec(svc, argv);
	master_spawn_argv_free(argv);
	child = xcalloc(1, sizeof(*child));
	child->pid = pid;
	child->svc = svc;
	child->gen = svc->gen;
	child->avail = 1;
	child->path = xstrdup(svc->path);
	child->log = master_log_is_service(svc);
	TAILQ_INSERT_TAIL(&master_children, child, entry);
	svc->total++;
	svc->avail++;
	svc->used = 1;
	log_debug("service %s/%s: started %s pid %ld", svc->name,
	    mastercf_type_name(svc->type), svc->path, (long)pid);
	master_service_update(svc);
}

/* Arm the next wakeup; first: the one at start (or after a reload). */
void
master_wakeup_arm(struct master_service *svc, int first)
{
	if (svc->wakeup <= 0 || svc->type != MASTERCF_UNIX ||
	    svc->nlisten == 0)
		return;
	if (svc->wakeup_timer != NULL)
		event_del_timer(master_ev, svc->wakeup_timer);
	svc->wakeup_timer = event_add_timer(master_ev,
	    first ? 0 : (long long)svc->wakeup * 1000, master_wakeup_fire,
	    svc);
}

/* Connect to the service's own socket and write "W"; never block. */
static void
master_wakeup_send(struct master_service *svc)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, svc->listen[0].path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		log_error("socket: %m");
		return;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		log_debug("wakeup %s: %m", svc->listen[0].path);
	else if (send(fd, "W", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("wakeup %s: %m", svc->listen[0].path);
	close(fd);
}

static void
master_wakeup_fire(void *arg)
{
	struct master_service *svc = arg;

	svc->wakeup_timer = NULL;
	if (master_stopping)
		return;
	if (!svc->throttled && (!svc->wakeup_if_used || svc->used))
		master_wakeup_send(svc);
	master_wakeup_arm(svc, 0);
}
