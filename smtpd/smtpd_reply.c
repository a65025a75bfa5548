/*
 * NAME
 *	smtpd_reply - SMTP replies: formatting, footer, error accounting.
 *
 * DESCRIPTION
 *	Every reply after the greeting and the HELO/EHLO replies carries an
 *	enhanced status code (RFC 2034, RFC 3463); a reply text with '\n'
 *	becomes a multi-line reply ("250-..." lines, then "250 ...").
 *	4xx and 5xx replies get smtpd_reject_footer as extra lines; in the
 *	footer "\n" starts a new line and $client_address, $client_name,
 *	$client_port, $helo_name, $myhostname and $localtime are filled in.
 *
 *	Replies are queued on the stream; the session loop sends them when
 *	the client has nothing more pipelined (RFC 2920 3.1: the server
 *	flushes when its input buffer is empty), and before anything that
 *	waits (DATA's 354, an error pause).
 *
 *	Error accounting (Postfix's): each client error counts; from
 *	smtpd_soft_error_limit on, the server pauses smtpd_error_sleep_time
 *	before reading on; at smtpd_hard_error_limit it says 421 and hangs
 *	up.
 *
 * SECURITY
 *	Reply lines hold only printable text: any control character that
 *	could end a line early or forge one is replaced by '?'. A line is
 *	cut to SMTPD_REPLY_LINE octets with its code and CR LF (RFC 5321
 *	4.5.3.1.5), between characters: a client's long ETRN or VRFY
 *	argument echoed in a reply stays within what clients accept.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "params.h"
#include "printable.h"
#include "smtpd.h"
#include "stream.h"
#include "vbuf.h"

void
smtpd_reply_format(struct vbuf *out, int code, const char *enh,
    const char *text)
{
	const char *p = text, *nl;
	size_t len, max;

	/* the code, its separator, "X.Y.Z ", the text, CR LF */
	max = SMTPD_REPLY_LINE - 4 - (enh != NULL ? strlen(enh) + 1 : 0) - 2;
	do {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (len > max) {
			/* cut between characters, not inside a UTF-8 one */
			len = max;
			while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
				len--;
		}
		vbuf_appendf(out, "%03d%c", code, nl != NULL ? '-' : ' ');
		if (enh != NULL)
			vbuf_appendf(out, "%s ", enh);
		printable_append(out, p, len, PRINTABLE_8BIT);
		vbuf_append(out, "\r\n", 2);
		p = nl != NULL ? nl + 1 : NULL;
	} while (p != NULL);
}

/* One $name of the footer, or NULL. */
static const char *
smtpd_reply_footer_var(const struct smtpd_session *sess, const char *name,
    size_t len, char *buf, size_t buflen)
{
	time_t now;

#define IS(s) (len == sizeof(s) - 1 && strncmp(name, s, len) == 0)
	if (IS("client_address"))
		return sess->addr;
	if (IS("client_name"))
		return sess->name;
	if (IS("client_port"))
		return sess->port;
	if (IS("helo_name"))
		return sess->helo;
	if (IS("myhostname") || IS("server_name"))
		return var_myhostname;
	if (IS("localtime")) {
		now = time(NULL);
		strftime(buf, buflen, "%b %e %H:%M:%S", localtime(&now));
		return buf;
	}
#undef IS
	return NULL;
}

void
smtpd_reply_footer(const struct smtpd_session *sess, struct vbuf *text)
{
	const char *f = var_smtpd_reject_footer, *v, *name;
	char buf[64];
	size_t len;

	if (f == NULL || *f == '\0')
		return;
	vbuf_appendc(text, '\n');
	while (*f != '\0') {
		if (f[0] == '\\' && f[1] == 'n') {
			vbuf_appendc(text, '\n');
			f += 2;
			continue;
		}
		if (f[0] == '$') {
			name = f + 1;
			len = f[1] == '{' ? strcspn(f + 2, "}") : strspn(name,
			    "abcdefghijklmnopqrstuvwxyz_");
			if (f[1] == '{')
				name = f + 2;
			v = smtpd_reply_footer_var(sess, name, len, buf,
			    sizeof(buf));
			if (v != NULL) {
				vbuf_appends(text, v);
				f = name + len + (f[1] == '{' && name[len] ==
				    '}');
				continue;
			}
		}
		vbuf_appendc(text, *f++);
	}
}

void
smtpd_vreply(struct smtpd_session *sess, int code, const char *enh,
    const char *fmt, va_list ap)
{
	struct vbuf *text = vbuf_new(256, VBUF_NOLIMIT);

	vbuf_vappendf(text, fmt, ap);
	if (code >= 400)
		smtpd_reply_footer(sess, text);
	vbuf_reset(sess->reply);
	smtpd_reply_format(sess->reply, code, enh, vbuf_str(text));
	vbuf_free(&text);
	log_debug("> %s: %.*s", sess->namaddr, (int)vbuf_len(sess->reply) - 2,
	    vbuf_str(sess->reply));
	(void)stream_write(sess->io.s, vbuf_str(sess->reply),
	    vbuf_len(sess->reply));
}

void
smtpd_reply(struct smtpd_session *sess, int code, const char *enh,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(sess, code, enh, fmt, ap);
	va_end(ap);
}

void
smtpd_reject(struct smtpd_session *sess, const char *to, int code,
    const char *enh, const char *fmt, ...)
{
	struct vbuf *text = vbuf_new(256, VBUF_NOLIMIT);
	struct smtpd_xact *x = &sess->xact;
	va_list ap;

	va_start(ap, fmt);
	vbuf_vappendf(text, fmt, ap);
	va_end(ap);
	smtpd_reply(sess, code, enh, "%s", vbuf_str(text));
	vbuf_reset(sess->reply);
	if (sess->state >= SMTPD_STATE_MAIL)
		vbuf_appendf(sess->reply, " from=<%s>", x->sender);
	if (to != NULL)
		vbuf_appendf(sess->reply, " to=<%s>", to);
	log_info("%s: reject: %s from %s: %d %s %s;%s proto=%s helo=<%s>",
	    x->qid[0] != '\0' ? x->qid : "NOQUEUE", sess->verb,
	    sess->namaddr, code, enh, vbuf_str(text), vbuf_str(sess->reply),
	    smtpd_session_proto(sess), sess->helo);
	vbuf_free(&text);
}

int
smtpd_reply_flush(struct smtpd_session *sess)
{
	return stream_flush(sess->io.s);
}

void
smtpd_reply_error(struct smtpd_session *sess)
{
	sess->errors++;
	if (sess->errors >= var_smtpd_hard_error_limit) {
		log_info("too many errors after %s from %s", sess->verb,
		    sess->namaddr);
		smtpd_reply(sess, 421, "4.7.0", "%s Error: too many errors",
		    var_myhostname);
		sess->flags |= SMTPD_F_HANGUP;
		return;
	}
	if (sess->errors >= var_smtpd_soft_error_limit &&
	    var_smtpd_error_sleep_time > 0) {
		if (smtpd_reply_flush(sess) < 0)
			return;
		sleep((unsigned)var_smtpd_error_sleep_time);
	}
}
