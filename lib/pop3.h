/*
 * NAME
 *	pop3 - what the two sides of the POP3 server share: the command
 *	line grammar, message numbers, the capability list
 *
 * DESCRIPTION
 *	pop3-login (the login side: AUTHORIZATION state) and pop3d (the
 *	session side: TRANSACTION and UPDATE states) read the same
 *	commands (RFC 1939, RFC 2449, RFC 2595, RFC 5034):
 *
 *		VERB [SP argument [SP argument]] CRLF
 *
 *	The verb is matched without regard to case. USER and PASS take
 *	the rest of the line as one argument (a password may hold
 *	spaces); the others take at most two arguments separated by
 *	single spaces. A line with a control character (a NUL byte
 *	included) or with more arguments than the verb takes is a syntax
 *	error.
 *
 *	The capability list (CAPA) depends on the state: before login it
 *	offers STLS when TLS can be started, and USER and SASL only when
 *	the client may log in now (pop3d_tls_auth_only); after login it
 *	lists what the transaction state offers.
 *
 * SECURITY
 *	Lines come from the network. The parser reads only len bytes,
 *	copies nothing, and every argument it hands out is a span into
 *	the line; message numbers are checked to be plain decimals within
 *	the maildrop.
 */
#ifndef POSTERN_POP3_H
#define POSTERN_POP3_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

struct stream;

enum pop3_verb {
	POP3_UNKNOWN,
	POP3_USER,
	POP3_PASS,
	POP3_AUTH,
	POP3_STLS,
	POP3_CAPA,
	POP3_QUIT,
	POP3_NOOP,
	POP3_STAT,
	POP3_LIST,
	POP3_RETR,
	POP3_DELE,
	POP3_RSET,
	POP3_TOP,
	POP3_UIDL,
	POP3_APOP,
};

#define POP3_ARGS_MAX	2

/* A command line, parsed. The spans point into the line. */
struct pop3_cmd {
	enum pop3_verb	 verb;
	const char	*name;		/* "RETR"; "?" when unknown */
	int		 argc;
	struct span	 argv[POP3_ARGS_MAX];
};

/* pop3_cmd_parse results */
#define POP3_CMD_OK		0
#define POP3_CMD_EMPTY		(-1)	/* nothing but the line end */
#define POP3_CMD_BADCHAR	(-2)	/* a control character */
#define POP3_CMD_ARGS		(-3)	/* wrong number of arguments */

/*
 * Parse the line (len bytes, without its line end). POP3_CMD_OK and *c,
 * or a POP3_CMD_* error (*c->name is still set for replies and logs).
 * An unknown verb is POP3_CMD_OK with POP3_UNKNOWN.
 */
int	pop3_cmd_parse(const char *line, size_t len, struct pop3_cmd *c);
/*
 * A message number: 1 and *n_r when the span is a plain decimal (no
 * sign, no leading zero) in 1..max; 0 otherwise.
 */
int	pop3_msgno(const struct span *, uint32_t max, uint32_t *n_r);
/* A plain decimal line count for TOP: 1 and *n_r, or 0. */
int	pop3_count(const struct span *, uint64_t *n_r);

/* pop3_capa flags */
#define POP3_CAPA_STLS		0x1	/* TLS can be started now */
#define POP3_CAPA_LOGIN		0x2	/* USER and SASL may be used now */
/*
 * Write the "+OK" reply to CAPA (the list and its ending dot) for the
 * state flags says (0: the transaction state).
 */
void	pop3_capa(struct stream *, int flags);

/* The UIDL of a message: the IMAP UID and UIDVALIDITY, as hex. */
#define POP3_UIDL_SIZE	17
void	pop3_uidl(uint32_t uid, uint32_t uidvalidity, char buf[POP3_UIDL_SIZE]);

#endif
