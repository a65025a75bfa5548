/*
 * NAME
 *	smtp_reply - the client side of SMTP replies: reading a whole
 *	(multi-line) reply, its code and enhanced status code
 *
 * SYNOPSIS
 *	struct smtp_reply r;
 *
 *	smtp_reply_init(&r);
 *	stream_puts(s, "MAIL FROM:<a@example.org>\r\n");
 *	stream_flush(s);
 *	switch (smtp_reply_read(s, &r)) {
 *	case SMTP_REPLY_LOST:	   r.text says why ("timeout", ...)
 *	case SMTP_REPLY_BAD:	   r.text says what was wrong
 *	default:		   r.code 250, r.dsn "2.1.0", r.text the
 *				   lines as received, "\n" between them
 *	}
 *	smtp_reply_free(&r);
 *
 * DESCRIPTION
 *	A reply (RFC 5321 4.2) is one or more lines "CODE-text" ending in a
 *	line "CODE text" or "CODE", all with the same three-digit code whose
 *	first digit is 2 to 5. The enhanced status code (RFC 3463) is taken
 *	from the first line when it follows the code ("550 5.1.1 ...") and
 *	agrees with its class; else r.dsn is "".
 *
 *	Used by the sendmail command (ctl/) and the SMTP client
 *	(delivery/relay): one reader, one set of rules.
 *
 * SECURITY
 *	The server is untrusted: a line is at most the stream's line limit
 *	(set it; SMTP_REPLY_LINE_MAX is RFC 5321's 512 with room to spare),
 *	a reply at most SMTP_REPLY_LINES lines and SMTP_REPLY_TEXT_MAX
 *	bytes; anything past those, a line that does not start with a
 *	valid code, or a code that changes within a reply makes the reply
 *	SMTP_REPLY_BAD, after which the session cannot be trusted to be in
 *	step and must end. r.text holds the server's bytes: clean it
 *	(smtp_reply_oneline) before logging.
 */
#ifndef POSTERN_SMTP_REPLY_H
#define POSTERN_SMTP_REPLY_H

#include <stddef.h>

#include "dsn.h"

struct stream;
struct vbuf;

#define SMTP_REPLY_LINE_MAX	4096	/* a line, CR LF included */
#define SMTP_REPLY_LINES	100	/* lines of one reply */
#define SMTP_REPLY_TEXT_MAX	(SMTP_REPLY_LINES * 512)

#define SMTP_REPLY_LOST		(-1)	/* EOF, I/O error, timeout */
#define SMTP_REPLY_BAD		(-2)	/* not a valid reply */

struct smtp_reply {
	int		 code;		/* 200..599, or SMTP_REPLY_* */
	char		 dsn[DSN_STATUS_SIZE];	/* "" when none */
	struct vbuf	*text;		/* lines without CR LF, "\n" apart;
					   or why it was lost or bad */
	size_t		 nlines;
};

void	smtp_reply_init(struct smtp_reply *);
void	smtp_reply_free(struct smtp_reply *);

/*
 * Check one reply line (without its line end): 0 with the code and
 * whether it is the last line of its reply, or -1 when it is not a
 * reply line.
 */
int	smtp_reply_line(const char *line, size_t len, int *code_r,
	    int *last_r);
/*
 * Read one whole reply from the blocking stream s (its timeouts bound
 * the wait). Returns the code, SMTP_REPLY_LOST or SMTP_REPLY_BAD; r
 * holds the reply (or the reason) until the next call.
 */
int	smtp_reply_read(struct stream *s, struct smtp_reply *r);
/*
 * The enhanced status code at the start of text ("5.1.1 user unknown")
 * when it is well-formed and of class cls ('2', '4' or '5'): 0 with it
 * in dsn (DSN_STATUS_SIZE), else -1.
 */
int	smtp_reply_dsn(const char *text, int cls, char *dsn);
/*
 * The reply as one printable line for logs and bounces: lines joined
 * with a space, control characters and non-ASCII bytes replaced by
 * '?', at most max bytes (the rest cut). Into out (a vbuf, replaced).
 */
void	smtp_reply_oneline(const struct smtp_reply *, struct vbuf *out,
	    size_t max);

#endif
