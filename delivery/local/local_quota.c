/*
 * NAME
 *	local_quota - the quota policy of local delivery.
 *
 * DESCRIPTION
 *	The quota of a mailbox is in its table entry (quota=SIZE); usage
 *	is Maildir++ (lib/maildir_quota: the maildirsize file, covering the
 *	inbox and every folder). A message that would take the mailbox
 *	past its quota is refused with 5.2.2 "mailbox full", or deferred
 *	with 4.2.2 when local_quota_exceeded_action = defer (the sender
 *	hears of it only when maximal_queue_lifetime ends). The check is
 *	made twice: before writing (is the mailbox already full?) and with
 *	the exact stored size before the message becomes visible.
 *
 * SECURITY
 *	maildirsize belongs to the mailbox owner; lib/maildir_quota parses
 *	it as untrusted. An unreadable usage defers (4.3.0), never bounces.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "local.h"
#include "log.h"
#include "maildir_quota.h"

int
local_quota_check(struct maildir *root, long long quota, uint64_t size,
    struct deliver_status *st)
{
	struct maildir_quota q;
	char *err;

	if (quota <= 0)
		return 0;
	q.limit_bytes = quota;
	q.limit_count = 0;
	if (maildir_quota_get(root, &q, time(NULL), &err) < 0) {
		log_error("quota of %s: %s", root->path, err);
		free(err);
		deliver_status_set(st, "4.3.0", "cannot determine the mailbox "
		    "size");
		return -1;
	}
	if (!maildir_quota_exceeded(&q, size, size > 0 ? 1 : 0) &&
	    !(size == 0 && q.bytes >= quota))
		return 0;
	deliver_status_set(st, local_quota_defer ? "4.2.2" : "5.2.2",
	    "mailbox full: quota of %lld bytes exceeded", quota);
	return 1;
}

void
local_quota_update(struct maildir *root, long long quota, uint64_t size)
{
	if (quota <= 0)
		return;
	if (maildir_quota_add(root, (long long)size, 1) < 0)
		log_warn("quota of %s: update maildirsize: %m", root->path);
}
