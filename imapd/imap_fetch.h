/*
 * NAME
 *	imap_fetch - FETCH's data items: parsing them, and the bytes of
 *	BODY[section]<partial> and BINARY[section]<partial>
 *
 * DESCRIPTION
 *	imap_fetch_parse reads the fetch-att argument (RFC 9051 6.4.5, RFC
 *	3501 6.4.5): a macro (ALL, FAST, FULL), one item, or a list of
 *	them: UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
 *	BODYSTRUCTURE, RFC822, RFC822.HEADER, RFC822.TEXT,
 *	BODY[section]<o.n>, BODY.PEEK[...], BINARY[part]<o.n>,
 *	BINARY.PEEK[...], BINARY.SIZE[part]. A section is part numbers,
 *	optionally followed by HEADER, HEADER.FIELDS (names),
 *	HEADER.FIELDS.NOT (names), TEXT or (after numbers) MIME.
 *
 *	imap_fetch_section appends what a BODY[...] item sends for a
 *	parsed message, in CR LF form (the sizes RFC822.SIZE and
 *	BODYSTRUCTURE announce), with <partial> applied; imap_fetch_binary
 *	the decoded content of a part (RFC 3516). Both report a section
 *	that names no part, so FETCH can send NIL.
 *
 * SECURITY
 *	Items come from the client: section depth is bounded
 *	(IMAP_SECTION_MAX), header lists by the command's length, and
 *	partial offsets are clamped to the data.
 */
#ifndef POSTERN_IMAP_FETCH_H
#define POSTERN_IMAP_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct imap_arg;
struct mime_msg;
struct vbuf;

#define IMAP_SECTION_MAX	64	/* part numbers in one section */

/* struct imap_fetch_req items */
#define IMAP_FETCH_UID		0x001
#define IMAP_FETCH_FLAGS	0x002
#define IMAP_FETCH_INTERNALDATE	0x004
#define IMAP_FETCH_SIZE		0x008
#define IMAP_FETCH_ENVELOPE	0x010
#define IMAP_FETCH_BODY		0x020	/* BODY without a section */
#define IMAP_FETCH_BODYSTRUCTURE 0x040
#define IMAP_FETCH_RFC822	0x080
#define IMAP_FETCH_RFC822_HEADER 0x100
#define IMAP_FETCH_RFC822_TEXT	0x200

/* How much of the message a request needs. */
enum imap_fetch_need {
	IMAP_NEED_NONE,		/* index data only */
	IMAP_NEED_HEADER,	/* the header section */
	IMAP_NEED_FULL,		/* the whole message */
};

enum imap_section_text {
	IMAP_SECTION_ALL,	/* BODY[] or BODY[1.2] */
	IMAP_SECTION_HEADER,
	IMAP_SECTION_FIELDS,
	IMAP_SECTION_FIELDS_NOT,
	IMAP_SECTION_TEXT,
	IMAP_SECTION_MIME,
};

enum imap_body_kind {
	IMAP_ITEM_BODY,
	IMAP_ITEM_BINARY,
	IMAP_ITEM_BINARY_SIZE,
};

struct imap_fetch_body {
	struct imap_fetch_body	*next;
	enum imap_body_kind	 kind;
	int			 peek;
	unsigned		 nums[IMAP_SECTION_MAX];
	unsigned		 nnums;
	enum imap_section_text	 text;
	const char		**fields;
	unsigned		 nfields;
	int			 partial;
	uint64_t		 origin, count;
	/* the response's name: "BODY[1.HEADER.FIELDS (From)]" */
	const char		*label;
};

struct imap_fetch_req {
	unsigned		 items;
	struct imap_fetch_body	*bodies;
	int			 set_seen;	/* fetching sets \Seen */
	enum imap_fetch_need	 need;
};

/* 0 and *req, or -1 with *error_r (for BAD). */
int	imap_fetch_parse(struct arena *, const struct imap_arg *args,
	    struct imap_fetch_req *req, const char **error_r);

/*
 * Append BODY item fb's data (fb->kind IMAP_ITEM_BODY). Returns 1, or
 * 0 when the section names no part (send NIL).
 */
int	imap_fetch_section(const struct imap_fetch_body *fb,
	    const struct mime_msg *, struct vbuf *out);
/*
 * Append BINARY item fb's data (decoded, partial applied). Returns 1,
 * 0 when there is no such part, -1 for an encoding it cannot decode
 * (NO [UNKNOWN-CTE]).
 */
int	imap_fetch_binary(const struct imap_fetch_body *fb,
	    const struct mime_msg *, struct vbuf *out);

#endif
