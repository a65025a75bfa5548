/*
 * NAME
 *	smtpd_io - the client's input: lines and bytes, with push-back.
 *
 * DESCRIPTION
 *	The stream (lib/stream) reads lines and bytes; this layer adds a
 *	push-back area for what the DATA decoder read past the end of the
 *	message: a pipelining client may send "QUIT" or a whole next
 *	transaction in the same packet as "CR LF . CR LF" (RFC 2920), and
 *	those bytes are commands. They are read again first.
 *
 *	Lines keep the stream's contract: at most `limit` bytes with the
 *	line end, -2 once for a longer line whose rest is then skipped.
 *	A line that starts in the push-back area and ends in the stream is
 *	assembled in `line` and checked against the same limit.
 *
 * SECURITY
 *	The push-back area holds at most what one read returned (bounded
 *	by the read size of the DATA and BDAT loops); lines are bounded by
 *	limit; nothing here grows with the client's input.
 *
 *	UNSAFE: offsets into the push-back buffer (memchr, consume).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "smtpd.h"
#include "stream.h"
#include "vbuf.h"

/* The push-back area never needs more than one read's worth. */
#define SMTPD_IO_BACK_MAX	(256 * 1024)

void
smtpd_io_init(struct smtpd_io *io, struct stream *s)
{
	memset(io, 0, sizeof(*io));
	io->s = s;
	io->back = vbuf_new(256, SMTPD_IO_BACK_MAX);
	io->line = vbuf_new(SMTPD_LINE_MAX + 1, SMTPD_LINE_MAX + 1);
	io->limit = SMTPD_LINE_MAX;
	stream_set_line_limit(s, io->limit);
}

void
smtpd_io_free(struct smtpd_io *io)
{
	vbuf_free(&io->back);
	vbuf_free(&io->line);
}

size_t
smtpd_io_pending(const struct smtpd_io *io)
{
	return vbuf_len(io->back) + stream_buffered(io->s);
}

void
smtpd_io_unread(struct smtpd_io *io, const void *p, size_t n)
{
	struct vbuf *b;

	if (n == 0)
		return;
	if (vbuf_len(io->back) == 0) {
		if (vbuf_append(io->back, p, n) < 0)
			log_panic("smtpd_io_unread: %zu bytes", n);
		return;
	}
	/* in front of what is there (only a DATA end inside a push-back) */
	b = vbuf_new(vbuf_len(io->back) + n, SMTPD_IO_BACK_MAX);
	if (vbuf_append(b, p, n) < 0 ||
	    vbuf_append(b, vbuf_str(io->back), vbuf_len(io->back)) < 0)
		log_panic("smtpd_io_unread: %zu bytes", n);
	vbuf_free(&io->back);
	io->back = b;
}

ssize_t
smtpd_io_read(struct smtpd_io *io, void *buf, size_t len)
{
	size_t n;

	if (len == 0)
		return 0;
	if ((n = vbuf_len(io->back)) > 0) {
		if (n > len)
			n = len;
		memcpy(buf, vbuf_str(io->back), n);
		vbuf_consume(io->back, n);
		return (ssize_t)n;
	}
	return stream_read(io->s, buf, len);
}

/* A line from the stream alone: the common case. */
static ssize_t
smtpd_io_stream_line(struct smtpd_io *io, struct span *line_r)
{
	ssize_t n;

	n = stream_read_line(io->s, line_r);
	if (n > 0)
		io->bare_lf = stream_line_eol(io->s) == STREAM_EOL_LF;
	return n;
}

/* Discard the rest of an over-long line held in the push-back area. */
static int
smtpd_io_skip_back(struct smtpd_io *io)
{
	const char *p = vbuf_str(io->back), *lf;

	lf = memchr(p, '\n', vbuf_len(io->back));
	if (lf == NULL) {
		vbuf_reset(io->back);
		return 0;		/* the stream holds the rest */
	}
	vbuf_consume(io->back, (size_t)(lf - p) + 1);
	io->skipping = 0;
	return 1;
}

ssize_t
smtpd_io_read_line(struct smtpd_io *io, struct span *line_r)
{
	const char *p, *lf;
	struct span rest;
	size_t blen, llen;
	ssize_t n;

	while (io->skipping && vbuf_len(io->back) > 0)
		if (smtpd_io_skip_back(io) == 0)
			break;
	if (io->skipping) {
		/* the rest of the long line is a "line" of the stream */
		io->skipping = 0;
		n = stream_read_line(io->s, &rest);
		if (n == -1)
			return -1;
	}
	if ((blen = vbuf_len(io->back)) == 0)
		return smtpd_io_stream_line(io, line_r);

	p = vbuf_str(io->back);
	if ((lf = memchr(p, '\n', blen)) != NULL) {
		llen = (size_t)(lf - p) + 1;
		if (llen > io->limit) {
			vbuf_consume(io->back, llen);
			return -2;
		}
		vbuf_set(io->line, p, llen);
		vbuf_consume(io->back, llen);
	} else {
		/* a partial line here, its end in the stream */
		if (blen >= io->limit) {
			vbuf_reset(io->back);
			io->skipping = 1;
			return -2;
		}
		vbuf_set(io->line, p, blen);
		vbuf_reset(io->back);
		stream_set_line_limit(io->s, io->limit - blen);
		n = stream_read_line(io->s, &rest);
		stream_set_line_limit(io->s, io->limit);
		if (n < 0)
			return n;	/* -2: the stream skips the rest */
		vbuf_append(io->line, rest.ptr, rest.len);
		if (stream_line_eol(io->s) == STREAM_EOL_LF)
			vbuf_append(io->line, "\n", 1);
		else
			vbuf_append(io->line, "\r\n", 2);
	}
	/* strip the line end, noting a bare LF */
	llen = vbuf_len(io->line);
	n = (ssize_t)llen;
	llen--;
	io->bare_lf = 1;
	if (llen > 0 && io->line->data[llen - 1] == '\r') {
		llen--;
		io->bare_lf = 0;
	}
	vbuf_truncate(io->line, llen);
	line_r->ptr = vbuf_str(io->line);
	line_r->len = llen;
	return n;
}
