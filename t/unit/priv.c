/*
 * Unit tests for lib/priv. As root the drop is done for real in forked
 * children (to nobody, chrooted into a fresh directory) and checked from
 * inside and from /proc/<pid>; without root those tests are skipped and
 * development mode is checked instead.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"
#include "tap.h"

#define NOBODY		"nobody"

static struct priv_user nobody;
static char jail[PATH_MAX];
static struct stat jail_st;

static void
test_lookup(void)
{
	struct priv_user pu;
	const char *err;

	is_int(priv_lookup(NOBODY, &nobody, &err), 0, "lookup nobody");
	ok(nobody.uid != 0 && nobody.gid != 0, "nobody is not root");
	is_str(nobody.name, NOBODY, "name filled in");
	is_int(priv_lookup("0", &pu, &err), 0, "lookup by number");
	ok(pu.uid == 0 && strcmp(pu.name, "root") == 0, "uid 0 is root");
	is_int(priv_lookup("no-such-user-postern", &pu, &err), -1,
	    "unknown user");
	is_str(err, "no such user", "unknown user: reason");
	is_int(priv_lookup("", &pu, &err), -1, "empty name");
	is_int(priv_lookup(NULL, &pu, &err), -1, "NULL name");
	is_int(priv_lookup("99999999999", &pu, &err), -1,
	    "numeric id out of range");
	is_int(priv_lookup("4294967295", &pu, &err), -1,
	    "(uid_t)-1 is not a user");
}

static void
test_title(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	priv_title("idle, %d clients", 3);
	fd = open("/proc/self/cmdline", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "postern/priv: idle, 3 clients",
	    "process title in /proc/self/cmdline");
}

static void
child_dev_mode(void *arg)
{
	struct priv_user pu = { 4242, 4242, "someone" };

	(void)arg;
	if (geteuid() == 0)
		priv_drop(NOBODY, NULL);	/* become unprivileged first */
	log_set_level(LOG_LEVEL_DEBUG);		/* the notes are debug lines */
	priv_drop("postern-no-such-user", "/nonexistent/jail");
	priv_drop_to(&pu, NULL);
	priv_drop(NULL, NULL);			/* nothing asked: silent */
	priv_no_fork();
	fprintf(stderr, "uid=%lu\n", (unsigned long)getuid());
}

static void
test_dev_mode(void)
{
	char err[4096], want[64], *p;
	int status, lines = 0;

	status = tap_fork(child_dev_mode, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "not root: priv_drop returns");
	like(err, "debug: not running as root: staying uid ",
	    "one debug line");
	like(err, "not dropping to postern-no-such-user, not chrooting to "
	    "/nonexistent/jail", "naming what was skipped");
	like(err, "not dropping to someone\n", "priv_drop_to the same");
	for (p = err; (p = strstr(p, "not running as root")) != NULL; p++)
		lines++;
	is_int(lines, 2, "one line per call, none when nothing was asked");
	snprintf(want, sizeof(want), "uid=%lu\n", geteuid() == 0 ?
	    (unsigned long)nobody.uid : (unsigned long)getuid());
	like(err, want, "ids unchanged");
	ok(strstr(err, "fatal") == NULL, "nothing fatal");
}

/* Read a "Name:\tv1\tv2..." line of a status text into vals. */
static int
status_ids(const char *text, const char *name, unsigned long *vals, int max)
{
	const char *p;
	char *end;
	int n = 0;

	if ((p = strstr(text, name)) == NULL)
		return -1;
	p += strlen(name);
	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		vals[n++] = strtoul(p, &end, 10);
		p = end;
	}
	return n;
}

/* Uid, Gid and Groups of a /proc status text all say nobody. */
static int
status_is_nobody(const char *text)
{
	unsigned long v[8];
	int i, n;

	if (status_ids(text, "\nUid:", v, 8) != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (v[i] != nobody.uid)
			return 0;
	if (status_ids(text, "\nGid:", v, 8) != 4)
		return 0;
	for (i = 0; i < 4; i++)
		if (v[i] != nobody.gid)
			return 0;
	n = status_ids(text, "\nGroups:", v, 8);
	return n == 1 && v[0] == nobody.gid;
}

/*
 * The real drop: a child drops to nobody in the jail, reports what it
 * sees from inside, then waits while we look at it from /proc.
 */
static void
test_root_drop(void)
{
	char report[8192], text[8192], proc[64], root[PATH_MAX];
	int rep[2], go[2], sfd, status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(rep) < 0 || pipe(go) < 0)
		bail_out("pipe: %s", strerror(errno));
	fflush(stdout);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		struct stat st;
		FILE *out;
		char c, cwd[PATH_MAX];

		close(rep[0]);
		close(go[1]);
		log_set_hook(NULL);
		/* opened before the jail hides /proc; read after the drop */
		sfd = open("/proc/self/status", O_RDONLY);
		out = fdopen(rep[1], "w");
		priv_drop(NOBODY, jail);
		n = pread(sfd, text, sizeof(text) - 1, 0);
		text[n > 0 ? n : 0] = '\0';
		fprintf(out, "status_nobody=%d\n", status_is_nobody(text));
		fprintf(out, "root_is_jail=%d\n", stat("/", &st) == 0 &&
		    st.st_dev == jail_st.st_dev && st.st_ino == jail_st.st_ino);
		fprintf(out, "marker=%d\n", access("/marker", F_OK) == 0);
		fprintf(out, "etc_passwd=%d\n", access("/etc/passwd", F_OK) == 0);
		fprintf(out, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		fprintf(out, "setuid0=%d\n", setuid(0));
		fprintf(out, "seteuid0=%d\n", seteuid(0));
		fprintf(out, "setgid0=%d\n", setgid(0));
		fprintf(out, "no_new_privs=%d\n",
		    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		fclose(out);
		if (read(go[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(rep[1]);
	close(go[0]);
	while (got < sizeof(report) - 1 &&
	    (n = read(rep[0], report + got, sizeof(report) - 1 - got)) > 0)
		got += (size_t)n;
	report[got] = '\0';
	close(rep[0]);

	/* from outside, while the child is still there */
	snprintf(proc, sizeof(proc), "/proc/%ld/status", (long)pid);
	{
		int fd = open(proc, O_RDONLY);

		n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
		text[n > 0 ? n : 0] = '\0';
		if (fd >= 0)
			close(fd);
	}
	ok(status_is_nobody(text), "/proc/<pid>/status: Uid, Gid, Groups "
	    "all nobody");
	snprintf(proc, sizeof(proc), "/proc/%ld/root", (long)pid);
	n = readlink(proc, root, sizeof(root) - 1);
	root[n > 0 ? n : 0] = '\0';
	is_str(root, jail, "/proc/<pid>/root is the jail");
	if (write(go[1], "x", 1) != 1)
		bail_out("write: %s", strerror(errno));
	close(go[1]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exits 0");

	like(report, "status_nobody=1\n", "inside: /proc/self/status says "
	    "nobody in all slots, one group");
	like(report, "root_is_jail=1\n", "inside: / is the jail");
	like(report, "marker=1\n", "inside: the jail's file is at /marker");
	like(report, "etc_passwd=0\n", "inside: the real / is out of sight");
	like(report, "cwd=/\n", "inside: cwd is /");
	like(report, "setuid0=-1\n", "setuid(0) fails");
	like(report, "seteuid0=-1\n", "seteuid(0) fails");
	like(report, "setgid0=-1\n", "setgid(0) fails");
	like(report, "no_new_privs=1\n", "PR_SET_NO_NEW_PRIVS is set");
}

static void
child_drop(void *arg)
{
	const char *const *a = arg;

	priv_drop(a[0], a[1]);
}

static void
child_drop_to_gid0(void *arg)
{
	struct priv_user pu = nobody;

	(void)arg;
	pu.gid = 0;
	priv_drop_to(&pu, NULL);
}

static void
child_chroot_only(void *arg)
{
	struct stat st;

	(void)arg;
	priv_drop(NULL, jail);
	if (getuid() != 0 || stat("/", &st) < 0 ||
	    st.st_ino != jail_st.st_ino || st.st_dev != jail_st.st_dev)
		_exit(2);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		_exit(3);
}

static void
test_root_fatal(void)
{
	static const char *const unknown[] = { "no-such-user-postern", NULL };
	static const char *const root[] = { "root", NULL };
	static const char *const badjail[] = { NOBODY, "/nonexistent/jail" };
	char err[4096];
	int status;

	status = tap_fork(child_drop, (void *)(uintptr_t)unknown, err,
	    sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "unknown user: fatal");
	like(err, "fatal: cannot drop privileges to user "
	    "no-such-user-postern: no such user", "unknown user: message");

	status = tap_fork(child_drop, (void *)(uintptr_t)root, err,
	    sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "dropping to root: fatal");
	like(err, "refusing to drop privileges to root", "root: message");

	status = tap_fork(child_drop_to_gid0, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "gid 0: fatal");
	like(err, "refusing to drop privileges to nobody", "gid 0: message");

	status = tap_fork(child_drop, (void *)(uintptr_t)badjail, err,
	    sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "missing jail: fatal");
	like(err, "chroot /nonexistent/jail: No such file or directory",
	    "missing jail: message");

	status = tap_fork(child_chroot_only, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "user NULL: chroot only, ids kept, no_new_privs set");
}

static void
child_no_fork(void *arg)
{
	pid_t pid;

	(void)arg;
	if (geteuid() == 0)
		priv_drop(NOBODY, NULL);	/* root ignores RLIMIT_NPROC */
	if ((pid = fork()) < 0)
		_exit(2);			/* could fork before */
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	priv_no_fork();
	pid = fork();
	if (pid == 0)
		_exit(0);
	_exit(pid < 0 && errno == EAGAIN ? 0 : 1);
}

static void
test_no_fork(void)
{
	int status;

	status = tap_fork(child_no_fork, NULL, NULL, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "priv_no_fork: fork fails with EAGAIN afterwards");
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX + 16];
	int fd;

	tap_init("priv");
	priv_title_init(argc, argv);
	test_lookup();
	test_title();
	test_dev_mode();
	test_no_fork();
	if (geteuid() != 0) {
		skip(1, "not root: the real privilege drop needs root");
		skip(1, "not root: fatal drop errors need root");
		return done_testing();
	}
	/* a fresh jail, readable by nobody, with one file in it */
	if (realpath(tap_tmpdir(), jail) == NULL)
		bail_out("realpath: %s", strerror(errno));
	strlcat(jail, "/jail", sizeof(jail));
	if (mkdir(jail, 0755) < 0 || stat(jail, &jail_st) < 0)
		bail_out("jail %s: %s", jail, strerror(errno));
	snprintf(path, sizeof(path), "%s/marker", jail);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) < 0)
		bail_out("open %s: %s", path, strerror(errno));
	close(fd);
	test_root_drop();
	test_root_fatal();
	return done_testing();
}
