/*
 * NAME
 *	qmgr_scan - the queue directories: recovery at start, incremental
 *	scans of incoming/ and deferred/, stale temporary files.
 *
 * DESCRIPTION
 *	A scan walks the sixteen hashed subdirectories of one queue
 *	directory with readdir, a bounded number of entries per round, and
 *	stops while the active queue is full (qmgr_message_active_limit
 *	messages, qmgr_message_recipient_limit recipients); it resumes
 *	where it stopped when room is made. So a backlog of a million
 *	files costs one open directory and the active queue, never a list
 *	of names. A wakeup during a scan makes it start over once it ends
 *	(new files may sit behind the read position).
 *
 *	deferred/ is scanned every queue_run_delay; a file is taken only
 *	when its modification time, which qmgr sets to the next retry time
 *	when it defers the message, has passed (Postfix does the same),
 *	or on a flush.
 *
 *	A scan passes the files of incoming/ and deferred/ that are active
 *	already (qmgr takes them in place: qmgr_message.c), by a lookup in
 *	the table of active messages. After a crash or a kill nothing needs
 *	recovering: the files are where they were, and the first scan takes
 *	them again (recipients already marked done are not delivered
 *	again). At start, whatever an older version left in active/ goes
 *	back to incoming/, after files that an older version put in another
 *	hashed subdirectory are moved into theirs (qid_hash changed from a
 *	microsecond digit to the arrival second's).
 *
 * SECURITY
 *	Only names that are valid queue IDs are moved or opened (qid_valid:
 *	hex digits only, so no path can be smuggled in a name); anything
 *	else in a hashed directory is left alone and reported once per
 *	scan.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "htable.h"
#include "log.h"
#include "params.h"
#include "qmgr.h"
#include "xmalloc.h"

struct qmgr_scanner {
	const char	*dir;
	int		 running;
	int		 again;		/* start over when done */
	int		 all;		/* deferred: ignore the retry time */
	int		 want_all;	/* ... in the next scan */
	struct qfile_walk walk;
};

static struct qmgr_scanner qmgr_in = { .dir = QDIR_INCOMING };
static struct qmgr_scanner qmgr_def = { .dir = QDIR_DEFERRED };

/*
 * Files in another subdirectory than their hash names (a queue of an
 * older version) into their own, so that the walks and paths find them.
 */
static void
qmgr_scan_rehash(void)
{
	static const char *const states[] = { QDIR_INCOMING, QDIR_ACTIVE,
	    QDIR_DEFERRED, QDIR_HOLD, QMGR_DEFER_DIR };
	long n;
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		if ((n = qfile_rehash(states[i])) < 0)
			log_error("rehash %s: %m", states[i]);
		else if (n > 0)
			log_info("moved %ld file(s) of %s/ into the "
			    "subdirectories of this version's hash", n,
			    states[i]);
	}
}

/* Move every file an older version left in active/ back to incoming/. */
void
qmgr_scan_recover(void)
{
	struct qfile_walk w;
	char qid[QID_SIZE];
	size_t n = 0;
	int r;

	qmgr_scan_rehash();
	qfile_walk_start(&w, QDIR_ACTIVE);
	while ((r = qfile_walk_next(&w, qid, NULL)) != 0) {
		if (r < 0)
			continue;
		if (qfile_move(QDIR_ACTIVE, QDIR_INCOMING, qid) < 0)
			log_error("%s: move %s to %s: %m", qid, QDIR_ACTIVE,
			    QDIR_INCOMING);
		else
			n++;
	}
	qfile_walk_end(&w);
	if (n > 0)
		log_info("recovered %zu message(s) from %s/ after a restart",
		    n, QDIR_ACTIVE);
}

/* Remove incoming/tmp.* files a crash left behind, once they are old. */
void
qmgr_scan_tmp_cleanup(void)
{
	struct dirent *de;
	struct stat st;
	char *path;
	time_t now = time(NULL);
	DIR *d;

	if ((d = opendir(QDIR_INCOMING)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "tmp.", 4) != 0)
			continue;
		path = xasprintf("%s/%s", QDIR_INCOMING, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > var_qmgr_tmp_file_lifetime) {
			if (unlink(path) == 0)
				log_info("removed stale temporary file %s",
				    path);
		}
		free(path);
	}
	closedir(d);
}

static void
qmgr_scan_start(struct qmgr_scanner *s)
{
	if (s->running) {
		s->again = 1;
		return;
	}
	s->running = 1;
	s->again = 0;
	s->all = s->want_all;
	s->want_all = 0;
	qfile_walk_start(&s->walk, s->dir);
	qmgr_sched_kick();
}

void
qmgr_scan_incoming(void)
{
	qmgr_scan_start(&qmgr_in);
}

void
qmgr_scan_deferred(int all)
{
	if (all)
		qmgr_def.want_all = 1;
	qmgr_scan_start(&qmgr_def);
}

int
qmgr_scan_busy(void)
{
	return qmgr_in.running || qmgr_def.running;
}

/* A stray name in a hashed directory: warn once (per name, roughly). */
static void
qmgr_scan_odd(const char *dir, char sub, const char *name)
{
	static uint64_t seen[64];
	uint64_t h;
	size_t i;

	h = htable_hash_more(HTABLE_FNV_BASIS, dir, strlen(dir));
	h = htable_hash_more(h, &sub, 1);
	h = htable_hash_more(h, name, strlen(name)) | 1;
	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++) {
		if (seen[i] == h)
			return;
		if (seen[i] == 0)
			break;
	}
	if (i < sizeof(seen) / sizeof(seen[0]))
		seen[i] = h;
	log_warn("%s/%c/%s: not a queue file name; left alone", dir, sub,
	    name);
}

/* The next queue ID of a scan into qid; 0 when the scan is over. */
static int
qmgr_scan_next(struct qmgr_scanner *s, char qid[QID_SIZE])
{
	int r;

	while ((r = qfile_walk_next(&s->walk, qid, qmgr_scan_odd)) < 0)
		log_error("opendir %s/%c: %m", s->dir,
		    QFILE_SUBDIRS[s->walk.sub - 1]);
	return r;
}

static void
qmgr_scan_end(struct qmgr_scanner *s)
{
	qfile_walk_end(&s->walk);
	s->running = 0;
	s->all = 0;
	if (s->again)
		qmgr_scan_start(s);
}

/* May this deferred message be tried now? */
static int
qmgr_scan_due(const char *qid)
{
	struct stat st;
	char *path;
	int r;

	if (qmgr_def.all)
		return 1;
	path = qfile_path(QDIR_DEFERRED, qid);
	r = stat(path, &st) == 0 && st.st_mtime <= time(NULL);
	free(path);
	return r;
}

static int
qmgr_room(void)
{
	return qmgr_nactive < (size_t)var_qmgr_message_active_limit &&
	    qmgr_nactive < qmgr_fd_room &&
	    qmgr_rcpts_mem < (size_t)var_qmgr_message_recipient_limit;
}

/*
 * One message that smtpd says is new in incoming/: into the active queue
 * now when there is room, else by the scan when room is made. Gone
 * already (a scan took it) is fine.
 */
void
qmgr_scan_one(const char *qid)
{
	if (qmgr_stopping)
		return;
	if (!qmgr_room()) {
		qmgr_scan_incoming();
		return;
	}
	(void)qmgr_message_load(QDIR_INCOMING, qid);
}

/* Fill the active queue, a bounded number of entries per call. */
void
qmgr_scan_feed(void)
{
	char qid[QID_SIZE];
	int n = 0;

	if (qmgr_stopping)
		return;
	while (n < QMGR_SCAN_BATCH && qmgr_room()) {
		if (qmgr_in.running) {
			if (!qmgr_scan_next(&qmgr_in, qid)) {
				qmgr_scan_end(&qmgr_in);
				continue;
			}
			n++;
			qmgr_message_load(QDIR_INCOMING, qid);
		} else if (qmgr_def.running) {
			if (!qmgr_scan_next(&qmgr_def, qid)) {
				qmgr_scan_end(&qmgr_def);
				continue;
			}
			n++;
			if (qmgr_message_find(qid) == NULL &&
			    qmgr_scan_due(qid))
				qmgr_message_load(QDIR_DEFERRED, qid);
		} else
			break;
	}
	if (n == QMGR_SCAN_BATCH && qmgr_room())
		qmgr_sched_kick();	/* more next round */
}
