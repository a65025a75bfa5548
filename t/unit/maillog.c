/*
 * Unit tests for lib/maillog: which names maillog_file may have, the
 * directory it may lie in, and opening it as the master does.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maillog.h"
#include "tap.h"

static const struct {
	const char	*path, *prefixes;
	int		 ok;
} name_cases[] = {
	{ "/var/log/postern.log", "/var, /dev/stdout", 1 },
	{ "/var", "/var", 1 },
	{ "/var/log/x", "/var/", 1 },
	{ "/dev/stdout", "/var, /dev/stdout", 1 },
	{ "/srv/log/x", "/", 1 },
	{ "/variant/x", "/var", 0 },		/* a component, not a prefix */
	{ "/etc/passwd", "/var, /dev/stdout", 0 },
	{ "/dev/stdout", "/var", 0 },
	{ "var/log/x", "/var", 0 },
	{ "/var/../etc/passwd", "/var", 0 },
	{ "/var/./log", "/var", 0 },
	{ "/var/log/..", "/var", 0 },
	{ "/var//log", "/var", 0 },
	{ "/var/log/", "/var", 0 },
	{ "/var/log/a\tb", "/var", 0 },
	{ "/var/log/x", "", 0 },
};

static void
test_names(void)
{
	char *err;
	size_t i;
	int r;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		err = NULL;
		r = maillog_name_check(name_cases[i].path,
		    name_cases[i].prefixes, &err);
		is_int(r, name_cases[i].ok ? 0 : -1, "%s under \"%s\": %s",
		    name_cases[i].path, name_cases[i].prefixes,
		    name_cases[i].ok ? "allowed" : "refused");
		if (r < 0)
			like(err, "maillog_file", "says what (%s)", err);
		free(err);
	}
}

/* Opening: created 0640, appended to, a regular file only. */
static void
test_open(void)
{
	const char *dir = tap_tmpdir();
	char *path, *link, *err = NULL;
	struct stat st;
	int fd;

	if (asprintf(&path, "%s/log/maillog", dir) < 0 ||
	    asprintf(&link, "%s/log/link", dir) < 0)
		bail_out("asprintf");
	*strrchr(path, '/') = '\0';
	mkdir(path, 0755);
	path[strlen(path)] = '/';

	fd = maillog_open(path, dir, &err);
	ok(fd >= 0, "opened (%s)", err != NULL ? err : "created");
	ok(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0640, "a new file is 0640");
	ok((fcntl(fd, F_GETFL) & O_APPEND) != 0, "for appending");
	ok((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec");
	ok((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0, "blocking writes");
	close(fd);

	if (symlink(path, link) < 0)
		bail_out("symlink: %s", strerror(errno));
	err = NULL;
	is_int(maillog_open(link, dir, &err), -1, "a symbolic link is "
	    "refused");
	like(err, "a symbolic link", "says so");
	free(err);
	unlink(link);
	if (mkfifo(link, 0600) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	err = NULL;
	is_int(maillog_open(link, dir, &err), -1, "a FIFO is refused");
	like(err, "maillog_file", "says so (%s)", err);
	free(err);
	unlink(link);

	/* the directory: writable by others, or someone else's */
	*strrchr(path, '/') = '\0';
	chmod(path, 0775);
	path[strlen(path)] = '/';
	err = NULL;
	is_int(maillog_open(path, dir, &err), -1, "a group-writable "
	    "directory is refused");
	like(err, "is writable by other users", "says so");
	free(err);
	*strrchr(path, '/') = '\0';
	chmod(path, 0755);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");

		if (pw == NULL || chown(path, pw->pw_uid, pw->pw_gid) < 0)
			bail_out("chown to nobody");
		path[strlen(path)] = '/';
		err = NULL;
		is_int(maillog_open(path, dir, &err), -1, "root refuses a "
		    "directory of another user");
		like(err, "must belong to root", "says so");
		free(err);
	} else {
		path[strlen(path)] = '/';
		skip(2, "not root: cannot give a directory away");
	}
	err = NULL;
	is_int(maillog_open(path, "/nonexistent", &err), -1,
	    "not under maillog_file_prefixes");
	like(err, "not under any of maillog_file_prefixes", "says so");
	free(err);
	free(path);
	free(link);
}

static void
test_stdout(void)
{
	struct stat a, b;
	char *err = NULL;
	int fd;

	fd = maillog_open("/dev/stdout", "/dev/stdout", &err);
	ok(fd > 2, "/dev/stdout: a duplicate of descriptor 1");
	ok(fstat(fd, &a) == 0 && fstat(1, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev, "the same file");
	close(fd);
}

int
main(void)
{
	tap_init("maillog");
	test_names();
	test_open();
	test_stdout();
	return done_testing();
}
