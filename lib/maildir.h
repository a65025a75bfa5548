/*
 * NAME
 *	maildir - writing messages into a Maildir++ (the write half of the
 *	mailbox store)
 *
 * DESCRIPTION
 *	A Maildir is a directory with tmp/, new/ and cur/ (mode 0700);
 *	Maildir++ folders are subdirectories ".Name" of the same shape.
 *	Paths are relative to a root directory descriptor, the mail root
 *	(virtual_mailbox_base); the local delivery agent runs chrooted
 *	there when root, and opens the root before the jail otherwise.
 *
 *	Delivering one message (maildir_msg_*):
 *	  1. tmp/UNIQUE is created with O_EXCL (never over anything),
 *	  2. the bytes are written (optionally CRLF -> LF), then fsync,
 *	  3. it is linked into new/UNIQUE,S=SIZE,W=VSIZE (never over an
 *	     existing name), new/ is fsynced, and the tmp/ name removed.
 *	UNIQUE is SECONDS.M<usec>P<pid>Q<n>.HOST as the Maildir
 *	specification says, HOST with '/', ':' and ',' escaped as \057,
 *	\072 and \054; SIZE is the file's size in bytes (Maildir++), VSIZE
 *	its size with every LF that has no CR before it counted as CR LF:
 *	the octets POP3 RETR and IMAP RFC822.SIZE send (the field Dovecot
 *	writes too), so that no reader opens a file to learn them.
 *
 *	Invariant: a name in new/ always refers to a complete, fsynced
 *	file. A crash at any step leaves at most a file in tmp/ (after
 *	step 3, a second name of the delivered file), which
 *	maildir_clean_tmp removes once it is MAILDIR_TMP_MAX_AGE old; a
 *	crash after step 3 but before the caller reports success is the
 *	duplicate window the queue documents (the message is delivered
 *	again, complete both times). Any error (ENOSPC, EIO, EDQUOT...)
 *	removes the temporary file and returns -1 with errno: nothing is
 *	left visible.
 *
 *	A Maildir that does not exist is created, with every missing
 *	parent directory (0700), when MAILDIR_CREATE is given; the parent
 *	of each created directory is fsynced, so a message that was
 *	reported delivered cannot vanish with a directory entry.
 *
 * SECURITY
 *	Paths come from lookup tables and folder names from recipient
 *	address extensions, i.e. partly from the network. A path is walked
 *	one component at a time with openat(O_NOFOLLOW | O_DIRECTORY): a
 *	symbolic link anywhere below the root, a "." or ".." component, or
 *	a component that is not a directory is refused, so nothing is ever
 *	written outside the mail root. Files are created with O_EXCL and
 *	O_NOFOLLOW, mode 0600.
 */
#ifndef POSTERN_MAILDIR_H
#define POSTERN_MAILDIR_H

#include <sys/types.h>
#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MAILDIR_TMP_MAX_AGE	(36 * 60 * 60)	/* seconds */
#define MAILDIR_NAME_MAX	255		/* a file name in new/ */
#define MAILDIR_PATH_MAX	1024		/* a path below the root */
#define MAILDIR_HOST_MAX	64		/* escaped host name, bytes */
#define MAILDIR_CLEAN_MAX	10000	/* entries looked at per clean */

/* maildir_open flags */
#define MAILDIR_CREATE		0x01	/* create what is missing */

/* maildir_msg_new flags */
#define MAILDIR_MSG_CRLF	0x01	/* store CRLF line ends as LF */

struct maildir {
	int	 fd;		/* the Maildir (or folder) directory */
	int	 tmpfd, newfd, curfd;
	char	*path;		/* below the root, for messages */
};

struct maildir_msg;

/*
 * Errors: a function that fails with *err_r sets it to a malloc'd
 * one-line message naming the path ("open a/b/new: Permission
 * denied"); the caller frees it. *err_r is not touched on success.
 */

/*
 * Open the Maildir at path (relative to rootfd; leading slashes are
 * ignored, as virtual_mailbox_base is a prefix) and its tmp/, new/ and
 * cur/; with MAILDIR_CREATE create whatever is missing. Returns 0 and
 * *md_r (free with maildir_close), or -1 with errno and *err_r.
 * errno EINVAL: the path is malformed (empty, ".", ".."); ELOOP: a
 * symbolic link; ENOTDIR: a component is not a directory.
 */
int	maildir_open(int rootfd, const char *path, int flags,
	    struct maildir **md_r, char **err_r);
/*
 * Open the existing Maildir++ folder ".name" of md (missing tmp/, new/,
 * cur/ inside it are created). 1 and *f_r; 0 when there is no such
 * folder (or name is not an acceptable folder name,
 * maildir_folder_name_ok, or ".name" is a symbolic link or a file:
 * never followed); -1 with errno and *err_r on other errors.
 * When the exact name does not exist, a folder whose name differs only
 * in ASCII case is taken.
 */
int	maildir_open_folder(struct maildir *md, const char *name,
	    struct maildir **f_r, char **err_r);
/* Close every descriptor, free, set *mdp to NULL. NULL is fine. */
void	maildir_close(struct maildir **mdp);

/*
 * 1 when name may be a Maildir++ folder name (the part after the
 * leading dot): 1..255 bytes, no '/', no control character, not
 * starting or ending with '.', no "..".
 */
int	maildir_folder_name_ok(const char *name);
/*
 * 1 when path is acceptable to maildir_open: at most MAILDIR_PATH_MAX
 * bytes, no control character, at least one component, none of them
 * "." or "..".
 */
int	maildir_path_ok(const char *path);

/*
 * Start a message in md's tmp/. NULL with errno and *err_r on failure.
 * The Maildir must stay open until the message is committed or
 * aborted.
 */
struct maildir_msg *maildir_msg_new(struct maildir *md, int flags,
	    char **err_r);
/*
 * Append bytes (converted when MAILDIR_MSG_CRLF: each CR LF pair,
 * also split across calls, becomes LF; a lone CR stays). 0, or -1 with
 * errno; after an error every later call fails with the same errno.
 */
int	maildir_msg_write(struct maildir_msg *m, const void *buf,
	    size_t len);
/* Bytes stored so far (after conversion). */
uint64_t maildir_msg_size(const struct maildir_msg *m);
/* The same as a reader sends them: each LF without a CR before it as CR LF. */
uint64_t maildir_msg_vsize(const struct maildir_msg *m);
/*
 * The LFs in buf without a CR before them (what a reader turns into CR
 * LF), for ,W= sizes; *last_cr carries whether the previous chunk ended
 * in a CR (start with 0).
 */
uint64_t maildir_bare_lf(const void *buf, size_t len, int *last_cr);
/*
 * Finish: flush, fsync, link into new/ as UNIQUE,S=SIZE,W=VSIZE, fsync new/
 * (unless maildir_set_dir_sync(0)), unlink the tmp/ name (maildir_msg.c says
 * why not a rename). 0 with the new/ file name in name_r (at least
 * MAILDIR_NAME_MAX + 1 bytes; may be NULL); or -1 with errno and
 * *err_r, and nothing left behind. m is freed either way.
 */
int	maildir_msg_commit(struct maildir_msg *m, char *name_r,
	    size_t namelen, char **err_r);
/* Drop the message: remove the tmp/ file and free. NULL is fine. */
void	maildir_msg_abort(struct maildir_msg *m);
/*
 * Whether maildir_msg_commit fsyncs new/ after the link (default yes).
 * Without it a crash can lose the new/ entry of a file that was itself
 * fsynced (Postfix's durability; maildir_dir_fsync = no).
 */
void	maildir_set_dir_sync(int on);
/*
 * Share those fsyncs of new/ with the other processes that use the
 * same table (group commit, lib/dirsync); NULL: each is this process's
 * own (the default).
 */
struct dirsync;
void	maildir_share_dir_syncs(struct dirsync *);

/*
 * Remove regular files in md's tmp/ last modified more than
 * MAILDIR_TMP_MAX_AGE seconds before now (at most MAILDIR_CLEAN_MAX
 * entries are examined per call). The number removed, or -1 with
 * errno.
 */
int	maildir_clean_tmp(struct maildir *md, time_t now);

/*
 * A unique base name, SECONDS.M<usec>P<pid>Q<n>.HOST, into buf.
 * 0, or -1 when len is too small.
 */
int	maildir_unique(char *buf, size_t len, const struct timeval *tv,
	    long pid, unsigned long q, const char *host);
/* This host's name, escaped for file names (static storage). */
const char *maildir_hostname(void);
/*
 * A ",F=NUMBER" field of a file name's unique part (before any ":"),
 * e.g. field 'S' (the Maildir++ size) or 'W' (the CR LF size): 1 and
 * *value_r, or 0 when the name has none (or a malformed one).
 */
int	maildir_name_field(const char *name, int field, uint64_t *value_r);
/* maildir_name_field(name, 'S', size_r). */
int	maildir_name_size(const char *name, uint64_t *size_r);

#endif
