/*
 * pop3d.h - private header of the POP3 session side (pop3d(8)).
 *
 * A logged-in client arrives from pop3-login (lib/session); in files:
 *	pop3d_session.c	taking the client over, the login answer, the
 *			command loop, the Dovecot-style log lines
 *	pop3d_cmd.c	the TRANSACTION state's commands (RFC 1939, 2449)
 *	pop3d_send.c	a message or its top as POP3 sends it: CR LF line
 *			ends, dot-stuffed, ended by a lone dot
 *	pop3d_update.c	the maildrop lock ([IN-USE]) and the UPDATE state
 */
#ifndef POSTERN_POP3D_H
#define POSTERN_POP3D_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

struct mailbox;
struct server_info;
struct stream;

/* One POP3 session of one user. */
struct pop3d {
	struct session	 sess;
	struct stream	*s;
	struct mailbox	*mb;
	uint32_t	 n;		/* messages in the maildrop */
	unsigned char	*mark;		/* per message: POP3D_M_* */
	uint64_t	 size;		/* octets of those not deleted */
	uint32_t	 ndeleted;
	int		 lockfd;	/* the maildrop lock */
	int		 bad;		/* bad commands so far */
	int		 quit;		/* QUIT seen */
	/* for the logout line */
	unsigned long	 top_n, retr_n;
	uint64_t	 top_bytes, retr_bytes;
	uint32_t	 expunged;	/* removed at QUIT */
};

#define POP3D_M_DELETED		0x1	/* DELE: removed at QUIT */
#define POP3D_M_RETRIEVED	0x2	/* RETR: \Seen at QUIT */

#define POP3D_LOCK_FILE		"postern-pop3.lock"

/* pop3d_session.c */
void	pop3d_session(int fd, const struct server_info *);
/* Reply "+OK ..." / "-ERR ..." (a CR LF is added). */
void	pop3d_reply(struct pop3d *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	pop3d_vreply(struct pop3d *, const char *fmt, va_list)
	    __attribute__((format(printf, 2, 0)));

/* pop3d_cmd.c */
/* One command line: 0 go on, -1 end the session (QUIT, too many errors). */
int	pop3d_command(struct pop3d *, const char *line, size_t len);

/* pop3d_send.c */
/*
 * Send the message file fd as POP3 does (after the +OK line): every
 * line ending in CR LF, a leading dot doubled, then ".". lines < 0:
 * all of it (RETR); else the header, the empty line and that many
 * body lines (TOP). The message octets sent (CR LF counted, the
 * doubled dots and the final dot not) in *octets_r. 0, or -1 when the
 * file cannot be read (the session must end: the reply is half out).
 */
int	pop3d_send_msg(struct pop3d *, int fd, int64_t lines,
	    uint64_t *octets_r);

/* pop3d_update.c */
/*
 * Take the maildrop lock: 0; 1 when another POP3 session holds it
 * ([IN-USE]); -1 on an error (logged).
 */
int	pop3d_lock(struct pop3d *);
/* The UPDATE state: expunge the deleted, mark the retrieved seen. 0/-1. */
int	pop3d_update(struct pop3d *);

#endif
