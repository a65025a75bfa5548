/*
 * tap - a tiny TAP producer for the C unit tests (run by prove).
 *
 * Tests call plan() or done_testing(); ok()/is_*() print one line each.
 * Log lines are captured: a test names the warnings it expects with
 * tap_expect_log(); any other warning or error fails the test
 * (checked at each tap_check_log() and at done_testing()).
 */
#ifndef POSTERN_TAP_H
#define POSTERN_TAP_H

#include <stddef.h>

void	plan(int n);
int	ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int	is_int(long long got, long long want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	is_str(const char *got, const char *want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	is_mem(const void *got, size_t gotlen, const void *want, size_t wantlen,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* ok() that the string contains the substring */
int	like(const char *got, const char *needle, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	skip(int n, const char *why);
void	bail_out(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* Print the plan if none was given, and exit with the failure count. */
int	done_testing(void);

/* Install the log capture (call first in main). */
void	tap_init(const char *progname);
/* Expect one warning/error whose text contains needle. */
void	tap_expect_log(const char *needle);
/* Fail for unexpected lines or expectations not met; then clear both. */
void	tap_check_log(const char *what);
/* The last captured warning/error text ("" if none). */
const char *tap_last_log(void);

/*
 * Run fn(arg) in a child; returns its exit status as from waitpid
 * (so a log_fatal is WIFEXITED with status 1). The child's stderr
 * is collected into errbuf when given.
 */
int	tap_fork(void (*fn)(void *), void *arg, char *errbuf, size_t errlen);

/* A fresh temporary directory, removed at exit. */
const char *tap_tmpdir(void);

/* Names in dir that do not start with a dot; -1 when it cannot be read. */
int	tap_dir_entries(const char *dir);

/* Create path empty (or empty it); bail out when that fails. */
void	tap_touch(const char *path);

#endif
