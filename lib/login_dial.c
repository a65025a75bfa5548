/*
 * NAME
 *	login_dial - the dialer process of the login side; see
 *	login_dial.h.
 *
 * DESCRIPTION
 *	Request: one byte, the index of a socket path. Answer: four bytes,
 *	an errno in network byte order (0: connected), with the connected
 *	descriptor attached when it is 0.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "fdpass.h"
#include "log.h"
#include "login_dial.h"
#include "params.h"
#include "priv.h"
#include "sock.h"
#include "xmalloc.h"

static int login_dial_fd = -1;
static char *login_dial_paths[LOGIN_DIAL_MAX];

/* The dialer: serve the parent until it goes. */
static void __attribute__((noreturn))
login_dial_serve(int sock, size_t n)
{
	unsigned char i;
	uint32_t e;
	ssize_t r;
	int fd;

	priv_title("%s dialer", log_progname());
	for (;;) {
		r = read(sock, &i, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1 || i >= n)
			_exit(0);	/* the parent is gone, or confused */
		fd = sock_connect_unix_nowait(login_dial_paths[i]);
		e = htonl(fd < 0 ? (uint32_t)errno : 0);
		if (fdpass_send(sock, &e, sizeof(e), fd, LOGIN_DIAL_TIMEOUT) < 0)
			_exit(0);
		if (fd >= 0)
			close(fd);
	}
}

void
login_dial_start(const char *const *paths)
{
	int sv[2];
	size_t n;
	pid_t pid;

	for (n = 0; paths[n] != NULL; n++) {
		if (n == LOGIN_DIAL_MAX)
			log_panic("login_dial_start: too many sockets");
		login_dial_paths[n] = xstrdup(paths[n]);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		log_fatal("socketpair: %m");
	if ((pid = fork()) < 0)
		log_fatal("fork the dialer: %m");
	if (pid == 0) {
		int root = geteuid() == 0;

		close(sv[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
			_exit(0);
		/* where private/ is, as its owner; nothing else kept */
		priv_drop(var_mail_owner, var_queue_directory);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
			_exit(0);
		if (!root && chdir(var_queue_directory) < 0)
			log_fatal("chdir %s: %m", var_queue_directory);
		/* its end of the pair as fd 3, nothing else above stderr */
		if (sv[1] != 3 && dup2(sv[1], 3) < 0)
			_exit(1);
		closefrom(4);
		login_dial_serve(3, n);
	}
	close(sv[1]);
	login_dial_fd = sv[0];
}

int
login_dial(int i, char **err_r)
{
	uint32_t e;
	ssize_t r;
	int fd = -1;
	unsigned char b = (unsigned char)i;

	if (login_dial_fd < 0 || i < 0 || i >= LOGIN_DIAL_MAX ||
	    login_dial_paths[i] == NULL)
		return err_set(err_r, "no such service to dial");
	if (fdpass_send(login_dial_fd, &b, 1, -1, LOGIN_DIAL_TIMEOUT) < 0 ||
	    (r = fdpass_recv(login_dial_fd, &e, sizeof(e), &fd,
	    LOGIN_DIAL_TIMEOUT)) != (ssize_t)sizeof(e)) {
		if (fd >= 0)
			close(fd);
		return err_set(err_r, "%s: the dialer is gone",
		    login_dial_paths[i]);
	}
	e = ntohl(e);
	if (e != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		errno = e != 0 ? (int)e : EPROTO;
		return err_set(err_r, "%s: %m", login_dial_paths[i]);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return err_set(err_r, "%s: fcntl: %m", login_dial_paths[i]);
	}
	return fd;
}
