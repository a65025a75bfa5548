/*
 * Unit tests for lib/ipc_conn (an ipc channel on an event loop) and
 * fsutil_write_all.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "fsutil.h"
#include "ipc.h"
#include "ipc_conn.h"
#include "tap.h"
#include "vbuf.h"

#define REC_MAX		64
#define OUT_MAX		1024

static struct event_loop *loop;
static char seen[256];		/* verbs handled, space-separated */
static int closed;

static int
test_request(struct ipc_conn *c, struct ipc_rec *r, void *arg)
{
	struct ipc_rec *a;
	const char *verb;
	int ret;

	(void)arg;
	if (ipc_get_str(r, "req", &verb) < 0)
		return -1;
	strlcat(seen, verb, sizeof(seen));
	strlcat(seen, " ", sizeof(seen));
	if (strcmp(verb, "bad") == 0)
		return -1;
	if (strcmp(verb, "hold") == 0)
		ipc_conn_hold(c);
	a = ipc_rec_new();
	ipc_add_str(a, "echo", verb);
	ret = ipc_conn_reply(c, a);
	ipc_rec_free(&a);
	return ret;
}

static void
test_close(struct ipc_conn *c, void *arg)
{
	(void)arg;
	closed++;
	close(c->fd);
}

/* A connection and the client's end of it; the greeting is read. */
static struct ipc_conn *
conn_open(int flags, struct ipc_chan *cl)
{
	struct ipc_conn_params p;
	struct ipc_conn *c;
	struct ipc_rec *r;
	unsigned minor = 0;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		bail_out("fcntl: %s", strerror(errno));
	memset(&p, 0, sizeof(p));
	p.loop = loop;
	p.rec_max = REC_MAX;
	p.out_max = OUT_MAX;
	p.flags = flags;
	p.request = test_request;
	p.close = test_close;
	c = ipc_conn_new(sv[0], "test client", &p);
	ipc_chan_init(cl, sv[1], "test server");
	cl->timeout_ms = 2000;
	closed = 0;
	seen[0] = '\0';
	ipc_conn_start(c, "test", 1, 2);
	/* the announcement goes out from the loop */
	if (event_run_once(loop, 5) < 0)
		bail_out("event_run_once: %s", strerror(errno));
	if (ipc_recv(cl, &r) != 1)
		bail_out("greeting: %s", cl->err);
	if (ipc_hello_check(r, "test", 1, &minor) < 0 || minor != 2)
		bail_out("greeting: %s", ipc_rec_error(r));
	ipc_rec_free(&r);
	return c;
}

/* Run the loop until it is idle. */
static void
pump(void)
{
	int i;

	for (i = 0; i < 20; i++)
		if (event_run_once(loop, 5) < 0)
			bail_out("event_run_once: %s", strerror(errno));
}

static void
frame(struct vbuf *b, const char *verb)
{
	struct ipc_rec *r = ipc_rec_new();
	const void *f;
	size_t len;

	ipc_add_str(r, "req", verb);
	if ((f = ipc_rec_frame(r, &len)) == NULL ||
	    vbuf_append(b, f, len) < 0)
		bail_out("frame");
	ipc_rec_free(&r);
}

static void
xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		bail_out("write: %s", strerror(errno));
}

/* Read one reply: its echo, or "" on error. */
static const char *
reply(struct ipc_chan *cl)
{
	static char echo[64];
	struct ipc_rec *r;
	const char *v;

	echo[0] = '\0';
	if (ipc_recv(cl, &r) != 1)
		return echo;
	if (ipc_get_str(r, "echo", &v) == 0 && ipc_end(r) == 0)
		strlcpy(echo, v, sizeof(echo));
	ipc_rec_free(&r);
	return echo;
}

/* Is there nothing to read for the client? */
static int
quiet(int fd)
{
	char ch;

	return recv(fd, &ch, 1, MSG_DONTWAIT | MSG_PEEK) < 0 &&
	    errno == EAGAIN;
}

static void
test_basic(void)
{
	struct ipc_chan cl;
	struct ipc_conn *c;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char want[32];

	c = conn_open(0, &cl);
	like(c->ch.peer, "test client pid ", "peer named from SO_PEERCRED");
	snprintf(want, sizeof(want), "test client pid %ld", (long)getpid());
	is_str(c->ch.peer, want, "peer pid is ours");

	frame(b, "one");
	frame(b, "two");
	xwrite(cl.fd, vbuf_str(b), vbuf_len(b));
	pump();
	is_str(seen, "one two ", "two records in one write, in order");
	is_str(reply(&cl), "one", "first reply");
	is_str(reply(&cl), "two", "second reply");
	ok(!closed, "connection still open");

	close(cl.fd);
	pump();
	is_int(closed, 1, "end of file between records: closed once");
	vbuf_free(&b);
}

static void
test_splits(void)
{
	struct ipc_chan cl;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t k, bad = 0;
	const char *a1, *a2;

	(void)conn_open(0, &cl);
	frame(b, "alpha");
	frame(b, "beta");
	for (k = 1; k < vbuf_len(b); k++) {
		seen[0] = '\0';
		xwrite(cl.fd, vbuf_str(b), k);
		pump();
		xwrite(cl.fd, vbuf_str(b) + k, vbuf_len(b) - k);
		pump();
		a1 = reply(&cl);
		if (strcmp(a1, "alpha") != 0)
			bad++;
		a2 = reply(&cl);
		if (strcmp(a2, "beta") != 0 ||
		    strcmp(seen, "alpha beta ") != 0) {
			diag("split at %zu: seen \"%s\"", k, seen);
			bad++;
		}
	}
	is_int((long long)bad, 0, "two records split at each of %zu places",
	    vbuf_len(b) - 1);
	ok(!closed, "still open after the splits");
	close(cl.fd);
	pump();
	is_int(closed, 1, "closed at end of file");
	vbuf_free(&b);
}

static void
test_hold(void)
{
	struct ipc_chan cl;
	struct ipc_conn *c;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);

	c = conn_open(0, &cl);
	frame(b, "hold");
	frame(b, "x");
	xwrite(cl.fd, vbuf_str(b), vbuf_len(b));
	pump();
	is_str(seen, "hold ", "hold: the next buffered record waits");
	is_str(reply(&cl), "hold", "the held request's own reply is out");
	vbuf_reset(b);
	frame(b, "y");
	xwrite(cl.fd, vbuf_str(b), vbuf_len(b));
	pump();
	is_str(seen, "hold ", "held: nothing more is read");
	ok(quiet(cl.fd), "held: no reply");
	ipc_conn_release(c);
	pump();
	is_str(seen, "hold x y ", "released: buffered and unread records "
	    "handled in order");
	is_str(reply(&cl), "x", "reply x");
	is_str(reply(&cl), "y", "reply y");
	close(cl.fd);
	pump();
	is_int(closed, 1, "closed");
	vbuf_free(&b);
}

static void
test_errors(void)
{
	struct ipc_chan cl;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char big[REC_MAX + 1];

	/* the callback drops the connection */
	(void)conn_open(0, &cl);
	frame(b, "bad");
	frame(b, "after");
	xwrite(cl.fd, vbuf_str(b), vbuf_len(b));
	pump();
	is_int(closed, 1, "callback -1 closes");
	is_str(seen, "bad ", "nothing handled after the drop");
	close(cl.fd);

	/* a record over rec_max */
	(void)conn_open(0, &cl);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vbuf_reset(b);
	frame(b, big);
	tap_expect_log("over the limit");
	xwrite(cl.fd, vbuf_str(b), 4);		/* the length is enough */
	pump();
	tap_check_log("over-limit record logged");
	is_int(closed, 1, "over-limit record closes");
	is_str(seen, "", "and is not handled");
	close(cl.fd);

	/* end of file inside a record */
	(void)conn_open(0, &cl);
	vbuf_reset(b);
	frame(b, "cut");
	xwrite(cl.fd, vbuf_str(b), vbuf_len(b) - 1);
	pump();
	ok(!closed, "partial record: waiting");
	tap_expect_log("end of file inside a record");
	close(cl.fd);
	pump();
	tap_check_log("end of file inside a record logged");
	is_int(closed, 1, "end of file inside a record closes");
	vbuf_free(&b);
}

static void
test_secret(void)
{
	struct ipc_chan cl;
	struct ipc_conn *c;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t cap;

	c = conn_open(IPC_CONN_SECRET, &cl);
	cap = c->in->cap;
	ok(cap >= 4 + REC_MAX + IPC_CONN_READ_SIZE,
	    "secret: input allocated at full size");
	frame(b, "s3cr3tpw");
	frame(b, "s3cr3tpx");
	/* one whole record and the start of the next */
	xwrite(cl.fd, vbuf_str(b), vbuf_len(b) - 3);
	pump();
	is_str(seen, "s3cr3tpw ", "secret: first record handled");
	is_int((long long)c->in->cap, (long long)cap, "never reallocated");
	ok(memmem(c->in->data, c->in->cap, "s3cr3tpw", 8) == NULL,
	    "consumed record wiped from the input buffer");
	/* read the reply: closing with unread data is a reset, not EOF */
	is_str(reply(&cl), "s3cr3tpw", "secret: reply");
	close(cl.fd);
	tap_expect_log("end of file inside a record");
	pump();
	tap_check_log("secret: cut record logged");
	is_int(closed, 1, "closed");
	vbuf_free(&b);
}

/* --- fsutil_write_all --------------------------------------------------- */

static void
on_alarm(int sig)
{
	(void)sig;
}

#define WA_SIZE		(4 * 1024 * 1024)

static void
test_write_all(void)
{
	struct sigaction sa;
	struct itimerval it;
	char path[1024], *buf, *back;
	int fd, p[2], status;
	size_t i, total;
	ssize_t n;
	pid_t pid;

	buf = malloc(WA_SIZE);
	back = malloc(WA_SIZE);
	if (buf == NULL || back == NULL)
		bail_out("malloc");
	for (i = 0; i < WA_SIZE; i++)
		buf[i] = (char)(i % 251);

	snprintf(path, sizeof(path), "%s/wa", tap_tmpdir());
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		bail_out("open: %s", strerror(errno));
	is_int(fsutil_write_all(fd, buf, WA_SIZE), 0, "write_all: file");
	ok(pread(fd, back, WA_SIZE, 0) == WA_SIZE &&
	    memcmp(buf, back, WA_SIZE) == 0, "write_all: file content");
	is_int(fsutil_write_all(fd, buf, 0), 0, "write_all: nothing");
	close(fd);
	errno = 0;
	ok(fsutil_write_all(fd, buf, 1) == -1 && errno == EBADF,
	    "write_all: -1 with errno");

	/* a slow reader and a signal every millisecond: EINTR and short
	   writes on the way */
	if (pipe(p) < 0)
		bail_out("pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[1]);
		total = 0;
		while ((n = read(p[0], back, 4096)) > 0) {
			for (i = 0; i < (size_t)n; i++)
				if (back[i] != (char)((total + i) % 251))
					_exit(2);
			total += (size_t)n;
			if (total % (256 * 1024) < 4096)
				usleep(2000);
		}
		_exit(total == WA_SIZE ? 0 : 3);
	}
	close(p[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_usec = 1000;
	it.it_value.tv_usec = 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	is_int(fsutil_write_all(p[1], buf, WA_SIZE), 0,
	    "write_all: pipe under signals");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "write_all: the reader got every byte in order");
	free(buf);
	free(back);
}

int
main(void)
{
	tap_init("ipc_conn");
	signal(SIGPIPE, SIG_IGN);
	if ((loop = event_loop_new()) == NULL)
		bail_out("event_loop_new");
	test_basic();
	test_splits();
	test_hold();
	test_errors();
	test_secret();
	test_write_all();
	event_loop_free(&loop);
	return done_testing();
}
