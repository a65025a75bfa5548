/*
 * NAME
 *	resolver - the DNS service of the mail flow
 *
 * DESCRIPTION
 *	One event-driven process (SERVER_MULTI) on private/resolver that
 *	answers the relay agents' questions "where does mail for this
 *	domain go" with libunbound: MX hosts in order, their addresses,
 *	null MX, implicit MX, DNSSEC status. See resolver(8) and
 *	lib/resolver_proto.h.
 *
 *	It serves any number of clients (max_use does not apply) and does
 *	not exit when idle (max_idle does not apply): its cache would be
 *	lost with it.
 *
 * SECURITY
 *	Runs as resolver_owner, a user of its own, chrooted in the empty
 *	queue_directory/empty: every file it needs is read before the
 *	jail. It trusts its clients no further than
 *	lib/ipc's strict parsing, and DNS answers no further than
 *	resolver_rr's decoding.
 */
#include "config.h"

#include "resolver.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "resolver",
		.kind = SERVER_MULTI,
		.conn = resolver_server_conn,
		.check = resolver_check,
		.pre_jail = resolver_pre_jail,
		.post_jail = resolver_post_jail,
		.on_exit = resolver_on_exit,
		.user_param = "resolver_owner",
		.flags = SERVER_FLAG_NO_USE | SERVER_FLAG_NO_IDLE |
		    SERVER_FLAG_JAIL_EMPTY | SERVER_FLAG_OWN_USER,
	};

	server_main(argc, argv, &spec);
}
