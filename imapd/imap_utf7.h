/*
 * NAME
 *	imap_utf7 - mailbox names in modified UTF-7 (RFC 3501 5.1.3)
 *
 * DESCRIPTION
 *	Mailbox names are kept on disk as IMAP4rev1 clients send them:
 *	modified UTF-7 (printable ASCII as itself, "&" as "&-", anything
 *	else as "&" modified-base64 of UTF-16 "-"), as Dovecot keeps
 *	Maildir++ folder names. IMAP4rev2 and UTF8=ACCEPT clients send and
 *	receive UTF-8 (RFC 9051 5.1); these convert between the two.
 *	Conversions are strict, so one name has one spelling: a base64 run
 *	must be minimal, hold whole UTF-16 characters and no printable
 *	ASCII, and UTF-8 must be valid (no surrogates or overlong forms).
 */
#ifndef POSTERN_IMAP_UTF7_H
#define POSTERN_IMAP_UTF7_H

struct vbuf;

/* Append in (modified UTF-7) as UTF-8: 0, or -1 when in is not valid. */
int	imap_utf7_to_utf8(const char *in, struct vbuf *out);
/* Append in (UTF-8) as modified UTF-7: 0, or -1 when in is not valid. */
int	imap_utf8_to_utf7(const char *in, struct vbuf *out);
/* 1 when in is valid modified UTF-7. */
int	imap_utf7_valid(const char *in);

#endif
