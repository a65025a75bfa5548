/*
 * fuzz/hdr - the header scanner (lib/hdr) that smtpd, local delivery
 * and bounces run over message content; differential.
 *
 * Input: a control byte (seed of the chunk sizes), a byte K (the
 * callback stops the scan at the K-th field; 0 never), then content.
 * The scanner runs over the whole buffer, in random chunks and byte by
 * byte; the fields it reports (name, value, truncated) and where it
 * stops must be the same each time, and the same as a model that splits
 * the content into lines first: a line starting with SP or HT continues
 * the field, an empty line or a line that is not a field ends the
 * header, a field keeps at most HDR_FIELD_MAX bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hdr.h"
#include "vbuf.h"

struct seen {
	struct vbuf	*log;		/* name NUL value NUL truncated ... */
	unsigned	 n, stop;
};

static int
field(void *arg, const char *name, const char *value, size_t len,
    int truncated)
{
	struct seen *s = arg;
	size_t i;

	FUZZ_CHECK(name[0] != '\0');
	for (i = 0; name[i] != '\0'; i++)
		FUZZ_CHECK(name[i] > 32 && name[i] < 127 && name[i] != ':');
	FUZZ_CHECK(len <= HDR_FIELD_MAX);
	FUZZ_CHECK(value[len] == '\0');
	vbuf_appendf(s->log, "%s:%zu:%d:", name, len, truncated != 0);
	vbuf_append(s->log, value, len);
	vbuf_append(s->log, "\n", 1);
	return ++s->n == s->stop ? -1 : 0;
}

static void
scan(const char *p, size_t len, uint32_t seed, size_t maxchunk, unsigned stop,
    struct vbuf *log)
{
	struct seen s = { log, 0, stop };
	struct hdr_scan hs;
	size_t off = 0, chunk;
	int r = 0;

	hdr_scan_init(&hs, field, &s);
	while (off < len && r == 0) {
		chunk = maxchunk == 0 ? len - off : 1 + fuzz_rand(&seed) %
		    maxchunk;
		if (chunk > len - off)
			chunk = len - off;
		r = hdr_scan_feed(&hs, p + off, chunk);
		off += chunk;
	}
	if (r == 0)
		r = hdr_scan_finish(&hs);
	FUZZ_CHECK(hs.done || r < 0);
	vbuf_appendf(log, "end %d\n", r);
	hdr_scan_free(&hs);
}

/* Report one gathered field the way hdr does; -1: not a field, end. */
static int
model_emit(const char *f, size_t len, int truncated, struct seen *s,
    int *stopped)
{
	const char *colon, *v, *end = f + len;
	char *name, *value;
	size_t i;
	int r;

	if (end > f && end[-1] == '\n')
		end--;
	if (end > f && end[-1] == '\r')
		end--;
	colon = memchr(f, ':', (size_t)(end - f));
	if (colon == NULL || colon == f)
		return -1;
	for (i = 0; f + i < colon; i++)
		if ((unsigned char)f[i] <= 32 || (unsigned char)f[i] > 126)
			return -1;
	name = strndup(f, (size_t)(colon - f));
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	/* a copy ended with NUL as hdr's (the value may hold NULs) */
	if ((value = malloc((size_t)(end - v) + 1)) == NULL)
		abort();
	memcpy(value, v, (size_t)(end - v));
	value[end - v] = '\0';
	r = field(s, name, value, (size_t)(end - v), truncated);
	free(name);
	free(value);
	if (r < 0)
		*stopped = 1;
	return 0;
}

static void
model(const char *p, size_t len, unsigned stop, struct vbuf *log)
{
	struct seen s = { log, 0, stop };
	struct vbuf *f = vbuf_new(256, VBUF_NOLIMIT);
	const char *line, *lf;
	size_t pos = 0, llen, keep;
	int truncated = 0, stopped = 0, ended = 0;

	while (pos < len && !stopped && !ended) {
		line = p + pos;
		lf = memchr(line, '\n', len - pos);
		llen = lf != NULL ? (size_t)(lf - line) + 1 : len - pos;
		pos += llen;
		if (line[0] == ' ' || line[0] == '\t') {
			/* continuation: appended, as far as the limit lets */
		} else {
			if (vbuf_len(f) > 0 && model_emit(vbuf_str(f),
			    vbuf_len(f), truncated, &s, &stopped) < 0) {
				ended = 1;
				break;
			}
			vbuf_reset(f);
			truncated = 0;
			if (stopped)
				break;
			/* the empty line (or one byte and LF) ends it */
			if (lf != NULL && llen <= 2) {
				ended = 1;
				break;
			}
		}
		keep = llen;
		if (vbuf_len(f) + keep > HDR_FIELD_MAX) {
			keep = HDR_FIELD_MAX - vbuf_len(f);
			truncated = 1;
		}
		vbuf_append(f, line, keep);
	}
	if (!stopped && !ended && vbuf_len(f) > 0)
		(void)model_emit(vbuf_str(f), vbuf_len(f), truncated, &s,
		    &stopped);
	vbuf_appendf(log, "end %d\n", stopped ? -1 : 0);
	vbuf_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vbuf *whole, *chunked, *bytes, *ref;
	const char *p;
	size_t len;
	uint32_t seed;
	unsigned stop;

	if (size < 2)
		return 0;
	seed = data[0];
	stop = data[1] % 8;
	p = (const char *)data + 2;
	len = size - 2;
	whole = vbuf_new(256, VBUF_NOLIMIT);
	chunked = vbuf_new(256, VBUF_NOLIMIT);
	bytes = vbuf_new(256, VBUF_NOLIMIT);
	ref = vbuf_new(256, VBUF_NOLIMIT);
	scan(p, len, seed, 0, stop, whole);
	scan(p, len, seed, 1 + seed % 61, stop, chunked);
	scan(p, len, seed, 1, stop, bytes);
	model(p, len, stop, ref);
	FUZZ_CHECK(fuzz_same(whole, chunked));
	FUZZ_CHECK(fuzz_same(whole, bytes));
	FUZZ_CHECK(fuzz_same(whole, ref));
	vbuf_free(&whole);
	vbuf_free(&chunked);
	vbuf_free(&bytes);
	vbuf_free(&ref);
	return 0;
}
