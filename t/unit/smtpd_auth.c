/*
 * Unit tests for smtpd/smtpd_auth and smtpd/smtpd_auth_policy: the AUTH
 * command on an in-memory session against a scripted auth service (a
 * forked child on private/auth), the EHLO keyword, the debug log of AUTH
 * lines, the failure limit, and the client and sender restrictions.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_clnt.h"
#include "err.h"
#include "ipc.h"
#include "params.h"
#include "smtpd/smtpd.h"
#include "sock.h"
#include "stream.h"
#include "tap.h"

static struct smtpd_session sess;
static size_t outpos;
static pid_t srv_pid = -1;

/* --- a scripted auth service: the password says what it answers ------- */

static void
srv_one(int fd)
{
	struct ipc_chan ch;
	struct ipc_rec *r, *a;
	const char *v, *user = "", *pw = "";
	int tls;

	ipc_chan_init(&ch, fd, "smtpd");
	if (ipc_hello_send(&ch, auth_proto.name, auth_proto.major, 0) < 0 ||
	    ipc_recv(&ch, &r) != 1)
		return;
	if (ipc_get_str(r, "req", &v) < 0 || ipc_get_str(r, "service",
	    &v) < 0 || ipc_get_str(r, "mech", &v) < 0 ||
	    ipc_get_str(r, "client", &v) < 0 || ipc_get_bool(r, "tls",
	    &tls) < 0 || ipc_get_str(r, "user", &user) < 0 ||
	    ipc_get_str(r, "password", &pw) < 0)
		_exit(3);
	a = ipc_rec_new();
	if (strcmp(pw, "right") == 0 &&
	    strcmp(user, "alice@example.test") == 0) {
		ipc_add_uint(a, "status", AUTH_STAT_OK);
		ipc_add_str(a, "user", "alice@example.test");
		ipc_add_str(a, "maildir", "example.test/alice/");
		ipc_add_uint(a, "quota", 0);
	} else if (strcmp(pw, "temp") == 0)
		ipc_add_uint(a, "status", AUTH_STAT_TEMP);
	else if (strcmp(pw, "throttle") == 0)
		ipc_add_uint(a, "status", AUTH_STAT_THROTTLED);
	else
		ipc_add_uint(a, "status", AUTH_STAT_FAIL);
	ipc_send(&ch, a);
	ipc_rec_free(&a);
	ipc_rec_free(&r);
}

static void
srv_start(void)
{
	char *err;
	int lfd, fd;

	mkdir("private", 0700);
	if ((lfd = sock_listen_unix(auth_proto.socket, 0600, 16, &err)) < 0)
		bail_out("listen: %s", err);
	if ((srv_pid = fork()) < 0)
		bail_out("fork");
	if (srv_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			if ((fd = accept(lfd, NULL, NULL)) < 0)
				_exit(1);
			srv_one(fd);
			close(fd);
		}
	}
	close(lfd);
}

static void
srv_stop(void)
{
	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
	srv_pid = -1;
	unlink(auth_proto.socket);
}

/* --- an in-memory session ----------------------------------------------- */

static void
sess_open(const char *input, int flags)
{
	struct stream *s;

	if (sess.reply != NULL) {
		smtpd_io_free(&sess.io);
		stream_free(&sess.io.s);
		vbuf_free(&sess.reply);
	}
	memset(&sess, 0, sizeof(sess));
	s = stream_mem_open(input, strlen(input));
	smtpd_io_init(&sess.io, s);
	sess.reply = vbuf_new(512, VBUF_NOLIMIT);
	sess.flags = flags | SMTPD_F_ESMTP | SMTPD_F_INET;
	sess.state = SMTPD_STATE_HELO;
	sess.verb = "AUTH";
	strlcpy(sess.name, "client.example", sizeof(sess.name));
	strlcpy(sess.addr, "192.0.2.1", sizeof(sess.addr));
	smtpd_session_namaddr(&sess);
	outpos = 0;
}

/* Run one command line; the output it made, CR LF as "|". */
static const char *
cmd(const char *line)
{
	static char out[4096];
	const char *o;
	size_t len, i, n = 0;

	smtpd_cmd_dispatch(&sess, line, strlen(line));
	stream_flush(sess.io.s);
	o = stream_mem_output(sess.io.s, &len);
	for (i = outpos; i < len && n + 1 < sizeof(out); i++) {
		if (o[i] == '\r')
			continue;
		out[n++] = o[i] == '\n' ? '|' : o[i];
	}
	out[n] = '\0';
	outpos = len;
	return out;
}

/* The parameters with these overrides; 0, or -1 from the policy. */
static int
load_policy(const char *const *extra, char **perr)
{
	const char *ov[32];
	char *err;
	size_t n = 0;

	ov[n++] = "smtpd_sasl_auth_enable=yes";
	ov[n++] = "smtpd_tls_auth_only=yes";
	ov[n++] = "smtpd_error_sleep_time=0";
	ov[n++] = "smtpd_auth_failure_limit=3";
	ov[n++] = "auth_request_timeout=10s";
	ov[n++] = "myhostname=mx.example.test";
	while (extra != NULL && *extra != NULL)
		ov[n++] = *extra++;
	ov[n] = NULL;
	if (params_load(NULL, ov, &err) < 0)
		bail_out("params_load: %s", err);
	return smtpd_auth_policy_load(perr);
}

static void
load(const char *const *extra)
{
	char *err = NULL;

	if (load_policy(extra, &err) < 0)
		bail_out("policy: %s", err);
}

/* --- the tests ------------------------------------------------------------ */

static void
test_offer(void)
{
	static const char *const off[] = { "smtpd_sasl_auth_enable=no",
	    NULL };
	static const char *const plain[] = { "smtpd_tls_auth_only=no",
	    NULL };

	load(NULL);
	sess_open("", 0);
	is_str(smtpd_auth_ehlo(&sess), "", "no AUTH in EHLO without TLS");
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA=="),
	    "538 5.7.11 Encryption required for requested authentication "
	    "mechanism|", "AUTH without TLS: 538 5.7.11");
	sess_open("", SMTPD_F_TLS);
	is_str(smtpd_auth_ehlo(&sess), "AUTH PLAIN LOGIN\n",
	    "AUTH PLAIN LOGIN in EHLO with TLS");
	like(cmd("EHLO client.example"), "|250-AUTH PLAIN LOGIN|",
	    "  in the EHLO reply");
	sess_open("", SMTPD_F_TLS | SMTPD_F_LOCAL);
	is_str(smtpd_auth_ehlo(&sess), "", "not to local submission");
	is_str(cmd("AUTH PLAIN"), "503 5.5.1 Error: authentication not "
	    "enabled|", "  which gets 503");
	load(plain);
	sess_open("", 0);
	is_str(smtpd_auth_ehlo(&sess), "AUTH PLAIN LOGIN\n",
	    "without TLS when smtpd_tls_auth_only = no");
	load(off);
	sess_open("", SMTPD_F_TLS);
	is_str(smtpd_auth_ehlo(&sess), "", "not when disabled");
	is_str(cmd("AUTH PLAIN"), "503 5.5.1 Error: authentication not "
	    "enabled|", "  which gets 503");
	load(NULL);
}

static void
test_plain(void)
{
	char arg[128];

	sess_open("", SMTPD_F_TLS);
	/* \0alice@example.test\0right */
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA=="),
	    "235 2.7.0 Authentication successful|",
	    "PLAIN with the right password: 235 2.7.0");
	ok(sess.flags & SMTPD_F_AUTH, "  the session is authenticated");
	is_str(sess.sasl.user, "alice@example.test", "  as the canonical user");
	is_str(sess.sasl.method, "PLAIN", "  with PLAIN");
	is_str(smtpd_auth_log(&sess), ", sasl_method=PLAIN, "
	    "sasl_username=alice@example.test", "  the client= log suffix");
	is_str(smtpd_session_proto(&sess), "ESMTPSA", "  proto ESMTPSA");
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA=="),
	    "503 5.5.1 Error: already authenticated|", "AUTH twice: 503");
	smtpd_auth_reset(&sess);
	ok(!(sess.flags & SMTPD_F_AUTH) && sess.sasl.user[0] == '\0',
	    "reset forgets it (STARTTLS)");
	is_str(smtpd_auth_log(&sess), "", "  no log suffix then");

	sess_open("", SMTPD_F_TLS);
	sess.state = SMTPD_STATE_MAIL;
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA=="),
	    "503 5.5.1 Error: MAIL transaction in progress|",
	    "AUTH inside a transaction: 503");

	sess_open("AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA==\r\n", SMTPD_F_TLS);
	is_str(cmd("AUTH PLAIN"), "334 |235 2.7.0 Authentication successful|",
	    "PLAIN without initial response: 334, then 235");

	sess_open("", SMTPD_F_TLS);
	tap_expect_log("SASL PLAIN authentication failed: authentication "
	    "failure");
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZw=="),
	    "535 5.7.8 Error: authentication failed|",
	    "a wrong password: 535 5.7.8");
	tap_check_log("logged as Postfix does");
	ok(!(sess.flags & SMTPD_F_AUTH), "  not authenticated");
	tap_expect_log("SASL PLAIN authentication failed: authentication "
	    "failure");
	/* \0nobody@example.test\0right */
	is_str(cmd("AUTH PLAIN AG5vYm9keUBleGFtcGxlLnRlc3QAcmlnaHQ="),
	    "535 5.7.8 Error: authentication failed|",
	    "an unknown user: the same 535 5.7.8");
	tap_check_log("logged");

	sess_open("", SMTPD_F_TLS);
	tap_expect_log("authorization identity not allowed");
	/* bob@example.test\0alice@example.test\0right */
	is_str(cmd("AUTH PLAIN Ym9iQGV4YW1wbGUudGVzdABhbGljZUBleGFtcGxlLnRl"
	    "c3QAcmlnaHQ="), "535 5.7.8 Error: authentication failed|",
	    "a PLAIN authzid of someone else: 535 5.7.8");
	tap_check_log("logged");
	is_str(cmd("AUTH PLAIN =!"), "501 5.5.2 Error: cannot decode "
	    "response|", "malformed base64: 501 5.5.2");
	is_str(cmd("AUTH PLAIN ="), "501 5.5.2 Error: cannot decode "
	    "response|", "an empty PLAIN message: 501 5.5.2");
	is_str(cmd("AUTH CRAM-MD5"), "504 5.5.4 Unsupported authentication "
	    "mechanism|", "another mechanism: 504 5.5.4");
	is_str(cmd("AUTH"), "501 5.5.4 Syntax: AUTH mechanism "
	    "[initial-response]|", "no mechanism: 501 5.5.4");
	is_str(cmd("AUTH PLAIN a b"), "501 5.5.4 Syntax: AUTH mechanism "
	    "[initial-response]|", "two initial responses: 501 5.5.4");

	sess_open("*\r\n", SMTPD_F_TLS);
	is_str(cmd("AUTH PLAIN"), "334 |501 5.7.0 Authentication aborted|",
	    "\"*\" cancels: 501 5.7.0");
	ok(sess.sasl.failures == 0, "  not counted as a failure");

	/* the command's copy of the line is wiped */
	sess_open("", SMTPD_F_TLS);
	/* zeros after the line: stack garbage may hold an 'A' or a 'P' */
	memset(arg, 0, sizeof(arg));
	strlcpy(arg, "PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA==", sizeof(arg));
	smtpd_cmd_auth(&sess, arg);
	ok(memchr(arg, 'A', sizeof(arg)) == NULL &&
	    memchr(arg, 'P', sizeof(arg)) == NULL,
	    "the argument buffer is wiped");
}

static void
test_login(void)
{
	/* alice@example.test, right */
	sess_open("YWxpY2VAZXhhbXBsZS50ZXN0\r\ncmlnaHQ=\r\n", SMTPD_F_TLS);
	is_str(cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6|334 UGFzc3dvcmQ6|"
	    "235 2.7.0 Authentication successful|",
	    "LOGIN: Username:, Password:, 235");
	ok(memchr(sess.io.line->data, 'c', sess.io.line->cap) == NULL,
	    "  the line buffer is wiped");
	sess_open("cmlnaHQ=\r\n", SMTPD_F_TLS);
	is_str(cmd("AUTH LOGIN YWxpY2VAZXhhbXBsZS50ZXN0"),
	    "334 UGFzc3dvcmQ6|235 2.7.0 Authentication successful|",
	    "LOGIN with the user as initial response");
	sess_open("YWxpY2VAZXhhbXBsZS50ZXN0\r\n*\r\n", SMTPD_F_TLS);
	is_str(cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6|334 UGFzc3dvcmQ6|"
	    "501 5.7.0 Authentication aborted|", "LOGIN cancelled");
	sess_open("YWxpY2VAZXhhbXBsZS50ZXN0\r\n", SMTPD_F_TLS);
	is_str(cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6|334 UGFzc3dvcmQ6|",
	    "the client gone in the middle");
	ok(sess.flags & SMTPD_F_HANGUP, "  hang up");
	{
		char big[2100];

		memset(big, 'Q', sizeof(big) - 3);
		memcpy(big + sizeof(big) - 3, "\r\n", 3);
		sess_open(big, SMTPD_F_TLS);
		is_str(cmd("AUTH LOGIN"), "334 VXNlcm5hbWU6|500 5.5.6 "
		    "Authentication Exchange line is too long|",
		    "a response over the line limit: 500 5.5.6");
	}
}

static void
test_service(void)
{
	sess_open("", SMTPD_F_TLS);
	/* \0alice@example.test\0temp */
	tap_expect_log("auth service: temporary failure");
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB0ZW1w"),
	    "454 4.7.0 Temporary authentication failure|",
	    "the service fails temporarily: 454 4.7.0");
	tap_check_log("logged");
	tap_expect_log("too many failed logins");
	/* \0alice@example.test\0throttle */
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB0aHJvdHRsZQ=="),
	    "454 4.7.0 Temporary authentication failure: too many failed "
	    "logins, try again later|", "throttled: 454 4.7.0");
	tap_check_log("logged");

	srv_stop();
	sess_open("", SMTPD_F_TLS);
	tap_expect_log("connect to private/auth");
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA=="),
	    "454 4.7.0 Temporary authentication failure|",
	    "no auth service, the right password: 454 4.7.0, not 235");
	tap_check_log("logged");
	ok(!(sess.flags & SMTPD_F_AUTH), "  not authenticated");
	srv_start();
}

static void
test_limit(void)
{
	int i;

	sess_open("", SMTPD_F_TLS);
	for (i = 0; i < 2; i++) {
		tap_expect_log("authentication failed");
		is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZw=="),
		    "535 5.7.8 Error: authentication failed|",
		    "failure %d: 535", i + 1);
	}
	tap_expect_log("authentication failed");
	is_str(cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZw=="),
	    "421 4.7.0 mx.example.test Error: too many authentication "
	    "failures|", "the third failure: 421 4.7.0");
	tap_check_log("logged");
	ok(sess.flags & SMTPD_F_HANGUP, "  and hang up");
}

static void
test_loggable(void)
{
	static const struct {
		const char	*line;
		const char	*shown;
	} cases[] = {
		{ "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH PLAIN" },
		{ "auth login YWxpY2U=", "auth login" },
		{ "AUTH  PLAIN   xyz", "AUTH  PLAIN" },
		{ "AUTH LOGIN", "AUTH LOGIN" },
		{ "MAIL FROM:<a@b>", "MAIL FROM:<a@b>" },
		{ "AUTHX PLAIN x", "AUTHX PLAIN x" },
	};
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = smtpd_auth_loggable(cases[i].line, strlen(cases[i].line));
		is_int((long long)n, (long long)strlen(cases[i].shown),
		    "the log shows \"%s\"", cases[i].shown);
	}
}

/* MAIL FROM:<sender> through the policy: the reply. */
static const char *
mail(const char *sender)
{
	char line[256];

	snprintf(line, sizeof(line), "MAIL FROM:<%s>", sender);
	sess.state = SMTPD_STATE_HELO;
	return cmd(line);
}

static void
test_policy(void)
{
	static const char *const bad1[] = {
		"smtpd_client_restrictions=permit_sasl_authenticated, "
		"reject_unknown_client", NULL };
	static const char *const bad2[] = {
		"smtpd_client_restrictions="
		"reject_authenticated_sender_login_mismatch", NULL };
	static const char *const sub[] = {
		"smtpd_client_restrictions=permit_sasl_authenticated, reject",
		"smtpd_sender_restrictions="
		"reject_authenticated_sender_login_mismatch",
		"smtpd_sender_login_maps=inline:{ "
		"{ shared@example.test = bob@example.test, "
		"alice@example.test }, @other.test=alice@example.test, "
		"boss@other.test=carol@example.test }",
		NULL };
	static const char *const nets[] = {
		"smtpd_client_restrictions=permit_mynetworks, reject",
		"smtpd_sender_restrictions=permit_mynetworks, reject",
		NULL };
	char *err = NULL;

	is_int(load_policy(bad1, &err), -1, "an unknown restriction is "
	    "refused");
	like(err, "unknown restriction \"reject_unknown_client\"",
	    "  naming it");
	err_free(&err);
	is_int(load_policy(bad2, &err), -1, "a sender restriction in the "
	    "client list is refused");
	err_free(&err);

	load(sub);
	sess_open("", SMTPD_F_TLS);
	is_str(mail("alice@example.test"), "530 5.7.0 Authentication "
	    "required|", "MAIL before AUTH: 530 5.7.0");
	sess_open("", SMTPD_F_TLS | SMTPD_F_MYNETWORKS);
	is_str(mail("alice@example.test"), "530 5.7.0 Authentication "
	    "required|", "  also from mynetworks");
	cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAByaWdodA==");
	is_str(mail("alice@example.test"), "250 2.1.0 Ok|",
	    "after AUTH: its own address");
	is_str(mail("Alice@Example.TEST"), "250 2.1.0 Ok|",
	    "  in any case");
	is_str(mail("shared@example.test"), "250 2.1.0 Ok|",
	    "  an address smtpd_sender_login_maps grants");
	is_str(mail("anyone@other.test"), "250 2.1.0 Ok|",
	    "  a domain smtpd_sender_login_maps grants");
	is_str(mail("boss@other.test"), "553 5.7.1 <boss@other.test>: "
	    "Sender address rejected: not owned by user alice@example.test|",
	    "  not an address of the domain granted to another (553 5.7.1)");
	is_str(mail("bob@example.test"), "553 5.7.1 <bob@example.test>: "
	    "Sender address rejected: not owned by user alice@example.test|",
	    "  not someone else's: 553 5.7.1");
	is_str(mail(""), "250 2.1.0 Ok|", "  the null sender");

	load(nets);
	sess_open("", 0);
	is_str(mail("x@example.test"), "554 5.7.1 <client.example[192.0.2.1]>:"
	    " Client host rejected: Access denied|",
	    "no permit_sasl_authenticated in the list: 554 5.7.1");
	sess_open("", SMTPD_F_MYNETWORKS);
	is_str(mail("x@example.test"), "250 2.1.0 Ok|", "permit_mynetworks");
	sess_open("", SMTPD_F_LOCAL);
	{
		struct addr a;
		enum addr_err e;

		addr_parse_mailbox("x@example.test", 0, &a, &e);
		is_int(smtpd_auth_policy_mail(&sess, &a), 0,
		    "local submission is not subject to them");
	}
	load(NULL);
	sess_open("", 0);
	is_str(mail("x@example.test"), "250 2.1.0 Ok|",
	    "empty lists permit");
}

int
main(void)
{
	tap_init("smtpd_auth");
	signal(SIGPIPE, SIG_IGN);
	if (chdir(tap_tmpdir()) < 0)
		bail_out("chdir");
	srv_start();
	test_offer();
	test_plain();
	test_login();
	test_service();
	test_limit();
	test_loggable();
	test_policy();
	srv_stop();
	smtpd_auth_policy_free();
	return done_testing();
}
