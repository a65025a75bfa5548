/*
 * event - an epoll event loop with one-shot timers; see event.h.
 *
 * DESCRIPTION
 *	Watched descriptors live in a table indexed by fd. Each watch
 *	carries a generation number that is also stored in the epoll
 *	registration, so an event that epoll reported before a callback
 *	removed or replaced the watch is recognised as stale and dropped
 *	(level-triggered epoll reports it again if it still holds).
 *
 *	Timers sit in a binary min-heap ordered by (deadline, creation
 *	sequence), so timers due at the same millisecond fire in the order
 *	they were added. A timer is taken off the heap before its callback
 *	runs and freed after it returns, so event_del_timer() on the timer
 *	that is firing is harmless. Timers added during a round fire no
 *	earlier than the next round, so a callback that re-arms itself with
 *	a zero delay cannot starve the descriptors.
 *
 * SECURITY
 *	No peer input is parsed here. The invariants that matter are memory
 *	safety when callbacks change the loop under the dispatcher, and
 *	that a signal (EINTR) never looks like a failure.
 *
 *	UNSAFE: the heap is index arithmetic on an array; every index is
 *	checked against the heap size.
 */
#include "config.h"

#include <sys/epoll.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "monotime.h"
#include "xmalloc.h"

#define EVENT_MAXEVENTS	64

struct event_fdwatch {
	event_fd_fn	 fn;		/* NULL: not watched */
	void		*arg;
	int		 events;
	uint32_t	 gen;
};

struct event_timer {
	long long	 when;		/* monotime_ms() deadline */
	unsigned long long seq;		/* creation order */
	event_timer_fn	 fn;
	void		*arg;
	size_t		 idx;		/* EVENT_NOIDX: off the heap */
};

#define EVENT_NOIDX	SIZE_MAX

struct event_loop {
	int		 epfd;
	struct event_fdwatch *fds;
	size_t		 nfds;		/* entries in fds */
	uint32_t	 gen;		/* last generation handed out */

	struct event_timer **heap;
	size_t		 nheap;
	size_t		 capheap;
	unsigned long long seq;		/* next timer sequence number */
	struct event_timer *firing;	/* timer whose callback runs */

	int		 exit;
};

struct event_loop *
event_loop_new(void)
{
	struct event_loop *loop;
	int epfd;

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return NULL;
	loop = xcalloc(1, sizeof(*loop));
	loop->epfd = epfd;
	return loop;
}

void
event_loop_free(struct event_loop **loopp)
{
	struct event_loop *loop = *loopp;
	size_t i;

	if (loop == NULL)
		return;
	for (i = 0; i < loop->nheap; i++)
		free(loop->heap[i]);
	free(loop->heap);
	free(loop->fds);
	close(loop->epfd);
	free(loop);
	*loopp = NULL;
}

/* --- descriptors ------------------------------------------------------ */

static uint32_t
event_epoll_mask(int events)
{
	uint32_t m = 0;

	if (events & EVENT_READ)
		m |= EPOLLIN | EPOLLRDHUP;
	if (events & EVENT_WRITE)
		m |= EPOLLOUT;
	return m;
}

int
event_add_fd(struct event_loop *loop, int fd, int events, event_fd_fn fn,
    void *arg)
{
	struct epoll_event ev;
	struct event_fdwatch *w;
	size_t n;
	int op;

	if (fd < 0 || fn == NULL ||
	    (events & ~(EVENT_READ | EVENT_WRITE)) != 0) {
		errno = fd < 0 ? EBADF : EINVAL;
		return -1;
	}
	if ((size_t)fd >= loop->nfds) {
		n = loop->nfds ? loop->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		loop->fds = xreallocarray(loop->fds, n, sizeof(*loop->fds));
		/* UNSAFE: clear the new tail, entries nfds..n-1 */
		memset(loop->fds + loop->nfds, 0,
		    (n - loop->nfds) * sizeof(*loop->fds));
		loop->nfds = n;
	}
	w = &loop->fds[fd];

	memset(&ev, 0, sizeof(ev));
	ev.events = event_epoll_mask(events);
	if (++loop->gen == 0)
		loop->gen = 1;
	ev.data.u64 = ((uint64_t)loop->gen << 32) | (uint32_t)fd;

	/*
	 * Our table can disagree with the kernel: a descriptor that was
	 * closed without event_del_fd() left epoll by itself, and a dup()
	 * can keep a registration we forgot. Try the other operation once.
	 */
	op = w->fn != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(loop->epfd, op, fd, &ev) < 0) {
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return -1;
		if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
			return -1;
	}
	w->fn = fn;
	w->arg = arg;
	w->events = events;
	w->gen = loop->gen;
	return 0;
}

void
event_del_fd(struct event_loop *loop, int fd)
{
	struct event_fdwatch *w;

	if (fd < 0 || (size_t)fd >= loop->nfds)
		return;
	w = &loop->fds[fd];
	if (w->fn == NULL)
		return;
	/* The fd may already be closed; that removed it from epoll. */
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(w, 0, sizeof(*w));
}

/* --- timers: a min-heap on (when, seq) ------------------------------- */

static int
event_timer_before(const struct event_timer *a, const struct event_timer *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void
event_heap_set(struct event_loop *loop, size_t i, struct event_timer *t)
{
	loop->heap[i] = t;
	t->idx = i;
}

static void
event_heap_up(struct event_loop *loop, size_t i)
{
	struct event_timer *t = loop->heap[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!event_timer_before(t, loop->heap[parent]))
			break;
		event_heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	event_heap_set(loop, i, t);
}

static void
event_heap_down(struct event_loop *loop, size_t i)
{
	struct event_timer *t = loop->heap[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= loop->nheap)
			break;
		if (child + 1 < loop->nheap && event_timer_before(
		    loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!event_timer_before(loop->heap[child], t))
			break;
		event_heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	event_heap_set(loop, i, t);
}

/* Take t off the heap (it stays allocated). */
static void
event_heap_remove(struct event_loop *loop, struct event_timer *t)
{
	size_t i = t->idx;
	struct event_timer *last;

	if (i >= loop->nheap || loop->heap[i] != t)
		log_panic("event: timer %p is not on the heap", (void *)t);
	last = loop->heap[--loop->nheap];
	t->idx = EVENT_NOIDX;
	if (last == t)
		return;
	event_heap_set(loop, i, last);
	if (i > 0 && event_timer_before(last, loop->heap[(i - 1) / 2]))
		event_heap_up(loop, i);
	else
		event_heap_down(loop, i);
}

struct event_timer *
event_add_timer(struct event_loop *loop, long long msec, event_timer_fn fn,
    void *arg)
{
	struct event_timer *t;
	long long now = monotime_ms();

	if (msec < 0)
		msec = 0;
	if (msec > LLONG_MAX - now)
		msec = LLONG_MAX - now;
	t = xcalloc(1, sizeof(*t));
	t->when = now + msec;
	t->seq = loop->seq++;
	t->fn = fn;
	t->arg = arg;
	if (loop->nheap == loop->capheap) {
		loop->capheap = loop->capheap ? loop->capheap * 2 : 16;
		loop->heap = xreallocarray(loop->heap, loop->capheap,
		    sizeof(*loop->heap));
	}
	event_heap_set(loop, loop->nheap++, t);
	event_heap_up(loop, loop->nheap - 1);
	return t;
}

void
event_del_timer(struct event_loop *loop, struct event_timer *t)
{
	if (t == NULL)
		return;
	if (t == loop->firing) {
		/* Freed by the dispatcher when the callback returns. */
		return;
	}
	event_heap_remove(loop, t);
	free(t);
}

long long
event_timer_when(const struct event_timer *t)
{
	return t->when;
}

/* Milliseconds until the first timer is due, capped; -1 when none. */
static int
event_timer_wait(struct event_loop *loop, long long now)
{
	long long d;

	if (loop->nheap == 0)
		return -1;
	d = loop->heap[0]->when - now;
	if (d < 0)
		d = 0;
	if (d > INT_MAX)
		d = INT_MAX;
	return (int)d;
}

/* Fire the timers due at now that existed when the round began. */
static int
event_run_timers(struct event_loop *loop, long long now,
    unsigned long long round_seq)
{
	struct event_timer *t;
	int ran = 0;

	while (loop->nheap > 0) {
		t = loop->heap[0];
		if (t->when > now || t->seq >= round_seq)
			break;
		event_heap_remove(loop, t);
		loop->firing = t;
		t->fn(t->arg);
		loop->firing = NULL;
		free(t);
		ran++;
	}
	return ran;
}

/* --- the loop --------------------------------------------------------- */

static int
event_dispatch(struct event_loop *loop, const struct epoll_event *evs, int n)
{
	struct event_fdwatch *w;
	uint32_t gen;
	int i, fd, events, ran = 0;

	for (i = 0; i < n; i++) {
		fd = (int)(evs[i].data.u64 & 0xffffffffu);
		gen = (uint32_t)(evs[i].data.u64 >> 32);
		if (fd < 0 || (size_t)fd >= loop->nfds)
			continue;
		w = &loop->fds[fd];
		if (w->fn == NULL || w->gen != gen)
			continue;	/* removed or replaced this round */
		events = 0;
		if (evs[i].events &
		    (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			events |= w->events & EVENT_READ;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			events |= w->events & EVENT_WRITE;
		if (events == 0)
			continue;
		w->fn(fd, events, w->arg);
		ran++;
	}
	return ran;
}

int
event_run_once(struct event_loop *loop, int timeout_ms)
{
	struct epoll_event evs[EVENT_MAXEVENTS];
	unsigned long long round_seq;
	long long now, deadline = -1;
	int n, ran, wait, twait;

	now = monotime_ms();
	if (timeout_ms >= 0)
		deadline = now + timeout_ms;
	for (;;) {
		wait = -1;
		if (deadline >= 0)
			wait = deadline > now ? (int)(deadline - now) : 0;
		twait = event_timer_wait(loop, now);
		if (twait >= 0 && (wait < 0 || twait < wait))
			wait = twait;

		n = epoll_wait(loop->epfd, evs, EVENT_MAXEVENTS, wait);
		if (n < 0) {
			if (errno == EINTR)
				return 0;	/* caller checks its flags */
			return -1;
		}
		round_seq = loop->seq;
		now = monotime_ms();
		ran = event_dispatch(loop, evs, n);
		ran += event_run_timers(loop, now, round_seq);
		if (ran > 0 || n > 0)
			return ran;
		if (deadline >= 0 && now >= deadline)
			return 0;
		/* Woke a little before a timer's millisecond: wait again. */
	}
}

void
event_run(struct event_loop *loop)
{
	while (!loop->exit) {
		if (event_run_once(loop, -1) < 0)
			log_panic("event: epoll_wait: %m");
	}
	loop->exit = 0;
}

void
event_loop_exit(struct event_loop *loop)
{
	loop->exit = 1;
}
