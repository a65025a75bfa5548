/*
 * fuzz/smtp_data - the DATA decoder (lib/smtp_data), differential.
 *
 * Input: one control byte (bit 0: SMTP_DATA_NORMALIZE; the rest seeds
 * the chunk sizes), then the bytes a client sends after "354".
 * The decoder runs three times: over the whole buffer at once, in
 * random chunks, and one byte at a time; all three must agree on the
 * content, the bytes consumed, the counts and the longest line. A
 * reference model written the simple way (find the first CR LF . CR LF
 * counting the start as a line start, then unstuff dots after real CR
 * LF only, then count or normalise bare CR and LF) must agree with them
 * too. Input without an end gets "\r\n.\r\n" appended: it must end
 * there.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "smtp_data.h"
#include "vbuf.h"

struct run {
	struct vbuf	*out;
	long long	 used;
	int		 done;
	size_t		 longest;
	unsigned long long bare_lf, bare_cr, size;
};

static int
collect(void *arg, const char *p, size_t n)
{
	FUZZ_CHECK(n > 0);
	return vbuf_append(arg, p, n);
}

/* Feed in chunks from the generator (state 0: all at once). */
static void
decode(enum smtp_data_mode mode, const char *p, size_t len, uint32_t seed,
    size_t maxchunk, struct run *r)
{
	struct smtp_data sd;
	long long n;
	size_t off = 0, chunk;

	r->out = vbuf_new(len + 16, VBUF_NOLIMIT);
	smtp_data_init(&sd, mode, collect, r->out);
	r->used = 0;
	while (off < len && !sd.done) {
		chunk = maxchunk == 0 ? len - off : 1 + fuzz_rand(&seed) %
		    maxchunk;
		if (chunk > len - off)
			chunk = len - off;
		n = smtp_data_feed(&sd, p + off, chunk);
		FUZZ_CHECK(n >= 0 && (size_t)n <= chunk);
		if ((size_t)n < chunk)
			FUZZ_CHECK(sd.done);
		off += (size_t)n;
		r->used += n;
	}
	r->done = sd.done;
	r->longest = sd.longest;
	r->bare_lf = sd.bare_lf;
	r->bare_cr = sd.bare_cr;
	r->size = sd.size;
	FUZZ_CHECK(sd.size == vbuf_len(r->out));
}

static void
same(const struct run *a, const struct run *b)
{
	FUZZ_CHECK(a->done == b->done);
	FUZZ_CHECK(a->used == b->used);
	FUZZ_CHECK(a->longest == b->longest);
	FUZZ_CHECK(a->bare_lf == b->bare_lf);
	FUZZ_CHECK(a->bare_cr == b->bare_cr);
	FUZZ_CHECK(vbuf_len(a->out) == vbuf_len(b->out));
	FUZZ_CHECK(memcmp(vbuf_str(a->out), vbuf_str(b->out),
	    vbuf_len(a->out)) == 0);
}

/* The reference model. */
static void
model(enum smtp_data_mode mode, const char *p, size_t len, struct run *r)
{
	size_t i, end = 0, linelen = 0;
	int bol = 1, found = 0;

	r->out = vbuf_new(len + 16, VBUF_NOLIMIT);
	r->longest = 0;
	r->bare_lf = r->bare_cr = 0;
	/* the end: CR LF . CR LF, the start counting as after CR LF */
	if (len >= 3 && memcmp(p, ".\r\n", 3) == 0) {
		found = 1;
		end = 0;
		r->used = 3;
	}
	for (i = 0; !found && i + 5 <= len; i++)
		if (memcmp(p + i, "\r\n.\r\n", 5) == 0) {
			found = 1;
			end = i + 2;	/* the content keeps that CR LF */
			r->used = (long long)i + 5;
		}
	r->done = found;
	if (!found)
		return;
	for (i = 0; i < end; i++) {
		if (bol && p[i] == '.') {
			bol = 0;
			continue;	/* the stuffed dot */
		}
		bol = 0;
		if (p[i] == '\r' && i + 1 < end && p[i + 1] == '\n') {
			vbuf_append(r->out, "\r\n", 2);
			i++;
			bol = 1;
		} else if (p[i] == '\r' || p[i] == '\n') {
			if (p[i] == '\n')
				r->bare_lf++;
			else
				r->bare_cr++;
			if (mode == SMTP_DATA_NORMALIZE)
				vbuf_append(r->out, "\r\n", 2);
			else
				vbuf_append(r->out, p + i, 1);
		} else {
			vbuf_append(r->out, p + i, 1);
			linelen++;
			continue;
		}
		if (linelen > r->longest)
			r->longest = linelen;
		linelen = 0;
	}
	r->size = vbuf_len(r->out);
}

static void
check(enum smtp_data_mode mode, const char *p, size_t len, uint32_t seed)
{
	struct run whole, chunked, bytes, ref;

	decode(mode, p, len, seed, 0, &whole);
	decode(mode, p, len, seed, 1 + seed % 64, &chunked);
	decode(mode, p, len, seed, 1, &bytes);
	same(&whole, &chunked);
	same(&whole, &bytes);
	model(mode, p, len, &ref);
	FUZZ_CHECK(ref.done == whole.done);
	if (ref.done)
		same(&whole, &ref);
	vbuf_free(&whole.out);
	vbuf_free(&chunked.out);
	vbuf_free(&bytes.out);
	vbuf_free(&ref.out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum smtp_data_mode mode;
	char *buf;
	size_t len;

	if (size < 1)
		return 0;
	mode = data[0] & 1 ? SMTP_DATA_NORMALIZE : SMTP_DATA_REJECT_BARE;
	len = size - 1;
	if ((buf = malloc(len + 5)) == NULL)
		abort();
	memcpy(buf, data + 1, len);
	check(mode, buf, len, data[0] >> 1);
	/* without an end, the usual end must end it */
	memcpy(buf + len, "\r\n.\r\n", 5);
	check(mode, buf, len + 5, data[0] >> 1);
	free(buf);
	return 0;
}
