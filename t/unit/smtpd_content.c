/*
 * Unit tests for smtpd/smtpd_content: the content sink (Received: on
 * top, Date:/Message-ID: added, hop count, size and line limits) and
 * the BDAT line-end checker, fed in every two-chunk split and bytewise.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "smtpd/smtpd.h"
#include "tap.h"
#include "vbuf.h"

#define RCV	"Received: from x (y [192.0.2.1])\r\n\tby mx id Q1; date\r\n"

struct sink {
	struct vbuf	*out;
	int		 fail;
};

static int
sink_write(void *arg, const void *p, size_t n)
{
	struct sink *s = arg;

	if (s->fail)
		return -1;
	return vbuf_append(s->out, p, n);
}

static struct smtpd_content *
new_content(struct sink *s, int add, unsigned long long limit, long long hops,
    int long_reject)
{
	struct smtpd_content_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.received = RCV;
	ci.add_headers = add;
	ci.qid = "Q1";
	ci.myhostname = "mx.example.org";
	ci.size_limit = limit;
	ci.hop_limit = hops;
	ci.long_reject = long_reject;
	vbuf_reset(s->out);
	return smtpd_content_new(&ci, sink_write, s);
}

/* Feed in in two pieces split at `split` (or bytewise when 0). */
static enum smtpd_content_status
run(struct sink *s, struct smtpd_content *c, const char *in, size_t split)
{
	size_t len = strlen(in), i;

	if (split == 0) {
		for (i = 0; i < len; i++)
			smtpd_content_put(c, in + i, 1);
	} else {
		smtpd_content_put(c, in, split);
		smtpd_content_put(c, in + split, len - split);
	}
	(void)s;
	return smtpd_content_end(c);
}

static const struct {
	const char	*name;
	const char	*in;
	int		 add;
	long long	 hops;
	enum smtpd_content_status want;
	const char	*out;		/* NULL: checked elsewhere */
} cases[] = {
	{ "plain", "Subject: x\r\n\r\nbody\r\n", 0, 50, SMTPD_CONTENT_OK,
	    RCV "Subject: x\r\n\r\nbody\r\n" },
	{ "no header section", "just a body line\r\n", 0, 50,
	    SMTPD_CONTENT_OK, RCV "just a body line\r\n" },
	{ "header only", "Subject: x\r\n", 0, 50, SMTPD_CONTENT_OK,
	    RCV "Subject: x\r\n" },
	{ "empty", "", 0, 50, SMTPD_CONTENT_OK, RCV },
	{ "present Date and Message-ID are kept",
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-Id: <a@b>\r\n"
	    "\r\nx\r\n", 1, 50, SMTPD_CONTENT_OK,
	    RCV "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Message-Id: <a@b>\r\n\r\nx\r\n" },
	{ "hops at the limit", "Received: a\r\nReceived: b\r\n"
	    "received: c\r\n\r\nx\r\n", 0, 3, SMTPD_CONTENT_HOPS, NULL },
	{ "hops below the limit", "Received: a\r\nReceived: b\r\n\r\n", 0, 3,
	    SMTPD_CONTENT_OK, NULL },
	{ "Received in the body does not count",
	    "Subject: x\r\n\r\nReceived: a\r\nReceived: b\r\nReceived: c\r\n",
	    0, 3, SMTPD_CONTENT_OK, NULL },
	{ "folded Received counts once",
	    "Received: a\r\n  b\r\nReceived: c\r\n\td\r\n\r\n", 0, 3,
	    SMTPD_CONTENT_OK, NULL },
};

static void
test_cases(struct sink *s)
{
	struct smtpd_content *c;
	enum smtpd_content_status st;
	size_t i, split, len, bad;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		bad = 0;
		for (split = 0; split <= len; split++) {
			c = new_content(s, cases[i].add, 0, cases[i].hops, 0);
			st = run(s, c, cases[i].in, split);
			if (st != cases[i].want || (cases[i].out != NULL &&
			    strcmp(vbuf_str(s->out), cases[i].out) != 0)) {
				if (bad++ == 0)
					diag("split %zu: status %d, out [%s]",
					    split, st, vbuf_str(s->out));
			}
			smtpd_content_free(&c);
		}
		ok(bad == 0, "%s, in every split", cases[i].name);
	}
}

static void
test_added(struct sink *s)
{
	struct smtpd_content *c;
	const char *o;

	c = new_content(s, 1, 0, 50, 0);
	run(s, c, "Subject: x\r\n\r\nbody\r\n", 5);
	o = vbuf_str(s->out);
	ok(strncmp(o, RCV "Date: ", strlen(RCV) + 6) == 0,
	    "Date: right after Received:");
	like(o, "\r\nMessage-ID: <", "a Message-ID: is added");
	like(o, ".Q1@mx.example.org>\r\nSubject: x\r\n\r\nbody\r\n",
	    "Message-ID names the queue ID and host; the message follows");
	ok(smtpd_content_msgid(c) == NULL, "no Message-ID seen in the input");
	smtpd_content_free(&c);

	c = new_content(s, 0, 0, 50, 0);
	run(s, c, "Subject: x\r\n\r\nbody\r\n", 3);
	ok(strstr(vbuf_str(s->out), "Date:") == NULL,
	    "no Date: added unless asked (relayed mail)");
	smtpd_content_free(&c);

	c = new_content(s, 1, 0, 50, 0);
	run(s, c, "Message-ID: <m\x01@x>\r\n\r\n", 7);
	is_str(smtpd_content_msgid(c), "<m?@x>", "message-id kept printable");
	ok(strstr(vbuf_str(s->out), "Message-ID: <2") == NULL,
	    "none added when present");
	smtpd_content_free(&c);
}

static void
test_limits(struct sink *s)
{
	struct smtpd_content *c;

	c = new_content(s, 0, 10, 50, 0);
	is_int(run(s, c, "0123456789", 4), SMTPD_CONTENT_OK,
	    "exactly the size limit is fine");
	is_int((long long)smtpd_content_size(c), 10,
	    "size counts client bytes");
	smtpd_content_free(&c);
	c = new_content(s, 0, 10, 50, 0);
	is_int(run(s, c, "0123456789A", 4), SMTPD_CONTENT_TOO_BIG,
	    "one byte more is too big");
	smtpd_content_free(&c);

	c = new_content(s, 0, 0, 50, 1);
	smtpd_content_line(c, 998);
	is_int(run(s, c, "x\r\n", 1), SMTPD_CONTENT_OK, "998 characters: fine");
	smtpd_content_free(&c);
	c = new_content(s, 0, 0, 50, 1);
	smtpd_content_line(c, 999);
	is_int(run(s, c, "x\r\n", 1), SMTPD_CONTENT_LONG_LINE,
	    "999 with the reject policy: refused");
	smtpd_content_free(&c);
	c = new_content(s, 0, 0, 50, 0);
	smtpd_content_line(c, 100000);
	is_int(run(s, c, "x\r\n", 1), SMTPD_CONTENT_OK,
	    "accept policy: any length");
	smtpd_content_free(&c);

	s->fail = 1;
	c = new_content(s, 0, 0, 50, 0);
	is_int(run(s, c, "Subject: x\r\n\r\nbody\r\n", 2), SMTPD_CONTENT_WRITE,
	    "a write error is reported at the end");
	smtpd_content_free(&c);
	s->fail = 0;
}

static const struct {
	const char	*name;
	const char	*in;
	int		 normalize;
	const char	*out;
	unsigned	 bare_lf, bare_cr;
	size_t		 longest;
} lcases[] = {
	{ "CR LF", "a\r\nbc\r\n", 0, "a\r\nbc\r\n", 0, 0, 2 },
	{ "bare LF kept", "a\nb\r\n", 0, "a\nb\r\n", 1, 0, 1 },
	{ "bare LF normalized", "a\nb\r\n", 1, "a\r\nb\r\n", 1, 0, 1 },
	{ "bare CR normalized", "a\rb\r\n", 1, "a\r\nb\r\n", 0, 1, 1 },
	{ "final CR LF added", "abc", 0, "abc\r\n", 0, 0, 3 },
	{ "final bare CR", "abc\r", 1, "abc\r\n", 0, 1, 3 },
	{ "CR CR LF", "a\r\r\n", 1, "a\r\n\r\n", 0, 1, 1 },
	{ "empty", "", 0, "", 0, 0, 0 },
	{ "dots untouched", ".\r\n..\r\n", 0, ".\r\n..\r\n", 0, 0, 2 },
};

static void
test_lines(struct sink *s)
{
	struct smtpd_content *c;
	struct smtpd_lines l;
	size_t i, split, len, bad, rl;
	const char *o;

	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++) {
		len = strlen(lcases[i].in);
		bad = 0;
		for (split = 0; split <= len; split++) {
			c = new_content(s, 0, 0, 50, 0);
			smtpd_lines_init(&l, lcases[i].normalize);
			smtpd_lines_feed(&l, c, lcases[i].in, split);
			smtpd_lines_feed(&l, c, lcases[i].in + split,
			    len - split);
			smtpd_lines_finish(&l, c);
			smtpd_content_end(c);
			o = vbuf_str(s->out);
			rl = strlen(RCV);
			if (strncmp(o, RCV, rl) != 0 ||
			    strcmp(o + rl, lcases[i].out) != 0 ||
			    l.bare_lf != lcases[i].bare_lf ||
			    l.bare_cr != lcases[i].bare_cr ||
			    l.longest != lcases[i].longest) {
				if (bad++ == 0)
					diag("split %zu: [%s] lf %llu cr %llu "
					    "longest %zu", split, o + rl,
					    l.bare_lf, l.bare_cr, l.longest);
			}
			smtpd_content_free(&c);
		}
		ok(bad == 0, "BDAT lines: %s, in every split", lcases[i].name);
	}
}

int
main(void)
{
	static const char *const ov[] = { "header_size_limit=1024", NULL };
	struct sink s;
	struct smtpd_content *c;
	struct vbuf *big;

	tap_init("smtpd_content");
	params_load_or_die(NULL, ov);
	s.out = vbuf_new(256, VBUF_NOLIMIT);
	s.fail = 0;
	test_cases(&s);
	test_added(&s);
	test_limits(&s);
	test_lines(&s);

	/* a header section past header_size_limit is written as it is */
	big = vbuf_new(4096, VBUF_NOLIMIT);
	while (vbuf_len(big) < 3000)
		vbuf_appends(big, "X-Filler: 0123456789012345678901234567\r\n");
	vbuf_appends(big, "\r\nbody\r\n");
	c = new_content(&s, 1, 0, 50, 0);
	is_int(run(&s, c, vbuf_str(big), 0), SMTPD_CONTENT_OK,
	    "a long header section, bytewise");
	ok(vbuf_len(s.out) == strlen(RCV) + vbuf_len(big) &&
	    strcmp(vbuf_str(s.out) + strlen(RCV), vbuf_str(big)) == 0,
	    "is written whole, nothing added when the scan gave up");
	smtpd_content_free(&c);
	vbuf_free(&big);
	vbuf_free(&s.out);
	return done_testing();
}
