/*
 * NAME
 *	smtpd_conf - the SMTP server's settings, checked once at startup.
 *
 * DESCRIPTION
 *	The skeleton's check hook: parameters whose values are words or
 *	network lists are turned into their C form here, so a bad value
 *	stops the service at once with a clear message rather than at the
 *	first client. Values:
 *	smtpd_forbid_bare_newline	reject (the default), normalize,
 *					no (= normalize: the end of data
 *					is CR LF . CR LF in any case), yes
 *					(= normalize, as Postfix 3.9)
 *	smtpd_long_line_policy		accept, reject
 *	mynetworks, smtpd_forbid_bare_newline_exclusions: networks.
 *
 * SECURITY
 *	Configuration only; nothing from clients.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "netlist.h"
#include "params.h"
#include "smtpd.h"

struct smtpd_conf smtpd_conf;

int
smtpd_conf_load(char **err_r)
{
	const char *v;

	v = var_smtpd_forbid_bare_newline;
	if (strcmp(v, "reject") == 0)
		smtpd_conf.bare = SMTPD_BARE_REJECT;
	else if (strcmp(v, "normalize") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "yes") == 0)
		smtpd_conf.bare = SMTPD_BARE_NORMALIZE;
	else
		return err_set(err_r, "smtpd_forbid_bare_newline: \"%.64s\": "
		    "expected reject, normalize or no", v);
	v = var_smtpd_long_line_policy;
	if (strcmp(v, "accept") == 0)
		smtpd_conf.long_reject = 0;
	else if (strcmp(v, "reject") == 0)
		smtpd_conf.long_reject = 1;
	else
		return err_set(err_r, "smtpd_long_line_policy: \"%.64s\": "
		    "expected accept or reject", v);
	netlist_free(&smtpd_conf.mynetworks);
	netlist_free(&smtpd_conf.bare_exempt);
	if ((smtpd_conf.mynetworks = netlist_new(var_mynetworks,
	    err_r)) == NULL)
		return err_wrap(err_r, "mynetworks");
	if ((smtpd_conf.bare_exempt = netlist_new(
	    var_smtpd_forbid_bare_newline_exclusions, err_r)) == NULL)
		return err_wrap(err_r, "smtpd_forbid_bare_newline_exclusions");
	return 0;
}

void
smtpd_conf_check(void)
{
	char *err = NULL;

	if (smtpd_conf_load(&err) < 0)
		log_fatal("%s", err);
}
