/*
 * Unit tests for lib/postlog: the log record parser (what postlogd
 * accepts from other processes), the record writer every process uses,
 * and the maillog_file line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "postlog.h"
#include "tap.h"

/* A datagram in exactly len bytes of its own (ASan sees any overread). */
static int
parse(const char *buf, size_t len, struct postlog_record *rec,
    const char **err)
{
	char *copy = malloc(len > 0 ? len : 1);
	int r;

	memcpy(copy, buf, len);
	r = postlog_record_parse(copy, len, rec, err);
	if (r == 0 && rec->type == POSTLOG_LOG) {
		/* spans must lie within the datagram */
		if (rec->ident.ptr < copy || rec->text.ptr < copy ||
		    rec->ident.ptr + rec->ident.len > copy + len ||
		    rec->text.ptr + rec->text.len > copy + len)
			r = -2;
		/* point them at the caller's bytes before the copy goes */
		rec->ident.ptr = buf + (rec->ident.ptr - copy);
		rec->text.ptr = buf + (rec->text.ptr - copy);
	}
	free(copy);
	return r;
}

static const struct {
	const char	*name;
	const char	*rec;
	const char	*err;		/* NULL: valid */
	long long	 time;
	const char	*ident, *text;
} cases[] = {
	{ "a line", "L 1700000000 postern/smtpd connect from x[1.2.3.4]",
	    NULL, 1700000000, "postern/smtpd", "connect from x[1.2.3.4]" },
	{ "empty text", "L 5 postern/qmgr ", NULL, 5, "postern/qmgr", "" },
	{ "text with spaces and a label",
	    "L 0 postern/local warning: a  b ", NULL, 0, "postern/local",
	    "warning: a  b " },
	{ "ident characters", "L 1 a.b_c-D/9 x", NULL, 1, "a.b_c-D/9", "x" },
	{ "12-digit time", "L 999999999999 p t", NULL, 999999999999LL, "p",
	    "t" },
	{ "control bytes stay in the text (the line cleans them)",
	    "L 1 p a\nb\rc", NULL, 1, "p", "a\nb\rc" },
	{ "a file record", "F", NULL, 0, NULL, NULL },

	{ "empty", "", "empty record", 0, NULL, NULL },
	{ "file record with data", "Fx", "file record with data", 0, NULL,
	    NULL },
	{ "unknown type", "X 1 p t", "unknown record type", 0, NULL, NULL },
	{ "type alone", "L", "unknown record type", 0, NULL, NULL },
	{ "no space after type", "L1 p t", "unknown record type", 0, NULL,
	    NULL },
	{ "no time", "L  p t", "bad time", 0, NULL, NULL },
	{ "negative time", "L -1 p t", "bad time", 0, NULL, NULL },
	{ "13-digit time", "L 1000000000000 p t", "time too long", 0, NULL,
	    NULL },
	{ "time then end", "L 12", "bad time", 0, NULL, NULL },
	{ "time with junk", "L 12x p t", "bad time", 0, NULL, NULL },
	{ "no ident", "L 1  t", "bad ident", 0, NULL, NULL },
	{ "ident then end", "L 1 postern/smtpd", "bad ident", 0, NULL, NULL },
	{ "ident with a bad byte", "L 1 post:ern t", "bad ident", 0, NULL,
	    NULL },
	{ "ident with a bracket", "L 1 p[1] t", "bad ident", 0, NULL, NULL },
	{ "ident with a tab", "L 1 p\tq t", "bad ident", 0, NULL, NULL },
};

static void
test_cases(void)
{
	struct postlog_record rec;
	const char *err;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = NULL;
		r = parse(cases[i].rec, strlen(cases[i].rec), &rec, &err);
		if (cases[i].err != NULL) {
			is_int(r, -1, "%s: refused", cases[i].name);
			is_str(err, cases[i].err, "%s: reason", cases[i].name);
			continue;
		}
		is_int(r, 0, "%s: accepted", cases[i].name);
		if (cases[i].ident == NULL) {
			is_int(rec.type, POSTLOG_FILE, "%s: type",
			    cases[i].name);
			continue;
		}
		is_int(rec.type, POSTLOG_LOG, "%s: type", cases[i].name);
		is_int(rec.time, cases[i].time, "%s: time", cases[i].name);
		is_mem(rec.ident.ptr, rec.ident.len, cases[i].ident,
		    strlen(cases[i].ident), "%s: ident", cases[i].name);
		is_mem(rec.text.ptr, rec.text.len, cases[i].text,
		    strlen(cases[i].text), "%s: text", cases[i].name);
	}
}

/* A NUL byte in the text is text: the datagram's length rules. */
static void
test_nul(void)
{
	static const char rec[] = "L 7 p a\0b";
	struct postlog_record r;
	const char *err;

	is_int(parse(rec, sizeof(rec) - 1, &r, &err), 0, "NUL in the text");
	is_int((long long)r.text.len, 3, "the text runs to the end");
}

/* Field limits: the longest valid value of each, and one more. */
static void
test_limits(void)
{
	char buf[POSTLOG_RECORD_MAX + 64];
	struct postlog_record rec;
	const char *err;
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "L 1 %.*s x",
	    POSTLOG_IDENT_MAX, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	is_int(parse(buf, n, &rec, &err), 0, "an ident of %d bytes",
	    POSTLOG_IDENT_MAX);
	n = (size_t)snprintf(buf, sizeof(buf), "L 1 %.*s x",
	    POSTLOG_IDENT_MAX + 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	is_int(parse(buf, n, &rec, &err), -1, "an ident of %d bytes",
	    POSTLOG_IDENT_MAX + 1);

	memcpy(buf, "L 1 p ", 6);
	memset(buf + 6, 'x', POSTLOG_TEXT_MAX + 1);
	is_int(parse(buf, 6 + POSTLOG_TEXT_MAX, &rec, &err), 0,
	    "a text of %d bytes", POSTLOG_TEXT_MAX);
	is_int(parse(buf, 6 + POSTLOG_TEXT_MAX + 1, &rec, &err), -1,
	    "a text of %d bytes", POSTLOG_TEXT_MAX + 1);
	is_str(err, "text too long", "says why");
	memset(buf, 'x', sizeof(buf));
	is_int(parse(buf, POSTLOG_RECORD_MAX + 1, &rec, &err), -1,
	    "a record over POSTLOG_RECORD_MAX");
	is_str(err, "record too long", "says why");
}

/* Every prefix of a valid record parses or fails cleanly. */
static void
test_prefixes(void)
{
	static const char rec[] = "L 1700000000 postern/smtpd text here";
	struct postlog_record r;
	const char *err;
	size_t len, good = 0, bad = 0;
	int ret;

	for (len = 0; len <= sizeof(rec) - 1; len++) {
		ret = parse(rec, len, &r, &err);
		if (ret == 0)
			good++;
		else if (ret == -1)
			bad++;
	}
	/* "L 1700000000 postern/smtpd " and longer parse */
	is_int((long long)good, (long long)strlen("text here") + 1,
	    "prefixes that end after the ident parse");
	is_int((long long)(good + bad), (long long)sizeof(rec),
	    "and every other prefix is refused, within its bytes");
}

/* What log.c sends is what postlogd accepts. */
static void
test_format(void)
{
	char buf[POSTLOG_RECORD_MAX + 1], big[POSTLOG_TEXT_MAX * 2];
	struct postlog_record rec;
	const char *err;
	size_t n;

	n = postlog_record_format(buf, sizeof(buf), 1234, "postern/smtpd",
	    "warning: ", "disk full");
	is_str(buf, "L 1234 postern/smtpd warning: disk full", "a record");
	is_int((long long)n, (long long)strlen(buf), "its length");
	ok(parse(buf, n, &rec, &err) == 0, "parses");

	n = postlog_record_format(buf, sizeof(buf), 1, "bad ident!", "",
	    "x");
	is_str(buf, "L 1 postern x", "a bad ident is sent as postern");
	n = postlog_record_format(buf, sizeof(buf), -5, "p", "", "x");
	is_str(buf, "L 0 p x", "a negative time as 0");

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = postlog_record_format(buf, sizeof(buf), POSTLOG_TIME_LAST,
	    "postern/a-long-program-name-for-a-test", "warning: ", big);
	ok(parse(buf, n, &rec, &err) == 0, "a long text is cut to a valid "
	    "record (%s)", n > 0 && rec.text.len == POSTLOG_TEXT_MAX ?
	    "at the limit" : "short");
	is_int((long long)rec.text.len, POSTLOG_TEXT_MAX,
	    "cut at POSTLOG_TEXT_MAX");
	is_int((long long)n, (long long)strlen(buf), "NUL-terminated");
	n = postlog_record_format(buf, 8, 1, "postern/smtpd", "", "x");
	is_int((long long)n, 0, "a buffer too small for the head: 0");
}

static void
test_line(void)
{
	char line[POSTLOG_LINE_MAX], want[64];
	struct span ident = { "postern/smtpd", 13 };
	struct span text = { "a\nforged line\x7f\x01", 15 };
	struct tm tm;
	time_t t = 1700000000;
	size_t n;

	localtime_r(&t, &tm);
	strftime(want, sizeof(want), "%b %d %H:%M:%S ", &tm);
	n = postlog_line_format(line, sizeof(line), t, "mail.example.org",
	    ident, 812, text);
	ok(strncmp(line, want, strlen(want)) == 0, "local time, Postfix's "
	    "shape (%s)", want);
	is_str(line + strlen(want), "mail postern/smtpd[812]: a?forged "
	    "line??\n", "host's first label, ident[pid], cleaned text");
	is_int((long long)n, (long long)strlen(line), "its length");
	n = postlog_line_format(line, sizeof(line), t, "", ident, 1, text);
	like(line, " localhost postern/smtpd[1]: ", "no host: localhost");
	is_int((long long)postlog_line_format(line, 100, t, "h", ident, 1,
	    text), 0, "a buffer under POSTLOG_LINE_MAX: 0");
}

/* The longest line fits. */
static void
test_line_max(void)
{
	static char host[200], id[POSTLOG_IDENT_MAX + 1];
	static char txt[POSTLOG_TEXT_MAX];
	char line[POSTLOG_LINE_MAX];
	struct span ident = { id, POSTLOG_IDENT_MAX };
	struct span text = { txt, POSTLOG_TEXT_MAX };
	size_t n;

	memset(host, 'h', sizeof(host) - 1);
	memset(id, 'i', POSTLOG_IDENT_MAX);
	memset(txt, 't', sizeof(txt));
	n = postlog_line_format(line, sizeof(line), POSTLOG_TIME_LAST, host,
	    ident, -2147483647L - 1, text);
	ok(n > POSTLOG_TEXT_MAX && n < sizeof(line), "the longest line fits "
	    "(%zu of %d bytes)", n, POSTLOG_LINE_MAX);
	is_int(line[n - 1], '\n', "and ends with its newline");
}

int
main(void)
{
	tap_init("postlog");
	test_cases();
	test_nul();
	test_limits();
	test_prefixes();
	test_format();
	test_line();
	test_line_max();
	return done_testing();
}
