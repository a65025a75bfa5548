/*
 * fsat - file-system steps that cannot be led elsewhere by a name.
 *
 * DESCRIPTION
 *	Root must never create, chmod, chown, rename, unlink or open for
 *	writing a path inside a directory that a less privileged user can
 *	write: between two steps that user can put a symbolic link (or a
 *	hard link, a FIFO, a directory) where the name was, and the next
 *	step acts on whatever it points to. These helpers take every step
 *	relative to a directory descriptor (the openat family), on one
 *	name (never a path with '/'), never follow a symbolic link
 *	(O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), never block on a FIFO (opened
 *	O_NONBLOCK), and change owners and modes through a descriptor of
 *	what they opened and checked, so that what they act on is what
 *	they looked at. Anything else in the way is refused, not removed.
 *
 *	Every function returns -1 with *err_r (caller frees) naming the
 *	file and the reason, and leaves errno set (EEXIST for "something
 *	else is there").
 *
 * SECURITY
 *	fsat_dir_open is where trust starts: it checks the directory's
 *	owner and mode so that the *at() steps below it are taken in a
 *	directory that only that owner can change. The path given to it
 *	comes from the administrator's configuration.
 */
#ifndef POSTERN_FSAT_H
#define POSTERN_FSAT_H

#include <sys/types.h>

#define FSAT_ANY_OWNER	((uid_t)-1)

/*
 * Open the directory path for *at() use and check what was opened: it
 * must be owned by owner (FSAT_ANY_OWNER: anyone) and have none of the
 * mode bits in forbid (022: nobody else may write in it). The path is
 * the administrator's (a configured directory) and is followed as
 * given; the steps below it act on what was checked. Returns the
 * descriptor (O_DIRECTORY, close-on-exec) or -1.
 */
int	fsat_dir_open(const char *path, uid_t owner, mode_t forbid,
	    char **err_r);

/*
 * May root act by name in the directory dfd (named dir in messages)?
 * Yes (0) when we are not root, or when it belongs to root and nobody
 * else can write in it, or only with the sticky bit (/tmp: nobody can
 * rename or remove root's entries there). Else -1 with *err_r.
 */
int	fsat_root_may_act(int dfd, const char *dir, char **err_r);
/* The same for the directory that holds path. */
int	fsat_root_may_act_beside(const char *path, char **err_r);

/*
 * The directory name in dfd, made with mode when missing; then owned by
 * uid:gid (FSAT_ANY_OWNER: left as it is) with that mode, changed
 * through its descriptor where they differ. A link or anything but a
 * directory there is refused. Returns its descriptor or -1.
 */
int	fsat_mkdir(int dfd, const char *name, mode_t mode, uid_t uid,
	    gid_t gid, char **err_r);

/*
 * Give name in dfd (a directory when dir, else a regular file; made when
 * missing and create is not 0, a directory with mode create) the owner
 * uid (FSAT_ANY_OWNER: kept) and group gid ((gid_t)-1: kept), and its
 * mode without the bits in clear and with those in set, through its
 * descriptor. Nothing is followed; anything else there is refused.
 * Returns 1 when something changed, 0 when all was as wanted, or -1.
 */
int	fsat_fix(int dfd, const char *name, int dir, mode_t create, uid_t uid,
	    gid_t gid, mode_t clear, mode_t set, char **err_r);

/*
 * Open the regular file name in dfd with flags (O_RDONLY, O_RDWR,
 * O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_APPEND) and, when created, mode.
 * It must be a regular file with one link, owned by owner
 * (FSAT_ANY_OWNER: by our effective uid); O_TRUNC takes effect only
 * once that has been checked. Returns the descriptor (close-on-exec,
 * blocking) or -1.
 */
int	fsat_open(int dfd, const char *name, int flags, mode_t mode,
	    uid_t owner, char **err_r);

/*
 * Remove name from dfd when it is a socket or a symbolic link (the link
 * itself); 0 also when nothing is there. Anything else is refused.
 */
int	fsat_unlink_stale(int dfd, const char *name, char **err_r);

#endif
