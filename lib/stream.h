/*
 * NAME
 *	stream - buffered I/O on a descriptor: bounded lines, timeouts, a
 *	session deadline, and a layer underneath for TLS
 *
 * SYNOPSIS
 *	struct stream *s = stream_new(fd, STREAM_F_NOCLOSE);
 *	struct span line;
 *	ssize_t n;
 *
 *	stream_set_timeouts(s, 300 * 1000, 300 * 1000);
 *	stream_set_line_limit(s, 512);
 *	while ((n = stream_read_line(s, &line)) != -1) {
 *		if (n == -2) {
 *			stream_puts(s, "500 5.5.2 Line too long\r\n");
 *			continue;
 *		}
 *		... line.ptr, line.len: the command without CR LF ...
 *		stream_flush(s);
 *	}
 *	log_info("lost connection: %s", stream_strerror(s));
 *	stream_free(&s);
 *
 * DESCRIPTION
 *	A stream owns an input buffer and an output buffer over a file
 *	descriptor, which it reads and writes through a small vtable
 *	(struct stream_ops). The plain-descriptor layer is the default; TLS
 *	replaces it with stream_set_ops() after STARTTLS, or from the
 *	start for implicit TLS, and the callers above do not change.
 *
 *	Two modes:
 *	- blocking (the default; per-connection servers such as smtpd):
 *	  every call finishes its job or fails. Waiting for the peer is
 *	  bounded by the read or write timeout (the longest the peer may
 *	  stay silent, or not drain our output) and by the session
 *	  deadline. 0 ("would block") is never returned.
 *	- non-blocking (STREAM_F_NONBLOCK; event-loop services): a call
 *	  never waits. A read that cannot complete returns 0; a flush that
 *	  cannot complete returns 1. stream_want() then says which event
 *	  (STREAM_WANT_READ, STREAM_WANT_WRITE, equal to EVENT_READ and
 *	  EVENT_WRITE) to wait for, and stream_timeout_left() how long:
 *	  when that timer fires, repeat the call and it fails with
 *	  STREAM_ERR_TIMEOUT (or _DEADLINE) if the peer is still silent.
 *	The descriptor itself is always put in O_NONBLOCK mode (a blocking
 *	write could otherwise outlast any timeout); with STREAM_F_NOCLOSE
 *	its flags are restored by stream_free().
 *
 *	Return values, read side: >0 bytes (or a line), 0 would block
 *	(non-blocking mode only), -1 end of file, error, timeout or
 *	deadline (stream_error() tells which), -2 line over the limit
 *	(stream_read_line only). Write side: 0 done, 1 still pending
 *	(non-blocking stream_flush only), -1 failure (stream_error()).
 *	errno is also set on -1: ETIMEDOUT for a timeout or the deadline,
 *	EMSGSIZE for a limit, the system's errno for an I/O error, 0 for
 *	end of file.
 *
 *	End of file and I/O errors are sticky per direction: a read after
 *	either fails at once, but the write side still works (the peer may
 *	have only shut down its sending half), and the reverse. A timeout
 *	is not sticky: nothing was lost, and the call may be repeated.
 *
 * SECURITY
 *	Everything read is the peer's. A line is never longer than the
 *	limit set with stream_set_line_limit(), counting its line end, and
 *	never split: an over-long line is reported once with -2, and the
 *	rest of it, up to and including its LF, is skipped by the next
 *	stream_read_line(), which then returns the line after it. A line
 *	cut short by end of file is not returned as a line. Lines may
 *	contain NUL bytes and bare CRs: use the lengths, and look at
 *	stream_line_eol() to refuse a bare LF line end (SMTP smuggling).
 *	Output the peer does not drain is bounded by the write timeout and,
 *	in non-blocking mode, by the output limit. stream_discard_input()
 *	drops plaintext that arrived with a STARTTLS command before the TLS
 *	layer is installed (command injection, CVE-2011-0411).
 */
#ifndef POSTERN_STREAM_H
#define POSTERN_STREAM_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

#include "span.h"
#include "vbuf.h"

struct stream;

/* stream_new() flags */
#define STREAM_F_NONBLOCK	0x1	/* never wait: event-loop mode */
#define STREAM_F_NOCLOSE	0x2	/* stream_free() leaves fd open */

#define STREAM_LINE_DEFAULT	8192	/* line limit, CR LF included */
#define STREAM_TIMEOUT_DEFAULT	300000	/* ms, read and write */
#define STREAM_OUTPUT_DEFAULT	1048576	/* output limit, bytes */

/* What the last failure was (stream_error). */
enum stream_err {
	STREAM_ERR_NONE = 0,
	STREAM_ERR_EOF,		/* the peer closed (mid-line included) */
	STREAM_ERR_TIMEOUT,	/* the peer was silent for the timeout */
	STREAM_ERR_DEADLINE,	/* the session deadline passed */
	STREAM_ERR_IO,		/* a system error: stream_errno() */
	STREAM_ERR_LIMIT,	/* output limit, or a vbuf's limit */
};

/* How the last line from stream_read_line() ended. */
enum stream_eol {
	STREAM_EOL_NONE = 0,	/* no line returned */
	STREAM_EOL_CRLF,	/* CR LF */
	STREAM_EOL_LF,		/* a bare LF */
};

/* What a layer waits for (same values as EVENT_READ, EVENT_WRITE). */
#define STREAM_WANT_READ	0x1
#define STREAM_WANT_WRITE	0x2

/*
 * The layer under a stream. fd is the stream's descriptor (-1 for a
 * memory stream) and ctx the pointer given to stream_set_ops().
 *
 * read, write: like read(2) and write(2): bytes moved (>0), 0 from read
 *   at end of file, or -1 with errno. When the layer cannot go on until
 *   the descriptor is ready, return -1 with errno EAGAIN and set *want_r
 *   to STREAM_WANT_READ or STREAM_WANT_WRITE (TLS may need to write to
 *   go on reading, and the reverse). EINTR is retried by the stream.
 * pending: bytes the layer holds that poll(2) on fd cannot see (TLS
 *   records already decrypted). NULL means none.
 * close: release ctx; also close fd unless fd is -1 (STREAM_F_NOCLOSE,
 *   or a memory stream). Called by stream_free() only.
 */
struct stream_ops {
	ssize_t	(*read)(int fd, void *ctx, void *buf, size_t len,
		    int *want_r);
	ssize_t	(*write)(int fd, void *ctx, const void *buf, size_t len,
		    int *want_r);
	size_t	(*pending)(int fd, void *ctx);
	void	(*close)(int fd, void *ctx);
};

/* The plain-descriptor layer (ctx unused). Writes never raise SIGPIPE. */
extern const struct stream_ops stream_plain_ops;

/*
 * A stream over fd, blocking mode unless STREAM_F_NONBLOCK, with the
 * default limits and timeouts. NULL with errno when fd is not open.
 * The stream owns fd (stream_free closes it) unless STREAM_F_NOCLOSE.
 */
struct stream *stream_new(int fd, int flags);
/*
 * Free the stream, close the layer (and fd unless STREAM_F_NOCLOSE) and
 * set *sp to NULL. Buffered output is NOT flushed: call stream_flush()
 * first. NULL is fine.
 */
void	stream_free(struct stream **sp);
int	stream_fd(const struct stream *);

/*
 * Put a layer under the stream, e.g. TLS after STARTTLS. Buffered data
 * stays where it is: flush output and discard input (the STARTTLS
 * injection defence) first. The old layer is not closed: its owner does
 * that. ops and ctx must stay valid until stream_free(), which calls
 * ops->close.
 */
void	stream_set_ops(struct stream *, const struct stream_ops *,
	    void *ctx);
/* The current layer's ctx. */
void	*stream_get_ctx(const struct stream *);

void	stream_set_nonblock(struct stream *, int on);
/*
 * Timeouts in milliseconds, each the longest wait for the peer to send
 * (read) or to take our output (write); <= 0: no limit.
 */
void	stream_set_timeouts(struct stream *, int read_ms, int write_ms);
/*
 * The whole session must end within msec from now: any read or write
 * after that fails with STREAM_ERR_DEADLINE, even while data flows.
 * 0 removes the deadline (e.g. to write a last "421" reply).
 */
void	stream_set_deadline(struct stream *, long long msec);
/*
 * Longest line stream_read_line() returns, counting its CR LF or LF
 * (so 512 gives SMTP's command line limit). At least 1.
 */
void	stream_set_line_limit(struct stream *, size_t);
/* Most output bytes buffered in non-blocking mode; not below what is. */
void	stream_set_output_limit(struct stream *, size_t);

/*
 * Read one line. On success returns the line's length in bytes
 * INCLUDING its line end (so an empty line returns 1 or 2, never 0),
 * and sets *line_r to the line WITHOUT its line end; the line end was
 * CR LF or a bare LF as stream_line_eol() says (the return value minus
 * line_r->len is 2 or 1). line_r->ptr[line_r->len] is NUL for
 * convenience, but the line may contain NULs. The span stays valid
 * until the next call on the stream.
 * Returns 0: would block (non-blocking mode); -1: end of file (even in
 * the middle of a line: a line without its LF is never returned),
 * error, timeout or deadline, see stream_error(); -2: the line is
 * longer than the line limit: reply and call again, the rest of that
 * line is skipped.
 */
ssize_t	stream_read_line(struct stream *, struct span *line_r);
/* How the line last returned by stream_read_line() ended. */
enum stream_eol stream_line_eol(const struct stream *);

/*
 * Read up to len bytes (buffered bytes first): >0, 0 would block
 * (non-blocking mode; or len 0), -1 end of file or error. A blocking
 * read waits for at least one byte. Cancels skipping an over-long line.
 * With nothing buffered and len at least the buffer's size, the layer
 * reads straight into buf (one call for a large read, no copy).
 */
ssize_t	stream_read(struct stream *, void *buf, size_t len);
/*
 * Read exactly len bytes (SMTP BDAT chunks, IMAP literals). Blocking
 * mode: returns len, or -1 (end of file before len bytes is
 * STREAM_ERR_EOF; what was read is lost). Non-blocking mode: the bytes
 * read by this call (fewer than len: call again for the rest), 0 would
 * block, -1.
 */
ssize_t	stream_read_full(struct stream *, void *buf, size_t len);
/*
 * The same, appending to b. -1 with STREAM_ERR_LIMIT, and nothing read,
 * when len bytes would pass b's limit.
 */
ssize_t	stream_read_vbuf(struct stream *, struct vbuf *b, size_t len);
/*
 * Bytes already received and not yet returned: in the stream's buffer
 * plus those the layer holds. Never reads. Non-zero after a command
 * means the client pipelined more.
 */
size_t	stream_buffered(const struct stream *);
/*
 * 1 when a read would not wait now: bytes are buffered, or the
 * descriptor is readable (or at end of file); else 0. Never consumes.
 */
int	stream_input_ready(struct stream *);
/*
 * Put len bytes back in front of the input, as if they had been read
 * first: what another process read from the same peer and handed over
 * (the login side of pop3d and imapd passes on what the client
 * pipelined after its login command). 0, or -1 for more than a MiB.
 */
int	stream_unread(struct stream *, const void *, size_t);
/*
 * Drop everything in the stream's input buffer (and any over-long line
 * being skipped); returns how many bytes were dropped. For STARTTLS:
 * call after reading the command and before installing TLS.
 */
size_t	stream_discard_input(struct stream *);

/*
 * Buffer output: 0, or -1 (sticky write error, timeout while flushing
 * a full buffer, or STREAM_ERR_LIMIT in non-blocking mode, in which
 * case nothing was buffered). Blocking mode flushes by itself when
 * much is buffered; otherwise nothing is sent before stream_flush().
 * Data may contain NUL bytes.
 */
int	stream_write(struct stream *, const void *, size_t);
int	stream_puts(struct stream *, const char *);
int	stream_printf(struct stream *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	stream_vprintf(struct stream *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/*
 * Send buffered output: 0 all sent, 1 some remains (non-blocking mode:
 * wait for stream_want()), -1 failure. Unsent bytes stay buffered after
 * a timeout.
 */
int	stream_flush(struct stream *);
/* Bytes buffered and not yet sent. */
size_t	stream_output_pending(const struct stream *);

/* The last failure (STREAM_ERR_NONE if none yet). */
enum stream_err stream_error(const struct stream *);
/* errno of the last STREAM_ERR_IO failure. */
int	stream_errno(const struct stream *);
/* Text for the last failure, for logs ("timeout", "Connection reset"). */
const char *stream_strerror(const struct stream *);
/* After 0 (read) or 1 (flush): STREAM_WANT_READ or STREAM_WANT_WRITE. */
int	stream_want(const struct stream *);
/*
 * Non-blocking mode: milliseconds until the wait in progress times out
 * (read or write timeout, or the deadline), 0 if it has; -1 when there
 * is no limit.
 */
long long stream_timeout_left(const struct stream *);

/*
 * Memory streams, for tests of parsers and of anything that writes.
 * stream_mem_open: input is a copy of data, then end of file.
 * stream_mem_open_feed: input comes from stream_mem_feed(); when it runs
 * dry a read would block (0 in non-blocking mode; in blocking mode it
 * fails as a timeout) until stream_mem_feed_eof() marks the end.
 * Output is kept: stream_mem_output() returns it (NUL-terminated, may
 * contain NULs; valid until the next write or free).
 * stream_mem_set_chunk: move at most n bytes per layer read or write
 * (1: trickle one byte at a time); 0: no limit.
 */
struct stream *stream_mem_open(const void *data, size_t len);
struct stream *stream_mem_open_feed(void);
void	stream_mem_feed(struct stream *, const void *, size_t);
void	stream_mem_feed_eof(struct stream *);
void	stream_mem_set_chunk(struct stream *, size_t n);
const char *stream_mem_output(const struct stream *, size_t *len_r);

#endif
