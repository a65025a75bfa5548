/*
 * fsutil - small file-system steps that durability depends on.
 *
 * Every place that makes a file durable by rename (queue files, compiled
 * tables, main.cf edits, Maildir deliveries) needs the directory entry
 * itself on disk: fsync of the directory. One implementation serves them.
 * The same places write whole buffers: fsutil_write_all.
 */
#ifndef POSTERN_FSUTIL_H
#define POSTERN_FSUTIL_H

#include <stddef.h>

/* fsync the directory dir: 0, or -1 with errno. */
int	fsutil_fsync_dir(const char *dir);
/* fsync the directory that holds path ("." when path has no '/'). */
int	fsutil_fsync_parent(const char *path);
/* Write all len bytes of buf to fd (EINTR retried): 0, or -1 with errno. */
int	fsutil_write_all(int fd, const void *buf, size_t len);

#endif
