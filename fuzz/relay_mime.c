/*
 * fuzz/relay_mime - the SMTP client's MIME walker (delivery/relay's
 * relay_mime.c): a message's content, scanned, then converted as for a
 * server without 8BITMIME.
 *
 * Input: the content (lines end in LF, a CR before it is dropped).
 * Properties: the convert pass finds the same structure the scan pass
 * did; when the scan found the content convertible, not one 8-bit byte
 * comes out of the conversion and every quoted-printable line is at
 * most 76 bytes; an emitted line never holds a line feed.
 * Links delivery/relay's objects minus main.o.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "delivery/relay/relay.h"
#include "fuzz.h"

struct fuzz_out {
	int	 eight;
	int	 lf;
	size_t	 lines;
};

static int
fuzz_emit(const char *line, size_t len, void *arg)
{
	struct fuzz_out *o = arg;
	size_t i;

	o->lines++;
	for (i = 0; i < len; i++) {
		if ((unsigned char)line[i] >= 0x80)
			o->eight = 1;
		if (line[i] == '\n')
			o->lf = 1;
	}
	return 0;
}

static void
fuzz_feed(struct relay_mime *m, const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *nl;
	size_t len;

	while (p < data + size) {
		nl = memchr(p, '\n', (size_t)(data + size - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(data + size - p);
		if (len > 0 && nl != NULL && p[len - 1] == '\r')
			len--;
		(void)relay_mime_line(m, (const char *)p, len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	(void)relay_mime_end(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_mime *m;
	struct fuzz_out o;
	const char *scan_noconv;

	fuzz_quiet_log();
	m = relay_mime_new();
	fuzz_feed(m, data, size);
	scan_noconv = relay_mime_noconv(m);
	memset(&o, 0, sizeof(o));
	relay_mime_convert(m, fuzz_emit, &o);
	fuzz_feed(m, data, size);
	FUZZ_CHECK(!o.lf);
	/* an 8-bit header is found by the scan, and not converted */
	if (scan_noconv == NULL && relay_mime_noconv(m) == NULL)
		FUZZ_CHECK(!o.eight);
	relay_mime_free(&m);
	return 0;
}
