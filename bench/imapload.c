/*
 * imapload - the client side of bench/imap: measures IMAP servers
 * without the client's own cost getting in the way.
 *
 *   imapload cmds PORT USER PASS CMD...
 *	connect, LOGIN, then each CMD in turn; prints one line per step:
 *	"login SECONDS" and "ok SECONDS BYTES" (the response's bytes,
 *	literals included), then LOGOUT. The CMD "!drop-caches" empties
 *	the page cache instead (root), for a "from disk" measurement.
 *   imapload logins PORT SECONDS PASS USER...
 *	one process per user, each logging in and out (LOGIN, LOGOUT) as
 *	fast as the server lets it for SECONDS; prints "LOGINS SECONDS".
 *   imapload idle PORT N USER PASS
 *	N connections, each logged in with INBOX selected; prints "ready"
 *	and keeps them until its standard input ends.
 *
 * A response is read to its tagged line; a line ending in {N} is
 * followed by N bytes of literal, which are skipped.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int	 fd;
	char	 buf[1 << 16];
	size_t	 off, len;
	unsigned tag;
	size_t	 bytes;		/* of the last response */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "imapload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
fill(struct conn *c)
{
	ssize_t n;

	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	if (c->len == sizeof(c->buf)) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n <= 0)
		return -1;
	c->len += (size_t)n;
	c->bytes += (size_t)n;
	return 0;
}

/* The next line (without CR LF) into line; its length, or -1. */
static ssize_t
getline_(struct conn *c, char *line, size_t max)
{
	char *nl;
	size_t n;

	for (;;) {
		nl = memchr(c->buf + c->off, '\n', c->len - c->off);
		if (nl != NULL)
			break;
		if (c->len - c->off >= sizeof(c->buf) - 1) {
			/* an over-long line: keep its end only */
			c->off = c->len - 256;
		}
		if (fill(c) < 0)
			return -1;
	}
	n = (size_t)(nl - (c->buf + c->off));
	if (n > 0 && nl[-1] == '\r')
		n--;
	if (n >= max)
		n = max - 1;
	memcpy(line, c->buf + c->off, n);
	line[n] = '\0';
	c->off = (size_t)(nl + 1 - c->buf);
	return (ssize_t)n;
}

static int
skip(struct conn *c, unsigned long long n)
{
	size_t k;

	while (n > 0) {
		if (c->off == c->len && fill(c) < 0)
			return -1;
		k = c->len - c->off < n ? c->len - c->off : (size_t)n;
		c->off += k;
		n -= k;
	}
	return 0;
}

/* Read up to the tagged line; 0 for OK, 1 for NO/BAD, -1 on EOF. */
static int
response(struct conn *c, const char *tag)
{
	char line[8192], *b;
	size_t tl = strlen(tag);
	ssize_t n;

	for (;;) {
		if ((n = getline_(c, line, sizeof(line))) < 0)
			return -1;
		if (n > 2 && line[n - 1] == '}' && (b = strrchr(line, '{'))) {
			if (skip(c, strtoull(b + 1, NULL, 10)) < 0)
				return -1;
			continue;
		}
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
			return strncmp(line + tl + 1, "OK", 2) == 0 ? 0 : 1;
	}
}

static int
cmd(struct conn *c, const char *text)
{
	char tag[16], out[8192];
	int n;

	snprintf(tag, sizeof(tag), "b%u", ++c->tag);
	n = snprintf(out, sizeof(out), "%s %s\r\n", tag, text);
	if (write(c->fd, out, (size_t)n) != n)
		return -1;
	c->bytes = 0;
	return response(c, tag);
}

static int
dial(int port, struct conn *c)
{
	struct sockaddr_in sin;
	char line[4096];
	int one = 1;

	memset(c, 0, sizeof(*c));
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return getline_(c, line, sizeof(line)) < 0 ? -1 : 0;
}

static int
login(struct conn *c, const char *user, const char *pass)
{
	char text[1024];

	snprintf(text, sizeof(text), "LOGIN \"%s\" \"%s\"", user, pass);
	return cmd(c, text);
}

static int
run_cmds(int port, const char *user, const char *pass, char **cmds, int n)
{
	struct conn c;
	double t0;
	int i, r;

	t0 = now();
	if (dial(port, &c) < 0 || login(&c, user, pass) != 0)
		die("login");
	printf("login %.6f\n", now() - t0);
	for (i = 0; i < n; i++) {
		if (strcmp(cmds[i], "!drop-caches") == 0) {
			/* the page cache out, as "from disk" needs (root) */
			FILE *f;

			sync();
			if ((f = fopen("/proc/sys/vm/drop_caches", "w")) ==
			    NULL || fputs("3\n", f) < 0 || fclose(f) != 0)
				die("drop_caches");
			printf("dropped 0 0\n");
			continue;
		}
		t0 = now();
		r = cmd(&c, cmds[i]);
		printf("%s %.6f %zu\n", r == 0 ? "ok" : "failed", now() - t0,
		    c.bytes);
		fflush(stdout);
	}
	cmd(&c, "LOGOUT");
	close(c.fd);
	return 0;
}

static int
run_logins(int port, double secs, const char *pass, char **users, int n)
{
	int pfd[2], i;
	long total = 0, k;
	double t0 = now();
	pid_t pid;

	if (pipe(pfd) < 0)
		die("pipe");
	for (i = 0; i < n; i++) {
		if ((pid = fork()) < 0)
			die("fork");
		if (pid == 0) {
			long count = 0;
			struct conn c;

			close(pfd[0]);
			while (now() - t0 < secs) {
				if (dial(port, &c) < 0 ||
				    login(&c, users[i], pass) != 0)
					die("login");
				cmd(&c, "LOGOUT");
				close(c.fd);
				count++;
			}
			if (write(pfd[1], &count, sizeof(count)) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(pfd[1]);
	while (read(pfd[0], &k, sizeof(k)) == sizeof(k))
		total += k;
	while (wait(NULL) > 0)
		;
	printf("%ld %.6f\n", total, now() - t0);
	return 0;
}

static int
run_idle(int port, int n, const char *user, const char *pass)
{
	struct conn *c = calloc((size_t)n, sizeof(*c));
	char buf[64];
	int i;

	if (c == NULL)
		die("calloc");
	for (i = 0; i < n; i++)
		if (dial(port, &c[i]) < 0 || login(&c[i], user, pass) != 0 ||
		    cmd(&c[i], "SELECT INBOX") != 0)
			die("idle session");
	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < n; i++) {
		cmd(&c[i], "LOGOUT");
		close(c[i].fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 5 && strcmp(argv[1], "cmds") == 0)
		return run_cmds(atoi(argv[2]), argv[3], argv[4], argv + 5,
		    argc - 5);
	if (argc >= 6 && strcmp(argv[1], "logins") == 0)
		return run_logins(atoi(argv[2]), atof(argv[3]), argv[4],
		    argv + 5, argc - 5);
	if (argc == 6 && strcmp(argv[1], "idle") == 0)
		return run_idle(atoi(argv[2]), atoi(argv[3]), argv[4],
		    argv[5]);
	fprintf(stderr, "usage: imapload cmds PORT USER PASS CMD...\n"
	    "       imapload logins PORT SECONDS PASS USER...\n"
	    "       imapload idle PORT N USER PASS\n");
	return 2;
}
