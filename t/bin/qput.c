/*
 * qput - a test-only queue writer: puts one message into a queue
 * directory with lib/qfile, the writer smtpd uses, and wakes qmgr.
 *
 * usage: qput [-n] [-a name=value]... [-N notify] [-O orcpt] QUEUE_DIR
 *             SENDER RCPT... < message
 * The message on standard input has LF or CRLF line ends; it is stored
 * with CRLF, as smtpd stores it. -n: do not wake qmgr. -N and -O apply
 * to the recipient that follows them. Prints the queue ID.
 *
 * SECURITY: test code only; never installed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfile.h"
#include "sock.h"
#include "xmalloc.h"

static void
usage(void)
{
	fprintf(stderr, "usage: qput [-n] [-a name=value] QUEUE_DIR SENDER "
	    "[-N notify] [-O orcpt] RCPT... < message\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct qfile_writer *w;
	char qid[QID_SIZE], line[8192], *eq, *path;
	const char *notify = NULL, *orcpt = NULL;
	int i = 1, a0, wake = 1, fd;
	size_t len;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		wake = 0;
		i++;
	}
	a0 = i;
	while (i < argc && strcmp(argv[i], "-a") == 0)
		i += 2;
	if (argc - i < 3)
		usage();
	if ((w = qfile_create(argv[i])) == NULL) {
		perror("qfile_create");
		return 1;
	}
	for (; a0 < i; a0 += 2) {
		if ((eq = strchr(argv[a0 + 1], '=')) == NULL)
			usage();
		*eq = '\0';
		qfile_add_attr(w, argv[a0 + 1], eq + 1);
	}
	path = argv[i++];
	if (qfile_add_sender(w, argv[i++]) < 0)
		usage();
	for (; i < argc; i++) {
		if (strcmp(argv[i], "-N") == 0 && i + 1 < argc) {
			notify = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "-O") == 0 && i + 1 < argc) {
			orcpt = argv[++i];
			continue;
		}
		if (qfile_add_rcpt(w, argv[i], orcpt, notify) < 0)
			usage();
		orcpt = notify = NULL;
	}
	qfile_begin_content(w);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			len--;
			if (len > 0 && line[len - 1] == '\r')
				len--;
			qfile_write_content(w, line, len);
			qfile_write_content(w, "\r\n", 2);
		} else
			qfile_write_content(w, line, len);
	}
	if (qfile_commit(w, 1, qid) < 0) {
		perror("qfile_commit");
		qfile_abort(w);
		return 1;
	}
	qfile_abort(w);
	printf("%s\n", qid);
	if (wake) {
		path = xasprintf("%s/public/qmgr", path);
		if ((fd = sock_connect_unix(path, 5)) >= 0) {
			if (write(fd, "I", 1) != 1)
				perror("wake qmgr");
			close(fd);
		}
		free(path);
	}
	return 0;
}
