/*
 * qfile_spare - delivered queue files kept, emptied, for reuse; see
 * qfile_spare.h for why.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qfile_spare.h"
#include "xmalloc.h"

#define SPARE_BATCH	32	/* names remembered per directory read */
#define SPARE_NAME_MAX	64

/* Names read from one spare/ directory, used in turn. */
static struct {
	char	 dir[4096];
	char	 names[SPARE_BATCH][SPARE_NAME_MAX];
	int	 n, next;
	time_t	 empty_at;	/* last read that found nothing */
} spare;

static int
spare_read(const char *queue_dir)
{
	struct dirent *de;
	char path[4200];
	int skip, seen = 0;
	DIR *d;

	spare.n = spare.next = 0;
	snprintf(path, sizeof(path), "%s/%s", queue_dir, QDIR_SPARE);
	if ((d = opendir(path)) == NULL)
		return 0;
	/*
	 * Processes that read the directory at the same time see the same
	 * order: each starts its batch at its own place in it, so they
	 * rarely reach for the same file.
	 */
	skip = (int)(getpid() % SPARE_BATCH);
	while ((de = readdir(d)) != NULL && spare.n < SPARE_BATCH) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= SPARE_NAME_MAX)
			continue;
		if (seen++ < skip)
			continue;
		strlcpy(spare.names[spare.n++], de->d_name, SPARE_NAME_MAX);
	}
	if (spare.n == 0 && skip > 0) {
		/* fewer files than our offset: take them from the start */
		rewinddir(d);
		while ((de = readdir(d)) != NULL && spare.n < SPARE_BATCH) {
			if (de->d_name[0] == '.' ||
			    strlen(de->d_name) >= SPARE_NAME_MAX)
				continue;
			strlcpy(spare.names[spare.n++], de->d_name,
			    SPARE_NAME_MAX);
		}
	}
	closedir(d);
	return spare.n;
}

int
qfile_spare_take(const char *queue_dir, const char *to)
{
	char from[4200];
	struct stat st;
	time_t now;
	int fd, reads = 0;

	if (strcmp(spare.dir, queue_dir) != 0) {
		strlcpy(spare.dir, queue_dir, sizeof(spare.dir));
		spare.n = spare.next = 0;
		spare.empty_at = 0;
	}
	for (;;) {
		if (spare.next >= spare.n) {
			/* others took the names we read: create a file */
			if (reads++ > 0)
				return -1;
			now = time(NULL);
			if (spare.empty_at != 0 && now - spare.empty_at < 1 &&
			    now >= spare.empty_at)
				return -1;
			if (spare_read(queue_dir) == 0) {
				spare.empty_at = now;
				return -1;
			}
			spare.empty_at = 0;
		}
		snprintf(from, sizeof(from), "%s/%s/%s", queue_dir,
		    QDIR_SPARE, spare.names[spare.next++]);
		if (renameat2(AT_FDCWD, from, AT_FDCWD, to,
		    RENAME_NOREPLACE) < 0) {
			if (errno == ENOENT)
				continue;	/* another process took it */
			spare.n = spare.next = 0;
			spare.empty_at = time(NULL);
			return -1;
		}
		fd = open(to, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_nlink == 1)
			return fd;
		/* not a plain file of ours: out of the way, try another */
		if (fd >= 0)
			close(fd);
		(void)unlink(to);
	}
}

int
qfile_spare_park(const char *queue_dir, const char *path, const char *name)
{
	char to[4200];

	snprintf(to, sizeof(to), "%s/%s/%s", queue_dir, QDIR_SPARE, name);
	return renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE);
}

long
qfile_spare_count(const char *queue_dir, long keep)
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
		if (n >= keep && unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		n++;
	}
	closedir(d);
	return n;
}
