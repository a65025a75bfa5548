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
 *
 * SECURITY
 *	Root creates pid/ (0755) in the queue directory; files are opened
 *	with O_NOFOLLOW.
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

#include "log.h"
#include "master.h"
#include "vbuf.h"
#include "xmalloc.h"

static int master_lock_fd = -1;
static char *master_pid_path;
static char *master_state_path;
static int master_reloads;
static char *master_reload_error;

void
master_lock(void)
{
	char *dir, buf[32], text[32];
	ssize_t n;

	dir = xasprintf("%s/pid", master_qdir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %m", dir);
	master_pid_path = xasprintf("%s/master.pid", dir);
	master_state_path = xasprintf("%s/master.state", dir);
	free(dir);
	master_lock_fd = open(master_pid_path, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0644);
	if (master_lock_fd < 0)
		log_fatal("open %s: %m", master_pid_path);
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
	char *tmp;
	int fd, i;

	if (master_state_path == NULL)
		return;
	b = vbuf_new(1024, VBUF_NOLIMIT);
	vbuf_appendf(b, "pid %ld\nreloads %d\n", (long)getpid(),
	    master_reloads);
	if (master_reload_error != NULL)
		vbuf_appendf(b, "reload_error %s\n", master_reload_error);
	TAILQ_FOREACH(svc, &master_services, entry)
		for (i = 0; i < svc->nlisten; i++)
			vbuf_appendf(b, "listen %s/%s %s\n", svc->name,
			    mastercf_type_name(svc->type),
			    svc->listen[i].desc);
	tmp = xasprintf("%s.tmp", master_state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0)
		log_error("open %s: %m", tmp);
	else if (write(fd, vbuf_str(b), vbuf_len(b)) != (ssize_t)vbuf_len(b)) {
		log_error("write %s: %m", tmp);
		close(fd);
	} else if (close(fd) < 0 || rename(tmp, master_state_path) < 0)
		log_error("write %s: %m", master_state_path);
	free(tmp);
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
	unlink(master_state_path);
	unlink(master_pid_path);
	close(master_lock_fd);
	master_lock_fd = -1;
}
