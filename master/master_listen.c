/*
 * NAME
 *	master_listen - the listen sockets: inet on inet_interfaces, unix
 *	under queue_directory/private and public (and the log service's
 *	socket pair, master_log.c).
 *
 * DESCRIPTION
 *	Each socket has a key ("inet:HOST:PORT", "unix:PATH"). On reload a
 *	socket whose key is still wanted is kept: the new service gets a
 *	dup() of the old descriptor, so no connection is refused while the
 *	table is replaced and a failed reload can close what it opened
 *	without touching the running sockets.
 *
 *	private/ is mode 0700 and owned by mail_owner: only the services
 *	(and root) can reach the sockets in it. public/ is 0755 and root's:
 *	anyone may connect (local submission), and the service learns who
 *	from SO_PEERCRED.
 *
 * SECURITY
 *	Paths come from master.cf service names, which lib/mastercf limits
 *	to plain names. Root acts by name only in directories that only
 *	root can write (the queue directory, checked at start, and
 *	public/). private/ belongs to mail_owner, so its sockets are made
 *	and removed by a child process running as mail_owner
 *	(sock_listen_unix_as): whatever a mail_owner process renames into
 *	private/, no step taken as root follows it. The directories
 *	themselves are made and given their owner and mode through
 *	descriptors (lib/fsat).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fsat.h"
#include "log.h"
#include "master.h"
#include "monotime.h"
#include "params.h"
#include "priv.h"
#include "server.h"
#include "sock.h"
#include "xmalloc.h"

static void master_listen_event(int, int, void *);

/* private/ and public/: descriptors, and who makes sockets in private/ */
static int master_listen_privfd = -1;
static int master_listen_pubfd = -1;
static struct priv_user master_listen_owner;
static const struct priv_user *master_listen_as;	/* NULL: not root */

/* A directory for sockets, with the owner and mode it must have. */
static int
master_listen_dir(const char *name, mode_t mode, const struct priv_user *pu)
{
	char *err;
	int fd;

	fd = fsat_mkdir(AT_FDCWD, name, mode, pu != NULL ? pu->uid : geteuid(),
	    pu != NULL ? pu->gid : getegid(), &err);
	if (fd < 0)
		log_fatal("%s/%s", master_qdir, err);
	return fd;
}

void
master_listen_dirs(void)
{
	const char *err;

	if (geteuid() == 0) {
		if (priv_lookup(var_mail_owner, &master_listen_owner,
		    &err) < 0)
			log_fatal("mail_owner %s: %s", var_mail_owner, err);
		master_listen_as = &master_listen_owner;
	}
	master_listen_privfd = master_listen_dir("private", 0700,
	    master_listen_as);
	master_listen_pubfd = master_listen_dir("public", 0755, NULL);
	/* the jail of SERVER_FLAG_JAIL_EMPTY services: nobody writes here */
	close(master_listen_dir(SERVER_EMPTY_DIR, 0555, NULL));
}

/* Remove the socket file of a listener that is no longer wanted. */
void
master_listen_unlink(const struct master_listener *l)
{
	char *err = NULL;
	int r;

	if (l->name == NULL)
		return;
	if (l->private)
		r = sock_unlink_unix_as(master_listen_privfd, l->name,
		    master_listen_as, &err);
	else
		r = fsat_unlink_stale(master_listen_pubfd, l->name, &err);
	if (r < 0)
		log_warn("remove %s: %s", l->path, err);
	free(err);
}

/* Find a socket with this key in the running table; -1 if none. */
static int
master_listen_find(struct master_service_list *old, const char *key)
{
	struct master_service *svc;
	int i;

	if (old == NULL)
		return -1;
	TAILQ_FOREACH(svc, old, entry)
		for (i = 0; i < svc->nlisten; i++)
			if (svc->listen[i].fd >= 0 &&
			    strcmp(svc->listen[i].key, key) == 0)
				return svc->listen[i].fd;
	return -1;
}

/* Open (or take over) one socket. */
static int
master_listen_one(struct master_service_list *old,
    const struct mastercf_entry *e, const char *host,
    struct master_listener *l, char **err_r)
{
	int fd;

	memset(l, 0, sizeof(*l));
	if (e->type == MASTERCF_UNIX) {
		l->name = xstrdup(e->name);
		l->private = e->private;
		l->path = xasprintf("%s/%s/%s", master_qdir,
		    e->private ? "private" : "public", e->name);
		l->key = xasprintf("unix:%s", l->path);
		l->desc = xstrdup(l->path);
	} else {
		l->key = xasprintf("inet:%s:%s", host ? host : "*", e->port);
		if (host != NULL && strchr(host, ':') != NULL)
			l->desc = xasprintf("[%s]:%s", host, e->port);
		else
			l->desc = xasprintf("%s:%s", host ? host : "*",
			    e->port);
	}
	if ((fd = master_listen_find(old, l->key)) >= 0) {
		if ((l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
			log_fatal("dup: %m");
		return 0;
	}
	if (e->type == MASTERCF_UNIX)
		fd = sock_listen_unix_as(e->private ? master_listen_privfd :
		    master_listen_pubfd, e->name, 0666, MASTER_BACKLOG,
		    e->private ? master_listen_as : NULL, err_r);
	else
		fd = sock_listen_inet(host, e->port, MASTER_BACKLOG, err_r);
	if (fd < 0) {
		char *why = *err_r;

		*err_r = xasprintf("%s:%d: service \"%s\": listen on %s: %s",
		    e->path, e->line, e->name, l->desc, why);
		free(why);
		l->fd = -1;
		return -1;
	}
	sock_set_cloexec(fd, 1);
	l->fd = fd;
	log_debug("listening on %s for %s/%s", l->desc, e->name,
	    mastercf_type_name(e->type));
	return 0;
}

/* The hosts an inet service listens on: its own, or inet_interfaces. */
static char **
master_listen_hosts(const struct mastercf_entry *e)
{
	char **list, **v;
	size_t i, n = 0;

	v = xcalloc(2, sizeof(char *));
	if (e->host != NULL) {
		v[0] = xstrdup(e->host);
		return v;
	}
	list = params_list(var_inet_interfaces);
	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], "all") == 0) {
			params_list_free(list);
			free(v[0]);
			v[0] = NULL;	/* NULL host: all addresses */
			return v;
		}
		v = xreallocarray(v, n + 2, sizeof(char *));
		v[n++] = xstrdup(strcmp(list[i], "loopback-only") == 0 ?
		    "127.0.0.1" : list[i]);
		v[n] = NULL;
	}
	params_list_free(list);
	if (n == 0)
		v[0] = NULL;
	return v;
}

int
master_listen_open(const struct mastercf_entry *e,
    struct master_service_list *old, struct master_listener **ls_r,
    int *n_r, char **err_r)
{
	struct master_listener *ls;
	char **hosts;
	int i, n = 0, r = 0;

	if (e->type == MASTERCF_UNIX_DGRAM) {
		/* the log service; without maillog_file it has no socket */
		*n_r = master_log_active() ? 1 : 0;
		*ls_r = NULL;
		if (*n_r > 0) {
			*ls_r = xcalloc(1, sizeof(**ls_r));
			master_log_listen(e, *ls_r);
		}
		return 0;
	}
	hosts = e->type == MASTERCF_INET ? master_listen_hosts(e) : NULL;
	if (hosts == NULL || hosts[0] == NULL)
		n = 1;
	else
		while (hosts[n] != NULL)
			n++;
	if (n > SERVER_LISTEN_MAX) {
		*err_r = xasprintf("%s:%d: service \"%s\": more than %d "
		    "addresses in inet_interfaces", e->path, e->line, e->name,
		    SERVER_LISTEN_MAX);
		for (i = 0; hosts[i] != NULL; i++)
			free(hosts[i]);
		free(hosts);
		*ls_r = NULL;
		*n_r = 0;
		return -1;
	}
	ls = xcalloc((size_t)n, sizeof(*ls));
	for (i = 0; i < n && r == 0; i++) {
		r = master_listen_one(old, e, hosts ? hosts[i] : NULL,
		    &ls[i], err_r);
		if (r < 0) {
			master_listen_close(ls, i + 1);
			ls = NULL;
		}
	}
	if (hosts != NULL) {
		for (i = 0; hosts[i] != NULL; i++)
			free(hosts[i]);
		free(hosts);
	}
	*ls_r = ls;
	*n_r = r < 0 ? 0 : n;
	return r;
}

/* Close sockets (their files stay: master_listen_unlink). */
void
master_listen_close(struct master_listener *ls, int n)
{
	int i;

	if (ls == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (ls[i].fd >= 0) {
			event_del_fd(master_ev, ls[i].fd);
			close(ls[i].fd);
		}
		free(ls[i].name);
		free(ls[i].key);
		free(ls[i].desc);
		free(ls[i].path);
	}
	free(ls);
}

/* Watch the service's sockets for clients (on) or stop (off). */
void
master_listen_watch(struct master_service *svc, int on)
{
	int i;

	if (svc->listening == on)
		return;
	for (i = 0; i < svc->nlisten; i++) {
		if (on) {
			if (event_add_fd(master_ev, svc->listen[i].fd,
			    EVENT_READ, master_listen_event, svc) < 0)
				log_fatal("event_add_fd: %m");
		} else
			event_del_fd(master_ev, svc->listen[i].fd);
	}
	svc->listening = on;
}

int
master_listen_pending(const struct master_service *svc)
{
	struct pollfd pfd;
	int i;

	for (i = 0; i < svc->nlisten; i++) {
		pfd.fd = svc->listen[i].fd;
		pfd.events = POLLIN;
		if (pfd.fd >= 0 && poll(&pfd, 1, 0) > 0 &&
		    (pfd.revents & POLLIN))
			return 1;
	}
	return 0;
}

/*
 * A client waits and no process of the service is idle: start one,
 * unless the service is at its process limit.
 */
static void
master_listen_event(int fd, int events, void *arg)
{
	struct master_service *svc = arg;
	long long now;

	(void)fd;
	(void)events;
	if (svc->avail > 0 || svc->throttled || master_stopping) {
		master_service_update(svc);
		return;
	}
	if (svc->maxproc > 0 && svc->total >= svc->maxproc) {
		now = monotime_ms();
		if (svc->maxproc > 1 && (svc->limit_warned < 0 ||
		    now - svc->limit_warned >= MASTER_LIMIT_WARN_MS)) {
			log_warn("service \"%s\" (%s) has reached its process "
			    "limit \"%d\": new clients may see delays",
			    svc->name, svc->where, svc->maxproc);
			svc->limit_warned = now;
		}
		svc->saturated = 1;
		master_listen_watch(svc, 0);
		return;
	}
	master_spawn(svc);
}
