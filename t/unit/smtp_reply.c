/*
 * Unit tests for the SMTP client's reply reader (lib/smtp_reply) and EHLO
 * parser (lib/smtp_ehlo): tables of server output, each read whole and
 * again one byte at a time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_ehlo.h"
#include "smtp_reply.h"
#include "stream.h"
#include "tap.h"
#include "vbuf.h"

static const struct {
	const char	*what;
	const char	*in;
	int		 code;		/* first reply */
	const char	*dsn;
	const char	*text;		/* NULL: not checked */
	int		 code2;		/* the next reply, 0: none read */
} cases[] = {
	{ "one line", "250 2.1.0 Ok\r\n", 250, "2.1.0", "250 2.1.0 Ok", 0 },
	{ "bare code", "354\r\n", 354, "", "354", 0 },
	{ "multi-line", "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 10\r\n",
	    250, "", "250-mx.example\n250-PIPELINING\n250 SIZE 10", 0 },
	{ "two replies", "250 2.0.0 Ok\r\n550 5.1.1 <a>: no\r\n", 250,
	    "2.0.0", NULL, 550 },
	{ "enhanced code, class mismatch", "450 5.1.1 odd\r\n", 450, "",
	    NULL, 0 },
	{ "enhanced code 5.7.26", "550 5.7.26 DMARC\r\n", 550, "5.7.26",
	    NULL, 0 },
	{ "not an enhanced code", "550 5.1 short\r\n", 550, "", NULL, 0 },
	{ "enhanced code glued to text", "550 5.1.1user\r\n", 550, "", NULL,
	    0 },
	{ "bare LF line ends", "220 hi\n250 ok\n", 220, "", "220 hi", 250 },
	{ "421 mid-session", "421 4.3.2 Shutting down\r\n", 421, "4.3.2",
	    NULL, 0 },
	{ "code changes", "250-a\r\n251 b\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "bad separator", "250xok\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "code 199", "199 x\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "code 600", "600 x\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "letters", "ab0 x\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "two digits", "25\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "empty line", "\r\n", SMTP_REPLY_BAD, "", NULL, 0 },
	{ "end of file", "", SMTP_REPLY_LOST, "", NULL, 0 },
	{ "end of file mid-reply", "250-a\r\n", SMTP_REPLY_LOST, "", NULL,
	    0 },
	{ "end of file mid-line", "250 ok", SMTP_REPLY_LOST, "", NULL, 0 },
};

static void
test_table(size_t chunk)
{
	struct smtp_reply r;
	struct stream *s;
	size_t i;
	int code;

	smtp_reply_init(&r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = stream_mem_open(cases[i].in, strlen(cases[i].in));
		stream_mem_set_chunk(s, chunk);
		stream_set_line_limit(s, SMTP_REPLY_LINE_MAX);
		code = smtp_reply_read(s, &r);
		is_int(code, cases[i].code, "%s (chunk %zu): code",
		    cases[i].what, chunk);
		is_str(r.dsn, cases[i].dsn, "%s (chunk %zu): dsn",
		    cases[i].what, chunk);
		if (cases[i].text != NULL)
			is_str(vbuf_str(r.text), cases[i].text,
			    "%s (chunk %zu): text", cases[i].what, chunk);
		if (cases[i].code2 != 0)
			is_int(smtp_reply_read(s, &r), cases[i].code2,
			    "%s (chunk %zu): next reply", cases[i].what,
			    chunk);
		stream_free(&s);
	}
	smtp_reply_free(&r);
}

static void
test_limits(void)
{
	struct smtp_reply r;
	struct stream *s;
	struct vbuf *b = vbuf_new(1024, VBUF_NOLIMIT), *one;
	int i;

	smtp_reply_init(&r);
	/* a line over the stream's limit */
	vbuf_appends(b, "250 ");
	for (i = 0; i < 600; i++)
		vbuf_appendc(b, 'x');
	vbuf_appends(b, "\r\n");
	s = stream_mem_open(vbuf_str(b), vbuf_len(b));
	stream_set_line_limit(s, 512);
	is_int(smtp_reply_read(s, &r), SMTP_REPLY_BAD, "a line over the limit");
	like(vbuf_str(r.text), "too long", "... says so");
	stream_free(&s);
	/* too many lines */
	vbuf_reset(b);
	for (i = 0; i < SMTP_REPLY_LINES + 5; i++)
		vbuf_appends(b, "250-line\r\n");
	vbuf_appends(b, "250 end\r\n");
	s = stream_mem_open(vbuf_str(b), vbuf_len(b));
	is_int(smtp_reply_read(s, &r), SMTP_REPLY_BAD, "more than %d lines",
	    SMTP_REPLY_LINES);
	stream_free(&s);
	/* one line for a log, cleaned */
	{
		static const char two[] = "550-5.1.1 first\r\n"
		    "550 5.1.1 s\033cond\xff\r\n";

		s = stream_mem_open(two, sizeof(two) - 1);
	}
	is_int(smtp_reply_read(s, &r), 550, "a reply to clean");
	one = vbuf_new(64, VBUF_NOLIMIT);
	smtp_reply_oneline(&r, one, 1000);
	is_str(vbuf_str(one), "550-5.1.1 first 550 5.1.1 s?cond?",
	    "oneline: joined and cleaned");
	smtp_reply_oneline(&r, one, 9);
	is_str(vbuf_str(one), "550-5.1.1", "oneline: cut at max");
	vbuf_free(&one);
	stream_free(&s);
	smtp_reply_free(&r);
	vbuf_free(&b);
}

static void
test_dsn(void)
{
	char dsn[DSN_STATUS_SIZE];

	is_int(smtp_reply_dsn("4.2.0 greylisted", '4', dsn), 0, "dsn: found");
	is_str(dsn, "4.2.0", "dsn: value");
	is_int(smtp_reply_dsn("5.123.999", '5', dsn), 0, "dsn: at the end");
	is_int(smtp_reply_dsn("5.1234.1 x", '5', dsn), -1, "dsn: too long");
	is_int(smtp_reply_dsn("5.01.1 x", '5', dsn), -1, "dsn: leading zero");
	is_int(smtp_reply_dsn("2.0.0 x", '5', dsn), -1, "dsn: wrong class");
}

static const struct {
	const char	*what;
	const char	*text;
	int		 ext;
	unsigned long long size;
	const char	*auth;
} ehlo_cases[] = {
	{ "greeting only", "250 mx.example", 0, 0, "" },
	{ "everything",
	    "250-mx.example Hello\n250-PIPELINING\n250-SIZE 10240000\n"
	    "250-8BITMIME\n250-SMTPUTF8\n250-DSN\n250-STARTTLS\n"
	    "250-AUTH PLAIN LOGIN\n250-CHUNKING\n250 ENHANCEDSTATUSCODES",
	    SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME |
	    SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN | SMTP_EXT_STARTTLS |
	    SMTP_EXT_AUTH | SMTP_EXT_CHUNKING | SMTP_EXT_ENHANCED, 10240000,
	    " PLAIN LOGIN " },
	{ "lower case, old AUTH=", "250-x\n250-pipelining\n250 auth=login",
	    SMTP_EXT_PIPELINING | SMTP_EXT_AUTH, 0, " LOGIN " },
	{ "SIZE without a number", "250-x\n250 SIZE", SMTP_EXT_SIZE, 0, "" },
	{ "SIZE with garbage", "250-x\n250 SIZE 12x", SMTP_EXT_SIZE, 0, "" },
	{ "SIZE huge", "250-x\n250 SIZE 99999999999999999999999999",
	    SMTP_EXT_SIZE, 1ULL << 50, "" },
	{ "a keyword prefix is not the keyword", "250-x\n250-DSNX\n250 SIZEY",
	    0, 0, "" },
	{ "keyword on the greeting line is ignored", "250 PIPELINING", 0, 0,
	    "" },
	{ "bad mechanism names dropped",
	    "250-x\n250 AUTH PLAIN L$GIN CRAM-MD5 "
	    "AVERYVERYLONGMECHANISMNAMEOVER20", SMTP_EXT_AUTH, 0,
	    " PLAIN CRAM-MD5 " },
	{ "short lines", "250-x\n25\n250", 0, 0, "" },
};

static void
test_ehlo(void)
{
	struct smtp_ehlo e;
	size_t i;

	for (i = 0; i < sizeof(ehlo_cases) / sizeof(ehlo_cases[0]); i++) {
		smtp_ehlo_parse(ehlo_cases[i].text, &e);
		is_int(e.ext, ehlo_cases[i].ext, "ehlo: %s: extensions",
		    ehlo_cases[i].what);
		is_int((long long)e.size, (long long)ehlo_cases[i].size,
		    "ehlo: %s: size", ehlo_cases[i].what);
		is_str(e.auth, ehlo_cases[i].auth, "ehlo: %s: auth",
		    ehlo_cases[i].what);
	}
	smtp_ehlo_parse("250-x\n250 AUTH PLAIN LOGIN", &e);
	ok(smtp_ehlo_auth(&e, "PLAIN"), "ehlo: PLAIN offered");
	ok(smtp_ehlo_auth(&e, "LOGIN"), "ehlo: LOGIN offered");
	ok(!smtp_ehlo_auth(&e, "LOG"), "ehlo: not a prefix of a mechanism");
	ok(!smtp_ehlo_auth(&e, "CRAM-MD5"), "ehlo: CRAM-MD5 not offered");
}

int
main(void)
{
	tap_init("smtp_reply");
	test_table(0);
	test_table(1);
	test_limits();
	test_dsn();
	test_ehlo();
	tap_check_log("smtp_reply");
	return done_testing();
}
