/*
 * imapd.h - private header of the IMAP session side (imapd(8)).
 *
 * A logged-in client arrives from imap-login (lib/session); in files:
 *	imapd_session.c	taking the client over, the login answer, the
 *			command loop, the Dovecot-style log lines
 *	imapd_cmd.c	the command table: states, UID forms, dispatch
 *	imapd_reply.c	responses: tagged, untagged, strings, flags
 *	imapd_misc.c	CAPABILITY, NOOP, CHECK, LOGOUT, ENABLE, ID
 *	imapd_select.c	SELECT, EXAMINE, CLOSE, UNSELECT; the selected
 *			mailbox and the untagged updates RFC 9051 allows
 *	imapd_msg.c	a message's bytes and parsed tree, for FETCH and
 *			SEARCH
 *	imapd_fetch.c	FETCH
 *	imapd_store.c	STORE
 *	imapd_search.c	SEARCH (ESEARCH, SEARCHRES)
 *	imapd_expunge.c	EXPUNGE, UID EXPUNGE
 *	imapd_copy.c	COPY, MOVE (COPYUID)
 *	imapd_append.c	APPEND (streamed literals, APPENDUID, MULTIAPPEND)
 *	imapd_folder.c	folders on disk: names, create, delete, rename,
 *			subscriptions, special use
 *	imapd_list.c	LIST (LIST-EXTENDED, LIST-STATUS, SPECIAL-USE),
 *			LSUB, NAMESPACE
 *	imapd_status.c	STATUS
 *	imapd_idle.c	IDLE (inotify)
 *	imap_*.c	the grammar and the data formats (see their headers)
 */
#ifndef POSTERN_IMAPD_H
#define POSTERN_IMAPD_H

#include <stddef.h>
#include <stdint.h>

#include "imap_parser.h"
#include "imap_read.h"
#include "imap_seqset.h"
#include "session.h"

struct arena;
struct mailbox;
struct maildir;
struct server_info;
struct stream;
struct vbuf;

/* Enabled with ENABLE (RFC 5161). */
#define IMAPD_EN_REV2		0x1	/* IMAP4rev2 */
#define IMAPD_EN_UTF8		0x2	/* UTF8=ACCEPT (or rev2) */

/* The IMAP mailbox hierarchy delimiter (Maildir++). */
#define IMAPD_DELIM		'.'

/* The selected mailbox. */
struct imapd_sel {
	struct maildir	*md;		/* the folder (NULL: INBOX, the root) */
	struct mailbox	*mb;
	char		*name;		/* as stored (modified UTF-7) */
	int		 readonly;	/* EXAMINE */
	struct imap_view view;		/* what the client was told */
	uint32_t	*told_flags;	/* per message of the view */
	uint64_t	*told_kw;
	uint32_t	 told_cap;
	unsigned	 told_nkw;	/* keywords in the last FLAGS */
	uint32_t	*recent;	/* UIDs \Recent in this session */
	size_t		 nrecent, caprecent;
	uint32_t	*saved;		/* SEARCHRES "$", UIDs ascending */
	size_t		 nsaved;
	int		 ifd;		/* inotify, for IDLE (-1) */
	struct imapd_memo *memo;	/* header values searched (search.c) */
};

/* One IMAP session of one user. */
struct imapd {
	struct session	 sess;
	struct stream	*s;
	struct imap_parser *parser;
	struct imap_reader reader;
	struct imap_lit_hook hook;
	unsigned	 enabled;	/* IMAPD_EN_* */
	struct imapd_sel *sel;
	struct imapd_append *append;	/* an APPEND in progress */
	int		 bad;		/* bad commands in a row */
	int		 logout;	/* LOGOUT seen */
	/* the command being run */
	const char	*tag;
	const char	*cmd;		/* its name, upper case */
	int		 uid;		/* the UID form */
	int		 noexpunge;	/* no EXPUNGE in its responses */
	/* for the logout line */
	uint64_t	 in_bytes, out_bytes;
	unsigned	 deleted, expunged, trashed;
	unsigned	 hdr_count, body_count;
	uint64_t	 hdr_bytes, body_bytes;
};

/* imapd_session.c */
void	imapd_session(int fd, const struct server_info *);

/* imapd_reply.c */
/* "TAG text" / "* text" / "+ text", CR LF added. */
void	imapd_tagged(struct imapd *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	imapd_untagged(struct imapd *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Raw bytes (a FETCH line being built). */
void	imapd_write(struct imapd *, const void *, size_t);
void	imapd_flush(struct imapd *);
/*
 * The end of a command that went well: the untagged updates it allows
 * (imapd_sync), then "TAG OK text".
 */
void	imapd_ok(struct imapd *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "BAD Error in IMAP command NAME: why" for the current command. */
void	imapd_bad(struct imapd *, const char *why);
/* Tagged NO/BAD for an error from the store, logged with *err freed. */
void	imapd_no_err(struct imapd *, char *err);
void	imapd_no_mailbox(struct imapd *, char *err, const char *code,
	    const char *name);
/* The capability list (after "CAPABILITY "): for the session side. */
const char *imapd_capabilities(const struct imapd *);
/* Append the flag list of flags/keywords: "(\Seen $Junk)". */
void	imapd_put_flags(struct imapd *, struct vbuf *, uint32_t flags,
	    uint64_t keywords, int recent);
/* Append a mailbox name as the client should see it (UTF-8 or mUTF-7). */
void	imapd_put_mailbox(struct imapd *, struct vbuf *, const char *stored);
/* 1 when the session speaks IMAP4rev2. */
static inline int
imapd_rev2(const struct imapd *d)
{
	return (d->enabled & IMAPD_EN_REV2) != 0;
}

/* imapd_cmd.c */
/* Run the command just read: 0 go on, -1 end the session. */
int	imapd_command(struct imapd *, struct imap_cmd *);

/* imapd_misc.c */
int	imapd_cmd_capability(struct imapd *, const struct imap_arg *);
int	imapd_cmd_noop(struct imapd *, const struct imap_arg *);
int	imapd_cmd_logout(struct imapd *, const struct imap_arg *);
int	imapd_cmd_enable(struct imapd *, const struct imap_arg *);
int	imapd_cmd_id(struct imapd *, const struct imap_arg *);
int	imapd_cmd_not_now(struct imapd *, const struct imap_arg *);

/* imapd_select.c */
int	imapd_cmd_select(struct imapd *, const struct imap_arg *);
int	imapd_cmd_close(struct imapd *, const struct imap_arg *);
int	imapd_cmd_unselect(struct imapd *, const struct imap_arg *);
void	imapd_unselect(struct imapd *);
/*
 * Bring the selected mailbox up to date and tell the client: new
 * messages (EXISTS, RECENT), flag changes (FETCH), and, when
 * allow_expunge, expunges (EXPUNGE). 0, or -1 (logged; the session
 * goes on with what it knows).
 */
int	imapd_sync(struct imapd *, int allow_expunge);
/* FLAGS and PERMANENTFLAGS again when a keyword was defined. */
void	imapd_flags_update(struct imapd *);
/* Announce expunges the client has not been told of (see imapd_sync). */
void	imapd_announce_expunges(struct imapd *);
/* Is uid \Recent in this session? */
int	imapd_is_recent(const struct imapd_sel *, uint32_t uid);
/*
 * Resolve a sequence set argument against the view (UID form when
 * uid): 0 and the ranges; -1 after replying BAD.
 */
int	imapd_seqset(struct imapd *, const struct imap_arg *, int uid,
	    struct imap_range **ranges_r, unsigned *n_r);
/* Remember the told flags of view index i (after a FETCH FLAGS). */
void	imapd_told(struct imapd_sel *, uint32_t i, uint32_t flags,
	    uint64_t kw);

/* imapd_msg.c */
/* A message's bytes, for FETCH and SEARCH. */
struct imapd_msg {
	uint32_t	 uid;
	const char	*data;
	size_t		 len;
	int		 full;		/* all of it (else the header at least) */
	int		 mapped;
	int		 owned;		/* data is malloc'd */
	struct mime_msg	*mime;		/* parsed, when asked for */
};
/*
 * Load message uid: the header section at least (full 0) or all of it.
 * 1 and *m; 0 when the message is gone; -1 (logged).
 */
int	imapd_msg_load(struct imapd *, uint32_t uid, int full,
	    struct imapd_msg *m);
/*
 * Start reading the first bytes of message uid in the background
 * (a search from a cold disk reads many files: their reads overlap).
 */
void	imapd_msg_prefetch(struct imapd *, uint32_t uid, size_t bytes);
/* Its MIME tree (the message must be loaded full). */
struct mime_msg *imapd_msg_mime(struct imapd_msg *);
void	imapd_msg_free(struct imapd_msg *);

/* imapd_fetch.c */
int	imapd_cmd_fetch(struct imapd *, const struct imap_arg *);
/* imapd_store.c */
int	imapd_cmd_store(struct imapd *, const struct imap_arg *);
/*
 * A flag list (or bare flags): the flags and keywords, defining new
 * keywords when create. 0, or -1 with *resp_r, the text of the tagged
 * response (BAD ... or NO [LIMIT] ...).
 */
int	imapd_parse_flags(struct imapd *, struct mailbox *,
	    const struct imap_arg *, int create, uint32_t *flags_r,
	    uint64_t *kw_r, const char **resp_r);
/* imapd_search.c */
int	imapd_cmd_search(struct imapd *, const struct imap_arg *);
void	imapd_memo_free(struct imapd_sel *);
/* imapd_expunge.c */
int	imapd_cmd_expunge(struct imapd *, const struct imap_arg *);
/* Expunge the \Deleted messages (among uids when not NULL): -1 on error */
int	imapd_expunge_deleted(struct imapd *, const struct imap_range *uids,
	    unsigned n, int quiet);
/* imapd_copy.c */
int	imapd_cmd_copy(struct imapd *, const struct imap_arg *);
/* Would n more messages of bytes pass the user's quota? */
int	imapd_over_quota(struct imapd *, uint64_t bytes, size_t n);
int	imapd_cmd_move(struct imapd *, const struct imap_arg *);
/* imapd_append.c */
int	imapd_cmd_append(struct imapd *, const struct imap_arg *);
extern const struct imap_lit_hook imapd_append_hook;
void	imapd_append_abort(struct imapd *);
/* imapd_folder.c */
/*
 * A mailbox name argument as stored on disk (modified UTF-7, "INBOX"
 * in upper case): 0 and *stored_r (valid until the next command), or
 * -1 after replying BAD or NO.
 */
int	imapd_mailbox_arg(struct imapd *, const struct imap_arg *,
	    const char **stored_r);
/*
 * Open the folder stored: 1 and *md_r (NULL for INBOX, which is the
 * session's Maildir root), 0 when there is no such folder, -1 with
 * *err_r.
 */
int	imapd_folder_open(struct imapd *, const char *stored,
	    struct maildir **md_r, char **err_r);
/* The RFC 6154 attribute of a folder ("\\Sent"), or NULL. */
const char *imapd_special_use(const char *stored);
/* Every folder's stored name, INBOX included, sorted (malloc'd). */
int	imapd_folder_list(struct imapd *, char ***names_r, size_t *n_r);
/* The subscribed names (malloc'd; none when there is no file). */
int	imapd_subs_load(struct imapd *, char ***names_r, size_t *n_r);
void	imapd_names_free(char **names, size_t n);
/* At the first login: imapd_autocreate_folders, subscribed. */
void	imapd_folders_first_login(struct imapd *);
int	imapd_cmd_create(struct imapd *, const struct imap_arg *);
int	imapd_cmd_delete(struct imapd *, const struct imap_arg *);
int	imapd_cmd_rename(struct imapd *, const struct imap_arg *);
int	imapd_cmd_subscribe(struct imapd *, const struct imap_arg *);
/* imapd_list.c */
int	imapd_cmd_list(struct imapd *, const struct imap_arg *);
int	imapd_cmd_lsub(struct imapd *, const struct imap_arg *);
int	imapd_cmd_namespace(struct imapd *, const struct imap_arg *);
/* imapd_status.c */
#define IMAPD_ST_MESSAGES	0x01
#define IMAPD_ST_UIDNEXT	0x02
#define IMAPD_ST_UIDVALIDITY	0x04
#define IMAPD_ST_UNSEEN		0x08
#define IMAPD_ST_DELETED	0x10
#define IMAPD_ST_SIZE		0x20
#define IMAPD_ST_RECENT		0x40
#define IMAPD_ST_APPENDLIMIT	0x80
int	imapd_cmd_status(struct imapd *, const struct imap_arg *);
/* The list of STATUS items: 0 and *items_r, or -1. */
int	imapd_status_items(const struct imap_arg *list, unsigned *items_r);
/*
 * Append "STATUS name (...)" for folder stored: 1; 0 when it does not
 * exist; -1 with *err_r.
 */
int	imapd_status_put(struct imapd *, const char *stored, unsigned want,
	    struct vbuf *out, char **err_r);
/* imapd_idle.c */
int	imapd_cmd_idle(struct imapd *, const struct imap_arg *);

#endif
