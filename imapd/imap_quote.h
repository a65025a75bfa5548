/*
 * NAME
 *	imap_quote - strings in IMAP responses: atoms, quoted, literals
 *
 * DESCRIPTION
 *	imap_put_string writes a string the way a client can always read
 *	it: quoted when it is short and holds only printable ASCII (and
 *	no DQUOTE or backslash needing more than their escape), else as a
 *	literal {n} CR LF bytes. 8-bit text goes as a literal in IMAP4rev1
 *	and IMAP4rev2 alike (rev1's quoted strings are 7-bit).
 *	imap_put_nstring writes NIL for NULL. imap_put_astring writes an
 *	atom when the text is one (mailbox names in LIST and STATUS), else
 *	a string. imap_put_text writes header text for ENVELOPE and
 *	BODYSTRUCTURE: CR and LF are dropped (a field's folding is not
 *	part of its value) and TAB and NUL become spaces.
 */
#ifndef POSTERN_IMAP_QUOTE_H
#define POSTERN_IMAP_QUOTE_H

#include <stddef.h>

struct vbuf;

#define IMAP_QUOTED_MAX	1024	/* longer strings go as literals */

int	imap_put_string(struct vbuf *, const char *s, size_t len);
int	imap_put_nstring(struct vbuf *, const char *s);
int	imap_put_astring(struct vbuf *, const char *s);
int	imap_put_text(struct vbuf *, const char *s, size_t len);
int	imap_put_ntext(struct vbuf *, const char *s);

#endif
