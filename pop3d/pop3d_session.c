/*
 * NAME
 *	pop3d_session - one logged-in POP3 client: taken over from
 *	pop3-login, answered, served, logged.
 *
 * DESCRIPTION
 *	In order: the handoff (lib/session: the token redeemed with auth,
 *	the Maildir opened and the process confined to it); the maildrop
 *	lock ([IN-USE] when another POP3 session holds it: IMAP sessions
 *	and deliveries go on); the mailbox (lib/mailbox), whose messages at
 *	this moment are the maildrop for the whole session (RFC 1939);
 *	then the answer to the client's PASS or AUTH, "+OK Logged in.",
 *	and the commands until QUIT, end of file, a timeout or too many
 *	errors. Deletions happen at QUIT only (pop3d_update.c).
 *
 *	Log lines, in the spirit of Dovecot's, with the canonical user:
 *	  Login: user=<alice@example.org>, method=PLAIN, rip=192.0.2.1,
 *	      lip=192.0.2.25, TLS relayed by the login process, Landlock
 *	      ABI 7, messages=3, size=6144
 *	  Disconnected: Logged out user=<alice@example.org>,
 *	      rip=192.0.2.1, top=0/0, retr=3/6144, del=1/3, size=6144
 *	("Connection closed" or "Disconnected for inactivity" instead of
 *	"Logged out" when the client did not QUIT: then nothing is
 *	deleted).
 *
 * SECURITY
 *	The client is untrusted: lines are bounded (pop3d_line_length_limit),
 *	every wait has a timeout (pop3d_timeout), bad commands are counted
 *	(pop3d_hard_error_limit). No command is read before the process is
 *	confined to the user's Maildir.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "log.h"
#include "mailbox.h"
#include "params.h"
#include "pop3d.h"
#include "priv.h"
#include "server.h"
#include "session.h"
#include "stream.h"
#include "vbuf.h"
#include "xmalloc.h"

void
pop3d_vreply(struct pop3d *p, const char *fmt, va_list ap)
{
	stream_vprintf(p->s, fmt, ap);
	stream_puts(p->s, "\r\n");
}

void
pop3d_reply(struct pop3d *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3d_vreply(p, fmt, ap);
	va_end(ap);
}

static int
pop3d_ms(long long sec)
{
	return sec > INT_MAX / 1000 ? INT_MAX : (int)(sec * 1000);
}

/* The maildrop as it is now: fixed for the session. */
static int
pop3d_open(struct pop3d *p)
{
	const struct mailbox_msg *m;
	char *err = NULL;
	uint32_t i;

	if (mailbox_open(p->sess.md, p->sess.md, 0, &p->mb, &err) < 0 ||
	    mailbox_fill_vsizes(p->mb, &err) < 0) {
		log_error("%s: %s", p->sess.user, err);
		free(err);
		return -1;
	}
	mailbox_purge(p->mb);
	p->n = mailbox_count(p->mb);
	p->mark = xcalloc(p->n + 1, 1);
	for (i = 0; i < p->n; i++) {
		m = mailbox_msg(p->mb, i);
		p->size += m->vsize;
	}
	return 0;
}

static void
pop3d_logout(struct pop3d *p, const char *how)
{
	log_info("Disconnected: %s user=<%s>, rip=%s, top=%lu/%llu, "
	    "retr=%lu/%llu, del=%u/%u, size=%llu", how, p->sess.user,
	    p->sess.client, p->top_n, (unsigned long long)p->top_bytes,
	    p->retr_n, (unsigned long long)p->retr_bytes, p->expunged, p->n,
	    (unsigned long long)p->size);
}

/* The command loop; the reason the session ended, for the log. */
static const char *
pop3d_loop(struct pop3d *p)
{
	struct span line;
	ssize_t n;

	for (;;) {
		/* answers to pipelined commands go out together */
		if (stream_buffered(p->s) == 0 && stream_flush(p->s) < 0)
			return "Connection closed";
		n = stream_read_line(p->s, &line);
		if (n == -1) {
			if (stream_error(p->s) == STREAM_ERR_TIMEOUT ||
			    stream_error(p->s) == STREAM_ERR_DEADLINE) {
				pop3d_reply(p, "-ERR Disconnected for "
				    "inactivity.");
				(void)stream_flush(p->s);
				return "Disconnected for inactivity";
			}
			return "Connection closed";
		}
		if (n == -2) {
			pop3d_reply(p, "-ERR Input line too long.");
			if (++p->bad >= var_pop3d_hard_error_limit) {
				pop3d_reply(p, "-ERR Too many bad commands.");
				(void)stream_flush(p->s);
				return "Too many bad commands";
			}
			continue;
		}
		if (pop3d_command(p, line.ptr, line.len) < 0)
			break;
	}
	(void)stream_flush(p->s);
	return p->quit ? "Logged out" : "Too many bad commands";
}

void
pop3d_session(int fd, const struct server_info *info)
{
	struct pop3d p;
	const char *how;
	char *err = NULL;
	int r;

	(void)info;
	memset(&p, 0, sizeof(p));
	p.lockfd = -1;
	if (session_accept(fd, "pop3d", &p.sess, &err) < 0) {
		log_warn("%s", err);
		free(err);
		return;
	}
	if ((p.s = stream_new(p.sess.fd, STREAM_F_NOCLOSE)) == NULL)
		log_panic("stream_new: %m");
	stream_set_timeouts(p.s, pop3d_ms(var_pop3d_timeout),
	    pop3d_ms(var_pop3d_timeout));
	stream_set_line_limit(p.s, (size_t)var_pop3d_line_length_limit);
	switch (session_login(&p.sess, &err)) {
	case SESSION_OK:
		break;
	case SESSION_FAIL:
		log_warn("login from %s refused: %s", p.sess.client, err);
		free(err);
		pop3d_reply(&p, "-ERR [AUTH] Authentication failed.");
		goto out;
	default:
		log_warn("login of %s from %s: %s", p.sess.user,
		    p.sess.client, err);
		free(err);
		pop3d_reply(&p, "-ERR [SYS/TEMP] Temporary failure; try again "
		    "later.");
		goto out;
	}
	if ((r = pop3d_lock(&p)) != 0) {
		if (r > 0) {
			log_info("Disconnected: mailbox in use user=<%s>, "
			    "rip=%s", p.sess.user, p.sess.client);
			pop3d_reply(&p, "-ERR [IN-USE] Mailbox is locked by "
			    "another POP3 session.");
		} else
			pop3d_reply(&p, "-ERR [SYS/TEMP] Temporary failure; "
			    "try again later.");
		goto out;
	}
	if (pop3d_open(&p) < 0) {
		pop3d_reply(&p, "-ERR [SYS/TEMP] Temporary failure; try again "
		    "later.");
		goto out;
	}
	log_info("Login: user=<%s>, method=%s, rip=%s, lip=%s, %s, %s, "
	    "messages=%u, size=%llu", p.sess.user, p.sess.mech,
	    p.sess.client, p.sess.server, session_transport_text(&p.sess),
	    confine_describe(p.sess.confined), p.n,
	    (unsigned long long)p.size);
	priv_title("%s %s", p.sess.user, p.sess.client);
	pop3d_reply(&p, "+OK Logged in.");
	/* what the client pipelined after PASS or AUTH comes first */
	if (vbuf_len(p.sess.input) > 0 && stream_unread(p.s,
	    vbuf_str(p.sess.input), vbuf_len(p.sess.input)) < 0)
		log_panic("stream_unread: handoff input over its bound");
	how = pop3d_loop(&p);
	pop3d_logout(&p, how);
out:
	(void)stream_flush(p.s);
	mailbox_close(&p.mb);
	free(p.mark);
	if (p.lockfd >= 0)
		close(p.lockfd);
	stream_free(&p.s);
	session_free(&p.sess);
}
