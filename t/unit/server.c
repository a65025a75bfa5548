/*
 * Unit tests for lib/server: the status record, and the single-client
 * skeleton run in a child with the descriptor layout the master gives
 * (status channel on 3, a listen socket on 4).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "log.h"
#include "tap.h"
#include "xmalloc.h"

static void
serve(int fd, const struct server_info *info)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "hi %s %lu\n", info->service,
	    info->use_count);
	if (write(fd, buf, (size_t)n) < 0)
		_exit(3);
}

/* Append the space-separated words of s to v, as writable copies. */
static void
addwords(char **v, int *n, const char *s)
{
	size_t len;

	while (*s != '\0' && *n < 30) {
		s += strspn(s, " ");
		if ((len = strcspn(s, " ")) == 0)
			break;
		v[(*n)++] = xstrndup(s, len);
		s += len;
	}
}

/*
 * A writable argv (setproctitle writes over it): the words of pre, then
 * mid as one argument (when not NULL), then the words of post.
 */
static char *argv_keep[32];	/* setproctitle moves argv: keep ours */

static char **
mkargv(const char *pre, const char *mid, const char *post)
{
	char **v = xcalloc(32, sizeof(char *));
	int n = 0;

	addwords(v, &n, pre);
	if (mid != NULL)
		v[n++] = xstrdup(mid);
	addwords(v, &n, post);
	memcpy(argv_keep, v, sizeof(argv_keep));
	return v;
}

static const struct server_spec spec = {
	.name = "test",
	.kind = SERVER_SINGLE,
	.conn = serve,
};

/* Receive one status record (bounded wait): 0 or -1. */
static int
get_status(int fd, struct server_status *st)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&p, 1, 20000) != 1)
		return -1;
	n = recv(fd, st, sizeof(*st), 0);
	return n == (ssize_t)sizeof(*st) ? 0 : -1;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		bail_out("connect %s: %s", path, strerror(errno));
	return fd;
}

static void
test_notify(void)
{
	struct server_status st;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));
	is_int(server_notify(sv[1], 7, SERVER_STATE_TAKEN), 0, "notify sends");
	is_int(recv(sv[0], &st, sizeof(st), 0), (long long)sizeof(st),
	    "one fixed-size record");
	is_int(st.pid, getpid(), "record: pid");
	is_int(st.gen, 7, "record: generation");
	is_int(st.state, SERVER_STATE_TAKEN, "record: state");
	close(sv[0]);
	is_int(server_notify(sv[1], 7, SERVER_STATE_AVAIL), -1,
	    "notify fails when the master end is gone");
	close(sv[1]);
}

static void
test_single(void)
{
	const char *dir = tap_tmpdir();
	char path[512], maincf[512], buf[128], *d = xstrdup(dir);
	struct server_status st;
	struct sockaddr_un sun;
	int sv[2], lfd, fd, status;
	FILE *fp;
	pid_t pid;
	ssize_t n;

	snprintf(maincf, sizeof(maincf), "%s/main.cf", dir);
	if ((fp = fopen(maincf, "w")) == NULL)
		bail_out("%s: %s", maincf, strerror(errno));
	fprintf(fp, "queue_directory = %s\nmax_use = 2\n", dir);
	/* as root the skeleton drops privileges: to a user that exists */
	if (geteuid() == 0) {
		fprintf(fp, "mail_owner = nobody\n");
		chmod(dir, 0755);
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 5) < 0)
		bail_out("listen %s: %s", path, strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));

	fflush(stdout);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		char **argv = mkargv("test -n svc -t unix -c", d,
		    "-s 1 -g 5 -d");
		int t3 = fcntl(sv[1], F_DUPFD, 10), t4 = fcntl(lfd, F_DUPFD, 10);

		if (dup2(t3, 3) < 0 || dup2(t4, 4) < 0)
			_exit(4);
		log_set_hook(NULL);	/* the child logs on stderr */
		/* stderr stays: the skeleton's info lines go to the TAP log */
		server_main(12, argv, &spec);
	}
	close(sv[1]);
	close(lfd);

	fd = connect_to(path);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "hi svc 1\n", "first client served, use count 1");
	close(fd);
	ok(get_status(sv[0], &st) == 0 && st.state == SERVER_STATE_TAKEN &&
	    st.pid == pid && st.gen == 5, "TAKEN with pid and generation");
	ok(get_status(sv[0], &st) == 0 && st.state == SERVER_STATE_AVAIL,
	    "then AVAIL");
	fd = connect_to(path);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "hi svc 2\n", "second client, use count 2");
	close(fd);
	ok(get_status(sv[0], &st) == 0 && st.state == SERVER_STATE_TAKEN,
	    "TAKEN again");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "exit 0 after max_use clients");

	/* a process exits when the status channel closes */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 5) < 0)
		bail_out("listen %s: %s", path, strerror(errno));
	fflush(stdout);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		char **argv = mkargv("test -n svc -t unix -c", d,
		    "-s 1 -g 6 -d");
		int t3 = fcntl(sv[1], F_DUPFD, 10), t4 = fcntl(lfd, F_DUPFD, 10);

		if (dup2(t3, 3) < 0 || dup2(t4, 4) < 0)
			_exit(4);
		log_set_hook(NULL);	/* the child logs on stderr */
		server_main(12, argv, &spec);
	}
	close(sv[1]);
	close(lfd);
	close(sv[0]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "exit 0 when the master's end of the status channel closes");
	unlink(path);
	free(d);
}

static void
run_bad_fd(void *arg)
{
	char **argv = mkargv("test -n svc -t unix", NULL, "-s 0");

	(void)arg;
	close(3);
	server_main(7, argv, &spec);
}

static void
run_bad_opt(void *arg)
{
	char **argv = mkargv("test -n svc -t unix", NULL, "-Z");

	(void)arg;
	server_main(6, argv, &spec);
}

int
main(void)
{
	char err[1024];
	int status;

	tap_init("server");
	test_notify();
	test_single();

	status = tap_fork(run_bad_fd, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "no status channel: fatal");
	like(err, "is started by the master", "and says why");
	status = tap_fork(run_bad_opt, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "unknown option: fatal");
	like(err, "-Z", "naming the option");
	return done_testing();
}
