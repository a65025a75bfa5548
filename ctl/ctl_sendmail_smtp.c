/*
 * NAME
 *	ctl_sendmail_smtp - sendmail's SMTP client: submit the spooled
 *	message over queue_directory/public/submit
 *
 * DESCRIPTION
 *	EHLO (HELO when EHLO is refused), MAIL FROM with SIZE, BODY=8BITMIME,
 *	SMTPUTF8, RET and ENVID when the server offers them and the message
 *	needs them, one RCPT TO per recipient (with NOTIFY for -N), DATA
 *	and the spool, QUIT. Every wait is bounded (SENDMAIL_TIMEOUT).
 *
 *	Outcome and exit status (sysexits, as sendmail's): a refused
 *	recipient is reported and the message still goes to the others,
 *	but the command then exits with the status of the first refusal,
 *	so that a script notices. The status of a reply comes from its
 *	enhanced status code (sendmail_reply_exit): 4.x.x is EX_TEMPFAIL,
 *	5.1.1 EX_NOUSER, 5.7.x EX_NOPERM, 5.3.4 and 5.6.x EX_DATAERR and so
 *	on. A system that cannot be reached, or a connection that breaks,
 *	is EX_TEMPFAIL: try again later, nothing was accepted.
 *
 * SECURITY
 *	The server is our own smtpd, but its replies are still read with
 *	a line limit and a bound on the number of lines, and what is
 *	printed of them has control characters replaced.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl_sendmail.h"
#include "esmtp.h"
#include "params.h"
#include "printable.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"
#include "sock.h"
#include "stream.h"
#include "vbuf.h"
#include "xmalloc.h"

struct sendmail_smtp {
	struct stream	*s;
	int		 verbose;
	int		 code;		/* last reply; -1: lost */
	struct smtp_reply rep;		/* its lines, or why it was lost */
	struct smtp_ehlo ehlo;		/* what the server offers */
};

int
sendmail_connect(const char *rel, const char *what)
{
	char *path = xasprintf("%s/%s", var_queue_directory, rel);
	int fd;

	if ((fd = sock_connect_unix(path, 30)) < 0)
		sendmail_warn("%s: cannot connect to %s: %s", what, path,
		    strerror(errno));
	free(path);
	return fd;
}

int
sendmail_reply_exit(int code, const char *text)
{
	int c = 0, s = -1, d = -1;

	if (code < 400)
		return 0;
	if (code < 500)
		return EX_TEMPFAIL;
	/* "550 5.1.1 text": the enhanced status code, if any */
	if (text != NULL && strlen(text) > 4 &&
	    sscanf(text + 4, "%1d.%3d.%3d", &c, &s, &d) == 3 && c == 5) {
		if (s == 1 && d == 2)
			return EX_NOHOST;
		if (s == 1 && (d == 3 || d == 7 || d == 8))
			return EX_DATAERR;
		if (s == 1 || (s == 2 && d == 1))
			return EX_NOUSER;
		if (s == 7)
			return EX_NOPERM;
		if (s == 5)
			return EX_PROTOCOL;
		if (s == 6 || (s == 3 && d == 4) || (s == 2 && d == 3))
			return EX_DATAERR;
		return EX_UNAVAILABLE;
	}
	if (code >= 500 && code <= 504)
		return EX_PROTOCOL;
	if (code == 550 || code == 551)
		return EX_NOUSER;
	if (code == 552 || code == 553)
		return EX_DATAERR;
	return EX_UNAVAILABLE;
}

/* Print text with control characters made visible. */
static void
sendmail_print_clean(const char *prefix, const char *s, size_t len)
{
	fputs(prefix, stderr);
	printable_fputs(s, len, PRINTABLE_8BIT, stderr);
	fputc('\n', stderr);
}

/* Read one reply (all its lines); sets sm->code, -1 when lost. */
static int
sendmail_reply(struct sendmail_smtp *sm)
{
	const char *p, *nl;
	int code = smtp_reply_read(sm->s, &sm->rep);

	sm->code = code > 0 ? code : -1;
	if (sm->verbose && code > 0)
		for (p = vbuf_str(sm->rep.text); p != NULL; p = nl) {
			nl = strchr(p, '\n');
			sendmail_print_clean("<<< ", p, nl != NULL ?
			    (size_t)(nl - p) : strlen(p));
			if (nl != NULL)
				nl++;
		}
	return sm->code;
}

static int
sendmail_cmd(struct sendmail_smtp *sm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Send one command and read its reply; the code, or -1. */
static int
sendmail_cmd(struct sendmail_smtp *sm, const char *fmt, ...)
{
	va_list ap;
	char buf[2048];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (sm->verbose)
		sendmail_print_clean(">>> ", buf, strlen(buf));
	if (stream_printf(sm->s, "%s\r\n", buf) < 0 ||
	    stream_flush(sm->s) < 0) {
		vbuf_sets(sm->rep.text, stream_strerror(sm->s));
		sm->code = -1;
		return -1;
	}
	return sendmail_reply(sm);
}

/* The server said no (or went away): print it, give the status. */
static int
sendmail_refused(struct sendmail_smtp *sm, const char *what)
{
	const char *r = vbuf_str(sm->rep.text);

	if (sm->code < 0) {
		sendmail_warn("lost connection with the mail system %s: %s; "
		    "message not sent", what, r);
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "%s: %s: ", sendmail_prog, what);
	sendmail_print_clean("", r, strlen(r));
	return sendmail_reply_exit(sm->code, r);
}

static int
sendmail_has_utf8(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* MAIL FROM:<sender> and its parameters. */
static int
sendmail_mail(struct sendmail_smtp *sm, const struct sendmail_opts *opts,
    const char *sender, const struct sendmail_rcpts *rcpts,
    const struct sendmail_msg *msg)
{
	struct vbuf *p = vbuf_new(256, VBUF_NOLIMIT);
	char envid[ESMTP_ENVID_MAX * 3 + 1];
	size_t i;
	int utf8 = sendmail_has_utf8(sender), code;

	for (i = 0; i < rcpts->n; i++)
		utf8 |= sendmail_has_utf8(rcpts->addr[i]);
	if (sm->ehlo.ext & SMTP_EXT_SIZE)
		vbuf_appendf(p, " SIZE=%llu", msg->size);
	if (msg->eightbit && (sm->ehlo.ext & SMTP_EXT_8BITMIME))
		vbuf_appends(p, " BODY=8BITMIME");
	if (utf8 && (sm->ehlo.ext & SMTP_EXT_SMTPUTF8))
		vbuf_appends(p, " SMTPUTF8");
	if ((sm->ehlo.ext & SMTP_EXT_DSN) && opts->ret != NULL)
		vbuf_appendf(p, " RET=%s", strcasecmp(opts->ret, "full") == 0 ?
		    "FULL" : "HDRS");
	if ((sm->ehlo.ext & SMTP_EXT_DSN) && opts->envid != NULL &&
	    esmtp_xtext_encode(opts->envid, envid, sizeof(envid)) > 0)
		vbuf_appendf(p, " ENVID=%s", envid);
	code = sendmail_cmd(sm, "MAIL FROM:<%s>%s", sender, vbuf_str(p));
	vbuf_free(&p);
	return code;
}

/* The whole transaction; 0 or a sysexits code. */
static int
sendmail_transaction(struct sendmail_smtp *sm,
    const struct sendmail_opts *opts, const char *sender,
    const struct sendmail_rcpts *rcpts, struct sendmail_msg *msg)
{
	char buf[16384], notify[64] = "", what[SENDMAIL_ADDR_MAX + 32];
	size_t i, n, accepted = 0;
	int code, first_fail = 0, r;

	if (sendmail_reply(sm) != 220)
		return sendmail_refused(sm, "greeting");
	if ((code = sendmail_cmd(sm, "EHLO %s", var_myhostname)) == 250)
		smtp_ehlo_parse(vbuf_str(sm->rep.text), &sm->ehlo);
	else if (code < 0 || sendmail_cmd(sm, "HELO %s", var_myhostname) !=
	    250)
		return sendmail_refused(sm, "HELO");
	if (opts->notify != NULL && (sm->ehlo.ext & SMTP_EXT_DSN)) {
		snprintf(notify, sizeof(notify), " NOTIFY=%s", opts->notify);
		for (i = 0; notify[i] != '\0'; i++)
			notify[i] = (char)toupper((unsigned char)notify[i]);
	}
	if (sendmail_mail(sm, opts, sender, rcpts, msg) != 250) {
		snprintf(what, sizeof(what), "MAIL FROM:<%s>", sender);
		return sendmail_refused(sm, what);
	}
	for (i = 0; i < rcpts->n; i++) {
		code = sendmail_cmd(sm, "RCPT TO:<%s>%s", rcpts->addr[i],
		    notify);
		if (code == 250 || code == 251) {
			accepted++;
			continue;
		}
		snprintf(what, sizeof(what), "RCPT TO:<%s>", rcpts->addr[i]);
		r = sendmail_refused(sm, what);
		if (first_fail == 0)
			first_fail = r;
		if (code < 0)
			return r;
	}
	if (accepted == 0)
		return first_fail;
	if (sendmail_cmd(sm, "DATA") != 354)
		return sendmail_refused(sm, "DATA");
	while ((n = fread(buf, 1, sizeof(buf), msg->spool)) > 0)
		if (stream_write(sm->s, buf, n) < 0)
			break;
	if (ferror(msg->spool)) {
		sendmail_warn("reading the temporary file: %s",
		    strerror(errno));
		return EX_IOERR;
	}
	if (sm->verbose)
		fprintf(stderr, ">>> (%llu bytes of message)\n>>> .\n",
		    msg->size);
	if (stream_puts(sm->s, ".\r\n") < 0 || stream_flush(sm->s) < 0) {
		vbuf_sets(sm->rep.text, stream_strerror(sm->s));
		sm->code = -1;
		return sendmail_refused(sm, "sending the message");
	}
	if (sendmail_reply(sm) != 250)
		return sendmail_refused(sm, "end of message");
	if (sm->verbose)
		sendmail_warn("accepted: %s", vbuf_str(sm->rep.text));
	return first_fail;
}

int
sendmail_submit(const struct sendmail_opts *opts, const char *sender,
    const struct sendmail_rcpts *rcpts, struct sendmail_msg *msg)
{
	struct sendmail_smtp sm;
	int fd, r, flags;

	if (opts->notify != NULL && esmtp_notify_parse(opts->notify,
	    &flags) < 0) {
		sendmail_warn("-N %s: expected never, or a list of success, "
		    "failure and delay", opts->notify);
		return EX_USAGE;
	}
	if ((fd = sendmail_connect(SENDMAIL_SOCKET,
	    "the mail system is down")) < 0) {
		sendmail_warn("message not sent; try again later");
		return EX_TEMPFAIL;
	}
	memset(&sm, 0, sizeof(sm));
	sm.verbose = opts->verbose;
	smtp_reply_init(&sm.rep);
	if ((sm.s = stream_new(fd, 0)) == NULL) {
		sendmail_warn("stream: %s", strerror(errno));
		close(fd);
		smtp_reply_free(&sm.rep);
		return EX_OSERR;
	}
	stream_set_timeouts(sm.s, SENDMAIL_TIMEOUT * 1000,
	    SENDMAIL_TIMEOUT * 1000);
	stream_set_line_limit(sm.s, SENDMAIL_LINE_MAX);
	r = sendmail_transaction(&sm, opts, sender, rcpts, msg);
	/* say goodbye, also after a refusal, unless the server is gone */
	if (sm.code > 0 && sm.code != 421 && sm.code != 354)
		(void)sendmail_cmd(&sm, "QUIT");
	stream_free(&sm.s);
	smtp_reply_free(&sm.rep);
	return r;
}
