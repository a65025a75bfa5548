/*
 * NAME
 *	qmgr - the queue manager: main().
 *
 * DESCRIPTION
 *	A SERVER_TRIGGER service (lib/server.h): one process on the event
 *	loop; a wakeup connection's bytes ("I" new mail, "F" flush, "W"
 *	the master's timer) go to qmgr_trigger. Everything else is in the
 *	qmgr_*.c files; see qmgr.h and man/qmgr.8.
 *
 * SECURITY
 *	Runs as mail_owner, chrooted to queue_directory when master.cf
 *	says so. Opens its lookup tables and the control socket before the
 *	jail.
 */
#include "config.h"

#include "qmgr.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "qmgr",
		.kind = SERVER_TRIGGER,
		.trigger = qmgr_trigger,
		.trigger_gone = qmgr_spare_gone,
		.pre_jail = qmgr_pre_jail,
		.post_jail = qmgr_post_jail,
		.on_exit = qmgr_on_exit,
		.flags = SERVER_FLAG_NO_IDLE | SERVER_FLAG_NO_USE,
	};

	server_main(argc, argv, &spec);
}
