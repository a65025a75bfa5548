/*
 * pop3load - the POP3 client of bench/pop3: fast enough that the server,
 * not the client, is what is measured.
 *
 *	pop3load stat PORT USER PASS
 *		connect, USER/PASS, STAT, QUIT; prints the seconds to the
 *		STAT answer and those of STAT alone
 *	pop3load retr PORT USER PASS
 *		login, STAT, UIDL, then RETR of every message, pipelined 64
 *		at a time; prints the seconds until the last message and the
 *		octets received
 *	pop3load logins PORT SECONDS PASS USER...
 *		one process per user logging in and out (USER, PASS, QUIT)
 *		for SECONDS; prints the logins done and the seconds taken
 *
 * Built by bench/pop3 (cc -O2); not part of the product.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUF	(1 << 20)
#define WINDOW	64

struct conn {
	int	 fd;
	char	*buf;
	size_t	 off, len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
c_open(struct conn *c, int port)
{
	struct sockaddr_in sin;
	int one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		err(1, "connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->buf == NULL && (c->buf = malloc(BUF)) == NULL)
		err(1, "malloc");
	c->off = c->len = 0;
}

/* More bytes into the buffer (compacting it first when needed). */
static void
c_fill(struct conn *c)
{
	ssize_t n;

	if (c->off > 0 && (c->len == BUF || c->off > BUF / 2)) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len == BUF)
		errx(1, "line too long");
	if ((n = read(c->fd, c->buf + c->len, BUF - c->len)) <= 0)
		errx(1, "server closed the connection");
	c->len += (size_t)n;
}

/* One line; points into the buffer until the next call. */
static char *
c_line(struct conn *c)
{
	char *p, *nl;

	for (;;) {
		p = c->buf + c->off;
		if ((nl = memchr(p, '\n', c->len - c->off)) != NULL) {
			*nl = '\0';
			c->off = (size_t)(nl + 1 - c->buf);
			return p;
		}
		c_fill(c);
	}
}

/* Skip a multi-line answer; the octets in it. */
static size_t
c_multi(struct conn *c)
{
	size_t n = 0;
	char *l;

	for (;;) {
		l = c_line(c);
		if (l[0] == '.' && (l[1] == '\r' || l[1] == '\0'))
			return n;
		n += strlen(l) + 1;
	}
}

static void
c_send(struct conn *c, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(c->fd, s, len)) <= 0)
			err(1, "write");
		s += n;
		len -= (size_t)n;
	}
}

static char *
c_cmd(struct conn *c, const char *fmt, const char *arg)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), fmt, arg);

	c_send(c, buf, (size_t)n);
	return c_line(c);
}

static void
c_login(struct conn *c, int port, const char *user, const char *pass)
{
	char *r;

	c_open(c, port);
	c_line(c);
	c_cmd(c, "USER %s\r\n", user);
	r = c_cmd(c, "PASS %s\r\n", pass);
	if (strncmp(r, "+OK", 3) != 0)
		errx(1, "login of %s: %s", user, r);
}

static void
c_quit(struct conn *c)
{
	c_cmd(c, "QUIT\r\n", "");
	close(c->fd);
}

static int
do_stat(int port, const char *user, const char *pass)
{
	struct conn c = { 0 };
	double t0 = now(), t1;
	char *r;

	c_login(&c, port, user, pass);
	t1 = now();
	r = c_cmd(&c, "STAT\r\n", "");
	printf("%.6f %.6f %s\n", now() - t0, now() - t1, r);
	c_quit(&c);
	return 0;
}

static int
do_retr(int port, const char *user, const char *pass)
{
	struct conn c = { 0 };
	double t0 = now();
	unsigned long n, i, j, sent;
	size_t octets = 0, blen;
	char *r, batch[WINDOW * 24];

	c_login(&c, port, user, pass);
	r = c_cmd(&c, "STAT\r\n", "");
	if (sscanf(r, "+OK %lu", &n) != 1)
		errx(1, "STAT: %s", r);
	c_cmd(&c, "UIDL\r\n", "");
	c_multi(&c);
	for (i = 1; i <= n; i += WINDOW) {
		blen = 0;
		for (j = i; j < i + WINDOW && j <= n; j++)
			blen += (size_t)snprintf(batch + blen,
			    sizeof(batch) - blen, "RETR %lu\r\n", j);
		c_send(&c, batch, blen);
		sent = j - i;
		for (j = 0; j < sent; j++) {
			r = c_line(&c);
			if (strncmp(r, "+OK", 3) != 0)
				errx(1, "RETR: %s", r);
			octets += c_multi(&c);
		}
	}
	printf("%.6f %zu %lu\n", now() - t0, octets, n);
	c_quit(&c);
	return 0;
}

static int
do_logins(int port, double secs, const char *pass, int nuser, char **users)
{
	int pfd[2], i, status;
	unsigned long total = 0, got;
	double t0 = now();
	struct conn c = { 0 };

	if (pipe(pfd) < 0)
		err(1, "pipe");
	for (i = 0; i < nuser; i++) {
		if (fork() == 0) {
			unsigned long k = 0;
			double end = now() + secs;

			close(pfd[0]);
			while (now() < end) {
				c_login(&c, port, users[i], pass);
				c_quit(&c);
				k++;
			}
			if (write(pfd[1], &k, sizeof(k)) != sizeof(k))
				_exit(1);
			_exit(0);
		}
	}
	close(pfd[1]);
	while (read(pfd[0], &got, sizeof(got)) == sizeof(got))
		total += got;
	while (wait(&status) > 0)
		;
	printf("%lu %.6f\n", total, now() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "stat") == 0)
		return do_stat(atoi(argv[2]), argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "retr") == 0)
		return do_retr(atoi(argv[2]), argv[3], argv[4]);
	if (argc >= 6 && strcmp(argv[1], "logins") == 0)
		return do_logins(atoi(argv[2]), atof(argv[3]), argv[4],
		    argc - 5, argv + 5);
	fprintf(stderr, "usage: pop3load stat|retr PORT USER PASS\n"
	    "       pop3load logins PORT SECONDS PASS USER...\n");
	return 64;
}
