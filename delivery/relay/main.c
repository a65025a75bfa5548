/*
 * NAME
 *	relay - the SMTP client: mail to other hosts, by MX or through a
 *	relayhost
 *
 * DESCRIPTION
 *	Started by the master for the master.cf services "smtp"
 *	(default_transport) and "relay" (relay_transport); serves qmgr's
 *	delivery requests (lib/deliver_proto.h) one connection at a time,
 *	and keeps its last SMTP session for the next request to the same
 *	next hop. Runs as mail_owner, chrooted to the queue directory when
 *	the chroot column is y. See relay(8).
 *
 * SECURITY
 *	Everything qmgr sends is checked (lib/deliver_agent); the agent
 *	sees only the queue file descriptor it is given. Everything a
 *	server sends is read with bounds (lib/smtp_reply) and cleaned
 *	before it is logged or kept.
 */
#include "config.h"

#include "relay.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "relay",
		.kind = SERVER_SINGLE,
		.conn = relay_conn,
		.check = relay_check,
		.pre_jail = relay_pre_jail,
		.post_jail = relay_post_jail,
		.flags = SERVER_FLAG_NO_FORK,
	};

	server_main(argc, argv, &spec);
}
