/*
 * NAME
 *	anvil_limit - smtpd's connection count and rate limits, applied to
 *	what anvil counts; see anvil_clnt.h.
 *
 * DESCRIPTION
 *	One session at a time per process, so the state is one static
 *	record: the client of anvil (kept across sessions) and the session
 *	that was counted, if any, so that anvil_limit_disconnect knows what
 *	to end.
 *
 *	Failing open: when anvil cannot be reached, or cannot count the
 *	client, the session goes on without a limit and a warning says so
 *	(Postfix's smtpd does the same). A limit that stops mail because
 *	a helper is down would turn a small failure into an outage.
 *
 * SECURITY
 *	The client address and host name come from the kernel and the
 *	resolver; they are checked (anvil_valid_ident) before they go into
 *	a request, and the reply text carries only the numeric address.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "anvil_clnt.h"
#include "err.h"
#include "log.h"
#include "params.h"

static struct {
	struct anvil_clnt *clnt;
	int		 counted;
	char		 service[ANVIL_SERVICE_MAX + 1];
	char		 ident[ANVIL_IDENT_MAX + 1];
} anvil_lim;

int
anvil_limit_connect(const char *service, const char *host, const char *ip,
    char *reply_r, size_t len)
{
	struct anvil_reply rep;
	char *err = NULL;
	long long count_limit = var_smtpd_client_connection_count_limit;
	long long rate_limit = var_smtpd_client_connection_rate_limit;
	int r;

	anvil_limit_disconnect();
	if (len > 0)
		reply_r[0] = '\0';
	if (count_limit <= 0 && rate_limit <= 0)
		return 0;
	if (!anvil_valid_service(service) || !anvil_valid_ident(ip)) {
		log_warn("anvil: cannot count %s[%s] for service %s: bad "
		    "name or address", host, ip, service);
		return 0;
	}
	if (anvil_lim.clnt == NULL)
		anvil_lim.clnt = anvil_clnt_new(NULL, 0);
	if ((r = anvil_clnt_connect(anvil_lim.clnt, service, ip, &rep,
	    &err)) != 0) {
		log_warn("anvil: %s: no connection limits for %s[%s]", err,
		    host, ip);
		err_free(&err);
		return 0;
	}
	anvil_lim.counted = 1;
	strlcpy(anvil_lim.service, service, sizeof(anvil_lim.service));
	strlcpy(anvil_lim.ident, ip, sizeof(anvil_lim.ident));
	if (count_limit > 0 && (long long)rep.count > count_limit)
		log_warn("Connection concurrency limit exceeded: %lu from "
		    "%s[%s] for service %s", rep.count, host, ip, service);
	else if (rate_limit > 0 && (long long)rep.rate > rate_limit)
		log_warn("Connection rate limit exceeded: %lu from %s[%s] for "
		    "service %s", rep.rate, host, ip, service);
	else
		return 0;
	anvil_limit_disconnect();
	snprintf(reply_r, len, "421 4.7.0 %s Error: too many connections "
	    "from %s", var_myhostname, ip);
	return -1;
}

void
anvil_limit_disconnect(void)
{
	char *err = NULL;

	if (!anvil_lim.counted)
		return;
	anvil_lim.counted = 0;
	if (anvil_clnt_disconnect(anvil_lim.clnt, anvil_lim.service,
	    anvil_lim.ident, &err) < 0) {
		log_debug("anvil: %s", err);
		err_free(&err);
	}
}
