/*
 * smtpd_local.h - local submission (the sendmail command) in smtpd:
 * who the user is, and which envelope sender they may use. See
 * smtpd_local.c. A header of its own: the unit test needs nothing of the
 * session (smtpd_submit.c is the glue).
 */
#ifndef POSTERN_SMTPD_LOCAL_H
#define POSTERN_SMTPD_LOCAL_H

#include <sys/types.h>

#include <stddef.h>

#include "addr.h"

#define SMTPD_LOCAL_LOGIN_MAX	64

/* The user at the other end of a local submission socket. */
struct smtpd_local_peer {
	uid_t	 uid;
	gid_t	 gid;
	pid_t	 pid;
	char	 login[SMTPD_LOCAL_LOGIN_MAX];	/* uid's login name */
	int	 privileged;	/* root or mail_owner: any sender */
	char	 own[ADDR_TEXT_MAX];	/* login@$myorigin */
};

/*
 * Session start, in a service with smtpd_local_submission = yes: who is
 * connected on fd (SO_PEERCRED, then the password file). 0; or -1 with
 * *reply_r a static reply to send instead of the greeting before hanging
 * up ("421 4.3.0 ..."), after a warning was logged. The password file is
 * read here, so the submit service must not be chrooted (master.cf
 * chroot column n, as `postern init` writes it).
 */
int	smtpd_local_peer(int fd, struct smtpd_local_peer *peer,
	    const char **reply_r);

/*
 * A path argument of MAIL FROM or RCPT TO in a local submission
 * (what follows the colon): when the address in <> has no domain, as in
 * MAIL FROM:<joe> from `sendmail -bs`, write the argument with
 * @$myorigin added into out and return out; otherwise return arg
 * unchanged. <>, <Postmaster> and anything malformed are returned as
 * they are, for addr_parse_path to judge.
 */
const char *smtpd_local_qualify(const char *arg, char *out, size_t len);

/*
 * MAIL FROM in a local submission: may the user send as sender (parsed
 * by addr_parse_path with ADDR_F_SENDER)? Everybody may use their own
 * address (login@$myorigin); root and mail_owner any; others what
 * local_login_sender_maps gives for their login name (addresses,
 * @domain, <> for the null sender, * for any).
 * Returns 1 yes; 0 no, with reply (len bytes) holding
 *	553 5.7.1 <sender>: Sender address rejected: not owned by user LOGIN
 * and -1 when the table lookup failed, with reply holding
 *	451 4.3.0 <sender>: Sender address rejected: Temporary lookup failure
 * (the reason is logged). Replies have no CR LF.
 */
int	smtpd_local_sender_ok(const struct smtpd_local_peer *peer,
	    const struct addr *sender, char *reply, size_t len);

#endif
