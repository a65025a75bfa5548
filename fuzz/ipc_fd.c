/*
 * fuzz/ipc_fd - records and descriptors from a peer over a real UNIX
 * socket (lib/ipc ipc_recv/ipc_recv_fd, lib/fdpass), as local delivery
 * receives a queue file from qmgr and smtpd the answers of auth.
 *
 * Input: control bytes (how many descriptors, of which kinds, ride on
 * the first and on the second write; where the bytes are split; which
 * receiver), then the bytes the peer writes. The peer may attach no
 * descriptor, several, or ones of the wrong kind (a directory, a pipe,
 * a socket, a device) to any write. Properties: the receiver never
 * leaks a descriptor (the process has the same open descriptors after
 * the exchange as before); what it hands out is one descriptor,
 * close-on-exec, and only where one was asked for; errors have a
 * reason.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "fuzz.h"
#include "ipc.h"

#define FD_MAX_SEND	4

/* A descriptor of some kind for the peer to send. */
static int
make_fd(unsigned kind, int *extra)
{
	int p[2], fd;

	*extra = -1;
	switch (kind % 5) {
	case 0:
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	case 1:
		if ((fd = memfd_create("fuzz-queue-file", MFD_CLOEXEC)) >= 0 &&
		    write(fd, "x", 1) != 1) {
			close(fd);
			return -1;
		}
		return fd;
	case 2:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		*extra = p[1];
		return p[0];
	case 3:
		return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	default:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
			return -1;
		*extra = p[1];
		return p[0];
	}
}

/* One write of the peer, with nfds descriptors attached. */
static void
peer_send(int sock, const uint8_t *p, size_t len, int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * FD_MAX_SEND)];
	} cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	char one = 0;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = len > 0 ? (void *)(uintptr_t)p : &one;
	iov.iov_len = len > 0 ? len : 1;	/* descriptors need a byte */
	if (len == 0 && nfds == 0)
		return;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	FUZZ_CHECK(sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)iov.iov_len);
}

static void
check_fd(int fd)
{
	struct stat st;
	const char *err;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	if (fdpass_check_reg(fd, &st, &err) < 0)
		FUZZ_CHECK(err != NULL && *err != '\0');
	if (fdpass_check_sock(fd, &st, &err) < 0)
		FUZZ_CHECK(err != NULL && *err != '\0');
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], fds[2][FD_MAX_SEND], extra[2][FD_MAX_SEND];
	int nfds[2], before, i, j, fd, rc, mode, got;
	struct ipc_chan ch;
	struct ipc_rec *r;
	size_t split;

	fuzz_quiet_log();
	if (size < 3 || size > 65536)
		return 0;
	before = fuzz_count_fds();
	nfds[0] = data[0] % (FD_MAX_SEND + 1);
	nfds[1] = (data[0] / (FD_MAX_SEND + 1)) % (FD_MAX_SEND + 1);
	mode = data[1] % 3;
	split = size - 3 == 0 ? 0 : data[2] % (size - 3 + 1);
	data += 3;
	size -= 3;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	for (i = 0; i < 2; i++)
		for (j = 0; j < nfds[i]; j++) {
			fds[i][j] = make_fd((unsigned)(i * 7 + j +
			    data[-3] / 25), &extra[i][j]);
			FUZZ_CHECK(fds[i][j] >= 0);
		}
	peer_send(sv[1], data, split, fds[0], nfds[0]);
	peer_send(sv[1], data + split, size - split, fds[1], nfds[1]);
	shutdown(sv[1], SHUT_WR);
	/* the peer's copies go: only the socket holds them now */
	for (i = 0; i < 2; i++)
		for (j = 0; j < nfds[i]; j++) {
			close(fds[i][j]);
			if (extra[i][j] >= 0)
				close(extra[i][j]);
		}

	ipc_chan_init(&ch, sv[0], "fuzz peer");
	ch.timeout_ms = 2000;	/* everything is there: never waited for */
	for (got = 0; got < 64; got++) {
		fd = -1;
		if (mode == 0)
			rc = ipc_recv(&ch, &r);
		else if (mode == 1)
			rc = ipc_recv_fd(&ch, &r, &fd);
		else {
			rc = fdpass_recv_fd(sv[0], &fd, 2000) == 0 ? 1 : -1;
			r = NULL;
		}
		if (rc <= 0) {
			FUZZ_CHECK(fd == -1 && r == NULL);
			if (rc < 0 && mode < 2)
				FUZZ_CHECK(ch.err[0] != '\0');
			break;
		}
		ipc_rec_free(&r);
		if (fd >= 0)
			check_fd(fd);
	}
	close(sv[0]);
	close(sv[1]);
	FUZZ_CHECK(fuzz_count_fds() == before);
	return 0;
}
