/*
 * Unit tests for lib/fsat (steps relative to a checked directory, never
 * following a link) and for the steps taken as a directory's owner
 * (priv_as_run through sock_listen_unix_as and sock_unlink_unix_as).
 *
 * Whatever is put in the way - a symbolic link, a FIFO, a directory, a
 * hard link, a file of another owner - is refused, and what it points
 * to is left exactly as it was. The owner cases need root (a second
 * user, nobody); without root they are skipped.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsat.h"
#include "priv.h"
#include "sock.h"
#include "tap.h"

static char top[80];
static int topfd = -1;
static struct priv_user nobody;
static int as_root;

static void
spew(const char *name, const char *text, mode_t mode)
{
	int fd;

	(void)unlinkat(topfd, name, 0);
	if ((fd = openat(topfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) < 0 || write(fd, text, strlen(text)) !=
	    (ssize_t)strlen(text) || fchmod(fd, mode) < 0 || close(fd) < 0)
		bail_out("write %s: %s", name, strerror(errno));
}

/* The content of top/name, "" when it cannot be read. */
static const char *
slurp(const char *name)
{
	static char buf[256];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = openat(topfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static mode_t
mode_of(const char *name)
{
	struct stat st;

	return fstatat(topfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ?
	    st.st_mode : 0;
}

/* One error case: -1, errno, and the reason names the file. */
static void
refused(int r, int want_errno, char **errp, const char *needle,
    const char *what)
{
	ok(r == -1 && errno == want_errno, "%s: refused (errno %d)", what,
	    errno);
	like(*errp != NULL ? *errp : "", needle, "%s: says why", what);
	free(*errp);
	*errp = NULL;
}

static void
test_dir_open(void)
{
	char *err = NULL, path[100];
	int fd;

	fd = fsat_dir_open(top, geteuid(), 022, &err);
	ok(fd >= 0, "our own directory opens");
	if (fd >= 0)
		close(fd);

	snprintf(path, sizeof(path), "%s/open", top);
	if (mkdir(path, 0777) < 0 || chmod(path, 0777) < 0)
		bail_out("mkdir %s: %s", path, strerror(errno));
	err = NULL;
	refused(fsat_dir_open(path, geteuid(), 022, &err), EPERM, &err,
	    "lets every user write", "a directory anyone can write");
	err = NULL;
	fd = fsat_dir_open(path, geteuid(), 0, &err);
	ok(fd >= 0, "it opens when that is allowed");
	if (fd >= 0)
		close(fd);
	err = NULL;
	refused(fsat_dir_open("/", geteuid() + 1, 0, &err), EPERM, &err,
	    "owned by uid", "a directory of another owner");
	spew("plain", "x", 0600);
	snprintf(path, sizeof(path), "%s/plain", top);
	err = NULL;
	refused(fsat_dir_open(path, FSAT_ANY_OWNER, 0, &err), ENOTDIR, &err,
	    "plain", "a file is not a directory");
}

static void
test_mkdir(void)
{
	struct stat st;
	char *err = NULL;
	int fd;

	fd = fsat_mkdir(topfd, "d", 0710, geteuid(), getegid(), &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0710, "a new directory, mode 0710");
	if (fd >= 0)
		close(fd);
	if (fchmodat(topfd, "d", 0777, 0) < 0)
		bail_out("chmod: %s", strerror(errno));
	fd = fsat_mkdir(topfd, "d", 0700, FSAT_ANY_OWNER, 0, &err);
	ok(fd >= 0 && (mode_of("d") & 07777) == 0700,
	    "an existing one gets the mode asked for");
	if (fd >= 0)
		close(fd);

	/* a link to a directory in the way: not followed, target intact */
	if (mkdirat(topfd, "target", 0755) < 0 ||
	    fchmodat(topfd, "target", 0755, 0) < 0 ||
	    symlinkat("target", topfd, "link") < 0)
		bail_out("setup: %s", strerror(errno));
	err = NULL;
	refused(fsat_mkdir(topfd, "link", 0700, geteuid(), getegid(), &err),
	    EEXIST, &err, "a symbolic link is in the way", "a link to a "
	    "directory");
	is_int(mode_of("target") & 07777, 0755, "its target keeps its mode");

	err = NULL;
	refused(fsat_mkdir(topfd, "plain", 0700, geteuid(), getegid(), &err),
	    EEXIST, &err, "a regular file is in the way", "a file");
	if (mkfifoat(topfd, "fifo", 0600) < 0)
		bail_out("mkfifo: %s", strerror(errno));
	err = NULL;
	refused(fsat_mkdir(topfd, "fifo", 0700, geteuid(), getegid(), &err),
	    EEXIST, &err, "a FIFO is in the way", "a FIFO");
	err = NULL;
	refused(fsat_mkdir(topfd, "a/b", 0700, geteuid(), getegid(), &err),
	    EINVAL, &err, "not a plain name", "a path with a slash");
	err = NULL;
	refused(fsat_mkdir(topfd, "..", 0700, geteuid(), getegid(), &err),
	    EINVAL, &err, "not a plain name", "\"..\"");

	if (!as_root) {
		skip(2, "not root: no other owner to give a directory to");
		return;
	}
	fd = fsat_mkdir(topfd, "owned", 0700, nobody.uid, nobody.gid, &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == nobody.uid &&
	    st.st_gid == nobody.gid, "root gives a new directory to nobody");
	if (fd >= 0)
		close(fd);
	fd = fsat_mkdir(topfd, "owned", 0700, 0, 0, &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 0,
	    "and takes it back");
	if (fd >= 0)
		close(fd);
}

static void
test_open(void)
{
	struct stat st;
	char *err = NULL;
	int fd;

	fd = fsat_open(topfd, "new", O_RDWR | O_CREAT, 0640, geteuid(), &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0777) == 0640, "a new file");
	ok(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0 &&
	    (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
	    "blocking and close-on-exec");
	if (fd >= 0)
		close(fd);
	spew("full", "content", 0600);
	fd = fsat_open(topfd, "full", O_WRONLY | O_TRUNC, 0, geteuid(), &err);
	ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0,
	    "O_TRUNC on our own file");
	if (fd >= 0)
		close(fd);
	err = NULL;
	refused(fsat_open(topfd, "new", O_WRONLY | O_CREAT | O_EXCL, 0600,
	    geteuid(), &err), EEXIST, &err, "new", "O_EXCL on an existing "
	    "file");

	/* a link to a file: neither opened nor truncated */
	spew("secret", "root's secret", 0600);
	if (symlinkat("secret", topfd, "slink") < 0)
		bail_out("symlink: %s", strerror(errno));
	err = NULL;
	refused(fsat_open(topfd, "slink", O_RDWR | O_CREAT | O_TRUNC, 0666,
	    geteuid(), &err), EEXIST, &err, "a symbolic link is in the way",
	    "a link to a file");
	is_str(slurp("secret"), "root's secret", "its target is untouched");
	is_int(mode_of("secret") & 07777, 0600, "and keeps its mode");

	/* a hard link: the file has two names, so it is not ours alone */
	if (linkat(topfd, "secret", topfd, "hlink", 0) < 0)
		bail_out("link: %s", strerror(errno));
	err = NULL;
	refused(fsat_open(topfd, "hlink", O_RDWR | O_TRUNC, 0, geteuid(),
	    &err), EEXIST, &err, "2 links", "a hard link");
	is_str(slurp("secret"), "root's secret", "nothing was truncated");

	/* a FIFO: refused at once, without waiting for a reader */
	err = NULL;
	refused(fsat_open(topfd, "fifo", O_WRONLY | O_CREAT, 0600, geteuid(),
	    &err), EEXIST, &err, "a FIFO is in the way", "a FIFO (write)");
	err = NULL;
	refused(fsat_open(topfd, "fifo", O_RDWR, 0, geteuid(), &err), EEXIST,
	    &err, "a FIFO is in the way", "a FIFO (read and write)");
	err = NULL;
	refused(fsat_open(topfd, "d", O_RDONLY, 0, geteuid(), &err), EEXIST,
	    &err, "a directory is in the way", "a directory");

	if (!as_root) {
		skip(3, "not root: no file of another owner");
		return;
	}
	spew("theirs", "nobody's", 0600);
	if (fchownat(topfd, "theirs", nobody.uid, nobody.gid, 0) < 0)
		bail_out("chown: %s", strerror(errno));
	err = NULL;
	refused(fsat_open(topfd, "theirs", O_RDWR | O_TRUNC, 0, geteuid(),
	    &err), EEXIST, &err, "owned by uid", "a file of another owner");
	is_str(slurp("theirs"), "nobody's", "is left as it was");
}

static void
test_unlink(void)
{
	struct sockaddr_un sun;
	char *err = NULL;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", top);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		bail_out("bind: %s", strerror(errno));
	close(fd);
	is_int(fsat_unlink_stale(topfd, "sock", &err), 0, "a socket goes");
	ok(mode_of("sock") == 0, "it is gone");
	is_int(fsat_unlink_stale(topfd, "sock", &err), 0, "nothing there: 0");
	is_int(fsat_unlink_stale(topfd, "slink", &err), 0, "a link goes");
	is_str(slurp("secret"), "root's secret", "not what it pointed to");
	err = NULL;
	refused(fsat_unlink_stale(topfd, "full", &err), EEXIST, &err,
	    "not a socket; not removed", "a regular file");
	ok(S_ISREG(mode_of("full")), "it stays");
	err = NULL;
	refused(fsat_unlink_stale(topfd, "d", &err), EEXIST, &err,
	    "a directory", "a directory");
}

/* Sockets made and removed by a child that runs as the owner. */
static void
test_as_owner(void)
{
	const struct priv_user *as = as_root ? &nobody : NULL;
	struct stat st;
	char *err = NULL;
	int dfd, fd;

	dfd = fsat_mkdir(topfd, "private", 0700, as ? nobody.uid : geteuid(),
	    as ? nobody.gid : getegid(), &err);
	if (dfd < 0)
		bail_out("%s", err);
	fd = sock_listen_unix_as(dfd, "svc", 0666, 4, as, &err);
	ok(fd >= 0, "a socket made as the directory's owner%s%s",
	    fd < 0 ? ": " : "", fd < 0 ? err : "");
	ok(fstatat(dfd, "svc", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0666,
	    "born a socket with mode 0666");
	is_int(st.st_uid, as ? nobody.uid : geteuid(), "owned by the owner");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
	    "the descriptor came back close-on-exec");
	if (fd >= 0)
		close(fd);
	is_int(sock_unlink_unix_as(dfd, "svc", as, &err), 0,
	    "removed as the owner");
	ok(fstatat(dfd, "svc", &st, AT_SYMLINK_NOFOLLOW) < 0, "it is gone");

	if (symlinkat("../secret", dfd, "svc") < 0)
		bail_out("symlink: %s", strerror(errno));
	err = NULL;
	fd = sock_listen_unix_as(dfd, "svc", 0666, 4, as, &err);
	ok(fd == -1 && err != NULL && strstr(err, "not a socket") != NULL,
	    "a link where the socket goes is refused: %s", err ? err : "");
	free(err);
	is_int(mode_of("secret") & 07777, 0600, "its target keeps its mode");
	close(dfd);
}

int
main(void)
{
	const char *errs;

	tap_init("fsat");
	snprintf(top, sizeof(top), "%s", tap_tmpdir());
	if (chmod(top, 0755) < 0 ||
	    (topfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		bail_out("%s: %s", top, strerror(errno));
	as_root = geteuid() == 0 && priv_lookup("nobody", &nobody, &errs) == 0;
	test_dir_open();
	test_mkdir();
	test_open();
	test_unlink();
	test_as_owner();
	return done_testing();
}
