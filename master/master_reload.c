/*
 * NAME
 *	master_reload - install a service table, at start and on SIGHUP.
 *
 * DESCRIPTION
 *	master_apply() builds the new table beside the running one: first
 *	every listen socket (taking over the running socket with the same
 *	address, else binding a new one); if any fails, what was opened is
 *	closed and the running table stays as it is. Then the running
 *	table is retired as a whole (its processes finish their current
 *	client and exit; sockets no longer wanted are closed, unix socket
 *	files removed) and the new one takes its place, each service with a
 *	new generation. So after a reload every process runs with the new
 *	configuration as soon as it has finished its current client.
 *
 *	A throttled service starts afresh on reload: the admin may have
 *	fixed the cause.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "master.h"
#include "params.h"
#include "xmalloc.h"

/* Is a socket with this key used by the running table? */
static int
master_key_in_use(const char *key)
{
	struct master_service *svc;
	int i;

	TAILQ_FOREACH(svc, &master_services, entry)
		for (i = 0; i < svc->nlisten; i++)
			if (strcmp(svc->listen[i].key, key) == 0)
				return 1;
	return 0;
}

/* Retire a service: not on any list any more. */
void
master_service_free(struct master_service *svc)
{
	int i;

	master_listen_watch(svc, 0);
	master_status_close(svc);
	for (i = 0; i < svc->nlisten; i++)
		if (svc->listen[i].path != NULL &&
		    !master_key_in_use(svc->listen[i].key))
			master_listen_unlink(&svc->listen[i]);
	master_listen_close(svc->listen, svc->nlisten);
	if (svc->throttle_timer != NULL)
		event_del_timer(master_ev, svc->throttle_timer);
	if (svc->wakeup_timer != NULL)
		event_del_timer(master_ev, svc->wakeup_timer);
	for (i = 0; svc->args[i] != NULL; i++)
		free(svc->args[i]);
	free(svc->args);
	free(svc->name);
	free(svc->command);
	free(svc->path);
	free(svc->where);
	free(svc->why);
	free(svc);
}

static struct master_service *
master_service_new(const struct mastercf_entry *e)
{
	struct master_service *svc;
	size_t i, n = 0;

	svc = xcalloc(1, sizeof(*svc));
	svc->name = xstrdup(e->name);
	svc->type = e->type;
	svc->private = e->private;
	svc->unpriv = e->unpriv;
	svc->chroot = e->chroot;
	svc->wakeup = e->wakeup;
	svc->wakeup_if_used = e->wakeup_if_used;
	svc->maxproc = master_conf_maxproc(e);
	svc->command = xstrdup(e->command);
	svc->path = master_conf_path(e->command);
	while (e->args[n] != NULL)
		n++;
	svc->args = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		svc->args[i] = xstrdup(e->args[i]);
	svc->where = xasprintf("%s:%d", e->path, e->line);
	svc->status[0] = svc->status[1] = -1;
	svc->limit_warned = -1;
	return svc;
}

/* Two services of the new table on one address? */
static int
master_apply_dup(struct master_service_list *fresh,
    struct master_service *nsvc, char **err_r)
{
	struct master_service *svc;
	int i, j;

	TAILQ_FOREACH(svc, fresh, entry)
		for (i = 0; i < svc->nlisten; i++)
			for (j = 0; j < nsvc->nlisten; j++)
				if (strcmp(svc->listen[i].key,
				    nsvc->listen[j].key) == 0) {
					*err_r = xasprintf("%s: service \"%s\":"
					    " %s is already used by service "
					    "\"%s\" (%s)", nsvc->where,
					    nsvc->name, nsvc->listen[j].desc,
					    svc->name, svc->where);
					return -1;
				}
	return 0;
}

int
master_apply(struct mastercf *mcf, char **err_r)
{
	struct master_service_list fresh = TAILQ_HEAD_INITIALIZER(fresh);
	struct master_service_list old = TAILQ_HEAD_INITIALIZER(old);
	struct master_service *svc, *osvc;
	size_t i;

	for (i = 0; i < mcf->n; i++) {
		svc = master_service_new(&mcf->entries[i]);
		if (master_listen_open(&mcf->entries[i], &master_services,
		    &svc->listen, &svc->nlisten, err_r) < 0 ||
		    master_apply_dup(&fresh, svc, err_r) < 0) {
			master_service_free(svc);
			goto fail;
		}
		TAILQ_INSERT_TAIL(&fresh, svc, entry);
	}

	/* commit: the running table goes, the new one comes */
	TAILQ_CONCAT(&old, &master_services, entry);
	TAILQ_CONCAT(&master_services, &fresh, entry);
	while ((osvc = TAILQ_FIRST(&old)) != NULL) {
		TAILQ_REMOVE(&old, osvc, entry);
		TAILQ_FOREACH(svc, &master_services, entry)
			if (svc->type == osvc->type &&
			    strcmp(svc->name, osvc->name) == 0)
				svc->used = osvc->used;
		master_service_free(osvc);
	}
	TAILQ_FOREACH(svc, &master_services, entry) {
		if (master_status_open(svc) < 0)
			log_fatal("socketpair: %m");
		master_service_update(svc);
		master_wakeup_arm(svc, 1);
	}
	return 0;

fail:
	while ((svc = TAILQ_FIRST(&fresh)) != NULL) {
		TAILQ_REMOVE(&fresh, svc, entry);
		/* sockets the running table still uses stay */
		master_service_free(svc);
	}
	return -1;
}

void
master_reload(void)
{
	struct master_service *svc;
	struct mastercf *mcf = NULL;
	char *err = NULL;
	int n = 0;

	log_info("reload -- configuration %s", master_confdir);
	if (master_conf_read(&mcf, &err) < 0 ||
	    master_log_prepare(mcf, &err) < 0 ||
	    master_apply(mcf, &err) < 0) {
		master_log_abort();
		if (mcf != NULL)
			mastercf_free(&mcf);
		log_error("%s; keeping the running configuration", err);
		master_state_reload(err);
		free(err);
		return;
	}
	mastercf_free(&mcf);
	master_log_commit();	/* a new maillog_file from here on */
	master_etc_update();
	TAILQ_FOREACH(svc, &master_services, entry)
		n++;
	if (strcmp(var_queue_directory, master_qdir) != 0)
		log_warn("queue_directory changed to %s: the master keeps "
		    "using %s until it is restarted", var_queue_directory,
		    master_qdir);
	master_state_reload(NULL);
	log_info("reloaded: %d service(s)", n);
}
