/*
 * esmtp - ESMTP MAIL/RCPT parameters (RFC 5321 4.1.2 esmtp-param) and
 * xtext (RFC 3461 4), shared by smtpd and the relay client.
 *
 * SECURITY
 *	Parameters come from the network: keywords and values are checked
 *	against the RFC grammar, every count and length is bounded, and
 *	xtext is decoded only into printable US-ASCII.
 */
#ifndef POSTERN_ESMTP_H
#define POSTERN_ESMTP_H

#include <stddef.h>

#define ESMTP_MAX_PARAMS	16
#define ESMTP_ENVID_MAX		100	/* RFC 3461 4.4 */
#define ESMTP_ORCPT_MAX		500	/* RFC 3461 4.2: decoded 500 */

struct esmtp_param {
	char	keyword[32];		/* upper-cased */
	const char *value;		/* into the caller's buffer, or NULL */
};

/*
 * Split "KEY=VALUE KEY2 ..." in place (buf is modified) into params.
 * Returns the count, or -1 with *err_r a reason for a 501 5.5.4 reply
 * (bad keyword, bad value, too many, duplicate keyword).
 */
int	esmtp_params_parse(char *buf, struct esmtp_param *params, size_t max,
	    const char **err_r);

/* 1 when s is valid xtext (RFC 3461 4): no space, '=', or bad "+HH". */
int	esmtp_xtext_valid(const char *s);
/* Decode xtext into out (size outlen): length, or -1 (bad or too long). */
int	esmtp_xtext_decode(const char *s, char *out, size_t outlen);
/* Encode into out: length, or -1 when it does not fit. */
int	esmtp_xtext_encode(const char *s, char *out, size_t outlen);

/* NOTIFY=: "NEVER" or a list of SUCCESS,FAILURE,DELAY; 0 ok, -1 bad. */
#define ESMTP_NOTIFY_NEVER	0x1
#define ESMTP_NOTIFY_SUCCESS	0x2
#define ESMTP_NOTIFY_FAILURE	0x4
#define ESMTP_NOTIFY_DELAY	0x8
int	esmtp_notify_parse(const char *, int *flags_r);
/* ORCPT=addr-type;xtext: 0 when well-formed (addr-type an atom). */
int	esmtp_orcpt_valid(const char *);

#endif
