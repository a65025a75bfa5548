/*
 * fsutil - small file-system steps that durability depends on.
 *
 * Every place that makes a file durable by rename (queue files, compiled
 * tables, main.cf edits, Maildir deliveries) needs the directory entry
 * itself on disk: fsync of the directory. One implementation serves them.
 */
#ifndef POSTERN_FSUTIL_H
#define POSTERN_FSUTIL_H

/* fsync the directory dir: 0, or -1 with errno. */
int	fsutil_fsync_dir(const char *dir);
/* fsync the directory that holds path ("." when path has no '/'). */
int	fsutil_fsync_parent(const char *path);

#endif
