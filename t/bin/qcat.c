/*
 * qcat - print a queue file for the tests: its envelope, then a line
 * "content:" and the content bytes exactly as stored.
 *
 *	qcat [-e | -c] FILE
 *	-e	the envelope only
 *	-c	the content only (byte-exact, for comparisons)
 *
 * Envelope lines: "arrival SEC.USEC", "sender <ADDR>", "attr NAME=VALUE",
 * "rcpt <ADDR> [orcpt=X] [notify=Y] [done]", "size N". Exit 1 with a
 * message when the file does not validate (qfile_read_env).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qfile.h"

static int
qcat_content(int fd, const struct qfile_env *env)
{
	char buf[65536];
	uint64_t left = env->content_size, off = env->content_offset;
	ssize_t n;

	while (left > 0) {
		n = pread(fd, buf, left < sizeof(buf) ? (size_t)left :
		    sizeof(buf), (off_t)off);
		if (n <= 0) {
			fprintf(stderr, "qcat: read: %s\n", n < 0 ?
			    strerror(errno) : "short file");
			return -1;
		}
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return -1;
		left -= (uint64_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct qfile_env env;
	const char *err, *path;
	int fd, mode = 0;
	size_t i;

	log_init("qcat", LOG_TO_STDERR);
	if (argc == 3 && (strcmp(argv[1], "-e") == 0 ||
	    strcmp(argv[1], "-c") == 0)) {
		mode = argv[1][1];
		path = argv[2];
	} else if (argc == 2)
		path = argv[1];
	else {
		fprintf(stderr, "usage: qcat [-e | -c] FILE\n");
		return 2;
	}
	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "qcat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (qfile_read_env(fd, &env, &err) < 0) {
		fprintf(stderr, "qcat: %s: %s\n", path, err);
		return 1;
	}
	if (mode != 'c') {
		printf("arrival %lld.%06ld\n", (long long)env.arrival.tv_sec,
		    (long)env.arrival.tv_usec);
		printf("sender <%s>\n", env.sender);
		for (i = 0; i < env.nattrs; i++)
			printf("attr %s\n", env.attrs[i]);
		for (i = 0; i < env.nrcpts; i++) {
			printf("rcpt <%s>", env.rcpts[i].addr);
			if (env.rcpts[i].orcpt != NULL)
				printf(" orcpt=%s", env.rcpts[i].orcpt);
			if (env.rcpts[i].notify != NULL)
				printf(" notify=%s", env.rcpts[i].notify);
			printf("%s\n", env.rcpts[i].done ? " done" : "");
		}
		printf("size %llu\n", (unsigned long long)env.content_size);
	}
	if (mode == 0)
		printf("content:\n");
	if (mode != 'e' && qcat_content(fd, &env) < 0)
		return 1;
	qfile_env_free(&env);
	close(fd);
	return fflush(stdout) == 0 ? 0 : 1;
}
