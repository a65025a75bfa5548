/*
 * NAME
 *	master_status - the status channel between a service's processes
 *	and the master.
 *
 * DESCRIPTION
 *	One SOCK_SEQPACKET socket pair per service generation: the master
 *	keeps both ends (it hands the children's end to each new process
 *	as fd 3) and reads fixed-size records {pid, generation, state}
 *	(lib/server.h), and the last words of a process that dies of a
 *	fatal error. Closing the pair retires the generation: every
 *	process of it sees end of file on fd 3 and exits after its current
 *	client; when the master dies the kernel closes the pair for it.
 *
 * SECURITY
 *	Records are gossip (Postfix's word): one that is short, long, for an
 *	unknown pid or for another generation is dropped, and a good one can
 *	only change the busy/idle count of the service it came from.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "master.h"
#include "printable.h"
#include "server.h"
#include "sock.h"
#include "xmalloc.h"

static uint32_t master_generation;

struct master_child *
master_child_find(pid_t pid)
{
	struct master_child *child;

	TAILQ_FOREACH(child, &master_children, entry)
		if (child->pid == pid)
			return child;
	return NULL;
}

/* Apply one record. */
static void
master_status_record(struct master_service *svc,
    const struct server_status *st)
{
	struct master_child *child;

	child = master_child_find((pid_t)st->pid);
	if (child == NULL || child->svc != svc || child->gen != st->gen ||
	    child->retired) {
		log_debug("service %s: status for unknown process %ld "
		    "generation %u ignored", svc->name, (long)st->pid,
		    st->gen);
		return;
	}
	switch (st->state) {
	case SERVER_STATE_AVAIL:
		if (!child->avail) {
			child->avail = 1;
			svc->avail++;
		}
		break;
	case SERVER_STATE_TAKEN:
		if (child->avail) {
			child->avail = 0;
			svc->avail--;
		}
		child->uses++;
		svc->failures = 0;
		free(svc->why);		/* it works now */
		svc->why = NULL;
		break;
	default:
		log_warn("service %s: process %ld sent unknown state %d",
		    svc->name, (long)st->pid, st->state);
		break;
	}
}

/*
 * Last words: why a process of the service is dying, kept (printable,
 * bounded) for the state file when the service gets throttled.
 */
static void
master_status_lastwords(struct master_service *svc,
    struct server_lastwords *lw)
{
	struct master_child *child;

	child = master_child_find((pid_t)lw->st.pid);
	if (child == NULL || child->svc != svc || child->gen != lw->st.gen)
		return;
	lw->text[sizeof(lw->text) - 1] = '\0';
	printable_fix(lw->text, PRINTABLE_8BIT);
	free(svc->why);
	svc->why = xstrdup(lw->text);
	svc->why_pid = child->pid;
}

static void
master_status_event(int fd, int events, void *arg)
{
	struct master_service *svc = arg;

	(void)fd;
	(void)events;
	master_status_drain(svc);
	master_service_update(svc);
}

void
master_status_drain(struct master_service *svc)
{
	struct server_lastwords lw;
	struct server_status st;
	char buf[sizeof(lw) + 1];
	ssize_t n;
	int fd = svc->status[0];

	if (fd < 0)
		return;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_error("service %s: status channel: %m",
				    svc->name);
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n == sizeof(lw)) {
			memcpy(&lw, buf, sizeof(lw));
			if (lw.st.state == SERVER_STATE_FATAL)
				master_status_lastwords(svc, &lw);
			continue;
		}
		if ((size_t)n != sizeof(st)) {
			log_warn("service %s: status record of %zd bytes "
			    "ignored", svc->name, n);
			continue;
		}
		memcpy(&st, buf, sizeof(st));
		master_status_record(svc, &st);
	}
}

/* A new generation: a fresh channel, counted from zero. */
int
master_status_open(struct master_service *svc)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    svc->status) < 0)
		return -1;
	sock_set_nonblock(svc->status[0], 1);
	svc->gen = ++master_generation;
	svc->total = 0;
	svc->avail = 0;
	if (event_add_fd(master_ev, svc->status[0], EVENT_READ,
	    master_status_event, svc) < 0)
		log_fatal("event_add_fd: %m");
	return 0;
}

/* Retire the generation: its processes finish and exit. */
void
master_status_close(struct master_service *svc)
{
	struct master_child *child;

	TAILQ_FOREACH(child, &master_children, entry) {
		if (child->svc != svc)
			continue;
		child->retired = 1;
		child->svc = NULL;
	}
	if (svc->status[0] >= 0) {
		event_del_fd(master_ev, svc->status[0]);
		close(svc->status[0]);
		close(svc->status[1]);
	}
	svc->status[0] = svc->status[1] = -1;
	svc->total = 0;
	svc->avail = 0;
}
