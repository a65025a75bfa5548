/*
 * qfile_spare - delivered queue files kept for reuse; see qfile_spare.h
 * for why and how.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qfile_spare.h"
#include "qid.h"

#define SPARE_OFFERS	16	/* names a process remembers */

static char spare_offers[SPARE_OFFERS][QID_SIZE];
static int spare_n;

void
qfile_spare_offer(const char *name)
{
	if (!qid_valid(name))
		return;
	if (spare_n == SPARE_OFFERS) {
		/* the oldest is forgotten: qmgr finds it again when it counts */
		memmove(spare_offers[0], spare_offers[1],
		    sizeof(spare_offers[0]) * (SPARE_OFFERS - 1));
		spare_n--;
	}
	strlcpy(spare_offers[spare_n++], name, QID_SIZE);
}

int
qfile_spare_stock(void)
{
	return spare_n;
}

int
qfile_spare_claim(int fd, const char *path, struct stat *st_r)
{
	struct stat now;

	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -1;		/* another process writes it now */
	if (fstat(fd, st_r) < 0 || !S_ISREG(st_r->st_mode) ||
	    st_r->st_nlink != 1) {
		/* not a plain file of ours: out of the way */
		(void)unlink(path);
		return -1;
	}
	/*
	 * Opened before another writer renamed it into the queue, and
	 * locked after that writer let go: the file is a message now.
	 * Only a lock holder moves a file out of spare/, so a file that
	 * is still there under its name once locked is still a spare.
	 */
	if (fstatat(AT_FDCWD, path, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_dev != st_r->st_dev || now.st_ino != st_r->st_ino)
		return -1;
	return 0;
}

int
qfile_spare_take(const char *queue_dir, char *path_r, size_t len,
    struct stat *st_r)
{
	int fd, n;

	while (spare_n > 0) {
		n = snprintf(path_r, len, "%s/%s/%s", queue_dir, QDIR_SPARE,
		    spare_offers[--spare_n]);
		if (n < 0 || (size_t)n >= len)
			continue;
		if ((fd = open(path_r, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			if (errno == ELOOP) {
				(void)unlink(path_r);	/* a link: away */
				continue;
			}
			if (errno == ENOENT)
				continue;		/* gone meanwhile */
			spare_n = 0;
			return -1;
		}
		if (qfile_spare_claim(fd, path_r, st_r) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

int
qfile_spare_park(const char *queue_dir, const char *path, const char *name)
{
	char to[4200];

	snprintf(to, sizeof(to), "%s/%s/%s", queue_dir, QDIR_SPARE, name);
	return renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE);
}

/* Remove an extra spare file, unless an smtpd is writing it (locked). */
static int
qfile_spare_dropat(int dfd, const char *name)
{
	int fd, r = -1;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) < 0)
		return errno == ELOOP ? unlinkat(dfd, name, 0) : -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		r = unlinkat(dfd, name, 0);
	close(fd);
	return r;
}

int
qfile_spare_drop(const char *queue_dir, const char *name)
{
	char path[4200];
	int dfd, r, saved;

	snprintf(path, sizeof(path), "%s/%s", queue_dir, QDIR_SPARE);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = qfile_spare_dropat(dfd, name);
	saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

long
qfile_spare_scan(const char *queue_dir, long keep,
    void (*fn)(const char *, void *), void *arg)
{
	struct dirent *de;
	char path[4200];
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", queue_dir, QDIR_SPARE);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((n >= keep || !qid_valid(de->d_name)) &&
		    qfile_spare_dropat(dirfd(d), de->d_name) == 0)
			continue;
		n++;
		if (fn != NULL)
			fn(de->d_name, arg);
	}
	closedir(d);
	return n;
}
