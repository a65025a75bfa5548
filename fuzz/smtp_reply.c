/*
 * fuzz/smtp_reply - libFuzzer harness for the SMTP client's reply reader
 * (lib/smtp_reply): the input is what a server sends; replies are read
 * until the stream ends or a reply is bad, each also made one log line.
 * The first byte chooses the read chunk size (trickle reads).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "smtp_reply.h"
#include "stream.h"
#include "vbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	struct stream *s;
	struct vbuf *one;
	int code, n = 0;

	if (size < 1)
		return 0;
	smtp_reply_init(&r);
	one = vbuf_new(64, VBUF_NOLIMIT);
	s = stream_mem_open(data + 1, size - 1);
	stream_mem_set_chunk(s, data[0] % 8);
	stream_set_line_limit(s, 512);
	while ((code = smtp_reply_read(s, &r)) > 0 && n++ < 1000)
		smtp_reply_oneline(&r, one, 1000);
	smtp_reply_oneline(&r, one, 100);
	stream_free(&s);
	vbuf_free(&one);
	smtp_reply_free(&r);
	return 0;
}
