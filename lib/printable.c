/*
 * NAME
 *	printable - making peer text safe to show; see printable.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "printable.h"
#include "vbuf.h"

int
printable_char(int c, int flags)
{
	c &= 0xff;
	if (c >= 0x80)
		return (flags & PRINTABLE_8BIT) != 0;
	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c == ' ')
		return (flags & PRINTABLE_NOSPACE) == 0;
	if (c == '"' || c == '\\')
		return (flags & PRINTABLE_NOQUOTE) == 0;
	return 1;
}

int
printable_ok(const char *s, int flags)
{
	for (; *s != '\0'; s++)
		if (!printable_char((unsigned char)*s, flags))
			return 0;
	return 1;
}

char *
printable_copy(char *dst, size_t dstsize, const char *src, size_t srclen,
    int flags)
{
	size_t n = srclen, i;

	if (n >= dstsize) {
		n = dstsize - 1;
		if ((flags & PRINTABLE_ELLIPSIS) != 0 && n >= 3) {
			n -= 3;
			memcpy(dst + n, "...", 3);
		}
		dst[dstsize - 1] = '\0';
	} else
		dst[n] = '\0';
	for (i = 0; i < n; i++)
		dst[i] = printable_char((unsigned char)src[i], flags) ? src[i] :
		    '?';
	return dst;
}

char *
printable_fix(char *s, int flags)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (!printable_char((unsigned char)*p, flags))
			*p = '?';
	return s;
}

int
printable_append(struct vbuf *b, const char *src, size_t len, int flags)
{
	size_t start = vbuf_len(b), i;

	if (vbuf_append(b, src, len) < 0)
		return -1;
	for (i = start; i < start + len; i++)
		/* UNSAFE: the bytes just appended, inside len */
		if (!printable_char((unsigned char)b->data[i], flags))
			b->data[i] = '?';
	return 0;
}

void
printable_fputs(const char *src, size_t len, int flags, FILE *fp)
{
	size_t i;

	for (i = 0; i < len; i++)
		fputc(printable_char((unsigned char)src[i], flags) ? src[i] :
		    '?', fp);
}
