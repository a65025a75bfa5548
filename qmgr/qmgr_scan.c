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
 *	At start, whatever is in active/ goes back to incoming/ (a crash
 *	or a kill left it there; recipients already marked done are not
 *	delivered again).
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
	int		 sub;		/* 0..15: hashed subdirectory */
	DIR		*d;
};

static struct qmgr_scanner qmgr_in = { QDIR_INCOMING, 0, 0, 0, 0, 0, NULL };
static struct qmgr_scanner qmgr_def = { QDIR_DEFERRED, 0, 0, 0, 0, 0, NULL };

char *
qmgr_path(const char *dir, const char *qid)
{
	return xasprintf("%s/%c/%s", dir, qid_hash(qid), qid);
}

int
qmgr_move(const char *from, const char *to, const char *qid)
{
	char *src = qmgr_path(from, qid), *dst = qmgr_path(to, qid);
	char *sub;
	int r;

	if ((r = rename(src, dst)) < 0 && errno == ENOENT &&
	    access(src, F_OK) == 0) {
		sub = xasprintf("%s/%c", to, qid_hash(qid));
		if (mkdir(sub, 0700) < 0 && errno != EEXIST)
			log_error("mkdir %s: %m", sub);
		free(sub);
		r = rename(src, dst);
	}
	free(src);
	free(dst);
	return r;
}

/* Move every file of active/ back to incoming/. */
void
qmgr_scan_recover(void)
{
	char sub[sizeof(QDIR_ACTIVE) + 3];
	struct dirent *de;
	const char *hex = "0123456789ABCDEF";
	size_t n = 0;
	DIR *d;
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(sub, sizeof(sub), "%s/%c", QDIR_ACTIVE, hex[i]);
		if ((d = opendir(sub)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (!qid_valid(de->d_name) ||
			    qid_hash(de->d_name) != hex[i])
				continue;
			if (qmgr_move(QDIR_ACTIVE, QDIR_INCOMING,
			    de->d_name) < 0)
				log_error("%s: move %s to %s: %m", de->d_name,
				    QDIR_ACTIVE, QDIR_INCOMING);
			else
				n++;
		}
		closedir(d);
	}
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
	s->sub = 0;
	s->d = NULL;
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
	static const char hex[] = "0123456789ABCDEF";
	char sub[32];
	struct dirent *de;

	while (s->sub < 16) {
		if (s->d == NULL) {
			snprintf(sub, sizeof(sub), "%s/%c", s->dir,
			    hex[s->sub]);
			if ((s->d = opendir(sub)) == NULL) {
				if (errno != ENOENT)
					log_error("opendir %s: %m", sub);
				s->sub++;
				continue;
			}
		}
		while ((de = readdir(s->d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (!qid_valid(de->d_name) ||
			    qid_hash(de->d_name) != hex[s->sub]) {
				qmgr_scan_odd(s->dir, hex[s->sub], de->d_name);
				continue;
			}
			strlcpy(qid, de->d_name, QID_SIZE);
			return 1;
		}
		closedir(s->d);
		s->d = NULL;
		s->sub++;
	}
	return 0;
}

static void
qmgr_scan_end(struct qmgr_scanner *s)
{
	if (s->d != NULL)
		closedir(s->d);
	s->d = NULL;
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
	path = qmgr_path(QDIR_DEFERRED, qid);
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
			if (qmgr_scan_due(qid))
				qmgr_message_load(QDIR_DEFERRED, qid);
		} else
			break;
	}
	if (n == QMGR_SCAN_BATCH && qmgr_room())
		qmgr_sched_kick();	/* more next round */
}
