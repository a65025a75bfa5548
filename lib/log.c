/*
 * log - syslog or stderr logging with the postern/PROGRAM[PID] prefix.
 *
 * Only this file formats the prefix. Text is cleaned of control characters
 * before it is written, so a peer's string can never forge a second line.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "printable.h"

#define LOG_LINE_MAX	2048

static char log_name[64] = "postern";
static char log_ident[80] = "postern";
static int log_where = LOG_TO_STDERR;
static enum log_level log_min = LOG_LEVEL_INFO;
static void (*log_cleanup)(void);
static int (*log_hook)(enum log_level, const char *);

static const char *const log_label[] = {
	[LOG_LEVEL_DEBUG] = "debug: ",
	[LOG_LEVEL_INFO] = "",
	[LOG_LEVEL_WARN] = "warning: ",
	[LOG_LEVEL_ERROR] = "error: ",
	[LOG_LEVEL_FATAL] = "fatal: ",
	[LOG_LEVEL_PANIC] = "panic: ",
};

static const int log_prio[] = {
	[LOG_LEVEL_DEBUG] = LOG_DEBUG,
	[LOG_LEVEL_INFO] = LOG_INFO,
	[LOG_LEVEL_WARN] = LOG_WARNING,
	[LOG_LEVEL_ERROR] = LOG_ERR,
	[LOG_LEVEL_FATAL] = LOG_CRIT,
	[LOG_LEVEL_PANIC] = LOG_CRIT,
};

/* Our pid for stderr lines: one getpid per process, not per line. */
static pid_t log_pid;

static void
log_forget_pid(void)
{
	log_pid = 0;
}

void
log_init(const char *progname, int where)
{
	static int atfork;
	const char *slash;

	if (!atfork) {
		atfork = 1;
		(void)pthread_atfork(NULL, NULL, log_forget_pid);
	}

	if ((slash = strrchr(progname, '/')) != NULL)
		progname = slash + 1;
	strlcpy(log_name, progname, sizeof(log_name));
	snprintf(log_ident, sizeof(log_ident), "postern/%s", log_name);
	if ((log_where & LOG_TO_SYSLOG) != 0)
		closelog();
	log_where = where;
	if ((where & LOG_TO_SYSLOG) != 0)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

const char *
log_progname(void)
{
	return log_name;
}

void
log_set_level(enum log_level level)
{
	log_min = level;
}

void
log_set_cleanup(void (*fn)(void))
{
	log_cleanup = fn;
}

void
log_set_hook(int (*fn)(enum log_level, const char *))
{
	log_hook = fn;
}

void
log_vlog(enum log_level level, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	int saved = errno;

	if (level < log_min && level < LOG_LEVEL_FATAL) {
		errno = saved;
		return;
	}
	errno = saved;		/* for %m */
	vsnprintf(text, sizeof(text), fmt, ap);
	/* no control characters: one event is always one line */
	printable_fix(text, PRINTABLE_8BIT);
	if (log_hook != NULL && log_hook(level, text)) {
		errno = saved;
		return;
	}
	if ((log_where & LOG_TO_SYSLOG) != 0)
		syslog(log_prio[level], "%s%s", log_label[level], text);
	if ((log_where & LOG_TO_STDERR) != 0) {
		if (log_pid == 0)
			log_pid = getpid();
		fprintf(stderr, "%s[%ld]: %s%s\n", log_ident, (long)log_pid,
		    log_label[level], text);
	}
	errno = saved;
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vlog(level, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

void
log_fatal(const char *fmt, ...)
{
	static int fatal_once;
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_FATAL, fmt, ap);
	va_end(ap);
	if (log_cleanup != NULL && !fatal_once++)
		log_cleanup();
	exit(1);
}

void
log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_PANIC, fmt, ap);
	va_end(ap);
	abort();
}
