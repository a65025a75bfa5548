/*
 * NAME
 *	smtpd_tls - STARTTLS (RFC 3207), implicit TLS, and what TLS changes
 *	in an SMTP session.
 *
 * DESCRIPTION
 *	smtpd_tls_security_level: none (no TLS), may (STARTTLS offered in
 *	the EHLO reply), encrypt (offered, and MAIL, RCPT, DATA, BDAT,
 *	VRFY, ETRN and AUTH get "530 5.7.0 Must issue a STARTTLS command
 *	first" until it is done). STARTTLS is offered only where a
 *	certificate is set; encrypt or smtpd_tls_wrappermode = yes without
 *	one is a startup error. smtpd_tls_wrappermode = yes (submissions,
 *	port 465) does the handshake before the greeting. The local
 *	submission service (the sendmail command's UNIX socket) never does
 *	TLS and opens no key.
 *
 *	STARTTLS, in order: "220 2.0.0 Ready to start TLS"; everything the
 *	client sent after the command in plaintext is thrown away (the
 *	stream's buffer by lib/tls, our push-back area here); the session
 *	goes back to its state after the greeting (no HELO, no
 *	transaction, not authenticated); then the handshake, bounded by
 *	smtpd_starttls_timeout. A failed handshake ends the session (the
 *	stream is unusable): "SSL_accept error from host[addr]: reason".
 *	A good one logs Postfix's "Anonymous TLS connection established
 *	from host[addr]: TLSv1.3 with cipher ... (256/256 bits)" line
 *	(smtpd_tls_loglevel 1 and up), and mail received then is ESMTPS
 *	with a "(using TLSv1.3 with cipher ...)" clause in its Received:
 *	field (smtpd_tls_received_header).
 *
 * SECURITY
 *	The key file is read before the jail (smtpd_tls_prepare from
 *	pre_jail) and only by services that terminate TLS; it is parsed
 *	and OpenSSL's context made at the process's first STARTTLS (or
 *	implicit TLS connection), which a process whose clients never ask
 *	for TLS does not pay for. A file that is missing is fatal at
 *	start; a key that does not match, damaged PEM data or a cipher or
 *	group list that OpenSSL refuses is logged at that first STARTTLS,
 *	which is answered 454 4.7.0 (postern check finds all of these
 *	beforehand). The command injection of
 *	CVE-2011-0411 cannot happen: no byte read in plaintext after
 *	STARTTLS is ever parsed as a command (t/integ/640-tls-smtpd.t).
 *	Handshake failures are the client's problem: logged at info level,
 *	never fatal.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "params.h"
#include "smtpd.h"
#include "stream.h"
#include "tls.h"
#include "vbuf.h"

static struct tls_server_ctx *smtpd_tls_ctx;
static enum tls_level smtpd_tls_level;
static int smtpd_tls_loglevel;

/*
 * Commands that wait for STARTTLS at smtpd_tls_security_level = encrypt.
 * Not AUTH: smtpd_auth.c answers it 538 5.7.11 (RFC 4954 4, as Postfix).
 */
static const char *const smtpd_tls_gated[] = {
	"MAIL", "RCPT", "DATA", "BDAT", "VRFY", "ETRN", NULL,
};

void
smtpd_tls_prepare(void)
{
	struct tls_server_conf conf;
	char *err = NULL;
	int mandatory;

	if (tls_level_parse(var_smtpd_tls_security_level,
	    &smtpd_tls_level) < 0 || smtpd_tls_level > TLS_LEV_ENCRYPT)
		log_fatal("smtpd_tls_security_level = %s: expected none, may "
		    "or encrypt", var_smtpd_tls_security_level);
	if (var_smtpd_local_submission) {
		smtpd_tls_level = TLS_LEV_NONE;	/* a UNIX socket: no TLS */
		return;
	}
	if (smtpd_tls_level == TLS_LEV_NONE && !var_smtpd_tls_wrappermode)
		return;
	mandatory = smtpd_tls_level == TLS_LEV_ENCRYPT ||
	    var_smtpd_tls_wrappermode;
	if (tls_server_conf_params(&conf, "smtpd", mandatory, &err) < 0)
		log_fatal("%s", err);
	if (!tls_server_conf_has_cert(&conf)) {
		if (mandatory)
			log_fatal("%s needs a certificate: set "
			    "smtpd_tls_cert_file and smtpd_tls_key_file",
			    var_smtpd_tls_wrappermode ?
			    "smtpd_tls_wrappermode = yes" :
			    "smtpd_tls_security_level = encrypt");
		log_warn("smtpd_tls_security_level = may, but no "
		    "smtpd_tls_cert_file: STARTTLS is not offered");
		smtpd_tls_level = TLS_LEV_NONE;
		return;
	}
	if ((smtpd_tls_ctx = tls_server_ctx_prepare(&conf, &err)) == NULL)
		log_fatal("%s", err);
	smtpd_tls_loglevel = conf.loglevel;
	if (smtpd_tls_level == TLS_LEV_NONE)
		smtpd_tls_level = TLS_LEV_ENCRYPT;	/* wrapper mode */
}

/* OpenSSL's context, made at the first STARTTLS: 0, or -1 (logged). */
static int
smtpd_tls_ready(void)
{
	char *err = NULL;

	if (tls_server_ctx_ready(smtpd_tls_ctx, &err) == 0)
		return 0;
	log_error("TLS is not available: %s", err);
	free(err);
	return -1;
}

int
smtpd_tls_offer(const struct smtpd_session *sess)
{
	return smtpd_tls_ctx != NULL && !(sess->flags & SMTPD_F_TLS) &&
	    !(sess->flags & SMTPD_F_LOCAL);
}

/* Handshake on the session's stream: 0, or -1 (logged; hang up). */
static int
smtpd_tls_handshake(struct smtpd_session *sess)
{
	struct stream *s = sess->io.s;
	char *why = NULL;
	int ms;

	ms = var_smtpd_starttls_timeout > 2147483 ? 2147483647 :
	    (int)var_smtpd_starttls_timeout * 1000;
	stream_set_timeouts(s, ms, ms);
	if (tls_server_start(s, smtpd_tls_ctx, &why) < 0) {
		log_info("SSL_accept error from %s: %s", sess->namaddr, why);
		free(why);
		sess->flags |= SMTPD_F_HANGUP;
		return -1;
	}
	ms = var_smtpd_timeout > 2147483 ? 2147483647 :
	    (int)var_smtpd_timeout * 1000;
	stream_set_timeouts(s, ms, ms);
	sess->flags |= SMTPD_F_TLS;
	tls_log_established(s, "from", sess->namaddr, smtpd_tls_loglevel);
	return 0;
}

int
smtpd_tls_wrapper(struct smtpd_session *sess)
{
	if (!var_smtpd_tls_wrappermode || smtpd_tls_ctx == NULL)
		return 0;
	if (smtpd_tls_ready() < 0) {
		sess->flags |= SMTPD_F_HANGUP;
		return -1;
	}
	return smtpd_tls_handshake(sess);
}

int
smtpd_cmd_starttls(struct smtpd_session *sess, char *arg)
{
	size_t dropped;

	if (*arg != '\0') {
		smtpd_reply(sess, 501, "5.5.4", "Syntax: STARTTLS");
		return SMTPD_ERR;
	}
	if (sess->flags & SMTPD_F_TLS) {
		smtpd_reply(sess, 554, "5.5.1", "Error: TLS already active");
		return SMTPD_ERR;
	}
	if (!smtpd_tls_offer(sess)) {
		smtpd_reply(sess, 502, "5.5.1", "Error: command not "
		    "implemented");
		return SMTPD_ERR;
	}
	if (sess->state != SMTPD_STATE_HELO) {
		smtpd_reply(sess, 503, "5.5.1", "Error: MAIL transaction in "
		    "progress");
		return SMTPD_ERR;
	}
	if (smtpd_tls_ready() < 0) {
		smtpd_reply(sess, 454, "4.7.0", "TLS not available due to "
		    "local problem");
		return SMTPD_ERR;
	}
	smtpd_reply(sess, 220, "2.0.0", "Ready to start TLS");

	/*
	 * lib/tls's contract (tls.h): our buffers and our state go; the
	 * stream's input buffer is the library's to drop.
	 */
	dropped = vbuf_len(sess->io.back) + stream_buffered(sess->io.s);
	vbuf_reset(sess->io.back);
	sess->io.skipping = 0;
	if (dropped > 0)
		log_info("%s: discarding %zu bytes sent in plaintext after "
		    "STARTTLS", sess->namaddr, dropped);
	smtpd_xact_reset(sess);
	smtpd_auth_reset(sess);
	sess->state = SMTPD_STATE_CONNECT;
	sess->helo[0] = '\0';
	sess->flags &= ~SMTPD_F_ESMTP;

	if (smtpd_tls_handshake(sess) < 0)
		return SMTPD_FAIL;
	return SMTPD_OK;
}

int
smtpd_tls_required(struct smtpd_session *sess, const char *verb)
{
	size_t i;

	if (smtpd_tls_level != TLS_LEV_ENCRYPT ||
	    (sess->flags & (SMTPD_F_TLS | SMTPD_F_LOCAL)))
		return 0;
	for (i = 0; smtpd_tls_gated[i] != NULL; i++)
		if (strcasecmp(verb, smtpd_tls_gated[i]) == 0) {
			smtpd_reply(sess, 530, "5.7.0", "Must issue a "
			    "STARTTLS command first");
			smtpd_reply_error(sess);
			return 1;
		}
	return 0;
}

void
smtpd_tls_received(const struct smtpd_session *sess, struct vbuf *out)
{
	struct tls_info ti;
	char desc[256];

	if (!(sess->flags & SMTPD_F_TLS) || !var_smtpd_tls_received_header ||
	    tls_peer_info(sess->io.s, &ti) < 0)
		return;
	tls_info_describe(&ti, 0, desc, sizeof(desc));
	vbuf_appendf(out, "\r\n\t(using %s", desc);
	if (ti.kex[0] != '\0')
		vbuf_appendf(out, "\r\n\t key-exchange %s", ti.kex);
	vbuf_appends(out, ")\r\n\t(No client certificate requested)");
}
