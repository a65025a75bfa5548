/*
 * NAME
 *	imap_search - SEARCH programs: parsing the keys, matching a message
 *
 * DESCRIPTION
 *	imap_search_parse reads SEARCH's arguments (RFC 9051 6.4.4, RFC
 *	3501 6.4.4): [RETURN (MIN MAX ALL COUNT SAVE)] [CHARSET name]
 *	keys, into a tree whose AND and OR nodes list their cheapest
 *	children first (index data, then header, then body), so content is
 *	read only when the index cannot decide. Every key of both
 *	revisions is known: ALL, ANSWERED, BCC, BEFORE, BODY, CC, DELETED,
 *	DRAFT, FLAGGED, FROM, HEADER, KEYWORD, LARGER, NEW, NOT, OLD, ON,
 *	OR, RECENT, SEEN, SENTBEFORE, SENTON, SENTSINCE, SINCE, SMALLER,
 *	SUBJECT, TEXT, TO, UID, UNANSWERED, UNDELETED, UNDRAFT, UNFLAGGED,
 *	UNKEYWORD, UNSEEN, sequence sets, "$" (RFC 5182), parenthesised
 *	lists, and OLDER / YOUNGER (RFC 5032 WITHIN).
 *
 *	Text keys match when their string, case-folded, is a substring of
 *	the case-folded text (imap_fold): header values with RFC 2047
 *	words decoded; BODY the text parts, transfer encoding undone and
 *	charset converted to UTF-8; TEXT either. HEADER name "" matches
 *	any message that has the field. Dates compare the day only:
 *	internal date for BEFORE/ON/SINCE, the Date: field as written for
 *	SENT* (the internal date when it has none that parses).
 *
 *	imap_search_match evaluates a prepared program (sequence sets
 *	resolved against the view) for one message, asking the caller for
 *	its content only when a key needs it.
 *
 * SECURITY
 *	Programs come from the client: nesting (lists, NOT, OR) is bounded
 *	by max_depth; strings by the command's size. Content is the
 *	network's and goes through lib/mime.
 */
#ifndef POSTERN_IMAP_SEARCH_H
#define POSTERN_IMAP_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap_seqset.h"

struct arena;
struct imap_arg;
struct mime_msg;
struct vbuf;

/* System flags as IMAP sees them */
#define IMAP_FLAG_SEEN		0x01
#define IMAP_FLAG_ANSWERED	0x02
#define IMAP_FLAG_FLAGGED	0x04
#define IMAP_FLAG_DELETED	0x08
#define IMAP_FLAG_DRAFT		0x10
#define IMAP_FLAG_RECENT	0x20

/* ESEARCH RETURN options */
#define IMAP_RETURN_MIN		0x01
#define IMAP_RETURN_MAX		0x02
#define IMAP_RETURN_ALL		0x04
#define IMAP_RETURN_COUNT	0x08
#define IMAP_RETURN_SAVE	0x10

enum imap_skey {
	ISK_AND, ISK_OR, ISK_NOT, ISK_ALL,
	ISK_SEQSET, ISK_UIDSET, ISK_SAVED,
	ISK_FLAGS_SET,		/* all of num's flags set */
	ISK_FLAGS_CLEAR,	/* none of num's flags set */
	ISK_NEW,
	ISK_KEYWORD, ISK_UNKEYWORD,
	ISK_BEFORE, ISK_ON, ISK_SINCE,
	ISK_SENTBEFORE, ISK_SENTON, ISK_SENTSINCE,
	ISK_LARGER, ISK_SMALLER,
	ISK_OLDER, ISK_YOUNGER,
	ISK_HEADER, ISK_BODY, ISK_TEXT,
};

/* What a key needs to be decided. */
enum imap_search_cost {
	IMAP_COST_INDEX,
	IMAP_COST_HEADER,
	IMAP_COST_BODY,
};

struct imap_search_key {
	enum imap_skey		 type;
	struct imap_search_key	*next;		/* sibling */
	struct imap_search_key	*children;	/* AND, OR (2), NOT (1) */
	const char		*hdr;		/* HEADER field name */
	const char		*str;		/* folded text, or a keyword */
	size_t			 len;
	uint64_t		 num;		/* size, flags, seconds */
	long			 day;		/* days since 1970-01-01 */
	struct imap_seqset	 set;
	/* after imap_search_prepare: sequence number ranges */
	const struct imap_range	*ranges;
	unsigned		 nranges;
	enum imap_search_cost	 cost;
};

struct imap_search_opts {
	int		 esearch;	/* RETURN given */
	unsigned	 ret;		/* IMAP_RETURN_* (ALL if empty) */
	int		 uses_saved;	/* "$" somewhere */
};

enum imap_search_err {
	IMAP_SEARCH_OK,
	IMAP_SEARCH_BAD,		/* syntax: BAD */
	IMAP_SEARCH_BADCHARSET,		/* NO [BADCHARSET (UTF-8 US-ASCII)] */
};

enum imap_search_err imap_search_parse(struct arena *,
	    const struct imap_arg *args, unsigned max_depth,
	    struct imap_search_opts *opts, struct imap_search_key **key_r,
	    const char **error_r);

/*
 * Resolve sequence sets against the view (saved: the "$" result as
 * sequence ranges, may be NULL). -1 for a sequence number past the end.
 */
int	imap_search_prepare(struct imap_search_key *, const struct imap_view *,
	    const struct imap_range *saved, unsigned nsaved, struct arena *);
/* The most any key of the program needs. */
enum imap_search_cost imap_search_cost(const struct imap_search_key *);

struct imap_search_msg {
	uint32_t	 seq, uid;
	unsigned	 flags;		/* IMAP_FLAG_* */
	const char *const *keywords;
	unsigned	 nkeywords;
	time_t		 internal_date;
	long		 internal_day;	/* its day in the server's zone */
	uint64_t	 size;		/* RFC822.SIZE */
	time_t		 now;		/* for OLDER / YOUNGER */
	/*
	 * The message's bytes: the header section at least when full is 0,
	 * all of it when 1. NULL when it cannot be read (the key then does
	 * not match).
	 */
	const char	*(*content)(void *ctx, int full, size_t *len_r);
	/*
	 * Optional: append what imap_search_field would for the message's
	 * field name, and return the same; NULL: the matcher reads the
	 * header through content.
	 */
	int		(*header)(void *ctx, const char *name, struct vbuf *out);
	void		*ctx;
	/* private: what the matcher derived from the content */
	struct imap_search_cache *cache;
};

/* 1 when the message matches. */
int	imap_search_match(const struct imap_search_key *,
	    struct imap_search_msg *);
/*
 * The values of every field called name in a header section, RFC 2047
 * words decoded, unfolded and case-folded, "\n" between them, appended
 * to out: what the header keys match against. 1 when there was one.
 */
int	imap_search_field(const char *hdr, size_t len, const char *name,
	    struct vbuf *out);

/* Drop what imap_search_match cached for the message. */
void	imap_search_msg_done(struct imap_search_msg *);

/*
 * Case folding for matching: UTF-8 in, lowercase UTF-8 out (ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic capitals); invalid
 * bytes are copied.
 */
void	imap_fold(const char *in, size_t len, struct vbuf *out);

#endif
