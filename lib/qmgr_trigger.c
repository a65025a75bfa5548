/*
 * NAME
 *	qmgr_trigger - the client of qmgr's wakeup socket; see
 *	qmgr_trigger.h and qmgr_proto.h.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "qid.h"
#include "qmgr_proto.h"
#include "qmgr_trigger.h"
#include "sock.h"
#include "xmalloc.h"

struct qmgr_trigger {
	char	*path;
	int	 fd;
	char	 in[QMGR_TRIGGER_LINE_MAX + 1];
	size_t	 inlen;
};

int
qmgr_trigger_send(const char *path, int verb, char **err_r)
{
	char c = (char)verb;
	ssize_t n;
	int fd;

	if ((fd = sock_connect_unix(path, QMGR_TRIGGER_TIMEOUT)) < 0)
		return err_set(err_r, "cannot connect to %s: %m", path);
	do
		n = send(fd, &c, 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		err_set(err_r, "writing to %s: %m", path);
	close(fd);
	return n == 1 ? 0 : -1;
}

struct qmgr_trigger *
qmgr_trigger_new(const char *path)
{
	struct qmgr_trigger *qt = xcalloc(1, sizeof(*qt));

	qt->path = xstrdup(path);
	qt->fd = -1;
	return qt;
}

static void
qmgr_trigger_hangup(struct qmgr_trigger *qt)
{
	if (qt->fd >= 0)
		close(qt->fd);
	qt->fd = -1;
	qt->inlen = 0;
}

void
qmgr_trigger_free(struct qmgr_trigger **qtp)
{
	if (*qtp == NULL)
		return;
	qmgr_trigger_hangup(*qtp);
	free((*qtp)->path);
	free(*qtp);
	*qtp = NULL;
}

void
qmgr_trigger_spares(struct qmgr_trigger *qt, qmgr_trigger_spare_fn fn)
{
	char *p, *nl, *end;
	ssize_t n;

	while (qt->fd >= 0) {
		n = recv(qt->fd, qt->in + qt->inlen, sizeof(qt->in) - 1 -
		    qt->inlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			qmgr_trigger_hangup(qt);	/* qmgr went */
			return;
		}
		qt->inlen += (size_t)n;
		end = qt->in + qt->inlen;
		for (p = qt->in; (nl = memchr(p, '\n', (size_t)(end - p))) !=
		    NULL; p = nl + 1) {
			*nl = '\0';
			if (p[0] == QMGR_TRIGGER_SPARE)
				fn(p + 1);
		}
		qt->inlen = (size_t)(end - p);
		memmove(qt->in, p, qt->inlen);
		if (qt->inlen == sizeof(qt->in) - 1)
			qt->inlen = 0;		/* no line: not qmgr's */
	}
}

/* Send len bytes of lines on the kept connection, made when needed. */
static int
qmgr_trigger_lines(struct qmgr_trigger *qt, const char *lines, size_t len,
    const char *what)
{
	ssize_t n;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (qt->fd < 0 && (qt->fd = sock_connect_unix(qt->path,
		    QMGR_TRIGGER_TIMEOUT)) < 0) {
			log_debug("trigger %s: connect %s: %m", what, qt->path);
			return -1;
		}
		do
			n = send(qt->fd, lines, len, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && errno == EAGAIN)
			return -1;	/* qmgr is behind: its scan finds it */
		qmgr_trigger_hangup(qt);	/* qmgr went since: a new one */
	}
	return -1;
}

int
qmgr_trigger_queued(struct qmgr_trigger *qt, const char *qid)
{
	char line[QID_SIZE + 3];
	int len;

	len = snprintf(line, sizeof(line), "%c%s\n", QMGR_TRIGGER_QUEUED, qid);
	if (len < 0 || (size_t)len >= sizeof(line))
		return -1;
	return qmgr_trigger_lines(qt, line, (size_t)len, qid);
}

int
qmgr_trigger_need(struct qmgr_trigger *qt, int n)
{
	char lines[2 * 16];
	int i;

	if (n <= 0)
		return 0;
	if (n > (int)sizeof(lines) / 2)
		n = (int)sizeof(lines) / 2;
	for (i = 0; i < n; i++) {
		lines[2 * i] = QMGR_TRIGGER_NEED;
		lines[2 * i + 1] = '\n';
	}
	return qmgr_trigger_lines(qt, lines, (size_t)(2 * n), "spare names");
}
