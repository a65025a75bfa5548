/*
 * fuzz/smtp_reply - the SMTP client's reply reader (lib/smtp_reply):
 * what a server sends, read reply by reply until the stream ends or a
 * reply is bad.
 *
 * Input: a control byte (the read chunk size, 0 to 7), then the bytes.
 * Properties: the replies read whole and read in chunks are the same
 * (codes, enhanced status codes, texts); a code is 200..599 and every
 * line of its text starts with it; an enhanced status code is of the
 * reply's class; the log form of a reply is printable.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "printable.h"
#include "smtp_reply.h"
#include "stream.h"
#include "vbuf.h"

#define FUZZ_REPLIES	200

/* Read every reply; their codes, dsns and texts into out. */
static void
fuzz_read_all(const uint8_t *data, size_t size, size_t chunk,
    struct vbuf *out)
{
	struct smtp_reply r;
	struct stream *s;
	struct vbuf *one = vbuf_new(64, VBUF_NOLIMIT);
	const char *p;
	int code, n = 0;

	smtp_reply_init(&r);
	s = stream_mem_open(data, size);
	stream_mem_set_chunk(s, chunk);
	stream_set_line_limit(s, 512);
	while (n++ < FUZZ_REPLIES && (code = smtp_reply_read(s, &r)) > 0) {
		FUZZ_CHECK(code >= 200 && code <= 599);
		FUZZ_CHECK(r.dsn[0] == '\0' || r.dsn[0] == '0' + code / 100);
		for (p = vbuf_str(r.text); p != NULL;
		    p = strchr(p, '\n') != NULL ? strchr(p, '\n') + 1 : NULL)
			FUZZ_CHECK((p[0] - '0') * 100 + (p[1] - '0') * 10 +
			    (p[2] - '0') == code);
		smtp_reply_oneline(&r, one, 1000);
		FUZZ_CHECK(printable_ok(vbuf_str(one), 0));
		vbuf_appendf(out, "%d %s %s\n", code, r.dsn, vbuf_str(r.text));
	}
	vbuf_appendf(out, "end %d\n", r.code);
	stream_free(&s);
	vbuf_free(&one);
	smtp_reply_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vbuf *whole, *chunked;

	fuzz_quiet_log();
	if (size < 1)
		return 0;
	whole = vbuf_new(256, VBUF_NOLIMIT);
	chunked = vbuf_new(256, VBUF_NOLIMIT);
	fuzz_read_all(data + 1, size - 1, 0, whole);
	fuzz_read_all(data + 1, size - 1, data[0] % 8, chunked);
	FUZZ_CHECK(vbuf_len(whole) == vbuf_len(chunked) &&
	    memcmp(vbuf_str(whole), vbuf_str(chunked), vbuf_len(whole)) == 0);
	vbuf_free(&whole);
	vbuf_free(&chunked);
	return 0;
}
