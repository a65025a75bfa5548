/*
 * NAME
 *	smtpd_limits - per-client connection count and rate, counted by
 *	anvil(8) and shared by all smtpd processes
 *
 * DESCRIPTION
 *	The contract with the session (smtpd.h): smtpd_check_peer_limits()
 *	is called once per session, after "connect from" is logged and
 *	before the greeting; it returns 0 to go on, or -1 with *reply_r
 *	the reply line to send before hanging up:
 *
 *		421 4.7.0 $myhostname Error: too many connections from IP
 *
 *	smtpd_peer_limits_done() is called at the end of every session
 *	for which the check returned 0. smtpd_peer_limited() says before
 *	that whether anvil will be asked (the session then looks up the
 *	client's name before the greeting, for the log lines).
 *
 *	Only TCP clients are counted, and not those in
 *	smtpd_client_event_limit_exceptions (default $mynetworks, written
 *	as mynetworks is). The limits themselves
 *	(smtpd_client_connection_count_limit, _rate_limit) are applied by
 *	lib/anvil_limit.c to what anvil answers, with this service's
 *	values, so master.cf -o overrides work per service; with both 0
 *	anvil is not asked at all. Counts are per master.cf service.
 *
 * SECURITY
 *	A counter service that cannot be reached must not stop mail:
 *	anvil_limit_connect logs a warning and answers 0 (fail open).
 */
#include "config.h"

#include "anvil_clnt.h"
#include "log.h"
#include "params.h"
#include "server.h"
#include "smtpd.h"

static struct smtpd_nets *smtpd_limits_exempt;
static int smtpd_limits_ready;

/* The exceptions list, parsed once; a bad entry is a config error. */
static void
smtpd_limits_init(void)
{
	char *why = NULL;

	if (smtpd_limits_ready)
		return;
	smtpd_limits_exempt = smtpd_nets_new(
	    var_smtpd_client_event_limit_exceptions, &why);
	if (smtpd_limits_exempt == NULL)
		log_fatal("smtpd_client_event_limit_exceptions: %s", why);
	smtpd_limits_ready = 1;
}

int
smtpd_check_peer_limits(struct smtpd_session *sess, const char **reply_r)
{
	static char reply[SMTPD_TEXT_MAX];

	*reply_r = NULL;
	if (!smtpd_peer_limited(sess))
		return 0;
	if (anvil_limit_connect(sess->info->service, sess->name, sess->addr,
	    reply, sizeof(reply)) < 0) {
		*reply_r = reply;
		return -1;
	}
	return 0;
}

int
smtpd_peer_limited(struct smtpd_session *sess)
{
	if (!(sess->flags & SMTPD_F_INET) || (sess->flags & SMTPD_F_LOCAL) ||
	    sess->addr[0] == '\0' ||
	    (var_smtpd_client_connection_count_limit <= 0 &&
	    var_smtpd_client_connection_rate_limit <= 0))
		return 0;
	smtpd_limits_init();
	return !smtpd_nets_match(smtpd_limits_exempt, sess->addr);
}

void
smtpd_peer_limits_done(struct smtpd_session *sess)
{
	(void)sess;
	anvil_limit_disconnect();
}
