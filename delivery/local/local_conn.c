/*
 * NAME
 *	local_conn - local's part of the deliver protocol: each recipient
 *	of a request, one after the other.
 *
 * DESCRIPTION
 *	lib/deliver_agent speaks the protocol with qmgr (the request, its
 *	checks, the done record); for each recipient local_deliver decides
 *	and deliver_report logs the Postfix-shaped line (relay=local) and
 *	answers as soon as the outcome is known. When that answer cannot
 *	be sent (qmgr is gone) the remaining recipients are not attempted.
 *	A changed mailbox table ends the connection after the request: the
 *	skeleton then starts a fresh process, which opens it again.
 *
 *	A local destination is one mailbox (local_destination_recipient_
 *	limit = 1), so a request whose every recipient is deferred (a
 *	Maildir that cannot be written, a table that cannot be read) is a
 *	failure of the destination itself: site_fail, and qmgr suspends
 *	deliveries to that mailbox for a while.
 *
 * SECURITY
 *	The request was checked by lib/deliver_agent; nothing qmgr sends
 *	can make the agent write outside the Maildir the table names.
 */
#include "config.h"

#include <string.h>

#include "deliver_agent.h"
#include "local.h"
#include "maps.h"

static int
local_serve(struct deliver_conn *dc, struct deliver_req *dreq)
{
	struct local_req req;
	struct deliver_status st;
	size_t i, deferred = 0;
	int ret = 0;

	memset(&req, 0, sizeof(req));
	req.d = *dreq;
	for (i = 0; i < req.d.count; i++) {
		memset(&st, 0, sizeof(st));
		local_deliver(&req, i, &st);
		strlcpy(st.relay, "local", sizeof(st.relay));
		if (deliver_report(dc, &req.d, i, &st) < 0) {
			ret = -1;
			break;
		}
		if (st.dsn[0] == '4')	/* soft_bounce applied */
			deferred++;
	}
	dreq->site_fail = deferred == req.d.count;
	local_loop_free(&req.dt);
	return ret;
}

static int
local_after(void)
{
	return maps_changed();
}

void
local_conn(int fd, const struct server_info *info)
{
	static const struct deliver_agent agent = {
		.serve = local_serve,
		.after = local_after,
	};

	(void)info;
	deliver_agent_conn(fd, &agent);
}
