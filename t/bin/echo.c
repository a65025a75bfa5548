/*
 * echo - a test-only service on the server skeleton (t/integ uses it to
 * exercise the master).
 *
 * Single (default): greets "echo PID ready", then echoes each line back
 * until "quit" or end of file.
 * -M: the same on the multi-client skeleton (one process, event loop).
 * -T: a trigger service that logs "trigger: TEXT" for what it receives;
 *     a request that starts with "K" asks to keep the connection.
 * -x: exit with status 2 right after setup (a service that keeps
 *     failing at startup); -X: abort() instead.
 * -e TEXT: log TEXT at startup (tests look for it).
 *
 * SECURITY: test code only; never installed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

static int echo_crash;
static const char *echo_note;

static int
echo_write(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
echo_greet(int fd)
{
	char greet[64];

	snprintf(greet, sizeof(greet), "echo %ld ready\r\n", (long)getpid());
	echo_write(fd, greet, strlen(greet));
}

/* One client, blocking. */
static void
echo_single(int fd, const struct server_info *info)
{
	char buf[4096];
	ssize_t n;

	(void)info;
	echo_greet(fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (n >= 4 && memcmp(buf, "quit", 4) == 0)
			break;
		if (echo_write(fd, buf, (size_t)n) < 0)
			break;
	}
}

static void
echo_multi_read(int fd, int events, void *arg)
{
	char buf[4096];
	ssize_t n;

	(void)events;
	(void)arg;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || (n >= 4 && memcmp(buf, "quit", 4) == 0) ||
	    echo_write(fd, buf, (size_t)n) < 0) {
		event_del_fd(server_loop(), fd);
		server_disconnect(fd);
	}
}

static void
echo_multi(int fd, const struct server_info *info)
{
	(void)info;
	echo_greet(fd);
	if (event_add_fd(server_loop(), fd, EVENT_READ, echo_multi_read,
	    NULL) < 0)
		log_fatal("event_add_fd: %m");
}

static void
echo_trigger(const char *buf, size_t len, const struct server_info *info)
{
	log_info("trigger on %s: %.*s", info->service, (int)len, buf);
	/*
	 * "K...": keep the connection. "N" lines are an smtpd asking for
	 * spare names: the real qmgr keeps that connection, and the smtpd
	 * sends its "Q" line on it next (closed here, that line could go
	 * into a socket nobody reads).
	 */
	if (len > 0 && (buf[0] == 'K' || buf[0] == 'N'))
		server_trigger_keep();
}

static void
echo_post_jail(void)
{
	if (echo_note != NULL)
		log_info("%s", echo_note);
	if (echo_crash == 'x')
		exit(2);
	if (echo_crash == 'X')
		abort();
}

static void
echo_opt(int ch, const char *arg)
{
	switch (ch) {
	case 'x':
	case 'X':
		echo_crash = ch;
		break;
	case 'e':
		echo_note = arg;
		break;
	}
}

int
main(int argc, char **argv)
{
	struct server_spec spec = {
		.name = "echo",
		.kind = SERVER_SINGLE,
		.conn = echo_single,
		.trigger = echo_trigger,
		.post_jail = echo_post_jail,
		.opts = "MTxXe:",
		.opt = echo_opt,
	};
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-M") == 0) {
			spec.kind = SERVER_MULTI;
			spec.conn = echo_multi;
		} else if (strcmp(argv[i], "-T") == 0)
			spec.kind = SERVER_TRIGGER;
	}
	server_main(argc, argv, &spec);
}
