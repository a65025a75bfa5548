/*
 * NAME
 *	server_dgram - the datagram skeleton (postlogd): read each
 *	datagram with who sent it, hand it to the service.
 *
 * DESCRIPTION
 *	The listen socket is a datagram socket with SO_PASSCRED (the
 *	master sets it before anyone can send), so every datagram comes
 *	with the sender's pid, uid and gid as the kernel saw them. A
 *	wakeup reads up to SERVER_DGRAM_BATCH datagrams; the first one
 *	served is reported to the master as one client (TAKEN, then
 *	AVAIL), for its crash-loop check.
 *
 *	When the status channel ends (a reload retired this generation,
 *	or the master stops), the process serves what is queued, at most
 *	SERVER_DGRAM_DRAIN datagrams, and exits: what is left is there
 *	for the next process, which the master starts only after this
 *	one has exited (master/master_log.c), so the datagrams are served
 *	in the order they were sent.
 *
 * SECURITY
 *	Senders are every other service. A datagram longer than
 *	SERVER_DGRAM_MAX is dropped whole; the ancillary data is parsed
 *	by type and length; a datagram with more than one descriptor, or
 *	with truncated ancillary data, loses all of them (closed here).
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "server.h"
#include "server_private.h"

#define SERVER_DGRAM_BATCH	64
#define SERVER_DGRAM_FDS	4	/* room to see (and close) extras */

/* Pick the credentials and at most one descriptor out of a message. */
static void
server_dgram_control(struct msghdr *msg, struct server_dgram_peer *peer,
    int *fd_r)
{
	struct cmsghdr *c;
	struct ucred cred;
	int fds[SERVER_DGRAM_FDS], nfd = 0, bad, i, n;
	size_t len;

	bad = (msg->msg_flags & MSG_CTRUNC) != 0;
	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		len = c->cmsg_len - CMSG_LEN(0);
		if (c->cmsg_type == SCM_CREDENTIALS &&
		    len >= sizeof(cred)) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			peer->pid = cred.pid;
			peer->uid = cred.uid;
			peer->gid = cred.gid;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			n = (int)(len / sizeof(int));
			for (i = 0; i < n; i++) {
				if (nfd < SERVER_DGRAM_FDS)
					memcpy(&fds[nfd++], CMSG_DATA(c) +
					    i * sizeof(int), sizeof(int));
				else
					bad = 1;	/* cannot happen */
			}
		}
	}
	if (nfd > 1 || bad) {
		for (i = 0; i < nfd; i++)
			close(fds[i]);
		if (nfd > 0 || bad)
			log_warn("datagram from pid %ld: %s: descriptors "
			    "closed", (long)peer->pid, bad ?
			    "truncated ancillary data" : "more than one "
			    "descriptor");
		return;
	}
	if (nfd == 1)
		*fd_r = fds[0];
}

/*
 * Read and serve one datagram from lfd: 1 when one was served (or
 * dropped), 0 when none is there, -1 on error.
 */
static int
server_dgram_one(int lfd)
{
	static int reported;
	char buf[SERVER_DGRAM_MAX];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(struct ucred)) +
				    CMSG_SPACE(SERVER_DGRAM_FDS * sizeof(int))];
	} ctl;
	struct server_dgram_peer peer;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;
	int fd = -1;

	memset(&msg, 0, sizeof(msg));
	memset(&peer, 0, sizeof(peer));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(lfd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		log_error("recvmsg: %m");
		return -1;
	}
	server_dgram_control(&msg, &peer, &fd);
	if ((msg.msg_flags & MSG_TRUNC) != 0 || (size_t)n > sizeof(buf)) {
		log_warn("datagram of %zd bytes from pid %ld dropped: the "
		    "limit is %d", n, (long)peer.pid, SERVER_DGRAM_MAX);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	server_st.use_count++;
	if (!reported) {
		/* the master's crash-loop check wants one served client */
		reported = 1;
		server_report(SERVER_STATE_TAKEN);
		server_report(SERVER_STATE_AVAIL);
	}
	server_st.spec->dgram(buf, (size_t)n, &peer, fd);
	return 1;
}

static void
server_dgram_event(int lfd, int events, void *arg)
{
	int i;

	(void)events;
	(void)arg;
	for (i = 0; i < SERVER_DGRAM_BATCH; i++)
		if (server_dgram_one(lfd) <= 0)
			break;
}

void
server_dgram_watch(struct event_loop *ev)
{
	int i;

	for (i = 0; i < server_st.nlisten; i++)
		if (event_add_fd(ev, SERVER_LISTEN_FD + i, EVENT_READ,
		    server_dgram_event, NULL) < 0)
			log_fatal("event_add_fd: %m");
}

void
server_dgram_drain(void)
{
	long n = 0;
	int i, r;

	for (i = 0; i < server_st.nlisten; i++)
		while (n < SERVER_DGRAM_DRAIN &&
		    (r = server_dgram_one(SERVER_LISTEN_FD + i)) > 0)
			n++;
	log_debug("status channel closed: %ld datagram(s) served on the "
	    "way out", n);
	server_exit(0);
}
