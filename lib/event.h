/*
 * event - an epoll event loop with timers, for the single-process
 * services (qmgr, resolver, auth, the master itself).
 *
 * Callbacks run one at a time; a callback may add or remove any event or
 * timer, including its own. Timers are one-shot; re-arm to repeat.
 *
 * DESCRIPTION
 *	Descriptors are watched level-triggered: a callback that leaves
 *	data unread is called again on the next round. A callback gets the
 *	events that happened among those it asked for; a hang-up or an
 *	error on the descriptor is reported as EVENT_READ (and EVENT_WRITE
 *	when watched), so the following read or write sees it. After
 *	event_del_fd() (or a replacing event_add_fd()) no event reported
 *	for the old watch is delivered, even within the same round.
 *
 *	Timers fire in order of their due time, and in the order they were
 *	added when due at the same millisecond. A timer added by a callback
 *	fires at the earliest on the next round, even with a zero delay. A
 *	timer handle is valid until its callback has returned or it was
 *	passed to event_del_timer(), whichever comes first.
 *
 *	A signal interrupting the wait is not an error: event_run_once()
 *	returns 0 so the caller can act on the flag its handler set.
 *
 * SECURITY
 *	No peer data is parsed here.
 */
#ifndef POSTERN_EVENT_H
#define POSTERN_EVENT_H

#define EVENT_READ	0x1
#define EVENT_WRITE	0x2

struct event_loop;
struct event_timer;

typedef void (*event_fd_fn)(int fd, int events, void *arg);
typedef void (*event_timer_fn)(void *arg);

/* A new loop; NULL with errno when epoll_create1 fails. */
struct event_loop *event_loop_new(void);
/* Free the loop, its watches and pending timers (not the fds); NULL ok. */
void	event_loop_free(struct event_loop **);
/*
 * Watch fd for EVENT_READ|EVENT_WRITE; replaces any earlier watch. 0/-1.
 * events 0 keeps the fd registered but quiet. Fails for a descriptor
 * epoll cannot watch (a regular file: EPERM) or a bad one (EBADF).
 */
int	event_add_fd(struct event_loop *, int fd, int events, event_fd_fn,
	    void *arg);
/* Stop watching fd (does not close it). Unknown fds are ignored. */
void	event_del_fd(struct event_loop *, int fd);
/* Call fn(arg) once after msec milliseconds. */
struct event_timer *event_add_timer(struct event_loop *, long long msec,
	    event_timer_fn, void *arg);
/*
 * Cancel a timer that has not fired. NULL, and the timer whose callback
 * is running (it is released when the callback returns), are fine.
 */
void	event_del_timer(struct event_loop *, struct event_timer *);
/* When the timer is due, on the monotime_ms() clock (lib/monotime). */
long long event_timer_when(const struct event_timer *);
/*
 * Run one round: wait at most timeout_ms (-1: until an event or timer),
 * then run the callbacks that are due. Returns how many ran (0 on
 * timeout or when a signal interrupted the wait), -1 with errno on
 * failure.
 */
int	event_run_once(struct event_loop *, int timeout_ms);
/* Run until event_loop_exit is called. */
void	event_run(struct event_loop *);
/* Make event_run return after the current round. */
void	event_loop_exit(struct event_loop *);

#endif
