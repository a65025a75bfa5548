/*
 * NAME
 *	mime - the structure of an Internet message (RFC 5322, RFC 2045-2049)
 *
 * SYNOPSIS
 *	struct mime_msg *m = mime_parse(data, len);
 *	struct mime_part *p = mime_section(m, nums, nnums);
 *	... p->type, p->subtype, p->params, p->body_off, p->body_size ...
 *	mime_free(&m);
 *
 * DESCRIPTION
 *	mime_parse reads a whole message held in memory (a mapped Maildir
 *	file) in one pass over its lines and returns the tree of its parts:
 *	the root is the message itself; a multipart's children are its body
 *	parts in order; a message/rfc822 (or message/global) part has one
 *	child, the root of the message it carries. Every part knows where
 *	its header and its body are (offsets into the caller's buffer, which
 *	must outlive the tree), its Content-* fields, and its sizes as IMAP
 *	sends them: Maildir files may end lines with a bare LF, which goes
 *	out as CR LF, so hdr_size and body_size count one more octet per
 *	bare LF. That is what BODYSTRUCTURE, BODY[section]<partial>,
 *	RFC822.SIZE and SEARCH need; ENVELOPE and SEARCH read the header
 *	fields themselves with mime_hdr_*.
 *
 *	Boundaries (RFC 2046 5.1.1): a delimiter line is "--" boundary,
 *	then only white space, or "--" and anything (the close delimiter),
 *	at the start of a line; the line end before it belongs to the
 *	delimiter. A delimiter of any enclosing multipart also ends every
 *	part inside it, so a missing close delimiter costs nothing. The
 *	innermost boundary is tried first.
 *
 *	Malformed mail never fails; what RFC 2045 does not define gets a
 *	documented reading:
 *	- no Content-Type, or one that does not parse: text/plain;
 *	  charset=us-ascii (RFC 2045 5.2), message/rfc822 inside a
 *	  multipart/digest (RFC 2046 5.1.5);
 *	- a multipart without a boundary parameter: text/plain;
 *	- a multipart whose boundary never appears: one text/plain child
 *	  without a header, holding the whole body, so the text stays
 *	  readable (RFC 2046 would drop it as preamble);
 *	- a part without the empty line after its header: the header runs
 *	  to the part's end and the body is empty; a header line without a
 *	  colon stays in the header (mime_hdr_next reports it as a field
 *	  with no value);
 *	- nesting deeper than MIME_MAX_DEPTH, or parts beyond MIME_MAX_PARTS:
 *	  the part is a leaf of type application/octet-stream, flagged
 *	  MIME_PART_LIMITED, and its content is not split further.
 *	8-bit bytes and NULs in headers are kept as they are.
 *
 *	Sections (IMAP's "1.2.3"; RFC 9051 6.4.5): mime_section applies
 *	each number to the current part: a multipart's Nth child; a
 *	message (the root, or what a message/rfc822 part carries) that is
 *	not a multipart has only part 1, itself; a message/rfc822 part
 *	reached by a number stands for the message it carries when the
 *	next number is applied.
 *
 * SECURITY
 *	The message is the network's. The parser only reads inside
 *	[data, data + len), bounds its work by MIME_MAX_DEPTH and
 *	MIME_MAX_PARTS (time O(len * depth) in the worst case, only on
 *	lines that begin with "--"), and allocates from one arena, freed by
 *	mime_free. Strings it returns are NUL-terminated copies; values may
 *	hold 8-bit bytes (but no NUL, CR or LF).
 */
#ifndef POSTERN_MIME_H
#define POSTERN_MIME_H

#include <stddef.h>

#include "span.h"
#include "vbuf.h"

struct arena;

#define MIME_MAX_DEPTH	50	/* multiparts and messages inside each other */
#define MIME_MAX_PARTS	10000	/* parts in one message */

/* struct mime_part flags */
#define MIME_PART_MULTIPART	0x01	/* children are body parts */
#define MIME_PART_MESSAGE	0x02	/* one child: the carried message */
#define MIME_PART_TEXT		0x04	/* type text (IMAP counts its lines) */
#define MIME_PART_LIMITED	0x08	/* a limit made it a leaf */
#define MIME_PART_NO_HEADER	0x10	/* synthesised: no header of its own */
#define MIME_PART_HEADER_END	0x20	/* its header ended with an empty line */

struct mime_param {
	const char	*name;		/* as written; RFC 2231 "name*" kept */
	const char	*value;		/* unquoted; RFC 2231 pieces joined */
};

struct mime_part {
	struct mime_part	*parent;
	struct mime_part	*children;	/* first child */
	struct mime_part	*next;		/* next sibling */
	struct mime_part	*last;		/* last child (private) */
	unsigned		 nchildren;
	unsigned		 depth;		/* root: 0 */
	unsigned		 flags;

	/* Where it is: offsets into the parsed buffer. */
	size_t			 hdr_off, hdr_len;	/* with the empty line */
	size_t			 body_off, body_len;
	/* As IMAP sends them (a bare LF counts as CR LF). */
	size_t			 hdr_size, body_size;
	size_t			 body_lines;

	/* Content-Type: never NULL (defaults applied). */
	const char		*type, *subtype;
	struct mime_param	*params;
	unsigned		 nparams;
	/* The other Content-* fields, unfolded; NULL when absent. */
	const char		*id, *description, *encoding, *md5;
	const char		*language, *location;
	const char		*disposition;	/* its value, without params */
	struct mime_param	*disp_params;
	unsigned		 ndisp_params;
};

struct mime_msg {
	const char		*data;
	size_t			 len;
	struct mime_part	*root;
	unsigned		 nparts;
	struct arena		*arena;
};

/*
 * Parse len bytes at data (not copied: keep them until mime_free).
 * Never fails.
 */
struct mime_msg *mime_parse(const char *data, size_t len);
/* Free the tree and set *mp to NULL. NULL is fine. */
void	mime_free(struct mime_msg **mp);

/*
 * The part a section number names (see DESCRIPTION), or NULL when
 * there is no such part. n == 0 gives the root.
 */
struct mime_part *mime_section(const struct mime_msg *,
	    const unsigned *nums, unsigned n);
/* The message a part carries: its child if MIME_PART_MESSAGE, else NULL. */
struct mime_part *mime_part_message(const struct mime_part *);
/* 1 when the part's type/subtype is type/subtype (any case). */
int	mime_part_is(const struct mime_part *, const char *type,
	    const char *subtype);
/* Value of parameter name (any case, plain name only), or NULL. */
const char *mime_param_get(const struct mime_param *, unsigned n,
	    const char *name);

/*
 * Header fields (mime_hdr.c). The iterator walks a header section,
 * stopping at the empty line that ends it or at its end.
 *
 * name: up to the colon, trailing white space removed; for a line
 *   without a colon, the whole line, and value is empty with nocolon set.
 * value: after the colon and its leading white space, folding kept,
 *   without the field's final line end.
 * raw: the whole field with every line end (what HEADER.FIELDS sends).
 */
struct mime_field {
	struct span	 name;
	struct span	 value;
	struct span	 raw;
	int		 nocolon;
};

struct mime_hdr_iter {
	const char	*p, *end;
};

void	mime_hdr_init(struct mime_hdr_iter *, const char *hdr, size_t len);
/* 1 and *f for the next field, 0 at the end. */
int	mime_hdr_next(struct mime_hdr_iter *, struct mime_field *f);
/* The first field called name (any case) in the header; 1 found, 0 not. */
int	mime_hdr_find(const char *hdr, size_t len, const char *name,
	    struct mime_field *f);
/* Case-insensitive comparison of a field name with a C string. */
int	mime_name_is(struct span name, const char *want);
/*
 * Append the value with its folding removed (CR and LF of each fold
 * dropped, the white space after them kept) and outer white space
 * trimmed. -1 past out's limit.
 */
int	mime_unfold(const char *value, size_t len, struct vbuf *out);

/*
 * Content-Type and Content-Disposition (mime_ctype.c): RFC 2045 tokens,
 * quoted strings and RFC 822 comments; RFC 2231 continuations joined.
 * mime_ctype_parse fills type, subtype and the parameters and returns 0,
 * or -1 when the value is not "type/subtype" (then nothing is set).
 * mime_disp_parse does the same for a disposition (one token).
 */
int	mime_ctype_parse(struct arena *, const char *value, size_t len,
	    const char **type_r, const char **subtype_r,
	    struct mime_param **params_r, unsigned *nparams_r);
int	mime_disp_parse(struct arena *, const char *value, size_t len,
	    const char **disp_r, struct mime_param **params_r,
	    unsigned *nparams_r);
/*
 * The value of parameter name as UTF-8: a plain value as it is (8-bit
 * bytes read as UTF-8 or Latin-1, see mime_charset_utf8), an RFC 2231
 * "name*" value percent-decoded and converted from its charset. 1 and
 * the text appended to out, 0 when there is no such parameter.
 */
int	mime_param_decode(const struct mime_param *, unsigned n,
	    const char *name, struct vbuf *out);

/*
 * Encoded words (RFC 2047, mime_word.c): append text to out as UTF-8,
 * decoding every =?charset?B|Q?...?= (charset*language accepted), with
 * the white space between two adjacent encoded words dropped, folding
 * removed, and other bytes passed through mime_charset_utf8 as
 * "unknown". Lenient as mail readers are: words inside quoted strings
 * and comments, and runs of words split mid-character, are decoded.
 */
void	mime_words_decode(const char *text, size_t len, struct vbuf *out);

/*
 * Charsets (mime_charset.c): append len bytes in charset to out as
 * UTF-8. Known: UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15 and
 * Windows-1252 (with their usual aliases). Anything else, and NULL,
 * is "unknown": valid UTF-8 is kept, other bytes are read as
 * Windows-1252. Invalid UTF-8 becomes U+FFFD. Returns 1 for a known
 * charset, 0 for an unknown one.
 */
int	mime_charset_utf8(const char *charset, const char *in, size_t len,
	    struct vbuf *out);
int	mime_charset_known(const char *charset);

/*
 * Content-Transfer-Encoding (mime_decode.c). mime_cte says what an
 * encoding name means: MIME_CTE_IDENTITY for 7bit, 8bit, binary and
 * none, MIME_CTE_UNKNOWN for anything else (IMAP's [UNKNOWN-CTE]).
 * mime_decode appends the decoded content to out: base64 skips bytes
 * outside its alphabet and stops at "="; quoted-printable keeps an
 * "=" that does not start a valid escape, removes soft line breaks
 * and the white space before a line end; identity copies, turning
 * bare LF into CR LF (what IMAP sends). -1 past out's limit.
 */
enum mime_cte {
	MIME_CTE_IDENTITY,
	MIME_CTE_BASE64,
	MIME_CTE_QP,
	MIME_CTE_UNKNOWN,
};
enum mime_cte mime_cte(const char *encoding);
int	mime_decode(enum mime_cte, const char *in, size_t len,
	    struct vbuf *out);

/*
 * Sizes as IMAP sends them (mime_crlf.c): bytes with every bare LF
 * counted as CR LF. mime_crlf_copy appends [in, in + len) with bare
 * LFs made CR LF; prev is the byte before in (or 0), so a CR LF that
 * a cut splits is not doubled.
 */
size_t	mime_crlf_size(const char *in, size_t len, int prev);
int	mime_crlf_copy(const char *in, size_t len, int prev, struct vbuf *out);
/*
 * Append octets [start, start + count) of the CR LF form of
 * [in, in + len) (IMAP's <partial>); fewer when it is shorter.
 */
int	mime_crlf_slice(const char *in, size_t len, int prev, size_t start,
	    size_t count, struct vbuf *out);

#endif
