/*
 * NAME
 *	smtp_ehlo - the extensions an SMTP server announces in its EHLO
 *	reply
 *
 * SYNOPSIS
 *	struct smtp_ehlo e;
 *
 *	smtp_ehlo_parse(vbuf_str(reply.text), &e);
 *	if (e.ext & SMTP_EXT_PIPELINING) ...
 *	if (e.size > 0 && message_size > e.size) ... 552 5.3.4
 *
 * DESCRIPTION
 *	The EHLO reply's lines after the first are "KEYWORD [params]"
 *	(RFC 5321 4.1.1.1); keywords are matched without regard to case.
 *	Known: PIPELINING (RFC 2920), SIZE [n] (RFC 1870; no number or 0
 *	means no fixed limit), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
 *	DSN (RFC 3461), STARTTLS (RFC 3207), AUTH mechanisms (RFC 4954,
 *	and the old "AUTH=" form), CHUNKING (RFC 3030),
 *	ENHANCEDSTATUSCODES (RFC 2034). Others are ignored.
 *
 *	Used by the sendmail command (ctl/) and the SMTP client
 *	(delivery/relay).
 *
 * SECURITY
 *	The text is the server's: SIZE must be all digits and is capped;
 *	AUTH keeps only mechanism names ([A-Z0-9_-], at most 20 bytes
 *	each) that fit SMTP_EHLO_AUTH_MAX in all.
 */
#ifndef POSTERN_SMTP_EHLO_H
#define POSTERN_SMTP_EHLO_H

#define SMTP_EXT_PIPELINING	0x001
#define SMTP_EXT_SIZE		0x002
#define SMTP_EXT_8BITMIME	0x004
#define SMTP_EXT_SMTPUTF8	0x008
#define SMTP_EXT_DSN		0x010
#define SMTP_EXT_STARTTLS	0x020
#define SMTP_EXT_AUTH		0x040
#define SMTP_EXT_CHUNKING	0x080
#define SMTP_EXT_ENHANCED	0x100

#define SMTP_EHLO_AUTH_MAX	256

struct smtp_ehlo {
	int			 ext;		/* SMTP_EXT_* */
	unsigned long long	 size;		/* SIZE n; 0: none given */
	char			 auth[SMTP_EHLO_AUTH_MAX];	/* " PLAIN
						   LOGIN ", upper case,
						   space around each */
};

/* Parse the lines of an EHLO reply ("\n" apart, the first one skipped). */
void	smtp_ehlo_parse(const char *text, struct smtp_ehlo *e);
/* 1 when the server offered the AUTH mechanism mech (upper case). */
int	smtp_ehlo_auth(const struct smtp_ehlo *e, const char *mech);

#endif
