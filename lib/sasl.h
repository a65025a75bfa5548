/*
 * NAME
 *	sasl - the server side of the SASL mechanisms PLAIN and LOGIN,
 *	for smtpd, pop3d and imapd
 *
 * SYNOPSIS
 *	struct sasl_server s;
 *	enum sasl_mech m;
 *	int r;
 *
 *	if (sasl_mech_parse(name, &m) < 0)
 *		... 504 unsupported mechanism ...
 *	sasl_server_init(&s, m);
 *	r = sasl_server_start(&s, initial);	(NULL: no initial response)
 *	while (r == SASL_CONTINUE) {
 *		send "334 " (SMTP) or "+ " (POP3, IMAP) and
 *		    sasl_server_challenge(&s);
 *		read a line;
 *		r = sasl_server_step(&s, line, len);
 *	}
 *	if (r == SASL_DONE)
 *		ask auth about s.user and s.pass;
 *	else
 *		reply with sasl_strerror(r);
 *	sasl_server_clear(&s);
 *
 * DESCRIPTION
 *	The protocol servers decode the client's side of the exchange
 *	here, the same way for all three protocols (RFC 4954 AUTH, RFC
 *	5034 AUTH, RFC 9051 AUTHENTICATE), and hand user name and password
 *	to the auth service (auth_clnt.h), which alone knows the hashes.
 *
 *	Responses are base64 (RFC 4648 section 4), strictly: only the
 *	alphabet, padding only where it belongs and required, no white
 *	space, the unused bits of the last character zero. An initial
 *	response "=" is an empty one (RFC 4954, RFC 9051 SASL-IR); a
 *	response "*" cancels the exchange (SASL_ERR_CANCEL).
 *
 *	PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL passwd.
 *	Exactly two NULs; authcid is not empty. Proxy authorization is not
 *	offered: authzid must be empty or the authcid itself (ASCII case
 *	ignored), else SASL_ERR_AUTHZID. Without an initial response the
 *	server sends an empty challenge.
 *
 *	LOGIN (draft-murchison-sasl-login): the challenges "Username:"
 *	and "Password:"; an initial response, as some clients send it, is
 *	the user name. The user name is not empty; neither holds a NUL.
 *
 *	Limits: a user name up to AUTH_USER_MAX bytes, a password up to
 *	AUTH_PASS_MAX (SASL_ERR_LONG beyond). No SASLprep: the bytes are
 *	passed on as they are (a UTF-8 password works when the client
 *	sends the bytes it was set with).
 *
 * SECURITY
 *	Input comes straight from the network. Decoding never writes past
 *	the fixed buffers in struct sasl_server, whose sizes are checked
 *	before a byte is stored; the decoded credentials live only there
 *	and in a scratch buffer that is wiped at once. The caller wipes
 *	the struct with sasl_server_clear when done, whatever the outcome,
 *	and wipes its own copies of the lines it read.
 */
#ifndef POSTERN_SASL_H
#define POSTERN_SASL_H

#include <stddef.h>

#include "auth_proto.h"

/* What the protocol servers offer, in EHLO/CAPA/CAPABILITY order. */
#define SASL_MECHS		"PLAIN LOGIN"

enum sasl_mech {
	SASL_MECH_PLAIN = 1,
	SASL_MECH_LOGIN,
};

/* Results of sasl_server_start/sasl_server_step. */
#define SASL_DONE		0	/* user and pass are set */
#define SASL_CONTINUE		1	/* send the challenge, then step */
#define SASL_ERR_CANCEL		(-1)	/* the client sent "*" */
#define SASL_ERR_BASE64		(-2)	/* not valid base64 */
#define SASL_ERR_SYNTAX		(-3)	/* not the mechanism's format */
#define SASL_ERR_LONG		(-4)	/* user or password too long */
#define SASL_ERR_AUTHZID	(-5)	/* PLAIN authzid is someone else */
#define SASL_ERR_STATE		(-6)	/* step after the end (a bug) */

struct sasl_server {
	enum sasl_mech	 mech;
	int		 step;
	char		 user[AUTH_USER_MAX + 1];
	char		 pass[AUTH_PASS_MAX + 1];
	const char	*challenge;	/* base64, static */
};

/*
 * A mechanism by name (ASCII case ignored): 0 and *mech_r, or -1 when
 * it is not one we offer.
 */
int	sasl_mech_parse(const char *name, enum sasl_mech *mech_r);
/* "PLAIN", "LOGIN". */
const char *sasl_mech_name(enum sasl_mech);

void	sasl_server_init(struct sasl_server *, enum sasl_mech);
/*
 * Begin, with the initial response as the client sent it (base64, or
 * "=" for an empty one), or NULL when there was none. Returns
 * SASL_DONE, SASL_CONTINUE or an SASL_ERR_*.
 */
int	sasl_server_start(struct sasl_server *, const char *initial);
/* The next response (len bytes, without the line end). */
int	sasl_server_step(struct sasl_server *, const char *resp, size_t len);
/* The challenge to send after SASL_CONTINUE, base64 ("" for none). */
const char *sasl_server_challenge(const struct sasl_server *);
/* Wipe the credentials and the state. */
void	sasl_server_clear(struct sasl_server *);
/* What went wrong, for logs: "malformed base64 in the response"... */
const char *sasl_strerror(int result);

/*
 * Strict base64 (see DESCRIPTION). sasl_b64_decode decodes inlen bytes
 * of in into out (outsize bytes): 0 and *outlen_r, -1 when the input
 * is not valid base64, -2 when the result would not fit (nothing
 * beyond outsize is written; the caller wipes out either way).
 * sasl_b64_encode writes the NUL-terminated encoding into out and
 * returns its length, or -1 when outsize is too small (it needs
 * 4 * ((inlen + 2) / 3) + 1 bytes).
 */
int	sasl_b64_decode(const char *in, size_t inlen, void *out,
	    size_t outsize, size_t *outlen_r);
int	sasl_b64_encode(const void *in, size_t inlen, char *out,
	    size_t outsize);

#endif
