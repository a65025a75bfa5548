/*
 * Unit tests for imapd's sequence sets, the sequence/UID view, and
 * SEARCH programs (parsing, ordering, matching).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "imap_parser.h"
#include "imapd/imap_search.h"
#include "imapd/imap_seqset.h"
#include "imf.h"
#include "tap.h"
#include "vbuf.h"

static char *
ranges_str(const struct imap_range *r, unsigned n)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char *s;
	unsigned i;

	for (i = 0; i < n; i++)
		vbuf_appendf(b, "%s%u:%u", i ? "," : "", r[i].lo, r[i].hi);
	s = vbuf_steal(b);
	vbuf_free(&b);
	return s;
}

static void
expunged(void *arg, uint32_t seq)
{
	vbuf_appendf(arg, "%u ", seq);
}

static void
test_seqset(void)
{
	struct arena *a = arena_new(1024);
	struct imap_seqset set;
	struct imap_view v;
	struct imap_range *r;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	unsigned n;
	uint32_t uid;
	char *s;
	static const char *const bad[] = {
		"", "0", "1:", ":1", "1,,2", "01", "1:0", "a", "4294967295",
		"1:*:2", "$,1", "1 2",
	};
	size_t i;
	int nbad = 0;

	ok(imap_seqset_parse(a, "1:3,7,9:*,*", 11, &set) == 0 && set.n == 4 &&
	    set.r[0].lo == 1 && set.r[0].hi == 3 && set.r[2].hi ==
	    IMAP_SEQ_STAR && set.r[3].lo == IMAP_SEQ_STAR, "a set with *");
	ok(imap_seqset_parse(a, "5:2", 3, &set) == 0 && set.r[0].lo == 2 &&
	    set.r[0].hi == 5, "a range in reverse order");
	ok(imap_seqset_parse(a, "$", 1, &set) == 0 && set.dollar, "$");
	ok(imap_seqset_parse(a, "4294967294", 10, &set) == 0,
	    "the largest nz-number");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (imap_seqset_parse(a, bad[i], strlen(bad[i]), &set) == 0) {
			diag("accepted: '%s'", bad[i]);
			nbad++;
		}
	ok(nbad == 0, "bad sets are refused");

	imap_view_init(&v);
	for (uid = 10; uid <= 100; uid += 10)
		imap_view_append(&v, uid);
	ok(imap_view_append(&v, 100) < 0 && imap_view_append(&v, 5) < 0,
	    "UIDs only grow");
	is_int(imap_view_seq(&v, 30), 3, "seq of UID 30");
	is_int(imap_view_seq(&v, 35), 0, "no UID 35");
	is_int(imap_view_uid(&v, 10), 100, "UID of seq 10");

	imap_seqset_parse(a, "2,1:3,9:*", 9, &set);
	ok(imap_view_resolve(&v, &set, 0, a, &r, &n) == 0, "resolve seqs");
	s = ranges_str(r, n);
	is_str(s, "1:3,9:10", "merged and sorted");
	free(s);
	is_int(imap_ranges_count(r, n), 5, "five messages in them");
	ok(imap_ranges_has(r, n, 9) && !imap_ranges_has(r, n, 4),
	    "9 is in them, 4 is not");
	imap_seqset_parse(a, "11", 2, &set);
	ok(imap_view_resolve(&v, &set, 0, a, &r, &n) < 0,
	    "a sequence number past the end is an error");
	imap_seqset_parse(a, "25:45,95:*,1000:2000", 20, &set);
	imap_view_resolve(&v, &set, 1, a, &r, &n);
	s = ranges_str(r, n);
	is_str(s, "3:4,10:10", "UID ranges map to the messages inside them");
	free(s);
	imap_seqset_parse(a, "500:*", 5, &set);
	imap_view_resolve(&v, &set, 1, a, &r, &n);
	s = ranges_str(r, n);
	is_str(s, "10:10", "UID 500:* holds the last message");
	free(s);

	is_int(imap_view_expunge(&v, (uint32_t[]){ 20, 25, 30, 100 }, 4,
	    expunged, b), 3, "three expunged");
	is_str(vbuf_str(b), "2 2 8 ", "EXPUNGE numbers valid as sent");
	is_int(v.count, 7, "seven left");
	is_int(imap_view_seq(&v, 40), 2, "and renumbered");
	imap_view_release(&v);

	imap_view_init(&v);
	imap_seqset_parse(a, "1:*", 3, &set);
	ok(imap_view_resolve(&v, &set, 0, a, &r, &n) < 0,
	    "* of an empty mailbox is an error for sequence numbers");
	ok(imap_view_resolve(&v, &set, 1, a, &r, &n) == 0 && n == 0,
	    "and nothing for UIDs");
	imap_view_release(&v);
	vbuf_free(&b);
	arena_free(&a);
}

/* --- SEARCH ----------------------------------------------------------- */

struct msg {
	const char	*text;
	unsigned	 flags;
	const char	*kw;
	long		 day;
	int		 loads_header, loads_full;
};

static const char *
content(void *ctx, int full, size_t *len_r)
{
	struct msg *m = ctx;

	if (full)
		m->loads_full++;
	else
		m->loads_header++;
	*len_r = strlen(m->text);
	return m->text;
}

static struct msg msgs[] = {
	{ "From: Alice <alice@example.org>\n"
	  "To: bob@example.net\n"
	  "Subject: =?utf-8?q?Caf=C3=A9?= meeting\n"
	  "Date: Tue, 3 Jun 2008 23:30:00 -0700\n"
	  "\n"
	  "Let us meet at the CAFE.\n",
	  IMAP_FLAG_SEEN, "$Work", 0, 0, 0 },
	{ "From: bob@example.net\n"
	  "Subject: invoice\n"
	  "X-Spam: yes\n"
	  "Content-Type: multipart/mixed; boundary=b\n"
	  "\n"
	  "--b\n"
	  "Content-Type: text/plain; charset=iso-8859-1\n"
	  "Content-Transfer-Encoding: quoted-printable\n"
	  "\n"
	  "Gr=FC=DFe aus M=DCnchen\n"
	  "--b\n"
	  "Content-Type: application/octet-stream\n"
	  "\n"
	  "secretword\n"
	  "--b--\n",
	  IMAP_FLAG_FLAGGED | IMAP_FLAG_RECENT, NULL, 0, 0, 0 },
	{ "Subject: no date\n\nplain body\n",
	  IMAP_FLAG_DELETED | IMAP_FLAG_SEEN, NULL, 0, 0, 0 },
};

static char *
search(const char *prog, int *err_r)
{
	struct imap_parser *p = imap_parser_new(8192, 10);
	struct arena *a = imap_parser_arena(p);
	struct imap_search_opts opts;
	struct imap_search_key *k;
	struct imap_view v;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	struct imap_search_msg sm;
	const char *err, *kws[1];
	struct imap_range saved = { 3, 3 };	/* "$" */
	unsigned i;
	char *s;

	imap_view_init(&v);
	for (i = 0; i < 3; i++)
		imap_view_append(&v, (i + 1) * 100);
	imap_parser_reset(p);
	*err_r = 0;
	if (imap_parser_line(p, prog, strlen(prog)) != IMAP_PARSE_OK) {
		*err_r = -1;
		goto out;
	}
	if ((*err_r = imap_search_parse(a, imap_parser_args(p), 10, &opts,
	    &k, &err)) != IMAP_SEARCH_OK) {
		vbuf_appends(b, err);
		goto out;
	}
	if (imap_search_prepare(k, &v, &saved, 1, a) < 0) {
		*err_r = -2;
		goto out;
	}
	for (i = 0; i < 3; i++) {
		memset(&sm, 0, sizeof(sm));
		sm.seq = i + 1;
		sm.uid = (i + 1) * 100;
		sm.flags = msgs[i].flags;
		kws[0] = msgs[i].kw;
		sm.keywords = kws;
		sm.nkeywords = msgs[i].kw ? 1 : 0;
		sm.internal_day = imf_days(2008, 6, 4 + (long)i);
		sm.internal_date = sm.internal_day * 86400 + 3600;
		sm.now = sm.internal_date + 1000 * (long)i;
		sm.size = strlen(msgs[i].text);
		sm.content = content;
		sm.ctx = &msgs[i];
		if (imap_search_match(k, &sm))
			vbuf_appendf(b, "%u ", i + 1);
		imap_search_msg_done(&sm);
	}
out:
	s = vbuf_steal(b);
	vbuf_free(&b);
	imap_view_release(&v);
	imap_parser_free(&p);
	return s;
}

static const struct {
	const char	*prog;
	const char	*want;
} programs[] = {
	{ "ALL", "1 2 3 " },
	{ "SEEN", "1 3 " },
	{ "UNSEEN", "2 " },
	{ "NEW", "2 " },
	{ "OLD", "1 3 " },
	{ "RECENT", "2 " },
	{ "DELETED SEEN", "3 " },
	{ "NOT DELETED", "1 2 " },
	{ "OR FLAGGED DELETED", "2 3 " },
	{ "KEYWORD $work", "1 " },
	{ "UNKEYWORD $Work", "2 3 " },
	{ "2:*", "2 3 " },
	{ "UID 150:250", "2 " },
	{ "UID 300:*", "3 " },
	{ "$", "3 " },
	{ "(SEEN) (NOT SEEN)", "" },
	{ "SUBJECT \"café\"", "1 " },
	{ "SUBJECT \"CAFÉ\"", "1 " },
	{ "CHARSET UTF-8 SUBJECT \"CAFÉ MEET\"", "1 " },
	{ "FROM alice", "1 " },
	{ "FROM example.net", "2 " },
	{ "TO BOB", "1 " },
	{ "HEADER X-Spam \"\"", "2 " },
	{ "HEADER x-spam no", "" },
	{ "BODY cafe", "1 " },
	{ "BODY \"münchen\"", "2 " },
	{ "BODY \"GRÜSSE\"", "" },
	{ "BODY \"grüße\"", "2 " },
	{ "BODY secretword", "" },
	{ "TEXT invoice", "2 " },
	{ "TEXT \"plain body\"", "3 " },
	{ "BODY invoice", "" },
	{ "SENTON 3-Jun-2008", "1 " },
	{ "SENTBEFORE 4-Jun-2008", "1 " },
	{ "SENTSINCE \"6-Jun-2008\"", "3 " },
	{ "ON 5-Jun-2008", "2 " },
	{ "BEFORE 5-Jun-2008", "1 " },
	{ "SINCE 5-jun-2008", "2 3 " },
	{ "LARGER 200", "2 " },
	{ "SMALLER 100", "3 " },
	{ "YOUNGER 500", "1 " },
	{ "OLDER 1500", "3 " },
	{ "OR OR SEEN FLAGGED DELETED", "1 2 3 " },
	{ "NOT NOT NOT SEEN", "2 " },
};

static void
test_search(void)
{
	size_t i;
	char *got;
	int err;

	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		got = search(programs[i].prog, &err);
		ok(err == 0 && strcmp(got, programs[i].want) == 0,
		    "SEARCH %s -> %s (got %d, '%s')", programs[i].prog,
		    programs[i].want, err, got);
		free(got);
	}
	got = search("CHARSET KOI8-R SUBJECT x", &err);
	ok(err == IMAP_SEARCH_BADCHARSET && strstr(got, "[BADCHARSET") != NULL,
	    "an unknown charset: %s", got);
	free(got);
	{
		static const char *const bad[] = {
			"", "NOSUCHKEY", "FROM", "HEADER", "LARGER x",
			"BEFORE 32-Jan-2000", "BEFORE 1-Foo-2000",
			"BEFORE 1-Jan-99", "OR SEEN", "NOT", "UID x",
			"KEYWORD \\Seen", "RETURN (FOO) ALL", "RETURN ALL",
			"((((((((((((SEEN))))))))))))",
			"NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT SEEN",
			"0:1", "SUBJECT café",
		};
		int n = 0;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			got = search(bad[i], &err);
			if (err == 0) {
				diag("accepted: %s", bad[i]);
				n++;
			}
			free(got);
		}
		ok(n == 0, "bad programs are refused");
	}
	got = search("7", &err);
	ok(err == -2, "a sequence number past the end");
	free(got);

	/* content is read only when the index cannot decide */
	for (i = 0; i < 3; i++)
		msgs[i].loads_header = msgs[i].loads_full = 0;
	free(search("DELETED FROM x BODY y", &err));
	ok(msgs[0].loads_header + msgs[0].loads_full == 0 &&
	    msgs[1].loads_header + msgs[1].loads_full == 0,
	    "flags first: undeleted messages are not read");
	ok(msgs[2].loads_header == 1 && msgs[2].loads_full == 0,
	    "then the header; the body only when the header matched");
	free(search("BODY x TEXT y", &err));
	ok(msgs[0].loads_full == 1, "one read per message for several keys");
}

static void
test_fold(void)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);

	imap_fold("ÀÉÎÕÜ×ßŸĀŁŽΑΩЖЁ Abc\xff", strlen("ÀÉÎÕÜ×ßŸĀŁŽΑΩЖЁ Abc\xff"), b);
	is_str(vbuf_str(b), "àéîõü×ßÿāłžαωжё abc\xff", "case folding");
	vbuf_free(&b);
}

static void
test_return(void)
{
	struct imap_parser *p = imap_parser_new(8192, 10);
	struct imap_search_opts opts;
	struct imap_search_key *k;
	const char *err, *line = "RETURN (MIN COUNT SAVE) CHARSET us-ascii 1:*";

	imap_parser_line(p, line, strlen(line));
	ok(imap_search_parse(imap_parser_arena(p), imap_parser_args(p), 10,
	    &opts, &k, &err) == IMAP_SEARCH_OK && opts.esearch &&
	    opts.ret == (IMAP_RETURN_MIN | IMAP_RETURN_COUNT |
	    IMAP_RETURN_SAVE), "RETURN options");
	imap_parser_reset(p);
	line = "RETURN () $";
	imap_parser_line(p, line, strlen(line));
	ok(imap_search_parse(imap_parser_arena(p), imap_parser_args(p), 10,
	    &opts, &k, &err) == IMAP_SEARCH_OK && opts.ret == IMAP_RETURN_ALL &&
	    opts.uses_saved, "RETURN () is ALL; $ is noted");
	imap_parser_free(&p);
}

int
main(void)
{
	tap_init("imapd_search");
	test_seqset();
	test_search();
	test_fold();
	test_return();
	return done_testing();
}
