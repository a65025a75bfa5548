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
 *	(smtpd_client_connection_count_limit, _rate_limit) are applied
 *	here to what anvil answers, with this service's values, so
 *	master.cf -o overrides work per service; with both 0 anvil is not
 *	asked at all. Counts are per master.cf service.
 *
 *	One session at a time per process, so the state is one static
 *	record: the client of anvil (kept across sessions) and the session
 *	that was counted, if any, so that the end of the session knows what
 *	to end. A limit exceeded logs Postfix's warning ("Connection
 *	concurrency limit exceeded: N from host[ip] for service S", or
 *	"Connection rate limit exceeded"), ends the session with anvil
 *	again, and answers
 *		421 4.7.0 $myhostname Error: too many connections from IP
 *
 * SECURITY
 *	A counter service that cannot be reached, or that cannot count the
 *	client, must not stop mail: a warning says so and the session goes
 *	on without a limit (fail open, as Postfix's smtpd does). A limit
 *	that stops mail because a helper is down would turn a small
 *	failure into an outage. The client address is checked
 *	(anvil_valid_ident) before it goes into a request, and the reply
 *	text carries only the numeric address.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "anvil_clnt.h"
#include "err.h"
#include "log.h"
#include "netlist.h"
#include "params.h"
#include "server.h"
#include "smtpd.h"

static struct netlist *smtpd_limits_exempt;
static int smtpd_limits_ready;

/* The client of anvil, and the session it counted (at most one). */
static struct {
	struct anvil_clnt *clnt;
	int		 counted;
	char		 service[ANVIL_SERVICE_MAX + 1];
	char		 ident[ANVIL_IDENT_MAX + 1];
} smtpd_anvil;

/* The exceptions list, parsed once; a bad entry is a config error. */
static void
smtpd_limits_init(void)
{
	char *why = NULL;

	if (smtpd_limits_ready)
		return;
	smtpd_limits_exempt = netlist_new(
	    var_smtpd_client_event_limit_exceptions, &why);
	if (smtpd_limits_exempt == NULL)
		log_fatal("smtpd_client_event_limit_exceptions: %s", why);
	smtpd_limits_ready = 1;
}

/* End the counted session, if any (any number of times). */
static void
smtpd_anvil_disconnect(void)
{
	char *err = NULL;

	if (!smtpd_anvil.counted)
		return;
	smtpd_anvil.counted = 0;
	if (anvil_clnt_disconnect(smtpd_anvil.clnt, smtpd_anvil.service,
	    smtpd_anvil.ident, &err) < 0) {
		log_debug("anvil: %s", err);
		err_free(&err);
	}
}

/*
 * Count the session in and apply the limits: 0 to go on (also when
 * anvil cannot count it), -1 with the 421 line in reply_r.
 */
static int
smtpd_anvil_connect(const char *service, const char *host, const char *ip,
    char *reply_r, size_t len)
{
	struct anvil_reply rep;
	char *err = NULL;
	long long count_limit = var_smtpd_client_connection_count_limit;
	long long rate_limit = var_smtpd_client_connection_rate_limit;
	int r;

	smtpd_anvil_disconnect();
	if (len > 0)
		reply_r[0] = '\0';
	if (count_limit <= 0 && rate_limit <= 0)
		return 0;
	if (!anvil_valid_service(service) || !anvil_valid_ident(ip)) {
		log_warn("anvil: cannot count %s[%s] for service %s: bad "
		    "name or address", host, ip, service);
		return 0;
	}
	if (smtpd_anvil.clnt == NULL)
		smtpd_anvil.clnt = anvil_clnt_new(NULL, 0);
	if ((r = anvil_clnt_connect(smtpd_anvil.clnt, service, ip, &rep,
	    &err)) != 0) {
		log_warn("anvil: %s: no connection limits for %s[%s]", err,
		    host, ip);
		err_free(&err);
		return 0;
	}
	smtpd_anvil.counted = 1;
	strlcpy(smtpd_anvil.service, service, sizeof(smtpd_anvil.service));
	strlcpy(smtpd_anvil.ident, ip, sizeof(smtpd_anvil.ident));
	if (count_limit > 0 && (long long)rep.count > count_limit)
		log_warn("Connection concurrency limit exceeded: %lu from "
		    "%s[%s] for service %s", rep.count, host, ip, service);
	else if (rate_limit > 0 && (long long)rep.rate > rate_limit)
		log_warn("Connection rate limit exceeded: %lu from %s[%s] for "
		    "service %s", rep.rate, host, ip, service);
	else
		return 0;
	smtpd_anvil_disconnect();
	snprintf(reply_r, len, "421 4.7.0 %s Error: too many connections "
	    "from %s", var_myhostname, ip);
	return -1;
}

int
smtpd_check_peer_limits(struct smtpd_session *sess, const char **reply_r)
{
	static char reply[SMTPD_TEXT_MAX];

	*reply_r = NULL;
	if (!smtpd_peer_limited(sess))
		return 0;
	if (smtpd_anvil_connect(sess->info->service, sess->name, sess->addr,
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
	return !netlist_match(smtpd_limits_exempt, sess->addr);
}

void
smtpd_peer_limits_done(struct smtpd_session *sess)
{
	(void)sess;
	smtpd_anvil_disconnect();
}
