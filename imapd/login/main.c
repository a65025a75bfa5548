/*
 * NAME
 *	imap-login - the IMAP server's login side (see imapd(8))
 *
 * DESCRIPTION
 *	A spec and one call into the skeleton: one process serves many
 *	clients on its event loop (lib/login) until they have logged in,
 *	then hands each to the imapd session service. The check hook reads
 *	the IMAP parameters; pre_jail reads the TLS keys and starts the
 *	dialer, before the jail hides them.
 *
 * SECURITY
 *	Runs as login_owner (never mail_owner), chrooted in
 *	queue_directory/empty, which the master keeps empty; never forks
 *	after the jail; holds no descriptor of the mail root or of the user
 *	table.
 */
#include "config.h"

#include "imap_login.h"
#include "login.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "imap-login",
		.kind = SERVER_MULTI,
		.conn = login_conn,
		.check = imap_login_check,
		.pre_jail = imap_login_pre_jail,
		.user_param = "login_owner",
		.flags = SERVER_FLAG_NO_FORK | SERVER_FLAG_JAIL_EMPTY |
		    SERVER_FLAG_OWN_USER,
	};

	server_main(argc, argv, &spec);
}
