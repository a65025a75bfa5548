/*
 * fsutil - small file-system steps that durability depends on.
 *
 * Every place that makes a file durable by rename (queue files, compiled
 * tables, main.cf edits, Maildir deliveries) needs the directory entry
 * itself on disk: fsync of the directory. One implementation serves them.
 * The same places write whole buffers: fsutil_write_all. And whatever
 * opens files below a directory that a less trusted uid can change (a
 * user's Maildir) opens them with fsutil_open_beneath.
 */
#ifndef POSTERN_FSUTIL_H
#define POSTERN_FSUTIL_H

#include <sys/types.h>

#include <stddef.h>

/* fsync the directory dir: 0, or -1 with errno. */
int	fsutil_fsync_dir(const char *dir);
/* fsync the directory that holds path ("." when path has no '/'). */
int	fsutil_fsync_parent(const char *path);
/* Write all len bytes of buf to fd (EINTR retried): 0, or -1 with errno. */
int	fsutil_write_all(int fd, const void *buf, size_t len);

/*
 * Open path below the directory dirfd without ever leaving it: an
 * absolute path, a ".." that climbs out, a symbolic link anywhere
 * (the last component included) is refused (openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS). Where the kernel has no
 * openat2, path must be one name (no '/', not "." or "..", else
 * EXDEV) and is opened with O_NOFOLLOW. flags and mode as for openat;
 * O_CLOEXEC is always added. fd, or -1 with errno (ELOOP for a symbolic
 * link, EXDEV for a path that would leave dirfd).
 */
int	fsutil_open_beneath(int dirfd, const char *path, int flags,
	    mode_t mode);

#endif
