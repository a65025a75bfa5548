/* Unit tests for lib/sock: inet and UNIX listen/connect, peer identity. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"
#include "tap.h"

static int
has_flag(int fd, int getcmd, int flag)
{
	int fl = fcntl(fd, getcmd);

	return fl >= 0 && (fl & flag) != 0;
}

static int
sockopt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	return v;
}

/*
 * Listen on host port 0, connect to connect_host, accept; check both
 * ends' addresses. Always 9 tests.
 */
static void
inet_roundtrip(const char *host, const char *connect_host, const char *ip)
{
	char lport[16], lip[64], pip[64], pport[16], cip[64], cport[16];
	char *err = NULL;
	int lfd, cfd, afd;

	lfd = sock_listen_inet(host, "0", 16, &err);
	if (!ok(lfd >= 0, "listen %s:0", host ? host : "(null)")) {
		diag("%s", err ? err : "?");
		free(err);
		skip(8, "no listener");
		return;
	}
	ok(err == NULL, "no error text on success");
	ok(has_flag(lfd, F_GETFD, FD_CLOEXEC), "listener is close-on-exec");
	is_int(sockopt(lfd, SOL_SOCKET, SO_REUSEADDR) != 0, 1,
	    "SO_REUSEADDR set");
	sock_local_addr(lfd, lip, sizeof(lip), lport, sizeof(lport));
	cfd = sock_connect_inet(connect_host, lport, 5);
	ok(cfd >= 0, "connect to %s port %s", connect_host, lport);
	ok(!has_flag(cfd, F_GETFL, O_NONBLOCK) &&
	    has_flag(cfd, F_GETFD, FD_CLOEXEC),
	    "connected fd is blocking and close-on-exec");
	afd = accept(lfd, NULL, NULL);
	ok(sock_peer_addr(afd, pip, sizeof(pip), pport, sizeof(pport)) == 0,
	    "peer address of the accepted socket");
	sock_local_addr(cfd, cip, sizeof(cip), cport, sizeof(cport));
	is_str(pip, ip, "peer ip is numeric %s", ip);
	is_str(pport, cport, "peer port is the client's port");
	close(afd);
	close(cfd);
	close(lfd);
}

static void
test_inet(void)
{
	char *err = NULL, port[16], ip[64];
	int lfd, lfd2, fd;

	inet_roundtrip("127.0.0.1", "127.0.0.1", "127.0.0.1");

	/* IPv6 loopback, if the host has it */
	lfd = sock_listen_inet("[::1]", "0", 4, &err);
	if (lfd < 0) {
		diag("no IPv6 loopback: %s", err ? err : "?");
		free(err);
		err = NULL;
		skip(10, "IPv6 loopback unavailable");
	} else {
		is_int(sockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY), 1,
		    "[::1] listener is IPV6_V6ONLY");
		close(lfd);
		inet_roundtrip("::1", "[::1]", "::1");
	}

	/* wildcard: IPv4 clients show as IPv4 even on a dual-stack socket */
	inet_roundtrip("*", "127.0.0.1", "127.0.0.1");

	/* a port in use is an error naming the address */
	lfd = sock_listen_inet("127.0.0.1", "0", 4, &err);
	sock_local_addr(lfd, ip, sizeof(ip), port, sizeof(port));
	lfd2 = sock_listen_inet("127.0.0.1", port, 4, &err);
	ok(lfd2 == -1 && errno == EADDRINUSE, "second listen: EADDRINUSE");
	like(err, "127.0.0.1", "error names the address");
	free(err);
	err = NULL;
	close(lfd);

	/* connect to a closed port: refused */
	fd = sock_connect_inet("127.0.0.1", port, 5);
	ok(fd == -1 && errno == ECONNREFUSED, "closed port: ECONNREFUSED");

	/* bad input */
	ok(sock_listen_inet("127.0.0.1", "", 4, &err) == -1 && err != NULL,
	    "no port: error");
	free(err);
	err = NULL;
	ok(sock_listen_inet("[::1", "25", 4, &err) == -1 && err != NULL,
	    "unbalanced bracket: error");
	free(err);
	err = NULL;
	ok(sock_listen_inet("192.0.2.300", "0", 4, &err) == -1 && err != NULL,
	    "bad address: error");
	free(err);
	err = NULL;
	ok(sock_connect_inet("localhost", "25", 1) == -1 && errno == EINVAL,
	    "connect refuses names (no DNS here): EINVAL");
	ok(sock_connect_inet("127.0.0.1", "smtp", 1) == -1 && errno == EINVAL,
	    "connect refuses service names: EINVAL");

	/* small buffers */
	lfd = sock_listen_inet("127.0.0.1", "0", 4, &err);
	ok(sock_local_addr(lfd, ip, 4, NULL, 0) == -1 && errno == ENOSPC,
	    "ip buffer too small: ENOSPC");
	ok(sock_local_addr(lfd, ip, sizeof(ip), NULL, 0) == 0,
	    "port may be NULL");
	is_str(ip, "127.0.0.1", "local address");
	close(lfd);
}

static void
test_unix(void)
{
	char path[256], longpath[200], *err = NULL;
	struct stat st;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int lfd, lfd2, cfd, afd, fd;

	snprintf(path, sizeof(path), "%s/listen.sock", tap_tmpdir());
	lfd = sock_listen_unix(path, 0620, 1, &err);
	ok(lfd >= 0 && err == NULL, "listen on a UNIX path");
	ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "socket file made");
	is_int(st.st_mode & 07777, 0620, "with the mode asked for");
	ok(has_flag(lfd, F_GETFD, FD_CLOEXEC), "listener is close-on-exec");

	cfd = sock_connect_unix(path, 5);
	ok(cfd >= 0, "connect to it");
	afd = accept(lfd, NULL, NULL);
	ok(afd >= 0, "accept");
	uid = (uid_t)-1;
	gid = (gid_t)-1;
	pid = -1;
	ok(sock_peercred(afd, &uid, &gid, &pid) == 0, "peercred");
	is_int(uid, getuid(), "peer uid is ours");
	is_int(gid, getgid(), "peer gid is ours");
	is_int(pid, getpid(), "peer pid is ours");
	ok(sock_peercred(afd, NULL, NULL, NULL) == 0, "NULL outputs are fine");
	ok(sock_peer_addr(afd, longpath, sizeof(longpath), NULL, 0) == -1 &&
	    errno == EAFNOSUPPORT, "no inet address for a UNIX peer");
	close(afd);
	close(cfd);

	/* an old socket is replaced: new connections reach the new one */
	lfd2 = sock_listen_unix(path, 0600, 1, &err);
	ok(lfd2 >= 0, "a socket file in use is replaced");
	cfd = sock_connect_unix(path, 5);
	sock_set_nonblock(lfd, 1);
	sock_set_nonblock(lfd2, 1);
	afd = accept(lfd2, NULL, NULL);
	ok(afd >= 0, "the new listener gets the connection");
	close(afd);
	afd = accept(lfd, NULL, NULL);
	ok(afd == -1 && errno == EAGAIN, "the old one does not");
	close(cfd);
	close(lfd2);

	close(lfd);

	/* a stale socket (nobody listening) is replaced */
	ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode),
	    "socket file left behind after close");
	lfd = sock_listen_unix(path, 0600, 1, &err);
	ok(lfd >= 0, "stale socket replaced");
	is_int(stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1, 0600,
	    "new mode applied");
	close(lfd);

	/* a regular file is never removed */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (write(fd, "keep", 4) != 4)
		bail_out("write: %s", strerror(errno));
	close(fd);
	lfd = sock_listen_unix(path, 0600, 1, &err);
	ok(lfd == -1 && errno == EEXIST, "regular file at path: EEXIST");
	like(err, "not a socket", "error says so");
	free(err);
	err = NULL;
	ok(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4,
	    "and the file is still there, intact");

	/* a symbolic link, even to a socket, is not followed or removed */
	unlink(path);
	snprintf(longpath, sizeof(longpath), "%s/real.sock", tap_tmpdir());
	lfd2 = sock_listen_unix(longpath, 0600, 1, &err);
	close(lfd2);
	if (symlink(longpath, path) < 0)
		bail_out("symlink: %s", strerror(errno));
	lfd = sock_listen_unix(path, 0600, 1, &err);
	ok(lfd == -1 && errno == EEXIST, "symlink at path: refused");
	free(err);
	err = NULL;
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "symlink kept");
	unlink(path);

	/* names too long for sun_path */
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	lfd = sock_listen_unix(longpath, 0600, 1, &err);
	ok(lfd == -1 && errno == ENAMETOOLONG && err != NULL,
	    "path too long: ENAMETOOLONG");
	free(err);
	err = NULL;
	ok(sock_connect_unix(longpath, 1) == -1 && errno == ENAMETOOLONG,
	    "connect: path too long");
	ok(sock_connect_unix(path, 1) == -1 && errno == ENOENT,
	    "connect to a missing path: ENOENT");
}

static void
test_unix_timeout(void)
{
	char path[256], *err = NULL;
	struct sockaddr_storage ss;
	int lfd, fd, i, n = 0, r;
	int fill[256];

	/*
	 * Fill the listener's backlog with non-blocking connects (they fail
	 * with EAGAIN once it is full); then a connect with a timeout has
	 * to give up.
	 */
	snprintf(path, sizeof(path), "%s/full.sock", tap_tmpdir());
	lfd = sock_listen_unix(path, 0600, 0, &err);
	ok(lfd >= 0, "listener with backlog 0");
	for (i = 0; i < 256; i++) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		if (r < 0) {
			close(fd);
			break;
		}
		fill[n++] = fd;
	}
	ok(i < 256 && errno == EAGAIN, "backlog full after %d connects", n);
	fd = sock_connect_unix(path, 1);
	ok(fd == -1 && errno == ETIMEDOUT, "connect with timeout: ETIMEDOUT");

	/* once a slot frees up, it connects */
	{
		socklen_t len = sizeof(ss);

		fd = accept(lfd, (struct sockaddr *)&ss, &len);
		close(fd);
	}
	fd = sock_connect_unix(path, 5);
	ok(fd >= 0, "connect succeeds once the backlog drains");
	{
		struct timeval tv;
		socklen_t len = sizeof(tv);

		tv.tv_sec = tv.tv_usec = -1;
		getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len);
		ok(tv.tv_sec == 0 && tv.tv_usec == 0,
		    "the connect timeout is not left on the socket");
	}
	close(fd);
	for (i = 0; i < n; i++)
		close(fill[i]);
	close(lfd);
}

static void
test_flags(void)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
		bail_out("socketpair: %s", strerror(errno));
	is_int(sock_set_nonblock(sp[0], 1), 0, "set non-blocking");
	ok(has_flag(sp[0], F_GETFL, O_NONBLOCK), "O_NONBLOCK on");
	is_int(sock_set_nonblock(sp[0], 0), 0, "clear non-blocking");
	ok(!has_flag(sp[0], F_GETFL, O_NONBLOCK), "O_NONBLOCK off");
	is_int(sock_set_cloexec(sp[0], 1), 0, "set close-on-exec");
	ok(has_flag(sp[0], F_GETFD, FD_CLOEXEC), "FD_CLOEXEC on");
	is_int(sock_set_cloexec(sp[0], 0), 0, "clear close-on-exec");
	ok(!has_flag(sp[0], F_GETFD, FD_CLOEXEC), "FD_CLOEXEC off");
	close(sp[0]);
	close(sp[1]);
	ok(sock_set_nonblock(sp[0], 1) == -1 && errno == EBADF,
	    "closed fd: EBADF");
}

int
main(void)
{
	tap_init("sock");
	test_flags();
	test_inet();
	test_unix();
	test_unix_timeout();
	return done_testing();
}
