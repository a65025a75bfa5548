/*
 * fdpass - passing one open file descriptor over a UNIX stream socket.
 *
 * DESCRIPTION
 *	SCM_RIGHTS sending and receiving with deadlines; see fdpass.h. The
 *	descriptor goes with the first sendmsg of a message; on the
 *	receiving side Linux hands it to the first recvmsg that consumes a
 *	byte of that message and never merges two descriptor-carrying
 *	writes into one read, so reading a message in pieces is safe.
 *
 * SECURITY
 *	Peers are untrusted: every descriptor the kernel gives us is either
 *	returned to the caller (exactly one, when one was allowed) or
 *	closed here. Nothing leaks across exec (MSG_CMSG_CLOEXEC).
 *
 * UNSAFE: cmsg buffers are walked with the CMSG_* macros and descriptors
 * copied out of them with memcpy (the data may be unaligned).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "monotime.h"

/* Room for this many descriptors, so that extras arrive and are closed. */
#define FDPASS_MAXFDS	8

static long long
fdpass_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : monotime_ms() + timeout_ms;
}

/* Wait until sock is ready for events or the deadline passes (-1: never). */
static int
fdpass_wait(int sock, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int ms, r;

	for (;;) {
		ms = -1;
		if (deadline >= 0) {
			left = deadline - monotime_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		pfd.fd = sock;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 0;	/* the next call reports HUP/ERR */
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

int
fdpass_send(int sock, const void *buf, size_t len, int fd, int timeout_ms)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr *c;
	struct msghdr msg;
	struct iovec iov;
	long long deadline = fdpass_deadline(timeout_ms);
	size_t done = 0;
	ssize_t n;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	while (done < len) {
		memset(&msg, 0, sizeof(msg));
		/* UNSAFE: iovec wants a non-const pointer; sendmsg only reads */
		iov.iov_base = (char *)(uintptr_t)buf + done;
		iov.iov_len = len - done;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if (fd >= 0 && done == 0) {
			memset(&cm, 0, sizeof(cm));
			msg.msg_control = cm.buf;
			msg.msg_controllen = sizeof(cm.buf);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (fdpass_wait(sock, POLLOUT, deadline) < 0)
				return -1;
			continue;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Close n descriptors. */
static void
fdpass_close_all(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

ssize_t
fdpass_recvmsg(int sock, void *buf, size_t len, int *fd_r)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(FDPASS_MAXFDS * sizeof(int)) +
				    CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct cmsghdr *c;
	struct msghdr msg;
	struct iovec iov;
	int got[FDPASS_MAXFDS], ngot = 0, bad = 0, fd;
	size_t i, nfd;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			/* UNSAFE: descriptor i of this cmsg, possibly unaligned */
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (ngot < FDPASS_MAXFDS)
				got[ngot++] = fd;
			else {
				close(fd);
				bad = 1;
			}
		}
	}
	if ((msg.msg_flags & MSG_CTRUNC) != 0 || ngot > 1 ||
	    (ngot == 1 && *fd_r >= 0))
		bad = 1;
	if (bad) {
		fdpass_close_all(got, ngot);
		errno = EPROTO;
		return -1;
	}
	if (ngot == 1)
		*fd_r = got[0];
	return n;
}

ssize_t
fdpass_recv(int sock, void *buf, size_t len, int *fd_r, int timeout_ms)
{
	long long deadline = fdpass_deadline(timeout_ms);
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		/* UNSAFE: the unread rest of the caller's buffer */
		n = fdpass_recvmsg(sock, (char *)buf + done, len - done, fd_r);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (fdpass_wait(sock, POLLIN, deadline) < 0)
			return -1;
	}
	return (ssize_t)done;
}

int
fdpass_send_fd(int sock, int fd, int timeout_ms)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	return fdpass_send(sock, "F", 1, fd, timeout_ms);
}

int
fdpass_recv_fd(int sock, int *fd_r, int timeout_ms)
{
	char byte;
	int fd = -1;
	ssize_t n;

	*fd_r = -1;
	n = fdpass_recv(sock, &byte, 1, &fd, timeout_ms);
	if (n == 1 && fd >= 0) {
		*fd_r = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (n == 0)
		errno = ECONNRESET;
	else if (n == 1)
		errno = EPROTO;
	return -1;
}

static int
fdpass_check(int fd, mode_t type, struct stat *st_r, const char **err_r)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		*err_r = "fstat failed on the received descriptor";
		return -1;
	}
	if ((st.st_mode & S_IFMT) != type) {
		*err_r = type == S_IFREG ? "received descriptor is not a "
		    "regular file" : "received descriptor is not a socket";
		return -1;
	}
	if (st_r != NULL)
		*st_r = st;
	return 0;
}

int
fdpass_check_reg(int fd, struct stat *st_r, const char **err_r)
{
	return fdpass_check(fd, S_IFREG, st_r, err_r);
}

int
fdpass_check_sock(int fd, struct stat *st_r, const char **err_r)
{
	return fdpass_check(fd, S_IFSOCK, st_r, err_r);
}
