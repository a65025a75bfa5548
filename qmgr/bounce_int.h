/*
 * bounce_int - what the files of the bounce module share; not an API.
 *
 * DESCRIPTION
 *	bounce.c checks the request and writes the queue file;
 *	bounce_orig.c copies the original message (or its headers);
 *	bounce_report.c writes the human-readable and delivery-status
 *	parts; bounce_fmt.c has the text helpers all of them use. Every
 *	part is built in memory, bounded, before a boundary is chosen.
 */
#ifndef POSTERN_BOUNCE_INT_H
#define POSTERN_BOUNCE_INT_H

#include <stddef.h>
#include <time.h>

#include "bounce.h"
#include "vbuf.h"

/* RFC 5322 2.1.1: at most 998 octets on a line, CRLF excluded */
#define BOUNCE_LINE_MAX		998
/* where generated fields and text are folded or wrapped */
#define BOUNCE_FOLD		76
/* most bytes of one untrusted string in a report (address, text) */
#define BOUNCE_STR_MAX		2048

struct bounce_doc {
	/* the request */
	const char	*qid;
	const struct qfile_env *env;
	enum bounce_kind kind;
	const struct bounce_rcpt **rcpts;	/* those reported */
	size_t		 n;
	time_t		 now;

	/* decisions */
	int		 global;	/* RFC 6533 types, UTF-8 allowed */
	int		 ret_full;	/* part 3 is the whole message */
	int		 full_too_big;	/* RET=FULL asked, headers sent */
	int		 orig_truncated; /* headers cut at bounce_size_limit */

	/* the parts, each ending in CRLF, and whether they hold 8-bit */
	struct vbuf	*text;
	struct vbuf	*status;
	struct vbuf	*orig;
	int		 text8, status8, orig8;
};

/* Line normaliser state for copying untrusted content (bounce_fmt.c). */
struct bounce_norm {
	size_t		 col;		/* octets on the current line */
	int		 cr;		/* the last byte was a CR */
	int		 eightbit;	/* saw a byte >= 0x80 */
};

/* bounce_fmt.c */
/*
 * Append s, at most max bytes of it: runs of white space (CR and LF
 * included) become one space and are trimmed at both ends, any other
 * control character becomes '?', and so does every 8-bit byte unless
 * utf8 (invalid UTF-8 always); a longer string ends in "...". Returns 1
 * when 8-bit bytes were kept.
 */
int	bounce_clean(struct vbuf *, const char *s, size_t max, int utf8);
/* 1 when s holds a byte >= 0x80. */
int	bounce_has8(const char *s);
/*
 * Append "name: value" CRLF, folding value at its spaces so that lines
 * stay near BOUNCE_FOLD and never pass BOUNCE_LINE_MAX (a word too long
 * is split, the rest on a continuation line). value must be clean.
 */
void	bounce_field(struct vbuf *, const char *name, const char *value);
/*
 * Append text word-wrapped at BOUNCE_FOLD, every line beginning with
 * indent; text must be clean. Lines end in CRLF.
 */
void	bounce_wrap(struct vbuf *, const char *indent, const char *text);
/*
 * Copy untrusted content: every line ends in CRLF (bare CR and bare LF
 * too), NUL becomes '?', and a line reaching BOUNCE_LINE_MAX octets is
 * broken with CRLF SP. Returns -1, having appended nothing more, when
 * out's limit would be passed.
 */
int	bounce_norm_copy(struct vbuf *out, struct bounce_norm *,
	    const char *p, size_t n);
/* End a copy: terminate a last unterminated line. */
int	bounce_norm_end(struct vbuf *out, struct bounce_norm *);

/* bounce_orig.c: fill doc->orig from the queue file open on qfd. */
int	bounce_orig_read(struct bounce_doc *, int qfd, const char **err_r);

/* bounce_report.c: fill doc->text and doc->status. */
void	bounce_report_text(struct bounce_doc *);
void	bounce_report_status(struct bounce_doc *);

#endif
