/*
 * replay - run a harness over its corpus without libFuzzer (make check).
 *
 * DESCRIPTION
 *	fuzz/NAME.t is fuzz/NAME.c linked with this driver. Without
 *	arguments it replays every file of fuzz/corpus/NAME (found beside
 *	the binary, so it runs from any directory), in name order, plus the
 *	empty input, and prints one TAP line per input; with arguments it
 *	replays those files or directories instead (a crash file that
 *	libFuzzer wrote, under gdb). Deterministic and fast: the inputs run
 *	once each, in one process, as libFuzzer's own replay does.
 *
 *	A failure is a crash (a sanitizer report, an abort from FUZZ_CHECK,
 *	a signal). The process ends there, so before each input its name is
 *	kept where a signal handler and the sanitizers' death callback can
 *	print "not ok N - FILE" for it; prove then shows which file failed.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_SANITIZED 1
#endif
#endif
#ifdef REPLAY_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

#define REPLAY_MAX	(16 * 1024 * 1024)	/* bytes of one input */

static int replay_n;
static char replay_cur[4096];

/* libFuzzer calls it when the harness has one; so do we. */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
replay_died(void)
{
	char line[4200];
	int len;

	len = snprintf(line, sizeof(line), "not ok %d - %s (crashed)\n",
	    replay_n, replay_cur);
	if (len > 0 && write(STDOUT_FILENO, line, (size_t)len) < 0)
		return;		/* nothing more to be done on the way out */
}

static void
replay_signal(int sig)
{
	replay_died();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
replay_one(const char *path, const uint8_t *data, size_t len)
{
	replay_n++;
	strlcpy(replay_cur, path, sizeof(replay_cur));
	(void)LLVMFuzzerTestOneInput(data, len);
	printf("ok %d - %s\n", replay_n, path);
	fflush(stdout);
}

static void
replay_file(const char *path)
{
	uint8_t *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		printf("not ok %d - %s: %s\n", ++replay_n, path,
		    strerror(errno));
		return;
	}
	buf = malloc(REPLAY_MAX);
	if (buf == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	while (len < REPLAY_MAX && (n = read(fd, buf + len,
	    REPLAY_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	/* an exact-size copy, so that ASan sees a read past the end */
	buf = realloc(buf, len > 0 ? len : 1);
	replay_one(path, buf, len);
	free(buf);
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		printf("not ok %d - %s: %s\n", ++replay_n, dir,
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((names = realloc(names, (n + 1) * sizeof(*names))) ==
		    NULL || (names[n] = strdup(de->d_name)) == NULL) {
			printf("Bail out! out of memory\n");
			exit(1);
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), replay_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		replay_file(path);
		free(names[i]);
	}
	free(names);
}

static void
replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		replay_dir(path);
	else
		replay_file(path);
}

int
main(int argc, char **argv)
{
	char corpus[4096];
	const char *slash, *base;
	size_t baselen;
	int i;

	signal(SIGSEGV, replay_signal);
	signal(SIGBUS, replay_signal);
	signal(SIGFPE, replay_signal);
	signal(SIGILL, replay_signal);
	signal(SIGABRT, replay_signal);
#ifdef REPLAY_SANITIZED
	__sanitizer_set_death_callback(replay_died);
#endif
	LLVMFuzzerInitialize(&argc, &argv);
	replay_one("(empty input)", (const uint8_t *)"", 0);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_path(argv[i]);
	} else {
		/* fuzz/NAME.t replays fuzz/corpus/NAME */
		base = (slash = strrchr(argv[0], '/')) != NULL ? slash + 1 :
		    argv[0];
		baselen = strlen(base);
		if (baselen > 2 && strcmp(base + baselen - 2, ".t") == 0)
			baselen -= 2;
		snprintf(corpus, sizeof(corpus), "%.*scorpus/%.*s",
		    (int)(base - argv[0]), argv[0], (int)baselen, base);
		replay_dir(corpus);
	}
	printf("1..%d\n", replay_n);
	return 0;
}
