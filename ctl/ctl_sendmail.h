/*
 * ctl_sendmail.h - private header of the sendmail personality of the
 * postern command (ctl_sendmail*.c); see man/sendmail.1.
 */
#ifndef POSTERN_CTL_SENDMAIL_H
#define POSTERN_CTL_SENDMAIL_H

#include <stddef.h>
#include <stdio.h>

#include "addr.h"

/* The local submission socket, relative to queue_directory. */
#define SENDMAIL_SOCKET		"public/submit"
#define SENDMAIL_TIMEOUT	300	/* seconds: any wait for smtpd */
#define SENDMAIL_LINE_MAX	4096	/* an SMTP reply line */
#define SENDMAIL_RCPT_MAX	10000	/* recipients of one message */
#define SENDMAIL_ADDR_MAX	(ADDR_TEXT_MAX + 1)

/* The options that matter once parsing is done. */
struct sendmail_opts {
	const char	*prog;		/* "sendmail", "mailq", "newaliases" */
	int		 extract;	/* -t */
	int		 ignore_dots;	/* -i, -oi */
	int		 verbose;	/* -v */
	const char	*sender;	/* -f, -r; NULL: the user's address */
	const char	*fullname;	/* -F */
	const char	*notify;	/* -N */
	const char	*ret;		/* -R */
	const char	*envid;		/* -V */
	char		**rcpts;	/* the arguments (each a list) */
	int		 nrcpts;
};

/* A list of recipient addresses, qualified, duplicates dropped. */
struct sendmail_rcpts {
	char		**addr;
	size_t		 n;
	size_t		 cap;
};

/* What the message reader leaves behind: the spool and its facts. */
struct sendmail_msg {
	FILE		*spool;		/* CRLF, dot-stuffed, no end */
	unsigned long long size;	/* bytes as submitted (RFC 1870) */
	int		 eightbit;	/* a byte >= 0x80 anywhere */
};

/* ctl_sendmail.c */
extern const char *sendmail_prog;
/* Print "prog: message" on stderr. */
void	sendmail_warn(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* The user's login name and the domain for unqualified addresses. */
const char *sendmail_login(void);
const char *sendmail_origin(void);

/* ctl_sendmail_addr.c */
/*
 * Parse an RFC 5322 address list (a header value, or a command line
 * argument: "a@x, Name <b@y>, group: c@z;") and add each address,
 * qualified with @origin when it has no domain, to list. Comments,
 * display names and group names are dropped. 0, or -1 with *err_r
 * (static) for an address that cannot be used.
 */
int	sendmail_addr_list(const char *text, size_t len, const char *origin,
	    struct sendmail_rcpts *list, const char **err_r);
/* Qualify and check one address into out (SENDMAIL_ADDR_MAX): 0/-1. */
int	sendmail_addr_one(const char *addr, const char *origin, char *out,
	    size_t outlen, const char **err_r);
void	sendmail_rcpts_free(struct sendmail_rcpts *);

/* ctl_sendmail_msg.c */
/*
 * Read the message from fd (standard input) into a temporary spool,
 * ready for DATA; with opts->extract add the recipients of To:, Cc:
 * and Bcc: (or of the Resent- fields, when there are any) to rcpts and
 * drop the Bcc: fields; add From: when the message has none. Returns 0,
 * or a sysexits code after printing why.
 */
int	sendmail_msg_read(int fd, const struct sendmail_opts *opts,
	    const char *from_addr, struct sendmail_rcpts *rcpts,
	    struct sendmail_msg *msg);

/* ctl_sendmail_smtp.c */
/*
 * Submit the spooled message over the local socket: 0, or a sysexits
 * code after printing the server's reply or the failure.
 */
int	sendmail_submit(const struct sendmail_opts *opts, const char *sender,
	    const struct sendmail_rcpts *rcpts, struct sendmail_msg *msg);
/* The sysexits code for an SMTP reply ("550 5.1.1 ..."). */
int	sendmail_reply_exit(int code, const char *text);
/* Connect to a socket below queue_directory: fd, or -1 after a message. */
int	sendmail_connect(const char *rel, const char *what);

/* ctl_sendmail_bs.c: -bs, an SMTP session on stdin/stdout. */
int	sendmail_bs(const struct sendmail_opts *opts);

/* ctl_sendmail_bi.c: -bi and newaliases: build alias_database. */
int	sendmail_newaliases(void);

/* ctl_sendmail_bp.c: -bp (mailq) and -q. */
int	sendmail_bp(const struct sendmail_opts *opts);
int	sendmail_flush(const struct sendmail_opts *opts);

#endif
