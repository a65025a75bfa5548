/*
 * NAME
 *	imapd - the IMAP server's session side (see imapd(8))
 *
 * DESCRIPTION
 *	A spec and one call into the skeleton: a unix service (private/
 *	imapd) that imap-login hands each logged-in client to (lib/session),
 *	one session per process. pre_jail opens the mail root and the
 *	connection to auth, neither of which the jail can reach.
 *
 * SECURITY
 *	Runs as vmail_owner, chrooted in virtual_mailbox_base; confines
 *	itself to the user's Maildir (lib/confine) before it reads a
 *	command, and exits after that one session. Never forks.
 */
#include "config.h"

#include "imapd.h"
#include "server.h"
#include "session.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "imapd",
		.kind = SERVER_SINGLE,
		.conn = imapd_session,
		.pre_jail = session_prepare,
		.user_param = "vmail_owner",
		.chroot_param = "virtual_mailbox_base",
		.flags = SERVER_FLAG_NO_FORK | SERVER_FLAG_ONCE,
	};

	server_main(argc, argv, &spec);
}
