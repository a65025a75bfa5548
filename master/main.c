/*
 * NAME
 *	master - the Postern supervisor: options, signals, the run loop.
 *
 * SYNOPSIS
 *	master [-fdv] [-c confdir]
 *
 * DESCRIPTION
 *	Reads main.cf and master.cf, takes the instance lock, creates the
 *	listen sockets and starts service processes on demand (see
 *	master_spawn.c); SIGHUP reloads (master_reload.c), SIGTERM and
 *	SIGINT stop (master_reap.c). Without -f or -d it detaches and logs
 *	to syslog; the parent exits 0 only once the daemon is ready, so
 *	`postern start` reports startup errors.
 *	  -f  stay in the foreground, logs on stderr (children's too)
 *	  -d  as -f, plus debug logging
 *	  -v  debug logging (passed on to the children)
 *
 * SECURITY
 *	The only long-lived root process. It reads only its own
 *	configuration and the fixed-size status records of its children,
 *	which it treats as gossip: a record can only spoil the accounting of
 *	the service it came from. It never reads from a client socket.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fsat.h"
#include "log.h"
#include "master.h"
#include "params.h"
#include "priv.h"
#include "qfile.h"
#include "xmalloc.h"

struct event_loop *master_ev;
struct master_service_list master_services =
    TAILQ_HEAD_INITIALIZER(master_services);
struct master_child_list master_children =
    TAILQ_HEAD_INITIALIZER(master_children);
const char *master_confdir;
char *master_qdir;
int master_foreground;
int master_verbose;
int master_stopping;
pid_t master_pid;

static int master_sigpipe[2] = { -1, -1 };

static void
master_usage(void)
{
	fprintf(stderr, "usage: master [-fdv] [-c confdir]\n");
	exit(64);
}

static void
master_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	/* a full pipe already holds a wakeup: losing this byte is fine */
	if (write(master_sigpipe[1], &c, 1) < 0)
		errno = saved;
	errno = saved;
}

static void
master_signal_event(int fd, int events, void *arg)
{
	unsigned char sigs[64];
	ssize_t n, i;

	(void)events;
	(void)arg;
	while ((n = read(fd, sigs, sizeof(sigs))) > 0) {
		for (i = 0; i < n; i++) {
			switch (sigs[i]) {
			case SIGCHLD:
				master_reap();
				break;
			case SIGHUP:
				if (!master_stopping)
					master_reload();
				break;
			case SIGTERM:
			case SIGINT:
				if (master_stopping) {
					log_info("signal %d while stopping: "
					    "killing the remaining processes",
					    sigs[i]);
					master_kill_all(SIGKILL);
				} else {
					log_info("terminating on signal %d",
					    sigs[i]);
					master_stop();
				}
				break;
			}
		}
	}
}

static void
master_signals(void)
{
	struct sigaction sa;

	if (pipe2(master_sigpipe, O_NONBLOCK | O_CLOEXEC) < 0)
		log_fatal("pipe: %m");
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = master_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (event_add_fd(master_ev, master_sigpipe[0], EVENT_READ,
	    master_signal_event, NULL) < 0)
		log_fatal("event_add_fd: %m");
}

/*
 * Detach: the parent waits until the daemon says it is ready (one byte
 * on a pipe) and exits 0, or exits 1 when the pipe closes without it
 * (the daemon has already logged why, on stderr too).
 */
static int
master_detach(void)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		log_fatal("pipe: %m");
	if ((pid = fork()) < 0)
		log_fatal("fork: %m");
	if (pid > 0) {
		close(pfd[1]);
		_exit(read(pfd[0], &c, 1) == 1 ? 0 : 1);
	}
	close(pfd[0]);
	if (setsid() < 0)
		log_fatal("setsid: %m");
	return pfd[1];
}

static void
master_ready(int readyfd)
{
	int fd;

	if (readyfd < 0)
		return;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	master_log_detached();
	if (write(readyfd, "", 1) < 0)
		log_warn("telling the parent we are ready: %m");
	close(readyfd);
}

/*
 * Root acts by name in the queue directory (pid/, etc/, private/ and
 * public/ in it): nobody else may be able to write there (lib/fsat.h).
 */
static void
master_check_qdir(void)
{
	char *err;
	int fd;

	if (geteuid() != 0)
		return;
	if ((fd = fsat_dir_open(master_qdir, 0, 022, &err)) < 0)
		log_fatal("queue_directory %s: only root may write in it "
		    "(postern setup fixes that)", err);
	close(fd);
}

/* Root runs the services as mail_owner: it must exist. */
static void
master_check_users(void)
{
	struct priv_user pu;
	const char *err;

	if (geteuid() != 0)
		return;
	if (priv_lookup(var_mail_owner, &pu, &err) < 0)
		log_fatal("mail_owner \"%s\": %s; create it with: useradd "
		    "--system --home-dir %s --shell /usr/sbin/nologin %s",
		    var_mail_owner, err, master_qdir, var_mail_owner);
	if (pu.uid == 0)
		log_fatal("mail_owner \"%s\" has uid 0: use an unprivileged "
		    "user", var_mail_owner);
}

/*
 * What is worth saying once per start, here rather than by each
 * process: services that keep the master's uid, a log that goes
 * nowhere, and a queue manager that cannot hold
 * qmgr_message_active_limit files open.
 */
static void
master_start_notes(void)
{
	struct rlimit rl;
	size_t room;

	if (geteuid() != 0)
		log_info("not running as root: every service runs as uid %lu "
		    "too, without a privilege drop or a chroot",
		    (unsigned long)geteuid());
	if (!master_foreground && !master_log_active() &&
	    !log_syslog_reachable())
		log_warn("nothing will keep the log: maillog_file is empty and "
		    "no syslog daemon listens on %s; set maillog_file "
		    "(postern.conf(5)), start a syslog daemon, or run postern "
		    "start -f to see the log on the terminal",
		    LOG_SYSLOG_PATH);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	/* qmgr raises its soft limit to the hard one */
	room = qfile_fd_room(rl.rlim_max == RLIM_INFINITY ? ~0ULL :
	    (unsigned long long)rl.rlim_max);
	if (room < (size_t)var_qmgr_message_active_limit)
		log_info("qmgr_message_active_limit is %d but the descriptor "
		    "limit allows %zu active messages",
		    (int)var_qmgr_message_active_limit, room);
}

int
main(int argc, char **argv)
{
	struct mastercf *mcf;
	char *err, confbuf[PATH_MAX];
	const char *confdir = NULL;
	int ch, readyfd = -1;

	priv_title_init(argc, argv);
	log_init("master", LOG_TO_STDERR);
	while ((ch = getopt(argc, argv, "c:dfv")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'd':
			master_verbose++;
			/* FALLTHROUGH */
		case 'f':
			master_foreground = 1;
			break;
		case 'v':
			master_verbose++;
			break;
		default:
			master_usage();
		}
	}
	if (optind != argc)
		master_usage();
	if (confdir == NULL && (confdir = getenv("POSTERN_CONFIG_DIR")) ==
	    NULL)
		confdir = DEF_CONFIG_DIR;
	if (realpath(confdir, confbuf) == NULL)
		log_fatal("configuration directory %s: %m", confdir);
	master_confdir = xstrdup(confbuf);
	if (master_verbose > 0)
		log_set_level(LOG_LEVEL_DEBUG);
	if (!master_foreground) {
		readyfd = master_detach();
		log_init("master", LOG_TO_STDERR | LOG_TO_SYSLOG);
	}
	master_pid = getpid();
	umask(022);

	if (master_conf_read(&mcf, &err) < 0)
		log_fatal("%s", err);
	master_qdir = xstrdup(var_queue_directory);
	if (chdir(master_qdir) < 0)
		log_fatal("queue_directory %s: %m", master_qdir);
	master_check_qdir();
	master_check_users();
	master_lock();
	log_set_cleanup(master_unlock);
	master_etc_update();

	if ((master_ev = event_loop_new()) == NULL)
		log_fatal("event loop: %m");
	master_signals();
	master_listen_dirs();
	if (master_log_prepare(mcf, &err) < 0 || master_apply(mcf, &err) < 0)
		log_fatal("%s", err);
	mastercf_free(&mcf);
	master_log_commit();
	master_start_notes();
	master_state_write();
	priv_title("master");
	log_info("daemon started -- version %s, configuration %s",
	    PACKAGE_VERSION, master_confdir);
	master_ready(readyfd);
	event_run(master_ev);
	return 0;
}
