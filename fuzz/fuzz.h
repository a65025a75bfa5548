/*
 * fuzz.h - what every harness in fuzz/ shares (see fuzz/README).
 *
 * DESCRIPTION
 *	A harness fuzz/NAME.c defines LLVMFuzzerTestOneInput (and, when it
 *	needs a set-up once per process, LLVMFuzzerInitialize). It is
 *	linked either with libFuzzer (`make fuzz`, clang) or with the plain
 *	replay driver fuzz/replay.c (`make check`, any compiler), so it
 *	uses nothing of either beyond those two entry points.
 *
 *	FUZZ_CHECK states a property the code must have for every input
 *	(a differential harness: chunked and whole-buffer decoding agree,
 *	a formatted value parses back to itself). A violation aborts with
 *	the failed expression: libFuzzer saves the input as a crash, the
 *	replay driver reports the file as a failed test.
 *
 *	fuzz_quiet_log sends the library's log lines nowhere (they are
 *	still formatted, so the formatting is fuzzed too) and turns a
 *	log_fatal into an abort: no input from a peer may end a process.
 *
 *	fuzz_tmpdir makes a scratch directory once per process (on tmpfs
 *	when there is one, as harnesses that write files would otherwise
 *	wait for fsync), removed at exit.
 *
 *	struct fuzz_in takes control bytes (chunk sizes, flags) from the
 *	front of an input; past its end every take returns 0.
 */
#ifndef POSTERN_FUZZ_H
#define POSTERN_FUZZ_H

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "vbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

static inline int
fuzz_log_hook(enum log_level level, const char *text)
{
	if (level >= LOG_LEVEL_FATAL) {
		fprintf(stderr, "fatal log line: %s\n", text);
		abort();
	}
	return 1;
}

static inline void
fuzz_quiet_log(void)
{
	log_set_level(LOG_LEVEL_DEBUG);
	log_set_hook(fuzz_log_hook);
}

static char fuzz_tmp[64];

static inline void
fuzz_tmpdir_remove(void)
{
	char cmd[sizeof(fuzz_tmp) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_tmp);
	if (fuzz_tmp[0] != '\0' && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fuzz_tmp);
}

static inline const char *
fuzz_tmpdir(const char *name)
{
	if (fuzz_tmp[0] != '\0')
		return fuzz_tmp;
	snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s/fuzz-%s.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", name);
	if (mkdtemp(fuzz_tmp) == NULL) {
		perror(fuzz_tmp);
		abort();
	}
	atexit(fuzz_tmpdir_remove);
	return fuzz_tmp;
}

/*
 * A harness of a program that works in its own directory (a queue): each
 * input enters the scratch directory and leaves it, since the replay
 * driver reads the corpus by relative names.
 */
static int fuzz_home = -1;

static inline void
fuzz_enter(const char *name)
{
	if (fuzz_home < 0 && (fuzz_home = open(".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		abort();
	if (chdir(fuzz_tmpdir(name)) < 0)
		abort();
}

static inline void
fuzz_leave(void)
{
	if (fchdir(fuzz_home) < 0)
		abort();
}

/* 1 when s holds no control character (UTF-8 and other bytes pass). */
static inline int
fuzz_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* 1 when two buffers hold the same bytes. */
static inline int
fuzz_same(const struct vbuf *a, const struct vbuf *b)
{
	return vbuf_len(a) == vbuf_len(b) && memcmp(vbuf_str(a), vbuf_str(b),
	    vbuf_len(a)) == 0;
}

/* Open descriptors of the process: a harness compares before and after. */
static inline int
fuzz_count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		abort();
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

struct fuzz_in {
	const uint8_t	*p;
	size_t		 n;
};

static inline unsigned
fuzz_byte(struct fuzz_in *in)
{
	unsigned b;

	if (in->n == 0)
		return 0;
	b = in->p[0];
	in->p++;
	in->n--;
	return b;
}

/*
 * Chunk sizes for splitting an input: a small xorshift generator seeded
 * from control bytes, so that one byte of input chooses a whole split.
 */
static inline uint32_t
fuzz_rand(uint32_t *state)
{
	uint32_t x = *state != 0 ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* A chunk size in 1..max from one control byte. */
static inline size_t
fuzz_chunk(struct fuzz_in *in, size_t max)
{
	return 1 + fuzz_byte(in) % (max == 0 ? 1 : max);
}

#endif
