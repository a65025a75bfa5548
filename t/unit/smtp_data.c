/* Unit tests for lib/smtp_data: unstuffing, end detection, smuggling. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "smtp_data.h"
#include "tap.h"
#include "vbuf.h"

struct tcase {
	const char *name;
	const char *in;
	enum smtp_data_mode mode;
	const char *out;	/* decoded content */
	long long consumed;	/* -2: not done, all consumed */
	int bare_lf, bare_cr;
};

static int
collect(void *arg, const char *p, size_t n)
{
	return vbuf_append(arg, p, n);
}

static const struct tcase cases[] = {
	{ "empty message", ".\r\n", SMTP_DATA_REJECT_BARE, "", 3, 0, 0 },
	{ "simple", "a\r\nb\r\n.\r\n", SMTP_DATA_REJECT_BARE, "a\r\nb\r\n", 9, 0, 0 },
	{ "stuffed dots", "..x\r\n...\r\n.\r\n", SMTP_DATA_REJECT_BARE,
	    ".x\r\n..\r\n", 13, 0, 0 },
	{ "pipelined rest not consumed", "a\r\n.\r\nQUIT\r\n",
	    SMTP_DATA_REJECT_BARE, "a\r\n", 6, 0, 0 },
	{ "dot mid-line kept", "a.b\r\n.\r\n", SMTP_DATA_REJECT_BARE, "a.b\r\n", 8, 0, 0 },
	{ "bare LF dot bare LF is not the end", "a\n.\nb\r\n.\r\n",
	    SMTP_DATA_REJECT_BARE, "a\n.\nb\r\n", 10, 2, 0 },
	{ "CRLF dot LF is not the end", "a\r\n.\nX\r\n.\r\n",
	    SMTP_DATA_REJECT_BARE, "a\r\n\nX\r\n", 11, 1, 0 },
	{ "LF dot CRLF is not the end", "a\n.\r\nX\r\n.\r\n",
	    SMTP_DATA_REJECT_BARE, "a\n.\r\nX\r\n", 11, 1, 0 },
	{ "bare CR counted", "a\rb\r\n.\r\n", SMTP_DATA_REJECT_BARE,
	    "a\rb\r\n", 8, 0, 1 },
	{ "CRLF dot CR x is not the end", "a\r\n.\rx\r\n.\r\n",
	    SMTP_DATA_REJECT_BARE, "a\r\n\rx\r\n", 11, 0, 1 },
	{ "normalise bare LF", "a\nb\r\n.\r\n", SMTP_DATA_NORMALIZE,
	    "a\r\nb\r\n", 8, 1, 0 },
	{ "normalise bare CR", "a\rb\r\n.\r\n", SMTP_DATA_NORMALIZE,
	    "a\r\nb\r\n", 8, 0, 1 },
	{ "normalise keeps end strict", "a\n.\nb\r\n.\r\n", SMTP_DATA_NORMALIZE,
	    "a\r\n.\r\nb\r\n", 10, 2, 0 },
	{ "no end yet", "a\r\n.", SMTP_DATA_REJECT_BARE, "a\r\n", -2, 0, 0 },
	{ "binary bytes kept", "\x01\xff\x80\r\n.\r\n", SMTP_DATA_REJECT_BARE,
	    "\x01\xff\x80\r\n", 8, 0, 0 },
};

static void
run(const struct tcase *tc, size_t split, int bytewise, int *fail)
{
	struct smtp_data sd;
	struct vbuf *out = vbuf_new(64, VBUF_NOLIMIT);
	size_t len = strlen(tc->in), pos = 0;
	long long r, total = 0;

	smtp_data_init(&sd, tc->mode, collect, out);
	while (pos < len && !sd.done) {
		size_t n = bytewise ? 1 : (pos < split ? split - pos : len - pos);

		r = smtp_data_feed(&sd, tc->in + pos, n);
		if (r < 0) {
			(*fail)++;
			break;
		}
		total += r;
		pos += (size_t)r;
		if ((size_t)r < n)
			break;
	}
	if (tc->consumed == -2) {
		if (sd.done || total != (long long)len)
			(*fail)++;
	} else if (!sd.done || total != tc->consumed)
		(*fail)++;
	if (strcmp(vbuf_str(out), tc->out) != 0 || vbuf_len(out) != strlen(tc->out))
		(*fail)++;
	if (sd.bare_lf != (unsigned)tc->bare_lf || sd.bare_cr != (unsigned)tc->bare_cr)
		(*fail)++;
	vbuf_free(&out);
}

static int
fail_out(void *arg, const char *p, size_t n)
{
	(void)arg, (void)p, (void)n;
	return -1;
}

/* Where the callback's bytes were: in the caller's buffer, or copied. */
struct seen {
	struct vbuf	*out;
	const char	*in, *in_end;
	size_t		 direct;	/* bytes passed from the input itself */
	size_t		 calls;
};

static int
collect_seen(void *arg, const char *p, size_t n)
{
	struct seen *w = arg;

	w->calls++;
	if (p >= w->in && p + n <= w->in_end)
		w->direct += n;
	return vbuf_append(w->out, p, n);
}

/*
 * 100 KB of 78-octet lines, with a stuffed dot every 500 lines, fed as
 * smtpd feeds it (64 KB reads, the second cut after a CR): the lines go
 * to the callback from the input itself, not through obuf, and come out
 * exactly as a plain unstuffing gives them.
 */
static void
test_direct(void)
{
	struct smtp_data sd;
	struct seen w;
	struct vbuf *want = vbuf_new(0, VBUF_NOLIMIT);
	char *in = malloc(200000), line[80];
	size_t n = 0, i, pos = 0, cut = 65536;
	long long r;

	for (i = 0; n < 100000; i++) {
		memset(line, 'a' + (int)(i % 26), 76);
		memcpy(line + 76, "\r\n", 2);
		if (i % 500 == 0)
			line[0] = '.';
		if (i % 500 == 0)
			in[n++] = '.';		/* stuffed */
		memcpy(in + n, line, 78);
		n += 78;
		vbuf_append(want, line, 78);
	}
	memcpy(in + n, ".\r\n", 3);
	n += 3;
	while (in[cut - 1] != '\r')
		cut++;				/* a read that ends in a CR */
	memset(&w, 0, sizeof(w));
	w.out = vbuf_new(0, VBUF_NOLIMIT);
	w.in = in;
	w.in_end = in + n;
	smtp_data_init(&sd, SMTP_DATA_NORMALIZE, collect_seen, &w);
	while (pos < n && !sd.done) {
		r = smtp_data_feed(&sd, in + pos, pos == 0 ? cut : n - pos);
		if (r <= 0)
			break;
		pos += (size_t)r;
	}
	ok(sd.done && pos == n, "100 KB in two reads, one cut after a CR: "
	    "the end found");
	ok(vbuf_len(w.out) == vbuf_len(want) && memcmp(vbuf_str(w.out),
	    vbuf_str(want), vbuf_len(want)) == 0, "  the content, unstuffed");
	ok(w.direct > vbuf_len(want) * 9 / 10, "  the lines passed from the "
	    "input itself, not copied (%zu of %zu bytes)", w.direct,
	    vbuf_len(want));
	ok(w.calls < 20, "  in a few calls (%zu), not one per line",
	    w.calls);
	vbuf_free(&w.out);
	vbuf_free(&want);
	free(in);
}

int
main(void)
{
	struct smtp_data sd;
	size_t i, split;
	char *big;

	tap_init("smtp_data");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fail = 0;

		run(&cases[i], strlen(cases[i].in), 0, &fail);
		run(&cases[i], 0, 1, &fail);
		for (split = 1; split < strlen(cases[i].in); split++)
			run(&cases[i], split, 0, &fail);
		ok(fail == 0, "%s (whole, bytewise, every split)", cases[i].name);
	}

	/* a 100 KB line is passed whole and measured */
	big = malloc(100003 + 5);
	memset(big, 'x', 100000);
	memcpy(big + 100000, "\r\n.\r\n", 6);
	smtp_data_init(&sd, SMTP_DATA_REJECT_BARE, fail_out, NULL);
	sd.out = collect;
	{
		struct vbuf *out = vbuf_new(0, VBUF_NOLIMIT);

		sd.arg = out;
		is_int(smtp_data_feed(&sd, big, 100005), 100005, "long line consumed");
		is_int(sd.longest, 100000, "longest line measured");
		is_int(vbuf_len(out), 100002, "stored whole");
		is_int(sd.size, 100002, "size counted");
		vbuf_free(&out);
	}
	free(big);

	test_direct();

	smtp_data_init(&sd, SMTP_DATA_REJECT_BARE, fail_out, NULL);
	is_int(smtp_data_feed(&sd, "abc\r\n.\r\n", 8), -1,
	    "output failure is reported");
	return done_testing();
}
