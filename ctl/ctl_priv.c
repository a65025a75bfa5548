/*
 * NAME
 *	ctl_priv - the queue tools work as mail_owner.
 *
 * DESCRIPTION
 *	The queue's directories and qmgr's control socket belong to
 *	mail_owner. Run by root, postern queue, cat and the other queue
 *	tools (and mailq) first become mail_owner for good, so that root
 *	never opens a path that a mail_owner process could have changed
 *	(a queue file replaced by a link to /etc/shadow would otherwise be
 *	printed by cat; a link put in place of private/qmgr-ctl would lead
 *	the requests elsewhere). A user other than root stays who it is.
 */
#include "config.h"

#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "params.h"
#include "priv.h"

void
ctl_as_mail_owner(void)
{
	struct priv_user pu;
	const char *err;

	if (geteuid() != 0)
		return;
	if (priv_lookup(var_mail_owner, &pu, &err) < 0)
		log_fatal("mail_owner %s: %s", var_mail_owner, err);
	priv_drop_to(&pu, NULL);
}
