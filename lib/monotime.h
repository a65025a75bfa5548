/*
 * monotime - the one clock for timeouts, deadlines and timers.
 *
 * DESCRIPTION
 *	Milliseconds on CLOCK_MONOTONIC: never jumps when the admin or NTP
 *	sets the wall clock, so a deadline computed from it holds. Only
 *	differences mean anything. Wall-clock time (arrival dates, log
 *	stamps, delays reported to people) is time() or gettimeofday().
 */
#ifndef POSTERN_MONOTIME_H
#define POSTERN_MONOTIME_H

/* Monotonic milliseconds (a failing clock is a panic). */
long long monotime_ms(void);

#endif
