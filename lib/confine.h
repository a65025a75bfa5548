/*
 * NAME
 *	confine - shut a process into one directory: Landlock
 *
 * SYNOPSIS
 *	char *err = NULL;
 *	int abi;
 *
 *	if ((abi = confine_beneath(maildir_fd, &err)) < 0)
 *		... log err, end the session: it must not go on unconfined ...
 *	log_info("... confined (%s)", confine_describe(abi));
 *
 * DESCRIPTION
 *	A pop3d or imapd session serves one user (DESIGN, "Mail access").
 *	It runs jailed in the mail root as the vmail uid, which owns every
 *	user's Maildir; confine_beneath narrows that to the one Maildir
 *	for the rest of the process's life, where the kernel has Landlock:
 *	from then on no path outside the directory can be opened, created,
 *	renamed, removed or executed, whatever the process tries
 *	("../bob", an absolute path, a symbolic link planted in the
 *	Maildir), and the process can neither bind nor connect TCP sockets
 *	(ABI 4 and later) nor reach abstract UNIX sockets or signal
 *	processes outside its domain (ABI 6 and later). Inside the
 *	directory it may read, write, create files and directories,
 *	rename and remove; it may not make devices, pipes, sockets or
 *	symbolic links, nor execute anything. The working directory
 *	becomes the confined one.
 *
 *	Descriptors opened before (the client socket, the auth connection,
 *	syslog) stay usable. The restriction cannot be lifted, and the
 *	process's children inherit it: a confined process serves one
 *	session and exits (SERVER_FLAG_ONCE).
 *
 *	Where Landlock is missing (an older kernel, or disabled), the
 *	confinement is the working directory and the discipline of the
 *	code (every path opened below a directory descriptor with
 *	fsutil_open_beneath), and confine_beneath says so by returning 0.
 *
 * SECURITY
 *	Defence in depth for a bug in the session code; the first line is
 *	that the session only ever names files below the Maildir's
 *	descriptor.
 */
#ifndef POSTERN_CONFINE_H
#define POSTERN_CONFINE_H

/*
 * Confine the process to the directory dirfd (see DESCRIPTION). Returns
 * the Landlock ABI version enforced (>= 1), 0 when the kernel has no
 * Landlock (the working directory is still changed), or -1 with *err_r
 * when a step failed: the process must then not serve the session.
 */
int	confine_beneath(int dirfd, char **err_r);
/* "Landlock ABI 7" or "no Landlock in this kernel", for log lines. */
const char *confine_describe(int abi);
/* The Landlock ABI version the kernel offers, or 0. */
int	confine_abi(void);

#endif
