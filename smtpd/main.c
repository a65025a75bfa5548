/*
 * NAME
 *	smtpd - the Postern SMTP server (see smtpd(8))
 *
 * DESCRIPTION
 *	A spec and one call into the skeleton: one client per process,
 *	served by smtpd_session(). The check hook validates the policy
 *	parameters; pre_jail opens the lookup tables, makes sure the
 *	incoming queue exists, and reads the TLS certificates and keys
 *	where TLS is on, since none of them is reachable from the jail.
 *
 * SECURITY
 *	The process is jailed (mail_owner, chroot per master.cf) before it
 *	reads a byte from a client, and never forks.
 */
#include "config.h"

#include "server.h"
#include "smtpd.h"

static void
smtpd_pre_jail(void)
{
	smtpd_queue_prepare();
	smtpd_check_init();
	smtpd_auth_policy_init();
	smtpd_peer_prepare();
	smtpd_tls_prepare();	/* certificates and keys, where TLS is on */
}

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "smtpd",
		.kind = SERVER_SINGLE,
		.conn = smtpd_session,
		.check = smtpd_conf_check,
		.pre_jail = smtpd_pre_jail,
		.flags = SERVER_FLAG_NO_FORK,
	};

	server_main(argc, argv, &spec);
}
