/*
 * NAME
 *	login_dial - connections to internal services for a process in an
 *	empty jail (the login side of pop3d and imapd)
 *
 * SYNOPSIS
 *	Before the jail:
 *
 *	static const char *const socks[] = { "private/auth",
 *	    "private/pop3d", NULL };
 *	login_dial_start(socks);
 *
 *	After it, on the event loop:
 *
 *	if ((fd = login_dial(1, &err)) < 0)
 *		... err: "private/pop3d: Connection refused" ...
 *
 * DESCRIPTION
 *	The login side runs as login_owner chrooted in an empty directory
 *	(DESIGN, "Mail access"): it can reach no socket by its path. Yet
 *	it needs a new connection to auth for a login, and one to the
 *	session service for each user it hands over. So before the jail
 *	it forks a dialer: a small process that stays where the sockets
 *	are (as mail_owner, in queue_directory, the owner and place of
 *	private/), knows a fixed list of socket paths, and does one thing:
 *	for a one-byte request "entry i" it connects to that socket and
 *	sends the connected descriptor back (SCM_RIGHTS), or the errno of
 *	the failure. It connects without waiting (a full listen queue is
 *	an immediate EAGAIN), and dies with its parent.
 *
 *	The login process never learns where the sockets are and cannot
 *	name any other: a compromised login process can get connections
 *	to the services it talks to anyway, and nothing more.
 *
 * SECURITY
 *	The dialer reads one byte at a time from its parent and checks it
 *	against the list; anything else ends it. It holds no descriptor
 *	but its end of the socket pair (and syslog's).
 */
#ifndef POSTERN_LOGIN_DIAL_H
#define POSTERN_LOGIN_DIAL_H

#define LOGIN_DIAL_MAX		8	/* socket paths */
#define LOGIN_DIAL_TIMEOUT	5000	/* ms for one answer */

/*
 * Fork the dialer for the NULL-terminated list of socket paths
 * (relative to queue_directory), before the jail. Fatal on failure.
 */
void	login_dial_start(const char *const *paths);
/*
 * A new connection (blocking mode, close-on-exec) to path number i of
 * the list: the descriptor, or -1 with *err_r ("private/auth:
 * Connection refused"; "the dialer is gone" when it died).
 */
int	login_dial(int i, char **err_r);

#endif
