/*
 * Unit tests for lib/stream: lines and their limits, trickled input,
 * exact reads, timeouts and the deadline, output, the layer hooks.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"
#include "tap.h"
#include "vbuf.h"

/* --- helpers ---------------------------------------------------------- */

static void
xsocketpair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		bail_out("socketpair: %s", strerror(errno));
}

static void
xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		bail_out("write: %s", strerror(errno));
}

static const char *
errname(enum stream_err e)
{
	switch (e) {
	case STREAM_ERR_NONE:
		return "NONE";
	case STREAM_ERR_EOF:
		return "EOF";
	case STREAM_ERR_TIMEOUT:
		return "TIMEOUT";
	case STREAM_ERR_DEADLINE:
		return "DEADLINE";
	case STREAM_ERR_IO:
		return "IO";
	case STREAM_ERR_LIMIT:
		return "LIMIT";
	}
	return "?";
}

/*
 * Append one stream_read_line() result to a transcript: "[text]crlf ",
 * "[text]lf ", "TOOLONG ", or the error name. NUL and CR are shown
 * escaped; a return value that disagrees with the span is flagged.
 */
static void
record(struct vbuf *t, struct stream *s, ssize_t r, const struct span *sp)
{
	enum stream_eol eol;
	size_t i;

	if (r == -2) {
		vbuf_appends(t, "TOOLONG ");
		return;
	}
	if (r < 0) {
		vbuf_appendf(t, "%s ", errname(stream_error(s)));
		return;
	}
	vbuf_appendc(t, '[');
	for (i = 0; i < sp->len; i++) {
		if (sp->ptr[i] == '\0')
			vbuf_appends(t, "\\0");
		else if (sp->ptr[i] == '\r')
			vbuf_appends(t, "\\r");
		else
			vbuf_appendc(t, sp->ptr[i]);
	}
	eol = stream_line_eol(s);
	vbuf_appendf(t, "]%s", eol == STREAM_EOL_CRLF ? "crlf" :
	    eol == STREAM_EOL_LF ? "lf" : "none");
	if ((size_t)r != sp->len + (eol == STREAM_EOL_CRLF ? 2 : 1))
		vbuf_appends(t, "(BADLEN)");
	if (sp->ptr[sp->len] != '\0')
		vbuf_appends(t, "(NOTNUL)");
	vbuf_appendc(t, ' ');
}

/* Blocking: read lines until -1. */
static void
read_all(struct stream *s, struct vbuf *t)
{
	struct span sp;
	ssize_t r;
	int n = 0;

	do {
		r = stream_read_line(s, &sp);
		record(t, s, r, &sp);
	} while (r != -1 && n++ < 10000);
}

/* Non-blocking: read lines until 0 (would block) or -1; 1 at -1. */
static int
read_some(struct stream *s, struct vbuf *t)
{
	struct span sp;
	ssize_t r;

	for (;;) {
		r = stream_read_line(s, &sp);
		if (r == 0)
			return 0;
		record(t, s, r, &sp);
		if (r == -1)
			return 1;
	}
}

/* --- line cases ------------------------------------------------------- */

struct line_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	size_t		 limit;
	const char	*want;
};

#define S(x)	x, sizeof(x) - 1

static const struct line_case line_cases[] = {
	{ "CRLF, bare LF and empty lines", S("abc\r\ndef\n\r\n\n"), 10,
	  "[abc]crlf [def]lf []crlf []lf EOF " },
	{ "exactly at the limit", S("12345678\r\n"), 10,
	  "[12345678]crlf EOF " },
	{ "one over the limit, then recovery", S("123456789\r\nnext\r\n"), 10,
	  "TOOLONG [next]crlf EOF " },
	{ "bare LF line at the limit", S("123456789\nnext\n"), 10,
	  "[123456789]lf [next]lf EOF " },
	{ "far over the limit", S("0123456789012345678901234567890123456789"
	  "\r\nok\r\n"), 10, "TOOLONG [ok]crlf EOF " },
	{ "two over-long lines in a row",
	  S("0123456789abcdef\r\n0123456789abcdef\nok\r\n"), 10,
	  "TOOLONG TOOLONG [ok]crlf EOF " },
	{ "over-long line reported once, neighbours intact",
	  S("a\r\n0123456789abcdef\r\nb\r\n"), 10,
	  "[a]crlf TOOLONG [b]crlf EOF " },
	{ "embedded NUL bytes", S("a\0b\r\n\0\n"), 10,
	  "[a\\0b]crlf [\\0]lf EOF " },
	{ "bare CR inside a line", S("a\rb\r\n"), 10, "[a\\rb]crlf EOF " },
	{ "CR CR LF", S("a\r\r\n"), 10, "[a\\r]crlf EOF " },
	{ "end of file mid-line", S("abc\r\nde"), 10, "[abc]crlf EOF " },
	{ "end of file after a lone CR", S("abc\r"), 10, "EOF " },
	{ "end of file inside an over-long line", S("0123456789012"), 10,
	  "TOOLONG EOF " },
	{ "empty input", S(""), 10, "EOF " },
	{ "limit 2: only empty lines fit", S("\r\n\na\nab\r\n"), 2,
	  "[]crlf []lf [a]lf TOOLONG EOF " },
};
#define NCASES	(sizeof(line_cases) / sizeof(line_cases[0]))

static void
test_lines(void)
{
	const struct line_case *c;
	struct vbuf *t = vbuf_new(256, VBUF_NOLIMIT);
	struct stream *s;
	size_t i, k, bad;

	for (i = 0; i < NCASES; i++) {
		c = &line_cases[i];

		/* all at once */
		vbuf_reset(t);
		s = stream_mem_open(c->in, c->inlen);
		stream_set_line_limit(s, c->limit);
		read_all(s, t);
		is_str(vbuf_str(t), c->want, "%s", c->name);
		stream_free(&s);

		/* trickled, one byte per layer read */
		vbuf_reset(t);
		s = stream_mem_open(c->in, c->inlen);
		stream_set_line_limit(s, c->limit);
		stream_mem_set_chunk(s, 1);
		read_all(s, t);
		is_str(vbuf_str(t), c->want, "%s: one byte at a time", c->name);
		stream_free(&s);

		/* non-blocking, split in two at every offset */
		bad = 0;
		for (k = 0; k <= c->inlen; k++) {
			vbuf_reset(t);
			s = stream_mem_open_feed();
			stream_set_nonblock(s, 1);
			stream_set_line_limit(s, c->limit);
			stream_mem_feed(s, c->in, k);
			if (read_some(s, t) != 0)
				vbuf_appends(t, "(EARLY-END)");
			stream_mem_feed(s, c->in + k, c->inlen - k);
			stream_mem_feed_eof(s);
			read_some(s, t);
			if (strcmp(vbuf_str(t), c->want) != 0) {
				if (bad++ == 0)
					diag("split at %zu: %s", k,
					    vbuf_str(t));
			}
			stream_free(&s);
		}
		is_int(bad, 0, "%s: every two-chunk split", c->name);

		/* non-blocking, fed one byte at a time */
		vbuf_reset(t);
		s = stream_mem_open_feed();
		stream_set_nonblock(s, 1);
		stream_set_line_limit(s, c->limit);
		for (k = 0; k < c->inlen; k++) {
			stream_mem_feed(s, c->in + k, 1);
			if (read_some(s, t) != 0)
				vbuf_appends(t, "(EARLY-END)");
		}
		stream_mem_feed_eof(s);
		read_some(s, t);
		is_str(vbuf_str(t), c->want,
		    "%s: fed byte by byte, non-blocking", c->name);
		stream_free(&s);
	}
	vbuf_free(&t);
}

/* Lines far longer than the buffer, with the default limit. */
static void
test_big_lines(void)
{
	struct vbuf *in = vbuf_new(0, VBUF_NOLIMIT);
	struct vbuf *t = vbuf_new(256, VBUF_NOLIMIT);
	struct stream *s;
	struct span sp;
	ssize_t r;
	size_t i;

	for (i = 0; i < 20000; i++)
		vbuf_appendc(in, 'x');
	vbuf_appends(in, "\r\nnext\r\n");
	for (i = 0; i < STREAM_LINE_DEFAULT - 2; i++)
		vbuf_appendc(in, 'y');
	vbuf_appends(in, "\r\nlast\r\n");

	s = stream_mem_open(vbuf_str(in), vbuf_len(in));
	r = stream_read_line(s, &sp);
	is_int(r, -2, "20000-byte line over the default limit");
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "next", 4, "the next line after it");
	r = stream_read_line(s, &sp);
	is_int(r, STREAM_LINE_DEFAULT, "a line of exactly the default limit");
	is_int(sp.len, STREAM_LINE_DEFAULT - 2, "its text without CR LF");
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "last", 4, "then the last line");
	stream_free(&s);

	/* the same with a bigger limit set after creation */
	s = stream_mem_open(vbuf_str(in), vbuf_len(in));
	stream_set_line_limit(s, 30000);
	stream_mem_set_chunk(s, 1000);
	vbuf_reset(t);
	r = stream_read_line(s, &sp);
	is_int(r, 20002, "raised limit: the long line fits");
	stream_free(&s);
	vbuf_free(&in);
	vbuf_free(&t);
}

/* Trickle through a real socket: a writer child sends one byte per write. */
static void
test_socket_trickle(void)
{
	static const char in[] = "EHLO a\r\n0123456789abcdefghijk\r\n"
	    "x\0y\nMAIL FROM:<a@b>\r\npartial";
	const char *want = "[EHLO a]crlf TOOLONG [x\\0y]lf "
	    "[MAIL FROM:<a@b>]crlf EOF ";
	struct vbuf *t = vbuf_new(256, VBUF_NOLIMIT);
	struct stream *s;
	struct timespec ts = { 0, 200000 };
	int sp[2], status;
	size_t i;
	pid_t pid;

	xsocketpair(sp);
	fflush(stdout);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sp[0]);
		for (i = 0; i < sizeof(in) - 1; i++) {
			if (write(sp[1], in + i, 1) != 1)
				_exit(1);
			nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	close(sp[1]);
	s = stream_new(sp[0], 0);
	stream_set_line_limit(s, 20);
	stream_set_timeouts(s, 10000, 10000);
	read_all(s, t);
	is_str(vbuf_str(t), want, "socket trickle, one byte per write");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer child ok");
	stream_free(&s);
	vbuf_free(&t);
}

/* --- exact reads ------------------------------------------------------ */

static void
test_exact(void)
{
	static const char in[] = "BDAT 5\r\nhelloQUIT\r\n";
	struct vbuf *b = vbuf_new(0, 4);
	struct stream *s;
	struct span sp;
	char buf[16];
	ssize_t r;
	int chunk;

	for (chunk = 0; chunk <= 1; chunk++) {
		s = stream_mem_open(in, sizeof(in) - 1);
		stream_mem_set_chunk(s, (size_t)chunk);
		r = stream_read_line(s, &sp);
		is_mem(sp.ptr, sp.len, "BDAT 5", 6, "command line (chunk %d)",
		    chunk);
		vbuf_reset(b);
		b->limit = 4;
		r = stream_read_vbuf(s, b, 5);
		ok(r == -1 && stream_error(s) == STREAM_ERR_LIMIT,
		    "read_vbuf past the vbuf's limit: LIMIT");
		is_int(vbuf_len(b), 0, "and nothing appended");
		b->limit = 100;
		r = stream_read_vbuf(s, b, 5);
		is_int(r, 5, "read_vbuf 5 bytes");
		is_str(vbuf_str(b), "hello",
		    "the chunk, nothing consumed before");
		r = stream_read_line(s, &sp);
		is_mem(sp.ptr, sp.len, "QUIT", 4, "the line after the chunk");
		stream_free(&s);
	}

	s = stream_mem_open("abc", 3);
	r = stream_read_full(s, buf, 5);
	ok(r == -1 && stream_error(s) == STREAM_ERR_EOF,
	    "read_full: end of file before n bytes is EOF");
	stream_free(&s);

	/* non-blocking: partial progress */
	s = stream_mem_open_feed();
	stream_set_nonblock(s, 1);
	stream_mem_feed(s, "hel", 3);
	is_int(stream_read_full(s, buf, 5), 3, "non-blocking: 3 of 5 bytes");
	is_int(stream_read_full(s, buf + 3, 2), 0, "then would block");
	stream_mem_feed(s, "lo!", 3);
	is_int(stream_read_full(s, buf + 3, 2), 2, "then the rest");
	is_mem(buf, 5, "hello", 5, "assembled");
	is_int(stream_read(s, buf, sizeof(buf)), 1,
	    "stream_read gets what is left");
	is_int(stream_read(s, buf, 0), 0, "len 0 reads nothing");
	stream_free(&s);
	vbuf_free(&b);
}

/* A binary chunk after a line, through a socket, from a writer child. */
static void
test_exact_socket(void)
{
	struct vbuf *b = vbuf_new(0, 200000);
	struct stream *s;
	struct span sp;
	unsigned char *data;
	size_t i, n = 100000;
	int sp2[2], status, same;
	pid_t pid;

	data = malloc(n);
	for (i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 8));
	xsocketpair(sp2);
	fflush(stdout);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sp2[0]);
		xwrite(sp2[1], "BDAT 100000 LAST\r\n", 18);
		for (i = 0; i < n; i += 4096)
			xwrite(sp2[1], data + i, n - i < 4096 ? n - i : 4096);
		xwrite(sp2[1], "QUIT\r\n", 6);
		_exit(0);
	}
	close(sp2[1]);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 10000, 10000);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "BDAT 100000 LAST", 16, "BDAT line");
	is_int(stream_read_vbuf(s, b, n), (long long)n, "100000 bytes read");
	same = vbuf_len(b) == n && memcmp(vbuf_str(b), data, n) == 0;
	ok(same, "bytes intact (binary, NULs included)");
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "QUIT", 4, "line after the chunk");
	waitpid(pid, &status, 0);
	stream_free(&s);
	vbuf_free(&b);
	free(data);
}

/*
 * A read larger than the buffer with nothing buffered goes straight into
 * the caller's (DATA content): all the socket holds, in one call; what
 * is buffered comes first, and a line read after it still works.
 */
static void
test_read_direct(void)
{
	static char big[65536], want[40000];
	struct stream *s;
	struct span sp;
	size_t i;
	int sp2[2];

	for (i = 0; i < sizeof(want); i++)
		want[i] = (char)('a' + i % 26);
	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 10000, 10000);
	xwrite(sp2[1], "DATA\r\n", 6);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "DATA", 4, "a line first");
	xwrite(sp2[1], want, sizeof(want));
	is_int(stream_read(s, big, sizeof(big)), sizeof(want),
	    "a read larger than the buffer: all 40000 bytes at once");
	ok(memcmp(big, want, sizeof(want)) == 0, "  intact");
	xwrite(sp2[1], "one\r\n", 5);
	xwrite(sp2[1], want, 100);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "one", 3, "then a line");
	is_int(stream_read(s, big, sizeof(big)), 100,
	    "then a large read gets the buffered bytes first");
	ok(memcmp(big, want, 100) == 0, "  intact");
	xwrite(sp2[1], "two\r\n", 5);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "two", 3, "and a line after it");
	close(sp2[1]);
	is_int(stream_read(s, big, sizeof(big)), -1,
	    "a large read at end of file: -1");
	is_int(stream_error(s), STREAM_ERR_EOF, "  end of file");
	stream_free(&s);
}

/* --- buffered input: pipelining and STARTTLS -------------------------- */

static void
test_buffered(void)
{
	static const char inj[] = "MAIL FROM:<evil@example>\r\n";
	struct stream *s;
	struct span sp;
	int sp2[2];

	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 10000, 10000);
	is_int(stream_input_ready(s), 0, "nothing sent: input not ready");
	xwrite(sp2[1], "STARTTLS\r\nMAIL FROM:<evil@example>\r\n", 36);
	is_int(stream_input_ready(s), 1, "data on the socket: ready");
	is_int(stream_buffered(s), 0, "but nothing buffered before a read");
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "STARTTLS", 8, "STARTTLS read");
	is_int(stream_buffered(s), sizeof(inj) - 1,
	    "the pipelined command is buffered");
	is_int(stream_input_ready(s), 1, "input ready");
	is_int(stream_discard_input(s), sizeof(inj) - 1,
	    "discard drops exactly the buffered bytes");
	is_int(stream_buffered(s), 0, "nothing buffered after discard");
	is_int(stream_input_ready(s), 0, "and nothing ready");
	xwrite(sp2[1], "EHLO x\r\n", 8);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "EHLO x", 6,
	    "the next command is read normally");

	/* discard also ends skipping an over-long line */
	stream_set_line_limit(s, 8);
	xwrite(sp2[1], "0123456789", 10);
	is_int(stream_read_line(s, &sp), -2, "over-long line");
	stream_discard_input(s);
	xwrite(sp2[1], "ok\r\n", 4);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "ok", 2, "after discard, no skipping");
	stream_free(&s);
	close(sp2[1]);
}

/* --- end of file and errors ------------------------------------------- */

static void
test_eof(void)
{
	struct stream *s;
	struct span sp;
	char buf[64];
	ssize_t r;
	int sp2[2];

	/* peer sends half a line and closes */
	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	xwrite(sp2[1], "QUIT\r\nQU", 8);
	close(sp2[1]);
	stream_read_line(s, &sp);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_EOF,
	    "end of file mid-line: -1, EOF");
	is_int(stream_buffered(s), 2, "the partial line is still counted");
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_EOF, "EOF is sticky");
	is_str(stream_strerror(s), "end of file", "strerror for EOF");
	/* writing to a closed peer: an error, never SIGPIPE */
	stream_puts(s, "221 bye\r\n");
	r = stream_flush(s);
	ok(r == -1 && stream_error(s) == STREAM_ERR_IO &&
	    stream_errno(s) == EPIPE, "write to a closed peer: IO, EPIPE");
	ok(stream_write(s, "x", 1) == -1, "write errors are sticky");
	stream_free(&s);

	/* half-close: the peer stops sending but still reads */
	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	xwrite(sp2[1], "QUIT\r\n", 6);
	shutdown(sp2[1], SHUT_WR);
	stream_read_line(s, &sp);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_EOF, "half-close: EOF");
	stream_puts(s, "221 bye\r\n");
	is_int(stream_flush(s), 0, "writing still works after EOF on read");
	r = read(sp2[1], buf, sizeof(buf));
	is_mem(buf, r > 0 ? (size_t)r : 0, "221 bye\r\n", 9, "peer got it");
	stream_free(&s);
	close(sp2[1]);
}

/* --- timeouts and the deadline ---------------------------------------- */

static void
test_timeouts(void)
{
	struct stream *s;
	struct span sp;
	char *big;
	size_t bigsz = 8 * 1024 * 1024, got;
	ssize_t r;
	char buf[64];
	int sp2[2], status;
	pid_t pid;

	/* read timeout: the peer is silent */
	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 50, 1000);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_TIMEOUT,
	    "silent peer: -1, TIMEOUT");
	is_int(errno, ETIMEDOUT, "errno ETIMEDOUT");
	is_str(stream_strerror(s), "timeout", "strerror says timeout");
	/* a partial line survives a timeout */
	xwrite(sp2[1], "par", 3);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_TIMEOUT,
	    "half a line, then silence: TIMEOUT");
	xwrite(sp2[1], "tial\r\n", 6);
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "partial", 7,
	    "timeouts are not sticky and lose nothing");
	stream_free(&s);
	close(sp2[1]);

	/* write timeout: the peer does not read */
	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 1000, 50);
	big = calloc(1, bigsz);
	r = stream_write(s, big, bigsz);
	if (r == 0)
		r = stream_flush(s);
	ok(r == -1 && stream_error(s) == STREAM_ERR_TIMEOUT,
	    "peer not reading: write TIMEOUT");
	ok(stream_output_pending(s) > 0 && stream_output_pending(s) < bigsz,
	    "the unsent rest stays buffered");
	stream_free(&s);
	close(sp2[1]);

	/* the deadline, with a silent peer and a long read timeout */
	xsocketpair(sp2);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 60000, 60000);
	stream_set_deadline(s, 50);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_DEADLINE,
	    "session deadline: -1, DEADLINE");
	stream_puts(s, "421 4.4.2 timeout\r\n");
	ok(stream_flush(s) == -1 && stream_error(s) == STREAM_ERR_DEADLINE,
	    "past the deadline writes fail too");
	stream_set_deadline(s, 0);
	is_int(stream_flush(s), 0, "clearing the deadline allows a last reply");
	r = read(sp2[1], buf, sizeof(buf));
	is_mem(buf, r > 0 ? (size_t)r : 0, "421 4.4.2 timeout\r\n", 19,
	    "peer got the reply");
	stream_free(&s);
	close(sp2[1]);

	/* the deadline holds while data keeps flowing (a slow-drip peer) */
	xsocketpair(sp2);
	fflush(stdout);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		struct timespec ts = { 0, 2000000 };

		close(sp2[0]);
		for (;;) {
			if (write(sp2[1], "x", 1) != 1)
				_exit(0);
			nanosleep(&ts, NULL);
		}
	}
	close(sp2[1]);
	s = stream_new(sp2[0], 0);
	stream_set_timeouts(s, 60000, 60000);
	stream_set_line_limit(s, 1024 * 1024);
	stream_set_deadline(s, 100);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_DEADLINE,
	    "slow drip without a newline: DEADLINE");
	stream_free(&s);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);

	/* a dry memory stream in blocking mode fails as a timeout */
	s = stream_mem_open_feed();
	stream_mem_feed(s, "abc", 3);
	r = stream_read_line(s, &sp);
	ok(r == -1 && stream_error(s) == STREAM_ERR_TIMEOUT,
	    "dry memory stream: TIMEOUT");
	stream_mem_feed(s, "\r\n", 2);
	stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "abc", 3, "fed more: the line completes");
	stream_free(&s);

	/* non-blocking read timeout */
	xsocketpair(sp2);
	s = stream_new(sp2[0], STREAM_F_NONBLOCK);
	stream_set_timeouts(s, 30, 30);
	is_int(stream_timeout_left(s), -1, "no wait yet: no timeout pending");
	is_int(stream_read_line(s, &sp), 0, "non-blocking: would block");
	is_int(stream_want(s), STREAM_WANT_READ, "wants READ");
	ok(stream_timeout_left(s) >= 0, "a timeout is pending");
	for (got = 0, r = 0; r == 0 && got < 100; got++) {
		poll(NULL, 0, (int)stream_timeout_left(s));
		r = stream_read_line(s, &sp);
	}
	ok(r == -1 && stream_error(s) == STREAM_ERR_TIMEOUT,
	    "after waiting stream_timeout_left(): TIMEOUT");
	xwrite(sp2[1], "hi\r\n", 4);
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "hi", 2, "and it still reads afterwards");

	/* non-blocking write: pending, then a timeout */
	r = stream_write(s, big, 512 * 1024);
	is_int(r, 0, "non-blocking write of 512 KiB is buffered");
	r = stream_flush(s);
	is_int(r, 1, "flush: some remains (peer not reading)");
	is_int(stream_want(s), STREAM_WANT_WRITE, "wants WRITE");
	ok(stream_output_pending(s) > 0, "output pending");
	for (got = 0; r == 1 && got < 100; got++) {
		poll(NULL, 0, (int)stream_timeout_left(s));
		r = stream_flush(s);
	}
	ok(r == -1 && stream_error(s) == STREAM_ERR_TIMEOUT,
	    "non-blocking flush: TIMEOUT when the peer never reads");
	stream_free(&s);
	close(sp2[1]);
	free(big);
}

/* --- output ----------------------------------------------------------- */

static void
test_output(void)
{
	static const char want[] = "250-mx.example\r\n250 SIZE 1024\r\n"
	    "a\0b\r\n";
	struct stream *s;
	const char *out;
	struct vbuf *recvd;
	size_t len, i;
	char *big, buf[65536];
	int sp2[2], chunk, r;
	ssize_t n;

	for (chunk = 0; chunk <= 1; chunk++) {
		s = stream_mem_open(NULL, 0);
		stream_mem_set_chunk(s, (size_t)chunk);
		stream_printf(s, "250-%s\r\n", "mx.example");
		stream_printf(s, "250 SIZE %d\r\n", 1024);
		stream_write(s, "a\0b", 3);
		stream_puts(s, "\r\n");
		out = stream_mem_output(s, &len);
		is_int(len, 0, "nothing sent before flush (chunk %d)", chunk);
		is_int(stream_output_pending(s), sizeof(want) - 1,
		    "all of it pending");
		is_int(stream_flush(s), 0, "flush");
		out = stream_mem_output(s, &len);
		is_mem(out, len, want, sizeof(want) - 1,
		    "output bytes, NUL included");
		is_int(stream_output_pending(s), 0, "nothing pending");
		stream_free(&s);
	}

	/* big writes in blocking mode go out in order */
	big = malloc(200000);
	for (i = 0; i < 200000; i++)
		big[i] = (char)('a' + i % 26);
	s = stream_mem_open(NULL, 0);
	stream_puts(s, "head");
	stream_write(s, big, 200000);
	stream_puts(s, "tail");
	stream_flush(s);
	out = stream_mem_output(s, &len);
	ok(len == 200008 && memcmp(out, "head", 4) == 0 &&
	    memcmp(out + 4, big, 200000) == 0 &&
	    memcmp(out + 200004, "tail", 4) == 0, "big write in order");
	stream_free(&s);

	/* non-blocking: the output limit */
	xsocketpair(sp2);
	s = stream_new(sp2[0], STREAM_F_NONBLOCK);
	stream_set_output_limit(s, 100);
	is_int(stream_write(s, big, 100), 0, "write up to the output limit");
	ok(stream_write(s, "x", 1) == -1 && stream_error(s) ==
	    STREAM_ERR_LIMIT, "one more byte: LIMIT");
	is_int(stream_output_pending(s), 100, "nothing of it buffered");
	ok(stream_printf(s, "%s", "y") == -1, "printf past the limit fails");
	is_int(stream_flush(s), 0, "flush");
	stream_set_output_limit(s, 1024 * 1024);

	/* non-blocking: a slow reader gets everything, in order */
	stream_write(s, big, 200000);
	recvd = vbuf_new(0, VBUF_NOLIMIT);
	for (i = 0; i < 100000; i++) {
		r = stream_flush(s);
		while ((n = recv(sp2[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			vbuf_append(recvd, buf, (size_t)n);
		if (r != 1)
			break;
	}
	is_int(r, 0, "non-blocking flush finished");
	ok(vbuf_len(recvd) == 200100 &&
	    memcmp(vbuf_str(recvd), big, 100) == 0 &&
	    memcmp(vbuf_str(recvd) + 100, big, 200000) == 0,
	    "the slow reader got every byte, in order");
	vbuf_free(&recvd);
	stream_free(&s);
	close(sp2[1]);
	free(big);
}

/* --- the layer (the TLS hook) ----------------------------------------- */

struct fake_layer {
	char	 held[64];	/* "decrypted" bytes poll cannot see */
	size_t	 nheld;
	int	 want_write_once;
	int	 closed_fd;
	int	 closed;
};

static ssize_t
fake_read(int fd, void *ctx, void *buf, size_t len, int *want_r)
{
	struct fake_layer *f = ctx;
	ssize_t n;

	if (f->want_write_once) {
		f->want_write_once = 0;
		*want_r = STREAM_WANT_WRITE;
		errno = EAGAIN;
		return -1;
	}
	if (f->nheld > 0) {
		n = (ssize_t)(f->nheld < len ? f->nheld : len);
		memcpy(buf, f->held, (size_t)n);
		memmove(f->held, f->held + n, f->nheld - (size_t)n);
		f->nheld -= (size_t)n;
		return n;
	}
	return stream_plain_ops.read(fd, NULL, buf, len, want_r);
}

/* "Encrypts" with ROT13 so the test can see the layer was used. */
static ssize_t
fake_write(int fd, void *ctx, const void *buf, size_t len, int *want_r)
{
	const char *p = buf;
	char tmp[256];
	size_t i;

	(void)ctx;
	if (len > sizeof(tmp))
		len = sizeof(tmp);
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (c >= 'a' && c <= 'z')
			c = (char)('a' + (c - 'a' + 13) % 26);
		tmp[i] = c;
	}
	return stream_plain_ops.write(fd, NULL, tmp, len, want_r);
}

static size_t
fake_pending(int fd, void *ctx)
{
	struct fake_layer *f = ctx;

	(void)fd;
	return f->nheld;
}

static void
fake_close(int fd, void *ctx)
{
	struct fake_layer *f = ctx;

	f->closed = 1;
	f->closed_fd = fd;
	if (fd >= 0)
		close(fd);
}

static const struct stream_ops fake_ops = {
	fake_read, fake_write, fake_pending, fake_close,
};

static void
test_layer(void)
{
	struct fake_layer f;
	struct stream *s;
	struct span sp;
	char buf[64];
	ssize_t r;
	int sp2[2], fd;

	memset(&f, 0, sizeof(f));
	xsocketpair(sp2);
	fd = sp2[0];
	s = stream_new(fd, 0);
	stream_set_timeouts(s, 50, 1000);
	stream_set_ops(s, &fake_ops, &f);
	ok(stream_get_ctx(s) == &f, "ctx is the layer's");
	memcpy(f.held, "hi\r\n", 4);
	f.nheld = 4;
	is_int(stream_buffered(s), 4, "bytes held by the layer count as "
	    "buffered");
	is_int(stream_input_ready(s), 1,
	    "and make input ready although the socket is silent");
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "hi", 2, "line from the layer's held bytes");

	/* a layer that must write before it can read (renegotiation) */
	f.want_write_once = 1;
	xwrite(sp2[1], "ok\r\n", 4);
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "ok", 2, "blocking: waits for WRITE, retries");
	f.want_write_once = 1;
	stream_set_nonblock(s, 1);
	is_int(stream_read_line(s, &sp), 0, "non-blocking: would block");
	is_int(stream_want(s), STREAM_WANT_WRITE, "and wants WRITE");
	xwrite(sp2[1], "go\r\n", 4);
	r = stream_read_line(s, &sp);
	is_mem(sp.ptr, sp.len, "go", 2, "next call goes on");
	stream_set_nonblock(s, 0);

	stream_puts(s, "hello\r\n");
	stream_flush(s);
	r = read(sp2[1], buf, sizeof(buf));
	is_mem(buf, r > 0 ? (size_t)r : 0, "uryyb\r\n", 7,
	    "writes go through the layer");
	stream_free(&s);
	ok(f.closed && f.closed_fd == fd, "free calls the layer's close "
	    "with the fd");
	errno = 0;
	ok(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "which closed it");
	close(sp2[1]);

	/* NOCLOSE: the layer is told fd -1 */
	memset(&f, 0, sizeof(f));
	xsocketpair(sp2);
	s = stream_new(sp2[0], STREAM_F_NOCLOSE);
	stream_set_ops(s, &fake_ops, &f);
	stream_free(&s);
	ok(f.closed && f.closed_fd == -1, "NOCLOSE: layer close gets fd -1");
	close(sp2[0]);
	close(sp2[1]);
}

/* --- ownership of the descriptor -------------------------------------- */

static void
test_fd_ownership(void)
{
	struct stream *s;
	int sp2[2], fl;

	xsocketpair(sp2);
	s = stream_new(sp2[0], STREAM_F_NOCLOSE);
	ok(s != NULL, "stream over a blocking fd");
	is_int(stream_fd(s), sp2[0], "stream_fd");
	fl = fcntl(sp2[0], F_GETFL);
	ok(fl >= 0 && (fl & O_NONBLOCK), "fd is non-blocking while in use");
	stream_free(&s);
	ok(s == NULL, "free clears the pointer");
	fl = fcntl(sp2[0], F_GETFL);
	ok(fl >= 0 && !(fl & O_NONBLOCK),
	    "NOCLOSE: fd open again, blocking as it was");

	s = stream_new(sp2[0], 0);
	stream_free(&s);
	errno = 0;
	ok(fcntl(sp2[0], F_GETFD) == -1 && errno == EBADF,
	    "default: free closes the fd");
	close(sp2[1]);

	errno = 0;
	ok(stream_new(-1, 0) == NULL && errno == EBADF, "fd -1: NULL, EBADF");
	ok(stream_new(sp2[0], 0) == NULL && errno == EBADF,
	    "closed fd: NULL, EBADF");
	stream_free(&s);
	ok(1, "free of NULL is fine");
}

int
main(void)
{
	signal(SIGPIPE, SIG_DFL);	/* a SIGPIPE would kill the test */
	tap_init("stream");
	test_lines();
	test_big_lines();
	test_socket_trickle();
	test_exact();
	test_exact_socket();
	test_read_direct();
	test_buffered();
	test_eof();
	test_timeouts();
	test_output();
	test_layer();
	test_fd_ownership();
	return done_testing();
}
