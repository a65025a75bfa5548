/*
 * log - the one logger: syslog facility mail, stderr in the foreground,
 * or maillog_file through the log service (postlogd, lib/postlog.h).
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
#define LOG_TO_MAILLOG	0x4	/* see log_set_maillog */

/* The socket syslog listens on. */
#define LOG_SYSLOG_PATH	"/dev/log"

/* Set the program name for the prefix and where lines go (LOG_TO_*). */
void	log_init(const char *progname, int where);
/*
 * syslog_name and syslog_facility: each line then begins NAME/PROGRAM
 * (as Postfix's "-o syslog_name=postfix/submission" gives
 * postfix/submission/smtpd), and syslog gets that facility. -1 when
 * either is not acceptable (that one is left as it was; params refuses
 * such values with file and line before they get here).
 */
#define LOG_SYSNAME_MAX	40
int	log_set_identity(const char *name, const char *facility);
/* Letters, digits, ".", "_", "-" and "/" (not first or last), <= 40:
 * with the program's name it must fit a log record's ident (64). */
int	log_sysname_ok(const char *name);
/*
 * Where LOG_TO_MAILLOG lines go: as records to the log service through
 * sock, the sending end of its datagram socket (-1: none), or straight
 * into the log file file (-1: none) when the service cannot take them
 * at once; host is myhostname, for the lines written here. A process
 * with a file never waits for the service (the master; postlogd itself
 * has only the file). One without waits at most POSTLOG_SEND_TIMEOUT
 * (the socket's SO_SNDTIMEO); a line that cannot be sent goes to
 * stderr, and the process stops waiting until a record goes through
 * again, then logs how many lines did not reach the log service.
 * The descriptors stay the caller's.
 */
void	log_set_maillog(int sock, int file, const char *host);
/* Does a syslog daemon take messages on LOG_SYSLOG_PATH? 1 or 0. */
int	log_syslog_reachable(void);

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
