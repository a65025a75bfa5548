/*
 * Unit tests for qmgr/bounce.c: notices built from real queue files and
 * parsed back (MIME structure, delivery-status fields, RET, NOTIFY,
 * null sender, ORCPT, SMTPUTF8, hostile content), and the line-safe
 * copy fed at every split.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "qmgr/bounce.h"
#include "qmgr/bounce_int.h"
#include "tap.h"
#include "xmalloc.h"

static char qdir[512];
static char loginfo[4096];
static char logbad[4096];

/* Keep info lines for the tests; any warning or error is a failure. */
static int
test_log_hook(enum log_level level, const char *text)
{
	if (level < LOG_LEVEL_WARN) {
		strlcat(loginfo, text, sizeof(loginfo));
		strlcat(loginfo, "\n", sizeof(loginfo));
	} else {
		strlcat(logbad, text, sizeof(logbad));
		strlcat(logbad, "\n", sizeof(logbad));
	}
	return 1;
}

static void
load_params(const char *extra)
{
	const char *ov[] = { "myhostname=mx.example.net", "mail_name=Postern",
	    "maximal_queue_lifetime=5d", extra, NULL };
	char *err = NULL;

	if (params_load(NULL, ov, &err) < 0)
		bail_out("params: %s", err);
}

/* --- the original ---------------------------------------------------- */

struct orig_rcpt {
	const char	*addr, *orcpt, *notify;
};

struct orig {
	const char	*sender;
	const char	*attrs[6];	/* name, value pairs */
	struct orig_rcpt rcpts[4];
	const char	*content;
	size_t		 content_len;	/* 0: strlen */
};

static char orig_qid[QID_SIZE];

/* Write the original queue file; return its fd, with env filled. */
static int
write_orig(const struct orig *o, struct qfile_env *env)
{
	struct qfile_writer *w = qfile_create(qdir);
	const char *err;
	char path[700];
	size_t i;
	int fd;

	if (w == NULL)
		bail_out("qfile_create: %s", strerror(errno));
	qfile_add_sender(w, o->sender);
	for (i = 0; i + 1 < 6 && o->attrs[i] != NULL; i += 2)
		qfile_add_attr(w, o->attrs[i], o->attrs[i + 1]);
	for (i = 0; i < 4 && o->rcpts[i].addr != NULL; i++)
		qfile_add_rcpt(w, o->rcpts[i].addr, o->rcpts[i].orcpt,
		    o->rcpts[i].notify);
	qfile_begin_content(w);
	qfile_write_content(w, o->content, o->content_len ? o->content_len :
	    strlen(o->content));
	if (qfile_commit(w, 0, orig_qid) < 0)
		bail_out("qfile_commit: %s", strerror(errno));
	qfile_abort(w);
	snprintf(path, sizeof(path), "%s/incoming/%c/%s", qdir,
	    qid_hash(orig_qid), orig_qid);
	if ((fd = open(path, O_RDONLY)) < 0)
		bail_out("open %s: %s", path, strerror(errno));
	if (qfile_read_env(fd, env, &err) < 0)
		bail_out("read_env: %s", err);
	/* the original leaves incoming/ so that only notices are found */
	unlink(path);
	return fd;
}

/* --- reading a notice back -------------------------------------------- */

struct part {
	char	*hdr;		/* header block, NUL-terminated */
	char	*body;		/* body, NUL-terminated */
	size_t	 bodylen;
};

struct notice {
	struct qfile_env env;
	char	*raw;		/* the content */
	size_t	 len;
	char	*hdr;		/* top-level header block */
	char	 boundary[128];
	struct part parts[8];
	int	 nparts;
	int	 closed;	/* saw the close delimiter */
	int	 lines_ok;	/* CRLF everywhere, no line over 998 */
};

static void
notice_free(struct notice *n)
{
	int i;

	qfile_env_free(&n->env);
	free(n->raw);
	free(n->hdr);
	for (i = 0; i < n->nparts; i++) {
		free(n->parts[i].hdr);
		free(n->parts[i].body);
	}
	memset(n, 0, sizeof(*n));
}

/* The unfolded value of field name in a header block, or NULL. */
static char *
field(const char *block, const char *name)
{
	size_t nl = strlen(name);
	const char *p = block, *e;
	char *v, *o;

	for (; *p != '\0'; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 :
	    p + strlen(p)) {
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		p += nl + 1;
		/* up to the first CRLF not followed by white space */
		for (e = p; *e != '\0'; e++)
			if (e[0] == '\r' && e[1] == '\n' && e[2] != ' ' &&
			    e[2] != '\t')
				break;
		v = xstrndup(p, (size_t)(e - p));
		/* unfold */
		for (o = v, p = v; *p != '\0'; p++)
			if (*p != '\r' && *p != '\n')
				*o++ = *p;
		*o = '\0';
		o = v;
		while (*o == ' ' || *o == '\t')
			o++;
		memmove(v, o, strlen(o) + 1);
		return v;
	}
	return NULL;
}

/* 1 when the block has the field */
static int
has_field(const char *block, const char *name)
{
	char *v = field(block, name);

	free(v);
	return v != NULL;
}

/* is_str of a field value, freeing it */
static void
is_field(const char *block, const char *name, const char *want,
    const char *what)
{
	char *v = field(block, name);

	is_str(v, want, "%s: %s", what, name);
	free(v);
}

static int
check_lines(const char *p, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r') {
			if (i + 1 >= len || p[i + 1] != '\n')
				return 0;
			i++;
			col = 0;
			continue;
		}
		if (p[i] == '\n' || p[i] == '\0')
			return 0;
		if (++col > 998)
			return 0;
	}
	return col == 0;
}

static void
split_part(struct part *pt, const char *p, size_t len)
{
	const char *sep = NULL;
	size_t i;

	for (i = 0; i + 3 < len + 1 && i + 4 <= len; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0) {
			sep = p + i;
			break;
		}
	if (sep == NULL) {
		pt->hdr = xstrndup(p, len);
		pt->body = xstrdup("");
		return;
	}
	pt->hdr = xstrndup(p, (size_t)(sep - p) + 2);
	pt->bodylen = len - (size_t)(sep + 4 - p);
	pt->body = xmemdup(sep + 4, pt->bodylen + 1);
	pt->body[pt->bodylen] = '\0';
}

/* Parse the multipart/report per RFC 2046 5.1.1. */
static void
parse_notice(struct notice *n)
{
	char *ct, *b, *e, delim[140];
	const char *p, *start = NULL;
	size_t dl;

	n->lines_ok = check_lines(n->raw, n->len);
	if ((e = strstr(n->raw, "\r\n\r\n")) == NULL)
		return;
	n->hdr = xstrndup(n->raw, (size_t)(e - n->raw) + 2);
	if ((ct = field(n->hdr, "Content-Type")) == NULL)
		return;
	if ((b = strstr(ct, "boundary=\"")) != NULL) {
		b += 10;
		strlcpy(n->boundary, b, sizeof(n->boundary));
		if ((b = strchr(n->boundary, '"')) != NULL)
			*b = '\0';
	}
	free(ct);
	dl = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", n->boundary);
	/* every delimiter line begins after a CRLF */
	for (p = e + 2; (p = memmem(p, n->len - (size_t)(p - n->raw), delim,
	    dl)) != NULL; p += dl) {
		if (start != NULL && n->nparts < 8)
			split_part(&n->parts[n->nparts++], start,
			    (size_t)(p - start));
		if (p[dl] == '-' && p[dl + 1] == '-') {
			n->closed = 1;
			break;
		}
		if (p[dl] != '\r' || p[dl + 1] != '\n')
			break;
		start = p + dl + 2;
	}
}

/* Load the one notice queue file from incoming/ and remove it. */
static int
read_notice(const char *bqid, struct notice *n)
{
	char path[700];
	const char *err;
	struct stat st;
	ssize_t r;
	int fd;

	memset(n, 0, sizeof(*n));
	snprintf(path, sizeof(path), "%s/incoming/%c/%s", qdir,
	    qid_hash(bqid), bqid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	if (qfile_read_env(fd, &n->env, &err) < 0 || fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	n->len = (size_t)n->env.content_size;
	n->raw = xmalloc(n->len + 1);
	r = pread(fd, n->raw, n->len, (off_t)n->env.content_offset);
	close(fd);
	unlink(path);
	if (r != (ssize_t)n->len)
		return -1;
	n->raw[n->len] = '\0';
	parse_notice(n);
	return 0;
}

static int
count_incoming(void)
{
	char path[600];
	struct dirent *de, *de2;
	DIR *d, *d2;
	int count = 0;

	snprintf(path, sizeof(path), "%s/incoming", qdir);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char sub[900];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if ((d2 = opendir(sub)) == NULL) {
			count++;
			continue;
		}
		while ((de2 = readdir(d2)) != NULL)
			if (de2->d_name[0] != '.')
				count++;
		closedir(d2);
	}
	closedir(d);
	return count;
}

/* The n-th (0-based) recipient block of a delivery-status body. */
static char *
ds_block(const char *body, int k)
{
	const char *p = body, *e;
	int i;

	for (i = 0; i <= k; i++) {
		if ((p = strstr(p, "\r\n\r\n")) == NULL)
			return NULL;
		p += 2;
	}
	e = strstr(p + 2, "\r\n\r\n");
	return xstrndup(p, e ? (size_t)(e - p) + 2 : strlen(p));
}

/* --- the cases --------------------------------------------------------- */

static const char plain_msg[] =
    "Received: from client.example.com (client.example.com [192.0.2.7])\r\n"
    "\tby mx.example.net (Postern) with ESMTP id ABC\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: lunch on Friday?\r\n"
    "Message-ID: <1234@example.com>\r\n"
    "\r\n"
    "Shall we meet at noon?\r\n"
    "SECRET-BODY-LINE\r\n";

static int
bounce1(const struct orig *o, enum bounce_kind kind, struct bounce_rcpt *r,
    size_t n, int flags, char bqid[QID_SIZE], const char **err)
{
	struct qfile_env env;
	int fd, ret;
	size_t i;

	fd = write_orig(o, &env);
	/* the recipients' DSN parameters come from the envelope */
	for (i = 0; i < n && i < env.nrcpts; i++) {
		if (r[i].addr == NULL)
			r[i].addr = env.rcpts[i].addr;
		r[i].orcpt = env.rcpts[i].orcpt;
		r[i].notify = env.rcpts[i].notify;
	}
	ret = bounce_write(qdir, orig_qid, &env, fd, kind, r, n, flags, bqid,
	    err);
	/* the strings belong to env: tests compare, never keep them */
	for (i = 0; i < n; i++)
		r[i].addr = r[i].orcpt = r[i].notify = NULL;
	qfile_env_free(&env);
	close(fd);
	return ret;
}

static void
test_failure_headers(void)
{
	struct orig o = { "alice@example.com", { "envid", "QQ+314", NULL },
	    { { "bob@example.org", "rfc822;bob+2Balias@example.org", NULL } },
	    plain_msg, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_FAILED,
	    .status = "5.1.1", .text = "user unknown" } };
	char bqid[QID_SIZE], *v, *blk;
	const char *err;
	struct notice n;

	loginfo[0] = '\0';
	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, BOUNCE_DIR_SYNC, bqid, &err),
	    BOUNCE_QUEUED, "failure notice queued");
	ok(qid_valid(bqid), "its queue ID is valid");
	like(loginfo, "sender non-delivery notification: ",
	    "logged with the notice's queue ID");
	ok(strstr(loginfo, bqid) != NULL && strstr(loginfo, orig_qid) != NULL,
	    "the log line names both queue IDs");
	if (read_notice(bqid, &n) < 0) {
		ok(0, "notice readable");
		return;
	}
	is_str(n.env.sender, "", "envelope sender is null");
	is_int((long long)n.env.nrcpts, 1, "one envelope recipient");
	is_str(n.env.rcpts[0].addr, "alice@example.com",
	    "sent to the original sender");
	ok(qfile_env_attr(&n.env, "smtputf8") == NULL, "no smtputf8 mark");
	ok(qfile_env_attr(&n.env, "body") == NULL, "no 8BITMIME mark");
	ok(n.lines_ok, "CRLF line ends, no line over 998");

	is_field(n.hdr, "From", "MAILER-DAEMON@mx.example.net (Mail Delivery "
	    "System)", "top");
	is_field(n.hdr, "To", "<alice@example.com>", "top");
	is_field(n.hdr, "Subject", "Undelivered Mail Returned to Sender",
	    "top");
	is_field(n.hdr, "Auto-Submitted", "auto-replied", "top");
	is_field(n.hdr, "MIME-Version", "1.0", "top");
	v = field(n.hdr, "Date");
	ok(v != NULL && strlen(v) > 25, "has a Date");
	free(v);
	v = field(n.hdr, "Message-ID");
	ok(v != NULL && v[0] == '<' && strstr(v, "@mx.example.net>") != NULL,
	    "has a Message-ID");
	free(v);
	v = field(n.hdr, "Content-Type");
	like(v, "multipart/report; report-type=delivery-status;",
	    "multipart/report");
	free(v);
	ok(strlen(n.boundary) > 20 && strlen(n.boundary) <= 70,
	    "boundary of a sane length");
	is_int(n.nparts, 3, "three parts");
	ok(n.closed, "close delimiter");
	if (n.nparts != 3) {
		notice_free(&n);
		return;
	}
	like(n.parts[0].hdr, "Content-Type: text/plain; charset=us-ascii",
	    "part 1 is text/plain");
	like(n.parts[0].body, "<bob@example.org>: delivery failed, status "
	    "5.1.1", "part 1 names the recipient and status");
	like(n.parts[0].body, "user unknown", "part 1 gives the reason");
	like(n.parts[0].body, orig_qid, "part 1 gives the queue ID");
	like(n.parts[0].body, "header section is attached",
	    "part 1 says what is attached");

	like(n.parts[1].hdr, "Content-Type: message/delivery-status",
	    "part 2 is message/delivery-status");
	is_field(n.parts[1].body, "Reporting-MTA", "dns; mx.example.net",
	    "ds");
	is_field(n.parts[1].body, "X-Postern-Queue-ID", orig_qid, "ds");
	is_field(n.parts[1].body, "X-Postern-Sender",
	    "rfc822; alice@example.com", "ds");
	is_field(n.parts[1].body, "Original-Envelope-Id", "QQ+314", "ds");
	v = field(n.parts[1].body, "Arrival-Date");
	ok(v != NULL, "ds: Arrival-Date");
	free(v);
	blk = ds_block(n.parts[1].body, 0);
	ok(blk != NULL, "a recipient block");
	if (blk != NULL) {
		is_field(blk, "Original-Recipient",
		    "rfc822; bob+alias@example.org", "ds rcpt");
		is_field(blk, "Final-Recipient", "rfc822; bob@example.org",
		    "ds rcpt");
		is_field(blk, "Action", "failed", "ds rcpt");
		is_field(blk, "Status", "5.1.1", "ds rcpt");
		is_field(blk, "Diagnostic-Code", "x-unix; user unknown",
		    "ds rcpt");
		ok(!has_field(blk, "Remote-MTA"), "ds rcpt: no Remote-MTA");
		v = field(blk, "Last-Attempt-Date");
		ok(v != NULL, "ds rcpt: Last-Attempt-Date");
		free(v);
		ok(!has_field(blk, "Will-Retry-Until"),
		    "ds rcpt: no Will-Retry-Until on a failure");
		free(blk);
	}
	like(n.parts[2].hdr, "Content-Type: text/rfc822-headers",
	    "part 3 is text/rfc822-headers (no RET)");
	like(n.parts[2].body, "Subject: lunch on Friday?\r\n",
	    "part 3 holds the headers");
	like(n.parts[2].body, "Received: from client.example.com "
	    "(client.example.com [192.0.2.7])\r\n\tby mx.example.net",
	    "folded header kept folded");
	ok(strstr(n.parts[2].body, "SECRET-BODY-LINE") == NULL,
	    "part 3 has no body");
	ok(strstr(n.raw, "SECRET-BODY-LINE") == NULL,
	    "the body appears nowhere");
	notice_free(&n);
}

static void
test_ret_full(void)
{
	struct orig o = { "alice@example.com", { "ret", "FULL", NULL },
	    { { "bob@example.org", NULL, "FAILURE" } }, plain_msg, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_FAILED,
	    .status = "5.2.2", .text = "550 5.2.2 mailbox full",
	    .diag_type = "smtp", .remote_mta = "mx.example.org" } };
	char bqid[QID_SIZE], *blk;
	const char *err;
	struct notice n;

	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, 0, bqid, &err),
	    BOUNCE_QUEUED, "RET=FULL notice queued");
	if (read_notice(bqid, &n) < 0 || n.nparts != 3) {
		ok(0, "RET=FULL notice parsed");
		return;
	}
	like(n.parts[2].hdr, "Content-Type: message/rfc822",
	    "RET=FULL: part 3 is message/rfc822");
	like(n.parts[2].hdr, "Content-Transfer-Encoding: 7bit", "  7bit");
	like(n.parts[2].body, "SECRET-BODY-LINE", "  with the body");
	ok(strncmp(n.parts[2].body, "Received: from client", 21) == 0,
	    "  the message starts at its first header");
	like(n.parts[0].body, "complete message is attached",
	    "  part 1 says so");
	like(n.parts[0].body, "the mail server mx.example.org replied: 550 "
	    "5.2.2 mailbox full", "  part 1 quotes the remote server");
	blk = ds_block(n.parts[1].body, 0);
	if (blk != NULL) {
		is_field(blk, "Remote-MTA", "dns; mx.example.org", "ds rcpt");
		is_field(blk, "Diagnostic-Code",
		    "smtp; 550 5.2.2 mailbox full", "ds rcpt");
		ok(!has_field(blk, "Original-Recipient"),
		    "no ORCPT, no Original-Recipient");
		free(blk);
	}
	notice_free(&n);

	/* larger than bounce_size_limit: the headers only */
	load_params("bounce_size_limit=200");
	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, 0, bqid, &err),
	    BOUNCE_QUEUED, "RET=FULL over the limit queued");
	if (read_notice(bqid, &n) == 0 && n.nparts == 3) {
		like(n.parts[2].hdr, "Content-Type: text/rfc822-headers",
		    "  headers only");
		ok(strstr(n.raw, "SECRET-BODY-LINE") == NULL, "  no body");
		like(n.parts[0].body, "larger than 200 bytes",
		    "  part 1 says why");
		like(n.parts[0].body, "cut short",
		    "  headers cut at the limit");
		ok(n.parts[2].bodylen <= 200, "  at most the limit copied");
		ok(strstr(n.parts[2].body, "Received: from client") != NULL,
		    "  whole fields up to the limit");
	} else
		ok(0, "over-limit notice parsed");
	notice_free(&n);
	load_params(NULL);
}

static void
test_notify(void)
{
	struct orig o = { "alice@example.com", { NULL },
	    { { "never@example.org", NULL, "NEVER" },
	      { "succ@example.org", NULL, "SUCCESS" },
	      { "dflt@example.org", NULL, NULL },
	      { "fail@example.org", NULL, "FAILURE,DELAY" } },
	    plain_msg, 0 };
	struct bounce_rcpt r[4];
	char bqid[QID_SIZE], *blk;
	const char *err;
	struct notice n;
	size_t i;

	for (i = 0; i < 4; i++)
		r[i] = (struct bounce_rcpt){ .action = DSN_ACTION_FAILED,
		    .status = "5.1.1", .text = "no such user" };
	/* NEVER and SUCCESS only: nothing */
	is_int(bounce1(&o, BOUNCE_FAILURE, r, 2, 0, bqid, &err), BOUNCE_NONE,
	    "NOTIFY=NEVER and NOTIFY=SUCCESS: no failure notice");
	is_int(count_incoming(), 0, "  and no queue file");

	is_int(bounce1(&o, BOUNCE_FAILURE, r, 4, 0, bqid, &err),
	    BOUNCE_QUEUED, "mixed NOTIFY: queued");
	if (read_notice(bqid, &n) == 0 && n.nparts == 3) {
		ok(strstr(n.raw, "never@") == NULL, "  NEVER not listed");
		ok(strstr(n.raw, "succ@") == NULL, "  SUCCESS-only not listed");
		like(n.parts[0].body, "<dflt@example.org>", "  default listed");
		like(n.parts[0].body, "<fail@example.org>", "  FAILURE listed");
		blk = ds_block(n.parts[1].body, 1);
		ok(blk != NULL && strstr(blk, "fail@example.org") != NULL,
		    "  two recipient blocks");
		free(blk);
		ok(ds_block(n.parts[1].body, 2) == NULL ||
		    strstr(n.parts[1].body, "never@") == NULL,
		    "  no third block");
	} else
		ok(0, "mixed notice parsed");
	notice_free(&n);

	/* success notices only for NOTIFY=SUCCESS */
	for (i = 0; i < 4; i++)
		r[i] = (struct bounce_rcpt){ .action = DSN_ACTION_DELIVERED,
		    .status = "2.0.0", .text = "delivered to maildir" };
	r[3].action = DSN_ACTION_RELAYED;
	is_int(bounce1(&o, BOUNCE_SUCCESS, r, 4, 0, bqid, &err),
	    BOUNCE_QUEUED, "success notice queued");
	if (read_notice(bqid, &n) == 0 && n.nparts == 3) {
		is_field(n.hdr, "Subject", "Successful Mail Delivery Report",
		    "success");
		like(n.parts[0].body, "<succ@example.org>: delivered",
		    "  SUCCESS listed");
		ok(strstr(n.raw, "dflt@") == NULL, "  default not listed");
		ok(strstr(n.raw, "fail@") == NULL, "  FAILURE not listed");
		blk = ds_block(n.parts[1].body, 0);
		if (blk != NULL)
			is_field(blk, "Action", "delivered", "success");
		free(blk);
		like(n.parts[2].hdr, "text/rfc822-headers",
		    "  headers only");
	} else
		ok(0, "success notice parsed");
	notice_free(&n);

	/* an outcome of the wrong kind is the caller's bug */
	errno = 0;
	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, 0, bqid, &err), BOUNCE_ERROR,
	    "delivered outcome in a failure notice refused");
	is_int(errno, EINVAL, "  EINVAL");
	is_int(count_incoming(), 0, "  nothing queued");
}

static void
test_null_sender(void)
{
	struct orig o = { "", { NULL },
	    { { "bob@example.org", NULL, NULL } }, plain_msg, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_FAILED,
	    .status = "5.1.1", .text = "user unknown" } };
	char bqid[QID_SIZE];
	const char *err;

	loginfo[0] = '\0';
	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, 0, bqid, &err),
	    BOUNCE_DISCARDED, "null sender: discarded");
	is_int(count_incoming(), 0, "  nothing queued");
	like(loginfo, "discarding sender non-delivery notification",
	    "  logged");
	like(loginfo, orig_qid, "  with the queue ID");
	r[0].action = DSN_ACTION_DELAYED;
	r[0].status = "4.4.1";
	is_int(bounce1(&o, BOUNCE_DELAY, r, 1, 0, bqid, &err),
	    BOUNCE_DISCARDED, "null sender: no delay notice either");
}

static void
test_delay(void)
{
	struct orig o = { "alice@example.com", { "ret", "FULL", NULL },
	    { { "slow@example.org", NULL, NULL } }, plain_msg, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_DELAYED,
	    .status = "4.4.1", .text = "connection timed out",
	    .remote_mta = "mx.slow.example" } };
	char bqid[QID_SIZE], *blk;
	const char *err;
	struct notice n;

	is_int(bounce1(&o, BOUNCE_DELAY, r, 1, 0, bqid, &err), BOUNCE_QUEUED,
	    "delay notice queued");
	if (read_notice(bqid, &n) < 0 || n.nparts != 3) {
		ok(0, "delay notice parsed");
		return;
	}
	is_field(n.hdr, "Subject", "Delayed Mail (still being retried)",
	    "delay");
	like(n.parts[0].body, "do not need to send", "  reassures");
	like(n.parts[0].body, "keep trying", "  says until when");
	like(n.parts[2].hdr, "text/rfc822-headers",
	    "  headers only even with RET=FULL");
	ok(strstr(n.raw, "SECRET-BODY-LINE") == NULL, "  no body");
	blk = ds_block(n.parts[1].body, 0);
	if (blk != NULL) {
		is_field(blk, "Action", "delayed", "delay");
		is_field(blk, "Status", "4.4.1", "delay");
		ok(has_field(blk, "Will-Retry-Until"),
		    "  Will-Retry-Until");
		is_field(blk, "Remote-MTA", "dns; mx.slow.example", "delay");
		free(blk);
	}
	notice_free(&n);
}

static void
test_hostile(void)
{
	struct vbuf *c = vbuf_new(4096, VBUF_NOLIMIT);
	struct orig o = { "alice@example.com", { "ret", "FULL", NULL },
	    { { "bob@example.org", NULL, NULL } }, NULL, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_FAILED,
	    .status = "5.9.99x", .text = "bad\001text\r\n--=_postern_x\r\n"
	    "Injected: yes", .remote_mta = "evil\r\nhost" } };
	char bqid[QID_SIZE], *blk;
	const char *err;
	struct notice n;
	int i;

	vbuf_appends(c, "Subject: ");
	for (i = 0; i < 3000; i++)
		vbuf_appendc(c, 'h');
	vbuf_appends(c, "\r\nX-Bare: one\ntwo\rthree\r\n");
	vbuf_appends(c, "\r\n--=_postern_\r\n--=_postern_0123456789abcdef\r\n");
	for (i = 0; i < 5000; i++)
		vbuf_appendc(c, 'b');
	vbuf_appends(c, "\r\nnul");
	vbuf_append(c, "\0", 1);
	vbuf_appends(c, "byte\nbare LF\rbare CR\r\nno final newline");
	o.content = vbuf_str(c);
	o.content_len = vbuf_len(c);
	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, 0, bqid, &err),
	    BOUNCE_QUEUED, "hostile original: queued");
	if (read_notice(bqid, &n) < 0) {
		ok(0, "hostile notice read");
		vbuf_free(&c);
		return;
	}
	ok(n.lines_ok, "  CRLF everywhere, no line over 998, no NUL");
	is_int(n.nparts, 3, "  still three parts");
	ok(n.closed, "  closed");
	ok(memmem(vbuf_str(c), vbuf_len(c), n.boundary,
	    strlen(n.boundary)) == NULL, "  boundary not in the original");
	if (n.nparts == 3) {
		ok(strstr(n.parts[2].body, n.boundary) == NULL,
		    "  boundary not in part 3");
		like(n.parts[2].body, "bbbb\r\n bbbb", "  long line continued");
		like(n.parts[2].body, "one\r\ntwo\r\nthree\r\n",
		    "  bare LF and CR made CRLF");
		like(n.parts[2].body, "nul?byte", "  NUL replaced");
		like(n.parts[2].body, "no final newline",
		    "  last line kept");
		blk = ds_block(n.parts[1].body, 0);
		if (blk != NULL) {
			is_field(blk, "Status", "5.0.0",
			    "  bad status replaced");
			is_field(blk, "Remote-MTA", "dns; evil host",
			    "  remote MTA cleaned");
			is_field(blk, "Diagnostic-Code", "x-unix; bad?text "
			    "--=_postern_x Injected: yes", "  text cleaned");
			free(blk);
		}
		ok(strstr(n.raw, "\r\nInjected:") == NULL,
		    "  no injected line");
	}
	notice_free(&n);
	vbuf_free(&c);
}

static void
test_8bit_and_global(void)
{
	static const char msg8[] =
	    "Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n";
	struct orig o = { "alice@example.com", { "ret", "FULL", "body",
	    "8BITMIME" }, { { "bob@example.org", NULL, NULL } }, msg8, 0 };
	struct orig g = { "j\xc3\xb6rg@example.com", { "smtputf8", "yes",
	    NULL }, { { "\xe6\x97\xa5\xe6\x9c\xac@example.jp",
	    "utf-8;\\x{65E5}\\x{672C}@example.jp", NULL } }, msg8, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_FAILED,
	    .status = "5.1.1", .text = "unknown user \xc3\xa9" } };
	char bqid[QID_SIZE], *blk, *v;
	const char *err;
	struct notice n;

	is_int(bounce1(&o, BOUNCE_FAILURE, r, 1, 0, bqid, &err),
	    BOUNCE_QUEUED, "8BITMIME RET=FULL: queued");
	if (read_notice(bqid, &n) == 0 && n.nparts == 3) {
		is_str(qfile_env_attr(&n.env, "body"), "8BITMIME",
		    "  notice marked 8BITMIME");
		ok(qfile_env_attr(&n.env, "smtputf8") == NULL,
		    "  not SMTPUTF8");
		like(n.parts[2].hdr, "message/rfc822", "  message/rfc822");
		like(n.parts[2].hdr, "Content-Transfer-Encoding: 8bit",
		    "  labelled 8bit");
		like(n.parts[2].body, "d\xc3\xa9j\xc3\xa0 vu",
		    "  body bytes unchanged");
		is_field(n.hdr, "Content-Transfer-Encoding", "8bit",
		    "  top level");
		like(n.parts[1].hdr, "message/delivery-status",
		    "  classic DSN");
		like(n.parts[1].body, "unknown user ?",
		    "  8-bit text replaced in a classic DSN");
		like(n.parts[0].hdr, "charset=us-ascii", "  text is ASCII");
	} else
		ok(0, "8-bit notice parsed");
	notice_free(&n);

	is_int(bounce1(&g, BOUNCE_FAILURE, r, 1, 0, bqid, &err),
	    BOUNCE_QUEUED, "SMTPUTF8: queued");
	if (read_notice(bqid, &n) == 0 && n.nparts == 3) {
		is_str(qfile_env_attr(&n.env, "smtputf8"), "yes",
		    "  notice marked smtputf8");
		is_str(n.env.rcpts[0].addr, "j\xc3\xb6rg@example.com",
		    "  sent to the UTF-8 sender");
		v = field(n.hdr, "Content-Type");
		like(v, "report-type=global-delivery-status",
		    "  global report type");
		free(v);
		like(n.parts[1].hdr, "message/global-delivery-status",
		    "  message/global-delivery-status");
		like(n.parts[2].hdr, "message/global-headers",
		    "  message/global-headers (no RET)");
		like(n.parts[0].hdr, "charset=utf-8", "  text is UTF-8");
		blk = ds_block(n.parts[1].body, 0);
		if (blk != NULL) {
			is_field(blk, "Final-Recipient",
			    "utf-8; \xe6\x97\xa5\xe6\x9c\xac@example.jp",
			    "  global");
			is_field(blk, "Original-Recipient",
			    "utf-8; \xe6\x97\xa5\xe6\x9c\xac@example.jp",
			    "  global");
			is_field(blk, "Diagnostic-Code",
			    "x-unix; unknown user \xc3\xa9", "  global");
			free(blk);
		}
		is_field(n.parts[1].body, "X-Postern-Sender",
		    "utf-8; j\xc3\xb6rg@example.com", "  global");
	} else
		ok(0, "global notice parsed");
	notice_free(&n);
}

static void
test_args(void)
{
	struct orig o = { "alice@example.com", { NULL },
	    { { "bob@example.org", NULL, NULL } }, plain_msg, 0 };
	struct bounce_rcpt r[1] = { { .action = DSN_ACTION_FAILED,
	    .status = "5.1.1" } };
	struct qfile_env env;
	char bqid[QID_SIZE], *blk;
	const char *err;
	struct notice n;
	int fd;

	fd = write_orig(&o, &env);
	r[0].addr = env.rcpts[0].addr;
	is_int(bounce_write(qdir, "not a qid", &env, fd, BOUNCE_FAILURE, r, 1,
	    0, bqid, &err), BOUNCE_ERROR, "bad queue ID refused");
	is_int(bounce_write(qdir, orig_qid, &env, fd, BOUNCE_FAILURE, r, 1,
	    0x100, bqid, &err), BOUNCE_ERROR, "unknown flag refused");
	is_int(bounce_write(qdir, orig_qid, &env, fd, BOUNCE_FAILURE, r, 0,
	    0, bqid, &err), BOUNCE_NONE, "no recipients: nothing");
	is_int(bounce_write("/nonexistent", orig_qid, &env, fd,
	    BOUNCE_FAILURE, r, 1, 0, bqid, &err), BOUNCE_ERROR,
	    "unwritable queue: error");
	is_str(err, "cannot create a queue file", "  with a reason");
	/* no text: no Diagnostic-Code, still a valid report */
	is_int(bounce_write(qdir, orig_qid, &env, fd, BOUNCE_FAILURE, r, 1,
	    0, bqid, &err), BOUNCE_QUEUED, "no diagnostic text: queued");
	if (read_notice(bqid, &n) == 0 && n.nparts == 3) {
		blk = ds_block(n.parts[1].body, 0);
		ok(blk != NULL && !has_field(blk, "Diagnostic-Code"),
		    "  no Diagnostic-Code");
		free(blk);
	} else
		ok(0, "notice without text parsed");
	notice_free(&n);
	qfile_env_free(&env);
	close(fd);
	is_int(count_incoming(), 0, "nothing left behind");
}

/* bounce_norm_copy: any split of the input gives the same output. */
static void
test_norm_trickle(void)
{
	static const char in[] = "a\r\nb\nc\rd\r\r\ne\0f\r";
	struct vbuf *whole = vbuf_new(64, VBUF_NOLIMIT);
	struct vbuf *out = vbuf_new(64, VBUF_NOLIMIT);
	struct vbuf *tiny = vbuf_new(8, 5);
	struct bounce_norm nm = { 0, 0, 0 };
	size_t len = sizeof(in) - 1, i, k;
	int same = 1;

	bounce_norm_copy(whole, &nm, in, len);
	bounce_norm_end(whole, &nm);
	is_mem(vbuf_str(whole), vbuf_len(whole),
	    "a\r\nb\r\nc\r\nd\r\n\r\ne?f\r\n", 19, "normalised");
	for (i = 0; i <= len; i++) {
		vbuf_reset(out);
		memset(&nm, 0, sizeof(nm));
		bounce_norm_copy(out, &nm, in, i);
		bounce_norm_copy(out, &nm, in + i, len - i);
		bounce_norm_end(out, &nm);
		if (vbuf_len(out) != vbuf_len(whole) || memcmp(vbuf_str(out),
		    vbuf_str(whole), vbuf_len(out)) != 0)
			same = 0;
	}
	ok(same, "every two-chunk split gives the same bytes");
	vbuf_reset(out);
	memset(&nm, 0, sizeof(nm));
	for (k = 0; k < len; k++)
		bounce_norm_copy(out, &nm, in + k, 1);
	bounce_norm_end(out, &nm);
	is_mem(vbuf_str(out), vbuf_len(out), vbuf_str(whole), vbuf_len(whole),
	    "one byte at a time gives the same bytes");
	memset(&nm, 0, sizeof(nm));
	is_int(bounce_norm_copy(tiny, &nm, "abc\ndef", 7), -1,
	    "over the limit refused");
	is_int((long long)vbuf_len(tiny), 0, "  and nothing appended");
	vbuf_free(&whole);
	vbuf_free(&out);
	vbuf_free(&tiny);
}

static void
test_fold(void)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char longword[2100];
	int kept8;

	kept8 = bounce_clean(b, "  a\tb\001c  \x7f d\xc3\xa9 ", 100, 0);
	is_str(vbuf_str(b), "a b?c ? d??", "clean: controls, runs, 8-bit");
	is_int(kept8, 0, "  nothing 8-bit kept");
	vbuf_reset(b);
	kept8 = bounce_clean(b, "d\xc3\xa9 \xff\xc3", 100, 1);
	is_str(vbuf_str(b), "d\xc3\xa9 ??", "clean: UTF-8 kept, invalid not");
	is_int(kept8, 1, "  8-bit kept");
	vbuf_reset(b);
	bounce_clean(b, "abcdefgh", 4, 0);
	is_str(vbuf_str(b), "abcd...", "clean: bounded");

	vbuf_reset(b);
	memset(longword, 'w', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	bounce_field(b, "Diagnostic-Code", longword);
	ok(check_lines(vbuf_str(b), vbuf_len(b)), "field: long word split");
	like(vbuf_str(b), "\r\n www", "  on a continuation line");
	vbuf_reset(b);
	bounce_field(b, "X", "one two three four five six seven eight nine "
	    "ten eleven twelve thirteen fourteen fifteen sixteen");
	like(vbuf_str(b), "thirteen\r\n fourteen fifteen sixteen\r\n",
	    "field: folded before the margin");
	vbuf_reset(b);
	bounce_wrap(b, "    ", longword);
	ok(check_lines(vbuf_str(b), vbuf_len(b)), "wrap: long word split");
	vbuf_free(&b);
}

int
main(void)
{
	char path[600];

	tap_init("bounce");
	log_set_hook(test_log_hook);
	strlcpy(qdir, tap_tmpdir(), sizeof(qdir));
	snprintf(path, sizeof(path), "%s/incoming", qdir);
	if (mkdir(path, 0700) < 0)
		bail_out("mkdir: %s", strerror(errno));
	load_params(NULL);

	test_failure_headers();
	test_ret_full();
	test_notify();
	test_null_sender();
	test_delay();
	test_hostile();
	test_8bit_and_global();
	test_args();
	test_norm_trickle();
	test_fold();

	is_str(logbad, "", "no warning or error was logged");
	params_free();
	return done_testing();
}
