/*
 * NAME
 *	smtpd_data - DATA and BDAT: receiving the message.
 *
 * DESCRIPTION
 *	DATA (RFC 5321 4.1.1.4): after "354", lib/smtp_data decodes the
 *	stream (dot-unstuffing; the end is only CR LF . CR LF) into
 *	smtpd_content and the queue file. Bytes read past the end belong
 *	to the next pipelined command and are pushed back (smtpd_io).
 *
 *	BDAT (RFC 3030): "BDAT size [LAST]"; exactly size octets follow,
 *	raw. Rules: BDAT needs EHLO, a transaction and an accepted
 *	recipient; a chunk that cannot be accepted is still read and
 *	thrown away, so the session stays in step; DATA after BDAT (and
 *	MAIL, RCPT in between chunks) is 503; after a failed chunk every
 *	later chunk of the transaction gets the same reply, and LAST (or
 *	RSET) ends it. A BDAT whose size cannot be parsed leaves no way to
 *	find the next command: 501, and the server hangs up.
 *
 *	At the end of either: the message is refused when it passed
 *	message_size_limit (552 5.3.4), had a bare CR or LF under
 *	smtpd_forbid_bare_newline = reject (550 5.5.2), had too many
 *	Received: fields (554 5.4.6), or a line over 998 characters under
 *	smtpd_long_line_policy = reject (554 5.6.0). Otherwise the queue
 *	file is committed (fsync, rename, directory fsync) and only then
 *	"250 2.0.0 Ok: queued as QID" is said, and qmgr is woken.
 *
 * SECURITY
 *	The content is the client's: read in bounded pieces, nothing
 *	buffered beyond the header section (smtpd_content). A client that
 *	goes away or times out mid-message leaves no queue file.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "params.h"
#include "qfile.h"
#include "smtp_data.h"
#include "smtpd.h"
#include "vbuf.h"

#define SMTPD_DATA_READ		(64 * 1024)

static char smtpd_data_buf[SMTPD_DATA_READ];

static int
smtpd_data_out(void *arg, const char *p, size_t n)
{
	return smtpd_content_put(arg, p, n);
}

/* The client went away (or fell silent) inside a message. */
static void
smtpd_data_lost(struct smtpd_session *sess, const char *what,
    unsigned long long bytes)
{
	static char verb[64];

	snprintf(verb, sizeof(verb), "%s (%llu bytes)", what, bytes);
	sess->verb = verb;
	smtpd_session_lost(sess);
	smtpd_xact_reset(sess);
}

/* Start the content: Received: and the queue file's content record. */
static int
smtpd_data_begin(struct smtpd_session *sess)
{
	struct smtpd_xact *x = &sess->xact;
	struct smtpd_content_info ci;
	struct vbuf *rcv;

	if (qfile_begin_content(x->qf) < 0) {
		log_error("%s: queue file write error: %m", x->qid);
		smtpd_xact_reset(sess);
		smtpd_reply(sess, 451, "4.3.0",
		    "Error: queue file write error");
		return -1;
	}
	rcv = vbuf_new(512, VBUF_NOLIMIT);
	smtpd_received(sess, rcv);
	memset(&ci, 0, sizeof(ci));
	ci.received = vbuf_str(rcv);
	ci.add_headers = (sess->flags & (SMTPD_F_LOCAL | SMTPD_F_AUTH)) != 0;
	ci.qid = x->qid;
	ci.myhostname = var_myhostname;
	ci.size_limit = var_message_size_limit > 0 ?
	    (unsigned long long)var_message_size_limit : 0;
	ci.hop_limit = var_hopcount_limit;
	ci.long_reject = smtpd_conf.long_reject;
	x->content = smtpd_content_new(&ci, smtpd_queue_write, sess);
	vbuf_free(&rcv);
	return 0;
}

/* The end of the message: refuse it, or commit and say 250. */
static int
smtpd_data_finish(struct smtpd_session *sess, unsigned long long bare_lf,
    unsigned long long bare_cr)
{
	struct smtpd_xact *x = &sess->xact;
	enum smtpd_content_status st;
	const char *msgid;
	unsigned long long size;
	char qid[QID_SIZE];

	st = smtpd_content_end(x->content);
	size = smtpd_content_size(x->content);
	switch (st) {
	case SMTPD_CONTENT_TOO_BIG:
		smtpd_reject(sess, NULL, 552, "5.3.4",
		    "Error: message file too big");
		goto refused;
	case SMTPD_CONTENT_WRITE:
		log_error("%s: queue file write error: %m", x->qid);
		smtpd_reply(sess, 451, "4.3.0",
		    "Error: queue file write error");
		smtpd_xact_reset(sess);
		return SMTPD_FAIL;
	default:
		break;
	}
	if ((bare_lf > 0 || bare_cr > 0) && sess->bare == SMTPD_BARE_REJECT) {
		smtpd_reject(sess, NULL, 550, "5.5.2", "Error: bare <%s> "
		    "received", bare_lf > 0 ? "LF" : "CR");
		goto refused;
	}
	if (st == SMTPD_CONTENT_HOPS) {
		smtpd_reject(sess, NULL, 554, "5.4.6", "Error: too many hops "
		    "(mail loop?)");
		goto refused;
	}
	if (st == SMTPD_CONTENT_LONG_LINE) {
		smtpd_reject(sess, NULL, 554, "5.6.0", "Error: message has a "
		    "line longer than %d characters (RFC 5322 2.1.1)",
		    SMTPD_RFC5322_LINE);
		goto refused;
	}
	if ((msgid = smtpd_content_msgid(x->content)) != NULL)
		log_info("%s: message-id=%s", x->qid, msgid);
	if (smtpd_queue_commit(sess) < 0) {
		smtpd_reply(sess, 451, "4.3.0",
		    "Error: queue file write error");
		smtpd_xact_reset(sess);
		return SMTPD_FAIL;
	}
	strlcpy(qid, x->qid, sizeof(qid));
	log_info("%s: from=<%s>, size=%llu, nrcpt=%zu (queued)", qid,
	    x->sender, size, x->nrcpt);
	smtpd_xact_reset(sess);
	smtpd_reply(sess, 250, "2.0.0", "Ok: queued as %s", qid);
	/*
	 * The client waits for this 250 unless it pipelined more: send it
	 * before waking qmgr (which then takes this file without a scan).
	 */
	if (stream_buffered(sess->io.s) == 0)
		(void)smtpd_reply_flush(sess);
	smtpd_queue_wake(qid);
	return SMTPD_OK;

refused:
	smtpd_xact_reset(sess);
	return SMTPD_ERR;
}

int
smtpd_cmd_data(struct smtpd_session *sess, char *arg)
{
	struct smtpd_xact *x = &sess->xact;
	struct smtp_data sd;
	long long used;
	ssize_t n;

	if (*arg != '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: DATA");
		return SMTPD_ERR;
	}
	if (sess->state == SMTPD_STATE_HELO) {
		smtpd_reply(sess, 503, "5.5.1", "Error: need RCPT command");
		return SMTPD_ERR;
	}
	if (sess->state == SMTPD_STATE_MAIL) {
		smtpd_reply(sess, 554, "5.5.1", "Error: no valid recipients");
		return SMTPD_ERR;
	}
	if (smtpd_data_begin(sess) < 0)
		return SMTPD_FAIL;
	smtpd_reply(sess, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	if (smtpd_reply_flush(sess) < 0) {
		smtpd_data_lost(sess, "DATA", 0);
		return SMTPD_FAIL;
	}
	smtp_data_init(&sd, sess->bare == SMTPD_BARE_REJECT ?
	    SMTP_DATA_REJECT_BARE : SMTP_DATA_NORMALIZE, smtpd_data_out,
	    x->content);
	while (!sd.done) {
		n = smtpd_io_read(&sess->io, smtpd_data_buf,
		    sizeof(smtpd_data_buf));
		if (n <= 0) {
			smtpd_data_lost(sess, "DATA", sd.size);
			return SMTPD_FAIL;
		}
		used = smtp_data_feed(&sd, smtpd_data_buf, (size_t)n);
		if (used < 0)
			log_panic("smtp_data_feed: the sink failed");
		if (used < n)
			smtpd_io_unread(&sess->io, smtpd_data_buf + used,
			    (size_t)(n - used));
	}
	smtpd_content_line(x->content, sd.longest);
	return smtpd_data_finish(sess, sd.bare_lf, sd.bare_cr);
}

/* Read and drop a chunk: 0, or -1 when the client went away. */
static int
smtpd_bdat_discard(struct smtpd_session *sess, unsigned long long size)
{
	ssize_t n;

	while (size > 0) {
		n = smtpd_io_read(&sess->io, smtpd_data_buf, size <
		    sizeof(smtpd_data_buf) ? (size_t)size :
		    sizeof(smtpd_data_buf));
		if (n <= 0)
			return -1;
		size -= (unsigned long long)n;
	}
	return 0;
}

/* "size [LAST]": 0, or -1 when it is not that. */
static int
smtpd_bdat_parse(const char *arg, unsigned long long *size_r, int *last_r)
{
	size_t digits = strspn(arg, "0123456789");
	unsigned long long size = 0;
	size_t i;

	if (digits == 0 || digits > 18)
		return -1;
	for (i = 0; i < digits; i++)
		size = size * 10 + (unsigned)(arg[i] - '0');
	arg += digits;
	*last_r = 0;
	if (*arg == ' ') {
		arg += strspn(arg, " ");
		if (strcasecmp(arg, "LAST") != 0)
			return -1;
		*last_r = 1;
	} else if (*arg != '\0')
		return -1;
	*size_r = size;
	return 0;
}

/* Refuse this chunk (it was read) and the rest of the transaction. */
static int
smtpd_bdat_fail(struct smtpd_session *sess, int last, int code,
    const char *enh, const char *text)
{
	struct smtpd_xact *x = &sess->xact;

	smtpd_reject(sess, NULL, code, enh, "%s", text);
	if (last)
		smtpd_xact_reset(sess);
	else {
		x->bdat_code = code;
		strlcpy(x->bdat_enh, enh, sizeof(x->bdat_enh));
		strlcpy(x->bdat_text, text, sizeof(x->bdat_text));
		smtpd_content_free(&x->content);
		sess->state = SMTPD_STATE_BDAT;
	}
	return SMTPD_ERR;
}

int
smtpd_cmd_bdat(struct smtpd_session *sess, char *arg)
{
	struct smtpd_xact *x = &sess->xact;
	unsigned long long size, left;
	int last;
	ssize_t n;

	if (smtpd_bdat_parse(arg, &size, &last) < 0) {
		/* the chunk's end is unknown: no way back in step */
		smtpd_reply(sess, 501, "5.5.4", "Syntax: BDAT count [LAST]");
		log_info("lost synchronization after BDAT from %s",
		    sess->namaddr);
		sess->flags |= SMTPD_F_HANGUP;
		return SMTPD_ERR;
	}
	if (!(sess->flags & SMTPD_F_ESMTP) || sess->state == SMTPD_STATE_HELO ||
	    sess->state == SMTPD_STATE_MAIL || x->bdat_code != 0) {
		if (smtpd_bdat_discard(sess, size) < 0) {
			smtpd_data_lost(sess, "BDAT", 0);
			return SMTPD_FAIL;
		}
		if (!(sess->flags & SMTPD_F_ESMTP))
			smtpd_reply(sess, 503, "5.5.1",
			    "Error: BDAT needs EHLO (CHUNKING)");
		else if (sess->state == SMTPD_STATE_HELO)
			smtpd_reply(sess, 503, "5.5.1",
			    "Error: need MAIL command");
		else if (sess->state == SMTPD_STATE_MAIL)
			smtpd_reply(sess, 554, "5.5.1",
			    "Error: no valid recipients");
		else {
			smtpd_reply(sess, x->bdat_code, x->bdat_enh, "%s",
			    x->bdat_text);
			if (last)
				smtpd_xact_reset(sess);
			return SMTPD_FAIL;
		}
		return SMTPD_ERR;
	}
	if (sess->state == SMTPD_STATE_RCPT) {
		if (smtpd_data_begin(sess) < 0) {
			(void)smtpd_bdat_discard(sess, size);
			return SMTPD_FAIL;
		}
		smtpd_lines_init(&x->lines, sess->bare != SMTPD_BARE_REJECT);
		sess->state = SMTPD_STATE_BDAT;
	}
	for (left = size; left > 0; left -= (unsigned long long)n) {
		n = smtpd_io_read(&sess->io, smtpd_data_buf, left <
		    sizeof(smtpd_data_buf) ? (size_t)left :
		    sizeof(smtpd_data_buf));
		if (n <= 0) {
			smtpd_data_lost(sess, "BDAT", smtpd_content_size(
			    x->content) + (size - left));
			return SMTPD_FAIL;
		}
		smtpd_lines_feed(&x->lines, x->content, smtpd_data_buf,
		    (size_t)n);
	}
	if (var_message_size_limit > 0 && smtpd_content_size(x->content) >
	    (unsigned long long)var_message_size_limit)
		return smtpd_bdat_fail(sess, last, 552, "5.3.4",
		    "Error: message file too big");
	if (!last) {
		smtpd_reply(sess, 250, "2.0.0", "Ok: %llu octets", size);
		return SMTPD_OK;
	}
	smtpd_lines_finish(&x->lines, x->content);
	return smtpd_data_finish(sess, x->lines.bare_lf, x->lines.bare_cr);
}
