/*
 * NAME
 *	imapd_session - one logged-in IMAP client: taken over from
 *	imap-login, answered, served, logged.
 *
 * DESCRIPTION
 *	In order: the handoff (lib/session: the token redeemed with auth,
 *	the Maildir opened and the process confined to it); at the user's
 *	first login the folders of imapd_autocreate_folders; the answer to
 *	the client's LOGIN or AUTHENTICATE, "TAG OK [CAPABILITY ...]
 *	Logged in"; then commands until LOGOUT, end of file, a timeout or
 *	too many bad commands in a row.
 *
 *	Log lines, in the spirit of Dovecot's, with the canonical user:
 *	  Login: user=<alice@example.org>, method=PLAIN, rip=192.0.2.1,
 *	      lip=192.0.2.25, TLS relayed by the login process, Landlock
 *	      ABI 7
 *	  Disconnected: Logged out user=<alice@example.org>, rip=192.0.2.1,
 *	      in=120, out=4711, deleted=1, expunged=1, trashed=0,
 *	      hdr_count=0, hdr_bytes=0, body_count=2, body_bytes=3072
 *	("Connection closed", "Disconnected for inactivity" or "Too many
 *	invalid IMAP commands" instead of "Logged out").
 *
 * SECURITY
 *	The client is untrusted: commands are bounded by
 *	imapd_max_line_length (an APPEND's message by message_size_limit,
 *	streamed to the Maildir), nesting by imapd_max_nesting_depth,
 *	every wait by imapd_timeout; bad commands in a row are counted
 *	(imapd_hard_error_limit). No command is read before the process is
 *	confined to the user's Maildir.
 */
#include "config.h"

#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"
#include "imapd.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "session.h"
#include "stream.h"
#include "vbuf.h"

static int
imapd_ms(long long sec)
{
	return sec > INT_MAX / 1000 ? INT_MAX : (int)(sec * 1000);
}

static void
imapd_logout_line(struct imapd *d, const char *how)
{
	log_info("Disconnected: %s user=<%s>, rip=%s, in=%llu, out=%llu, "
	    "deleted=%u, expunged=%u, trashed=%u, hdr_count=%u, "
	    "hdr_bytes=%llu, body_count=%u, body_bytes=%llu", how,
	    d->sess.user, d->sess.client, (unsigned long long)d->in_bytes,
	    (unsigned long long)d->out_bytes, d->deleted, d->expunged,
	    d->trashed, d->hdr_count, (unsigned long long)d->hdr_bytes,
	    d->body_count, (unsigned long long)d->body_bytes);
}

/* The end of the connection when a read failed. */
static const char *
imapd_read_end(struct imapd *d)
{
	if (stream_error(d->s) == STREAM_ERR_TIMEOUT ||
	    stream_error(d->s) == STREAM_ERR_DEADLINE) {
		imapd_untagged(d, "BYE Disconnected for inactivity.");
		imapd_flush(d);
		return "Disconnected for inactivity";
	}
	return "Connection closed";
}

/* The command loop; the reason the session ended, for the log. */
static const char *
imapd_loop(struct imapd *d)
{
	struct imap_cmd cmd;
	const char *resp;

	for (;;) {
		imapd_flush(d);
		d->tag = NULL;
		/*
		 * Before waiting for the client, give back the pages that
		 * the last command freed (a FETCH's buffers, an index read):
		 * a session may stay idle for hours, and hundreds of them
		 * are the normal case.
		 */
		if (!stream_input_ready(d->s))
			(void)malloc_trim(0);
		switch (imap_read_cmd(&d->reader, &cmd, &resp)) {
		case IMAP_READ_CMD:
			d->in_bytes += d->parser->used;
			if (imapd_command(d, &cmd) < 0)
				return d->logout ? "Logged out" :
				    "Connection closed";
			continue;
		case IMAP_READ_REFUSED:
			d->in_bytes += d->parser->used;
			d->tag = cmd.tag;
			imapd_tagged(d, "%s", resp);
			imapd_append_abort(d);
			continue;
		case IMAP_READ_BAD:
			d->in_bytes += d->parser->used;
			d->tag = cmd.tag;
			imapd_tagged(d, "%s", resp);
			imapd_append_abort(d);
			if (++d->bad >= var_imapd_hard_error_limit) {
				imapd_untagged(d, "BYE Too many invalid IMAP "
				    "commands.");
				imapd_flush(d);
				return "Too many invalid IMAP commands";
			}
			continue;
		case IMAP_READ_CLOSE:
			d->tag = cmd.tag;
			if (resp != NULL && cmd.tag != NULL)
				imapd_tagged(d, "%s", resp);
			imapd_untagged(d, "BYE %s", resp != NULL &&
			    strstr(resp, "TOOBIG") ? "Literal too large." :
			    "Protocol error.");
			imapd_flush(d);
			imapd_append_abort(d);
			return "Disconnected: literal refused";
		case IMAP_READ_EOF:
			imapd_append_abort(d);
			return imapd_read_end(d);
		}
	}
}

static void
imapd_setup(struct imapd *d)
{
	d->parser = imap_parser_new((size_t)var_imapd_max_line_length,
	    (unsigned)var_imapd_max_nesting_depth);
	d->hook = imapd_append_hook;
	d->hook.ctx = d;
	d->reader.parser = d->parser;
	d->reader.stream = d->s;
	d->reader.hook = &d->hook;
	/* a refused message literal the client sends anyway is dropped */
	d->reader.discard_max = var_message_size_limit > 0 ?
	    (uint64_t)var_message_size_limit : 64 * 1024 * 1024;
}

void
imapd_session(int fd, const struct server_info *info)
{
	struct imapd d;
	const char *how;
	char *err = NULL;

	(void)info;
	memset(&d, 0, sizeof(d));
	if (session_accept(fd, "imapd", &d.sess, &err) < 0) {
		log_warn("%s", err);
		free(err);
		return;
	}
	if ((d.s = stream_new(d.sess.fd, STREAM_F_NOCLOSE)) == NULL)
		log_panic("stream_new: %m");
	stream_set_timeouts(d.s, imapd_ms(var_imapd_timeout),
	    imapd_ms(var_imapd_timeout));
	stream_set_line_limit(d.s, (size_t)var_imapd_max_line_length + 2);
	d.tag = d.sess.tag[0] != '\0' ? d.sess.tag : NULL;
	switch (session_login(&d.sess, &err)) {
	case SESSION_OK:
		break;
	case SESSION_FAIL:
		log_warn("login from %s refused: %s", d.sess.client, err);
		free(err);
		imapd_tagged(&d, "NO [AUTHENTICATIONFAILED] Authentication "
		    "failed.");
		goto out;
	default:
		log_warn("login of %s from %s: %s", d.sess.user,
		    d.sess.client, err);
		free(err);
		imapd_tagged(&d, "NO [UNAVAILABLE] Temporary authentication "
		    "failure; try again later.");
		goto out;
	}
	imapd_folders_first_login(&d);
	log_info("Login: user=<%s>, method=%s, rip=%s, lip=%s, %s, %s",
	    d.sess.user, d.sess.mech, d.sess.client, d.sess.server,
	    session_transport_text(&d.sess),
	    confine_describe(d.sess.confined));
	imapd_tagged(&d, "OK [CAPABILITY %s] Logged in",
	    imapd_capabilities(&d));
	/* what the client pipelined after its login command comes first */
	if (vbuf_len(d.sess.input) > 0 && stream_unread(d.s,
	    vbuf_str(d.sess.input), vbuf_len(d.sess.input)) < 0)
		log_panic("stream_unread: handoff input over its bound");
	imapd_setup(&d);
	how = imapd_loop(&d);
	imapd_logout_line(&d, how);
out:
	imapd_flush(&d);
	imapd_append_abort(&d);
	imapd_unselect(&d);
	imap_parser_free(&d.parser);
	stream_free(&d.s);
	session_free(&d.sess);
}
