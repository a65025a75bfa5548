/*
 * NAME
 *	ctl_master - postern start, stop, reload and status.
 *
 * DESCRIPTION
 *	These talk to the master through what it leaves in
 *	queue_directory/pid (master/master_lock.c): master.pid, locked for
 *	as long as the master runs (so a stale pid file is never taken for
 *	a live master, and no unrelated process is ever signalled), and
 *	master.state, which lists the sockets and the outcome of the last
 *	reload.
 *
 *	start	runs daemon_directory/master, which detaches once it is
 *		ready; with -f (or -d) the master runs in the foreground
 *		instead, logging on stderr, until Ctrl-C.
 *	stop	SIGTERM, then waits for the lock to be released.
 *	reload	SIGHUP, then waits for master.state to record the reload
 *		and reports the error when the master refused it.
 *	status	whether it runs, its pid, the configuration and queue
 *		directories, its sockets and the services it throttles
 *		(failing at startup) with their last error (exit 0 if
 *		running, 1 if not).
 *
 *	A broken main.cf does not stop these commands: each problem is a
 *	warning and its default is used (ctl_params.c), so a running
 *	master can always be inspected, reloaded and stopped.
 *
 * SECURITY
 *	Runs as the admin. Reads only the pid and state files; signals only
 *	the pid recorded in a file that is locked at that moment.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "mastercf.h"
#include "params.h"
#include "xmalloc.h"

#define CTL_WAIT_STEP_MS	50

struct ctl_master {
	char	 pidfile[PATH_MAX];
	char	 statefile[PATH_MAX];
	pid_t	 pid;		/* when running */
};

static void
ctl_sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Load main.cf (its problems are warnings: these commands must work on a
 * server whose main.cf was just broken) and find the master's files.
 */
static void
ctl_master_init(struct ctl_master *m)
{
	if (ctl_params_load() < 0)
		exit(1);
	snprintf(m->pidfile, sizeof(m->pidfile), "%s/pid/master.pid",
	    var_queue_directory);
	snprintf(m->statefile, sizeof(m->statefile), "%s/pid/master.state",
	    var_queue_directory);
	m->pid = 0;
}

/* Is the master running? Sets m->pid when it is. */
static int
ctl_master_running(struct ctl_master *m)
{
	char buf[32];
	ssize_t n;
	int fd, running;
	long pid;

	m->pid = 0;
	if ((fd = open(m->pidfile, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	running = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (running) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		pid = strtol(buf, NULL, 10);
		if (pid > 1)
			m->pid = (pid_t)pid;
		else
			running = 0;	/* locked but not yet written */
	}
	close(fd);
	return running;
}

/* A "key value" line of master.state, or NULL. Caller frees. */
static char *
ctl_state_get(const struct ctl_master *m, const char *key)
{
	FILE *fp;
	char *line = NULL, *val = NULL;
	size_t cap = 0, klen = strlen(key);
	ssize_t n;

	if ((fp = fopen(m->statefile, "re")) == NULL)
		return NULL;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			val = xstrdup(line + klen + 1);
			break;
		}
	}
	free(line);
	fclose(fp);
	return val;
}

static long
ctl_state_reloads(const struct ctl_master *m)
{
	char *v = ctl_state_get(m, "reloads");
	long n = v != NULL ? strtol(v, NULL, 10) : -1;

	free(v);
	return n;
}

static char *
ctl_master_path(void)
{
	return xasprintf("%s/master", var_daemon_directory);
}

static int
ctl_start(int argc, char **argv)
{
	struct ctl_master m;
	char *prog, confdir[PATH_MAX];
	const char *mode = NULL;
	struct mastercf *mcf;
	char *err;
	pid_t pid;
	int status;

	if (argc == 2 && (strcmp(argv[1], "-f") == 0 ||
	    strcmp(argv[1], "-d") == 0))
		mode = argv[1];
	else if (argc != 1) {
		fprintf(stderr, "usage: postern start [-f | -d]\n");
		return EX_USAGE_CTL;
	}
	ctl_master_init(&m);
	if (ctl_master_running(&m)) {
		fprintf(stderr, "postern: the master is already running "
		    "(pid %ld)\n", (long)m.pid);
		return 1;
	}
	prog = xasprintf("%s/master.cf", ctl_config_dir());
	if (mastercf_load(prog, &mcf, &err) < 0) {
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		free(prog);
		return 1;
	}
	mastercf_free(&mcf);
	free(prog);
	if (realpath(ctl_config_dir(), confdir) == NULL) {
		fprintf(stderr, "postern: %s: %s\n", ctl_config_dir(),
		    strerror(errno));
		return 1;
	}
	prog = ctl_master_path();
	if (mode != NULL) {
		execl(prog, prog, mode, "-c", confdir, (char *)NULL);
		fprintf(stderr, "postern: exec %s: %s\n", prog,
		    strerror(errno));
		free(prog);
		return 1;
	}
	if ((pid = fork()) < 0) {
		fprintf(stderr, "postern: fork: %s\n", strerror(errno));
		free(prog);
		return 1;
	}
	if (pid == 0) {
		execl(prog, prog, "-c", confdir, (char *)NULL);
		fprintf(stderr, "postern: exec %s: %s\n", prog,
		    strerror(errno));
		_exit(1);
	}
	free(prog);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "postern: the master did not start (see the "
		    "messages above or the mail log)\n");
		return 1;
	}
	ctl_master_running(&m);
	printf("postern: the master is running (pid %ld)\n", (long)m.pid);
	return 0;
}

static int
ctl_stop(int argc, char **argv)
{
	struct ctl_master m;
	long long waited, limit;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern stop\n");
		return EX_USAGE_CTL;
	}
	ctl_master_init(&m);
	if (!ctl_master_running(&m)) {
		fprintf(stderr, "postern: the master is not running\n");
		return 1;
	}
	if (kill(m.pid, SIGTERM) < 0) {
		fprintf(stderr, "postern: kill %ld: %s\n", (long)m.pid,
		    strerror(errno));
		return 1;
	}
	/* the master kills what is left after master_stop_timeout */
	limit = (var_master_stop_timeout + 10) * 1000;
	for (waited = 0; waited < limit; waited += CTL_WAIT_STEP_MS) {
		if (!ctl_master_running(&m)) {
			printf("postern: the master has stopped\n");
			return 0;
		}
		ctl_sleep_ms(CTL_WAIT_STEP_MS);
	}
	fprintf(stderr, "postern: the master (pid %ld) has not stopped after "
	    "%llds\n", (long)m.pid, limit / 1000);
	return 1;
}

static int
ctl_reload(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern reload\n");
		return EX_USAGE_CTL;
	}
	return ctl_master_reload();
}

int
ctl_master_is_running(void)
{
	struct ctl_master m;

	ctl_master_init(&m);
	return ctl_master_running(&m);
}

int
ctl_master_reload(void)
{
	struct ctl_master m;
	long before, now;
	int waited;
	char *err;

	ctl_master_init(&m);
	if (!ctl_master_running(&m)) {
		fprintf(stderr, "postern: the master is not running\n");
		return 1;
	}
	before = ctl_state_reloads(&m);
	if (kill(m.pid, SIGHUP) < 0) {
		fprintf(stderr, "postern: kill %ld: %s\n", (long)m.pid,
		    strerror(errno));
		return 1;
	}
	for (waited = 0; waited < 30000; waited += CTL_WAIT_STEP_MS) {
		now = ctl_state_reloads(&m);
		if (now > before) {
			if ((err = ctl_state_get(&m, "reload_error")) != NULL) {
				fprintf(stderr, "postern: reload refused, the "
				    "running configuration stays: %s\n", err);
				free(err);
				return 1;
			}
			printf("postern: the master has reloaded its "
			    "configuration\n");
			return 0;
		}
		ctl_sleep_ms(CTL_WAIT_STEP_MS);
	}
	fprintf(stderr, "postern: sent SIGHUP to the master (pid %ld), but "
	    "it has not confirmed the reload\n", (long)m.pid);
	return 1;
}

/* "SERVICE/TYPE UNTIL WHY" from the state file. */
static void
ctl_status_throttled(char *rest)
{
	char *until, *why;
	long long t, left;

	if ((until = strchr(rest, ' ')) == NULL)
		return;
	*until++ = '\0';
	t = strtoll(until, &why, 10);
	why += strspn(why, " ");
	left = t - (long long)time(NULL);
	printf("  throttled: %s keeps failing at startup (%s); ", rest, why);
	if (left > 0)
		printf("the master tries again in %llds\n", left);
	else
		printf("the master tries again now\n");
}

static int
ctl_status(int argc, char **argv)
{
	struct ctl_master m;
	FILE *fp;
	char *line = NULL, *sp;
	size_t cap = 0;
	ssize_t n;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: postern status\n");
		return EX_USAGE_CTL;
	}
	ctl_master_init(&m);
	if (!ctl_master_running(&m)) {
		printf("postern: the master is not running (configuration "
		    "%s, queue %s)\n", ctl_config_dir(), var_queue_directory);
		return 1;
	}
	printf("postern: the master is running (pid %ld)\n", (long)m.pid);
	printf("  configuration directory %s, queue directory %s\n",
	    ctl_config_dir(), var_queue_directory);
	if ((fp = fopen(m.statefile, "re")) == NULL)
		return 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (strncmp(line, "listen ", 7) == 0 &&
		    (sp = strchr(line + 7, ' ')) != NULL) {
			*sp = '\0';
			printf("  listening on %s (%s)\n", sp + 1, line + 7);
		} else if (strncmp(line, "reload_error ", 13) == 0)
			printf("  last reload refused: %s\n", line + 13);
		else if (strncmp(line, "throttled ", 10) == 0)
			ctl_status_throttled(line + 10);
	}
	free(line);
	fclose(fp);
	return 0;
}

int
ctl_master(int argc, char **argv)
{
	if (strcmp(argv[0], "start") == 0)
		return ctl_start(argc, argv);
	if (strcmp(argv[0], "stop") == 0)
		return ctl_stop(argc, argv);
	if (strcmp(argv[0], "reload") == 0)
		return ctl_reload(argc, argv);
	return ctl_status(argc, argv);
}
