/*
 * log - syslog, stderr or maillog_file logging with the
 * postern/PROGRAM[PID] prefix.
 *
 * Only this file (and, for maillog_file, lib/postlog.c) formats the
 * prefix. Text is cleaned of control characters before it is written,
 * so a peer's string can never forge a second line.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "postlog.h"
#include "printable.h"

#define LOG_LINE_MAX	2048

static char log_name[64] = "postern";
static char log_sysname[LOG_SYSNAME_MAX + 1] = "postern";	/* syslog_name */
static int log_facility = LOG_MAIL;				/* syslog_facility */
static char log_ident[LOG_SYSNAME_MAX + 66] = "postern";
static int log_where = LOG_TO_STDERR;
static enum log_level log_min = LOG_LEVEL_INFO;
static void (*log_cleanup)(void);
/* LOG_TO_MAILLOG: log_set_maillog */
static int log_ml_sock = -1;
static int log_ml_file = -1;
static char log_ml_host[POSTLOG_HOST_MAX + 1] = "localhost";
static int log_ml_stalled;		/* the service did not read: no waits */
static unsigned long log_ml_lost;	/* lines that did not reach it */
static int log_ml_lost_errno;
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
	snprintf(log_ident, sizeof(log_ident), "%s/%s", log_sysname, log_name);
	if ((log_where & LOG_TO_SYSLOG) != 0)
		closelog();
	log_where = where;
	if ((where & LOG_TO_SYSLOG) != 0)
		openlog(log_ident, LOG_PID | LOG_NDELAY, log_facility);
}

int
log_set_identity(const char *name, const char *facility)
{
	static const struct {
		const char	*name;
		int		 value;
	} fac[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER }, { "auth", LOG_AUTH },
		{ "authpriv", LOG_AUTHPRIV }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;
	int r = 0;

	if (facility != NULL && *facility != '\0') {
		for (i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
			if (strcmp(fac[i].name, facility) == 0)
				break;
		if (i < sizeof(fac) / sizeof(fac[0]))
			log_facility = fac[i].value;
		else
			r = -1;
	}
	/* main.cf and master.cf checked the name (params): a guard only */
	if (name != NULL && *name != '\0' && !log_sysname_ok(name))
		r = -1;
	else if (name != NULL && *name != '\0')
		strlcpy(log_sysname, name, sizeof(log_sysname));
	log_init(log_name, log_where);	/* the new ident, the new facility */
	return r;
}

int
log_sysname_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > LOG_SYSNAME_MAX || name[0] == '/' ||
	    name[n - 1] == '/')
		return 0;
	/* what a log line's ident may hold (lib/postlog's grammar) */
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
		    name[i] == '_' || name[i] == '-' || name[i] == '/'))
			return 0;
	return 1;
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
log_set_maillog(int sock, int file, const char *host)
{
	log_ml_sock = sock;
	log_ml_file = file;
	strlcpy(log_ml_host, host != NULL && *host != '\0' ? host :
	    "localhost", sizeof(log_ml_host));
	log_ml_stalled = 0;
}

int
log_syslog_reachable(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sun;
	size_t i;
	int fd, ok = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, LOG_SYSLOG_PATH, sizeof(sun.sun_path));
	/* as syslog(3) does: a datagram socket, else a stream one */
	for (i = 0; i < sizeof(types) / sizeof(types[0]) && !ok; i++) {
		if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) < 0)
			continue;
		ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
		close(fd);
	}
	return ok;
}

static void
log_stderr(enum log_level level, const char *text)
{
	if (log_pid == 0)
		log_pid = getpid();
	fprintf(stderr, "%s[%ld]: %s%s\n", log_ident, (long)log_pid,
	    log_label[level], text);
}

/* Write one line into the log file ourselves. */
static void
log_maillog_write(long long now, enum log_level level, const char *text)
{
	char line[POSTLOG_LINE_MAX], both[POSTLOG_TEXT_MAX + 1];
	struct span ident, span;
	size_t n;
	int r;

	if (log_pid == 0)
		log_pid = getpid();
	r = snprintf(both, sizeof(both), "%s%s", log_label[level], text);
	ident.ptr = log_ident;
	ident.len = strlen(log_ident);
	span.ptr = both;
	span.len = r < 0 ? 0 : (size_t)r >= sizeof(both) ? sizeof(both) - 1 :
	    (size_t)r;
	n = postlog_line_format(line, sizeof(line), now, log_ml_host, ident,
	    (long)log_pid, span);
	/* O_APPEND: one write is one whole line beside postlogd's */
	if (n == 0 || write(log_ml_file, line, n) != (ssize_t)n)
		log_stderr(level, text);
}

/* Send a record: 0, or -1 when the log service did not take it. */
static int
log_maillog_send(const char *rec, size_t len)
{
	int flags = MSG_NOSIGNAL;

	if (log_ml_file >= 0 || log_ml_stalled)
		flags |= MSG_DONTWAIT;
	if (send(log_ml_sock, rec, len, flags) == (ssize_t)len)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		log_ml_stalled = 1;	/* the timeout passed, or no wait */
	return -1;
}

static void
log_maillog(enum log_level level, const char *text)
{
	char rec[POSTLOG_RECORD_MAX + 1], note[128];
	long long now = (long long)time(NULL);
	size_t n;

	if (log_ml_sock >= 0) {
		n = postlog_record_format(rec, sizeof(rec), now, log_ident,
		    log_label[level], text);
		if (n > 0 && log_maillog_send(rec, n) == 0) {
			log_ml_stalled = 0;
			if (log_ml_lost == 0)
				return;
			snprintf(note, sizeof(note), "%lu earlier log line(s) "
			    "did not reach the log service (%s) and went to "
			    "stderr", log_ml_lost, strerror(log_ml_lost_errno));
			log_ml_lost = 0;
			n = postlog_record_format(rec, sizeof(rec), now,
			    log_ident, log_label[LOG_LEVEL_WARN], note);
			(void)log_maillog_send(rec, n);
			return;
		}
		if (log_ml_file < 0) {
			log_ml_lost++;
			log_ml_lost_errno = errno;
		}
	}
	if (log_ml_file >= 0)
		log_maillog_write(now, level, text);
	else
		log_stderr(level, text);
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
	if ((log_where & LOG_TO_STDERR) != 0)
		log_stderr(level, text);
	if ((log_where & LOG_TO_MAILLOG) != 0)
		log_maillog(level, text);
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
