/*
 * NAME
 *	imapd_idle - IDLE (RFC 2177, RFC 9051 6.3.13)
 *
 * DESCRIPTION
 *	After "+ idling" the session waits for the client's DONE and, with
 *	a mailbox selected, for inotify events on the folder (its index,
 *	new/ and cur/: mailbox_watch), which a delivery or another session
 *	causes the moment it renames or records something: each wakes a
 *	sync that sends EXISTS, EXPUNGE and FETCH at once. No polling.
 *	Every imapd_idle_notify_interval the client is told "* OK Still
 *	here" (NAT tables forget silent connections); imapd_timeout after
 *	the last word from the client the session ends, as outside IDLE.
 */
#include "config.h"

#include <sys/inotify.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "monotime.h"
#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "params.h"
#include "stream.h"

/* inotify for the selected folder: its descriptor, or -1. */
static int
watch(struct imapd *d)
{
	struct imapd_sel *sel = d->sel;
	char *err = NULL;

	if (sel == NULL)
		return -1;
	if (sel->ifd >= 0)
		return sel->ifd;
	if ((sel->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		log_warn("%s: inotify: %m", d->sess.user);
		return -1;
	}
	if (mailbox_watch(sel->mb, sel->ifd, &err) < 0) {
		log_warn("%s: %s", d->sess.user, err);
		free(err);
		close(sel->ifd);
		sel->ifd = -1;
	}
	return sel->ifd;
}

static void
drain(int ifd)
{
	char buf[4096];

	while (read(ifd, buf, sizeof(buf)) > 0)
		;
}

/* The client's line that ends IDLE: 0 done, -1 the session ends. */
static int
client_line(struct imapd *d)
{
	struct span line;
	ssize_t n;

	if ((n = stream_read_line(d->s, &line)) == -1)
		return -1;
	d->in_bytes += n > 0 ? (uint64_t)n : 0;
	if (n > 0 && line.len == 4 && strncasecmp(line.ptr, "DONE", 4) == 0)
		imapd_tagged(d, "OK Idle completed.");
	else {
		imapd_tagged(d, "BAD Expected DONE.");
		d->bad++;
	}
	return 0;
}

int
imapd_cmd_idle(struct imapd *d, const struct imap_arg *args)
{
	long long now, last = monotime_ms(), notify, timeout;
	struct pollfd pfd[2];
	int ifd, wait, n;

	if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	ifd = watch(d);
	imapd_write(d, "+ idling\r\n", 10);
	notify = var_imapd_idle_notify_interval * 1000;
	timeout = var_imapd_timeout * 1000;
	for (;;) {
		(void)imapd_sync(d, 1);
		imapd_flush(d);
		if (stream_input_ready(d->s))
			return client_line(d) < 0 ? -1 : 0;
		now = monotime_ms();
		if (now - last >= timeout) {
			imapd_untagged(d, "BYE Disconnected for inactivity.");
			imapd_flush(d);
			return -1;
		}
		wait = (int)(timeout - (now - last));
		if (notify > 0 && wait > notify)
			wait = (int)notify;
		pfd[0].fd = stream_fd(d->s);
		pfd[0].events = POLLIN;
		pfd[1].fd = ifd;
		pfd[1].events = POLLIN;
		n = poll(pfd, ifd >= 0 ? 2 : 1, wait);
		if (n < 0 && errno != EINTR) {
			log_warn("%s: poll: %m", d->sess.user);
			return -1;
		}
		if (n == 0 && notify > 0 && monotime_ms() - last < timeout)
			imapd_untagged(d, "OK Still here");
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			return client_line(d) < 0 ? -1 : 0;
		if (ifd >= 0 && n > 0 && (pfd[1].revents & POLLIN))
			drain(ifd);
	}
}
