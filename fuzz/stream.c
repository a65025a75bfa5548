/*
 * fuzz/stream - the line reader of lib/stream under random chunking,
 * against a reference model (differential).
 *
 * Input: control bytes (the line limit; a seed for the chunk sizes; a
 * seed for the calls), then the bytes a peer sends. A sequence of
 * stream_read_line and stream_read_full calls (as smtpd reads commands
 * and BDAT chunks) runs over a blocking memory stream that hands out
 * random chunks, and over a non-blocking one fed in random chunks (an
 * event loop's view); both must give exactly what a model gives that
 * splits the whole input at LF: a line with its end within the limit,
 * -2 once for a longer one (its rest skipped), -1 at the end (a line
 * cut short by the end is never returned), CR LF or bare LF as it was,
 * NUL bytes kept.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stream.h"

struct model {
	const char	*p;
	size_t		 len, pos, limit;
	int		 skipping;
};

/* As stream_read_line; eol_r 2 for CR LF, 1 for LF. */
static ssize_t
model_line(struct model *m, const char **line_r, size_t *len_r, int *eol_r)
{
	const char *lf;
	size_t seg;

	if (m->skipping) {
		if ((lf = memchr(m->p + m->pos, '\n', m->len - m->pos)) ==
		    NULL) {
			m->pos = m->len;
			return -1;
		}
		m->pos = (size_t)(lf - m->p) + 1;
		m->skipping = 0;
	}
	lf = memchr(m->p + m->pos, '\n', m->len - m->pos);
	if (lf == NULL) {
		if (m->len - m->pos >= m->limit) {
			m->skipping = 1;
			return -2;
		}
		m->pos = m->len;
		return -1;
	}
	seg = (size_t)(lf - (m->p + m->pos)) + 1;
	*line_r = m->p + m->pos;
	m->pos += seg;
	if (seg > m->limit)
		return -2;
	*eol_r = seg >= 2 && (*line_r)[seg - 2] == '\r' ? 2 : 1;
	*len_r = seg - (size_t)*eol_r;
	return (ssize_t)seg;
}

/* As a blocking stream_read_full: n bytes, or -1 at the end. */
static ssize_t
model_bytes(struct model *m, size_t n, const char **p_r)
{
	m->skipping = 0;
	if (m->len - m->pos < n) {
		m->pos = m->len;
		return -1;
	}
	*p_r = m->p + m->pos;
	m->pos += n;
	return (ssize_t)n;
}

/* The stream under test: blocking chunked, or non-blocking fed. */
struct sut {
	struct stream	*s;
	int		 nonblock;
	const char	*p;
	size_t		 len, fed;
	uint32_t	 seed;
	size_t		 maxchunk;
};

static int
sut_feed(struct sut *t)
{
	size_t n;

	if (t->fed == t->len) {
		stream_mem_feed_eof(t->s);
		return 0;
	}
	n = 1 + fuzz_rand(&t->seed) % t->maxchunk;
	if (n > t->len - t->fed)
		n = t->len - t->fed;
	stream_mem_feed(t->s, t->p + t->fed, n);
	t->fed += n;
	return 1;
}

static ssize_t
sut_line(struct sut *t, struct span *line)
{
	ssize_t n;

	while ((n = stream_read_line(t->s, line)) == 0) {
		FUZZ_CHECK(t->nonblock);
		(void)sut_feed(t);
	}
	return n;
}

static ssize_t
sut_bytes(struct sut *t, char *buf, size_t want)
{
	size_t got = 0;
	ssize_t n;

	if (!t->nonblock)
		return stream_read_full(t->s, buf, want);
	while (got < want) {
		n = stream_read_full(t->s, buf + got, want - got);
		if (n < 0)
			return -1;
		if (n == 0)
			(void)sut_feed(t);
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void
run(const char *p, size_t len, size_t limit, uint32_t cseed, uint32_t oseed,
    int nonblock)
{
	struct model m = { p, len, 0, limit, 0 };
	struct sut t = { NULL, nonblock, p, len, 0, cseed, 1 + cseed % 97 };
	const char *mline = NULL, *mbytes = NULL;
	struct span line;
	size_t mlen = 0, want;
	ssize_t r = 0, w;
	int eol = 0, after_long = 0, calls;
	char *buf;

	if (nonblock) {
		t.s = stream_mem_open_feed();
		stream_set_nonblock(t.s, 1);
	} else {
		t.s = stream_mem_open(p, len);
		stream_mem_set_chunk(t.s, t.maxchunk);
	}
	stream_set_line_limit(t.s, limit);
	buf = malloc(len + 1);
	for (calls = 0; calls < 10000; calls++) {
		/* after -2 a reader reads lines again (smtpd replies 500) */
		if (after_long || fuzz_rand(&oseed) % 4 != 0) {
			w = model_line(&m, &mline, &mlen, &eol);
			r = sut_line(&t, &line);
			FUZZ_CHECK(r == w);
			after_long = r == -2;
			if (r > 0) {
				FUZZ_CHECK(line.len == mlen);
				FUZZ_CHECK(memcmp(line.ptr, mline, mlen) == 0);
				FUZZ_CHECK(line.ptr[line.len] == '\0');
				FUZZ_CHECK(stream_line_eol(t.s) == (eol == 2 ?
				    STREAM_EOL_CRLF : STREAM_EOL_LF));
			}
		} else {
			want = 1 + fuzz_rand(&oseed) % 64;
			w = model_bytes(&m, want, &mbytes);
			r = sut_bytes(&t, buf, want);
			FUZZ_CHECK(r == w);
			if (r > 0)
				FUZZ_CHECK(memcmp(buf, mbytes, want) == 0);
		}
		if (r == -1)
			break;
	}
	if (r == -1)
		FUZZ_CHECK(stream_error(t.s) == STREAM_ERR_EOF);
	free(buf);
	stream_free(&t.s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t limit;
	uint32_t cseed, oseed;

	if (size < 3)
		return 0;
	limit = data[0] < 192 ? 1 + data[0] % 64 : 512 + (data[0] - 192) *
	    8;
	cseed = data[1];
	oseed = data[2];
	run((const char *)data + 3, size - 3, limit, cseed, oseed, 0);
	run((const char *)data + 3, size - 3, limit, cseed, oseed, 1);
	return 0;
}
