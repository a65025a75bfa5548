/*
 * NAME
 *	qmgr_defer - retry times, queue lifetimes, and the per-message
 *	defer record.
 *
 * DESCRIPTION
 *	Backoff is per message and exponential in effect, as in Postfix:
 *	the next attempt comes after the message's age, clamped between
 *	minimal_backoff_time and maximal_backoff_time. The time is kept as
 *	the modification time of the file in deferred/, so a scan decides
 *	with one stat and no extra state.
 *
 *	A message is expired when it is older than maximal_queue_lifetime,
 *	or bounce_queue_lifetime when its sender is null (a notice).
 *
 *	defer/H/QID holds the last deferral reason of each deferred
 *	recipient and whether a delay warning went out, one line each:
 *		W
 *		R <TAB> recipient <TAB> 4.x.y reason
 *	It is advisory (for `postern queue`, and to send one warning
 *	only): written under a temporary name and renamed, not fsynced; if
 *	a crash loses it, the listing shows no reason and at worst a second
 *	warning goes out.
 *
 * SECURITY
 *	Reasons were cleaned of control characters (qmgr_clean) before
 *	they got here, so a line is a line. The reader bounds the file size
 *	and the number of lines.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "qmgr.h"
#include "xmalloc.h"

#define QMGR_DEFER_MAX	(256 * 1024)

time_t
qmgr_defer_next(const struct qmgr_msg *m, time_t now)
{
	long long delay = (long long)(now - m->env.arrival.tv_sec);

	if (delay > var_maximal_backoff_time)
		delay = var_maximal_backoff_time;
	if (delay < var_minimal_backoff_time)
		delay = var_minimal_backoff_time;
	return now + (time_t)delay;
}

int
qmgr_expired(const struct qmgr_msg *m, time_t now)
{
	long long life = *m->env.sender == '\0' ? var_bounce_queue_lifetime :
	    var_maximal_queue_lifetime;

	return (long long)(now - m->env.arrival.tv_sec) >= life;
}

int
qmgr_defer_write(const struct qmgr_msg *m, int warned)
{
	char *path = qfile_path(QMGR_DEFER_DIR, m->qid), *tmp;
	struct vbuf *b = vbuf_new(256, QMGR_DEFER_MAX);
	const struct qmgr_qr *qr;
	size_t i;
	FILE *fp;
	int r = -1;

	if (warned)
		vbuf_appends(b, "W\n");
	for (i = 0; i < m->nqr; i++) {
		qr = &m->qr[i];
		if (!qr->deferred)
			continue;
		if (vbuf_appendf(b, "R\t%s\t%s %s\n",
		    m->env.rcpts[qr->index].addr, qr->dsn,
		    qr->reason != NULL ? qr->reason : "") < 0)
			break;
	}
	tmp = xasprintf("%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL && errno == ENOENT &&
	    qfile_mksubdir(QMGR_DEFER_DIR, m->qid) == 0)
		fp = fopen(tmp, "w");
	if (fp != NULL) {
		if (fwrite(vbuf_str(b), 1, vbuf_len(b), fp) == vbuf_len(b) &&
		    fclose(fp) == 0 && rename(tmp, path) == 0)
			r = 0;
		else
			(void)unlink(tmp);
	}
	if (r < 0)
		log_error("%s: write %s: %m", m->qid, path);
	free(tmp);
	free(path);
	vbuf_free(&b);
	return r;
}

int
qmgr_defer_read(const char *qid, struct qmgr_defer_info *info)
{
	char *path = qfile_path(QMGR_DEFER_DIR, qid), *line = NULL, *tab;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;

	memset(info, 0, sizeof(*info));
	fp = fopen(path, "r");
	free(path);
	if (fp == NULL)
		return -1;
	while (info->n < 100000 && (len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (strcmp(line, "W") == 0) {
			info->warned = 1;
			continue;
		}
		if (line[0] != 'R' || line[1] != '\t' ||
		    (tab = strchr(line + 2, '\t')) == NULL)
			continue;
		info->addr = xreallocarray(info->addr, info->n + 1,
		    sizeof(char *));
		info->reason = xreallocarray(info->reason, info->n + 1,
		    sizeof(char *));
		info->addr[info->n] = xstrndup(line + 2,
		    (size_t)(tab - line - 2));
		info->reason[info->n] = xstrdup(tab + 1);
		info->n++;
	}
	free(line);
	fclose(fp);
	return 0;
}

void
qmgr_defer_info_free(struct qmgr_defer_info *info)
{
	size_t i;

	for (i = 0; i < info->n; i++) {
		free(info->addr[i]);
		free(info->reason[i]);
	}
	free(info->addr);
	free(info->reason);
	memset(info, 0, sizeof(*info));
}

void
qmgr_defer_remove(const char *qid)
{
	char *path = qfile_path(QMGR_DEFER_DIR, qid);

	if (unlink(path) < 0 && errno != ENOENT)
		log_error("%s: unlink %s: %m", qid, path);
	free(path);
}
