/*
 * fsat - file-system steps relative to a checked directory, never
 * following a link; see fsat.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fsat.h"
#include "xmalloc.h"

/* -1 with errno err and *err_r "NAME: WHAT" (NULL WHAT: strerror). */
static int
fsat_fail(char **err_r, int err, const char *name, const char *what)
{
	err_set(err_r, "%s: %s", name, what != NULL ? what : strerror(err));
	errno = err;
	return -1;
}

/* One name in a directory: not empty, no '/', not "." or "..". */
static int
fsat_name_ok(const char *name, char **err_r)
{
	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return fsat_fail(err_r, EINVAL, name, "not a plain name");
	return 0;
}

/* What is at name, for a refusal ("a symbolic link", ...). */
static const char *
fsat_kind(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISREG(mode))
		return "a regular file";
	return "a device or other special file";
}

int
fsat_dir_open(const char *path, uid_t owner, mode_t forbid, char **err_r)
{
	struct stat st;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fsat_fail(err_r, errno, path, NULL);
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		return fsat_fail(err_r, saved, path, NULL);
	}
	if (owner != FSAT_ANY_OWNER && st.st_uid != owner) {
		close(fd);
		err_set(err_r, "%s: owned by uid %lu, not by uid %lu",
		    path, (unsigned long)st.st_uid, (unsigned long)owner);
		errno = EPERM;
		return -1;
	}
	if ((st.st_mode & forbid) != 0) {
		close(fd);
		err_set(err_r, "%s: mode %04o lets %s write in it", path,
		    (unsigned)(st.st_mode & 07777),
		    (st.st_mode & forbid & S_IWOTH) ? "every user" :
		    "its group");
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
fsat_root_may_act(int dfd, const char *dir, char **err_r)
{
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (fstat(dfd, &st) < 0)
		return fsat_fail(err_r, errno, dir, NULL);
	if (st.st_uid != 0 || ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0)) {
		err_set(err_r, "%s: a user other than root can write in "
		    "it (owner uid %lu, mode %04o): root will not act by name "
		    "there", dir, (unsigned long)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
fsat_root_may_act_beside(const char *path, char **err_r)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int dfd, r = 0;

	if (geteuid() != 0)
		return 0;
	dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	if ((dfd = fsat_dir_open(dir, FSAT_ANY_OWNER, 0, err_r)) < 0 ||
	    fsat_root_may_act(dfd, dir, err_r) < 0)
		r = -1;
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return r;
}

/*
 * name in dfd, a directory (dir) or a regular file, opened without
 * following anything: its descriptor, or -1 with *err_r (EEXIST: it is
 * something else).
 */
static int
fsat_open_node(int dfd, const char *name, int dir, struct stat *st,
    char **err_r)
{
	int fd, saved;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK | (dir ? O_DIRECTORY : 0));
	if (fd < 0) {
		saved = errno;
		if (saved != ENOENT &&
		    fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))) {
			err_set(err_r, "%s: %s is in the way of a %s",
			    name, fsat_kind(st->st_mode), dir ? "directory" :
			    "file");
			errno = EEXIST;
			return -1;
		}
		return fsat_fail(err_r, saved, name, NULL);
	}
	if (fstat(fd, st) < 0) {
		saved = errno;
		close(fd);
		return fsat_fail(err_r, saved, name, NULL);
	}
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		close(fd);
		err_set(err_r, "%s: %s is in the way of a %s", name,
		    fsat_kind(st->st_mode), dir ? "directory" : "file");
		errno = EEXIST;
		return -1;
	}
	return fd;
}

/* Owner and mode through fd: 1 changed, 0 as wanted, -1 with *err_r. */
static int
fsat_set(int fd, const char *name, const struct stat *st, uid_t uid,
    gid_t gid, mode_t clear, mode_t set, char **err_r)
{
	mode_t mode = (st->st_mode & 07777 & ~clear) | set;
	int changed = 0;

	if ((uid != FSAT_ANY_OWNER && st->st_uid != uid) ||
	    (gid != (gid_t)-1 && st->st_gid != gid)) {
		if (fchown(fd, uid, gid) < 0)
			return fsat_fail(err_r, errno, name, NULL);
		changed = 1;
	}
	if ((st->st_mode & 07777) != mode) {
		if (fchmod(fd, mode) < 0)
			return fsat_fail(err_r, errno, name, NULL);
		changed = 1;
	}
	return changed;
}

int
fsat_mkdir(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
    char **err_r)
{
	struct stat st;
	int fd;

	if (fsat_name_ok(name, err_r) < 0)
		return -1;
	if (mkdirat(dfd, name, mode) < 0 && errno != EEXIST)
		return fsat_fail(err_r, errno, name, NULL);
	if ((fd = fsat_open_node(dfd, name, 1, &st, err_r)) < 0)
		return -1;
	if (fsat_set(fd, name, &st, uid, uid == FSAT_ANY_OWNER ? (gid_t)-1 :
	    gid, 07777, mode, err_r) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
fsat_fix(int dfd, const char *name, int dir, mode_t create, uid_t uid,
    gid_t gid, mode_t clear, mode_t set, char **err_r)
{
	struct stat st;
	int fd, r, made = 0;

	if (fsat_name_ok(name, err_r) < 0)
		return -1;
	if (dir && create != 0) {
		if (mkdirat(dfd, name, create) == 0)
			made = 1;
		else if (errno != EEXIST)
			return fsat_fail(err_r, errno, name, NULL);
	}
	if ((fd = fsat_open_node(dfd, name, dir, &st, err_r)) < 0)
		return -1;
	r = fsat_set(fd, name, &st, uid, gid, clear, set, err_r);
	close(fd);
	return r < 0 ? -1 : (r || made);
}

int
fsat_open(int dfd, const char *name, int flags, mode_t mode, uid_t owner,
    char **err_r)
{
	struct stat st;
	int fd, fl, saved;

	if (fsat_name_ok(name, err_r) < 0)
		return -1;
	fd = openat(dfd, name, (flags & ~O_TRUNC) | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK, mode);
	if (fd < 0) {
		saved = errno;
		if (saved != ENOENT &&
		    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(st.st_mode)) {
			err_set(err_r, "%s: %s is in the way of a file",
			    name, fsat_kind(st.st_mode));
			errno = EEXIST;
			return -1;
		}
		return fsat_fail(err_r, saved, name, NULL);
	}
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		err_set(err_r, "%s: %s is in the way of a file", name,
		    fsat_kind(st.st_mode));
		errno = EEXIST;
		return -1;
	}
	if (st.st_nlink != 1 || st.st_uid != (owner == FSAT_ANY_OWNER ?
	    geteuid() : owner)) {
		close(fd);
		err_set(err_r, "%s: a file with %lu links owned by uid %lu "
		    "is in the way (not ours: not used)", name,
		    (unsigned long)st.st_nlink, (unsigned long)st.st_uid);
		errno = EEXIST;
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		goto fail;
	if ((flags & O_TRUNC) != 0 && ftruncate(fd, 0) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	return fsat_fail(err_r, saved, name, NULL);
}

int
fsat_unlink_stale(int dfd, const char *name, char **err_r)
{
	struct stat st;

	if (fsat_name_ok(name, err_r) < 0)
		return -1;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fsat_fail(err_r, errno, name,
		    NULL);
	if (!S_ISSOCK(st.st_mode) && !S_ISLNK(st.st_mode)) {
		err_set(err_r, "%s: exists and is %s, not a socket; not "
		    "removed", name, fsat_kind(st.st_mode));
		errno = EEXIST;
		return -1;
	}
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return fsat_fail(err_r, errno, name, NULL);
	return 0;
}
