/*
 * sock - listen, connect and peer identity for inet and UNIX sockets;
 * see sock.h.
 *
 * DESCRIPTION
 *	Every descriptor made here is close-on-exec from birth (SOCK_CLOEXEC,
 *	never a window with fcntl). Listeners set SO_REUSEADDR so a restarted
 *	master can bind at once; an IPv6 listener on a given address sets
 *	IPV6_V6ONLY so that "0.0.0.0" and "::" can be bound side by side.
 *	Connections are returned in blocking mode; the timeout applies to the
 *	connect only.
 *
 * SECURITY
 *	The UNIX listener removes an old file only when it is a socket (left
 *	by an earlier master; the master's lock keeps two from running): a
 *	regular file, a directory or a symbolic link at the path is refused,
 *	never unlinked. The socket is born with its mode (bind under the
 *	matching umask): nothing is done to it by name afterwards, so a
 *	link renamed over it at once leads nowhere. Made in a directory
 *	that a less privileged user can write, a socket must be made by
 *	that user (sock_listen_unix_as: a child process running as the
 *	directory's owner). Connect never looks names up (numeric addresses
 *	only): DNS is the resolver's job.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monotime.h"
#include "sock.h"
#include "xmalloc.h"

int
sock_set_nonblock(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) < 0)
		return -1;
	if (on)
		fl |= O_NONBLOCK;
	else
		fl &= ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -1 : 0;
}

int
sock_set_cloexec(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFD)) < 0)
		return -1;
	if (on)
		fl |= FD_CLOEXEC;
	else
		fl &= ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, fl) < 0 ? -1 : 0;
}

int
sock_set_nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
		return 0;
	return errno == EOPNOTSUPP || errno == ENOPROTOOPT ? 0 : -1;
}

/* Strip one pair of brackets from an address: 0, or -1 (EINVAL). */
static int
sock_unbracket(const char *host, char *buf, size_t len)
{
	size_t n = strlen(host);

	if (host[0] != '[') {
		if (strlcpy(buf, host, len) >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	if (n < 2 || host[n - 1] != ']' || n - 2 >= len) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, host + 1, n - 2);
	buf[n - 2] = '\0';
	return 0;
}

/* "1.2.3.4:25" or "[::1]:25" for messages. */
static void
sock_sa_text(const struct sockaddr *sa, socklen_t salen, char *buf,
    size_t len)
{
	char h[NI_MAXHOST], p[NI_MAXSERV];

	if (getnameinfo(sa, salen, h, sizeof(h), p, sizeof(p),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		strlcpy(buf, "(unknown address)", len);
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", h, p);
	else
		snprintf(buf, len, "%s:%s", h, p);
}

/* socket, options, bind, listen on one address; fd or -1 with *err_r. */
static int
sock_listen_sa(const struct sockaddr *sa, socklen_t salen, int v6only,
    int backlog, char **err_r)
{
	char text[NI_MAXHOST + NI_MAXSERV + 4];
	const char *what;
	int fd, one = 1, saved;

	sock_sa_text(sa, salen, text, sizeof(text));
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		what = "socket";
		goto fail;
	}
	what = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		goto fail;
	what = "bind";
	if (bind(fd, sa, salen) < 0)
		goto fail;
	what = "listen";
	if (listen(fd, backlog) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	*err_r = xasprintf("%s %s: %s", what, text, strerror(saved));
	errno = saved;
	return -1;
}

int
sock_listen_inet(const char *host, const char *port, int backlog,
    char **err_r)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	char hbuf[NI_MAXHOST];
	char *err = NULL;
	in_port_t pnum;
	int fd, r, saved;

	*err_r = NULL;
	if (port == NULL || *port == '\0') {
		*err_r = xstrdup("listen: no port given");
		errno = EINVAL;
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;

	if (host == NULL || *host == '\0' || strcmp(host, "*") == 0) {
		/*
		 * All addresses on one descriptor: a dual-stack [::] socket
		 * (V6ONLY off), or 0.0.0.0 where the host has no IPv6.
		 */
		hints.ai_flags |= AI_NUMERICHOST;
		if ((r = getaddrinfo(NULL, port, &hints, &res)) != 0) {
			*err_r = xasprintf("listen *:%s: %s", port,
			    gai_strerror(r));
			errno = EINVAL;
			return -1;
		}
		/* Only the port is taken from the answer. */
		memset(&sin6, 0, sizeof(sin6));
		memset(&sin, 0, sizeof(sin));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_any;
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		if (res->ai_family == AF_INET6)
			pnum = ((struct sockaddr_in6 *)(void *)
			    res->ai_addr)->sin6_port;
		else
			pnum = ((struct sockaddr_in *)(void *)
			    res->ai_addr)->sin_port;
		sin.sin_port = sin6.sin6_port = pnum;
		freeaddrinfo(res);
		fd = sock_listen_sa((struct sockaddr *)&sin6, sizeof(sin6), 0,
		    backlog, &err);
		if (fd >= 0 || (errno != EAFNOSUPPORT &&
		    errno != EADDRNOTAVAIL)) {
			*err_r = err;
			return fd;
		}
		free(err);
		return sock_listen_sa((struct sockaddr *)&sin, sizeof(sin), 0,
		    backlog, err_r);
	}

	if (sock_unbracket(host, hbuf, sizeof(hbuf)) < 0) {
		saved = errno;
		*err_r = xasprintf("listen %s: bad address", host);
		errno = saved;
		return -1;
	}
	if ((r = getaddrinfo(hbuf, port, &hints, &res)) != 0) {
		*err_r = xasprintf("listen %s port %s: %s", host, port,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		errno = r == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		return -1;
	}
	fd = -1;
	saved = EADDRNOTAVAIL;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		free(err);
		err = NULL;
		fd = sock_listen_sa(ai->ai_addr, ai->ai_addrlen, 1, backlog,
		    &err);
		saved = errno;
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0 && err == NULL)
		err = xasprintf("listen %s port %s: no usable address", host,
		    port);
	*err_r = err;
	errno = saved;
	return fd;
}

/* Fill sun from path: 0, or -1 with ENAMETOOLONG. */
static int
sock_unix_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (*path == '\0' ||
	    strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path)) {
		errno = *path == '\0' ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
sock_listen_unix(const char *path, int mode, int backlog, char **err_r)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t omask;
	const char *what;
	int fd = -1, saved;

	*err_r = NULL;
	if (sock_unix_addr(&sun, path) < 0) {
		what = "bad path";
		goto fail;
	}
	if (lstat(path, &st) == 0) {
		what = "unlink old socket";
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			*err_r = xasprintf("listen %s: exists and is not a "
			    "socket; not removed", path);
			return -1;
		}
		if (unlink(path) < 0 && errno != ENOENT)
			goto fail;
	} else if (errno != ENOENT) {
		what = "lstat";
		goto fail;
	}

	what = "socket";
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	what = "bind";
	omask = umask(~(mode_t)mode & 0777);	/* born with its mode */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		saved = errno;
		umask(omask);
		errno = saved;
		goto fail;
	}
	umask(omask);
	what = "listen";
	if (listen(fd, backlog) < 0)
		goto fail_unlink;
	return fd;

fail_unlink:
	saved = errno;
	unlink(path);
	errno = saved;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	*err_r = xasprintf("listen %s: %s: %s", path, what, strerror(saved));
	errno = saved;
	return -1;
}

/* Wait until a non-blocking connect on fd completes: 0 or -1 with errno. */
static int
sock_connect_wait(int fd, int timeout)
{
	struct pollfd pfd;
	long long deadline = -1, left;
	socklen_t len;
	int r, soerr;

	if (timeout > 0)
		deadline = monotime_ms() + (long long)timeout * 1000;
	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - monotime_ms();
			if (left < 0)
				left = 0;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			break;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

int
sock_connect_inet(const char *host, const char *port, int timeout)
{
	struct addrinfo hints, *res;
	char hbuf[NI_MAXHOST];
	int fd, r, saved;

	if (host == NULL || port == NULL ||
	    sock_unbracket(host, hbuf, sizeof(hbuf)) < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((r = getaddrinfo(hbuf, port, &hints, &res)) != 0) {
		errno = r == EAI_SYSTEM ? errno : EINVAL;
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0) {
		saved = errno;
		freeaddrinfo(res);
		errno = saved;
		return -1;
	}
	r = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (r < 0 && errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if (r < 0 && sock_connect_wait(fd, timeout) < 0)
		goto fail;
	if (sock_set_nonblock(fd, 0) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * A UNIX stream connect does not go "in progress": when the listener's
 * backlog is full it blocks, or fails with EAGAIN when non-blocking. So
 * block, bounded by SO_SNDTIMEO, which Linux applies to that wait.
 */
int
sock_connect_unix(const char *path, int timeout)
{
	struct sockaddr_un sun;
	struct timeval tv;
	long long deadline = -1, left;
	int fd, saved;

	if (sock_unix_addr(&sun, path) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (timeout > 0)
		deadline = monotime_ms() + (long long)timeout * 1000;
	for (;;) {
		if (deadline >= 0) {
			left = deadline - monotime_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			tv.tv_sec = left / 1000;
			tv.tv_usec = (left % 1000) * 1000;
			if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
			    sizeof(tv)) < 0)
				goto fail;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (errno != EINTR)
			goto fail;
	}
	if (deadline >= 0) {
		memset(&tv, 0, sizeof(tv));
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) < 0)
			goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
sock_connect_unix_nowait(const char *path)
{
	struct sockaddr_un sun;
	int fd, saved;

	if (sock_unix_addr(&sun, path) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -1;
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EINTR)
			continue;
		saved = errno;
		close(fd);
		errno = saved == EWOULDBLOCK ? EAGAIN : saved;
		return -1;
	}
	return fd;
}

int
sock_peercred(int fd, uid_t *uid_r, gid_t *gid_r, pid_t *pid_r)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -1;
	if (len != sizeof(uc)) {
		errno = EPROTO;
		return -1;
	}
	if (uid_r != NULL)
		*uid_r = uc.uid;
	if (gid_r != NULL)
		*gid_r = uc.gid;
	if (pid_r != NULL)
		*pid_r = uc.pid;
	return 0;
}

/* Numeric text for an inet address; IPv4-mapped IPv6 shown as IPv4. */
static int
sock_addr_text(struct sockaddr_storage *ss, socklen_t salen, char *ip,
    size_t iplen, char *port, size_t portlen)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in sin;
	char h[NI_MAXHOST], p[NI_MAXSERV];
	int r;

	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		/* UNSAFE: the IPv4 address is the last 4 of 16 bytes */
		memcpy(&sin.sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
		memcpy(ss, &sin, sizeof(sin));
		salen = sizeof(sin);
	}
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	r = getnameinfo((struct sockaddr *)ss, salen, h, sizeof(h), p,
	    sizeof(p), NI_NUMERICHOST | NI_NUMERICSERV);
	if (r != 0) {
		errno = r == EAI_SYSTEM ? errno : EINVAL;
		return -1;
	}
	if (strlcpy(ip, h, iplen) >= iplen ||
	    (port != NULL && strlcpy(port, p, portlen) >= portlen)) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int
sock_peer_addr(int fd, char *ip, size_t iplen, char *port, size_t portlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return sock_addr_text(&ss, len, ip, iplen, port, portlen);
}

int
sock_local_addr(int fd, char *ip, size_t iplen, char *port, size_t portlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return sock_addr_text(&ss, len, ip, iplen, port, portlen);
}

int
sock_addr_numeric(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}
