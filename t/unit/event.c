/* Unit tests for lib/event: timers, fd events, changes from callbacks. */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "monotime.h"
#include "tap.h"

static struct event_loop *loop;

static void
xwrite(int fd, const char *s, size_t n)
{
	if (write(fd, s, n) != (ssize_t)n)
		bail_out("write: %s", strerror(errno));
}

static void
drain(int fd)
{
	char buf[256];

	if (read(fd, buf, sizeof(buf)) < 0 && errno != EAGAIN)
		bail_out("read: %s", strerror(errno));
}

/* --- timers fire in order --------------------------------------------- */

static char order[64];

static void
mark(void *arg)
{
	size_t n = strlen(order);

	if (n + 1 < sizeof(order)) {
		order[n] = *(const char *)arg;
		order[n + 1] = '\0';
	}
}

/* Run rounds until want timers have fired (bounded). */
static void
run_until(size_t want)
{
	int rounds = 0;

	while (strlen(order) < want && rounds++ < 1000)
		if (event_run_once(loop, 2000) < 0)
			bail_out("event_run_once: %s", strerror(errno));
}

static void
test_order(void)
{
	struct event_timer *t[5];
	static char names[] = "abcde";
	static const long long delay[] = { 30, 10, 20, 10, 0 };
	char want[6];
	int i, j, best;
	int used[5] = { 0 };

	order[0] = '\0';
	for (i = 0; i < 5; i++)
		t[i] = event_add_timer(loop, delay[i], mark, (void *)&names[i]);
	/* expected: by due time, then by the order added */
	for (i = 0; i < 5; i++) {
		best = -1;
		for (j = 0; j < 5; j++) {
			if (used[j])
				continue;
			if (best < 0 ||
			    event_timer_when(t[j]) < event_timer_when(t[best]))
				best = j;
		}
		used[best] = 1;
		want[i] = names[best];
	}
	want[5] = '\0';
	run_until(5);
	is_str(order, want, "timers fire by due time, ties in order added");
}

/* --- many timers: the heap stays ordered through deletions ------------ */

#define NT 300
static struct event_timer *many[NT];
static long long many_when[NT];
static int many_fired[NT], fired_seq[NT], nfired;

static void
many_cb(void *arg)
{
	int i = (int)(long)arg;

	many_fired[i]++;
	fired_seq[nfired++] = i;
}

static void
test_heap(void)
{
	unsigned int seed = 12345;
	int i, bad_order = 0, bad_fire = 0, rounds = 0, want = 0;

	nfired = 0;
	for (i = 0; i < NT; i++) {
		seed = seed * 1103515245u + 12345u;
		many[i] = event_add_timer(loop, (seed >> 16) % 40, many_cb,
		    (void *)(long)i);
		many_when[i] = event_timer_when(many[i]);
	}
	for (i = 0; i < NT; i += 3)
		event_del_timer(loop, many[i]);
	for (i = 0; i < NT; i++)
		if (i % 3 != 0)
			want++;
	while (nfired < want && rounds++ < 1000)
		event_run_once(loop, 2000);
	is_int(nfired, want, "every timer not deleted fired");
	for (i = 0; i < NT; i++)
		if (many_fired[i] != (i % 3 == 0 ? 0 : 1))
			bad_fire++;
	is_int(bad_fire, 0, "deleted timers never fire, others once");
	for (i = 1; i < nfired; i++) {
		int a = fired_seq[i - 1], b = fired_seq[i];

		if (many_when[a] > many_when[b] ||
		    (many_when[a] == many_when[b] && a > b))
			bad_order++;
	}
	is_int(bad_order, 0, "fired in (due time, insertion) order");
}

/* --- callbacks that change timers ------------------------------------- */

static struct event_timer *victim, *self;
static int victim_ran, killer_ran, self_ran, late_ran, rearm_count;

static void
victim_cb(void *arg)
{
	(void)arg;
	victim_ran++;
}

static void
killer_cb(void *arg)
{
	(void)arg;
	killer_ran++;
	event_del_timer(loop, victim);
	victim = NULL;
}

static void
self_cb(void *arg)
{
	(void)arg;
	self_ran++;
	event_del_timer(loop, self);	/* the firing timer: harmless */
	self = NULL;
}

static void
late_cb(void *arg)
{
	(void)arg;
	late_ran++;
}

static void
adder_cb(void *arg)
{
	(void)arg;
	event_add_timer(loop, 0, late_cb, NULL);
}

static void
rearm_cb(void *arg)
{
	(void)arg;
	if (++rearm_count < 5)
		event_add_timer(loop, 0, rearm_cb, NULL);
}

static void
test_timer_changes(void)
{
	int i, r, most;

	/* the victim is due at the same time: deleted before its turn */
	event_add_timer(loop, 5, killer_cb, NULL);
	victim = event_add_timer(loop, 5, victim_cb, NULL);
	for (i = 0; i < 100 && killer_ran == 0; i++)
		event_run_once(loop, 1000);
	is_int(killer_ran, 1, "killer timer fired");
	is_int(event_run_once(loop, 30), 0, "nothing else was pending");
	is_int(victim_ran, 0, "timer deleted from another's callback never "
	    "fires");

	self = event_add_timer(loop, 0, self_cb, NULL);
	for (i = 0; i < 100 && self_ran == 0; i++)
		event_run_once(loop, 1000);
	is_int(self_ran, 1, "a timer may delete itself while firing");
	ok(self == NULL, "and its slot was cleared by the callback");

	event_add_timer(loop, 0, adder_cb, NULL);
	for (i = 0; i < 100; i++)
		if (event_run_once(loop, 1000) > 0)
			break;
	is_int(late_ran, 0, "a zero-delay timer added by a callback waits "
	    "for the next round");
	is_int(event_run_once(loop, 1000), 1, "the next round runs it");
	is_int(late_ran, 1, "late timer ran once");

	event_add_timer(loop, 0, rearm_cb, NULL);
	for (i = 0, most = 0; i < 100 && rearm_count < 5; i++) {
		r = event_run_once(loop, 1000);
		if (r > most)
			most = r;
	}
	is_int(rearm_count, 5, "re-armed timer ran 5 times");
	is_int(most, 1, "a timer re-armed with delay 0 runs once per round");

	event_del_timer(loop, NULL);
	ok(1, "deleting a NULL timer is a no-op");
}

/* --- descriptors ------------------------------------------------------ */

struct fdrec {
	int	fd;
	int	calls;
	int	events;
	int	other;		/* fd the callback unwatches, or -1 */
};

static void
fd_cb(int fd, int events, void *arg)
{
	struct fdrec *r = arg;
	char buf[16];
	ssize_t n;

	r->calls++;
	r->events = events;
	if (r->other >= 0)
		event_del_fd(loop, r->other);
	if (events & EVENT_READ) {
		n = read(fd, buf, sizeof(buf));
		(void)n;
	}
}

static void
selfclose_cb(int fd, int events, void *arg)
{
	struct fdrec *r = arg;

	(void)events;
	r->calls++;
	event_del_fd(loop, fd);
	close(fd);
}

static void
test_fds(void)
{
	struct fdrec a = { -1, 0, 0, -1 }, b = { -1, 0, 0, -1 };
	struct fdrec c = { -1, 0, 0, -1 };
	int p1[2], p2[2], sp[2], fd;
	char path[512];

	if (pipe2(p1, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(p2, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		bail_out("pipe: %s", strerror(errno));

	is_int(event_add_fd(loop, p1[0], EVENT_READ, fd_cb, &a), 0,
	    "watch a pipe for reading");
	is_int(event_run_once(loop, 0), 0, "nothing readable: no callback");
	is_int(a.calls, 0, "callback not called");
	xwrite(p1[1], "x", 1);
	is_int(event_run_once(loop, 1000), 1, "readable: one callback");
	is_int(a.calls, 1, "callback called once");
	is_int(a.events, EVENT_READ, "with EVENT_READ");

	/* level-triggered: unread data is reported again */
	xwrite(p1[1], "0123456789abcdefXYZ", 19);
	event_run_once(loop, 1000);
	is_int(event_run_once(loop, 1000), 1, "data left unread: called again");

	/* deleting a watch */
	xwrite(p1[1], "y", 1);
	event_del_fd(loop, p1[0]);
	is_int(event_run_once(loop, 0), 0, "deleted watch: no callback");
	drain(p1[0]);

	/* one callback deletes the other watch, both readable this round */
	a.calls = b.calls = 0;
	a.other = p2[0];
	b.other = p1[0];
	event_add_fd(loop, p1[0], EVENT_READ, fd_cb, &a);
	event_add_fd(loop, p2[0], EVENT_READ, fd_cb, &b);
	xwrite(p1[1], "x", 1);
	xwrite(p2[1], "x", 1);
	event_run_once(loop, 1000);
	is_int(a.calls + b.calls, 1,
	    "a watch deleted by a callback gets no stale event in that round");
	event_del_fd(loop, p1[0]);
	event_del_fd(loop, p2[0]);
	drain(p1[0]);
	drain(p2[0]);

	/* replacing a watch: only the new callback runs */
	a.calls = b.calls = 0;
	a.other = b.other = -1;
	event_add_fd(loop, p1[0], EVENT_READ, fd_cb, &a);
	is_int(event_add_fd(loop, p1[0], EVENT_READ, fd_cb, &b), 0,
	    "re-adding replaces the watch");
	xwrite(p1[1], "x", 1);
	event_run_once(loop, 1000);
	ok(a.calls == 0 && b.calls == 1, "only the new callback ran");

	/* write readiness on a socket */
	c.calls = 0;
	is_int(event_add_fd(loop, sp[0], EVENT_WRITE, fd_cb, &c), 0,
	    "watch a socket for writing");
	event_run_once(loop, 1000);
	ok(c.calls == 1 && c.events == EVENT_WRITE, "EVENT_WRITE reported");
	is_int(event_add_fd(loop, sp[0], 0, fd_cb, &c), 0,
	    "events 0 keeps the fd quiet");
	c.calls = 0;
	event_run_once(loop, 0);
	is_int(c.calls, 0, "no callback with events 0");

	/* peer hang-up shows as EVENT_READ */
	event_add_fd(loop, sp[0], EVENT_READ, fd_cb, &c);
	close(sp[1]);
	event_run_once(loop, 1000);
	ok(c.calls == 1 && (c.events & EVENT_READ), "hang-up: EVENT_READ");
	event_del_fd(loop, sp[0]);
	close(sp[0]);

	/* a callback that removes and closes its own fd */
	c.calls = 0;
	event_add_fd(loop, p2[0], EVENT_READ, selfclose_cb, &c);
	xwrite(p2[1], "x", 1);
	event_run_once(loop, 1000);
	is_int(c.calls, 1, "callback removed and closed its own fd");
	is_int(event_run_once(loop, 0), 0, "and is gone");

	/* bad descriptors */
	ok(event_add_fd(loop, -1, EVENT_READ, fd_cb, &c) == -1 &&
	    errno == EBADF, "negative fd: EBADF");
	snprintf(path, sizeof(path), "%s/plain", tap_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ok(event_add_fd(loop, fd, EVENT_READ, fd_cb, &c) == -1 &&
	    errno == EPERM, "regular file cannot be watched: EPERM");
	close(fd);

	/*
	 * A watched fd closed without event_del_fd() left epoll by itself;
	 * its number, reused, can be watched again.
	 */
	close(p1[0]);
	close(p1[1]);
	close(p2[1]);
	if (pipe2(p1, O_CLOEXEC) < 0)
		bail_out("pipe: %s", strerror(errno));
	a.calls = 0;
	is_int(event_add_fd(loop, p1[0], EVENT_READ, fd_cb, &a), 0,
	    "watch a reused fd number closed while watched");
	xwrite(p1[1], "x", 1);
	event_run_once(loop, 1000);
	is_int(a.calls, 1, "and it reports");
	event_del_fd(loop, p1[0]);
	close(p1[0]);
	close(p1[1]);
}

/* --- exit and signals ------------------------------------------------- */

static int ticks;

static void
tick_cb(void *arg)
{
	(void)arg;
	if (++ticks == 3)
		event_loop_exit(loop);
	else
		event_add_timer(loop, 1, tick_cb, NULL);
}

static volatile sig_atomic_t got_alarm;

static void
on_alarm(int sig)
{
	(void)sig;
	got_alarm = 1;
}

static void
test_run_and_signals(void)
{
	struct sigaction sa;
	struct itimerval it;
	long long a, b;
	int r;

	event_add_timer(loop, 1, tick_cb, NULL);
	event_run(loop);
	is_int(ticks, 3, "event_run returns after event_loop_exit");

	memset(&sa, 0, sizeof(sa));
	/* no SA_RESTART: epoll_wait fails with EINTR */
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 20000;
	setitimer(ITIMER_REAL, &it, NULL);
	r = event_run_once(loop, 10000);
	is_int(r, 0, "a signal during the wait returns 0, not -1");
	ok(got_alarm, "the signal was delivered");

	a = monotime_ms();
	b = monotime_ms();
	ok(a > 0 && b >= a, "monotime_ms is monotonic");
}

int
main(void)
{
	tap_init("event");
	if ((loop = event_loop_new()) == NULL)
		bail_out("event_loop_new: %s", strerror(errno));

	test_order();
	test_heap();
	test_timer_changes();
	test_fds();
	test_run_and_signals();

	/* free with pending timers and watches: no leak under ASan */
	event_add_timer(loop, 100000, victim_cb, NULL);
	event_loop_free(&loop);
	ok(loop == NULL, "free clears the pointer");
	event_loop_free(&loop);
	ok(1, "free of NULL is fine");
	return done_testing();
}
