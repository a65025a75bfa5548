/*
 * fuzz/bdat - BDAT content (smtpd_lines and smtpd_content, smtpd's
 * objects minus main.o), differential: chunks against the whole, and
 * BDAT against DATA.
 *
 * Input: a control byte (bit 0: normalize bare CR and LF instead of
 * counting them for a refusal; the rest seeds the chunk sizes), then a
 * message as the client means it. It goes through the BDAT path in one
 * chunk, in random chunks (a CR at the end of one chunk and LF at the
 * start of the next is one line end) and byte by byte: the queued
 * content (our Received: field, the held-back header, the body; unless
 * the message passed the size limit and is refused), the bare CR and
 * LF counts and the final status must be the same. In normalize mode
 * the same message, dot-stuffed and ended with CR LF . CR LF, goes
 * through the DATA path (lib/smtp_data into smtpd_content, as
 * smtpd_cmd_data does): the queued content must be the same bytes as
 * BDAT's, where the message ends so that both can say it the same way
 * (in CR LF, or without any line end).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "params.h"
#include "smtp_data.h"
#include "smtpd/smtpd.h"
#include "vbuf.h"

#define RECEIVED	"Received: from client.example (client.example " \
			"[192.0.2.1])\r\n\tby mx.fuzz.example; Mon, 7 Dec " \
			"2026 10:00:00 +0000\r\n"

struct result {
	struct vbuf	*queued;
	enum smtpd_content_status st;
	unsigned long long bare_lf, bare_cr, size;
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const ov[] = { "message_size_limit=4096",
	    "header_size_limit=1024", NULL };
	char *err;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	if (params_load(NULL, ov, &err) < 0)
		abort();
	return 0;
}

static int
sink(void *arg, const void *p, size_t n)
{
	return vbuf_append(arg, p, n);
}

static struct smtpd_content *
content_new(struct result *r)
{
	struct smtpd_content_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.received = RECEIVED;
	ci.qid = "4XyzFuzz";
	ci.myhostname = "mx.fuzz.example";
	ci.size_limit = (unsigned long long)var_message_size_limit;
	ci.hop_limit = 3;
	ci.long_reject = 1;
	r->queued = vbuf_new(1024, VBUF_NOLIMIT);
	return smtpd_content_new(&ci, sink, r->queued);
}

static void
bdat(const char *p, size_t len, int normalize, uint32_t seed,
    size_t maxchunk, struct result *r)
{
	struct smtpd_content *c = content_new(r);
	struct smtpd_lines l;
	size_t off = 0, chunk;

	smtpd_lines_init(&l, normalize);
	while (off < len) {
		chunk = maxchunk == 0 ? len - off : 1 + fuzz_rand(&seed) %
		    maxchunk;
		if (chunk > len - off)
			chunk = len - off;
		FUZZ_CHECK(smtpd_lines_feed(&l, c, p + off, chunk) == 0);
		off += chunk;
	}
	FUZZ_CHECK(smtpd_lines_finish(&l, c) == 0);
	r->st = smtpd_content_end(c);
	r->size = smtpd_content_size(c);
	r->bare_lf = l.bare_lf;
	r->bare_cr = l.bare_cr;
	(void)smtpd_content_msgid(c);
	smtpd_content_free(&c);
}

static int
data_out(void *arg, const char *p, size_t n)
{
	return smtpd_content_put(arg, p, n);
}

/* What smtpd_cmd_data does with the bytes after 354. */
static void
data(const char *p, size_t len, struct result *r)
{
	struct smtpd_content *c = content_new(r);
	struct smtp_data sd;

	smtp_data_init(&sd, SMTP_DATA_NORMALIZE, data_out, c);
	FUZZ_CHECK(smtp_data_feed(&sd, p, len) == (long long)len);
	FUZZ_CHECK(sd.done);
	smtpd_content_line(c, sd.longest);
	r->st = smtpd_content_end(c);
	r->bare_lf = sd.bare_lf;
	r->bare_cr = sd.bare_cr;
	smtpd_content_free(&c);
}

/* Dot-stuff: a '.' starting a line (after a real CR LF) is doubled. */
static size_t
stuff(const char *p, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '.' && (i == 0 || (i >= 2 && p[i - 1] == '\n' &&
		    p[i - 2] == '\r')))
			out[n++] = '.';
		out[n++] = p[i];
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data_, size_t size)
{
	struct result whole, chunked, bytes, viadata;
	const char *p;
	char *dp;
	size_t len, n;
	uint32_t seed;
	int normalize;

	if (size < 1)
		return 0;
	normalize = data_[0] & 1;
	seed = data_[0] >> 1;
	p = (const char *)data_ + 1;
	len = size - 1;

	bdat(p, len, normalize, seed, 0, &whole);
	bdat(p, len, normalize, seed, 1 + seed % 37, &chunked);
	bdat(p, len, normalize, seed, 1, &bytes);
	if (getenv("FUZZ_SHOW") != NULL)	/* to see what an input does */
		fprintf(stderr, "status whole %d chunked %d bytes %d\n",
		    whole.st, chunked.st, bytes.st);
	FUZZ_CHECK(whole.st == chunked.st && whole.st == bytes.st);
	/* past the size limit writing stops where a chunk ended: refused */
	if (whole.st != SMTPD_CONTENT_TOO_BIG) {
		FUZZ_CHECK(fuzz_same(whole.queued, chunked.queued));
		FUZZ_CHECK(fuzz_same(whole.queued, bytes.queued));
	}
	FUZZ_CHECK(whole.bare_lf == chunked.bare_lf &&
	    whole.bare_lf == bytes.bare_lf);
	FUZZ_CHECK(whole.bare_cr == chunked.bare_cr &&
	    whole.bare_cr == bytes.bare_cr);
	FUZZ_CHECK(whole.size == chunked.size && whole.size == bytes.size);

	/* the same message by DATA, where both can say it */
	if (normalize && (len == 0 || (len >= 2 && p[len - 2] == '\r' &&
	    p[len - 1] == '\n') || (p[len - 1] != '\r' && p[len - 1] !=
	    '\n'))) {
		if ((dp = malloc(2 * len + 8)) == NULL)
			abort();
		n = stuff(p, len, dp);
		if (len > 0 && p[len - 1] != '\n') {
			memcpy(dp + n, "\r\n", 2);
			n += 2;
		}
		memcpy(dp + n, ".\r\n", 3);
		n += 3;
		data(dp, n, &viadata);
		FUZZ_CHECK(whole.bare_lf == viadata.bare_lf &&
		    whole.bare_cr == viadata.bare_cr);
		FUZZ_CHECK(whole.st == viadata.st);
		if (whole.st != SMTPD_CONTENT_TOO_BIG)
			FUZZ_CHECK(fuzz_same(whole.queued, viadata.queued));
		vbuf_free(&viadata.queued);
		free(dp);
	}
	vbuf_free(&whole.queued);
	vbuf_free(&chunked.queued);
	vbuf_free(&bytes.queued);
	return 0;
}
