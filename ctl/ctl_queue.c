/*
 * NAME
 *	ctl_queue - the queue tools: postern queue, flush, hold, release,
 *	delete, requeue and cat.
 *
 * SYNOPSIS
 *	postern queue [--json]
 *	postern flush
 *	postern hold|release|delete ID...|ALL
 *	postern requeue [ID...|ALL]
 *	postern cat [-b | -e] ID
 *
 * DESCRIPTION
 *	All but cat talk to qmgr over its control socket
 *	(lib/qmgr_proto.h), which only root and mail_owner can reach.
 *	`queue` prints the listing in the shape of Postfix's mailq: the
 *	queue ID followed by * when active or ! when held, the size, the
 *	arrival time and the sender, for a deferred message "(next attempt
 *	TIME)", then each recipient still to be delivered, under the last
 *	deferral reason in parentheses (a remote server's reply reads "host
 *	mx.example.org said: 450 ..."); --json prints one JSON object per
 *	message per line, with the members of postqueue -j (queue_name,
 *	queue_id, arrival_time, message_size, forced_expire, sender,
 *	recipients[address, delay_reason]) and next_attempt_time.
 *
 *	cat reads the queue file itself (as root or mail_owner), from any
 *	queue including corrupt/, and prints the envelope records and the
 *	content, as postcat does; -e only the envelope, -b only the body
 *	(the content), with CRLF turned into LF.
 *
 * SECURITY
 *	Runs as the admin; root becomes mail_owner first (ctl_priv.c), so
 *	no path in the queue is opened as root. Everything from qmgr and
 *	from queue files is data: printed with control characters escaped
 *	(JSON) or replaced.
 *	Queue IDs from the command line must be valid before they become
 *	a path.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ipc.h"
#include "params.h"
#include "printable.h"
#include "qfile.h"
#include "qfile_path.h"
#include "qid.h"
#include "qmgr_clnt.h"
#include "xmalloc.h"

struct ctl_queue_sum {
	int		 json;
	uint64_t	 bytes;
	uint64_t	 n;
};

static int
ctl_queue_load(void)
{
	if (ctl_params_load() < 0)
		return -1;
	ctl_as_mail_owner();
	return 0;
}

static struct qmgr_clnt *
ctl_queue_open(void)
{
	struct qmgr_clnt *qc;
	char *err = NULL;

	if (ctl_queue_load() < 0)
		return NULL;
	if ((qc = qmgr_clnt_open(var_queue_directory, &err)) == NULL) {
		fprintf(stderr, "postern: %s\n", err);
		free(err);
	}
	return qc;
}

/* Text without control characters. */
static void
ctl_queue_puts(const char *s)
{
	printable_fputs(s, strlen(s), PRINTABLE_8BIT, stdout);
}

static void
ctl_queue_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
ctl_queue_entry(const struct qmgr_clnt_entry *e, void *arg)
{
	struct ctl_queue_sum *sum = arg;
	const char *last = NULL;
	char when[64], idm[QID_SIZE + 1];
	time_t t = (time_t)e->arrival;
	size_t i;
	int mark;

	sum->n++;
	sum->bytes += e->size;
	if (sum->json) {
		printf("{\"queue_name\": ");
		ctl_queue_json_str(e->queue);
		printf(", \"queue_id\": ");
		ctl_queue_json_str(e->queue_id);
		printf(", \"arrival_time\": %llu, \"message_size\": %llu, "
		    "\"forced_expire\": false, \"sender\": ",
		    (unsigned long long)e->arrival,
		    (unsigned long long)e->size);
		ctl_queue_json_str(e->sender);
		if (e->next != 0)
			printf(", \"next_attempt_time\": %llu",
			    (unsigned long long)e->next);
		printf(", \"recipients\": [");
		for (i = 0; i < e->n; i++) {
			printf("%s{\"address\": ", i > 0 ? ", " : "");
			ctl_queue_json_str(e->rcpt[i]);
			if (*e->reason[i] != '\0') {
				printf(", \"delay_reason\": ");
				ctl_queue_json_str(e->reason[i]);
			}
			putchar('}');
		}
		printf("]}\n");
		return;
	}
	if (sum->n == 1)
		printf("%-21s %8s %-20s  %s\n", "-Queue ID-", "--Size--",
		    "----Arrival Time----", "-Sender/Recipient-------");
	mark = strcmp(e->queue, "active") == 0 ? '*' :
	    strcmp(e->queue, "hold") == 0 ? '!' : ' ';
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S", localtime(&t));
	snprintf(idm, sizeof(idm), "%s%c", e->queue_id, mark);
	printf("%-21s %8llu %s  ", idm, (unsigned long long)e->size, when);
	ctl_queue_puts(*e->sender != '\0' ? e->sender : "MAILER-DAEMON");
	putchar('\n');
	if (e->next != 0) {
		t = (time_t)e->next;
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S",
		    localtime(&t));
		printf("(next attempt %s)\n", when);
	}
	for (i = 0; i < e->n; i++) {
		if (*e->reason[i] != '\0' &&
		    (last == NULL || strcmp(last, e->reason[i]) != 0)) {
			putchar('(');
			ctl_queue_puts(e->reason[i]);
			printf(")\n");
			last = e->reason[i];
		}
		printf("%51s", "");
		ctl_queue_puts(e->rcpt[i]);
		putchar('\n');
	}
	putchar('\n');
}

static int
ctl_queue_list(int json)
{
	struct ctl_queue_sum sum = { json, 0, 0 };
	struct qmgr_clnt *qc;
	char *err = NULL;
	int r;

	if ((qc = ctl_queue_open()) == NULL)
		return 1;
	r = qmgr_clnt_list(qc, ctl_queue_entry, &sum, NULL, &err);
	qmgr_clnt_free(&qc);
	if (r < 0) {
		fflush(stdout);
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		return 1;
	}
	if (!json) {
		if (sum.n == 0)
			printf("Mail queue is empty\n");
		else
			printf("-- %llu Kbytes in %llu Request%s.\n",
			    (unsigned long long)(sum.bytes + 1023) / 1024,
			    (unsigned long long)sum.n, sum.n == 1 ? "" : "s");
	}
	return 0;
}

static int
ctl_queue_action(const char *verb, char **ids, int n)
{
	static char all[] = "ALL";
	static char *allv[] = { all };
	struct qmgr_clnt *qc;
	char *err = NULL;
	uint64_t done;
	char *text;
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], "ALL") != 0 && !qid_valid(ids[i])) {
			fprintf(stderr, "postern: %s: not a queue ID\n",
			    ids[i]);
			return EX_USAGE_CTL;
		}
	if (n == 0 && strcmp(verb, "requeue") == 0) {
		ids = allv;
		n = 1;
	}
	if ((qc = ctl_queue_open()) == NULL)
		return 1;
	if (qmgr_clnt_request(qc, verb, ids, (size_t)n, &done, &text,
	    &err) < 0) {
		qmgr_clnt_free(&qc);
		fprintf(stderr, "postern: %s\n", err);
		free(err);
		return 1;
	}
	qmgr_clnt_free(&qc);
	if (strcmp(verb, "flush") == 0)
		printf("postern: deferred mail is being delivered now\n");
	else
		printf("postern: %s: %llu message%s\n",
		    strcmp(verb, "hold") == 0 ? "placed on hold" :
		    strcmp(verb, "release") == 0 ? "released from hold" :
		    strcmp(verb, "delete") == 0 ? "deleted" : "requeued",
		    (unsigned long long)done, done == 1 ? "" : "s");
	if (*text != '\0') {
		fprintf(stderr, "postern: %s\n", text);
		free(text);
		return 1;
	}
	free(text);
	return 0;
}

/* The queue file of qid in any queue, open read-only, or -1. */
static int
ctl_queue_find(const char *qid, char **path_r)
{
	static const char *const dirs[] = { QDIR_INCOMING, QDIR_DEFERRED,
	    QDIR_HOLD, NULL };
	int fd, i, denied = 0;
	char *path, *state;

	for (i = 0; dirs[i] != NULL; i++) {
		state = xasprintf("%s/%s", var_queue_directory, dirs[i]);
		path = qfile_path(state, qid);
		free(state);
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			*path_r = path;
			return fd;
		}
		denied |= errno == EACCES;
		free(path);
	}
	path = xasprintf("%s/%s/%s", var_queue_directory, QDIR_CORRUPT, qid);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		*path_r = path;
		return fd;
	}
	denied |= errno == EACCES;
	free(path);
	fprintf(stderr, "postern: %s: %s\n", qid, denied ? "permission "
	    "denied (run as root or as mail_owner)" : "no such message");
	return -1;
}

/* The content, CRLF turned into LF. */
static int
ctl_queue_body(int fd, const struct qfile_env *env)
{
	char buf[65536];
	uint64_t off = env->content_offset, left = env->content_size;
	size_t want, i;
	ssize_t n;
	int cr = 0;

	while (left > 0) {
		want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		if ((n = pread(fd, buf, want, (off_t)off)) <= 0)
			return -1;
		for (i = 0; i < (size_t)n; i++) {
			if (cr && buf[i] != '\n')
				putchar('\r');
			cr = buf[i] == '\r';
			if (!cr)
				putchar(buf[i]);
		}
		off += (uint64_t)n;
		left -= (uint64_t)n;
	}
	if (cr)
		putchar('\r');
	return 0;
}

static int
ctl_queue_cat(int argc, char **argv)
{
	struct qfile_env env;
	const char *err, *qid;
	char *path, when[64];
	time_t t;
	size_t i;
	int fd, body = 1, envl = 1;

	if (argc == 3 && strcmp(argv[1], "-b") == 0)
		envl = 0;
	else if (argc == 3 && strcmp(argv[1], "-e") == 0)
		body = 0;
	else if (argc != 2)
		goto usage;
	qid = argv[argc - 1];
	if (!qid_valid(qid))
		goto usage;
	if (ctl_queue_load() < 0 || (fd = ctl_queue_find(qid, &path)) < 0)
		return 1;
	if (qfile_read_env(fd, &env, &err) < 0) {
		fprintf(stderr, "postern: %s: %s\n", path, err);
		free(path);
		close(fd);
		return 1;
	}
	if (envl) {
		t = env.arrival.tv_sec;
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y",
		    localtime(&t));
		printf("*** ENVELOPE RECORDS %s ***\n", path);
		printf("message_size: %llu\n",
		    (unsigned long long)env.content_size);
		printf("message_arrival_time: %s\n", when);
		printf("sender: ");
		ctl_queue_puts(env.sender);
		putchar('\n');
		for (i = 0; i < env.nattrs; i++) {
			printf("named_attribute: ");
			ctl_queue_puts(env.attrs[i]);
			putchar('\n');
		}
		for (i = 0; i < env.nrcpts; i++) {
			if (env.rcpts[i].orcpt != NULL) {
				printf("original_recipient: ");
				ctl_queue_puts(env.rcpts[i].orcpt);
				putchar('\n');
			}
			if (env.rcpts[i].notify != NULL)
				printf("notify_flags: %s\n",
				    env.rcpts[i].notify);
			printf("%s: ", env.rcpts[i].done ? "done_recipient" :
			    "recipient");
			ctl_queue_puts(env.rcpts[i].addr);
			putchar('\n');
		}
	}
	if (body) {
		if (envl)
			printf("*** MESSAGE CONTENTS %s ***\n", path);
		if (ctl_queue_body(fd, &env) < 0) {
			fflush(stdout);
			fprintf(stderr, "postern: %s: read error\n", path);
		}
	}
	if (envl)
		printf("*** MESSAGE FILE END %s ***\n", path);
	qfile_env_free(&env);
	free(path);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: postern cat [-b | -e] QUEUE_ID\n");
	return EX_USAGE_CTL;
}

int
ctl_queue(int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "queue") == 0) {
		if (argc == 1)
			return ctl_queue_list(0);
		if (argc == 2 && strcmp(argv[1], "--json") == 0)
			return ctl_queue_list(1);
		fprintf(stderr, "usage: postern queue [--json]\n");
		return EX_USAGE_CTL;
	}
	if (strcmp(cmd, "cat") == 0)
		return ctl_queue_cat(argc, argv);
	if (strcmp(cmd, "flush") == 0) {
		if (argc != 1) {
			fprintf(stderr, "usage: postern flush\n");
			return EX_USAGE_CTL;
		}
		return ctl_queue_action("flush", NULL, 0);
	}
	if (argc < 2 && strcmp(cmd, "requeue") != 0) {
		fprintf(stderr, "usage: postern %s ID...|ALL\n", cmd);
		return EX_USAGE_CTL;
	}
	return ctl_queue_action(cmd, argv + 1, argc - 1);
}
