/* Unit tests for lib/fdpass: SCM_RIGHTS over socketpairs. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "tap.h"
#include "xmalloc.h"

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));
}

/* sendmsg with nfds descriptors attached to one byte, bypassing fdpass. */
static void
raw_send(int sock, const int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(16 * sizeof(int))];
	} cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = (char *)"X";
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		bail_out("sendmsg: %s", strerror(errno));
}

static char path[512];

static void
test_regular_file(void)
{
	struct stat st, want;
	const char *err;
	char buf[64];
	int sv[2], fd, rfd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/msg", tap_tmpdir());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		bail_out("open: %s", strerror(errno));
	if (write(fd, "Subject: hi\n\nbody\n", 18) != 18)
		bail_out("write: %s", strerror(errno));
	close(fd);
	stat(path, &want);

	pair(sv);
	fd = open(path, O_RDONLY);
	is_int(fdpass_send_fd(sv[0], fd, 1000), 0, "send a regular file");
	close(fd);
	is_int(fdpass_recv_fd(sv[1], &rfd, 1000), 0, "receive it");
	ok(rfd >= 0, "a descriptor came");
	ok((fcntl(rfd, F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec");
	is_int(fdpass_check_reg(rfd, &st, &err), 0, "fstat: regular file");
	ok(st.st_dev == want.st_dev && st.st_ino == want.st_ino,
	    "same inode as the file sent");
	is_int(fdpass_check_sock(rfd, NULL, &err), -1, "not a socket");
	is_str(err, "received descriptor is not a socket", "reason");
	n = read(rfd, buf, sizeof(buf));
	is_mem(buf, n > 0 ? (size_t)n : 0, "Subject: hi\n\nbody\n", 18,
	    "content read through the descriptor");
	close(rfd);
	close(sv[0]);
	close(sv[1]);
}

static void
test_socket_and_dir(void)
{
	const char *err;
	char buf[8];
	int sv[2], other[2], fd, rfd;

	pair(sv);
	pair(other);
	is_int(fdpass_send_fd(sv[0], other[0], 1000), 0, "send a socket");
	close(other[0]);
	is_int(fdpass_recv_fd(sv[1], &rfd, 1000), 0, "receive it");
	is_int(fdpass_check_sock(rfd, NULL, &err), 0, "fstat: a socket");
	is_int(fdpass_check_reg(rfd, NULL, &err), -1, "not a regular file");
	is_str(err, "received descriptor is not a regular file", "reason");
	ok(write(rfd, "ping", 4) == 4 && read(other[1], buf, 4) == 4 &&
	    memcmp(buf, "ping", 4) == 0, "the passed socket works");
	close(rfd);
	close(other[1]);

	fd = open(tap_tmpdir(), O_RDONLY | O_DIRECTORY);
	fdpass_send_fd(sv[0], fd, 1000);
	close(fd);
	fdpass_recv_fd(sv[1], &rfd, 1000);
	is_int(fdpass_check_reg(rfd, NULL, &err), -1,
	    "a directory is not a regular file");
	close(rfd);
	is_int(fdpass_send_fd(sv[0], -1, 1000), -1, "send_fd needs an fd");
	close(sv[0]);
	close(sv[1]);
}

static void
test_unexpected(void)
{
	int sv[2], fds[3], rfd, before, fd;
	char buf[4];
	ssize_t n;

	before = open_fds();
	pair(sv);

	/* a byte without a descriptor */
	if (write(sv[0], "X", 1) != 1)
		bail_out("write");
	is_int(fdpass_recv_fd(sv[1], &rfd, 1000), -1, "byte without fd");
	is_int(errno, EPROTO, "EPROTO");
	is_int(rfd, -1, "no descriptor returned");

	/* three descriptors in one message: all closed */
	fds[0] = open(path, O_RDONLY);
	fds[1] = open(path, O_RDONLY);
	fds[2] = open(path, O_RDONLY);
	raw_send(sv[0], fds, 3);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	is_int(fdpass_recv_fd(sv[1], &rfd, 1000), -1,
	    "three descriptors in one message refused");
	is_int(errno, EPROTO, "EPROTO");

	/* sixteen: more than fdpass keeps; every one must be closed */
	{
		int many[16], i;

		for (i = 0; i < 16; i++)
			many[i] = open(path, O_RDONLY);
		raw_send(sv[0], many, 16);
		for (i = 0; i < 16; i++)
			close(many[i]);
	}
	is_int(fdpass_recv_fd(sv[1], &rfd, 1000), -1,
	    "sixteen descriptors refused");

	/* two messages with one each, read by one call: the second is
	 * refused and closed, the first is kept for the caller */
	fd = open(path, O_RDONLY);
	fdpass_send(sv[0], "A", 1, fd, 1000);
	fdpass_send(sv[0], "B", 1, fd, 1000);
	close(fd);
	rfd = -1;
	n = fdpass_recv(sv[1], buf, 2, &rfd, 1000);
	ok(n == -1 && errno == EPROTO, "second descriptor within one read "
	    "refused");
	ok(rfd >= 0, "the first is still the caller's");
	close(rfd);

	/* EOF */
	close(sv[0]);
	is_int(fdpass_recv_fd(sv[1], &rfd, 1000), -1, "EOF");
	is_int(errno, ECONNRESET, "ECONNRESET at EOF");
	close(sv[1]);
	is_int(open_fds(), before, "no descriptor leaked");
}

static void
test_big_and_timeouts(void)
{
	size_t big = 4 * 1024 * 1024, got = 0;
	char *buf, *back;
	int sv[2], pfd[2], rfd = -1, status;
	pid_t pid;
	ssize_t n;

	/* a frame far larger than the socket buffer: partial sends resume,
	 * the descriptor arrives with the first part */
	buf = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		buf[i] = (char)(i * 7);
	pair(sv);
	if ((pid = fork()) == 0) {
		close(sv[1]);
		int fd = open(path, O_RDONLY);

		_exit(fdpass_send(sv[0], buf, big, fd, 10000) == 0 ? 0 : 1);
	}
	close(sv[0]);
	back = xmalloc(big);
	n = fdpass_recv(sv[1], back, big, &rfd, 10000);
	got = n > 0 ? (size_t)n : 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "4 MiB sent with partial writes");
	ok(got == big && memcmp(buf, back, big) == 0, "received intact");
	ok(rfd >= 0, "with its descriptor");
	if (rfd >= 0)
		close(rfd);
	free(back);
	close(sv[1]);

	/* timeouts both ways */
	pair(sv);
	rfd = -1;
	n = fdpass_recv(sv[1], back = xmalloc(4), 4, &rfd, 50);
	ok(n == -1 && errno == ETIMEDOUT, "recv times out");
	free(back);
	while (send(sv[0], buf, 65536, MSG_DONTWAIT) > 0)
		;
	ok(fdpass_send(sv[0], "x", 1, -1, 50) == -1 && errno == ETIMEDOUT,
	    "send times out on a full socket");
	close(sv[0]);
	close(sv[1]);
	free(buf);

	/* a pipe is not a socket; a closed peer is EPIPE, not SIGPIPE */
	if (pipe(pfd) < 0)
		bail_out("pipe");
	ok(fdpass_send(pfd[1], "x", 1, -1, 50) == -1 && errno == ENOTSOCK,
	    "pipe: ENOTSOCK");
	close(pfd[0]);
	close(pfd[1]);
	pair(sv);
	close(sv[1]);
	ok(fdpass_send(sv[0], "x", 1, -1, 50) == -1 && errno == EPIPE,
	    "closed peer: EPIPE without a signal");
	close(sv[0]);
	ok(fdpass_send(0, "", 0, -1, 50) == -1 && errno == EINVAL,
	    "empty send refused");
}

static void
test_nonblocking(void)
{
	int sv[2], fd, rfd = -1;
	char c;

	pair(sv);
	ok(fdpass_recvmsg(sv[1], &c, 1, &rfd) == -1 && errno == EAGAIN,
	    "recvmsg: EAGAIN when empty");
	fd = open(path, O_RDONLY);
	fdpass_send_fd(sv[0], fd, 1000);
	close(fd);
	ok(fdpass_recvmsg(sv[1], &c, 1, &rfd) == 1 && rfd >= 0,
	    "recvmsg: byte and descriptor");
	close(rfd);
	close(sv[0]);
	rfd = -1;
	is_int(fdpass_recvmsg(sv[1], &c, 1, &rfd), 0, "recvmsg: 0 at EOF");
	close(sv[1]);
}

int
main(void)
{
	tap_init("fdpass");
	signal(SIGPIPE, SIG_DFL);	/* fdpass must not need it ignored */
	test_regular_file();
	test_socket_and_dir();
	test_unexpected();
	test_big_and_timeouts();
	test_nonblocking();
	return done_testing();
}
