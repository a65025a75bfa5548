/*
 * Unit tests for lib/qfile_path (queue paths, moves between states,
 * walks) and lib/qmgr_trigger (the client of qmgr's wakeup socket,
 * against a real UNIX socket).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "qfile_path.h"
#include "qid.h"
#include "qmgr_proto.h"
#include "qmgr_trigger.h"
#include "sock.h"
#include "tap.h"

static char odd_seen[256];

static void
odd(const char *state, char sub, const char *name)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s/%c/%s ", state, sub, name);
	strlcat(odd_seen, buf, sizeof(odd_seen));
}

static void
test_paths(void)
{
	struct timeval tv = { 1700000000, 123456 };
	char qid[QID_SIZE], qid2[QID_SIZE], qid3[QID_SIZE], got[QID_SIZE],
	    want[64], stray[64];
	struct qfile_walk w;
	struct stat st;
	char *p;
	int n, r;

	qid_make(qid, &tv, 4242);
	tv.tv_usec++;
	qid_make(qid2, &tv, 77);
	p = qfile_path("deferred", qid);
	snprintf(want, sizeof(want), "deferred/%c/%s", qid_hash(qid), qid);
	is_str(p, want, "qfile_path: STATE/H/QID");
	free(p);

	if (chdir(tap_tmpdir()) < 0)
		bail_out("chdir: %s", strerror(errno));
	mkdir("incoming", 0700);
	mkdir("active", 0700);
	tap_touch("incoming/tmp.1");
	is_int(qfile_move_path("incoming/tmp.1", "incoming", qid,
	    QFILE_MOVE_NOREPLACE | QFILE_MOVE_SYNC), 0,
	    "a move makes the missing hashed subdirectory");
	p = qfile_path("incoming", qid);
	ok(stat(p, &st) == 0 && S_ISREG(st.st_mode), "  the file is there");
	free(p);
	snprintf(want, sizeof(want), "incoming/%c", qid_hash(qid));
	ok(stat(want, &st) == 0 && (st.st_mode & 0777) == 0700,
	    "  the subdirectory is 0700");
	tap_touch("incoming/tmp.2");
	r = qfile_move_path("incoming/tmp.2", "incoming", qid,
	    QFILE_MOVE_NOREPLACE);
	ok(r == -1 && errno == EEXIST, "NOREPLACE never moves over a file");
	ok(access("incoming/tmp.2", F_OK) == 0, "  the source stays");
	r = qfile_move_path("incoming/nothing", "active", qid, 0);
	ok(r == -1 && errno == ENOENT, "a missing source: ENOENT");
	snprintf(want, sizeof(want), "active/%c", qid_hash(qid));
	ok(access(want, F_OK) < 0, "  and no subdirectory made for it");
	is_int(qfile_move("incoming", "active", qid), 0,
	    "qfile_move between states");
	p = qfile_path("active", qid);
	ok(access(p, F_OK) == 0, "  it is in active/");
	free(p);

	/* a walk: the queue files, none of the strays */
	tap_touch("incoming/tmp.3");
	is_int(qfile_move_path("incoming/tmp.3", "active", qid2, 0), 0,
	    "a second message");
	snprintf(want, sizeof(want), "active/%c/not-a-qid", qid_hash(qid));
	tap_touch(want);
	snprintf(want, sizeof(want), "active/%c/.hidden", qid_hash(qid));
	tap_touch(want);
	snprintf(want, sizeof(want), "active/%c/%s",
	    qid_hash(qid) == 'F' ? 'E' : 'F', qid);
	mkdir("active/E", 0700);
	mkdir("active/F", 0700);
	tap_touch(want);
	qfile_walk_start(&w, "active");
	n = 0;
	while ((r = qfile_walk_next(&w, got, odd)) > 0)
		n += strcmp(got, qid) == 0 || strcmp(got, qid2) == 0;
	qfile_walk_end(&w);
	is_int(r, 0, "the walk ends with 0");
	is_int(n, 2, "  it found both messages, each once");
	like(odd_seen, "/not-a-qid ", "  a stray name goes to the callback");
	like(odd_seen, want + 7, "  so does a queue ID in the wrong "
	    "subdirectory");
	ok(strstr(odd_seen, ".hidden") == NULL, "  dot files are passed "
	    "over silently");

	/* an older layout: a queue ID in another subdirectory moves */
	tv.tv_sec += 3;
	qid_make(qid3, &tv, 99);
	snprintf(stray, sizeof(stray), "active/%c/%s",
	    qid_hash(qid3) == 'F' ? 'E' : 'F', qid3);
	tap_touch(stray);
	is_int(qfile_rehash("active"), 1, "rehash moves the one file that "
	    "can move (the other's name is taken in its subdirectory)");
	p = qfile_path("active", qid3);
	ok(access(p, F_OK) == 0 && access(stray, F_OK) < 0,
	    "  it is in the subdirectory of its hash now");
	free(p);
	ok(access(want, F_OK) == 0, "  the one whose name is taken stays");
	snprintf(want, sizeof(want), "active/%c/not-a-qid", qid_hash(qid));
	ok(access(want, F_OK) == 0, "  so does a stray name");
	is_int(qfile_rehash("active"), 0, "again: nothing to move");
	is_int(qfile_rehash("nosuchstate"), 0, "a state not made yet: 0");

	qfile_walk_start(&w, "nosuchstate");
	is_int(qfile_walk_next(&w, got, odd), 0, "a state not made yet is "
	    "empty");
	qfile_walk_end(&w);
	is_int(qfile_mksubdir("hold", qid), -1, "mksubdir in a missing "
	    "state fails");
}

static char spares[256];

static void
collect(const char *name)
{
	strlcat(spares, name, sizeof(spares));
	strlcat(spares, " ", sizeof(spares));
}

/* Read what the client wrote (it is all there: it never waits). */
static void
read_all(int fd, char *buf, size_t len)
{
	ssize_t n;

	memset(buf, 0, len);
	n = recv(fd, buf, len - 1, MSG_DONTWAIT);
	(void)n;
}

static void
test_trigger(void)
{
	char path[300], buf[64], *err = NULL;
	struct qmgr_trigger *qt;
	int lfd, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/qmgr", tap_tmpdir());
	if ((lfd = sock_listen_unix(path, 0600, 4, &err)) < 0)
		bail_out("listen: %s", err);
	is_int(qmgr_trigger_send(path, QMGR_TRIGGER_FLUSH, &err), 0,
	    "a one-shot request");
	fd = accept(lfd, NULL, NULL);
	n = read(fd, buf, sizeof(buf));
	ok(n == 1 && buf[0] == 'F', "  qmgr gets \"F\"");
	is_int(read(fd, buf, sizeof(buf)), 0, "  and the connection is "
	    "closed");
	close(fd);

	qt = qmgr_trigger_new(path);
	is_int(qmgr_trigger_queued(qt, "ABC"), 0, "a new message");
	is_int(qmgr_trigger_queued(qt, "DEF"), 0, "another");
	fd = accept(lfd, NULL, NULL);
	read_all(fd, buf, sizeof(buf));
	is_str(buf, "QABC\nQDEF\n", "  both lines on one kept connection");
	if (write(fd, "SX1\nnoise\nSX2\nSX", 16) != 16)
		bail_out("write: %s", strerror(errno));
	qmgr_trigger_spares(qt, collect);
	is_str(spares, "X1 X2 ", "spare names come back; other lines and "
	    "a partial line do not");
	if (write(fd, "3\n", 2) != 2)
		bail_out("write: %s", strerror(errno));
	spares[0] = '\0';
	qmgr_trigger_spares(qt, collect);
	is_str(spares, "X3 ", "  the rest of a line comes later");
	close(fd);			/* qmgr goes away */
	qmgr_trigger_spares(qt, collect);
	is_int(qmgr_trigger_queued(qt, "GHI"), 0, "after qmgr went: the "
	    "next message makes a new connection");
	fd = accept(lfd, NULL, NULL);
	read_all(fd, buf, sizeof(buf));
	is_str(buf, "QGHI\n", "  and its line arrives there");
	close(fd);
	close(lfd);
	unlink(path);
	qmgr_trigger_spares(qt, collect);
	is_int(qmgr_trigger_queued(qt, "JKL"), -1, "no qmgr at all: -1");
	qmgr_trigger_free(&qt);
	is_int(qmgr_trigger_send(path, QMGR_TRIGGER_FLUSH, &err), -1,
	    "no qmgr: a one-shot request fails");
	like(err, "cannot connect to ", "  with the reason");
	err_free(&err);
}

int
main(void)
{
	tap_init("qfile_path");
	test_paths();
	test_trigger();
	return done_testing();
}
