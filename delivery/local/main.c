/*
 * NAME
 *	local - the local delivery agent: mail into virtual users' Maildirs
 *
 * DESCRIPTION
 *	Started by the master for the master.cf service "local"; serves
 *	qmgr's delivery requests (lib/deliver_proto.h) one connection at a
 *	time. Runs as vmail_owner, chrooted to virtual_mailbox_base when
 *	the master runs as root and the chroot column is y. See local.8.
 *
 * SECURITY
 *	Everything qmgr sends is checked (local_conn.c); the agent cannot
 *	see the queue, only the queue file descriptor it is given.
 */
#include "config.h"

#include "local.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "local",
		.kind = SERVER_SINGLE,
		.conn = local_conn,
		.check = local_check,
		.pre_jail = local_pre_jail,
		.post_jail = local_post_jail,
		.user_param = "vmail_owner",
		.chroot_param = "virtual_mailbox_base",
		.flags = SERVER_FLAG_NO_FORK,
	};

	server_main(argc, argv, &spec);
}
