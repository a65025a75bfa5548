/* Unit tests for lib/qfile and lib/qid: write, commit, read back, corruption. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfile.h"
#include "qid.h"
#include "tap.h"
#include "xmalloc.h"

static char qdir[512];

static char *
slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "r");
	char *buf = xmalloc(1 << 20);

	*len_r = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

static void
spew(const char *path, const char *buf, size_t len)
{
	FILE *fp = fopen(path, "w");

	fwrite(buf, 1, len, fp);
	fclose(fp);
}

static int
read_path(const char *path, struct qfile_env *env, const char **err)
{
	int fd = open(path, O_RDWR), r;

	if (fd < 0)
		return -2;
	r = qfile_read_env(fd, env, err);
	close(fd);
	return r;
}

int
main(void)
{
	static const char body[] = "Subject: hi\r\n\r\n.leading dot kept\r\nbin\0ary\r\n";
	struct qfile_writer *w;
	struct qfile_env env;
	char qid[QID_SIZE], path[1024], incoming[600], bad[1024];
	struct timeval tv;
	const char *err;
	char *orig, *content;
	size_t len, cut;
	int fd, failures;

	tap_init("qfile");
	snprintf(qdir, sizeof(qdir), "%s", tap_tmpdir());
	snprintf(incoming, sizeof(incoming), "%s/incoming", qdir);
	mkdir(incoming, 0700);

	/* qid */
	tv.tv_sec = 0x6925A1F0;
	tv.tv_usec = 50000;
	qid_make(qid, &tv, 0x1A2B);
	is_str(qid, "6925A1F0" "0C350" "1A2B", "queue ID layout");
	ok(qid_valid(qid), "valid queue ID");
	ok(!qid_valid("../etc/passwd"), "path is not a queue ID");
	ok(!qid_valid("6925a1f00c3501a2b"), "lower case is not a queue ID");
	ok(!qid_valid("6925A1F00C35"), "too short");
	qid_time(qid, &tv);
	ok(tv.tv_sec == 0x6925A1F0 && tv.tv_usec == 50000, "time round trip");

	/* write and commit */
	w = qfile_create(qdir);
	ok(w != NULL, "create");
	is_int(tap_dir_entries(incoming), 1, "temporary file exists while writing");
	is_int(qfile_add_sender(w, "alice@example.org"), 0, "sender");
	is_int(qfile_add_attr(w, "client", "host[192.0.2.1]"), 0, "attr");
	is_int(qfile_add_attr(w, "bad=name", "x"), -1, "attr name with = refused");
	is_int(qfile_add_rcpt(w, "bob@example.org", "rfc822;Bob@example.org",
	    "FAILURE,DELAY"), 0, "rcpt with DSN");
	is_int(qfile_add_rcpt(w, "carol@example.org", NULL, NULL), 0, "rcpt");
	is_int(qfile_add_rcpt(w, "evil\r\nRCPT@x", NULL, NULL), -1,
	    "CRLF in recipient refused");
	is_int(qfile_begin_content(w), 0, "begin content");
	is_int(qfile_add_rcpt(w, "late@example.org", NULL, NULL), -1,
	    "no envelope records inside content");
	is_int(qfile_write_content(w, body, sizeof(body) - 1), 0, "content");
	is_int(qfile_commit(w, 1, qid), 0, "commit");
	ok(qid_valid(qid), "commit gives a valid queue ID");
	snprintf(path, sizeof(path), "%s/incoming/%c/%s", qdir, qid_hash(qid), qid);
	ok(access(path, F_OK) == 0, "file visible as incoming/H/QID");
	is_int(tap_dir_entries(incoming), 1, "no temporary left, one hash dir");
	qfile_abort(w);
	ok(access(path, F_OK) == 0, "abort after commit keeps the file");

	/* read back */
	is_int(read_path(path, &env, &err), 0, "read envelope");
	is_str(env.sender, "alice@example.org", "sender back");
	is_str(qfile_env_attr(&env, "client"), "host[192.0.2.1]", "attr back");
	ok(qfile_env_attr(&env, "clien") == NULL, "attribute prefix not matched");
	is_int(env.nrcpts, 2, "two recipients");
	is_str(env.rcpts[0].orcpt, "rfc822;Bob@example.org", "orcpt back");
	is_str(env.rcpts[0].notify, "FAILURE,DELAY", "notify back");
	ok(env.rcpts[1].orcpt == NULL && env.rcpts[1].notify == NULL,
	    "DSN fields only where given");
	is_int(env.content_size, sizeof(body) - 1, "content size");
	orig = slurp(path, &len);
	is_mem(orig + env.content_offset, env.content_size, body,
	    sizeof(body) - 1, "content byte-exact, NUL included");

	/* mark done */
	fd = open(path, O_RDWR);
	is_int(qfile_mark_done(fd, env.rcpts[0].offset), 0, "mark done");
	is_int(qfile_mark_done(fd, env.rcpts[0].offset), 0, "mark done twice");
	is_int(qfile_mark_done(fd, 0), -1, "mark at a non-recipient refused");
	close(fd);
	qfile_env_free(&env);
	is_int(read_path(path, &env, &err), 0, "read after mark");
	ok(env.rcpts[0].done && !env.rcpts[1].done, "done mark read back");
	qfile_env_free(&env);
	free(orig);

	/* corruption: every truncation is detected */
	orig = slurp(path, &len);
	snprintf(bad, sizeof(bad), "%s/bad", qdir);
	failures = 0;
	for (cut = 0; cut < len; cut++) {
		spew(bad, orig, cut);
		if (read_path(bad, &env, &err) != -1 || errno != EINVAL)
			failures++;
	}
	is_int(failures, 0, "every truncation is reported as corrupt");
	/* flip each envelope byte: never a crash, and the magic is checked */
	for (cut = 0; cut < 200 && cut < len; cut++) {
		content = xmemdup(orig, len);
		content[cut] ^= 0x5a;
		spew(bad, content, len);
		if (read_path(bad, &env, &err) == 0)
			qfile_env_free(&env);
		free(content);
	}
	ok(1, "byte flips in the envelope do not crash the reader");
	content = xmemdup(orig, len);
	content[0] = 'X';
	spew(bad, content, len);
	is_int(read_path(bad, &env, &err), -1, "bad magic");
	is_str(err, "bad magic", "reason given");
	free(content);
	free(orig);

	/* abort leaves nothing */
	w = qfile_create(qdir);
	qfile_add_sender(w, "");
	qfile_abort(w);
	is_int(tap_dir_entries(incoming), 1, "aborted file removed");

	/* commit without content is refused */
	w = qfile_create(qdir);
	qfile_add_sender(w, "");
	qfile_add_rcpt(w, "x@y", NULL, NULL);
	is_int(qfile_commit(w, 0, qid), -1, "commit before content refused");
	qfile_abort(w);

	/* null sender round trip */
	w = qfile_create(qdir);
	qfile_add_sender(w, "");
	qfile_add_rcpt(w, "x@y", NULL, NULL);
	qfile_begin_content(w);
	is_int(qfile_commit(w, 0, qid), 0, "empty content commits");
	snprintf(path, sizeof(path), "%s/incoming/%c/%s", qdir, qid_hash(qid), qid);
	is_int(read_path(path, &env, &err), 0, "read empty message");
	is_str(env.sender, "", "null sender");
	is_int(env.content_size, 0, "empty content");
	qfile_env_free(&env);
	qfile_abort(w);

	/* an envelope larger than the first read (many recipients) */
	w = qfile_create(qdir);
	qfile_add_sender(w, "bulk@example.org");
	for (int i = 0; i < 3000; i++) {
		char rcpt[128];

		snprintf(rcpt, sizeof(rcpt), "recipient-number-%04d@"
		    "a-rather-long-domain-name.example.org", i);
		qfile_add_rcpt(w, rcpt, NULL, "FAILURE");
	}
	qfile_begin_content(w);
	qfile_write_content(w, "x\r\n", 3);
	is_int(qfile_commit(w, 0, qid), 0, "large envelope commits");
	snprintf(path, sizeof(path), "%s/incoming/%c/%s", qdir, qid_hash(qid), qid);
	is_int(read_path(path, &env, &err), 0, "large envelope reads back");
	ok(env.nrcpts == 3000 && strcmp(env.rcpts[2999].addr,
	    "recipient-number-2999@a-rather-long-domain-name.example.org") == 0,
	    "all 3000 recipients, the last one intact");
	ok(env.content_offset > 64 * 1024, "envelope past the first read");
	qfile_env_free(&env);
	qfile_abort(w);

	return done_testing();
}
