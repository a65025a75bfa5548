/*
 * log - the one logger: syslog facility mail, or stderr in the foreground.
 *
 * Every line is prefixed `postern/PROGRAM[PID]: ` (DESIGN). Messages are
 * printf-checked and %m expands to the errno saved on entry; errno is
 * restored on return so logging never disturbs the caller.
 *
 * log_fatal runs the cleanup hook, then exits 1 (config errors, startup
 * failures). log_panic is for broken invariants: it aborts with a core.
 * In a session, never fatal because of peer input: reply and go on.
 */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_FATAL,
	LOG_LEVEL_PANIC,
};

#define LOG_TO_SYSLOG	0x1
#define LOG_TO_STDERR	0x2

/* Set the program name for the prefix and where lines go (LOG_TO_*). */
void	log_init(const char *progname, int where);
/* Program name as set by log_init ("postern" before it). */
const char *log_progname(void);
/* Lines below this level are dropped (default LOG_LEVEL_INFO). */
void	log_set_level(enum log_level);
/* Called once by log_fatal before exit (e.g. remove a pid file). */
void	log_set_cleanup(void (*)(void));
/*
 * Tests capture lines through a hook: it receives the level and the text
 * without prefix; when it returns non-zero the line is not written.
 */
void	log_set_hook(int (*)(enum log_level, const char *));

void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	log_vlog(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

#endif
