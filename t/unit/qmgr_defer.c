/*
 * Unit tests for qmgr's internals: backoff times, queue lifetimes, the
 * defer record, and the small helpers (status codes, log-safe text,
 * delay formatting). Linked with qmgr's objects (Makefile
 * prog_test_rule).
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver_agent.h"
#include "params.h"
#include "qmgr/qmgr.h"
#include "tap.h"
#include "xmalloc.h"

static void
load(const char *const *over)
{
	char *err = NULL;

	if (params_load(NULL, over, &err) < 0)
		bail_out("params_load: %s", err);
}

static void
test_backoff(void)
{
	static const char *const over[] = { "minimal_backoff_time=300s",
	    "maximal_backoff_time=4000s", "maximal_queue_lifetime=5d",
	    "bounce_queue_lifetime=1d", NULL };
	static const struct {
		time_t	 age;
		time_t	 want;
	} cases[] = {
		{ 0, 300 }, { 10, 300 }, { 299, 300 }, { 301, 301 },
		{ 1000, 1000 }, { 3999, 3999 }, { 4000, 4000 },
		{ 100000, 4000 },
	};
	struct qmgr_msg m;
	time_t now = 1700000000;
	size_t i;

	load(over);
	memset(&m, 0, sizeof(m));
	m.env.sender = "a@b";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.env.arrival.tv_sec = now - cases[i].age;
		is_int(qmgr_defer_next(&m, now) - now, cases[i].want,
		    "backoff after an age of %lds", (long)cases[i].age);
	}
	m.env.arrival.tv_sec = now - 5 * 86400 + 1;
	ok(!qmgr_expired(&m, now), "not expired just before the lifetime");
	m.env.arrival.tv_sec = now - 5 * 86400;
	ok(qmgr_expired(&m, now), "expired at maximal_queue_lifetime");
	m.env.sender = "";
	m.env.arrival.tv_sec = now - 86400;
	ok(qmgr_expired(&m, now), "null sender: bounce_queue_lifetime");
	m.env.arrival.tv_sec = now - 86399;
	ok(!qmgr_expired(&m, now), "null sender, younger: not expired");
}

static void
test_record(void)
{
	struct qfile_rcpt rcpts[3];
	struct qmgr_qr qr[3];
	struct qmgr_defer_info info;
	struct qmgr_msg m;

	if (chdir(tap_tmpdir()) < 0 || mkdir(QMGR_DEFER_DIR, 0700) < 0)
		bail_out("tmpdir");
	memset(&m, 0, sizeof(m));
	memset(rcpts, 0, sizeof(rcpts));
	memset(qr, 0, sizeof(qr));
	strlcpy(m.qid, "6B07F9E72FFBDA7E56E", sizeof(m.qid));
	rcpts[0].addr = "a@x.test";
	rcpts[1].addr = "b@x.test";
	rcpts[2].addr = "c@x.test";
	m.env.rcpts = rcpts;
	m.env.nrcpts = 3;
	m.qr = qr;
	m.nqr = 3;
	qr[0].index = 0;
	qr[0].deferred = 1;
	strlcpy(qr[0].dsn, "4.4.1", sizeof(qr[0].dsn));
	qr[0].reason = "connection refused";
	qr[1].index = 1;		/* delivered: not in the record */
	qr[2].index = 2;
	qr[2].deferred = 1;
	strlcpy(qr[2].dsn, "4.3.0", sizeof(qr[2].dsn));
	qr[2].reason = "transport smtp not available";

	is_int(qmgr_defer_read(m.qid, &info), -1, "no record yet");
	is_int(qmgr_defer_write(&m, 0), 0, "write a record");
	is_int(qmgr_defer_read(m.qid, &info), 0, "read it back");
	is_int(info.warned, 0, "no warning sent");
	is_int(info.n, 2, "two deferred recipients");
	if (info.n == 2) {
		is_str(info.addr[0], "a@x.test", "first address");
		is_str(info.reason[0], "4.4.1 connection refused",
		    "first reason with its code");
		is_str(info.addr[1], "c@x.test", "second address");
	}
	qmgr_defer_info_free(&info);
	is_int(qmgr_defer_write(&m, 1), 0, "rewrite with the warning");
	qmgr_defer_read(m.qid, &info);
	is_int(info.warned, 1, "the warning is remembered");
	qmgr_defer_info_free(&info);
	qmgr_defer_remove(m.qid);
	is_int(qmgr_defer_read(m.qid, &info), -1, "removed");
	qmgr_defer_remove(m.qid);	/* twice is fine */
}

static void
test_util(void)
{
	static const struct {
		const char	*s;
		int		 ok;
	} codes[] = {
		{ "2.0.0", 1 }, { "4.3.0", 1 }, { "5.1.1", 1 },
		{ "5.100.999", 1 }, { "3.0.0", 0 }, { "5.1", 0 },
		{ "5.1.1 ", 0 }, { "5.01.1", 0 }, { "5.1000.1", 0 },
		{ "", 0 }, { "5..1", 0 }, { "x.1.1", 0 },
	};
	char buf[32], *c;
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		is_int(qmgr_status_ok(codes[i].s), codes[i].ok,
		    "status code \"%s\"", codes[i].s);
	c = qmgr_clean("a\tb\r\nc\x7f", 100);
	is_str(c, "a?b??c?", "control characters are replaced");
	free(c);
	c = qmgr_clean("abcdef", 3);
	is_str(c, "abc", "and the text is bounded");
	free(c);
	deliver_fmt_delay(buf, sizeof(buf), 0.001);
	is_str(buf, "0", "delay 0");
	deliver_fmt_delay(buf, sizeof(buf), 0.123);
	is_str(buf, "0.12", "delay 0.12");
	deliver_fmt_delay(buf, sizeof(buf), 3.456);
	is_str(buf, "3.5", "delay 3.5");
	deliver_fmt_delay(buf, sizeof(buf), 75.4);
	is_str(buf, "75", "delay 75");
	deliver_fmt_delay(buf, sizeof(buf), -1);
	is_str(buf, "0", "a clock step back is 0");
	deliver_fmt_delay(buf, sizeof(buf), 0.031);
	is_str(buf, "0.03", "delay 0.03 (two decimals at most)");
	deliver_fmt_delay(buf, sizeof(buf), 0.5);
	is_str(buf, "0.5", "delay 0.5 (no trailing zero)");
	deliver_fmt_delay(buf, sizeof(buf), 2.01);
	is_str(buf, "2", "delay 2");
}

int
main(void)
{
	tap_init("qmgr_defer");
	test_backoff();
	test_record();
	test_util();
	params_free();
	return done_testing();
}
