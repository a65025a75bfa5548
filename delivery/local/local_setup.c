/*
 * NAME
 *	local_setup - the local delivery agent's skeleton hooks: parameter
 *	checks, what is opened before the jail.
 *
 * DESCRIPTION
 *	check: virtual_mailbox_base must be an absolute path (it is the
 *	jail and the root of every Maildir path), virtual_mailbox_maps
 *	must name at least one table (without one every recipient would
 *	bounce as unknown), local_quota_exceeded_action is bounce or
 *	defer. A bad value is fatal: the master throttles the service and
 *	qmgr defers the mail; nothing bounces because of a typo.
 *
 *	pre_jail: the mail root is opened as a directory descriptor that
 *	every Maildir path is resolved beneath, in and out of the jail
 *	alike; the mailbox tables are opened (MAPS_OPEN_DEFER: a missing
 *	table defers mail rather than killing the process).
 *
 *	post_jail: the table through which deliveries share the fsyncs of
 *	new/ (lib/dirsync), in the mail root, made as the mailbox owner.
 *
 * SECURITY
 *	Runs before the privilege drop (as root when the master is). Only
 *	admin-controlled names are opened here.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dirsync.h"
#include "err.h"
#include "local.h"
#include "log.h"
#include "maildir.h"
#include "params.h"

int local_rootfd = -1;
int local_quota_defer;

void
local_check(void)
{
	const char *base = var_virtual_mailbox_base;
	char **list;

	if (base == NULL || *base != '/')
		log_fatal("virtual_mailbox_base = \"%s\": must be the absolute "
		    "path of the mail root", base != NULL ? base : "");
	maildir_set_dir_sync(var_maildir_dir_fsync);
	if (strcmp(var_local_quota_exceeded_action, "bounce") == 0)
		local_quota_defer = 0;
	else if (strcmp(var_local_quota_exceeded_action, "defer") == 0)
		local_quota_defer = 1;
	else
		log_fatal("local_quota_exceeded_action = \"%s\": must be "
		    "bounce or defer", var_local_quota_exceeded_action);
	list = params_list(var_virtual_mailbox_maps);
	if (list[0] == NULL)
		log_fatal("virtual_mailbox_maps is empty: the local delivery "
		    "agent needs the table of its mailboxes (postern user "
		    "maintains hash:$config_directory/mailboxes)");
	params_list_free(list);
}

void
local_pre_jail(void)
{
	struct stat st;

	local_rootfd = open(var_virtual_mailbox_base, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (local_rootfd < 0 || fstat(local_rootfd, &st) < 0)
		log_fatal("virtual_mailbox_base %s: %m",
		    var_virtual_mailbox_base);
	local_table_open();
}

/*
 * Deliveries into one Maildir at once share the fsync of its new/
 * (group commit, lib/dirsync): the table is in the mail root, made by
 * the first local process as the mailbox owner.
 */
void
local_post_jail(void)
{
	struct dirsync *ds;
	char *err = NULL;

	/* root (a test, never the master's agent) makes no file there */
	if (!var_maildir_dir_fsync || geteuid() == 0)
		return;
	if ((ds = dirsync_open(local_rootfd, DIRSYNC_NAME, &err)) == NULL) {
		log_warn("%s: %s; deliveries do not share directory syncs",
		    var_virtual_mailbox_base, err);
		err_free(&err);
		return;
	}
	maildir_share_dir_syncs(ds);
}
