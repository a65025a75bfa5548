/*
 * NAME
 *	master_lock - the instance lock, the pid file and the state file.
 *
 * DESCRIPTION
 *	queue_directory/pid/master.pid holds the master's pid and is
 *	flock()ed exclusively for as long as the master runs: a second
 *	master on the same queue directory cannot take the lock and
 *	refuses, and `postern status` tells a live master from a stale pid
 *	file by trying the same lock. The descriptor is close-on-exec, so
 *	no service process ever holds the lock.
 *
 *	queue_directory/pid/master.state (written atomically) tells
 *	`postern status` and `postern reload` what runs:
 *	  pid N
 *	  reloads N
 *	  reload_error TEXT		(after a refused reload)
 *	  listen SERVICE/TYPE ADDRESS	(one line per socket)
 *	  throttled SERVICE/TYPE UNTIL WHY
 *		a service that keeps failing at startup, until the time
 *		UNTIL (seconds since the epoch), and its last error
 *
 * SECURITY
 *	Root creates pid/ (0755, its own) in the queue directory, which only
 *	root can write (main.c checks that); every file in it is reached
 *	through pid/'s descriptor and must be a plain file of ours (lib/fsat).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsat.h"
#include "log.h"
#include "master.h"
#include "vbuf.h"
#include "xmalloc.h"

#define MASTER_PID_FILE		"master.pid"
#define MASTER_STATE_FILE	"master.state"
#define MASTER_STATE_TMP	"master.state.tmp"

static int master_pid_dfd = -1;
static int master_lock_fd = -1;
static char *master_pid_path;
static int master_reloads;
static char *master_reload_error;

void
master_lock(void)
{
	char buf[32], text[32], *err;
	ssize_t n;

	if ((master_pid_dfd = fsat_mkdir(AT_FDCWD, "pid", 0755, geteuid(),
	    getegid(), &err)) < 0)
		log_fatal("%s/%s", master_qdir, err);
	master_pid_path = xasprintf("%s/pid/%s", master_qdir,
	    MASTER_PID_FILE);
	master_lock_fd = fsat_open(master_pid_dfd, MASTER_PID_FILE,
	    O_RDWR | O_CREAT, 0644, geteuid(), &err);
	if (master_lock_fd < 0)
		log_fatal("%s/pid/%s", master_qdir, err);
	if (flock(master_lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			log_fatal("lock %s: %m", master_pid_path);
		n = read(master_lock_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_fatal("the master is already running (pid %s): %s is "
		    "locked", buf[0] != '\0' ? buf : "unknown",
		    master_pid_path);
	}
	snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(master_lock_fd, 0) < 0 ||
	    pwrite(master_lock_fd, text, strlen(text), 0) !=
	    (ssize_t)strlen(text))
		log_fatal("write %s: %m", master_pid_path);
}

void
master_state_write(void)
{
	struct master_service *svc;
	struct vbuf *b;
	char *err;
	int fd, i;

	if (master_pid_dfd < 0)
		return;
	b = vbuf_new(1024, VBUF_NOLIMIT);
	vbuf_appendf(b, "pid %ld\nreloads %d\n", (long)getpid(),
	    master_reloads);
	if (master_reload_error != NULL)
		vbuf_appendf(b, "reload_error %s\n", master_reload_error);
	TAILQ_FOREACH(svc, &master_services, entry) {
		for (i = 0; i < svc->nlisten; i++)
			vbuf_appendf(b, "listen %s/%s %s\n", svc->name,
			    mastercf_type_name(svc->type),
			    svc->listen[i].desc);
		if (svc->throttled)
			vbuf_appendf(b, "throttled %s/%s %lld %s\n", svc->name,
			    mastercf_type_name(svc->type),
			    svc->throttled_until, svc->why != NULL ? svc->why :
			    "no reason known");
	}
	fd = fsat_open(master_pid_dfd, MASTER_STATE_TMP, O_WRONLY | O_CREAT |
	    O_TRUNC, 0644, geteuid(), &err);
	if (fd < 0) {
		log_error("%s/pid/%s", master_qdir, err);
		free(err);
	} else if (write(fd, vbuf_str(b), vbuf_len(b)) != (ssize_t)vbuf_len(b)) {
		log_error("write %s/pid/%s: %m", master_qdir, MASTER_STATE_TMP);
		close(fd);
	} else if (close(fd) < 0 || renameat(master_pid_dfd, MASTER_STATE_TMP,
	    master_pid_dfd, MASTER_STATE_FILE) < 0)
		log_error("write %s/pid/%s: %m", master_qdir,
		    MASTER_STATE_FILE);
	vbuf_free(&b);
}

/* After a reload: NULL for success, else why it was refused. */
void
master_state_reload(const char *err)
{
	master_reloads++;
	free(master_reload_error);
	master_reload_error = err != NULL ? xstrdup(err) : NULL;
	master_state_write();
}

void
master_unlock(void)
{
	if (master_lock_fd < 0 || getpid() != master_pid)
		return;
	(void)unlinkat(master_pid_dfd, MASTER_STATE_FILE, 0);
	(void)unlinkat(master_pid_dfd, MASTER_PID_FILE, 0);
	close(master_lock_fd);
	master_lock_fd = -1;
}
