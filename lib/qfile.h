/*
 * qfile - queue files: the on-disk form of one message and its envelope.
 *
 * DESCRIPTION
 *	A queue file is written once by smtpd, then only marked in place by
 *	qmgr. Layout (all integers big-endian):
 *
 *	offset 0    header, QFILE_HDR_SIZE bytes:
 *	              magic "PSTRNQ1\n" (8), content offset (8),
 *	              content length (8), arrival seconds (8),
 *	              arrival microseconds (4), zero padding
 *	offset 64   envelope records: type (1 byte), length (4), data
 *	              'S' sender (empty: the null sender <>)
 *	              'A' attribute "name=value" (client, helo, protocol,
 *	                  envid, ret, smtputf8, body, auth ...)
 *	              'O' ORCPT of the next recipient, as received
 *	              'N' NOTIFY of the next recipient (e.g. "FAILURE,DELAY")
 *	              'R' a recipient still to be delivered
 *	              'D' a recipient done: an 'R' rewritten in place
 *	              'M' start of content (length 0)
 *	content     the message, dot-unstuffed, CRLF line ends, exactly
 *	              "content length" bytes
 *	trailer     one 'E' record (length 0): a file without it is corrupt
 *
 * STATES AND TRANSITIONS (queue_directory; H is qid_hash(QID), the last
 * digit of the arrival second)
 *	S0 incoming/tmp.PID.N    being written; invisible to qmgr. A crash
 *	                         leaves garbage that qmgr removes.
 *	   spare/OLDQID          the same in a reused file, locked while it
 *	                         is written (qfile_spare.h); after a crash
 *	                         it is a spare file again.
 *	S1 incoming/H/QID        complete: written, fdatasynced, renamed
 *	                         (never over an existing name), directory
 *	                         fsynced (SYNC POINTS);
 *	                         only then does smtpd answer 250.
 *	S2 incoming/H/QID or     qmgr owns it: opened where it is and in
 *	   deferred/H/QID        qmgr's table of active messages, no
 *	                         rename (so qmgr stays off the file
 *	                         system's rename lock that smtpd's commits
 *	                         hold). After a crash qmgr takes it again
 *	                         from where it lies. (An older version
 *	                         moved it into active/, which qmgr empties
 *	                         back into incoming/ at start.)
 *	S3 deferred/H/QID        waiting for a retry (rename, when it came
 *	                         from incoming/).
 *	   hold/H/QID            held by the admin (rename).
 *	   corrupt/QID           failed validation; kept for inspection.
 *	done                     no 'R' remains: renamed to spare/QID for
 *	                         qfile_create to write over (qfile_spare.h),
 *	                         or unlinked.
 *	A delivered recipient is marked 'D' (one byte, fsynced) before the
 *	next attempt can start: a crash between a successful delivery and
 *	the mark delivers that recipient again (the documented duplicate
 *	window), never loses it.
 *
 * SYNC POINTS (what is on the disk when smtpd answers 250)
 *	qfile_commit, in this order:
 *	1. write the file (the header goes last when the file is larger
 *	   than the write buffer); cut off the rest of a reused file;
 *	2. fdatasync it: content and size are on the disk before any name
 *	   points at them (its time stamps are not: nobody reads them);
 *	3. rename it to incoming/H/QID (RENAME_NOREPLACE);
 *	4. with dir_sync (queue_dir_fsync, the default): fsync incoming/H,
 *	   shared with the other writers (GROUP COMMIT), so that the name
 *	   is on the disk too.
 *	smtpd answers 250 after 4, so a power loss after the 250 finds
 *	the whole file under its name. A crash before 4 has returned may
 *	still leave the file complete under its name (2 came first): a
 *	message that was never acknowledged is then delivered, and the
 *	client that tries again sends it twice, as for any crash between
 *	queueing and the 250. It never leaves a name on partial content.
 *	Without dir_sync (Postfix's durability) the name may be lost to a
 *	power loss in the next seconds, on a file system that does not
 *	write a rename in order with the data (ext4 without a journal);
 *	fsck then finds the file in lost+found.
 *	Later moves (incoming -> deferred, either -> spare) are renames
 *	that are not synced: a journaling file system (ext4 with its
 *	journal, XFS) keeps the file under one name or the other through a
 *	power loss; one without a journal may lose the name of a file moved
 *	in the last seconds, as above. A delivered copy is fsynced, and
 *	its new/ directory too (maildir_dir_fsync, shared the same way:
 *	maildir.h), before the queue file goes; each 'D' mark is fsynced.
 *
 * GROUP COMMIT
 *	Sessions that commit at the same moment share step 4: an fsync
 *	makes durable every change to the directory that was complete when
 *	it began, whoever made it (POSIX). Their queue IDs have the same
 *	arrival second, so they share the directory too. lib/dirsync
 *	numbers the syncs of each directory in a table that the writers
 *	map (incoming/.postern-dirsync, made by the first smtpd:
 *	qfile_share_syncs). After its rename a writer takes a ticket (the
 *	number of syncs begun, plus one) and waits for the directory's
 *	lock; it then returns at once when a sync numbered at least its
 *	ticket has succeeded meanwhile (that sync began after its rename),
 *	and otherwise syncs itself, for itself and for every writer that
 *	renamed while it waited. A writer killed while it syncs (kill -9,
 *	a crash) drops the lock with its last descriptor and records
 *	nothing: the next writer in line syncs for itself. A sync that
 *	fails fails every writer it would have covered. So every 250
 *	still follows an fsync of the directory that began after that
 *	message's rename and returned 0, as without group commit; and
 *	without dir_sync nothing is shared or waited for.
 *
 * SECURITY
 *	qmgr and delivery agents read files that smtpd, a network-facing
 *	process, wrote: every length is checked against the file size and
 *	QFILE_REC_MAX, every text record must be free of NUL and CR/LF, and
 *	any inconsistency is reported as corruption, never trusted.
 */
#ifndef POSTERN_QFILE_H
#define POSTERN_QFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "qid.h"
#include "vbuf.h"

#define QFILE_HDR_SIZE	64
#define QFILE_REC_MAX	(64 * 1024)
#define QFILE_MAGIC	"PSTRNQ1\n"

#define QREC_SENDER	'S'
#define QREC_ATTR	'A'
#define QREC_ORCPT	'O'
#define QREC_NOTIFY	'N'
#define QREC_RCPT	'R'
#define QREC_DONE	'D'
#define QREC_CONTENT	'M'
#define QREC_END	'E'

/* The queue states, as subdirectories of queue_directory. */
#define QDIR_INCOMING	"incoming"
#define QDIR_ACTIVE	"active"	/* an older version's; a listing's name */
#define QDIR_DEFERRED	"deferred"
#define QDIR_HOLD	"hold"
#define QDIR_CORRUPT	"corrupt"

struct qfile_writer;

/*
 * Start a queue file in queue_dir/incoming under a temporary name.
 * Returns NULL with errno on failure.
 */
struct qfile_writer *qfile_create(const char *queue_dir);
int	qfile_add_sender(struct qfile_writer *, const char *);
int	qfile_add_attr(struct qfile_writer *, const char *name, const char *value);
/* orcpt and notify may be NULL. */
int	qfile_add_rcpt(struct qfile_writer *, const char *addr,
	    const char *orcpt, const char *notify);
/* After the envelope: content bytes follow, in as many calls as needed. */
int	qfile_begin_content(struct qfile_writer *);
int	qfile_write_content(struct qfile_writer *, const void *, size_t);
/* Bytes of content written so far. */
uint64_t qfile_content_size(const struct qfile_writer *);
/*
 * Finish: trailer, header, fsync, rename to incoming/H/QID without
 * replacing anything, fsync that directory when dir_sync. On success the
 * message is safe and *qid_r is its ID. All functions return 0, or -1
 * with errno (ENOSPC, EIO ...); after an error call qfile_abort.
 */
int	qfile_commit(struct qfile_writer *, int dir_sync, char qid_r[QID_SIZE]);
/*
 * Share the directory syncs of qfile_commit with the other writers of
 * queue_dir that called this (GROUP COMMIT above): 0, or -1 with
 * *err_r, and each sync stays this process's own.
 */
int	qfile_share_syncs(const char *queue_dir, char **err_r);
/* Remove the temporary file and free; safe after a failed commit. */
void	qfile_abort(struct qfile_writer *);
/* The arrival time recorded in the header. */
const struct timeval *qfile_arrival(const struct qfile_writer *);
/*
 * The queue ID the file gets at qfile_commit, known from qfile_create
 * on (arrival time and inode are fixed then): smtpd needs it for the
 * Received: header it writes before the content and for its log lines.
 */
void	qfile_id(const struct qfile_writer *, char qid_r[QID_SIZE]);

/* --- reading ---------------------------------------------------------- */

struct qfile_rcpt {
	char	*addr;
	char	*orcpt;		/* NULL if none */
	char	*notify;	/* NULL if none */
	int64_t	 offset;	/* of its type byte, for qfile_mark_done */
	int	 done;
};

struct qfile_env {
	struct timeval	 arrival;
	char		*sender;	/* "" for the null sender */
	char		**attrs;	/* "name=value", NULL-terminated */
	size_t		 nattrs;
	struct qfile_rcpt *rcpts;
	size_t		 nrcpts;
	uint64_t	 content_offset;
	uint64_t	 content_size;
};

/*
 * Read and validate the whole envelope of the queue file open on fd.
 * 0 on success; -1 with *err_r a static reason for a corrupt file
 * (errno EINVAL) or an I/O error (errno from the failed call).
 */
int	qfile_read_env(int fd, struct qfile_env *, const char **err_r);
void	qfile_env_free(struct qfile_env *);
/* Value of an attribute, or NULL. */
const char *qfile_env_attr(const struct qfile_env *, const char *name);
/* Mark the recipient at offset done (one byte); the caller fsyncs. */
int	qfile_mark_done(int fd, int64_t offset);
/*
 * 1 when the open queue file fd still holds message qid (its header's
 * arrival time and its inode make that ID), else 0. A delivery agent
 * that copied a message checks this before it commits the copy: a
 * delivered file is emptied and reused (qfile_spare), and an agent
 * that qmgr gave up on may still be reading it.
 */
int	qfile_holds(int fd, const char *qid);

/* Descriptors a queue manager keeps for everything but queue files. */
#define QFILE_FD_RESERVE	256
/*
 * How many queue files a process may hold open under a descriptor
 * limit of nofile (RLIMIT_NOFILE; "unlimited" counts as ten million),
 * keeping QFILE_FD_RESERVE for the rest. qmgr holds each active
 * message's file open; the master says once at start when
 * qmgr_message_active_limit is above this.
 */
size_t	qfile_fd_room(unsigned long long nofile);

#endif
