/*
 * NAME
 *	ctl_sendmail_bs - sendmail -bs: an SMTP session on standard input
 *	and output, relayed to the local submission socket
 *
 * DESCRIPTION
 *	Programs that speak SMTP to a local sendmail -bs (some mail user
 *	agents, test tools) get smtpd itself: the bytes are copied both
 *	ways, untouched, between stdin/stdout and
 *	queue_directory/public/submit, so smtpd sees this process's user
 *	(SO_PEERCRED) exactly as for a message on standard input. At end
 *	of input the socket's sending half is shut down and the rest of
 *	what smtpd says is still copied out; the command ends when smtpd
 *	closes the connection.
 *
 *	When the mail system is down the client gets a 421 reply, as from
 *	an SMTP server that is shutting down, and the command exits with
 *	EX_TEMPFAIL.
 *
 * SECURITY
 *	Nothing is parsed here; smtpd treats the session like any other
 *	local submission. Reads and writes are bounded by the buffer size,
 *	and a peer that stops reading stalls only this command.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl_sendmail.h"
#include "params.h"

#define SENDMAIL_BS_BUF		16384

/* One direction of the relay. */
struct sendmail_pipe {
	int	 from, to;
	char	 buf[SENDMAIL_BS_BUF];
	size_t	 len;
	int	 eof;
};

/* Write what is buffered; -1 when the other side is gone. */
static int
sendmail_bs_drain(struct sendmail_pipe *p)
{
	ssize_t n;
	size_t off = 0;

	while (off < p->len) {
		n = p->to == STDOUT_FILENO ? write(p->to, p->buf + off,
		    p->len - off) : send(p->to, p->buf + off, p->len - off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	p->len = 0;
	return 0;
}

/* Read once; 0, or -1 on a read error. Sets eof at end of input. */
static int
sendmail_bs_fill(struct sendmail_pipe *p)
{
	ssize_t n;

	n = read(p->from, p->buf, sizeof(p->buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		p->eof = 1;
	p->len = (size_t)n;
	return 0;
}

int
sendmail_bs(const struct sendmail_opts *opts)
{
	struct sendmail_pipe up, down;
	struct pollfd pfd[2];
	int fd, n;

	(void)opts;
	if ((fd = sendmail_connect(SENDMAIL_SOCKET,
	    "the mail system is down")) < 0) {
		printf("421 4.3.2 %s Service not available: the mail system "
		    "is down\r\n", var_myhostname);
		fflush(stdout);
		return EX_TEMPFAIL;
	}
	memset(&up, 0, sizeof(up));
	memset(&down, 0, sizeof(down));
	up.from = STDIN_FILENO;
	up.to = fd;
	down.from = fd;
	down.to = STDOUT_FILENO;
	while (!down.eof) {
		pfd[0].fd = up.eof ? -1 : up.from;
		pfd[0].events = POLLIN;
		pfd[1].fd = down.from;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, SENDMAIL_TIMEOUT * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sendmail_warn("-bs: no traffic for %d seconds: "
			    "closing", SENDMAIL_TIMEOUT);
			close(fd);
			return EX_TEMPFAIL;
		}
		if (pfd[1].revents != 0) {
			if (sendmail_bs_fill(&down) < 0 ||
			    sendmail_bs_drain(&down) < 0)
				break;
		}
		if (pfd[0].revents != 0) {
			if (sendmail_bs_fill(&up) < 0)
				up.eof = 1;
			if (sendmail_bs_drain(&up) < 0)
				break;
			if (up.eof)
				shutdown(fd, SHUT_WR);
		}
	}
	close(fd);
	return 0;
}
