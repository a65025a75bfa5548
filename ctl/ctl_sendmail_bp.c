/*
 * NAME
 *	ctl_sendmail_bp - mailq (sendmail -bp): list the queue; and
 *	sendmail -q: ask the queue manager to flush it
 *
 * DESCRIPTION
 *	-bp is `postern queue` (ctl_queue.c) when the queue manager
 *	answers on its control socket: its listing includes the deferral
 *	reasons. When it does not (qmgr is not running, so no message is
 *	active), -bp reads the queue directories itself (incoming/,
 *	deferred/, hold/, each with its hashed subdirectories). Both need
 *	root or mail_owner (the owner of a development instance); anyone
 *	else is told so. The output has the shape of Postfix's mailq, the
 *	same either way: one entry per message, oldest first, with the
 *	queue ID (followed by * when active, ! when held), the size, the
 *	arrival time and the sender, then the recipients still to be
 *	delivered, and a total at the end.
 *
 *	-q writes QMGR_TRIGGER_FLUSH to the queue manager's wakeup socket
 *	(public/qmgr, lib/qmgr_trigger): "deliver what is deferred now".
 *
 * SECURITY
 *	Queue files are read with lib/qfile, which validates every
 *	record; a file that does not validate is listed as unreadable and
 *	nothing else. Only names that are valid queue IDs are opened, with
 *	O_NOFOLLOW.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_sendmail.h"
#include "ipc.h"
#include "params.h"
#include "qfile_path.h"
#include "qmgr_clnt.h"
#include "qfile.h"
#include "qid.h"
#include "qmgr_proto.h"
#include "qmgr_trigger.h"
#include "xmalloc.h"

struct sendmail_qent {
	char	 qid[QID_SIZE];
	char	 mark;			/* ' ', * active, ! hold */
	char	*path;
};

struct sendmail_qlist {
	struct sendmail_qent *e;
	size_t	 n, cap;
};

static const struct {
	const char	*dir;
	char		 mark;
} sendmail_qdirs[] = {
	{ QDIR_INCOMING, ' ' },
	{ QDIR_DEFERRED, ' ' },
	{ QDIR_HOLD, '!' },
};

/* Add the queue files of one queue directory (all its subdirectories). */
static int
sendmail_scan(struct sendmail_qlist *l, const char *top, char mark)
{
	struct qfile_walk w;
	char qid[QID_SIZE];
	int r;

	qfile_walk_start(&w, top);
	while ((r = qfile_walk_next(&w, qid, NULL)) != 0) {
		if (r < 0 && errno == ENOTDIR)
			continue;
		if (r < 0)
			break;
		if (l->n == l->cap) {
			l->cap = l->cap == 0 ? 64 : l->cap * 2;
			l->e = xreallocarray(l->e, l->cap, sizeof(*l->e));
		}
		strlcpy(l->e[l->n].qid, qid, QID_SIZE);
		l->e[l->n].mark = mark;
		l->e[l->n].path = qfile_path(top, qid);
		l->n++;
	}
	qfile_walk_end(&w);
	return r < 0 ? -1 : 0;
}

static int
sendmail_qent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sendmail_qent *)a)->qid,
	    ((const struct sendmail_qent *)b)->qid);
}

/* Print one entry; returns its size (0 when it cannot be read). */
static unsigned long long
sendmail_print_entry(const struct sendmail_qent *e)
{
	char idm[QID_SIZE + 1];
	struct qfile_env env;
	const char *err;
	char when[32];
	unsigned long long size;
	time_t t;
	size_t i;
	int fd;

	if ((fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT)	/* gone meanwhile: delivered */
			printf("%s%c (cannot open: %s)\n", e->qid, e->mark,
			    strerror(errno));
		return 0;
	}
	memset(&env, 0, sizeof(env));
	if (qfile_read_env(fd, &env, &err) < 0) {
		printf("%s%c (unreadable: %s)\n", e->qid, e->mark, err);
		close(fd);
		return 0;
	}
	close(fd);
	t = env.arrival.tv_sec;
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S", localtime(&t));
	/* as `postern queue` prints it (ctl_queue.c) */
	snprintf(idm, sizeof(idm), "%s%c", e->qid, e->mark);
	printf("%-21s %8llu %s  %s\n", idm,
	    (unsigned long long)env.content_size, when,
	    env.sender[0] != '\0' ? env.sender : "MAILER-DAEMON");
	for (i = 0; i < env.nrcpts; i++)
		if (!env.rcpts[i].done)
			printf("%51s%s\n", "", env.rcpts[i].addr);
	printf("\n");
	size = (unsigned long long)env.content_size;
	qfile_env_free(&env);
	return size;
}

int
sendmail_bp(const struct sendmail_opts *opts)
{
	struct sendmail_qlist l;
	unsigned long long total = 0;
	struct qmgr_clnt *qc;
	char *qargv[] = { "queue", NULL };
	size_t i;
	char *top;
	int r = 0;

	(void)opts;
	ctl_as_mail_owner();	/* root reads the queue as its owner */
	/* the queue manager's listing, when it answers */
	if ((qc = qmgr_clnt_open(var_queue_directory, NULL)) != NULL) {
		qmgr_clnt_free(&qc);
		return ctl_queue(1, qargv);
	}
	memset(&l, 0, sizeof(l));
	for (i = 0; i < sizeof(sendmail_qdirs) / sizeof(sendmail_qdirs[0]) &&
	    r == 0; i++) {
		top = xasprintf("%s/%s", var_queue_directory,
		    sendmail_qdirs[i].dir);
		if ((r = sendmail_scan(&l, top, sendmail_qdirs[i].mark)) < 0)
			sendmail_warn("cannot read the queue (%s: %s): run "
			    "mailq as root or %s; a listing for every user "
			    "comes with the queue manager", top,
			    strerror(errno), var_mail_owner);
		free(top);
	}
	if (r == 0 && l.n == 0)
		printf("Mail queue is empty\n");
	else if (r == 0) {
		qsort(l.e, l.n, sizeof(*l.e), sendmail_qent_cmp);
		printf("%-21s %8s %-20s  %s\n", "-Queue ID-", "--Size--",
		    "----Arrival Time----", "-Sender/Recipient-------");
		for (i = 0; i < l.n; i++)
			total += sendmail_print_entry(&l.e[i]);
		printf("-- %llu Kbytes in %zu Request%s.\n",
		    (total + 1023) / 1024, l.n, l.n == 1 ? "" : "s");
	}
	for (i = 0; i < l.n; i++)
		free(l.e[i].path);
	free(l.e);
	return r == 0 ? 0 : EX_NOPERM;
}

int
sendmail_flush(const struct sendmail_opts *opts)
{
	char *path, *err = NULL;
	int r;

	(void)opts;
	path = xasprintf("%s/%s", var_queue_directory, QMGR_TRIGGER_SOCKET);
	if ((r = qmgr_trigger_send(path, QMGR_TRIGGER_FLUSH, &err)) < 0) {
		sendmail_warn("the queue manager is not running: %s", err);
		free(err);
	}
	free(path);
	return r < 0 ? EX_TEMPFAIL : 0;
}
