/*
 * qfile_spare - delivered queue files, kept for reuse.
 *
 * DESCRIPTION
 *	Every message costs the file system one new inode for its queue
 *	file, and frees it again when the message is delivered. Freeing
 *	and allocating inodes at that rate is the largest cost of the
 *	whole mail flow on some file systems: ext4 without a journal (and
 *	ext2) will not hand out an inode freed in the last minute or so,
 *	and every allocation walks past all of them. So qmgr does not
 *	unlink a delivered queue file: it renames it to spare/QID. qmgr
 *	alone knows which spare files there are, and gives one name to
 *	each smtpd wakeup it answers; smtpd offers the name to
 *	qfile_spare_offer, and its next qfile_create takes that file: it
 *	opens it where it is and takes an exclusive flock(2), so no
 *	directory is read and no two processes write the same file (qmgr
 *	gives a name out again when it has not been used for a minute). Once locked,
 *	the file must still be spare/NAME: a second taker may have opened
 *	it just before the first one renamed it into incoming/ and let go
 *	of the lock, and would otherwise write over a queued message. It
 *	writes over it from the start, and qfile_commit cuts off what is
 *	left of the old content and renames it from spare/ into incoming/:
 *	one rename per message, as for a new file. The file's blocks are
 *	reused as well as its inode. queue_file_spare_limit bounds how
 *	many are kept (qmgr/qmgr_spare.c); 0 turns reuse off.
 *
 *	A spare file is never a message: nothing reads spare/ but these
 *	functions and qmgr's count, and a file being written stays in
 *	spare/ (invisible to qmgr's scans) until it is complete. A writer
 *	that gives up or dies leaves it there, a spare still. It holds
 *	the old message until it is reused, in the queue directory that
 *	only mail_owner can read, as the queue file did; a message the
 *	admin deletes is unlinked, not kept. Extra files that qmgr's count
 *	removes are only those nobody holds locked.
 *
 * SECURITY
 *	spare/ belongs to mail_owner like every queue directory. Only
 *	names that are queue IDs are taken; a file that is not a plain
 *	regular file with one link is removed, not used, and nothing is
 *	followed (O_NOFOLLOW).
 */
#ifndef POSTERN_QFILE_SPARE_H
#define POSTERN_QFILE_SPARE_H

#include <stddef.h>

#define QDIR_SPARE	"spare"

/* Remember spare/name for this process's next qfile_spare_take. */
void	qfile_spare_offer(const char *name);
/*
 * How many offered names this process holds. It remembers sixteen; when
 * it has used the last one it asks qmgr for QFILE_SPARE_REFILL more
 * (qmgr_proto.h, "N"), so that answers that come late still find room.
 */
int	qfile_spare_stock(void);
#define QFILE_SPARE_REFILL	7

/*
 * Open an offered spare file of queue_dir/spare read-write, its old
 * content still there, and lock it (flock, held until the descriptor
 * is closed): the descriptor, with its path in path_r (len bytes,
 * QFILE_SPARE_PATH is enough for a queue_dir of up to 4000) and its
 * stat in *st_r; or -1 when no offered file is left that nobody else
 * holds (then the caller creates a file).
 */
#define QFILE_SPARE_PATH	4200
struct stat;
int	qfile_spare_take(const char *queue_dir, char *path_r, size_t len,
	    struct stat *st_r);

/*
 * qfile_spare_take's second half, for a file fd already opened at path
 * in spare/: lock it and make sure it is still a spare (0), or -1 when
 * another process holds it, or it has been taken into the queue since
 * it was opened, or it is no plain file (then it is removed).
 */
int	qfile_spare_claim(int fd, const char *path, struct stat *st_r);

/*
 * Move the delivered queue file path to queue_dir/spare/name: 0, or -1
 * with errno (the file is then still at path).
 */
int	qfile_spare_park(const char *queue_dir, const char *path,
	    const char *name);

/*
 * Remove queue_dir/spare/name unless a writer holds it (locked): 0, or
 * -1 with errno (EWOULDBLOCK: held).
 */
int	qfile_spare_drop(const char *queue_dir, const char *name);

/*
 * The names in queue_dir/spare, after removing any beyond keep: fn is
 * called with each name kept. The count, or -1 with errno when the
 * directory cannot be read.
 */
long	qfile_spare_scan(const char *queue_dir, long keep,
	    void (*fn)(const char *name, void *), void *arg);

#endif
