/*
 * Unit tests for delivery/local's delivery path (local_deliver, the
 * table lookup with extensions and catch-alls, quota policy, loops, a
 * table replaced under the agent), run in-process on a temporary mail
 * root and a texthash: table.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delivery/local/local.h"
#include "maps.h"
#include "params.h"
#include "qfile.h"
#include "tap.h"
#include "xmalloc.h"

static char dir[512], table[600], mail[600];

static void
spew(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) == EOF)
		bail_out("write %s", path);
}

static int
count(const char *rel)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s", mail, rel);
	return tap_dir_entries(path);
}

/* The one file in mail/rel, read whole (static buffer). */
static const char *
first(const char *rel)
{
	static char buf[65536];
	char path[1200];
	struct dirent *de;
	DIR *d;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", mail, rel);
	if ((d = opendir(path)) == NULL)
		return "";
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			break;
	if (de != NULL) {
		snprintf(path, sizeof(path), "%s/%s/%s", mail, rel, de->d_name);
		if ((fd = open(path, O_RDONLY)) >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
		}
	}
	closedir(d);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A real queue file (lib/qfile) holding content, for rcpt. */
static void
req_init(struct local_req *req, struct deliver_rcpt *rc, const char *rcpt,
    const char *content)
{
	struct qfile_writer *w;
	struct qfile_env env;
	const char *err;
	char path[600], qid[QID_SIZE];
	int fd;

	snprintf(path, sizeof(path), "%s/incoming", dir);
	(void)mkdir(path, 0700);
	if ((w = qfile_create(dir)) == NULL ||
	    qfile_add_sender(w, "s@example.org") < 0 ||
	    qfile_add_rcpt(w, rcpt, NULL, NULL) < 0 ||
	    qfile_begin_content(w) < 0 ||
	    qfile_write_content(w, content, strlen(content)) < 0 ||
	    qfile_commit(w, 0, qid) < 0)
		bail_out("queue file in %s", dir);
	qfile_abort(w);
	snprintf(path, sizeof(path), "%s/incoming/%c/%s", dir, qid_hash(qid),
	    qid);
	if ((fd = open(path, O_RDONLY)) < 0 ||
	    qfile_read_env(fd, &env, &err) < 0)
		bail_out("read %s", path);
	memset(req, 0, sizeof(*req));
	memset(rc, 0, sizeof(*rc));
	strlcpy(req->d.queue_id, qid, sizeof(req->d.queue_id));
	req->d.sender = "s@example.org";
	req->d.content_offset = env.content_offset;
	req->d.content_size = env.content_size;
	qfile_env_free(&env);
	req->d.count = 1;
	req->d.rcpts = rc;
	req->d.qfd = fd;
	rc->addr = rcpt;
	rc->orig = rc->orcpt = rc->notify = "";
}

static void
req_done(struct local_req *req)
{
	local_loop_free(&req->dt);
	close(req->d.qfd);
}

/* Deliver content to rcpt; returns the status. */
static struct deliver_status
one(const char *rcpt, const char *content)
{
	struct local_req req;
	struct deliver_rcpt rc;
	struct deliver_status st;

	req_init(&req, &rc, rcpt, content);
	memset(&st, 0, sizeof(st));
	local_deliver(&req, 0, &st);
	req_done(&req);
	return st;
}

static void
setup(void)
{
	char *over[5], *err;

	snprintf(dir, sizeof(dir), "%s", tap_tmpdir());
	snprintf(table, sizeof(table), "%s/mailboxes", dir);
	snprintf(mail, sizeof(mail), "%s/mail", dir);
	mkdir(mail, 0700);
	spew(table, "alice@example.org example.org/alice/\n"
	    "q@example.org example.org/q/ quota=1k\n"
	    "@catch.org catch.org/all/\n"
	    "broken@example.org example.org/../x\n"
	    "ext+literal@example.org example.org/literal/\n");
	over[0] = xasprintf("virtual_mailbox_maps=texthash:%s", table);
	over[1] = xasprintf("virtual_mailbox_base=%s", mail);
	over[2] = xstrdup("recipient_delimiter=+");
	over[3] = xstrdup("local_quota_exceeded_action=bounce");
	over[4] = NULL;
	if (params_load(NULL, (const char *const *)over, &err) < 0)
		bail_out("params_load: %s", err);
	free(over[0]);
	free(over[1]);
	free(over[2]);
	free(over[3]);
	local_check();
	local_pre_jail();
	local_post_jail();
}

int
main(void)
{
	static const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
	struct deliver_status st;
	char path[1200], *big;

	tap_init("local_deliver");
	setup();

	st = one("alice@example.org", msg);
	is_str(st.dsn, "2.0.0", "delivered");
	is_str(st.text, "delivered to maildir", "... to maildir");
	is_str(first("example.org/alice/new"), "Return-Path: <s@example.org>\n"
	    "Delivered-To: alice@example.org\nSubject: hi\n\nbody\n",
	    "Return-Path, Delivered-To, LF line ends");

	st = one("nobody@example.org", msg);
	ok(strcmp(st.dsn, "5.1.1") == 0 && strcmp(st.text, "user unknown") ==
	    0, "unknown user: 5.1.1 user unknown");
	st = one("anyone@catch.org", msg);
	ok(strcmp(st.dsn, "2.0.0") == 0 && count("catch.org/all/new") == 1,
	    "@domain catches every address of the domain");
	st = one("not an address", msg);
	is_str(st.dsn, "5.1.3", "a malformed recipient: 5.1.3");

	/* extensions */
	snprintf(path, sizeof(path), "%s/example.org/alice/.Lists", mail);
	mkdir(path, 0700);
	st = one("alice+lists@example.org", msg);
	ok(strcmp(st.dsn, "2.0.0") == 0 &&
	    count("example.org/alice/.Lists/new") == 1,
	    "user+ext into the folder .ext");
	like(first("example.org/alice/.Lists/new"),
	    "Delivered-To: alice+lists@example.org\n",
	    "... Delivered-To: the whole address");
	st = one("ext+literal@example.org", msg);
	ok(strcmp(st.dsn, "2.0.0") == 0 &&
	    count("example.org/literal/new") == 1,
	    "a key with the delimiter in it matches first");
	var_maildir_folder_extension = 0;
	st = one("alice+lists@example.org", msg);
	ok(count("example.org/alice/.Lists/new") == 1 &&
	    count("example.org/alice/new") == 2,
	    "maildir_folder_extension = no: the inbox");
	var_maildir_folder_extension = 1;

	/* loops */
	st = one("alice@example.org", "Delivered-To: alice@example.org\r\n"
	    "\r\nx\r\n");
	ok(strcmp(st.dsn, "5.4.6") == 0 && count("example.org/alice/new") == 2,
	    "a loop: 5.4.6, nothing delivered");

	/* quota */
	big = xmalloc(2000);
	memset(big, 'x', 1999);
	big[1999] = '\0';
	memcpy(big, "Subject: big\r\n\r\n", 16);
	st = one("q@example.org", msg);
	is_str(st.dsn, "2.0.0", "under quota");
	st = one("q@example.org", big);
	ok(strcmp(st.dsn, "5.2.2") == 0 && count("example.org/q/new") == 1 &&
	    count("example.org/q/tmp") == 0, "over quota: 5.2.2, nothing left");
	local_quota_defer = 1;
	st = one("q@example.org", big);
	is_str(st.dsn, "4.2.2", "over quota with defer: 4.2.2");
	local_quota_defer = 0;
	free(big);

	/* table trouble never bounces */
	tap_expect_log("entry for broken@example.org");
	st = one("broken@example.org", msg);
	ok(strcmp(st.dsn, "4.3.0") == 0, "a bad entry: 4.3.0 (%s)", st.text);
	tap_check_log("bad entry");

	/* a read error */
	{
		struct local_req req;
		struct deliver_rcpt rc;

		req_init(&req, &rc, "alice@example.org", "X: y\r\n");
		req.d.content_size = 5000;
		tap_expect_log("read the queue file");
		local_deliver(&req, 0, &st);
		tap_check_log("read error");
		ok(strcmp(st.dsn, "4.3.0") == 0 &&
		    count("example.org/alice/new") == 2 &&
		    count("example.org/alice/tmp") == 0,
		    "a queue file shorter than announced: 4.3.0, nothing "
		    "delivered (%s)", st.text);
		req_done(&req);
	}

	/*
	 * A Maildir kept open (local_mdcache) and removed meanwhile, as by
	 * `postern user del`: the next delivery makes it anew, nothing goes
	 * into the removed directories.
	 */
	st = one("anyone@catch.org", msg);
	is_str(st.dsn, "2.0.0", "a delivery keeps its Maildir open");
	snprintf(path, sizeof(path), "rm -rf '%s/catch.org/all'", mail);
	if (system(path) != 0)
		bail_out("%s", path);
	st = one("anyone@catch.org", msg);
	ok(strcmp(st.dsn, "2.0.0") == 0 && count("catch.org/all/new") == 1,
	    "the Maildir removed since: made again and delivered into (%s)",
	    st.text);
	/* new/ moved aside (as bench/run does between runs): a fresh new/ */
	snprintf(path, sizeof(path), "cd '%s/catch.org/all' && mv new old && "
	    "mkdir new", mail);
	if (system(path) != 0)
		bail_out("%s", path);
	st = one("anyone@catch.org", msg);
	ok(strcmp(st.dsn, "2.0.0") == 0 && count("catch.org/all/new") == 1 &&
	    count("catch.org/all/old") == 1, "new/ replaced under a kept "
	    "Maildir: delivered into the new one (%s)", st.text);
	/* the whole Maildir renamed and made again */
	snprintf(path, sizeof(path), "cd '%s/catch.org' && mv all gone",
	    mail);
	if (system(path) != 0)
		bail_out("%s", path);
	st = one("anyone@catch.org", msg);
	ok(strcmp(st.dsn, "2.0.0") == 0 && count("catch.org/all/new") == 1 &&
	    count("catch.org/gone/new") == 1, "the Maildir renamed: made "
	    "again under its path and delivered there (%s)", st.text);

	/* a texthash table is read once: when it changes, unknown is 4xx */
	is_int(maps_changed(), 0, "the table has not changed");
	spew(table, "alice@example.org example.org/alice/\n"
	    "new@example.org example.org/new/\n");
	is_int(maps_changed(), 1, "a rewritten table is noticed");
	tap_expect_log("table changed since this process opened it");
	st = one("new@example.org", msg);
	tap_check_log("a changed table is logged");
	ok(strcmp(st.dsn, "4.3.0") == 0, "unknown while the table changed: "
	    "4.3.0, not 5.1.1 (%s)", st.text);
	st = one("alice@example.org", msg);
	is_str(st.dsn, "2.0.0", "known users are still delivered");
	local_table_close();
	close(local_rootfd);
	return done_testing();
}
