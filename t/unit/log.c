/* Unit tests for lib/log: prefix, levels, %m, fatal exit. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "tap.h"

static void
child_lines(void *arg)
{
	(void)arg;
	log_init("/usr/libexec/postern/smtpd", LOG_TO_STDERR);
	log_set_level(LOG_LEVEL_INFO);
	log_debug("hidden");
	log_info("4F1C2A9B3E: client=host[192.0.2.1]");
	errno = ENOENT;
	log_warn("open x: %m");
	log_error("bad\r\nline injected");
}

static int cleaned;
static void
cleanup(void)
{
	cleaned = 1;
	log_info("cleanup ran");
}

static void
child_fatal(void *arg)
{
	(void)arg;
	log_init("master", LOG_TO_STDERR);
	log_set_cleanup(cleanup);
	log_fatal("/etc/postern/main.cf:3: bad value");
}

int
main(void)
{
	char err[4096];
	int status, saved;

	tap_init("log");

	status = tap_fork(child_lines, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exits normally");
	ok(strstr(err, "hidden") == NULL, "debug dropped at info level");
	like(err, "postern/smtpd[", "prefix postern/PROGRAM[PID] without path");
	like(err, "]: 4F1C2A9B3E: client=host[192.0.2.1]\n", "info line plain");
	like(err, "warning: open x: No such file or directory", "%m expands");
	like(err, "error: bad??line injected\n", "control chars cannot split lines");

	status = tap_fork(child_fatal, NULL, err, sizeof(err));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "fatal exits 1");
	like(err, "postern/master[", "fatal prefix");
	like(err, "fatal: /etc/postern/main.cf:3: bad value", "fatal text");
	like(err, "cleanup ran", "cleanup hook ran before exit");

	errno = EAGAIN;
	tap_expect_log("kept");
	log_warn("kept");
	saved = errno;
	is_int(saved, EAGAIN, "errno preserved across logging");
	tap_check_log("warning capture");
	(void)cleaned;
	return done_testing();
}
