/*
 * tap - TAP producer and log capture for the unit tests; see tap.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static int tap_n, tap_failed, tap_planned;
static char tap_dir[256];

#define TAP_MAXLOG 32
static char *tap_expected[TAP_MAXLOG];
static int tap_nexpected;
static char tap_unexpected[4096];
static char tap_last[2048];

static void __attribute__((format(printf, 2, 0)))
tap_result(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

void
plan(int n)
{
	tap_planned = 1;
	printf("1..%d\n", n);
	fflush(stdout);
}

int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_result(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_result(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		diag("got %lld, want %lld", got, want);
	return got == want;
}

int
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	int cond;

	cond = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	tap_result(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got \"%s\", want \"%s\"", got ? got : "(null)",
		    want ? want : "(null)");
	return cond;
}

int
is_mem(const void *got, size_t gotlen, const void *want, size_t wantlen,
    const char *fmt, ...)
{
	va_list ap;
	int cond = gotlen == wantlen && (gotlen == 0 ||
	    memcmp(got, want, gotlen) == 0);

	va_start(ap, fmt);
	tap_result(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("got %zu bytes \"%.*s\", want %zu bytes \"%.*s\"",
		    gotlen, (int)gotlen, (const char *)got,
		    wantlen, (int)wantlen, (const char *)want);
	return cond;
}

int
like(const char *got, const char *needle, const char *fmt, ...)
{
	va_list ap;
	int cond = got != NULL && strstr(got, needle) != NULL;

	va_start(ap, fmt);
	tap_result(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		diag("\"%s\" does not contain \"%s\"", got ? got : "(null)",
		    needle);
	return cond;
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
skip(int n, const char *why)
{
	while (n-- > 0)
		printf("ok %d # skip %s\n", ++tap_n, why);
	fflush(stdout);
}

void
bail_out(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(255);
}

static int
tap_log_hook(enum log_level level, const char *text)
{
	int i;

	if (level < LOG_LEVEL_WARN)
		return 1;
	strlcpy(tap_last, text, sizeof(tap_last));
	for (i = 0; i < tap_nexpected; i++) {
		if (tap_expected[i] != NULL && strstr(text, tap_expected[i])) {
			free(tap_expected[i]);
			tap_expected[i] = NULL;
			return 1;
		}
	}
	if (level >= LOG_LEVEL_FATAL)
		return 0;	/* the forked child's stderr shows it */
	strlcat(tap_unexpected, text, sizeof(tap_unexpected));
	strlcat(tap_unexpected, "; ", sizeof(tap_unexpected));
	return 1;
}

static void
tap_rmdir(void)
{
	char cmd[300];

	if (tap_dir[0] != '\0' && getpid() == atoi(strrchr(tap_dir, '.') + 1)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tap_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tap_dir);
	}
}

const char *
tap_tmpdir(void)
{
	const char *base;

	if (tap_dir[0] != '\0')
		return tap_dir;
	if ((base = getenv("TMPDIR")) == NULL)
		base = "/tmp";
	snprintf(tap_dir, sizeof(tap_dir), "%s/postern-t.%ld", base,
	    (long)getpid());
	if (mkdir(tap_dir, 0700) < 0)
		bail_out("mkdir %s: %s", tap_dir, strerror(errno));
	atexit(tap_rmdir);
	return tap_dir;
}

void
tap_init(const char *progname)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(progname, LOG_TO_STDERR);
	log_set_hook(tap_log_hook);
}

void
tap_expect_log(const char *needle)
{
	if (tap_nexpected == TAP_MAXLOG)
		bail_out("too many expected log lines");
	tap_expected[tap_nexpected++] = strdup(needle);
}

void
tap_check_log(const char *what)
{
	int i, missing = 0;

	for (i = 0; i < tap_nexpected; i++) {
		if (tap_expected[i] != NULL) {
			diag("expected log line not seen: %s", tap_expected[i]);
			free(tap_expected[i]);
			tap_expected[i] = NULL;
			missing++;
		}
	}
	tap_nexpected = 0;
	ok(missing == 0 && tap_unexpected[0] == '\0', "%s: log as expected",
	    what);
	if (tap_unexpected[0] != '\0')
		diag("unexpected log: %s", tap_unexpected);
	tap_unexpected[0] = '\0';
}

const char *
tap_last_log(void)
{
	return tap_last;
}

int
tap_fork(void (*fn)(void *), void *arg, char *errbuf, size_t errlen)
{
	int pfd[2], status;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	fflush(stdout);
	if (pipe(pfd) < 0)
		bail_out("pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], 2);
		log_set_hook(NULL);
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		char tmp[512];

		n = read(pfd[0], tmp, sizeof(tmp));
		if (n <= 0)
			break;
		if (errbuf != NULL && got + 1 < errlen) {
			size_t k = (size_t)n;

			if (k > errlen - 1 - got)
				k = errlen - 1 - got;
			memcpy(errbuf + got, tmp, k);
			got += k;
		}
	}
	if (errbuf != NULL && errlen > 0)
		errbuf[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		bail_out("waitpid: %s", strerror(errno));
	return status;
}

int
done_testing(void)
{
	if (tap_unexpected[0] != '\0')
		tap_check_log("end of test");
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	if (tap_failed)
		diag("failed %d of %d tests", tap_failed, tap_n);
	fflush(stdout);
	return tap_failed > 254 ? 254 : tap_failed;
}

int
tap_dir_entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

void
tap_touch(const char *path)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		bail_out("create %s: %s", path, strerror(errno));
	close(fd);
}
