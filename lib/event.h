/*
 * event - an epoll event loop with timers, for the single-process
 * services (qmgr, resolver, auth, the master itself).
 *
 * Callbacks run one at a time; a callback may add or remove any event or
 * timer, including its own. Timers are one-shot; re-arm to repeat.
 */
#ifndef POSTERN_EVENT_H
#define POSTERN_EVENT_H

#define EVENT_READ	0x1
#define EVENT_WRITE	0x2

struct event_loop;
struct event_timer;

typedef void (*event_fd_fn)(int fd, int events, void *arg);
typedef void (*event_timer_fn)(void *arg);

struct event_loop *event_loop_new(void);
void	event_loop_free(struct event_loop **);
/* Watch fd for EVENT_READ|EVENT_WRITE; replaces any earlier watch. 0/-1. */
int	event_add_fd(struct event_loop *, int fd, int events, event_fd_fn,
	    void *arg);
void	event_del_fd(struct event_loop *, int fd);
/* Call fn(arg) once after msec milliseconds. */
struct event_timer *event_add_timer(struct event_loop *, long long msec,
	    event_timer_fn, void *arg);
void	event_del_timer(struct event_loop *, struct event_timer *);
/* Run one round: wait at most timeout_ms (-1: until an event or timer). */
int	event_run_once(struct event_loop *, int timeout_ms);
/* Run until event_loop_exit is called. */
void	event_run(struct event_loop *);
void	event_loop_exit(struct event_loop *);
/* Monotonic clock in milliseconds. */
long long event_now_ms(void);

#endif
