/*
 * NAME
 *	auth - the authentication service (see auth(8))
 *
 * DESCRIPTION
 *	One event-driven process (SERVER_MULTI) on private/auth that
 *	checks the user names and passwords smtpd, pop3d and imapd
 *	receive, against auth_users_maps, with crypt(3); it delays and
 *	throttles failures. The protocol is in lib/auth_proto.h.
 *
 *	It serves any number of clients and stays up when idle (max_use
 *	and max_idle do not apply): its failure counts would be lost with
 *	it.
 *
 * SECURITY
 *	The only process that reads the password hashes (DESIGN). It runs
 *	as auth_owner, not chrooted (the users table is outside the queue
 *	directory, and is reopened when `postern user` replaces it); the
 *	table is opened before the privilege drop. It never forks.
 */
#include "config.h"

#include "auth.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "auth",
		.kind = SERVER_MULTI,
		.conn = auth_server_conn,
		.pre_jail = auth_db_init,
		.post_jail = auth_server_init,
		.on_exit = auth_server_exit,
		.user_param = "auth_owner",
		.flags = SERVER_FLAG_NO_FORK | SERVER_FLAG_NO_USE |
		    SERVER_FLAG_NO_IDLE,
	};

	server_main(argc, argv, &spec);
}
