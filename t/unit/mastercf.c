/* Unit tests for lib/mastercf: columns, defaults, -o, errors with file:line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mastercf.h"
#include "tap.h"

static FILE *
memfile(const char *s)
{
	size_t n = strlen(s);
	FILE *fp = fmemopen(NULL, n + 1, "w+");

	fwrite(s, 1, n, fp);
	rewind(fp);
	return fp;
}

static int
parse(const char *text, struct mastercf **mcf_r, char **err_r)
{
	FILE *fp = memfile(text);
	int r;

	r = mastercf_parse(fp, "master.cf", mcf_r, err_r);
	fclose(fp);
	return r;
}

/* Bad input: each must fail with this text (path:line first). */
static const struct {
	const char *text;
	const char *err;
} bad[] = {
	{ "smtp inet n - n - - smtpd\nsmtp inet n - n - -\n",
	    "master.cf:2: expected at least 8 fields" },
	{ "smtp tcp n - n - - smtpd\n",
	    "master.cf:1: service \"smtp\": unknown type \"tcp\"" },
	{ "smtp inet y - n - - smtpd\n",
	    "master.cf:1: service \"smtp\": an inet service cannot be private" },
	{ "smtp inet x - n - - smtpd\n",
	    "master.cf:1: private column: expected y, n or -" },
	{ "smtp inet n yes n - - smtpd\n",
	    "master.cf:1: unpriv column" },
	{ "smtp inet n - 1 - - smtpd\n",
	    "master.cf:1: chroot column" },
	{ "qmgr unix n - n 5m 1 qmgr\n",
	    "master.cf:1: wakeup column" },
	{ "qmgr unix n - n ? 1 qmgr\n",
	    "master.cf:1: wakeup column" },
	{ "2025 inet n - n 60 1 qmgr\n",
	    "master.cf:1: service \"2025\": wakeup is supported for unix" },
	{ "qmgr unix n - n 60 many qmgr\n",
	    "master.cf:1: maxproc column" },
	{ "qmgr unix n - n 60 -1 qmgr\n",
	    "master.cf:1: maxproc column" },
	{ "../x unix n - n - - qmgr\n",
	    "master.cf:1: service \"../x\": a unix socket name" },
	{ ".. unix n - n - - qmgr\n",
	    "master.cf:1: service \"..\": bad socket name" },
	{ "a/b unix n - n - - qmgr\n",
	    "master.cf:1: service \"a/b\"" },
	{ "x unix n - n - - ../../bin/sh\n",
	    "master.cf:1: command \"../../bin/sh\": \"..\" is not allowed" },
	{ "x unix n - n - - /usr/../bin/sh\n",
	    "\"..\" is not allowed" },
	{ "0 inet n - n - - smtpd\n",
	    "master.cf:1: service \"0\": bad port" },
	{ "70000 inet n - n - - smtpd\n",
	    "bad port \"70000\"" },
	{ "::1:25 inet n - n - - smtpd\n",
	    "must be in brackets" },
	{ "[::1 inet n - n - - smtpd\n",
	    "expected [host]:port" },
	{ "bad/host:25 inet n - n - - smtpd\n",
	    "service \"bad/host:25\": bad host" },
	{ "smtp inet n - n - - smtpd -o\n",
	    "master.cf:1: -o without name=value" },
	{ "smtp inet n - n - - smtpd -o novalue\n",
	    "-o \"novalue\": expected name=value" },
	{ "smtp inet n - n - - smtpd -o =x\n",
	    "empty parameter name" },
	{ "smtp inet n - n - - smtpd -o a-b=x\n",
	    "-o \"a-b=x\": bad parameter name" },
	{ "smtp inet n - n - - smtpd -o { a = b\n",
	    "missing '}'" },
	{ "smtp inet n - n - - smtpd -o { a = b }x\n",
	    "text after '}'" },
	{ "# c\n\nsmtp inet n - n - - smtpd\n# c\nsmtp inet n - n - - x\n",
	    "master.cf:5: duplicate service \"smtp/inet\" (first at line 3)" },
	{ "smtp inet n - n - - smtpd\x01\n",
	    "master.cf:1: control character" },
};

static void
test_good(void)
{
	static const char text[] =
	    "# service type private unpriv chroot wakeup maxproc command\n"
	    "smtp      inet  n   -   n   -    -   smtpd\n"
	    "127.0.0.1:2587 inet n - y - 10 smtpd\n"
	    "  -o smtpd_tls_security_level=encrypt\n"
	    "  -o { smtpd_banner = $myhostname ESMTP hi }\n"
	    "[::1]:2465 inet - n - - 0 smtpd -v -osyslog_name=x { a b }\n"
	    "*:submission inet n - n - - smtpd\n"
	    "qmgr      unix  n   -   n   300  1   qmgr\n"
	    "pickup    unix  -   -   y   60?  1   pickup\n"
	    "local     unix  -   n   n   0?   -   /usr/lib/x/local\n";
	struct mastercf *mcf;
	const struct mastercf_entry *e;
	char *err = NULL;

	is_int(parse(text, &mcf, &err), 0, "good file parses");
	if (mcf == NULL) {
		diag("error: %s", err);
		return;
	}
	is_int((long long)mcf->n, 7, "seven services");

	e = &mcf->entries[0];
	is_str(e->name, "smtp", "name");
	is_int(e->type, MASTERCF_INET, "inet");
	ok(e->host == NULL, "no host");
	is_str(e->port, "smtp", "port is the name");
	is_int(e->private, 0, "private n");
	is_int(e->unpriv, 1, "unpriv - is y");
	is_int(e->chroot, 0, "chroot n");
	is_int(e->wakeup, 0, "no wakeup");
	is_int(e->maxproc, MASTERCF_MAXPROC_DEFAULT, "maxproc -");
	is_str(e->command, "smtpd", "command");
	ok(e->args[0] == NULL && e->overrides[0] == NULL, "no args");
	is_int(e->line, 2, "line 2");

	e = &mcf->entries[1];
	is_str(e->host, "127.0.0.1", "host part");
	is_str(e->port, "2587", "port part");
	is_int(e->chroot, 1, "chroot y");
	is_int(e->maxproc, 10, "maxproc 10");
	is_str(e->overrides[0], "smtpd_tls_security_level=encrypt",
	    "first -o over a continuation line");
	is_str(e->overrides[1], "smtpd_banner=$myhostname ESMTP hi",
	    "-o { } with spaces, normalised");
	ok(e->overrides[2] == NULL, "two overrides");
	is_str(e->args[0], "-o", "args keep -o");
	is_str(e->args[3], "smtpd_banner=$myhostname ESMTP hi",
	    "args keep the value");
	is_int(e->line, 3, "line of the first physical line");

	e = &mcf->entries[2];
	is_str(e->host, "::1", "IPv6 host");
	is_str(e->port, "2465", "IPv6 port");
	is_int(e->private, 0, "private - is n for inet");
	is_int(e->unpriv, 0, "unpriv n");
	is_int(e->maxproc, 0, "maxproc 0: unlimited");
	is_str(e->args[0], "-v", "plain arg");
	is_str(e->args[1], "-o", "-oname=value split");
	is_str(e->args[2], "syslog_name=x", "-oname=value value");
	is_str(e->args[3], "a b", "{ } argument");
	ok(e->args[4] == NULL, "four args");

	e = &mcf->entries[3];
	ok(e->host == NULL, "*: means all interfaces");
	is_str(e->port, "submission", "named port");

	e = mastercf_find(mcf, "qmgr", MASTERCF_UNIX);
	ok(e != NULL, "find qmgr/unix");
	if (e != NULL)
		is_int(e->private, 0, "unix private n");
	ok(mastercf_find(mcf, "qmgr", MASTERCF_INET) == NULL,
	    "no qmgr/inet");
	e = mastercf_find(mcf, "qmgr", MASTERCF_UNIX);
	if (e != NULL) {
		is_int(e->wakeup, 300, "wakeup 300");
		is_int(e->wakeup_if_used, 0, "no ?");
		is_int(e->maxproc, 1, "maxproc 1");
	}
	e = mastercf_find(mcf, "pickup", MASTERCF_UNIX);
	if (e != NULL) {
		is_int(e->private, 1, "private - is y for unix");
		is_int(e->wakeup, 60, "wakeup 60?");
		is_int(e->wakeup_if_used, 1, "? seen");
	}
	e = mastercf_find(mcf, "local", MASTERCF_UNIX);
	if (e != NULL) {
		is_int(e->wakeup, 0, "0? is no wakeup");
		is_int(e->wakeup_if_used, 0, "0? clears ?");
		is_str(e->command, "/usr/lib/x/local", "absolute command");
	}
	is_str(mastercf_type_name(MASTERCF_UNIX), "unix", "type name");
	mastercf_free(&mcf);
	ok(mcf == NULL, "free clears the pointer");
}

static int nproblems;
static char problems[4][200];

static void
collect(void *arg, const char *text)
{
	(void)arg;
	if (nproblems < 4)
		strlcpy(problems[nproblems], text, sizeof(problems[0]));
	nproblems++;
}

/* mastercf_load_all: every bad line, and the good ones still load. */
static void
test_load_all(void)
{
	struct mastercf *mcf;
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/master.cf", tap_tmpdir());
	if ((fp = fopen(path, "w")) == NULL)
		bail_out("fopen %s", path);
	fputs("a unix - - n - 1 a\n"
	    "b unix - - n\n"
	    "c tcp - - n - 1 c\n"
	    "d unix - - n - 1 d\n"
	    "a unix - - n - 1 a2\n", fp);
	fclose(fp);
	nproblems = 0;
	is_int(mastercf_load_all(path, &mcf, collect, NULL), 3,
	    "three bad lines, one load");
	is_int(nproblems, 3, "each reported");
	like(problems[0], ":2: expected at least 8 fields", "line 2");
	like(problems[1], ":3: ", "line 3");
	like(problems[2], ":5: duplicate service", "line 5");
	ok(mcf != NULL && mcf->n == 2 && strcmp(mcf->entries[0].name, "a") ==
	    0 && strcmp(mcf->entries[1].name, "d") == 0,
	    "the good lines are in the table");
	mastercf_free(&mcf);
	nproblems = 0;
	is_int(mastercf_load_all("/nonexistent/master.cf", &mcf, collect,
	    NULL), 1, "a missing file is one problem");
	ok(mcf == NULL, "and no table");
}

int
main(void)
{
	struct mastercf *mcf;
	char *err;
	size_t i;
	int r;

	tap_init("mastercf");
	test_good();
	test_load_all();
	r = parse("", &mcf, &err);
	ok(r == 0 && mcf != NULL && mcf->n == 0, "empty file: no services");
	mastercf_free(&mcf);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		r = parse(bad[i].text, &mcf, &err);
		is_int(r, -1, "bad %zu fails", i);
		ok(mcf == NULL, "bad %zu: no table", i);
		like(err != NULL ? err : "", bad[i].err, "bad %zu: %s", i,
		    bad[i].err);
		free(err);
	}

	err = NULL;
	r = mastercf_load("/nonexistent/master.cf", &mcf, &err);
	is_int(r, -1, "missing file fails");
	like(err != NULL ? err : "", "/nonexistent/master.cf: No such file",
	    "missing file names the path");
	free(err);

	/* A NUL inside the file: cfline's error with file:line. */
	{
		FILE *fp = fmemopen(NULL, 64, "w+");

		fwrite("a unix n - n - - x\nb unix\0n\n", 1, 28, fp);
		rewind(fp);
		err = NULL;
		r = mastercf_parse(fp, "master.cf", &mcf, &err);
		fclose(fp);
		is_int(r, -1, "embedded NUL fails");
		like(err != NULL ? err : "", "master.cf:2: embedded NUL",
		    "embedded NUL with file:line");
		free(err);
	}
	return done_testing();
}
