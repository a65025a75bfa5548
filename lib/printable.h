/*
 * NAME
 *	printable - the one way to make text from a peer safe to show:
 *	in a log line, an SMTP reply, a header, a terminal.
 *
 * DESCRIPTION
 *	A byte is printable when it is ASCII from space to '~'. Flags
 *	narrow or widen that:
 *	  PRINTABLE_NOSPACE	not space either: a word (a user name, a
 *				HELO name)
 *	  PRINTABLE_8BIT	bytes from 0x80 up are kept (UTF-8 text in
 *				logs and replies; not checked for validity)
 *	  PRINTABLE_NOQUOTE	not '"' or '\\' (text shown inside quotes)
 *	Control characters and DEL are never printable: one event stays
 *	one log line and one reply line, and nothing reaches a terminal
 *	that could move its cursor. Every byte that is not printable
 *	becomes '?'.
 *
 *	printable_copy cuts what does not fit; with PRINTABLE_ELLIPSIS a
 *	cut copy ends in "..." so a reader sees that it was cut.
 *
 * SECURITY
 *	Lengths are the caller's bounds: nothing reads past srclen or
 *	writes past dstsize. Grammar checks (an address, a header name)
 *	are the parsers' business, not this module's.
 */
#ifndef POSTERN_PRINTABLE_H
#define POSTERN_PRINTABLE_H

#include <stddef.h>
#include <stdio.h>

#define PRINTABLE_NOSPACE	0x1
#define PRINTABLE_8BIT		0x2
#define PRINTABLE_NOQUOTE	0x4
#define PRINTABLE_ELLIPSIS	0x8	/* printable_copy: mark a cut */

struct vbuf;

/* 1 when the byte c is printable under flags. */
int	printable_char(int c, int flags);
/* 1 when every byte of the string s is printable ("" is). */
int	printable_ok(const char *s, int flags);
/*
 * Copy the srclen bytes of src (NUL bytes too, as '?') into dst, at
 * most dstsize - 1 of them, each that is not printable as '?', and
 * NUL-terminate. Returns dst. dstsize must be at least 1 (4 with
 * PRINTABLE_ELLIPSIS).
 */
char	*printable_copy(char *dst, size_t dstsize, const char *src,
	    size_t srclen, int flags);
/* The same in place; returns s. */
char	*printable_fix(char *s, int flags);
/* Append len bytes of src to b the same way: 0, or -1 past b's limit. */
int	printable_append(struct vbuf *b, const char *src, size_t len,
	    int flags);
/* Write len bytes of src to fp the same way. */
void	printable_fputs(const char *src, size_t len, int flags, FILE *fp);

#endif
