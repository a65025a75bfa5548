/*
 * NAME
 *	qfile_path - queue file paths, moves and walks; see qfile_path.h.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirsync.h"
#include "qfile_path.h"
#include "qid.h"
#include "xmalloc.h"

char *
qfile_path(const char *state, const char *qid)
{
	return xasprintf("%s/%c/%s", state, qid_hash(qid), qid);
}

int
qfile_mksubdir(const char *state, const char *qid)
{
	char *sub = xasprintf("%s/%c", state, qid_hash(qid));
	int r;

	r = mkdir(sub, 0700) < 0 && errno != EEXIST ? -1 : 0;
	free(sub);
	return r;
}

static int
qfile_rename(const char *from, const char *to, int flags)
{
	if ((flags & QFILE_MOVE_NOREPLACE) == 0)
		return rename(from, to);
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE */
	if (link(from, to) < 0)
		return -1;
	(void)unlink(from);
	return 0;
}

/* The shared syncs of one state (qfile_state_share_syncs). */
static char *qfile_sync_state;
static struct dirsync *qfile_sync_table;

int
qfile_state_share_syncs(const char *state, char **err_r)
{
	char *table = xasprintf("%s/%s", state, DIRSYNC_NAME);

	dirsync_close(&qfile_sync_table);
	free(qfile_sync_state);
	qfile_sync_state = NULL;
	qfile_sync_table = dirsync_open(AT_FDCWD, table, err_r);
	free(table);
	if (qfile_sync_table == NULL)
		return -1;
	qfile_sync_state = xstrdup(state);
	return 0;
}

/* fsync the subdirectory sub of state, shared when that state's are. */
static int
qfile_sync_dir(const char *state, const char *sub)
{
	int fd, r, saved;

	if ((fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = dirsync_fsync(qfile_sync_state != NULL &&
	    strcmp(state, qfile_sync_state) == 0 ? qfile_sync_table : NULL,
	    fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
qfile_move_path(const char *src, const char *state, const char *qid,
    int flags)
{
	char *dst = qfile_path(state, qid), *sub;
	int r, saved;

	/* another process may make the subdirectory at the same time */
	if ((r = qfile_rename(src, dst, flags)) < 0 && errno == ENOENT &&
	    access(src, F_OK) == 0 && qfile_mksubdir(state, qid) == 0)
		r = qfile_rename(src, dst, flags);
	if (r == 0 && (flags & QFILE_MOVE_SYNC) != 0) {
		sub = xasprintf("%s/%c", state, qid_hash(qid));
		r = qfile_sync_dir(state, sub);
		free(sub);
	}
	saved = errno;
	free(dst);
	errno = saved;
	return r;
}

int
qfile_move(const char *from, const char *to, const char *qid)
{
	char *src = qfile_path(from, qid);
	int r, saved;

	r = qfile_move_path(src, to, qid, 0);
	saved = errno;
	free(src);
	errno = saved;
	return r;
}

long
qfile_rehash(const char *state)
{
	char sub[PATH_MAX], src[PATH_MAX];
	struct dirent *de;
	long n = 0;
	int i, k, bad = 0;
	DIR *d;

	for (i = 0; i < QFILE_NSUBDIRS; i++) {
		snprintf(sub, sizeof(sub), "%s/%c", state, QFILE_SUBDIRS[i]);
		if ((d = opendir(sub)) == NULL) {
			if (errno != ENOENT)
				bad = errno;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || !qid_valid(de->d_name) ||
			    qid_hash(de->d_name) == QFILE_SUBDIRS[i])
				continue;
			k = snprintf(src, sizeof(src), "%s/%s", sub,
			    de->d_name);
			if (k > 0 && (size_t)k < sizeof(src) &&
			    qfile_move_path(src, state, de->d_name,
			    QFILE_MOVE_NOREPLACE) == 0)
				n++;
		}
		closedir(d);
	}
	if (bad != 0) {
		errno = bad;
		return -1;
	}
	return n;
}

void
qfile_walk_start(struct qfile_walk *w, const char *state)
{
	w->state = state;
	w->sub = 0;
	w->d = NULL;
}

void
qfile_walk_end(struct qfile_walk *w)
{
	if (w->d != NULL)
		closedir(w->d);
	w->d = NULL;
	w->sub = QFILE_NSUBDIRS;
}

int
qfile_walk_next(struct qfile_walk *w, char qid_r[QID_SIZE],
    qfile_walk_odd_fn odd)
{
	char sub[PATH_MAX];
	struct dirent *de;
	char h;

	while (w->sub < QFILE_NSUBDIRS) {
		h = QFILE_SUBDIRS[w->sub];
		if (w->d == NULL) {
			snprintf(sub, sizeof(sub), "%s/%c", w->state, h);
			if ((w->d = opendir(sub)) == NULL) {
				w->sub++;
				if (errno == ENOENT)
					continue;
				return -1;
			}
		}
		while ((de = readdir(w->d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (!qid_valid(de->d_name) ||
			    qid_hash(de->d_name) != h) {
				if (odd != NULL)
					odd(w->state, h, de->d_name);
				continue;
			}
			strlcpy(qid_r, de->d_name, QID_SIZE);
			return 1;
		}
		closedir(w->d);
		w->d = NULL;
		w->sub++;
	}
	return 0;
}
