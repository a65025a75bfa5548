/*
 * qfile_spare - delivered queue files kept for reuse; see qfile_spare.h
 * for why and how.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qfile_spare.h"
#include "qid.h"

#define SPARE_OFFERS	4	/* names a process remembers */

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
qfile_spare_take(const char *queue_dir, const char *to, struct stat *st_r)
{
	char from[4200];
	int fd;

	while (spare_n > 0) {
		snprintf(from, sizeof(from), "%s/%s/%s", queue_dir,
		    QDIR_SPARE, spare_offers[--spare_n]);
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to,
		    RENAME_NOREPLACE) < 0) {
			if (errno == ENOENT)
				continue;	/* gone meanwhile */
			spare_n = 0;
			return -1;
		}
		fd = open(to, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, st_r) == 0 &&
		    S_ISREG(st_r->st_mode) && st_r->st_nlink == 1 &&
		    futimens(fd, NULL) == 0)
			return fd;
		/* not a plain file of ours: out of the way, try another */
		if (fd >= 0)
			close(fd);
		(void)unlink(to);
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
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		n++;
		if (fn != NULL)
			fn(de->d_name, arg);
	}
	closedir(d);
	return n;
}
