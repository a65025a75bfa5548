/*
 * Unit tests for lib/dirsync, the group commit of directory fsyncs.
 * Real processes share a real table: the test itself plays the other
 * processes' parts through the table's documented layout (dirsync.h),
 * holding a slot's lock while a child waits for it, so that each case
 * of the protocol happens for certain, without any timing: a waiter
 * covered by a sync that began after its change, a leader killed with
 * SIGKILL in the middle of its sync, a sync that failed, a record of
 * another directory in the same slot, a damaged counter.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirsync.h"
#include "err.h"
#include "tap.h"

#define SLOTS	64
#define WORDS	8
enum { STARTED, DONE, DEV, INO, FAILED, FDEV, FINO };

static char table[600];
static int dirfd_;		/* the directory synced */
static struct stat dir_st;

/* Read word w of slot s of the table. */
static uint64_t
word(int s, int w)
{
	uint64_t v = 0;
	int fd = open(table, O_RDONLY);

	if (fd < 0 || pread(fd, &v, sizeof(v), (off_t)((s * WORDS + w) *
	    sizeof(v))) != (ssize_t)sizeof(v))
		bail_out("read %s: %s", table, strerror(errno));
	close(fd);
	return v;
}

static void
set_word(int fd, int s, int w, uint64_t v)
{
	if (pwrite(fd, &v, sizeof(v), (off_t)((s * WORDS + w) *
	    sizeof(v))) != (ssize_t)sizeof(v))
		bail_out("write %s: %s", table, strerror(errno));
}

/* The slot whose started word is n (our directory's, after n syncs). */
static int
slot_with(uint64_t n)
{
	for (int s = 0; s < SLOTS; s++)
		if (word(s, STARTED) == n)
			return s;
	return -1;
}

/* Take (F_WRLCK) or drop (F_UNLCK) the lock of slot s on fd. */
static void
lock_slot(int fd, int s, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = s;
	fl.l_len = 1;
	if (fcntl(fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &fl) < 0)
		bail_out("lock slot %d: %s", s, strerror(errno));
}

/* Is pid blocked in fcntl (waiting for a slot's lock)? */
static int
in_fcntl(pid_t pid)
{
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/syscall", (long)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return atol(buf) == SYS_fcntl;
}

/* Wait, with a generous bound, until pid waits for a lock. */
static int
wait_blocked(pid_t pid)
{
	for (int i = 0; i < 3000; i++) {
		if (in_fcntl(pid))
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * A child that syncs the directory through its own table handle, as
 * another process would. Its exit status: 0 synced and led, 1 synced
 * and covered, 2 failed with EIO, 3 anything else.
 */
static pid_t
waiter(void)
{
	unsigned long led0, covered0, led, covered;
	struct dirsync *ds;
	char *err = NULL;
	pid_t pid;
	int r;

	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	if ((ds = dirsync_open(AT_FDCWD, table, &err)) == NULL)
		_exit(3);
	dirsync_counts(&led0, &covered0);
	r = dirsync_fsync(ds, dirfd_);
	dirsync_counts(&led, &covered);
	led -= led0;
	covered -= covered0;
	if (r < 0)
		_exit(errno == EIO ? 2 : 3);
	_exit(led == 1 && covered == 0 ? 0 : led == 0 && covered == 1 ? 1 :
	    3);
}

static int
status_of(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Record n as slot s's outcome (DONE or FAILED) for (dev, ino). */
static void
record(int fd, int s, int what, uint64_t n, uint64_t dev, uint64_t ino)
{
	set_word(fd, s, what, 0);
	set_word(fd, s, what == DONE ? DEV : FDEV, dev);
	set_word(fd, s, what == DONE ? INO : FINO, ino);
	set_word(fd, s, what, n);
}

static void
as_nobody(const char *dir)
{
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		bail_out("no user nobody");
	if (chown(dir, pw->pw_uid, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		bail_out("become nobody: %s", strerror(errno));
	/* so that /proc/PID/syscall of our children stays readable */
	(void)prctl(PR_SET_DUMPABLE, 1);
}

int
main(void)
{
	unsigned long led, covered;
	struct dirsync *ds;
	char dir[600], other[600], link_[600];
	char *err = NULL;
	pid_t w, l;
	int s, fd, to[2], from[2];
	char c;

	tap_init("dirsync");
	snprintf(dir, sizeof(dir), "%s/d", tap_tmpdir());
	snprintf(table, sizeof(table), "%s/%s", tap_tmpdir(), DIRSYNC_NAME);
	snprintf(other, sizeof(other), "%s/other", tap_tmpdir());
	snprintf(link_, sizeof(link_), "%s/link", tap_tmpdir());

	if (geteuid() == 0) {
		ds = dirsync_open(AT_FDCWD, table, &err);
		ok(ds == NULL && err != NULL &&
		    strstr(err, "not shared by root") != NULL,
		    "root makes no table (%s)", err ? err : "");
		err_free(&err);
		ok(access(table, F_OK) < 0, "... and no file");
		/* a table of another uid, writable by all: not used */
		fd = open(other, O_RDWR | O_CREAT, 0666);
		ok(fd >= 0 && fchmod(fd, 0666) == 0, "a table file of root");
		close(fd);
		as_nobody(tap_tmpdir());
		ds = dirsync_open(AT_FDCWD, other, &err);
		ok(ds == NULL && err != NULL &&
		    strstr(err, "not a regular file of uid") != NULL,
		    "another uid's table is refused (%s)", err ? err : "");
		err_free(&err);
	} else
		skip(4, "not root: no other uid to test with");

	if (mkdir(dir, 0700) < 0 ||
	    (dirfd_ = open(dir, O_RDONLY | O_DIRECTORY)) < 0 ||
	    fstat(dirfd_, &dir_st) < 0)
		bail_out("%s: %s", dir, strerror(errno));
	is_int(dirsync_fsync(NULL, dirfd_), 0, "without a table: a plain fsync");

	ok(symlink(table, link_) == 0, "a symbolic link to a table");
	ds = dirsync_open(AT_FDCWD, link_, &err);
	ok(ds == NULL && err != NULL, "is not followed (%s)",
	    err ? err : "");
	err_free(&err);

	ds = dirsync_open(AT_FDCWD, table, &err);
	ok(ds != NULL, "a table is made (%s)", err ? err : "");
	if (ds == NULL)
		bail_out("no table");
	{
		struct stat st;

		ok(stat(table, &st) == 0 && (st.st_mode & 07777) == 0600 &&
		    st.st_size == SLOTS * WORDS * 8,
		    "mode 0600, 64 slots of 64 bytes");
	}
	is_int(dirsync_fsync(ds, dirfd_), 0, "a sync");
	is_int(dirsync_fsync(ds, dirfd_), 0, "another");
	dirsync_counts(&led, &covered);
	ok(led == 2 && covered == 0, "one after the other, each leads its "
	    "own (led %lu, covered %lu)", led, covered);
	s = slot_with(2);
	ok(s >= 0 && word(s, DONE) == 2 && word(s, DEV) ==
	    (uint64_t)dir_st.st_dev && word(s, INO) == (uint64_t)dir_st.st_ino,
	    "its slot: 2 begun, 2 done, for this directory");
	if (s < 0)
		bail_out("no slot");
	if ((fd = open(table, O_RDWR)) < 0)
		bail_out("%s: %s", table, strerror(errno));

	/* covered: a sync that began after the waiter's ticket succeeded */
	lock_slot(fd, s, F_WRLCK);
	w = waiter();
	ok(wait_blocked(w), "a waiter waits for the slot's lock (its "
	    "ticket: 3)");
	set_word(fd, s, STARTED, 3);
	ok(fsync(dirfd_) == 0, "another process's sync 3 of the directory");
	set_word(fd, s, DONE, 3);
	lock_slot(fd, s, F_UNLCK);
	is_int(status_of(w), 1, "the waiter returns without a sync of its "
	    "own: covered");

	/* a leader killed in the middle of its sync */
	/* to[1] -> the leader -> from[0] */
	if (pipe(to) < 0 || pipe(from) < 0 || (l = fork()) < 0)
		bail_out("pipe, fork: %s", strerror(errno));
	if (l == 0) {
		int lfd = open(table, O_RDWR);

		lock_slot(lfd, s, F_WRLCK);
		if (write(from[1], "l", 1) != 1 ||	/* locked */
		    read(to[0], &c, 1) != 1)		/* the waiter waits */
			_exit(1);
		set_word(lfd, s, STARTED, 4);	/* sync 4 begins ... */
		if (write(from[1], "s", 1) != 1)
			_exit(1);
		pause();			/* ... and never ends */
		_exit(0);
	}
	ok(read(from[0], &c, 1) == 1 && c == 'l', "a leader holds the lock");
	w = waiter();
	ok(wait_blocked(w), "a waiter waits for it (its ticket: 4)");
	ok(write(to[1], "w", 1) == 1 && read(from[0], &c, 1) == 1 &&
	    c == 's' && word(s, STARTED) == 4,
	    "the leader's sync 4 has begun");
	kill(l, SIGKILL);
	(void)waitpid(l, NULL, 0);
	is_int(status_of(w), 0, "the leader killed with SIGKILL: the waiter "
	    "syncs for itself");
	ok(word(s, STARTED) == 5 && word(s, DONE) == 5,
	    "... as sync 5, recorded done");
	close(to[0]);
	close(to[1]);
	close(from[0]);
	close(from[1]);

	/* a sync that covered the waiter failed */
	lock_slot(fd, s, F_WRLCK);
	w = waiter();
	ok(wait_blocked(w), "a waiter waits (its ticket: 6)");
	set_word(fd, s, STARTED, 6);
	record(fd, s, FAILED, 6, dir_st.st_dev, dir_st.st_ino);
	lock_slot(fd, s, F_UNLCK);
	is_int(status_of(w), 2, "sync 6 failed: so does the waiter (EIO)");

	/* the slot's last sync was another directory's */
	lock_slot(fd, s, F_WRLCK);
	w = waiter();
	ok(wait_blocked(w), "a waiter waits (its ticket: 7)");
	set_word(fd, s, STARTED, 7);
	record(fd, s, DONE, 7, dir_st.st_dev, dir_st.st_ino + 1);
	lock_slot(fd, s, F_UNLCK);
	is_int(status_of(w), 0, "sync 7 was another directory's: the waiter "
	    "syncs for itself");
	ok(word(s, DONE) == 8 && word(s, INO) == (uint64_t)dir_st.st_ino,
	    "... recorded for its own directory");

	/* a damaged counter never wraps a ticket to 0 */
	set_word(fd, s, STARTED, UINT64_MAX);
	is_int(dirsync_fsync(ds, dirfd_), 0, "a counter at its end: a plain "
	    "fsync");
	ok(word(s, STARTED) == UINT64_MAX && word(s, DONE) == 8,
	    "... the table left as it was");

	close(fd);
	dirsync_close(&ds);
	ok(ds == NULL, "closed");
	return done_testing();
}
