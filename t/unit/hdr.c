/* Unit tests for lib/hdr: fields, folding, end of header, limits. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hdr.h"
#include "tap.h"
#include "vbuf.h"

struct seen {
	struct vbuf *log;
	int received;
	int truncated;
};

static int
field(void *arg, const char *name, const char *value, size_t len, int trunc)
{
	struct seen *s = arg;

	if (hdr_name_is(name, "Received"))
		s->received++;
	if (trunc)
		s->truncated++;
	vbuf_appendf(s->log, "[%s|%.*s]", name, (int)len, value);
	return 0;
}

static void
scan(const char *in, size_t split, struct seen *s, struct hdr_scan *hs)
{
	size_t len = strlen(in);

	s->log = vbuf_new(64, VBUF_NOLIMIT);
	s->received = s->truncated = 0;
	hdr_scan_init(hs, field, s);
	if (split > len)
		split = len;
	hdr_scan_feed(hs, in, split);
	hdr_scan_feed(hs, in + split, len - split);
	hdr_scan_finish(hs);
}

int
main(void)
{
	static const char msg[] =
	    "Received: from a\r\n\tby b\r\n"
	    "received: from c\r\n"
	    "Subject: hi\r\n"
	    "\r\n"
	    "Received: in body\r\n";
	static const char want[] =
	    "[Received|from a\r\n\tby b][received|from c][Subject|hi]";
	struct hdr_scan hs;
	struct seen s;
	size_t split;
	int bad = 0;
	char big[HDR_FIELD_MAX + 100];

	tap_init("hdr");
	for (split = 0; split <= sizeof(msg) - 1; split++) {
		scan(msg, split, &s, &hs);
		if (strcmp(vbuf_str(s.log), want) != 0 || s.received != 2 ||
		    !hs.done) {
			diag("split %zu: %s", split, vbuf_str(s.log));
			bad++;
		}
		hdr_scan_free(&hs);
		vbuf_free(&s.log);
	}
	ok(bad == 0, "fields, folding and end of header at every split");

	scan("Subject: x\r\nnot a header line\r\nX-Late: y\r\n", 100, &s, &hs);
	is_str(vbuf_str(s.log), "[Subject|x]", "a non-field line ends the header");
	hdr_scan_free(&hs);
	vbuf_free(&s.log);

	scan("Subject: no final newline", 100, &s, &hs);
	is_str(vbuf_str(s.log), "[Subject|no final newline]", "last field at EOF");
	hdr_scan_free(&hs);
	vbuf_free(&s.log);

	scan("A: 1\nB: 2\n\nC: 3\n", 100, &s, &hs);
	is_str(vbuf_str(s.log), "[A|1][B|2]", "bare LF line ends work too");
	hdr_scan_free(&hs);
	vbuf_free(&s.log);

	scan("\r\nBody: only\r\n", 100, &s, &hs);
	is_str(vbuf_str(s.log), "", "empty header section");
	hdr_scan_free(&hs);
	vbuf_free(&s.log);

	memcpy(big, "X-Big: ", 7);
	memset(big + 7, 'a', sizeof(big) - 7 - 1);
	big[sizeof(big) - 1] = '\0';
	scan(big, 5, &s, &hs);
	is_int(s.truncated, 1, "over-long field reported truncated");
	hdr_scan_free(&hs);
	vbuf_free(&s.log);
	return done_testing();
}
