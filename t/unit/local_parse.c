/*
 * Unit tests for delivery/local's parsers: table entries
 * (local_entry_parse), deliver requests (lib/deliver_agent's
 * deliver_req_parse, as local gets them: every
 * attribute checked), status texts, and Delivered-To loop detection
 * (local_loop_scan at every split of the header, local_loop_check).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delivery/local/local.h"
#include "ipc.h"
#include "tap.h"
#include "xmalloc.h"

static void
test_entries(void)
{
	static const struct {
		const char *value;
		int ok;
		const char *maildir;
		long long quota;
	} cases[] = {
		{ "example.org/alice/", 1, "example.org/alice/", 0 },
		{ "  example.org/alice/  ", 1, "example.org/alice/", 0 },
		{ "/example.org/alice", 1, "/example.org/alice", 0 },
		{ "a/b quota=10m", 1, "a/b", 10LL << 20 },
		{ "a/b quota=512k future=x", 1, "a/b", 512LL << 10 },
		{ "a/b\tquota=1g", 1, "a/b", 1LL << 30 },
		{ "a/b quota=0", 1, "a/b", 0 },
		{ "", 0, NULL, 0 },
		{ "a/../b", 0, NULL, 0 },
		{ "../x", 0, NULL, 0 },
		{ "a/b quota=lots", 0, NULL, 0 },
		{ "a/b quota=", 1, "a/b", 0 },	/* no size: ignored */
		{ "a/b stray", 0, NULL, 0 },
	};
	struct local_entry e;
	const char *err;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 0, sizeof(e));
		r = local_entry_parse(cases[i].value, &e, &err);
		if (cases[i].ok)
			ok(r == 0 && strcmp(e.maildir, cases[i].maildir) == 0 &&
			    e.quota == cases[i].quota, "entry \"%s\"",
			    cases[i].value);
		else
			ok(r < 0, "entry \"%s\" refused (%s)", cases[i].value,
			    r < 0 ? err : "accepted");
	}
}

/* A request record as local_conn gets it, after "req". */
static struct ipc_rec *
request(const char *qid, const char *sender, const char *count,
    const char *rcpt, const char *extra)
{
	struct ipc_chan ch;
	struct ipc_rec *r = ipc_rec_new(), *got = NULL;
	const void *frame;
	const char *verb;
	size_t len, used;

	ipc_add_str(r, "req", "deliver");
	ipc_add_str(r, "queue_id", qid);
	ipc_add_str(r, "sender", sender);
	ipc_add_str(r, "arrival", "1700000000");
	ipc_add_str(r, "queued", "1700000001");
	ipc_add_str(r, "content_offset", "100");
	ipc_add_str(r, "content_size", "200");
	ipc_add_str(r, "envid", "");
	ipc_add_str(r, "ret", "");
	ipc_add_str(r, "smtputf8", "0");
	ipc_add_str(r, "nexthop", "");
	ipc_add_str(r, "count", count);
	ipc_add_str(r, "rcpt", rcpt);
	ipc_add_str(r, "orig", "");
	ipc_add_str(r, "orcpt", "");
	ipc_add_str(r, "notify", "");
	if (extra != NULL)
		ipc_add_str(r, extra, "1");
	frame = ipc_rec_frame(r, &len);
	ipc_chan_init(&ch, -1, "test");
	if (ipc_parse(&ch, frame, len, &got, &used) != 1)
		bail_out("ipc_parse: %s", ch.err);
	ipc_rec_free(&r);
	if (ipc_get_str(got, "req", &verb) < 0)
		bail_out("req");
	return got;
}

static void
test_requests(void)
{
	static const struct {
		const char *name, *qid, *sender, *count, *rcpt, *extra;
		int ok;
	} cases[] = {
		{ "a good request", "6B07F8B261277A78C21", "a@b", "1",
		    "c@d", NULL, 1 },
		{ "the null sender", "6B07F8B261277A78C21", "", "1", "c@d",
		    NULL, 1 },
		{ "a malformed queue ID", "../etc/passwd", "a@b", "1", "c@d",
		    NULL, 0 },
		{ "a lower-case queue ID", "6b07f8b261277a78c21", "a@b", "1",
		    "c@d", NULL, 0 },
		{ "count 0", "6B07F8B261277A78C21", "a@b", "0", "c@d", NULL,
		    0 },
		{ "count over the limit", "6B07F8B261277A78C21", "a@b", "1001",
		    "c@d", NULL, 0 },
		{ "count larger than the recipients", "6B07F8B261277A78C21",
		    "a@b", "2", "c@d", NULL, 0 },
		{ "a count that is no number", "6B07F8B261277A78C21", "a@b",
		    "01", "c@d", NULL, 0 },
		{ "an empty recipient", "6B07F8B261277A78C21", "a@b", "1", "",
		    NULL, 0 },
		{ "a recipient with LF", "6B07F8B261277A78C21", "a@b", "1",
		    "c@d\nX-Injected: 1", NULL, 0 },
		{ "a sender with CR", "6B07F8B261277A78C21", "a\r@b", "1",
		    "c@d", NULL, 0 },
		{ "an extra attribute", "6B07F8B261277A78C21", "a@b", "1",
		    "c@d", "extra", 0 },
	};
	struct deliver_req req;
	struct ipc_rec *r;
	const char *err;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = request(cases[i].qid, cases[i].sender, cases[i].count,
		    cases[i].rcpt, cases[i].extra);
		memset(&req, 0, sizeof(req));
		ret = deliver_req_parse(r, &req, &err);
		if (cases[i].ok)
			ok(ret == 0 && req.count == 1 &&
			    strcmp(req.rcpts[0].addr, cases[i].rcpt) == 0 &&
			    req.content_offset == 100 &&
			    req.content_size == 200 && req.arrival ==
			    1700000000, "%s", cases[i].name);
		else
			ok(ret < 0, "%s: refused (%s)", cases[i].name,
			    ret < 0 ? err : "accepted");
		free(req.rcpts);
		ipc_rec_free(&r);
	}
}

static void
test_status(void)
{
	struct deliver_status st;

	deliver_status_set(&st, "5.1.1", "user %s", "unknown\r\nX: y");
	is_str(st.dsn, "5.1.1", "status code");
	is_str(st.action, "failed", "5.x.x is failed");
	is_str(st.text, "user unknown??X: y", "control characters replaced");
	deliver_status_set(&st, "4.3.0", "x");
	is_str(st.action, "delayed", "4.x.x is delayed");
	deliver_status_set(&st, "2.0.0", "x");
	is_str(st.action, "delivered", "2.x.x is delivered");
}

/* A temporary file with content; returns an open fd. */
static int
content_fd(const char *content)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/content", tap_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "PADDING", 7) != 7 ||
	    write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		bail_out("write %s", path);
	return fd;
}

static void
test_loop(void)
{
	static const char msg[] =
	    "Received: from x\r\n"
	    "Delivered-To: first@example.org\r\n"
	    "Delivered-To:   <Second@Example.ORG> \r\n"
	    "X-Folded: a\r\n b\r\n"
	    "delivered-to: \"quoted local\"@example.org\r\n"
	    "Subject: s\r\n"
	    "\r\n"
	    "Delivered-To: body@example.org\r\n";
	struct local_dt *dt;
	size_t len = strlen(msg), cut, bad = 0;
	int fd = content_fd(msg);

	ok(local_loop_scan(fd, 7, len, &dt) == 0, "scan");
	is_int((long long)local_loop_count(dt), 3, "three Delivered-To in "
	    "the header section, none from the body");
	is_int(local_loop_check(dt, "first@example.org"), 1, "a loop");
	is_int(local_loop_check(dt, "FIRST@example.ORG"), 1,
	    "compared as lookup keys (case)");
	is_int(local_loop_check(dt, "second@example.org"), 1,
	    "angle brackets and spaces ignored");
	is_int(local_loop_check(dt, "\"quoted local\"@example.org"), 1,
	    "a quoted local part");
	is_int(local_loop_check(dt, "body@example.org"), 0,
	    "a Delivered-To in the body is no loop");
	is_int(local_loop_check(dt, "other@example.org"), 0, "no loop");
	local_loop_free(&dt);
	ok(dt == NULL, "local_loop_free sets NULL");
	is_int(local_loop_check(NULL, "x@y"), 0, "nothing scanned: no loop");
	/* the scan must not depend on where the content ends */
	for (cut = 0; cut <= len; cut++) {
		if (local_loop_scan(fd, 7, cut, &dt) < 0) {
			bad++;
			continue;
		}
		if (cut == len && local_loop_count(dt) != 3)
			bad++;
		local_loop_free(&dt);
	}
	is_int((long long)bad, 0, "content ending at every byte");
	close(fd);
	fd = content_fd("X-A: 1\r\nX-B: 2\r\n");
	errno = 0;
	ok(local_loop_scan(fd, 7, 1000, &dt) < 0 && errno == EIO,
	    "a file shorter than announced: EIO");
	close(fd);
}

int
main(void)
{
	tap_init("local_parse");
	test_entries();
	test_requests();
	test_status();
	test_loop();
	return done_testing();
}
