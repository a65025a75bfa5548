/*
 * NAME
 *	mailbox - the mailbox store: one Maildir++ folder and its index,
 *	shared by pop3d and imapd (and filled by delivery/local)
 *
 * SYNOPSIS
 *	struct maildir *root, *folder;	(lib/maildir: maildir_open,
 *					 maildir_open_folder)
 *	struct mailbox *mb;
 *	char *err;
 *
 *	if (mailbox_open(folder, root, 0, &mb, &err) < 0)
 *		... log err, free(err) ...
 *	for (i = 0; i < mailbox_count(mb); i++) {
 *		const struct mailbox_msg *m = mailbox_msg(mb, i);
 *		... m->uid, m->vsize, m->flags ...
 *	}
 *	... later, to see what others did: mailbox_sync(mb, 0, &err) ...
 *	mailbox_close(&mb);
 *
 * DESCRIPTION
 *	A folder is a Maildir (the root of a Maildir++ for INBOX, a
 *	".Name" directory below it for the others). Its messages are the
 *	files of new/ and cur/; the Maildir file name is the truth about
 *	which messages exist and about their system flags (":2,FLAGS").
 *	Beside them the folder holds its index, MAILBOX_INDEX_FILE, which
 *	adds what IMAP and POP3 need and the file names cannot hold: a
 *	UID per message, stable across sessions and never given to
 *	another message within one UIDVALIDITY; UIDNEXT; keywords; a
 *	modification sequence per message (CONDSTORE/QRESYNC); the size
 *	with CR LF line ends (RFC822.SIZE, POP3 LIST); the internal date;
 *	cached data such as an envelope or a body structure; and
	MAILBOX_UIDV_FILE, the last UIDVALIDITY the folder was given, so
	that an index rebuilt or made again never repeats one (the
	Maildir++ root's keeps the last one any of its folders was given,
	for a folder deleted and made again under its name). Opening a
 *	folder reads the index and at most the listings of new/ and cur/,
 *	never a message: sizes come from the ,S= and ,W= fields that
 *	delivery writes into the names (lib/maildir), dates from the
 *	names' leading seconds.
 *
 *	Each process keeps its own view of the folder: the messages in
 *	UID order (mailbox_msg, 0-based). mailbox_sync brings it up to
 *	date: new messages are appended, flag changes applied, and
 *	expunged messages are marked (MAILBOX_MSG_EXPUNGED) but stay in
 *	the view, at their place, until the caller calls mailbox_purge:
 *	an IMAP session removes them when it may announce EXPUNGE, a POP3
 *	session never during the session (RFC 1939's fixed maildrop).
 *	UIDs are assigned in arrival order (the dates in the names).
 *
 * INDEX FILE FORMAT (MAILBOX_INDEX_FILE; integers little-endian)
 *	offset 0   header, MAILBOX_HDR_SIZE bytes:
 *	             magic "PSTRNIX1" (8), UIDVALIDITY (4), zero (4),
 *	             creation time in seconds (8), size of the file when it
 *	             was written whole (8, for compaction), zero padding,
 *	             CRC-32 of the first 60 bytes (4, at offset 60)
 *	offset 64  records, each: length L of type and payload (4), type
 *	             (1), payload (L-1), CRC-32 of the length, type and
 *	             payload (4). 1 <= L <= MAILBOX_REC_MAX.
 *	   'M' a message, added or changed (the last one wins): UID (4),
 *	       system flags (4), keywords (8, bit i = keyword i), modseq
 *	       (8), size (8), CR LF size (8, all ones: not yet known),
 *	       internal date (8, signed seconds), directory (1: 0 new/,
 *	       1 cur/), file name length (2), file name
 *	   'X' a message expunged: UID (4), modseq (8)
 *	   'K' a keyword defined: number (1), name
 *	   'C' cached data of a message: UID (4), field (1), the bytes
 *	   'T' the end of a transaction (its commit): UIDNEXT (4),
 *	       highest modseq (8), then for new/ and for cur/ the
 *	       directory's modification time when it was last listed
 *	       (seconds 8, nanoseconds 4) and a flag byte (1: the listing
 *	       may have missed a change made in the same clock tick, so
 *	       list it again)
 *	A transaction is any number of records ended by a 'T'; readers
 *	apply whole transactions only, and what follows the last 'T' is
 *	ignored until a writer decides about it.
 *
 * STATES AND TRANSITIONS
 *	Readers take no lock: they read the records appended since they
 *	last looked. Writers hold flock(LOCK_EX) on the index file, read
 *	to its end, append one transaction with one write(), and
 *	fdatasync it when it gives out UIDs; then release the lock.
 *	  I0 no index		mailbox_open writes a header and an empty
 *				transaction under a temporary name, fsyncs
 *				it and links it into place (never over an
 *				index another process made meanwhile), then
 *				lists new/ and cur/: every message gets a UID.
 *	  I1 valid		records up to the last 'T' are the state.
 *	  I2 unfinished tail	a writer died inside its write(): bytes
 *				after the last 'T' are a transaction's
 *				beginning, never applied; the next writer
 *				cuts them off (ftruncate) before it appends
 *				and logs that it did. Nothing in them was
 *				seen by anyone, so no UID in them was given
 *				out.
 *	  I3 compacted		when the file has grown past twice its
 *				size when last written whole, the writer
 *				writes the live state (one 'M' per message,
 *				the keywords, the cached data) to a
 *				temporary file, fsyncs it, renames it over
 *				the index and fsyncs the folder. Readers
 *				notice the new inode and read it whole; the
 *				UIDVALIDITY stays. A crash before the rename
 *				leaves the old index (and a temporary file,
 *				removed at the next compaction). The
 *				transaction that makes the file due is not
 *				fdatasynced by itself (the whole copy is):
 *				after a power loss before the rename, its
 *				tail is cut as in I2 and the messages are
 *				listed again.
 *	  I4 damaged		a bad header, a record that fails its CRC
 *				with more bytes after it, or a record that
 *				contradicts the others: the writer that
 *				finds it rebuilds the index from the Maildir
 *				with a new UIDVALIDITY (clients then fetch
 *				the folder again; a UID is still never
 *				reused within one UIDVALIDITY), with a
 *				warning naming the folder. A damaged record
 *				at the very end, after which nothing
 *				follows, is treated as I2.
 *	  I5 UIDs run out	a listing or an APPEND would take UIDNEXT
 *				past 2^32 - 1 (IMAP's UIDs are 32 bits):
 *				rebuilt the same way, numbered from 1 under a
 *				new UIDVALIDITY.
 *	Messages change behind the index's back (a delivery into new/, a
 *	mail client on the same host moving or deleting files): a
 *	directory is listed again only when its modification time
 *	differs from the one recorded in the last 'T' (or that listing
 *	was flagged), so new mail costs a listing of new/, not of cur/.
 *	A message whose file is gone is expunged; a file with an unknown
 *	unique part gets the next UID; a known one under another name (in
 *	the other directory, or with other flags) is the same message with
 *	the flags its name says. A file that cannot be opened although the
 *	index knows it makes both directories be listed again.
 *
 *	What each step leaves after a crash (kill -9 of any process at
 *	any instant, or of the machine):
 *	  - a UID transaction is fdatasynced before its lock is released,
 *	    and the file's data up to it with it: a later crash cannot
 *	    make a UID given out before it be given again;
 *	  - flag changes rename the file first, then record: a crash in
 *	    between leaves the new name, which the next listing reads;
 *	  - an expunge unlinks the file first, then records: a crash in
 *	    between leaves a missing file, which the next listing expunges
 *	    (so a crash in POP3's UPDATE state deletes a part of what QUIT
 *	    would have deleted, never anything else, and loses nothing);
 *	  - quota (maildirsize) is updated after the unlinks; a crash
 *	    before it leaves a usage that is too high until the next
 *	    rebuild of maildirsize (lib/maildir_quota).
 *
 * SECURITY
 *	The index, the file names and the message files belong to the
 *	mailbox owner (and, in the case of names, come partly from remote
 *	senders through Maildir tools): every record is checked (length
 *	bounds before anything is allocated, CRC, names without '/' or
 *	controls, UIDs consistent), and a check that fails leads to a
 *	rebuild, never to trusting the record. Message files are opened
 *	with fsutil_open_beneath (no symbolic link is followed, nothing
 *	outside the folder is reached); a symbolic link in new/ or cur/ is
 *	not a message.
 */
#ifndef POSTERN_MAILBOX_H
#define POSTERN_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

struct maildir;
struct vbuf;

#define MAILBOX_INDEX_FILE	"postern.index"
#define MAILBOX_UIDV_FILE	"postern.uidvalidity"	/* the last one given */
#define MAILBOX_HDR_SIZE	64
#define MAILBOX_REC_MAX		(256 * 1024)	/* one record, bytes */
#define MAILBOX_INDEX_MAX	(1024LL * 1024 * 1024)	/* the file */
#define MAILBOX_KEYWORDS_MAX	64	/* per folder (a 64-bit set) */
#define MAILBOX_KEYWORD_LEN	100	/* bytes of a keyword name */
#define MAILBOX_LOCK_TIMEOUT	30	/* seconds waited for the lock */

/* System flags, and the Maildir info letter of each. */
#define MAILBOX_F_ANSWERED	0x01	/* R: \Answered */
#define MAILBOX_F_FLAGGED	0x02	/* F: \Flagged */
#define MAILBOX_F_DELETED	0x04	/* T: \Deleted */
#define MAILBOX_F_SEEN		0x08	/* S: \Seen */
#define MAILBOX_F_DRAFT		0x10	/* D: \Draft */
#define MAILBOX_F_PASSED	0x20	/* P: forwarded (no IMAP flag) */
#define MAILBOX_F_ALL		0x3f

/* mailbox_msg.state */
#define MAILBOX_MSG_EXPUNGED	0x01	/* gone; in the view until purged */

#define MAILBOX_VSIZE_UNKNOWN	UINT64_MAX

/* Cached data fields (mailbox_cache_get/put). */
#define MAILBOX_CACHE_ENVELOPE		0
#define MAILBOX_CACHE_BODYSTRUCTURE	1
#define MAILBOX_CACHE_BODY		2
#define MAILBOX_CACHE_FIELD3		3	/* free for imapd */
#define MAILBOX_CACHE_FIELDS		4

struct mailbox_cref;

/* One message of the view. Read the fields; change them only here. */
struct mailbox_msg {
	uint32_t	 uid;
	uint32_t	 flags;		/* MAILBOX_F_* */
	uint64_t	 keywords;	/* bit i: mailbox_keyword_name(i) */
	uint64_t	 modseq;	/* of its last change */
	uint64_t	 size;		/* bytes of the file */
	uint64_t	 vsize;		/* with CR LF line ends, or unknown */
	int64_t		 idate;		/* internal date, epoch seconds */
	uint32_t	 state;		/* MAILBOX_MSG_* */
	uint8_t		 in_cur;	/* in cur/ (else new/) */
	char		*name;		/* the file name in that directory */
	struct mailbox_cref *cache;	/* private */
};

struct mailbox;

/*
 * Errors: functions that fail with *err_r set it to a malloc'd
 * one-line message naming the folder; the caller frees it.
 */

/*
 * Open the folder md (from maildir_open or maildir_open_folder) whose
 * Maildir++ root is root (the same as md for INBOX; its maildirsize is
 * kept up to date by expunges). Both stay the caller's and must stay
 * open until mailbox_close. Creates the index when there is none, and
 * syncs (mailbox_sync). flags: 0. 0 and *mb_r, or -1 with *err_r.
 */
int	mailbox_open(struct maildir *md, struct maildir *root, int flags,
	    struct mailbox **mb_r, char **err_r);
/* Free the view (the Maildirs stay open); *mbp = NULL. NULL is fine. */
void	mailbox_close(struct mailbox **mbp);

/*
 * Bring the view up to date with the index and the Maildir (see
 * DESCRIPTION). MAILBOX_SYNC_FORCE lists new/ and cur/ whatever their
 * times say. Returns 1 when the view changed (messages added, changed
 * or marked expunged), 0 when not, -1 with *err_r.
 */
#define MAILBOX_SYNC_FORCE	0x1
int	mailbox_sync(struct mailbox *, int flags, char **err_r);
/* Drop the messages marked MAILBOX_MSG_EXPUNGED from the view. */
void	mailbox_purge(struct mailbox *);

uint32_t mailbox_count(const struct mailbox *);
/* Message i of the view (0 <= i < mailbox_count). */
const struct mailbox_msg *mailbox_msg(const struct mailbox *, uint32_t i);
/*
 * The message with this UID (expunged ones included while in the
 * view), and its place in *i_r (may be NULL); NULL when not in the view.
 */
const struct mailbox_msg *mailbox_find_uid(const struct mailbox *,
	    uint32_t uid, uint32_t *i_r);
uint32_t mailbox_uidvalidity(const struct mailbox *);
uint32_t mailbox_uidnext(const struct mailbox *);
uint64_t mailbox_highestmodseq(const struct mailbox *);
/* The folder's path below the mail root, for logs. */
const char *mailbox_path(const struct mailbox *);

/*
 * Open the file of message uid for reading. 1 and *fd_r (the caller
 * closes it); 0 when the message is gone (then marked expunged in the
 * view); -1 with *err_r. A file that moved (flags changed by another
 * session, a client moving it) is found again.
 */
int	mailbox_msg_open(struct mailbox *, uint32_t uid, int *fd_r,
	    char **err_r);
/*
 * Make every vsize of the view known: read the files whose names lack
 * a ,W= field (once: the result is recorded). 0, or -1 with *err_r.
 */
int	mailbox_fill_vsizes(struct mailbox *, char **err_r);

/* mailbox_store operations */
enum mailbox_store_op {
	MAILBOX_STORE_SET,	/* flags and keywords become these */
	MAILBOX_STORE_ADD,
	MAILBOX_STORE_REMOVE,
};
/*
 * Change the flags and keywords of the n messages uids (in the view,
 * not expunged; others are skipped). When unchangedsince is not 0, a
 * message whose modseq is higher is left alone and its UID put into
 * modified_r (room for n; NULL when not wanted), its count in
 * *nmodified_r (CONDSTORE). The changed messages share one new modseq.
 * Returns the number changed, or -1 with *err_r.
 */
int	mailbox_store(struct mailbox *, const uint32_t *uids, size_t n,
	    enum mailbox_store_op op, uint32_t flags, uint64_t keywords,
	    uint64_t unchangedsince, uint32_t *modified_r,
	    size_t *nmodified_r, char **err_r);
/*
 * Expunge the n messages uids: their files are removed, maildirsize
 * updated, and the view marks them (purge to drop them). Messages
 * already gone count as expunged. Returns the number removed by this
 * call, with their bytes in *bytes_r (may be NULL), or -1 with *err_r
 * (those removed before the error stay removed and recorded).
 */
int	mailbox_expunge(struct mailbox *, const uint32_t *uids, size_t n,
	    uint64_t *bytes_r, char **err_r);

/*
 * IMAP's \Recent (RFC 3501 2.3.2): a message still in new/ has been
 * seen by no mail reader. Move those of the view into cur/ (flags
 * unchanged) and return their UIDs in *uids_r (malloc'd, ascending;
 * the caller frees it) and their count in *n_r: they are recent in the
 * caller's session only, since another session finds them in cur/.
 * 0, or -1 with *err_r.
 */
int	mailbox_claim_new(struct mailbox *, uint32_t **uids_r, size_t *n_r,
	    char **err_r);

/* A message for mailbox_add. */
struct mailbox_new {
	const char	*name;		/* committed into new/ (maildir_msg) */
	uint32_t	 flags;		/* MAILBOX_F_* */
	uint64_t	 keywords;
	int64_t		 idate;		/* 0: from the name */
};
/*
 * Give UIDs to n messages just written into new/ (IMAP APPEND, COPY),
 * in order; a message with flags moves to cur/. uids_r (room for n)
 * gets their UIDs; a message another process has already found keeps
 * the UID it got. 0, or -1 with *err_r.
 */
int	mailbox_add(struct mailbox *, const struct mailbox_new *msgs,
	    size_t n, uint32_t *uids_r, char **err_r);

/*
 * Keywords: the number of keyword name (ASCII case ignored), defining
 * it when create is set and it is new. >= 0, or -1 with *err_r (no
 * such keyword without create, MAILBOX_KEYWORDS_MAX reached, a name
 * that is not an IMAP atom, or an I/O error).
 */
int	mailbox_keyword(struct mailbox *, const char *name, int create,
	    char **err_r);
unsigned mailbox_keyword_count(const struct mailbox *);
/* The name of keyword i (< mailbox_keyword_count), or NULL. */
const char *mailbox_keyword_name(const struct mailbox *, unsigned i);

/*
 * Cached data of a message (MAILBOX_CACHE_*), at most MAILBOX_REC_MAX
 * minus a few bytes. get: 1 with the bytes appended to out, 0 when
 * none is cached, -1 with *err_r. put: 0, or -1 with *err_r.
 */
int	mailbox_cache_get(struct mailbox *, uint32_t uid, unsigned field,
	    struct vbuf *out, char **err_r);
int	mailbox_cache_put(struct mailbox *, uint32_t uid, unsigned field,
	    const void *data, size_t len, char **err_r);

/*
 * For IMAP IDLE: add inotify watches (on the inotify descriptor ifd)
 * on the folder directory (the index is appended to or replaced) and on
 * its new/ and cur/ (messages arrive, move or go). Any event on them
 * means "call mailbox_sync". Call it again after a sync that replaced
 * nothing is not needed: the watches are on directories. 0, or -1
 * with *err_r.
 */
int	mailbox_watch(struct mailbox *, int ifd, char **err_r);

/*
 * Maildir file names (mailbox_name.c). The system flags of a name's
 * ":2," info (0 without one); the unique part's length (up to ':');
 * a new name for base with flags: BASE:2,LETTERS with the letters of
 * flags and any other letters of the old info kept (lower case ones
 * are other programs' keywords), in ASCII order. -1 when buf is too
 * small.
 */
uint32_t mailbox_name_flags(const char *name);
size_t	mailbox_name_baselen(const char *name);
int	mailbox_name_make(const char *oldname, uint32_t flags, char *buf,
	    size_t len);
/* The leading seconds of a Maildir unique name: 1 and *t_r, or 0. */
int	mailbox_name_time(const char *name, int64_t *t_r);

#endif
