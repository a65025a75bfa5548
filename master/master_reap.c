/*
 * NAME
 *	master_reap - child exits, crash-loop throttling, and stopping.
 *
 * DESCRIPTION
 *	Every exit is logged: a normal one at debug level, an abnormal one
 *	(non-zero status or a signal) as a warning. A process that exits
 *	abnormally before it ever took a client counts as a bad start;
 *	MASTER_THROTTLE_AFTER bad starts in a row throttle the service: no
 *	new process for service_throttle_time, then one more try (and, if
 *	it fails too, another throttle). Any client served resets the count.
 *
 *	Stopping (SIGTERM/SIGINT): the listen sockets and the status
 *	channels are closed, so idle processes exit at once and busy ones
 *	after their current client; whatever still runs after
 *	master_stop_timeout is killed. The log service goes last, once the
 *	others have exited (master_log.c). The master exits when the last
 *	child is reaped, so no child outlives it.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "master.h"
#include "params.h"
#include "xmalloc.h"

static struct event_timer *master_stop_timer;

/*
 * While stopping: when only the log service is left, it goes too (it
 * writes the last lines, "stopped" among them); when nothing is left,
 * the master exits.
 */
static void
master_stop_progress(void)
{
	static int said;
	struct master_child *child;

	TAILQ_FOREACH(child, &master_children, entry)
		if (!child->log)
			return;
	if (!said) {
		said = 1;
		if (!master_log_stop())
			log_info("stopped");
	}
	if (!TAILQ_EMPTY(&master_children))
		return;
	master_unlock();
	exit(0);
}

static void
master_unthrottle(void *arg)
{
	struct master_service *svc = arg;

	svc->throttle_timer = NULL;
	svc->throttled = 0;
	log_info("service %s/%s: trying again after throttling", svc->name,
	    mastercf_type_name(svc->type));
	master_service_update(svc);
	master_state_write();
}

void
master_throttle(struct master_service *svc)
{
	if (svc->throttled)
		return;
	svc->throttled = 1;
	svc->throttled_until = (long long)time(NULL) +
	    var_service_throttle_time;
	log_warn("service %s/%s (%s): %s keeps failing at startup: "
	    "throttling for %llds%s%s%s", svc->name,
	    mastercf_type_name(svc->type), svc->where, svc->path,
	    var_service_throttle_time, svc->why != NULL ? " (last error: " :
	    "", svc->why != NULL ? svc->why : "", svc->why != NULL ? ")" : "");
	svc->throttle_timer = event_add_timer(master_ev,
	    var_service_throttle_time * 1000, master_unthrottle, svc);
	master_service_update(svc);
	master_state_write();
}

/* Why a process failed at startup, unless it said so itself. */
static void
master_reap_why(struct master_service *svc, pid_t pid, int status)
{
	if (svc->why != NULL && svc->why_pid == pid)
		return;
	free(svc->why);
	svc->why = WIFSIGNALED(status) ? xasprintf("it was killed by signal "
	    "%d", WTERMSIG(status)) : xasprintf("it exited with status %d "
	    "and said nothing", WEXITSTATUS(status));
	svc->why_pid = pid;
}

static void
master_reap_one(struct master_child *child, int status)
{
	struct master_service *svc = child->svc;
	int abnormal, sig = 0;

	abnormal = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (WIFSIGNALED(status))
		sig = WTERMSIG(status);
	if (!abnormal)
		log_debug("process %s pid %ld exited", child->path,
		    (long)child->pid);
	else if (master_stopping && sig == SIGKILL)
		log_info("process %s pid %ld killed on stop", child->path,
		    (long)child->pid);
	else if (sig != 0)
		log_warn("process %s pid %ld killed by signal %d",
		    child->path, (long)child->pid, sig);
	else
		log_warn("process %s pid %ld exit status %d", child->path,
		    (long)child->pid, WEXITSTATUS(status));

	/* what it said before it went (its last words), while it counts */
	if (svc != NULL && abnormal)
		master_status_drain(svc);
	TAILQ_REMOVE(&master_children, child, entry);
	master_log_reaped(child);
	if (svc != NULL) {
		svc->total--;
		if (child->avail)
			svc->avail--;
		if (abnormal && child->uses == 0 && !master_stopping)
			master_reap_why(svc, child->pid, status);
		if (abnormal && child->uses == 0 && !master_stopping &&
		    ++svc->failures >= MASTER_THROTTLE_AFTER)
			master_throttle(svc);
		master_service_update(svc);
		/*
		 * An idle process may have been the one the kernel woke for
		 * a new client (one per client: lib/server_single.c), and
		 * left without it: no other process was told of that client.
		 */
		if (child->avail && !svc->throttled &&
		    !master_stopping && master_listen_pending(svc))
			master_spawn(svc);
	}
	free(child->path);
	free(child);
}

void
master_reap(void)
{
	struct master_child *child;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((child = master_child_find(pid)) == NULL) {
			log_debug("reaped unknown pid %ld", (long)pid);
			continue;
		}
		master_reap_one(child, status);
	}
	if (master_stopping)
		master_stop_progress();
}

void
master_kill_all(int sig)
{
	struct master_child *child;

	TAILQ_FOREACH(child, &master_children, entry)
		kill(child->pid, sig);
}

static void
master_stop_expired(void *arg)
{
	struct master_child *child;
	int n = 0;

	(void)arg;
	master_stop_timer = NULL;
	TAILQ_FOREACH(child, &master_children, entry)
		n++;
	log_warn("%d process(es) still running %llds after stop: killing "
	    "them", n, var_master_stop_timeout);
	master_kill_all(SIGKILL);
}

void
master_stop(void)
{
	struct master_service *svc, *next;

	master_stopping = 1;
	/* every service but the log service, which goes last */
	for (svc = TAILQ_FIRST(&master_services); svc != NULL; svc = next) {
		next = TAILQ_NEXT(svc, entry);
		if (master_log_is_service(svc))
			continue;
		TAILQ_REMOVE(&master_services, svc, entry);
		master_service_free(svc);
	}
	master_stop_progress();
	master_stop_timer = event_add_timer(master_ev,
	    var_master_stop_timeout * 1000, master_stop_expired, NULL);
}
