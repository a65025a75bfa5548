/*
 * mailbox_int.h - state shared by the mailbox store's files (mailbox.c,
 * mailbox_index.c, mailbox_sync.c, mailbox_change.c, mailbox_name.c).
 * Not for programs: they use mailbox.h.
 */
#ifndef POSTERN_MAILBOX_INT_H
#define POSTERN_MAILBOX_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mailbox.h"
#include "vbuf.h"

#define MAILBOX_MAGIC		"PSTRNIX1"
#define MAILBOX_REC_MSG		'M'
#define MAILBOX_REC_EXPUNGE	'X'
#define MAILBOX_REC_KEYWORD	'K'
#define MAILBOX_REC_CACHE	'C'
#define MAILBOX_REC_COMMIT	'T'
/* bytes around a record's type and payload: length and CRC */
#define MAILBOX_REC_FRAME	8
/* grow the file to this much over its size when last written whole */
#define MAILBOX_COMPACT_SLACK	(1024 * 1024)

/* Where a cached field lives in the index file we have open. */
struct mailbox_cref {
	off_t		 off[MAILBOX_CACHE_FIELDS];
	uint32_t	 len[MAILBOX_CACHE_FIELDS];
};

/* A directory's modification time as last listed. */
struct mailbox_stamp {
	struct timespec	 mtime;
	int		 dirty;		/* list again next time */
};

struct mailbox {
	struct maildir	*md;		/* the folder */
	struct maildir	*root;		/* its Maildir++ root (quota) */
	int		 ifd;		/* the index file, -1 when none */
	dev_t		 idev;
	ino_t		 iino;
	off_t		 ipos;		/* end of the last transaction read */
	off_t		 base_size;	/* size when written whole */
	int		 locked;
	uint32_t	 uidvalidity;
	uint32_t	 uidnext;
	uint64_t	 modseq;	/* highest */
	struct mailbox_stamp stamp[2];	/* new/, cur/ */
	char		*kw[MAILBOX_KEYWORDS_MAX];
	unsigned	 nkw;
	struct mailbox_msg *msgs;	/* the view, in UID order */
	uint32_t	 count;
	uint32_t	 cap;
	int		 changed;	/* the view changed while reading */
	int		 damaged;	/* a record contradicts the rest */
	struct vbuf	*tx;		/* the transaction being built */
};

/* mailbox.c */
/* *err_r = "FOLDER: printf text" (malloc'd). */
void	mailbox_err(const struct mailbox *, char **err_r, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
/* The view's message with uid, or NULL. */
struct mailbox_msg *mailbox_lookup(struct mailbox *, uint32_t uid);
/* Append a message (uid above every other) to the view. */
struct mailbox_msg *mailbox_append_msg(struct mailbox *);
void	mailbox_msg_clear(struct mailbox_msg *);
/* The directory descriptor of new/ (0) or cur/ (1). */
int	mailbox_dirfd(const struct mailbox *, int in_cur);

/* mailbox_index.c */
uint32_t mailbox_crc32(uint32_t crc, const void *, size_t);
/* An IMAP atom of len bytes that may be a keyword (no \system flag). */
int	mailbox_keyword_ok(const char *p, size_t len);
/* Open (or create) the index and read it whole. */
int	mailbox_index_open(struct mailbox *, char **err_r);
void	mailbox_index_close(struct mailbox *);
/* Read what was appended (or the new file, if replaced): 0 or -1. */
int	mailbox_index_refresh(struct mailbox *, char **err_r);
/*
 * Under the lock: UIDs ran out (UIDNEXT would pass 2^32 - 1): a new
 * index with a new UIDVALIDITY, read in; the lock is gone with the old
 * file. 0, or -1 with *err_r.
 */
int	mailbox_index_renumber(struct mailbox *, const char *why,
	    char **err_r);
/* Take the lock and read to the end, cutting off what is unfinished. */
int	mailbox_index_lock(struct mailbox *, char **err_r);
void	mailbox_index_unlock(struct mailbox *);
/* Records into mb->tx (under the lock), then mailbox_index_commit. */
void	mailbox_rec_msg(struct mailbox *, const struct mailbox_msg *);
void	mailbox_rec_expunge(struct mailbox *, uint32_t uid, uint64_t modseq);
void	mailbox_rec_keyword(struct mailbox *, unsigned i, const char *name);
void	mailbox_rec_cache(struct mailbox *, uint32_t uid, unsigned field,
	    const void *data, size_t len);
/*
 * Append mb->tx and a commit record with uidnext and the stamps, then
 * read it back into the view; fdatasync when sync is set. Compacts
 * the file when it has grown enough. 0, or -1 with *err_r.
 */
int	mailbox_index_commit(struct mailbox *, uint32_t uidnext, int sync,
	    char **err_r);

/* mailbox_sync.c */
/* The stamp of a directory now: 0, or -1 with errno. */
int	mailbox_stamp_get(int dirfd, struct mailbox_stamp *);
/* Does dir (0 new/, 1 cur/) need a listing? */
int	mailbox_stamp_changed(const struct mailbox *, int in_cur);
/*
 * After changing directory in_cur ourselves (renames, unlinks): when
 * before (taken before the change) was the recorded stamp, record the
 * directory's time now, so that our own change costs no listing.
 */
void	mailbox_stamp_after(struct mailbox *, int in_cur,
	    const struct mailbox_stamp *before);

#endif
