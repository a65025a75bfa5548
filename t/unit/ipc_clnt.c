/*
 * Unit tests for lib/ipc_clnt, against the real server end (lib/ipc_conn)
 * on a UNIX socket: in a forked process for the blocking calls, on the
 * same event loop for the non-blocking ones. What is tested: answers,
 * the announcement check, reconnecting once, timeouts, the error texts,
 * answers in order with several requests in flight, cancelling.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "event.h"
#include "ipc.h"
#include "ipc_clnt.h"
#include "ipc_conn.h"
#include "sock.h"
#include "tap.h"

static const struct ipc_proto test_proto = {
	.name = "test", .major = 1, .minor = 3, .socket = "unused",
	.client = "test client", .rec_max = 256, .timeout_ms = 2000,
};
static const struct ipc_proto other_proto = {
	.name = "other", .major = 1, .minor = 0, .socket = "unused",
	.client = "other client", .rec_max = 256, .timeout_ms = 2000,
};

static struct event_loop *loop;
static char path[300], other_path[300];
static int lfd = -1, other_lfd = -1;
static struct ipc_conn *conns[16];
static int nrequests;		/* requests the server saw */

/* --- the server: echo n, "drop" closes unanswered, "hold" never answers */

static int
srv_request(struct ipc_conn *c, struct ipc_rec *r, void *arg)
{
	static const char *const verbs[] = { "echo", "drop", "hold", NULL };
	struct ipc_rec *a;
	const char *n;
	int verb, ret;

	(void)arg;
	nrequests++;
	if ((verb = ipc_conn_verb(c, r, verbs)) < 0)
		return -1;
	if (verb == 1)
		return -1;
	if (verb == 2) {
		ipc_conn_hold(c);
		return 0;
	}
	if (ipc_get_str(r, "n", &n) < 0 || ipc_end(r) < 0)
		return -1;
	a = ipc_rec_new();
	ipc_add_str(a, "n", n);
	ret = ipc_conn_reply(c, a);
	ipc_rec_free(&a);
	return ret;
}

static void
srv_close(struct ipc_conn *c, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		if (conns[i] == c)
			conns[i] = NULL;
	close(c->fd);
}

static void
srv_accept(int fd, int events, void *arg)
{
	const struct ipc_proto *proto = arg;
	struct ipc_conn_params p = {
		.loop = loop, .out_max = 4096, .request = srv_request,
		.close = srv_close,
	};
	size_t i;
	int cfd;

	(void)events;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	for (i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		if (conns[i] == NULL)
			break;
	if (i == sizeof(conns) / sizeof(conns[0]))
		bail_out("too many test connections");
	conns[i] = ipc_conn_serve(cfd, proto, &p);
}

/* Listen on path (test_proto) and other_path (other_proto). */
static void
srv_listen(void)
{
	char *err = NULL;

	unlink(path);
	unlink(other_path);
	if ((lfd = sock_listen_unix(path, 0600, 16, &err)) < 0 ||
	    (other_lfd = sock_listen_unix(other_path, 0600, 16, &err)) < 0)
		bail_out("listen: %s", err);
	event_add_fd(loop, lfd, EVENT_READ, srv_accept,
	    (void *)(uintptr_t)&test_proto);
	event_add_fd(loop, other_lfd, EVENT_READ, srv_accept,
	    (void *)(uintptr_t)&other_proto);
}

static void
srv_unlisten(void)
{
	event_del_fd(loop, lfd);
	event_del_fd(loop, other_lfd);
	close(lfd);
	close(other_lfd);
	lfd = other_lfd = -1;
}

/* Close every server connection (as a service that exits would). */
static void
srv_drop_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(conns) / sizeof(conns[0]); i++)
		if (conns[i] != NULL)
			ipc_conn_close(conns[i]);
}

/* The server in a child process (its own loop), for the blocking client. */
static pid_t
srv_fork(void)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready) < 0 || (pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* an epoll set is shared across fork: make our own */
		if ((loop = event_loop_new()) == NULL)
			_exit(1);
		srv_listen();
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		event_run(loop);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		bail_out("the test server did not start");
	close(ready[0]);
	return pid;
}

static void
srv_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static struct ipc_rec *
req_new(const char *verb, const char *n)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_str(r, "req", verb);
	if (n != NULL)
		ipc_add_str(r, "n", n);
	return r;
}

/* A blocking call: the echoed n ("" on failure), the reason in *err_r. */
static const char *
call(struct ipc_clnt *c, const char *verb, const char *n, int flags,
    char **err_r)
{
	static char got[64];
	struct ipc_rec *req = req_new(verb, n), *rep;
	const char *v;

	err_free(err_r);
	got[0] = '\0';
	if (ipc_clnt_call(c, req, flags, &rep, err_r) == 0) {
		if (ipc_get_str(rep, "n", &v) == 0)
			strlcpy(got, v, sizeof(got));
		ipc_rec_free(&rep);
	}
	ipc_rec_free(&req);
	return got;
}

static void
test_blocking(void)
{
	struct ipc_clnt *c;
	char *err = NULL;
	pid_t pid;

	c = ipc_clnt_new(&test_proto, path, 2000, NULL);
	unlink(path);
	is_str(call(c, "echo", "1", 0, &err), "", "no service: no answer");
	like(err, "connect to ", "  the reason names the connect");
	like(err, path, "  and the path");
	ok(!ipc_clnt_is_open(c), "  nothing is open");

	pid = srv_fork();
	is_str(call(c, "echo", "1", 0, &err), "1", "a call is answered");
	is_int(ipc_clnt_minor(c), 3, "  the minor version announced");
	is_str(call(c, "echo", "2", 0, &err), "2",
	    "the connection is kept for the next call");
	srv_kill(pid);
	pid = srv_fork();
	is_str(call(c, "echo", "3", IPC_CLNT_RETRY, &err), "3",
	    "the server went: a retried call reconnects once");
	srv_kill(pid);
	pid = srv_fork();
	is_str(call(c, "echo", "4", 0, &err), "",
	    "the server went: a call without IPC_CLNT_RETRY fails");
	like(err, path, "  the reason names the socket");
	is_str(call(c, "echo", "5", 0, &err), "5",
	    "  and the next call makes a new connection");
	is_str(call(c, "drop", NULL, IPC_CLNT_RETRY, &err), "",
	    "a fresh connection closed without an answer is not retried");
	like(err, "closed by the service", "  the reason");
	is_str(call(c, "hold", NULL, IPC_CLNT_RETRY, &err), "",
	    "a server that does not answer");
	like(err, "timed out", "  times out");
	ok(!ipc_clnt_is_open(c), "  and the connection is closed");
	srv_kill(pid);
	ipc_clnt_free(&c);
	ok(c == NULL, "free sets the pointer to NULL");

	err_free(&err);
	pid = srv_fork();
	c = ipc_clnt_new(&test_proto, other_path, 2000, NULL);
	is_int(ipc_clnt_open(c, &err), -1, "another protocol on the socket");
	is_int(errno, EPROTO, "  errno EPROTO");
	like(err, "wrong protocol: expected test/1.x, got other/1.0",
	    "  the reason");
	ipc_clnt_free(&c);
	err_free(&err);
	srv_kill(pid);
}

/* --- on the event loop ------------------------------------------------- */

struct answer {
	int	 calls;
	char	 n[64];
	char	 err[256];
};

static int
on_answer(struct ipc_rec *rep, const char *err, void *arg)
{
	struct answer *a = arg;
	const char *v;

	a->calls++;
	if (rep == NULL) {
		strlcpy(a->err, err, sizeof(a->err));
		return 0;
	}
	if (ipc_get_str(rep, "n", &v) < 0)
		return -1;
	strlcpy(a->n, v, sizeof(a->n));
	return 0;
}

static struct ipc_clnt_req *
start(struct ipc_clnt *c, const char *verb, const char *n, int flags,
    struct answer *a)
{
	struct ipc_rec *req = req_new(verb, n);
	struct ipc_clnt_req *q;

	memset(a, 0, sizeof(*a));
	q = ipc_clnt_start(c, req, flags, on_answer, a);
	ipc_rec_free(&req);
	return q;
}

/* Run the loop until every answer has come (bounded). */
static void
pump_until(struct answer *a, size_t n)
{
	size_t i, done;
	int rounds;

	for (rounds = 0; rounds < 2000; rounds++) {
		for (i = done = 0; i < n; i++)
			done += a[i].calls > 0;
		if (done == n)
			return;
		if (event_run_once(loop, 10) < 0)
			bail_out("event_run_once: %s", strerror(errno));
	}
}

static void
pump_idle(void)
{
	int i;

	for (i = 0; i < 20; i++)
		event_run_once(loop, 5);
}

static void
test_loop(void)
{
	struct answer a[3];
	struct ipc_clnt *c;
	struct ipc_clnt_req *q;

	srv_listen();
	c = ipc_clnt_new(&test_proto, path, 500, loop);
	start(c, "echo", "one", 0, &a[0]);
	start(c, "echo", "two", 0, &a[1]);
	start(c, "echo", "three", 0, &a[2]);
	is_int(a[0].calls + a[1].calls + a[2].calls, 0,
	    "nothing is answered inside ipc_clnt_start");
	pump_until(a, 3);
	ok(a[0].calls == 1 && a[1].calls == 1 && a[2].calls == 1,
	    "three requests in flight: each callback runs once");
	ok(strcmp(a[0].n, "one") == 0 && strcmp(a[1].n, "two") == 0 &&
	    strcmp(a[2].n, "three") == 0, "  with its own answer, in order");
	is_int(ipc_clnt_minor(c), 3, "  the minor version announced");

	q = start(c, "echo", "four", 0, &a[0]);
	start(c, "echo", "five", 0, &a[1]);
	ipc_clnt_cancel(q);
	pump_until(&a[1], 1);
	pump_idle();
	ok(a[0].calls == 0 && strcmp(a[1].n, "five") == 0,
	    "a cancelled request's callback does not run; the next one's does");

	srv_drop_all();
	pump_idle();
	ok(!ipc_clnt_is_open(c), "the server closed the idle connection: "
	    "the client notices");
	start(c, "echo", "six", 0, &a[0]);
	pump_until(a, 1);
	is_str(a[0].n, "six", "  the next request goes on a new one");

	nrequests = 0;
	start(c, "drop", NULL, IPC_CLNT_RETRY, &a[0]);
	pump_until(a, 1);
	is_int(nrequests, 2, "closed after the request on a kept connection: "
	    "sent again once with IPC_CLNT_RETRY");
	like(a[0].err, "connection closed by the service before it answered",
	    "  then it fails, with the reason");
	start(c, "echo", "seven", 0, &a[0]);
	pump_until(a, 1);
	nrequests = 0;
	start(c, "drop", NULL, 0, &a[0]);
	pump_until(a, 1);
	is_int(nrequests, 1, "  without IPC_CLNT_RETRY it is sent once");
	like(a[0].err, "connection closed by the service", "  the reason");

	ipc_clnt_close(c);
	nrequests = 0;
	start(c, "drop", NULL, IPC_CLNT_RETRY, &a[0]);
	start(c, "echo", "behind", 0, &a[1]);
	pump_until(a, 2);
	ok(nrequests <= 2 && a[0].err[0] != '\0' && a[1].err[0] != '\0',
	    "a new connection that dies before its first answer: nothing is "
	    "sent again, everything waiting fails (%d requests seen)",
	    nrequests);

	start(c, "hold", NULL, 0, &a[0]);
	start(c, "echo", "eight", 0, &a[1]);
	pump_until(a, 2);
	like(a[0].err, "timed out waiting for an answer",
	    "a request not answered in time fails");
	like(a[1].err, "timed out waiting for an answer",
	    "  and so does the one behind it");
	start(c, "echo", "nine", 0, &a[0]);
	pump_until(a, 1);
	is_str(a[0].n, "nine", "  the next request makes a new connection");
	ipc_clnt_free(&c);
	srv_drop_all();

	nrequests = 0;
	c = ipc_clnt_new(&test_proto, other_path, 500, loop);
	start(c, "echo", "ten", 0, &a[0]);
	pump_until(a, 1);
	like(a[0].err, "wrong protocol", "another protocol on the socket");
	pump_idle();
	is_int(nrequests, 0, "  the request was never written to it");
	ipc_clnt_free(&c);
	srv_drop_all();

	c = ipc_clnt_new(&test_proto, path, 500, loop);
	srv_unlisten();
	unlink(path);
	start(c, "echo", "eleven", 0, &a[0]);
	is_int(a[0].calls, 0, "no service: not reported inside "
	    "ipc_clnt_start");
	pump_until(a, 1);
	like(a[0].err, "connect to ", "  but from the loop");

	start(c, "echo", "twelve", 0, &a[0]);
	ipc_clnt_free(&c);
	pump_idle();
	is_int(a[0].calls, 0, "free drops waiting requests silently");
}

int
main(void)
{
	tap_init("ipc_clnt");
	signal(SIGPIPE, SIG_IGN);
	if ((loop = event_loop_new()) == NULL)
		bail_out("event_loop_new: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/test", tap_tmpdir());
	snprintf(other_path, sizeof(other_path), "%s/other", tap_tmpdir());
	test_blocking();
	test_loop();
	event_loop_free(&loop);
	return done_testing();
}
