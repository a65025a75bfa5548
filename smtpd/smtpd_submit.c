/*
 * NAME
 *	smtpd_submit - local submission sessions: the session's hooks,
 *	answered by smtpd_local.c
 *
 * DESCRIPTION
 *	The contract between the SMTP session and the local submission
 *	(the sendmail command, over the UNIX socket public/submit of an
 *	smtpd service with -o smtpd_local_submission=yes):
 *
 *	smtpd_submit_connect() is called before "connect from" is logged,
 *	for a client that is not on TCP in such a service. It learns the
 *	user (smtpd_local_peer: SO_PEERCRED and the password file), sets
 *	SMTPD_F_LOCAL and sess->local_uid, keeps the user in sess->submit
 *	and logs "local submission: uid=N user=LOGIN pid=P" (the client's
 *	name stays smtpd_peer's "localhost"). -1 with *reply_r
 *	hangs up after that reply (421: a uid without a login name). With
 *	SMTPD_F_LOCAL the session may relay, its bare newlines are
 *	normalized, missing Date: and Message-ID: are added, the queue
 *	file gets local_uid=N and Received: reads "by HOST (Postern, from
 *	userid N)".
 *
 *	smtpd_submit_qualify() sees the MAIL FROM and RCPT TO paths of such
 *	a session before they are parsed, and adds @$myorigin to <joe>
 *	(sendmail -bs users type that); smtpd_submit_sender() decides
 *	whether the user may use the parsed sender (smtpd_local_sender_ok:
 *	one's own address, anything for root and mail_owner, else what
 *	local_login_sender_maps allows); smtpd_submit_done() is called at
 *	the end of the session.
 *
 * SECURITY
 *	The uid is the kernel's word (SO_PEERCRED); nothing the client
 *	says about itself is trusted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "smtpd.h"
#include "smtpd_local.h"
#include "xmalloc.h"

int
smtpd_submit_connect(struct smtpd_session *sess, const char **reply_r)
{
	struct smtpd_local_peer *peer = xcalloc(1, sizeof(*peer));

	if (smtpd_local_peer(sess->fd, peer, reply_r) < 0) {
		free(peer);
		return -1;
	}
	sess->flags |= SMTPD_F_LOCAL;
	sess->local_uid = peer->uid;
	sess->submit = peer;
	log_info("local submission: uid=%ld user=%s pid=%ld",
	    (long)peer->uid, peer->login, (long)peer->pid);
	return 0;
}

const char *
smtpd_submit_qualify(struct smtpd_session *sess, const char *arg, char *buf,
    size_t len)
{
	(void)sess;
	return smtpd_local_qualify(arg, buf, len);
}

int
smtpd_submit_sender(struct smtpd_session *sess, const struct addr *sender,
    char *reply, size_t len)
{
	if (sess->submit == NULL)
		log_panic("smtpd_submit_sender: not a local session");
	return smtpd_local_sender_ok(sess->submit, sender, reply, len);
}

void
smtpd_submit_done(struct smtpd_session *sess)
{
	free(sess->submit);
	sess->submit = NULL;
}
