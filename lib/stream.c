/*
 * stream - buffered, bounded, timed I/O over a layer; see stream.h.
 *
 * DESCRIPTION
 *	Input: ibuf[ipos, ilen) holds bytes received and not yet returned;
 *	iscan counts how many of them are already known to hold no LF, so a
 *	line that trickles in is scanned once, not once per byte. ibuf is at
 *	least line_max bytes, so a line within the limit always fits once
 *	the buffer is compacted. "skipping" is set after an over-long line
 *	was reported and lasts until its LF has been consumed.
 *
 *	Output: a vbuf whose limit is the output limit. Bytes are removed
 *	from its front as the layer takes them.
 *
 *	Waiting: in blocking mode the stream polls the descriptor itself,
 *	for at most the read or write timeout (per wait) and never past the
 *	deadline. In non-blocking mode it records when a wait began (rwait,
 *	wwait) so that a repeated call can tell that the timeout passed.
 *
 * SECURITY
 *	All input is untrusted; the line limit and the output limit bound
 *	memory, the timeouts and the deadline bound time. Checks happen
 *	before every layer call, so a peer that keeps data flowing cannot
 *	outlive the deadline.
 *
 *	UNSAFE: buffer offsets (ibuf + ipos and friends). Invariant:
 *	ipos <= ilen <= icap, and ipos + iscan <= ilen.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "monotime.h"
#include "stream.h"
#include "xmalloc.h"

_Static_assert(STREAM_WANT_READ == EVENT_READ, "want/event mismatch");
_Static_assert(STREAM_WANT_WRITE == EVENT_WRITE, "want/event mismatch");

#define STREAM_IBUF_MIN		4096
#define STREAM_OBUF_FLUSH	16384	/* flush at this much queued */
#define STREAM_LINE_MAX		(SSIZE_MAX / 4)
#define STREAM_UNREAD_MAX	(1024 * 1024)	/* stream_unread, at once */

struct stream {
	int		 fd;
	int		 flags;		/* STREAM_F_* */
	int		 saved_fl;	/* fd's F_GETFL when new, or -1 */
	const struct stream_ops *ops;
	void		*ctx;

	char		*ibuf;
	size_t		 icap, ipos, ilen, iscan;
	size_t		 line_max;
	int		 skipping;
	enum stream_eol	 eol;
	enum stream_err	 rstate;	/* sticky: NONE, EOF or IO */
	int		 rerrno;
	int		 werrno;	/* sticky write error, 0 if none */

	struct vbuf	 obuf;

	int		 read_ms, write_ms;
	long long	 deadline;	/* monotime_ms() value, 0: none */
	long long	 rwait, wwait;	/* non-blocking wait began; 0 */

	enum stream_err	 err;
	int		 errnum;
	int		 want;
};

/* --- the plain layer -------------------------------------------------- */

static ssize_t
stream_plain_read(int fd, void *ctx, void *buf, size_t len, int *want_r)
{
	ssize_t n;

	(void)ctx;
	n = read(fd, buf, len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		*want_r = STREAM_WANT_READ;
	return n;
}

static ssize_t
stream_plain_write(int fd, void *ctx, const void *buf, size_t len,
    int *want_r)
{
	ssize_t n;

	(void)ctx;
	/* MSG_NOSIGNAL: a peer that went away is an error, not SIGPIPE. */
	n = send(fd, buf, len, MSG_NOSIGNAL);
	if (n < 0 && errno == ENOTSOCK)
		n = write(fd, buf, len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		*want_r = STREAM_WANT_WRITE;
	return n;
}

static void
stream_plain_close(int fd, void *ctx)
{
	(void)ctx;
	if (fd >= 0)
		close(fd);
}

const struct stream_ops stream_plain_ops = {
	.read = stream_plain_read,
	.write = stream_plain_write,
	.pending = NULL,
	.close = stream_plain_close,
};

/* --- setup ------------------------------------------------------------ */

static struct stream *
stream_alloc(int fd, int flags)
{
	struct stream *s = xcalloc(1, sizeof(*s));

	s->fd = fd;
	s->flags = flags;
	s->saved_fl = -1;
	s->ops = &stream_plain_ops;
	s->line_max = STREAM_LINE_DEFAULT;
	s->icap = s->line_max > STREAM_IBUF_MIN ? s->line_max :
	    STREAM_IBUF_MIN;
	s->ibuf = xmalloc(s->icap);
	vbuf_init(&s->obuf, 1024, STREAM_OUTPUT_DEFAULT);
	s->read_ms = s->write_ms = STREAM_TIMEOUT_DEFAULT;
	return s;
}

struct stream *
stream_new(int fd, int flags)
{
	struct stream *s;
	int fl;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0)
		return NULL;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return NULL;
	s = stream_alloc(fd, flags & (STREAM_F_NONBLOCK | STREAM_F_NOCLOSE));
	s->saved_fl = fl;
	return s;
}

void
stream_free(struct stream **sp)
{
	struct stream *s = *sp;
	int fd;

	if (s == NULL)
		return;
	fd = s->fd;
	if (s->flags & STREAM_F_NOCLOSE) {
		if (fd >= 0 && s->saved_fl >= 0)
			(void)fcntl(fd, F_SETFL, s->saved_fl);
		fd = -1;
	}
	if (s->ops->close != NULL)
		s->ops->close(fd, s->ctx);
	free(s->ibuf);
	vbuf_release(&s->obuf);
	free(s);
	*sp = NULL;
}

int
stream_fd(const struct stream *s)
{
	return s->fd;
}

void
stream_set_ops(struct stream *s, const struct stream_ops *ops, void *ctx)
{
	s->ops = ops;
	s->ctx = ctx;
}

void *
stream_get_ctx(const struct stream *s)
{
	return s->ctx;
}

void
stream_set_nonblock(struct stream *s, int on)
{
	if (on)
		s->flags |= STREAM_F_NONBLOCK;
	else
		s->flags &= ~STREAM_F_NONBLOCK;
	s->rwait = s->wwait = 0;
}

void
stream_set_timeouts(struct stream *s, int read_ms, int write_ms)
{
	s->read_ms = read_ms > 0 ? read_ms : 0;
	s->write_ms = write_ms > 0 ? write_ms : 0;
}

void
stream_set_deadline(struct stream *s, long long msec)
{
	long long now;

	if (msec <= 0) {
		s->deadline = 0;
		return;
	}
	now = monotime_ms();
	s->deadline = msec > LLONG_MAX - now ? LLONG_MAX : now + msec;
}

void
stream_set_line_limit(struct stream *s, size_t n)
{
	if (n < 1)
		n = 1;
	if (n > STREAM_LINE_MAX)
		n = STREAM_LINE_MAX;
	s->line_max = n;
	if (n > s->icap) {
		s->ibuf = xreallocarray(s->ibuf, n, 1);
		s->icap = n;
	}
}

void
stream_set_output_limit(struct stream *s, size_t n)
{
	if (n < s->obuf.len)
		n = s->obuf.len;
	if (n > VBUF_NOLIMIT)
		n = VBUF_NOLIMIT;
	s->obuf.limit = n;
}

/* --- errors ----------------------------------------------------------- */

static int
stream_fail(struct stream *s, enum stream_err kind, int errnum)
{
	s->err = kind;
	s->errnum = errnum;
	errno = errnum;
	return -1;
}

enum stream_err
stream_error(const struct stream *s)
{
	return s->err;
}

int
stream_errno(const struct stream *s)
{
	return s->err == STREAM_ERR_IO ? s->errnum : 0;
}

const char *
stream_strerror(const struct stream *s)
{
	switch (s->err) {
	case STREAM_ERR_NONE:
		return "no error";
	case STREAM_ERR_EOF:
		return "end of file";
	case STREAM_ERR_TIMEOUT:
		return "timeout";
	case STREAM_ERR_DEADLINE:
		return "session deadline exceeded";
	case STREAM_ERR_LIMIT:
		return "buffer limit exceeded";
	case STREAM_ERR_IO:
		break;
	}
	return strerror(s->errnum);
}

int
stream_want(const struct stream *s)
{
	return s->want;
}

/* -1 with STREAM_ERR_DEADLINE once the deadline has passed, else 0. */
static int
stream_check_deadline(struct stream *s, long long now)
{
	if (s->deadline != 0 && now >= s->deadline)
		return stream_fail(s, STREAM_ERR_DEADLINE, ETIMEDOUT);
	return 0;
}

/*
 * Non-blocking mode, the layer would block: start the wait clock, or
 * fail when the wait has lasted the timeout. 0 or -1.
 */
static int
stream_nb_waiting(struct stream *s, long long *since, int timeout_ms)
{
	long long now = monotime_ms();

	if (stream_check_deadline(s, now) < 0)
		return -1;
	if (*since == 0) {
		*since = now;
		return 0;
	}
	if (timeout_ms > 0 && now - *since >= timeout_ms) {
		*since = 0;
		return stream_fail(s, STREAM_ERR_TIMEOUT, ETIMEDOUT);
	}
	return 0;
}

long long
stream_timeout_left(const struct stream *s)
{
	long long now = monotime_ms(), left = -1, t;

	if (s->rwait != 0 && s->read_ms > 0)
		left = s->rwait + s->read_ms - now;
	if (s->wwait != 0 && s->write_ms > 0) {
		t = s->wwait + s->write_ms - now;
		if (left < 0 || t < left)
			left = t;
	}
	if (s->deadline != 0) {
		t = s->deadline - now;
		if (left < 0 || t < left)
			left = t;
	}
	if (left == -1)
		return -1;
	return left < 0 ? 0 : left;
}

/*
 * Blocking mode: wait until the layer can go on (want), at most
 * timeout_ms and not past the deadline. 0, or -1 with the reason.
 */
static int
stream_wait(struct stream *s, int want, int timeout_ms)
{
	struct pollfd pfd;
	long long now, start, left, dl;
	enum stream_err why;
	int r, capped;

	if (s->fd < 0) {
		/* A memory stream ran dry and nothing will ever come. */
		return stream_fail(s, STREAM_ERR_TIMEOUT, ETIMEDOUT);
	}
	start = now = monotime_ms();
	for (;;) {
		left = -1;
		why = STREAM_ERR_TIMEOUT;
		if (timeout_ms > 0) {
			left = start + timeout_ms - now;
			if (left < 0)
				left = 0;
		}
		if (s->deadline != 0) {
			dl = s->deadline - now;
			if (dl <= 0)
				return stream_fail(s, STREAM_ERR_DEADLINE,
				    ETIMEDOUT);
			if (left < 0 || dl < left) {
				left = dl;
				why = STREAM_ERR_DEADLINE;
			}
		}
		capped = left > INT_MAX;
		pfd.fd = s->fd;
		pfd.events = 0;
		if (want & STREAM_WANT_READ)
			pfd.events |= POLLIN;
		if (want & STREAM_WANT_WRITE)
			pfd.events |= POLLOUT;
		pfd.revents = 0;
		r = poll(&pfd, 1, capped ? INT_MAX : (int)left);
		if (r > 0)
			return 0;	/* ready, or HUP/ERR: the layer says */
		if (r < 0 && errno != EINTR)
			return stream_fail(s, STREAM_ERR_IO, errno);
		now = monotime_ms();
		if (r == 0 && !capped)
			return stream_fail(s, why, ETIMEDOUT);
	}
}

/* --- input ------------------------------------------------------------ */

/*
 * Read at most cap bytes into dst: >0 bytes read, 0 would block
 * (non-blocking mode), -1 end of file or failure.
 */
static ssize_t
stream_fill_to(struct stream *s, char *dst, size_t cap)
{
	ssize_t n;
	int want;

	if (s->rstate != STREAM_ERR_NONE)
		return stream_fail(s, s->rstate,
		    s->rstate == STREAM_ERR_IO ? s->rerrno : 0);
	for (;;) {
		if (stream_check_deadline(s, monotime_ms()) < 0)
			return -1;
		want = STREAM_WANT_READ;
		n = s->ops->read(s->fd, s->ctx, dst, cap, &want);
		if (n > 0) {
			if ((size_t)n > cap)
				log_panic("stream: layer read overran");
			s->rwait = 0;
			return n;
		}
		if (n == 0) {
			s->rstate = STREAM_ERR_EOF;
			return stream_fail(s, STREAM_ERR_EOF, 0);
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			s->rstate = STREAM_ERR_IO;
			s->rerrno = errno;
			return stream_fail(s, STREAM_ERR_IO, errno);
		}
		s->want = want;
		if (s->flags & STREAM_F_NONBLOCK)
			return stream_nb_waiting(s, &s->rwait, s->read_ms);
		if (s->ops->pending != NULL &&
		    s->ops->pending(s->fd, s->ctx) > 0)
			continue;
		if (stream_wait(s, want, s->read_ms) < 0)
			return -1;
	}
}

/* Read more into ibuf: as stream_fill_to, the bytes added. */
static ssize_t
stream_fill(struct stream *s)
{
	ssize_t n;

	if (s->rstate != STREAM_ERR_NONE)
		return stream_fill_to(s, NULL, 0);	/* the failure again */
	if (s->ipos > 0) {
		/* UNSAFE: move the unread bytes to the front */
		memmove(s->ibuf, s->ibuf + s->ipos, s->ilen - s->ipos);
		s->ilen -= s->ipos;
		s->ipos = 0;
	}
	if (s->ilen == s->icap)
		log_panic("stream: input buffer full (%zu bytes)", s->icap);
	/* UNSAFE: read into the free tail, icap - ilen bytes */
	if ((n = stream_fill_to(s, s->ibuf + s->ilen, s->icap - s->ilen)) > 0)
		s->ilen += (size_t)n;
	return n;
}

ssize_t
stream_read_line(struct stream *s, struct span *line_r)
{
	char *start, *nl;
	size_t avail, len, content;
	ssize_t r;

	line_r->ptr = NULL;
	line_r->len = 0;
	s->eol = STREAM_EOL_NONE;
	for (;;) {
		start = s->ibuf + s->ipos;	/* UNSAFE: within ilen */
		avail = s->ilen - s->ipos;
		nl = NULL;
		if (avail > s->iscan)
			nl = memchr(start + s->iscan, '\n', avail - s->iscan);
		if (s->skipping) {
			if (nl == NULL) {
				s->ipos = s->ilen = s->iscan = 0;
			} else {
				/* UNSAFE: nl is in [start, start + avail) */
				s->ipos += (size_t)(nl - start) + 1;
				s->iscan = 0;
				s->skipping = 0;
				continue;
			}
		} else if (nl != NULL) {
			len = (size_t)(nl - start) + 1;
			s->ipos += len;
			s->iscan = 0;
			if (len > s->line_max)
				return -2;	/* whole and too long: gone */
			if (len >= 2 && start[len - 2] == '\r') {
				content = len - 2;
				s->eol = STREAM_EOL_CRLF;
			} else {
				content = len - 1;
				s->eol = STREAM_EOL_LF;
			}
			start[content] = '\0';
			line_r->ptr = start;
			line_r->len = content;
			return (ssize_t)len;
		} else if (avail >= s->line_max) {
			/* No LF within the limit: report now, skip the rest. */
			s->ipos = s->ilen = s->iscan = 0;
			s->skipping = 1;
			return -2;
		} else {
			s->iscan = avail;
		}
		if ((r = stream_fill(s)) <= 0)
			return r;
	}
}

enum stream_eol
stream_line_eol(const struct stream *s)
{
	return s->eol;
}

ssize_t
stream_read(struct stream *s, void *buf, size_t len)
{
	size_t avail;
	ssize_t r;

	if (len == 0)
		return 0;
	s->skipping = 0;
	s->eol = STREAM_EOL_NONE;
	if (s->ilen == s->ipos && len >= s->icap) {
		/*
		 * Nothing buffered and a read larger than the buffer (DATA
		 * content): straight into the caller's, in one system call
		 * instead of one per icap bytes, and without a copy.
		 */
		s->ipos = s->ilen = 0;
		s->iscan = 0;
		return stream_fill_to(s, buf, len);
	}
	if (s->ilen == s->ipos && (r = stream_fill(s)) <= 0)
		return r;
	avail = s->ilen - s->ipos;
	if (avail > len)
		avail = len;
	/* UNSAFE: avail <= ilen - ipos */
	memcpy(buf, s->ibuf + s->ipos, avail);
	s->ipos += avail;
	s->iscan = 0;
	return (ssize_t)avail;
}

ssize_t
stream_read_full(struct stream *s, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	ssize_t r;

	if (len > SSIZE_MAX)
		return stream_fail(s, STREAM_ERR_LIMIT, EMSGSIZE);
	while (got < len) {
		/* UNSAFE: p + got stays within the caller's len bytes */
		r = stream_read(s, p + got, len - got);
		if (r < 0)
			return (s->flags & STREAM_F_NONBLOCK) && got > 0 ?
			    (ssize_t)got : -1;
		if (r == 0)
			return (ssize_t)got;	/* non-blocking only */
		got += (size_t)r;
	}
	return (ssize_t)got;
}

ssize_t
stream_read_vbuf(struct stream *s, struct vbuf *b, size_t len)
{
	ssize_t r;

	if (vbuf_reserve(b, len) < 0)
		return stream_fail(s, STREAM_ERR_LIMIT, EMSGSIZE);
	/* UNSAFE: vbuf_reserve made room for len bytes and the NUL */
	r = stream_read_full(s, b->data + b->len, len);
	if (r > 0) {
		b->len += (size_t)r;
		b->data[b->len] = '\0';
	}
	return r;
}

size_t
stream_buffered(const struct stream *s)
{
	size_t n = s->ilen - s->ipos;

	if (s->ops->pending != NULL)
		n += s->ops->pending(s->fd, s->ctx);
	return n;
}

int
stream_input_ready(struct stream *s)
{
	struct pollfd pfd;

	if (stream_buffered(s) > 0 || s->rstate != STREAM_ERR_NONE)
		return 1;
	if (s->fd < 0)
		return 0;
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) > 0;
}

int
stream_unread(struct stream *s, const void *buf, size_t len)
{
	size_t have = s->ilen - s->ipos;

	if (len == 0)
		return 0;
	if (len > STREAM_UNREAD_MAX)
		return -1;
	if (have + len > s->icap) {
		s->ibuf = xreallocarray(s->ibuf, have + len, 1);
		s->icap = have + len;
	}
	/* UNSAFE: the unread bytes move behind the new ones, within icap */
	memmove(s->ibuf + len, s->ibuf + s->ipos, have);
	memcpy(s->ibuf, buf, len);
	s->ipos = 0;
	s->ilen = have + len;
	s->iscan = 0;
	return 0;
}

size_t
stream_discard_input(struct stream *s)
{
	size_t n = s->ilen - s->ipos;

	s->ipos = s->ilen = s->iscan = 0;
	s->skipping = 0;
	return n;
}

/* --- output ----------------------------------------------------------- */

/*
 * Hand len bytes at p to the layer; *done_r counts what it took.
 * 0 all taken, 1 would block (non-blocking mode), -1 failure.
 */
static int
stream_send(struct stream *s, const char *p, size_t len, size_t *done_r)
{
	ssize_t n;
	int want;

	*done_r = 0;
	while (*done_r < len) {
		if (s->werrno != 0)
			return stream_fail(s, STREAM_ERR_IO, s->werrno);
		if (stream_check_deadline(s, monotime_ms()) < 0)
			return -1;
		want = STREAM_WANT_WRITE;
		/* UNSAFE: p + *done_r stays within len */
		n = s->ops->write(s->fd, s->ctx, p + *done_r, len - *done_r,
		    &want);
		if (n > 0) {
			if ((size_t)n > len - *done_r)
				log_panic("stream: layer write overran");
			*done_r += (size_t)n;
			s->wwait = 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			s->want = want;
			if (s->flags & STREAM_F_NONBLOCK)
				return stream_nb_waiting(s, &s->wwait,
				    s->write_ms) < 0 ? -1 : 1;
			if (stream_wait(s, want, s->write_ms) < 0)
				return -1;
			continue;
		}
		s->werrno = n == 0 ? EPIPE : errno;
		return stream_fail(s, STREAM_ERR_IO, s->werrno);
	}
	return 0;
}

/* Send what is buffered: 0, 1 (non-blocking, some left) or -1. */
static int
stream_drain(struct stream *s)
{
	size_t done;
	int r;

	if (s->obuf.len == 0)
		return 0;
	r = stream_send(s, s->obuf.data, s->obuf.len, &done);
	vbuf_consume(&s->obuf, done);
	return r;
}

int
stream_flush(struct stream *s)
{
	return stream_drain(s);
}

size_t
stream_output_pending(const struct stream *s)
{
	return s->obuf.len;
}

/* After appending: send when a lot is buffered. 0 or -1. */
static int
stream_after_append(struct stream *s)
{
	if (s->obuf.len < STREAM_OBUF_FLUSH)
		return 0;
	return stream_drain(s) < 0 ? -1 : 0;
}

int
stream_write(struct stream *s, const void *data, size_t len)
{
	size_t done, limit;

	if (s->werrno != 0)
		return stream_fail(s, STREAM_ERR_IO, s->werrno);
	if (!(s->flags & STREAM_F_NONBLOCK) && (len >= STREAM_OBUF_FLUSH ||
	    s->obuf.len + len > STREAM_OBUF_FLUSH)) {
		/* Blocking: send what is queued, then big data directly. */
		if (stream_drain(s) < 0)
			return -1;
		if (len >= STREAM_OBUF_FLUSH) {
			if (stream_send(s, data, len, &done) == 0)
				return 0;
			/*
			 * Keep the unsent tail so that a repeated flush goes
			 * on where this stopped, whatever the output limit
			 * (the caller held all of it in memory anyway).
			 */
			limit = s->obuf.limit;
			s->obuf.limit = VBUF_NOLIMIT;
			/* UNSAFE: done <= len */
			if (vbuf_append(&s->obuf, (const char *)data + done,
			    len - done) < 0)
				log_panic("stream: cannot keep unsent output");
			s->obuf.limit = limit;
			return -1;
		}
	}
	if (vbuf_append(&s->obuf, data, len) < 0)
		return stream_fail(s, STREAM_ERR_LIMIT, EMSGSIZE);
	return stream_after_append(s);
}

int
stream_puts(struct stream *s, const char *str)
{
	return stream_write(s, str, strlen(str));
}

int
stream_vprintf(struct stream *s, const char *fmt, va_list ap)
{
	if (s->werrno != 0)
		return stream_fail(s, STREAM_ERR_IO, s->werrno);
	if (vbuf_vappendf(&s->obuf, fmt, ap) < 0)
		return stream_fail(s, STREAM_ERR_LIMIT, EMSGSIZE);
	return stream_after_append(s);
}

int
stream_printf(struct stream *s, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = stream_vprintf(s, fmt, ap);
	va_end(ap);
	return r;
}

/* --- memory streams --------------------------------------------------- */

struct stream_mem {
	struct vbuf	 in;
	size_t		 inpos;
	int		 eof;
	size_t		 chunk;
	struct vbuf	 out;
};

static ssize_t
stream_mem_read(int fd, void *ctx, void *buf, size_t len, int *want_r)
{
	struct stream_mem *m = ctx;
	size_t n = m->in.len - m->inpos;

	(void)fd;
	if (n == 0) {
		if (m->eof)
			return 0;
		*want_r = STREAM_WANT_READ;
		errno = EAGAIN;
		return -1;
	}
	if (n > len)
		n = len;
	if (m->chunk > 0 && n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->in.data + m->inpos, n);	/* UNSAFE: n <= unread */
	m->inpos += n;
	return (ssize_t)n;
}

static ssize_t
stream_mem_write(int fd, void *ctx, const void *buf, size_t len, int *want_r)
{
	struct stream_mem *m = ctx;

	(void)fd;
	(void)want_r;
	if (m->chunk > 0 && len > m->chunk)
		len = m->chunk;
	if (vbuf_append(&m->out, buf, len) < 0) {
		errno = ENOSPC;
		return -1;
	}
	return (ssize_t)len;
}

static size_t
stream_mem_pending(int fd, void *ctx)
{
	struct stream_mem *m = ctx;

	(void)fd;
	return m->in.len - m->inpos;
}

static void
stream_mem_close(int fd, void *ctx)
{
	struct stream_mem *m = ctx;

	(void)fd;
	vbuf_release(&m->in);
	vbuf_release(&m->out);
	free(m);
}

static const struct stream_ops stream_mem_ops = {
	.read = stream_mem_read,
	.write = stream_mem_write,
	.pending = stream_mem_pending,
	.close = stream_mem_close,
};

struct stream *
stream_mem_open_feed(void)
{
	struct stream *s = stream_alloc(-1, STREAM_F_NOCLOSE);
	struct stream_mem *m = xcalloc(1, sizeof(*m));

	vbuf_init(&m->in, 64, VBUF_NOLIMIT);
	vbuf_init(&m->out, 64, VBUF_NOLIMIT);
	stream_set_ops(s, &stream_mem_ops, m);
	return s;
}

struct stream *
stream_mem_open(const void *data, size_t len)
{
	struct stream *s = stream_mem_open_feed();

	stream_mem_feed(s, data, len);
	stream_mem_feed_eof(s);
	return s;
}

static struct stream_mem *
stream_mem_ctx(const struct stream *s)
{
	if (s->ops != &stream_mem_ops)
		log_panic("stream: not a memory stream");
	return s->ctx;
}

void
stream_mem_feed(struct stream *s, const void *data, size_t len)
{
	struct stream_mem *m = stream_mem_ctx(s);

	if (m->eof)
		log_panic("stream: feed after end of file");
	if (len > 0 && vbuf_append(&m->in, data, len) < 0)
		log_panic("stream: memory input too large");
}

void
stream_mem_feed_eof(struct stream *s)
{
	stream_mem_ctx(s)->eof = 1;
}

void
stream_mem_set_chunk(struct stream *s, size_t n)
{
	stream_mem_ctx(s)->chunk = n;
}

const char *
stream_mem_output(const struct stream *s, size_t *len_r)
{
	struct stream_mem *m = stream_mem_ctx(s);

	*len_r = m->out.len;
	return m->out.data;
}
