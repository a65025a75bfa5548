/*
 * NAME
 *	qfile_path - where queue files live: each queue state's hashed
 *	subdirectories, the path of a message, moving it between states,
 *	and walking over a state.
 *
 * DESCRIPTION
 *	A queue state (incoming/, deferred/, hold/, and qmgr's
 *	defer/ records) holds its files in sixteen subdirectories named by
 *	qid_hash(QID), 0-9 and A-F (qfile.h), so that no directory ever
 *	holds millions of entries: STATE/H/QID. The subdirectories are
 *	made when the first file goes into them, by whichever process gets
 *	there first; a move that finds one missing makes it and tries once
 *	more.
 *
 *	Every function takes the state as a path, relative (the mail
 *	system's processes run in queue_directory) or absolute (the postern
 *	command).
 *
 * SECURITY
 *	Only names that are valid queue IDs, in the subdirectory their hash
 *	names, come out of a walk: a stray file is never taken for a
 *	message, and its name is reported only through the caller's
 *	callback. Subdirectories are made mode 0700.
 */
#ifndef POSTERN_QFILE_PATH_H
#define POSTERN_QFILE_PATH_H

#include <dirent.h>

#include "qid.h"

#define QFILE_SUBDIRS		"0123456789ABCDEF"	/* qid_hash's range */
#define QFILE_NSUBDIRS		16

#define QFILE_MOVE_NOREPLACE	0x1	/* never over an existing file */
#define QFILE_MOVE_SYNC		0x2	/* fsync the directory after */

/* "STATE/H/QID", malloc'd (the caller frees it). */
char	*qfile_path(const char *state, const char *qid);
/* Make STATE/H for qid (mode 0700): 0 (also when it exists), or -1. */
int	qfile_mksubdir(const char *state, const char *qid);
/*
 * Rename the file at src to STATE/H/QID, making STATE/H when it is
 * missing. 0, or -1 with errno (ENOENT: src is gone; EEXIST with
 * QFILE_MOVE_NOREPLACE). Where the file system cannot rename without
 * replacing, QFILE_MOVE_NOREPLACE links and unlinks instead.
 */
int	qfile_move_path(const char *src, const char *state, const char *qid,
	    int flags);
/* Move qid from one state to another: qfile_move_path of its path. */
int	qfile_move(const char *from, const char *to, const char *qid);
/*
 * From now on, share the directory syncs of QFILE_MOVE_SYNC into state
 * with the other processes that do the same (group commit, lib/dirsync;
 * the table is STATE/.postern-dirsync, made by the first of them). For the
 * queue's own processes, once they run as mail_owner; elsewhere (root,
 * the postern command) each sync is a process's own. 0, or -1 with
 * *err_r: the syncs are then this process's own, as before.
 */
int	qfile_state_share_syncs(const char *state, char **err_r);

/*
 * A walk over the messages of one state, a subdirectory at a time; it
 * may be left between calls (qmgr scans in batches).
 */
struct qfile_walk {
	const char	*state;
	int		 sub;		/* 0..16: the subdirectory at hand */
	DIR		*d;
};

/* Called with a name that is not a queue file of its subdirectory. */
typedef void (*qfile_walk_odd_fn)(const char *state, char sub,
		    const char *name);

void	qfile_walk_start(struct qfile_walk *, const char *state);
/*
 * The next queue ID: 1 with qid_r; 0 at the end; -1 with errno when a
 * subdirectory that exists cannot be read (the walk goes on with the
 * next one at the next call). Names that start with a dot are passed
 * over; other names that are not a queue ID hashed to their
 * subdirectory go to odd (NULL: passed over too).
 */
int	qfile_walk_next(struct qfile_walk *, char qid_r[QID_SIZE],
	    qfile_walk_odd_fn odd);
/* Close what the walk holds open (any time; again is fine). */
void	qfile_walk_end(struct qfile_walk *);

/*
 * Move every queue file of state that is in another subdirectory than
 * its hash names (a queue written by an older version, whose hash was
 * another arrival digit) into its own. The number moved, or -1 with
 * errno when a subdirectory that exists cannot be read.
 */
long	qfile_rehash(const char *state);

#endif
