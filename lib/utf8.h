/*
 * NAME
 *	utf8 - reading and writing UTF-8 (RFC 3629)
 *
 * DESCRIPTION
 *	utf8_decode reads one character: the length of the valid sequence
 *	at p (1 to 4) and its code point, or 0 for anything RFC 3629 does
 *	not allow (a stray continuation byte, an overlong form, a
 *	surrogate, a value past U+10FFFF, a sequence cut short by the end).
 *	utf8_put appends a code point (which must be valid).
 */
#ifndef POSTERN_UTF8_H
#define POSTERN_UTF8_H

#include <stddef.h>
#include <stdint.h>

struct vbuf;

size_t	utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r);
void	utf8_put(struct vbuf *, uint32_t cp);

#endif
