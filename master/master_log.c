/*
 * NAME
 *	master_log - maillog_file: the file, the log service's socket pair,
 *	and where the master's own lines go.
 *
 * DESCRIPTION
 *	When maillog_file is set, the master (root) opens it
 *	(lib/maillog.h) and makes one datagram socket pair. The log
 *	service (the master.cf service named postlog_service_name, of type
 *	unix-dgram; postlogd) gets the reading end as its listen socket and
 *	the file as its -l descriptor; every other process the master
 *	starts gets the sending end as its -l descriptor. So every process
 *	can log, whatever its uid and its chroot: a jailed process needs no
 *	path to the service, and the records of processes that start
 *	before the service (or while it restarts) wait in the socket. The
 *	master sends its own lines the same way, so that cause and effect
 *	stay in order, without ever waiting: when the socket is full it
 *	writes the line into the file itself.
 *
 *	Rotation: a reload opens maillog_file anew and sends the new
 *	descriptor down the same socket (a file-record, lib/postlog.h);
 *	postlogd writes every record after it into the new file. A
 *	retired postlogd serves what is queued before it exits, and the
 *	next one starts only after it has exited: one reader at a time
 *	keeps the records in order, so no line sent after the reload can
 *	land in the old file, and none is lost.
 *
 *	Stopping: the log service goes last. When every other process has
 *	exited, the master says "stopped" and retires it; it writes what
 *	is queued and exits, then the master exits.
 *
 *	The sending end has SO_SNDTIMEO POSTLOG_SEND_TIMEOUT (a service
 *	waits that long for a stuck log service, see lib/log.h) and a
 *	large send buffer; the reading end has SO_PASSCRED before anyone
 *	can send, so postlogd learns every sender's pid from the kernel.
 *
 * SECURITY
 *	The file is opened by root after the checks of lib/maillog.h; the
 *	log service runs as log_owner, which no other service may use.
 *	The master never reads the socket: it only sends.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "maillog.h"
#include "master.h"
#include "params.h"
#include "postlog.h"
#include "priv.h"
#include "xmalloc.h"

#define MASTER_LOG_SNDBUF	(4 * 1024 * 1024)

static int master_log_file = -1;	/* maillog_file, in use */
static int master_log_next = -1;	/* opened by a reload, not yet in use */
static int master_log_pair[2] = { -1, -1 };	/* [0] read, [1] send */
static int master_log_wanted;		/* maillog_file set (after prepare) */
static int master_log_no_stderr;	/* detached: stderr is /dev/null */

int
master_log_is_service(const struct master_service *svc)
{
	return svc->type == MASTERCF_UNIX_DGRAM &&
	    strcmp(svc->name, var_postlog_service_name) == 0;
}

struct master_service *
master_log_service(void)
{
	struct master_service *svc;

	TAILQ_FOREACH(svc, &master_services, entry)
		if (master_log_is_service(svc))
			return svc;
	return NULL;
}

/* What main.cf and master.cf must say; 0 or -1 and *err_r. */
static int
master_log_check(const struct mastercf *mcf, char **err_r)
{
	struct priv_user pu;
	const char *why;

	if (maillog_conf_check(mcf, err_r) < 0)
		return -1;
	if (*var_maillog_file != '\0' && geteuid() == 0 &&
	    priv_lookup(var_log_owner, &pu, &why) < 0) {
		*err_r = xasprintf("log_owner \"%s\": %s; create it with: "
		    "useradd --system --home-dir /nonexistent --no-create-home "
		    "--shell /usr/sbin/nologin %s", var_log_owner, why,
		    var_log_owner);
		return -1;
	}
	if (strcmp(var_maillog_file, MAILLOG_STDOUT) == 0 &&
	    !master_foreground) {
		*err_r = xasprintf("maillog_file = %s works only with a master "
		    "in the foreground (postern start -f): a detached master "
		    "has no standard output", MAILLOG_STDOUT);
		return -1;
	}
	return 0;
}

int
master_log_prepare(const struct mastercf *mcf, char **err_r)
{
	master_log_abort();
	if (master_log_check(mcf, err_r) < 0)
		return -1;
	master_log_wanted = *var_maillog_file != '\0';
	if (!master_log_wanted)
		return 0;
	master_log_next = maillog_open(var_maillog_file,
	    var_maillog_file_prefixes, err_r);
	return master_log_next < 0 ? -1 : 0;
}

void
master_log_abort(void)
{
	if (master_log_next >= 0)
		close(master_log_next);
	master_log_next = -1;
	master_log_wanted = master_log_file >= 0;
}

/* The socket pair, made once; a failure here is a system failure. */
static void
master_log_pair_make(void)
{
	struct timeval tv;
	int on = 1, size = MASTER_LOG_SNDBUF;

	if (master_log_pair[0] >= 0)
		return;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
	    master_log_pair) < 0)
		log_fatal("socketpair for the log service: %m");
	if (setsockopt(master_log_pair[0], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)) < 0)
		log_fatal("setsockopt SO_PASSCRED: %m");
	/* root may pass net.core.wmem_max; others get what it allows */
	if (setsockopt(master_log_pair[1], SOL_SOCKET, SO_SNDBUFFORCE, &size,
	    sizeof(size)) < 0)
		(void)setsockopt(master_log_pair[1], SOL_SOCKET, SO_SNDBUF,
		    &size, sizeof(size));
	tv.tv_sec = POSTLOG_SEND_TIMEOUT;
	tv.tv_usec = 0;
	if (setsockopt(master_log_pair[1], SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)) < 0)
		log_fatal("setsockopt SO_SNDTIMEO: %m");
}

int
master_log_listen(const struct mastercf_entry *e, struct master_listener *l)
{
	memset(l, 0, sizeof(*l));
	master_log_pair_make();
	if ((l->fd = fcntl(master_log_pair[0], F_DUPFD_CLOEXEC, 0)) < 0)
		log_fatal("dup: %m");
	l->key = xasprintf("unix-dgram:%s", e->name);
	l->desc = xasprintf("a socket pair for %s", var_maillog_file);
	return 0;
}

int
master_log_active(void)
{
	return master_log_wanted;
}

/* The master's own lines: where do they go now? */
static void
master_log_where(void)
{
	if (master_log_file >= 0) {
		log_init("master", LOG_TO_MAILLOG);
		log_set_maillog(master_log_pair[1], master_log_file,
		    var_myhostname);
	} else if (master_foreground)
		log_init("master", LOG_TO_STDERR);
	else
		log_init("master", master_log_no_stderr ? LOG_TO_SYSLOG :
		    LOG_TO_SYSLOG | LOG_TO_STDERR);
}

void
master_log_commit(void)
{
	if (master_log_next >= 0) {
		/* a reload: the service writes what follows into the new file */
		if (master_log_file >= 0 && master_log_pair[1] >= 0 &&
		    fdpass_send(master_log_pair[1], "F", 1, master_log_next,
		    0) < 0)
			log_warn("the log service is behind (%m): lines sent "
			    "before it has caught up may still go to the old "
			    "file");
		if (master_log_file >= 0)
			close(master_log_file);
		master_log_file = master_log_next;
		master_log_next = -1;
	} else if (!master_log_wanted && master_log_file >= 0) {
		close(master_log_file);
		master_log_file = -1;
	}
	if (master_log_file < 0 && master_log_pair[0] >= 0) {
		close(master_log_pair[0]);
		close(master_log_pair[1]);
		master_log_pair[0] = master_log_pair[1] = -1;
	}
	master_log_where();
}

void
master_log_detached(void)
{
	master_log_no_stderr = 1;
	master_log_where();
}

int
master_log_fd_for(const struct master_service *svc)
{
	if (master_log_file < 0)
		return -1;
	return master_log_is_service(svc) ? master_log_file :
	    master_log_pair[1];
}

int
master_log_may_spawn(const struct master_service *svc)
{
	struct master_child *child;

	if (!master_log_is_service(svc))
		return 1;
	TAILQ_FOREACH(child, &master_children, entry)
		if (child->log && child->retired)
			return 0;	/* one reader at a time */
	return 1;
}

void
master_log_reaped(const struct master_child *child)
{
	struct master_service *svc;

	if (child->log && child->retired && (svc = master_log_service()) !=
	    NULL)
		master_service_update(svc);
}

int
master_log_stop(void)
{
	struct master_service *svc = master_log_service();

	if (svc == NULL || svc->nlisten == 0) {
		log_info("stopped");
		if (svc == NULL)
			return 0;
	} else {
		if (svc->total == 0 && !svc->throttled &&
		    master_listen_pending(svc))
			master_spawn(svc);	/* someone must write what waits */
		if (svc->total == 0)	/* nobody will read: write it here */
			log_set_maillog(-1, master_log_file, var_myhostname);
		log_info("stopped");
	}
	TAILQ_REMOVE(&master_services, svc, entry);
	master_service_free(svc);
	return 1;
}
