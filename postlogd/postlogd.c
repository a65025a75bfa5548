/*
 * NAME
 *	postlogd - turn log records into maillog_file lines.
 *
 * DESCRIPTION
 *	Each datagram is one record (lib/postlog.h). A log-record becomes
 *	one line, written with one write() to the file the master handed
 *	over (opened O_APPEND: the master's own lines, written when the
 *	service cannot take them at once, land between whole lines). The
 *	pid in the line is the sender's as the kernel reports it.
 *
 *	A file-record from the master (its pid: our parent) carries the
 *	file opened anew by a reload: it replaces ours in place (dup2 onto
 *	the same descriptor number), so the lines sent after it go into
 *	the new file. From anyone else it is refused and its descriptor
 *	closed.
 *
 *	A line that cannot be written (disk full, an I/O error) is
 *	counted; the next line that can says how many were lost, and why.
 *
 * SECURITY
 *	Records come from every service, including those facing the
 *	network: a record that breaks the grammar is logged (with the
 *	sender's pid and uid) and dropped, a descriptor that comes with a
 *	log-record is closed, and the text is cleaned of control
 *	characters, so a record can never make more than one line.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "postlog.h"
#include "postlogd.h"
#include "server.h"

static unsigned long postlogd_lost;
static int postlogd_lost_errno;

void
postlogd_check(void)
{
	if (server_log_fd() < 0)
		log_fatal("no log file: postlogd is started by the master, "
		    "and only when maillog_file is set");
}

/* The master sends the file a reload opened: it replaces ours. */
static void
postlogd_new_file(const struct server_dgram_peer *peer, int fd)
{
	struct stat st;

	if (peer->pid != getppid()) {
		log_warn("file record from pid %ld (uid %lu), not from the "
		    "master: ignored", (long)peer->pid,
		    (unsigned long)peer->uid);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd < 0) {
		log_warn("file record from the master without a descriptor");
		return;
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		log_error("file record from the master: not a file to write");
		close(fd);
		return;
	}
	if (dup2(fd, server_log_fd()) < 0)
		log_error("taking over the new log file: %m");
	close(fd);
	log_debug("writing into the log file the master opened anew");
}

static void
postlogd_write(const struct postlog_record *rec, long pid)
{
	char line[POSTLOG_LINE_MAX];
	size_t n;

	n = postlog_line_format(line, sizeof(line), rec->time, var_myhostname,
	    rec->ident, pid, rec->text);
	if (n > 0 && write(server_log_fd(), line, n) == (ssize_t)n) {
		if (postlogd_lost > 0) {
			log_warn("%lu log line(s) lost before this one: "
			    "write error: %s", postlogd_lost,
			    strerror(postlogd_lost_errno));
			postlogd_lost = 0;
		}
		return;
	}
	postlogd_lost++;
	postlogd_lost_errno = n == 0 ? EINVAL : errno;
}

void
postlogd_dgram(const char *buf, size_t len,
    const struct server_dgram_peer *peer, int fd)
{
	struct postlog_record rec;
	const char *err;

	if (postlog_record_parse(buf, len, &rec, &err) < 0) {
		log_warn("bad log record of %zu bytes from pid %ld (uid %lu): "
		    "%s", len, (long)peer->pid, (unsigned long)peer->uid,
		    err);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (rec.type == POSTLOG_FILE) {
		postlogd_new_file(peer, fd);
		return;
	}
	if (fd >= 0) {
		log_warn("log record from pid %ld came with a descriptor: "
		    "closed", (long)peer->pid);
		close(fd);
	}
	postlogd_write(&rec, (long)peer->pid);
}
