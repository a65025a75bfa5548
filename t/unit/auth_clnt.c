/*
 * Unit tests for lib/auth_clnt against scripted servers (a forked child
 * on a UNIX socket): the request as sent, every kind of answer, and
 * every way the service can fail, none of which may read as success.
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

#include "auth_clnt.h"
#include "event.h"
#include "err.h"
#include "ipc.h"
#include "sock.h"
#include "tap.h"

enum srv {
	SRV_OK,			/* status=0 with a good user */
	SRV_FAIL,
	SRV_TEMP,
	SRV_THROTTLED,
	SRV_BAD_PROTO,		/* announces another protocol */
	SRV_CLOSE,		/* reads the request, closes */
	SRV_SILENT,		/* announces, then says nothing */
	SRV_BAD_MAILDIR,	/* status=0, maildir "../x" */
	SRV_NO_QUOTA,		/* status=0 without quota */
	SRV_EXTRA,		/* status=1 and one attribute too many */
	SRV_BAD_STATUS,		/* status=7 */
	SRV_TWO,		/* two requests on one connection */
};

static char sockpath[300];

/* The request must be exactly what the protocol says. */
static int
srv_check(struct ipc_rec *r)
{
	const char *req, *service, *mech, *client, *user, *pw;
	int tls;

	if (ipc_get_str(r, "req", &req) < 0 ||
	    ipc_get_str(r, "service", &service) < 0 ||
	    ipc_get_str(r, "mech", &mech) < 0 ||
	    ipc_get_str(r, "client", &client) < 0 ||
	    ipc_get_bool(r, "tls", &tls) < 0 ||
	    ipc_get_str(r, "user", &user) < 0 ||
	    ipc_get_str(r, "password", &pw) < 0 || ipc_end(r) < 0)
		return 0;
	return strcmp(req, "verify") == 0 && strcmp(service, "smtpd") == 0 &&
	    strcmp(mech, "PLAIN") == 0 && strcmp(client, "192.0.2.1") == 0 &&
	    tls == 1 && strcmp(user, "Alice@example.org") == 0 &&
	    strcmp(pw, "pass word") == 0;
}

static int
srv_answer(struct ipc_chan *ch, enum srv how)
{
	struct ipc_rec *a = ipc_rec_new();
	int r;

	switch (how) {
	case SRV_OK:
	case SRV_TWO:
	case SRV_BAD_MAILDIR:
	case SRV_NO_QUOTA:
		ipc_add_uint(a, "status", AUTH_STAT_OK);
		ipc_add_str(a, "user", "alice@example.org");
		ipc_add_str(a, "maildir", how == SRV_BAD_MAILDIR ? "../x" :
		    "example.org/alice/");
		if (how != SRV_NO_QUOTA)
			ipc_add_uint(a, "quota", 1024);
		break;
	case SRV_FAIL:
		ipc_add_uint(a, "status", AUTH_STAT_FAIL);
		break;
	case SRV_TEMP:
		ipc_add_uint(a, "status", AUTH_STAT_TEMP);
		break;
	case SRV_THROTTLED:
		ipc_add_uint(a, "status", AUTH_STAT_THROTTLED);
		break;
	case SRV_EXTRA:
		ipc_add_uint(a, "status", AUTH_STAT_FAIL);
		ipc_add_str(a, "why", "bad password");
		break;
	default:
		ipc_add_uint(a, "status", 7);
		break;
	}
	r = ipc_send(ch, a);
	ipc_rec_free(&a);
	return r;
}

/* The child: one connection, scripted; exit 0 when the request was right. */
static void
srv_run(int lfd, enum srv how)
{
	struct ipc_chan ch;
	struct ipc_rec *r;
	int fd, good, n = how == SRV_TWO ? 2 : 1;

	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(10);
	ipc_chan_init(&ch, fd, "test client");
	if (how == SRV_BAD_PROTO) {
		ipc_hello_send(&ch, "anvil", 1, 0);
		_exit(0);
	}
	if (ipc_hello_send(&ch, auth_proto.name, auth_proto.major, 0) < 0)
		_exit(11);
	if (how == SRV_SILENT) {
		sleep(5);
		_exit(0);
	}
	while (n-- > 0) {
		if (ipc_recv(&ch, &r) != 1)
			_exit(12);
		good = srv_check(r);
		ipc_rec_free(&r);
		if (!good)
			_exit(13);
		if (how == SRV_CLOSE)
			_exit(0);
		if (srv_answer(&ch, how) < 0)
			_exit(14);
	}
	_exit(0);
}

static pid_t
srv_start(enum srv how)
{
	char *err;
	pid_t pid;
	int lfd;

	if ((lfd = sock_listen_unix(sockpath, 0600, 5, &err)) < 0)
		bail_out("listen %s: %s", sockpath, err);
	if ((pid = fork()) < 0)
		bail_out("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		srv_run(lfd, how);
	}
	close(lfd);
	return pid;
}

/* The child's exit status; kill: it may still be sleeping (SRV_SILENT). */
static int
srv_wait(pid_t pid, int killit)
{
	int st;

	if (killit)
		kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* auth_clnt_verify, its reason (if any) in verr */
static char *verr;

static int
verify(struct auth_clnt *ac, const struct auth_query *q, struct auth_user *au)
{
	err_free(&verr);
	return auth_clnt_verify(ac, q, au, &verr);
}

static const struct auth_query query = {
	.service = "smtpd", .mech = "PLAIN", .client = "192.0.2.1",
	.tls = 1, .user = "Alice@example.org", .password = "pass word",
};

static const struct {
	enum srv	 how;
	int		 want;
	const char	*err;		/* in the reason, or NULL */
	const char	*name;
} cases[] = {
	{ SRV_OK, AUTH_STAT_OK, NULL, "success" },
	{ SRV_FAIL, AUTH_STAT_FAIL, NULL, "bad credentials" },
	{ SRV_TEMP, AUTH_STAT_TEMP, NULL, "temporary failure" },
	{ SRV_THROTTLED, AUTH_STAT_THROTTLED, NULL, "throttled" },
	{ SRV_BAD_PROTO, AUTH_STAT_TEMP, "protocol", "another protocol" },
	{ SRV_CLOSE, AUTH_STAT_TEMP, "closed by the service",
	    "the service dies before it answers" },
	{ SRV_BAD_MAILDIR, AUTH_STAT_TEMP, "bad user or maildir",
	    "success with a bad maildir" },
	{ SRV_NO_QUOTA, AUTH_STAT_TEMP, "protocol error",
	    "success without quota" },
	{ SRV_EXTRA, AUTH_STAT_TEMP, "protocol error",
	    "an unexpected attribute" },
	{ SRV_BAD_STATUS, AUTH_STAT_TEMP, "protocol error",
	    "an unknown status" },
};

static void
test_answers(void)
{
	struct auth_clnt *ac = auth_clnt_new(sockpath, 5000, NULL);
	struct auth_user au;
	size_t i;
	pid_t pid;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid = srv_start(cases[i].how);
		r = verify(ac, &query, &au);
		is_int(srv_wait(pid, 0), 0, "%s: the request is as specified",
		    cases[i].name);
		is_int(r, cases[i].want, "%s: status %d", cases[i].name,
		    cases[i].want);
		if (cases[i].err != NULL)
			like(verr != NULL ? verr : "", cases[i].err,
			    "%s: the reason", cases[i].name);
		if (r == AUTH_STAT_OK) {
			is_str(au.user, "alice@example.org", "  user");
			is_str(au.maildir, "example.org/alice/", "  maildir");
			is_int((long long)au.quota, 1024, "  quota");
		} else
			is_str(au.user, "", "  no user");
	}
	auth_clnt_free(&ac);
	ok(ac == NULL, "free sets the pointer to NULL");
}

static void
test_failures(void)
{
	struct auth_clnt *ac;
	struct auth_user au;
	struct auth_query q = query;
	char longpw[AUTH_PASS_MAX + 2];
	pid_t pid;

	unlink(sockpath);
	ac = auth_clnt_new(sockpath, 5000, NULL);
	is_int(verify(ac, &query, &au), AUTH_STAT_TEMP,
	    "no service: temporary failure");
	like(verr != NULL ? verr : "", "connect to", "  the reason");
	auth_clnt_free(&ac);

	ac = auth_clnt_new(sockpath, 300, NULL);
	pid = srv_start(SRV_SILENT);
	is_int(verify(ac, &query, &au), AUTH_STAT_TEMP,
	    "a service that does not answer: temporary failure");
	like(verr != NULL ? verr : "", "timed out", "  the reason");
	srv_wait(pid, 1);
	auth_clnt_free(&ac);

	ac = auth_clnt_new(sockpath, 5000, NULL);
	memset(longpw, 'x', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	q.password = longpw;
	is_int(verify(ac, &q, &au), AUTH_STAT_FAIL,
	    "a password over AUTH_PASS_MAX cannot be right");
	q = query;
	q.user = "";
	is_int(verify(ac, &q, &au), AUTH_STAT_FAIL,
	    "an empty user name cannot be right");
	q = query;
	q.service = "SMTPD";
	is_int(verify(ac, &q, &au), AUTH_STAT_TEMP,
	    "a bad service name is our own error: temporary");
	q = query;
	q.client = "192.0.2.1 x";
	is_int(verify(ac, &q, &au), AUTH_STAT_TEMP,
	    "a bad client address: temporary");
	auth_clnt_free(&ac);

	/* a kept connection serves two questions */
	ac = auth_clnt_new(sockpath, 5000, NULL);
	pid = srv_start(SRV_TWO);
	err_free(&verr);
	is_int(auth_clnt_open(ac, &verr), 0, "open a kept connection");
	unlink(sockpath);
	is_int(verify(ac, &query, &au), AUTH_STAT_OK,
	    "first question on it");
	is_int(verify(ac, &query, &au), AUTH_STAT_OK,
	    "second question on it (the socket path is gone)");
	is_int(srv_wait(pid, 0), 0, "both requests as specified");
	is_int(verify(ac, &query, &au), AUTH_STAT_TEMP,
	    "the service gone: temporary failure");
	auth_clnt_free(&ac);

	ok(auth_valid_service("smtpd") && auth_valid_service("pop3d") &&
	    !auth_valid_service("") && !auth_valid_service("smtp d") &&
	    !auth_valid_service("Smtpd"), "service names");
	ok(auth_valid_mech("PLAIN") && auth_valid_mech("SCRAM-SHA-256") &&
	    !auth_valid_mech("plain"), "mechanism names");
	ok(auth_valid_client("") && auth_valid_client("2001:db8::1") &&
	    auth_valid_client("192.0.2.1") && !auth_valid_client("a b"),
	    "client addresses");
}

/* --- on an event loop (a login process) ------------------------------- */

struct answer {
	int	 calls;
	int	 status;
	char	 user[AUTH_USER_MAX + 1];
	char	 err[256];
};

static void
on_answer(int status, const struct auth_user *au, const char *err, void *arg)
{
	struct answer *a = arg;

	a->calls++;
	a->status = status;
	if (au != NULL)
		strlcpy(a->user, au->user, sizeof(a->user));
	if (err != NULL)
		strlcpy(a->err, err, sizeof(a->err));
}

static void
pump_until(struct event_loop *loop, struct answer *a, int n)
{
	int i, done, rounds;

	for (rounds = 0; rounds < 1000; rounds++) {
		for (i = done = 0; i < n; i++)
			done += a[i].calls > 0;
		if (done == n)
			return;
		event_run_once(loop, 10);
	}
}

static void
test_async(void)
{
	struct event_loop *loop = event_loop_new();
	struct auth_clnt_req *h[2];
	struct answer a[2];
	struct auth_clnt *ac;
	struct auth_query q = query;
	pid_t pid;
	int i;

	if (loop == NULL)
		bail_out("event_loop_new: %s", strerror(errno));
	ac = auth_clnt_new(sockpath, 5000, loop);
	memset(a, 0, sizeof(a));
	pid = srv_start(SRV_TWO);
	is_int(auth_clnt_verify_start(ac, &query, on_answer, &a[0], &h[0]),
	    AUTH_CLNT_PENDING, "on a loop: a question is pending");
	is_int(auth_clnt_verify_start(ac, &query, on_answer, &a[1], &h[1]),
	    AUTH_CLNT_PENDING, "  a second one behind it");
	ok(a[0].calls == 0 && a[1].calls == 0, "  nothing answered yet");
	pump_until(loop, a, 2);
	ok(a[0].calls == 1 && a[0].status == AUTH_STAT_OK &&
	    strcmp(a[0].user, "alice@example.org") == 0,
	    "  the first is answered with the user");
	ok(a[1].calls == 1 && a[1].status == AUTH_STAT_OK,
	    "  the second too, on the same connection");
	is_int(srv_wait(pid, 0), 0, "  both requests as specified");

	memset(a, 0, sizeof(a));
	pump_until(loop, a, 0);
	is_int(auth_clnt_verify_start(ac, &query, on_answer, &a[0], &h[0]),
	    AUTH_CLNT_PENDING, "the service gone: still pending");
	pump_until(loop, a, 1);
	ok(a[0].calls == 1 && a[0].status == AUTH_STAT_TEMP,
	    "  then a temporary failure");
	like(a[0].err, "connect to", "  with the reason");

	memset(a, 0, sizeof(a));
	q.user = "";
	is_int(auth_clnt_verify_start(ac, &q, on_answer, &a[0], &h[0]),
	    AUTH_STAT_FAIL, "a query that cannot be right is answered at once");
	ok(h[0] == NULL && a[0].calls == 0, "  and the callback never runs");

	pid = srv_start(SRV_OK);
	is_int(auth_clnt_verify_start(ac, &query, on_answer, &a[0], &h[0]),
	    AUTH_CLNT_PENDING, "a question");
	auth_clnt_verify_cancel(h[0]);
	for (i = 0; i < 50; i++)
		event_run_once(loop, 5);
	is_int(a[0].calls, 0, "  cancelled: its callback does not run");
	srv_wait(pid, 1);
	auth_clnt_free(&ac);
	event_loop_free(&loop);
}

int
main(void)
{
	tap_init("auth_clnt");
	signal(SIGPIPE, SIG_IGN);
	snprintf(sockpath, sizeof(sockpath), "%s/auth", tap_tmpdir());
	test_answers();
	test_failures();
	test_async();
	err_free(&verr);
	return done_testing();
}
