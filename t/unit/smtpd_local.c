/* Unit tests for smtpd/smtpd_local: peer identity, qualification, senders. */
#include "config.h"

#include <sys/socket.h>

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "params.h"
#include "smtpd/smtpd_local.h"
#include "tap.h"

static void
load(const char *maps)
{
	char over[512];
	const char *ov[4];

	snprintf(over, sizeof(over), "local_login_sender_maps=%s", maps);
	ov[0] = "myorigin=example.org";
	ov[1] = "mail_owner=root";
	ov[2] = over;
	ov[3] = NULL;
	params_load_or_die(NULL, ov);
}

static void
test_peer(void)
{
	struct smtpd_local_peer p;
	struct passwd *pw = getpwuid(geteuid());
	const char *reply = NULL;
	char own[256];
	int sv[2];

	load("");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		bail_out("socketpair");
	is_int(smtpd_local_peer(sv[0], &p, &reply), 0, "peer identified");
	is_int(p.uid, geteuid(), "uid from SO_PEERCRED");
	is_int(p.pid, getpid(), "pid from SO_PEERCRED");
	is_str(p.login, pw->pw_name, "login name");
	snprintf(own, sizeof(own), "%s@example.org", pw->pw_name);
	is_str(p.own, own, "own address is login@$myorigin");
	is_int(p.privileged, geteuid() == 0, "root (here mail_owner too) "
	    "is privileged, others not");
	close(sv[0]);
	close(sv[1]);
	tap_expect_log("cannot tell who is connected");
	is_int(smtpd_local_peer(-1, &p, &reply), -1, "no peer: refused");
	tap_check_log("bad fd");
	like(reply, "421 4.3.0", "with a 421");
}

static void
test_qualify(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<joe>", "<joe@example.org>" },
		{ " <joe> SIZE=10", " <joe@example.org> SIZE=10" },
		{ "<joe@x.org>", "<joe@x.org>" },
		{ "<>", "<>" },
		{ "<Postmaster>", "<Postmaster>" },
		{ "<\"a@b\">", "<\"a@b\"@example.org>" },
		{ "<@r:joe@x.org>", "<@r:joe@x.org>" },
		{ "joe", "joe" },
		{ "<joe", "<joe" },
	};
	char buf[256];
	size_t i;

	load("");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(smtpd_local_qualify(cases[i].in, buf, sizeof(buf)),
		    cases[i].out, "qualify %s", cases[i].in);
	is_str(smtpd_local_qualify("<joe>", buf, 8), "<joe>",
	    "too long for the buffer: unchanged");
}

static int
check(const struct smtpd_local_peer *p, const char *path, char *reply,
    size_t len)
{
	struct addr a;
	const char *rest;
	enum addr_err e;

	if (addr_parse_path(path, ADDR_F_SENDER, &a, &rest, &e) < 0)
		bail_out("parse %s", path);
	return smtpd_local_sender_ok(p, &a, reply, len);
}

static void
test_senders(void)
{
	static const struct {
		const char *login, *sender;
		int want;
	} cases[] = {
		{ "alice", "<alice@example.org>", 1 },
		{ "alice", "<ALICE@Example.ORG>", 1 },
		{ "alice", "<bob@example.org>", 0 },
		{ "alice", "<anyone@corp.example>", 1 },
		{ "alice", "<bob@x.org>", 1 },
		{ "alice", "<bob@y.org>", 0 },
		{ "alice", "<>", 0 },
		{ "carol", "<>", 1 },
		{ "carol", "<carol@example.org>", 1 },
		{ "carol", "<x@example.org>", 0 },
		{ "dave", "<root@example.org>", 1 },
		{ "dave", "<>", 1 },
		{ "erin", "<postmaster@example.org>", 1 },
		{ "frank", "<frank@example.org>", 1 },
		{ "frank", "<x@example.org>", 0 },
	};
	struct smtpd_local_peer p;
	char reply[512];
	size_t i;

	load("inline:{ { alice = @corp.example, bob@x.org }, carol=<>, "
	    "dave=*, erin=postmaster }");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&p, 0, sizeof(p));
		strlcpy(p.login, cases[i].login, sizeof(p.login));
		snprintf(p.own, sizeof(p.own), "%s@example.org",
		    cases[i].login);
		is_int(check(&p, cases[i].sender, reply, sizeof(reply)),
		    cases[i].want, "%s may%s send as %s", cases[i].login,
		    cases[i].want ? "" : " not", cases[i].sender);
	}
	memset(&p, 0, sizeof(p));
	strlcpy(p.login, "frank", sizeof(p.login));
	strlcpy(p.own, "frank@example.org", sizeof(p.own));
	check(&p, "<boss@example.org>", reply, sizeof(reply));
	is_str(reply, "553 5.7.1 <boss@example.org>: Sender address "
	    "rejected: not owned by user frank", "the refusal");
	p.privileged = 1;
	is_int(check(&p, "<boss@example.org>", reply, sizeof(reply)), 1,
	    "root and mail_owner may use any sender");
	is_int(check(&p, "<>", reply, sizeof(reply)), 1,
	    "and the null sender");
}

static void
test_table_error(void)
{
	struct smtpd_local_peer p;
	char reply[512];

	load("hash:/nonexistent/senders");
	memset(&p, 0, sizeof(p));
	strlcpy(p.login, "alice", sizeof(p.login));
	strlcpy(p.own, "alice@example.org", sizeof(p.own));
	is_int(check(&p, "<alice@example.org>", reply, sizeof(reply)), 1,
	    "own address needs no table");
	tap_expect_log("local_login_sender_maps");
	is_int(check(&p, "<x@example.org>", reply, sizeof(reply)), -1,
	    "a table that cannot be read: -1");
	tap_check_log("table error");
	like(reply, "451 4.3.0 <x@example.org>", "deferred, never allowed");
}

int
main(void)
{
	tap_init("smtpd_local");
	test_peer();
	test_qualify();
	test_senders();
	test_table_error();
	return done_testing();
}
