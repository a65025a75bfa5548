/*
 * NAME
 *	smtpd_session - one SMTP session: connect, greet, serve, hang up.
 *
 * DESCRIPTION
 *	smtpd_session() is the skeleton's conn() callback. In order:
 *	who the client is (smtpd_peer, or smtpd_submit for the local
 *	submission socket), "connect from host[addr]", the per-client
 *	limits (smtpd_limits), the early-talker pause, the 220 greeting,
 *	then one command line after another until QUIT, end of file, a
 *	timeout or too many errors, and "disconnect from host[addr]
 *	ehlo=1 mail=1 rcpt=0/1 ... commands=N/M" (each counter is
 *	successes/total, or the total when all succeeded, as Postfix).
 *	The client's name (and so "connect from") comes right after the
 *	greeting is sent, overlapping its lookups with the client's EHLO,
 *	unless the greeting has to wait for it (smtpd_peer_greet_first).
 *
 *	Pipelining (RFC 2920): replies are queued, and sent when the
 *	client has nothing more pipelined, so a batch is answered in one
 *	write and in order. When the server hangs up on its own (421, 554
 *	before the greeting) it shuts down its sending side first and
 *	reads for a moment what the client still sends, so the last reply
 *	is not lost to a TCP reset.
 *
 * SECURITY
 *	The client is untrusted from the first byte: every line is bounded
 *	(smtpd_io), every wait has a timeout (smtpd_timeout per read or
 *	write, daemon_timeout for the whole session), and no input can
 *	make the process exit except by ending the session.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "monotime.h"
#include "params.h"
#include "server.h"
#include "smtpd.h"
#include "stream.h"
#include "xmalloc.h"

#define SMTPD_LINGER_MS		2000
#define SMTPD_LINGER_BYTES	(1024 * 1024)

static const char *const smtpd_cnt_names[SMTPD_CNT_MAX] = {
	"helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "bdat",
	"rset", "noop",
	"vrfy", "etrn", "help", "quit", "unknown",
};

static int
smtpd_ms(long long sec)
{
	return sec > INT_MAX / 1000 ? INT_MAX : (int)(sec * 1000);
}

void
smtpd_session_namaddr(struct smtpd_session *sess)
{
	if (sess->addr[0] != '\0')
		snprintf(sess->namaddr, sizeof(sess->namaddr), "%s[%s]",
		    sess->name, sess->addr);
	else
		strlcpy(sess->namaddr, sess->name, sizeof(sess->namaddr));
}

const char *
smtpd_session_proto(const struct smtpd_session *sess)
{
	static const char *const names[2][2][2] = {
		/* [utf8][tls][auth] */
		{ { "ESMTP", "ESMTPA" }, { "ESMTPS", "ESMTPSA" } },
		{ { "UTF8SMTP", "UTF8SMTPA" }, { "UTF8SMTPS", "UTF8SMTPSA" } },
	};

	if (!(sess->flags & SMTPD_F_ESMTP))
		return "SMTP";
	return names[sess->xact.smtputf8 != 0][(sess->flags &
	    SMTPD_F_TLS) != 0][(sess->flags & SMTPD_F_AUTH) != 0];
}

void
smtpd_session_init(struct smtpd_session *sess, int fd,
    const struct server_info *info)
{
	struct stream *s;

	memset(sess, 0, sizeof(*sess));
	sess->fd = fd;
	sess->info = info;
	sess->verb = "CONNECT";
	sess->state = SMTPD_STATE_CONNECT;
	sess->local_uid = (uid_t)-1;
	strlcpy(sess->name, "unknown", sizeof(sess->name));
	smtpd_session_namaddr(sess);
	if ((s = stream_new(fd, STREAM_F_NOCLOSE)) == NULL)
		log_panic("stream_new: %m");
	stream_set_timeouts(s, smtpd_ms(var_smtpd_timeout),
	    smtpd_ms(var_smtpd_timeout));
	stream_set_deadline(s, (long long)smtpd_ms(var_daemon_timeout));
	smtpd_io_init(&sess->io, s);
	sess->reply = vbuf_new(512, VBUF_NOLIMIT);
}

void
smtpd_session_free(struct smtpd_session *sess)
{
	smtpd_xact_reset(sess);
	smtpd_io_free(&sess->io);
	stream_free(&sess->io.s);
	vbuf_free(&sess->reply);
}

void
smtpd_session_lost(struct smtpd_session *sess)
{
	enum stream_err e = stream_error(sess->io.s);

	if (e == STREAM_ERR_TIMEOUT || e == STREAM_ERR_DEADLINE) {
		log_info("timeout after %s from %s", sess->verb,
		    sess->namaddr);
		stream_set_deadline(sess->io.s, 0);
		smtpd_reply(sess, 421, "4.4.2", "%s Error: timeout exceeded",
		    var_myhostname);
		(void)smtpd_reply_flush(sess);
	} else
		log_info("lost connection after %s from %s", sess->verb,
		    sess->namaddr);
	sess->flags |= SMTPD_F_HANGUP;
}

/* Read for a moment what the client still sends, then let it go. */
static void
smtpd_session_linger(struct smtpd_session *sess)
{
	long long end = monotime_ms() + SMTPD_LINGER_MS, left;
	struct pollfd pfd;
	size_t total = 0;
	char buf[4096];
	ssize_t n;

	if (shutdown(sess->fd, SHUT_WR) < 0)
		return;
	pfd.fd = sess->fd;
	pfd.events = POLLIN;
	while (total < SMTPD_LINGER_BYTES &&
	    (left = end - monotime_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((n = read(sess->fd, buf, sizeof(buf))) <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			break;
		}
		total += (size_t)n;
	}
}

static void
smtpd_session_log_disconnect(const struct smtpd_session *sess)
{
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	unsigned ok = 0, all = 0;
	int i;

	for (i = 0; i < SMTPD_CNT_MAX; i++) {
		if (sess->cnt_all[i] == 0)
			continue;
		ok += sess->cnt_ok[i];
		all += sess->cnt_all[i];
		if (sess->cnt_ok[i] == sess->cnt_all[i])
			vbuf_appendf(b, " %s=%u", smtpd_cnt_names[i],
			    sess->cnt_all[i]);
		else
			vbuf_appendf(b, " %s=%u/%u", smtpd_cnt_names[i],
			    sess->cnt_ok[i], sess->cnt_all[i]);
	}
	if (ok == all)
		vbuf_appendf(b, " commands=%u", all);
	else
		vbuf_appendf(b, " commands=%u/%u", ok, all);
	log_info("disconnect from %s%s", sess->namaddr, vbuf_str(b));
	vbuf_free(&b);
}

void
smtpd_session_loop(struct smtpd_session *sess)
{
	struct span line;
	ssize_t n;

	while (!(sess->flags & SMTPD_F_HANGUP)) {
		/* RFC 2920: answer when nothing more is pipelined */
		if (smtpd_io_pending(&sess->io) == 0 &&
		    smtpd_reply_flush(sess) < 0) {
			smtpd_session_lost(sess);
			break;
		}
		n = smtpd_io_read_line(&sess->io, &line);
		if (n == -1) {
			smtpd_session_lost(sess);
			break;
		}
		if (n == -2) {
			sess->cnt_all[SMTPD_CNT_UNKNOWN]++;
			smtpd_reply(sess, 500, "5.5.2", "Error: line too long");
			smtpd_reply_error(sess);
			continue;
		}
		if (sess->io.bare_lf && sess->bare == SMTPD_BARE_REJECT) {
			sess->cnt_all[SMTPD_CNT_UNKNOWN]++;
			log_info("bare <LF> received in a command from %s",
			    sess->namaddr);
			smtpd_reply(sess, 550, "5.5.2",
			    "Error: bare <LF> received");
			smtpd_reply_error(sess);
			continue;
		}
		smtpd_cmd_dispatch(sess, line.ptr, line.len);
	}
	(void)smtpd_reply_flush(sess);
}

/* Send a hook's reply line instead of the greeting, and hang up. */
static void
smtpd_session_refuse(struct smtpd_session *sess, const char *why)
{
	if (why == NULL)
		why = "421 4.3.0 Error: service unavailable";
	log_info("NOQUEUE: reject: CONNECT from %s: %s", sess->namaddr, why);
	(void)stream_printf(sess->io.s, "%.*s\r\n", SMTPD_TEXT_MAX, why);
	(void)smtpd_reply_flush(sess);
	smtpd_session_linger(sess);
}

void
smtpd_session(int fd, const struct server_info *info)
{
	struct smtpd_session sess;
	const char *why = NULL;
	int limited = 0, quit, greet_first;

	smtpd_session_init(&sess, fd, info);
	smtpd_peer_lookup(&sess);
	if (!(sess.flags & SMTPD_F_INET) && var_smtpd_local_submission &&
	    smtpd_submit_connect(&sess, &why) < 0) {
		smtpd_session_refuse(&sess, why);
		goto out;
	}
	smtpd_peer_classify(&sess);
	/*
	 * The client's name takes two lookups (often DNS round trips): done
	 * while the client reads the greeting and sends its EHLO, unless
	 * something before the greeting needs the name.
	 */
	greet_first = smtpd_peer_greet_first(&sess);
	if (!greet_first) {
		smtpd_peer_name_lookup(&sess);
		log_info("connect from %s", sess.namaddr);
	}
	if (smtpd_check_peer_limits(&sess, &why) < 0) {
		smtpd_session_refuse(&sess, why);
		goto out;
	}
	limited = 1;
	if (smtpd_tls_wrapper(&sess) < 0)	/* implicit TLS: port 465 */
		goto out;
	if (smtpd_peer_pregreet(&sess) < 0) {
		(void)smtpd_reply_flush(&sess);
		smtpd_session_linger(&sess);
		goto out;
	}
	smtpd_reply(&sess, 220, NULL, "%s", var_smtpd_banner);
	if (greet_first) {
		/* an error here is the session loop's to find */
		(void)smtpd_reply_flush(&sess);
		smtpd_peer_name_lookup(&sess);
		log_info("connect from %s", sess.namaddr);
	}
	smtpd_session_loop(&sess);
	quit = sess.cnt_all[SMTPD_CNT_QUIT] > 0;
	if (!quit && stream_error(sess.io.s) == STREAM_ERR_NONE)
		smtpd_session_linger(&sess);
out:
	smtpd_xact_reset(&sess);
	smtpd_session_log_disconnect(&sess);
	if (limited)
		smtpd_peer_limits_done(&sess);
	if (sess.flags & SMTPD_F_LOCAL)
		smtpd_submit_done(&sess);
	smtpd_session_free(&sess);
}
