/*
 * mbox - a reader of a Maildir through lib/mailbox, for the POP3 tests:
 * another process that opens, syncs and reads the same folder while
 * pop3d works on it.
 *
 *	mbox [-r] [-n ROUNDS] MAILDIR
 *
 * Prints "uidvalidity N", then "UID VSIZE FLAGS NAME" per message (the
 * last round's view); with -r it also opens and reads every message
 * (a message gone meanwhile is fine: the store says so); -n repeats
 * the sync-and-read ROUNDS times. Exits 0, or 1 with the error on
 * stderr when the store fails.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailbox.h"
#include "maildir.h"

static int
read_all(int fd, unsigned long long *n_r)
{
	char buf[65536];
	ssize_t n;

	*n_r = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*n_r += (unsigned long long)n;
	return n < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct maildir *md;
	struct mailbox *mb;
	const struct mailbox_msg *m;
	unsigned long long got;
	char *err = NULL;
	int ch, rd = 0, rounds = 1, round, fd, r;
	uint32_t i;

	while ((ch = getopt(argc, argv, "rn:")) != -1) {
		switch (ch) {
		case 'r':
			rd = 1;
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: mbox [-r] [-n ROUNDS] MAILDIR\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: mbox [-r] [-n ROUNDS] MAILDIR\n");
		return 2;
	}
	if (maildir_open(open("/", O_RDONLY | O_DIRECTORY), argv[optind], 0,
	    &md, &err) < 0 ||
	    mailbox_open(md, md, 0, &mb, &err) < 0) {
		fprintf(stderr, "mbox: %s\n", err);
		return 1;
	}
	for (round = 0; round < rounds; round++) {
		if (mailbox_sync(mb, 0, &err) < 0) {
			fprintf(stderr, "mbox: %s\n", err);
			return 1;
		}
		mailbox_purge(mb);
		for (i = 0; rd && i < mailbox_count(mb); i++) {
			m = mailbox_msg(mb, i);
			if ((r = mailbox_msg_open(mb, m->uid, &fd, &err)) < 0) {
				fprintf(stderr, "mbox: %s\n", err);
				return 1;
			}
			if (r == 0)
				continue;	/* expunged by another process */
			if (read_all(fd, &got) < 0) {
				fprintf(stderr, "mbox: read: %s\n",
				    strerror(errno));
				return 1;
			}
			close(fd);
		}
	}
	printf("uidvalidity %u\n", mailbox_uidvalidity(mb));
	for (i = 0; i < mailbox_count(mb); i++) {
		m = mailbox_msg(mb, i);
		if (m->state & MAILBOX_MSG_EXPUNGED)
			continue;
		printf("%u %llu %u %s\n", m->uid, (unsigned long long)m->vsize,
		    m->flags, m->name);
	}
	mailbox_close(&mb);
	maildir_close(&md);
	return 0;
}
