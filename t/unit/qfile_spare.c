/*
 * Unit tests for lib/qfile_spare: a delivered queue file is parked in
 * spare/, the next qfile_create after its name is offered reuses its
 * inode and overwrites it, the old content never shows, and qfile_holds
 * tells a reused file apart.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfile.h"
#include "qfile_spare.h"
#include "qid.h"
#include "tap.h"
#include "xmalloc.h"

static char qdir[512];

/* One message with content body, committed: its path in path. */
static int
queue_one(const char *body, char qid[QID_SIZE], char *path, size_t len)
{
	struct qfile_writer *w = qfile_create(qdir);
	int r;

	if (w == NULL)
		return -1;
	r = qfile_add_sender(w, "a@example.org") < 0 ||
	    qfile_add_rcpt(w, "b@example.org", NULL, NULL) < 0 ||
	    qfile_begin_content(w) < 0 ||
	    qfile_write_content(w, body, strlen(body)) < 0 ||
	    qfile_commit(w, 0, qid) < 0 ? -1 : 0;
	qfile_abort(w);
	snprintf(path, len, "%s/incoming/%c/%s", qdir, qid_hash(qid), qid);
	return r;
}

static ino_t
inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static int
entries(const char *sub)
{
	char dir[600];

	snprintf(dir, sizeof(dir), "%s/%s", qdir, sub);
	return tap_dir_entries(dir);
}

static void
count_name(const char *name, void *arg)
{
	if (qid_valid(name))
		++*(int *)arg;
}

int
main(void)
{
	char big[8192], qid[QID_SIZE], qid2[QID_SIZE], path[1024],
	    path2[1024], dir[600], spare[1200];
	struct qfile_env env;
	struct stat st;
	const char *err;
	ino_t ino;
	int fd, i;

	tap_init("qfile_spare");
	snprintf(qdir, sizeof(qdir), "%s", tap_tmpdir());
	snprintf(dir, sizeof(dir), "%s/incoming", qdir);
	mkdir(dir, 0700);

	/* no spare/ at all: files are created as before */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(queue_one(big, qid, path, sizeof(path)), 0,
	    "without spare/: a message is queued");
	ino = inode_of(path);
	is_int(qfile_spare_park(qdir, path, qid), -1,
	    "parking needs spare/");
	ok(access(path, F_OK) == 0, "... and leaves the file where it was");

	snprintf(dir, sizeof(dir), "%s/%s", qdir, QDIR_SPARE);
	mkdir(dir, 0700);
	is_int(qfile_spare_park(qdir, path, qid), 0, "a delivered file parked");
	is_int(entries(QDIR_SPARE), 1, "... it is in spare/");
	ok(access(path, F_OK) != 0, "... and gone from the queue");

	/* not offered: not used */
	is_int(queue_one("other\r\n", qid2, path2, sizeof(path2)), 0,
	    "a message while no name is offered");
	ok(inode_of(path2) != ino, "... gets a new file");
	is_int(entries(QDIR_SPARE), 1, "... the spare file is still there");

	/* a taken spare file is locked: nobody else writes it, and the
	   count does not remove it */
	{
		struct qfile_writer *w;
		char where[QFILE_SPARE_PATH];
		int fd2;

		qfile_spare_offer(qid);
		fd = qfile_spare_take(qdir, where, sizeof(where), &st);
		ok(fd >= 0 && st.st_ino == ino, "a spare file taken by its "
		    "offered name");
		snprintf(spare, sizeof(spare), "%s/%s", dir, qid);
		is_str(where, spare, "... where it is, in spare/");
		qfile_spare_offer(qid);
		fd2 = qfile_spare_take(qdir, where, sizeof(where), &st);
		is_int(fd2, -1, "offered again meanwhile: not taken twice");
		if (fd2 >= 0)
			close(fd2);
		is_int(qfile_spare_scan(qdir, 0, NULL, NULL), 1,
		    "a count with a limit of 0 keeps the file being written");
		ok(access(spare, F_OK) == 0, "... it is still there");
		if (fd >= 0)
			close(fd);

		/* a writer that gives up leaves a spare file */
		qfile_spare_offer(qid);
		w = qfile_create(qdir);
		ok(w != NULL && qfile_add_sender(w, "x@example.org") == 0,
		    "a message begun in the spare file");
		qfile_abort(w);
		ok(inode_of(spare) == ino, "... given up: still in spare/");

		/*
		 * Opened by a second taker just before the first renamed it
		 * into the queue and let go of its lock: not taken again.
		 */
		fd2 = open(spare, O_RDWR);
		ok(fd2 >= 0, "a second taker opens the spare file");
		qfile_spare_offer(qid);
		fd = qfile_spare_take(qdir, where, sizeof(where), &st);
		ok(fd >= 0, "... the first one takes it");
		snprintf(path2, sizeof(path2), "%s/incoming/queued", qdir);
		is_int(rename(spare, path2), 0, "... and queues it");
		close(fd);
		is_int(qfile_spare_claim(fd2, spare, &st), -1,
		    "the second one's lock comes too late: not claimed");
		is_int(inode_of(path2), ino, "... the queued file is left alone");
		close(fd2);
		is_int(rename(path2, spare), 0, "back to spare/");
		fd2 = open(spare, O_RDWR);
		is_int(qfile_spare_claim(fd2, spare, &st), 0,
		    "a file still in spare/ once locked is claimed");
		close(fd2);
	}

	/* a short message reuses it: same inode, old content cut off */
	qfile_spare_offer(qid);
	is_int(queue_one("short\r\n", qid2, path2, sizeof(path2)), 0,
	    "the next message after the name is offered is queued");
	is_int(inode_of(path2), ino, "... in the parked file (same inode)");
	is_int(entries(QDIR_SPARE), 0, "... taken out of spare/");
	ok(strcmp(qid, qid2) != 0, "... under a new queue ID");
	fd = open(path2, O_RDWR);
	is_int(qfile_read_env(fd, &env, &err), 0, "the reused file reads back");
	is_int(env.content_size, 7, "... with the new content only");
	fstat(fd, &st);
	is_int(st.st_size, env.content_offset + env.content_size + 5,
	    "... no old bytes after the trailer");
	qfile_env_free(&env);
	ok(qfile_holds(fd, qid2), "qfile_holds: the file holds the new ID");
	ok(!qfile_holds(fd, qid), "... not the ID of the message before");
	close(fd);

	/* a reader of the old message sees the change */
	is_int(queue_one("one\r\n", qid, path, sizeof(path)), 0,
	    "a new file when spare/ is empty");
	fd = open(path, O_RDONLY);
	ok(qfile_holds(fd, qid), "an agent's descriptor holds its message");
	is_int(qfile_spare_park(qdir, path, qid), 0, "... parked meanwhile");
	qfile_spare_offer(qid);
	is_int(queue_one("two\r\n", qid2, path2, sizeof(path2)), 0,
	    "... and reused for another message");
	ok(!qfile_holds(fd, qid), "the agent's check sees the reuse");
	close(fd);

	/* offers that are not queue IDs are ignored */
	qfile_spare_offer("../../etc/passwd");
	is_int(queue_one("x\r\n", qid, path, sizeof(path)), 0,
	    "an offer that is not a queue ID");
	ok(access("/etc/passwd", F_OK) == 0, "... is not followed");

	/* a name in spare/ that is not a plain file is never used */
	snprintf(spare, sizeof(spare), "%s/%s/6925A1F00C3501A2B", qdir,
	    QDIR_SPARE);
	ok(symlink("/etc/passwd", spare) == 0, "a symbolic link in spare/");
	qfile_spare_offer("6925A1F00C3501A2B");
	is_int(queue_one("three\r\n", qid, path, sizeof(path)), 0,
	    "a message is still queued");
	ok(lstat(path, &st) == 0 && S_ISREG(st.st_mode),
	    "... in a regular file, the link not followed");
	is_int(entries(QDIR_SPARE), 0, "... and the link removed");

	/* hard-linked spare: refused too */
	is_int(qfile_spare_park(qdir, path, qid), 0, "park again");
	snprintf(spare, sizeof(spare), "%s/%s/%s", qdir, QDIR_SPARE, qid);
	snprintf(path2, sizeof(path2), "%s/elsewhere", qdir);
	ok(link(spare, path2) == 0, "the spare file linked elsewhere");
	ino = inode_of(spare);
	qfile_spare_offer(qid);
	is_int(queue_one("four\r\n", qid, path, sizeof(path)), 0,
	    "a message is queued");
	ok(inode_of(path) != ino, "... not in a file with a second name");
	ok(access(path2, F_OK) == 0, "... which is left alone");

	/* the count keeps at most the limit */
	for (i = 0; i < 5; i++) {
		is_int(queue_one("x\r\n", qid, path, sizeof(path)), 0,
		    "queue %d", i);
		is_int(qfile_spare_park(qdir, path, qid), 0, "park %d", i);
	}
	snprintf(spare, sizeof(spare), "%s/%s/stray", qdir, QDIR_SPARE);
	close(open(spare, O_CREAT | O_WRONLY, 0600));
	i = 0;
	is_int(qfile_spare_scan(qdir, 100, count_name, &i), 5,
	    "five spare files counted");
	is_int(i, 5, "... each name passed on");
	ok(access(spare, F_OK) != 0, "... a name that is no queue ID removed");
	is_int(qfile_spare_scan(qdir, 2, NULL, NULL), 2,
	    "a limit of 2 removes three");
	is_int(entries(QDIR_SPARE), 2, "... two left");
	is_int(qfile_spare_scan(qdir, 0, NULL, NULL), 0,
	    "a limit of 0 removes all");
	return done_testing();
}
