/*
 * NAME
 *	anvil - the per-client connection counter service
 *
 * DESCRIPTION
 *	One event-driven process (SERVER_MULTI) on private/anvil that
 *	counts, for every smtpd service and client address, the sessions
 *	open now and those started in the current anvil_rate_time_unit;
 *	smtpd applies its limits to the answers. See anvil(8) and
 *	lib/anvil_clnt.h for the protocol.
 *
 *	It serves any number of clients (max_use does not apply) and does
 *	not exit when idle (max_idle does not apply): its counts would be
 *	lost with it. Memory is bounded by anvil_client_limit.
 *
 * SECURITY
 *	Runs as mail_owner, chrooted when master.cf says so; it needs no
 *	file at all. It trusts its clients no further than lib/ipc's
 *	strict parsing.
 */
#include "config.h"

#include "anvil.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "anvil",
		.kind = SERVER_MULTI,
		.conn = anvil_server_conn,
		.post_jail = anvil_server_init,
		.on_exit = anvil_server_exit,
		.flags = SERVER_FLAG_NO_FORK | SERVER_FLAG_NO_USE |
		    SERVER_FLAG_NO_IDLE,
	};

	server_main(argc, argv, &spec);
}
