/*
 * Unit tests for qmgr's account of spare queue files (qmgr/qmgr_spare.c),
 * linked with qmgr's objects, on a real spare/ directory and a real
 * socket: a name given out is never given again while it is out, not
 * even after spare/ is read again; a name used (the message written over
 * it has arrived) leaves the account; delivered files are parked past
 * the limit and the pool goes back to it one removal at a time.
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

#include "event.h"
#include "params.h"
#include "qfile_path.h"
#include "qfile_spare.h"
#include "qid.h"
#include "qmgr/qmgr.h"
#include "server.h"
#include "tap.h"

/* A queue ID whose inode part is ino, at second sec. */
static void
qid_of(char qid[QID_SIZE], long sec, ino_t ino)
{
	struct timeval tv = { sec, 0 };

	qid_make(qid, &tv, ino);
}

/* The names qmgr answered on the socket, each "S<name>\n", into v. */
static int
answers(int fd, char v[][QID_SIZE], int max)
{
	char buf[1024], *p, *nl;
	ssize_t n;
	int k = 0;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (p = buf; k < max && *p == 'S' && (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		*nl = '\0';
		strlcpy(v[k++], p + 1, QID_SIZE);
	}
	return k;
}

static int
spares(void)
{
	return tap_dir_entries("spare");
}

int
main(void)
{
	static const char *const over[] = { "queue_file_spare_limit=3",
	    NULL };
	char name[8][QID_SIZE], got[12][QID_SIZE], more[12][QID_SIZE],
	    path[512], qid[QID_SIZE];
	struct qmgr_msg m;
	char *err = NULL, *p;
	int sv[2], i, j, n, dup;

	tap_init("qmgr_spare");
	if (params_load(NULL, over, &err) < 0)
		bail_out("params_load: %s", err);
	if (chdir(tap_tmpdir()) < 0 || mkdir("spare", 0700) < 0 ||
	    mkdir("incoming", 0700) < 0)
		bail_out("set up: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));

	/* five files, a limit of three: back to it one removal at a time */
	for (i = 0; i < 5; i++) {
		qid_of(name[i], 1700000000 + i, 1000 + i);
		snprintf(path, sizeof(path), "spare/%s", name[i]);
		tap_touch(path);
	}
	qmgr_spare_recount();
	is_int(spares(), 4, "over the limit: one file removed at once, not "
	    "all the extra ones");
	for (i = 0; i < 300 && spares() > 3; i++)
		(void)event_run_once(server_loop(), 100);
	is_int(spares(), 3, "the next a second later: at the limit");
	(void)event_run_once(server_loop(), 1500);
	is_int(spares(), 3, "  and no further");

	/* every name given out once */
	for (i = 0; i < 4; i++)
		qmgr_spare_give(sv[0]);
	n = answers(sv[1], got, 8);
	is_int(n, 3, "four wakeups: the three names there are");
	dup = 0;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			dup += strcmp(got[i], got[j]) == 0;
	is_int(dup, 0, "  all different");
	qmgr_spare_recount();
	qmgr_spare_give(sv[0]);
	is_int(answers(sv[1], more, 8), 0, "spare/ read again: the names out "
	    "are not given again");

	/* the message written over got[0] arrives: that name is used */
	snprintf(path, sizeof(path), "spare/%s", got[0]);
	qid_of(qid, 1800000000, (ino_t)strtoul(got[0] + 13, NULL, 16));
	p = qfile_path(QDIR_INCOMING, qid);
	if (qfile_mksubdir(QDIR_INCOMING, qid) < 0 || rename(path, p) < 0)
		bail_out("take %s: %s", got[0], strerror(errno));
	free(p);
	qmgr_spare_used(qid);

	/* delivered: parked, within the limit again, given out next */
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, qid, sizeof(m.qid));
	m.dir = QDIR_INCOMING;
	is_int(qmgr_spare_remove(&m), 0, "the delivered file is parked");
	is_int(spares(), 3, "  three in spare/, none removed");
	qmgr_spare_give(sv[0]);
	n = answers(sv[1], more, 8);
	ok(n == 1 && strcmp(more[0], qid) == 0, "  its name is given out "
	    "next");
	qmgr_spare_recount();
	qmgr_spare_give(sv[0]);
	is_int(answers(sv[1], more, 8), 0, "  and not again after spare/ is "
	    "read again");
	/*
	 * "N" lines of an smtpd that used its last name, on a connection of
	 * its own: one name each, at most eight out on one connection until
	 * one is used; nothing for a line of another kind
	 */
	{
		struct server_info info;
		int sp[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
			bail_out("socketpair: %s", strerror(errno));
		var_queue_file_spare_limit = 100;
		memset(&info, 0, sizeof(info));
		info.reply_fd = sp[0];
		for (i = 0; i < 10; i++) {
			qid_of(qid, 1900000000 + i, 3000 + i);
			snprintf(path, sizeof(path), "spare/%s", qid);
			tap_touch(path);
		}
		qmgr_spare_recount();
		qmgr_trigger("Nx\n", 3, &info);
		is_int(answers(sp[1], more, 8), 0, "a line \"Nx\": no name");
		qmgr_trigger("N\nN\nN\nN\nN\nN\nN\nN\nN\nN\n", 20, &info);
		n = answers(sp[1], more, 12);
		dup = 0;
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				dup += strcmp(more[i], more[j]) == 0;
		ok(n == 8 && dup == 0, "ten \"N\" lines: eight different "
		    "names, as many as one connection holds (%d)", n);
		qid_of(qid, 1950000000, (ino_t)strtoul(more[0] + 13, NULL, 16));
		qmgr_spare_used(qid);
		qmgr_trigger("N\nN\n", 4, &info);
		is_int(answers(sp[1], got, 8), 1, "one of them used: one more");
		qmgr_trigger("N\n", 2, &info);
		is_int(answers(sp[1], got, 8), 0, "  and no more: eight out");
		/* the connection ends; the next one on this descriptor starts
		 * with none out */
		qmgr_spare_gone(sp[0]);
		qmgr_trigger("N\nN\n", 4, &info);
		is_int(answers(sp[1], got, 8), 1, "the connection ended: the "
		    "next on its descriptor gets the last free name");
		close(sp[0]);
		close(sp[1]);
	}

	/*
	 * past twice the limit (names out count too) a delivered file is
	 * unlinked, not parked
	 */
	var_queue_file_spare_limit = 2;
	qid_of(qid, 1960000000, 7777);
	p = qfile_path(QDIR_INCOMING, qid);
	if (qfile_mksubdir(QDIR_INCOMING, qid) < 0)
		bail_out("mkdir: %s", strerror(errno));
	tap_touch(p);
	n = spares();
	memset(&m, 0, sizeof(m));
	strlcpy(m.qid, qid, sizeof(m.qid));
	m.dir = QDIR_INCOMING;
	is_int(qmgr_spare_remove(&m), 0, "a delivered file past twice the "
	    "limit is removed");
	snprintf(path, sizeof(path), "spare/%s", qid);
	ok(access(p, F_OK) < 0 && access(path, F_OK) < 0, "  unlinked, not "
	    "parked (%d in spare/, %d before)", spares(), n);
	free(p);
	close(sv[0]);
	close(sv[1]);
	return done_testing();
}
