/*
 * fuzz/maildirsize - Maildir++ quota files and message names, written
 * by the mailbox owner's processes (lib/maildir_quota, lib/maildir).
 *
 * Input: a control byte (the limits asked for), then the text of a
 * maildirsize file. It is parsed alone (maildir_quota_parse, and the
 * limits line of maildir_quota_def must parse back to the same
 * limits), then written into a real Maildir and read the way local
 * delivery does (maildir_quota_get: use it, or rebuild it from the
 * messages). Properties: usage is never negative after get; a rebuilt
 * file parses; maildir_quota_exceeded is defined for every usage get
 * can return. Each line of the input is also tried as a message file
 * name (,S=SIZE) and as a folder name.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "maildir.h"
#include "maildir_quota.h"

static struct maildir *fz_md;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *err = NULL;
	int rootfd;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	if ((rootfd = open(fuzz_tmpdir("maildirsize"), O_RDONLY |
	    O_DIRECTORY)) < 0 ||
	    maildir_open(rootfd, "md", MAILDIR_CREATE, &fz_md, &err) < 0) {
		fprintf(stderr, "maildir: %s\n", err);
		abort();
	}
	close(rootfd);
	/* two messages for a rebuild to count */
	if (mkdirat(fz_md->fd, ".Sent", 0700) < 0 ||
	    mkdirat(fz_md->fd, ".Sent/cur", 0700) < 0 ||
	    close(openat(fz_md->curfd, "1.M1P1.host,S=1000:2,S", O_CREAT |
	    O_WRONLY, 0600)) < 0 ||
	    close(openat(fz_md->fd, ".Sent/cur/2.M2P2.host:2,", O_CREAT |
	    O_WRONLY, 0600)) < 0)
		abort();
	return 0;
}

static void
check_names(const char *p, size_t len)
{
	char name[512];
	const char *lf, *end = p + len;
	uint64_t size;
	size_t n;

	for (; p < end; p = lf + 1) {
		lf = memchr(p, '\n', (size_t)(end - p));
		if (lf == NULL)
			lf = end;
		n = (size_t)(lf - p);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (maildir_name_size(name, &size))
			FUZZ_CHECK(strstr(name, ",S=") != NULL);
		if (maildir_folder_name_ok(name))
			FUZZ_CHECK(strchr(name, '/') == NULL &&
			    strstr(name, "..") == NULL);
		(void)maildir_path_ok(name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long limits[] = { 0, 1, 1000, 1048576,
	    LLONG_MAX / 2, LLONG_MAX };
	struct maildir_quota q, file, again;
	const char *text;
	char *err = NULL;
	char def[64], buf[MAILDIR_QUOTA_FILE_MAX + 1];
	size_t len;
	ssize_t n;
	int fd;

	if (size < 1 || fz_md == NULL)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	check_names(text, len);

	memset(&q, 0, sizeof(q));
	q.limit_bytes = limits[data[0] % 6];
	q.limit_count = limits[(data[0] / 6) % 6];

	/* the limits line is what get compares: it must round-trip */
	maildir_quota_def(&q, def, sizeof(def));
	strlcat(def, "\n", sizeof(def));
	FUZZ_CHECK(maildir_quota_parse(def, strlen(def), &again) == 0);
	FUZZ_CHECK(again.limit_bytes == q.limit_bytes &&
	    again.limit_count == q.limit_count);
	FUZZ_CHECK(again.bytes == 0 && again.count == 0);

	if (maildir_quota_parse(text, len, &file) == 0) {
		FUZZ_CHECK(file.limit_bytes >= 0 && file.limit_count >= 0);
		FUZZ_CHECK(memchr(text, '\n', len) != NULL);
	}

	/* as delivery reads it */
	fd = openat(fz_md->fd, MAILDIR_QUOTA_FILE, O_WRONLY | O_CREAT |
	    O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		abort();
	if (maildir_quota_get(fz_md, &q, time(NULL), &err) == 0) {
		FUZZ_CHECK(q.bytes >= 0 && q.count >= 0);
		(void)maildir_quota_exceeded(&q, 0, 0);
		(void)maildir_quota_exceeded(&q, UINT64_MAX, LLONG_MAX);
		(void)maildir_quota_exceeded(&q, 1, 1);
		/* what is on disk now parses to what get said */
		fd = openat(fz_md->fd, MAILDIR_QUOTA_FILE, O_RDONLY);
		FUZZ_CHECK(fd >= 0);
		n = read(fd, buf, sizeof(buf));
		close(fd);
		FUZZ_CHECK(n >= 0);
		FUZZ_CHECK(maildir_quota_parse(buf, (size_t)n, &file) == 0);
		FUZZ_CHECK(file.bytes == q.bytes && file.count == q.count);
		FUZZ_CHECK(maildir_quota_add(fz_md, 5, 1) == 0);
	} else
		free(err);	/* an I/O error: the message is malloc'd */
	return 0;
}
