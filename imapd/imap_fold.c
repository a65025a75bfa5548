/*
 * imap_fold - simple case folding for SEARCH; see imap_search.h.
 *
 * Only the capitals of the scripts most mail is written in are mapped
 * (one code point to one, as Unicode's simple folding does); that is
 * what "case-insensitive" means to users of those scripts, and keeps
 * the table out of the binary.
 */
#include "config.h"

#include <stdint.h>

#include "imap_search.h"
#include "vbuf.h"

static uint32_t
fold_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xc0)
		return c;
	if (c <= 0xde)
		return c == 0xd7 ? c : c + 32;		/* Latin-1 */
	if (c >= 0x100 && c <= 0x137)
		return c | 1;				/* pairs */
	if (c >= 0x139 && c <= 0x148)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x14a && c <= 0x177)
		return c | 1;
	if (c == 0x178)
		return 0xff;
	if (c >= 0x179 && c <= 0x17e)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;				/* Greek */
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;				/* Cyrillic */
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

void
imap_fold(const char *in, size_t len, struct vbuf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	const unsigned char *end = p + len;
	unsigned char b[4];
	uint32_t c, f;

	while (p < end) {
		if (*p < 0x80) {
			(void)vbuf_appendc(out, *p >= 'A' && *p <= 'Z' ?
			    *p + 32 : *p);
			p++;
			continue;
		}
		/* two-byte sequences cover every folded capital */
		if ((*p & 0xe0) == 0xc0 && end - p >= 2 &&
		    (p[1] & 0xc0) == 0x80) {
			c = ((uint32_t)(*p & 0x1f) << 6) | (p[1] & 0x3f);
			f = fold_cp(c);
			if (c >= 0x80 && f != c) {
				b[0] = (unsigned char)(0xc0 | (f >> 6));
				b[1] = (unsigned char)(0x80 | (f & 0x3f));
				(void)vbuf_append(out, b, 2);
			} else
				(void)vbuf_append(out, p, 2);
			p += 2;
			continue;
		}
		(void)vbuf_appendc(out, *p);
		p++;
	}
}
