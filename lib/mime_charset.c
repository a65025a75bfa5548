/*
 * mime_charset - a few charsets to UTF-8, without iconv; see mime.h.
 *
 * The session process runs chrooted, where iconv's modules cannot be
 * loaded, and SEARCH only needs the charsets that make up nearly all
 * mail. Everything else is read as "unknown": valid UTF-8 stays as it
 * is, other bytes are taken as Windows-1252 (the usual mislabelling).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "utf8.h"
#include "vbuf.h"

enum cs {
	CS_UNKNOWN,
	CS_UTF8,
	CS_ASCII,
	CS_LATIN1,
	CS_LATIN9,
	CS_CP1252,
};

static const struct {
	const char	*name;
	enum cs		 cs;
} charsets[] = {
	{ "utf-8", CS_UTF8 }, { "utf8", CS_UTF8 },
	{ "us-ascii", CS_ASCII }, { "ascii", CS_ASCII },
	{ "ansi_x3.4-1968", CS_ASCII }, { "iso646-us", CS_ASCII },
	{ "iso-8859-1", CS_LATIN1 }, { "iso8859-1", CS_LATIN1 },
	{ "iso_8859-1", CS_LATIN1 }, { "latin1", CS_LATIN1 },
	{ "l1", CS_LATIN1 }, { "iso-8859-15", CS_LATIN9 },
	{ "iso8859-15", CS_LATIN9 }, { "latin-9", CS_LATIN9 },
	{ "latin9", CS_LATIN9 }, { "windows-1252", CS_CP1252 },
	{ "cp1252", CS_CP1252 }, { "x-cp1252", CS_CP1252 },
};

/* Windows-1252's 0x80..0x9F (0: undefined, read as the C1 control). */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static enum cs
cs_lookup(const char *name)
{
	size_t i;

	if (name == NULL)
		return CS_UNKNOWN;
	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		if (strcasecmp(name, charsets[i].name) == 0)
			return charsets[i].cs;
	return CS_UNKNOWN;
}

int
mime_charset_known(const char *charset)
{
	return cs_lookup(charset) != CS_UNKNOWN;
}

static uint32_t
single_byte(enum cs cs, unsigned char c)
{
	if (c < 0x80)
		return c;
	switch (cs) {
	case CS_LATIN9:
		switch (c) {
		case 0xa4: return 0x20ac;
		case 0xa6: return 0x0160;
		case 0xa8: return 0x0161;
		case 0xb4: return 0x017d;
		case 0xb8: return 0x017e;
		case 0xbc: return 0x0152;
		case 0xbd: return 0x0153;
		case 0xbe: return 0x0178;
		}
		return c;
	case CS_LATIN1:
		return c;
	default:
		if (c < 0xa0 && cp1252_c1[c - 0x80] != 0)
			return cp1252_c1[c - 0x80];
		return c;
	}
}

int
mime_charset_utf8(const char *charset, const char *in, size_t len,
    struct vbuf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	const unsigned char *end = p + len;
	enum cs cs = cs_lookup(charset);
	uint32_t cp;
	size_t n;

	while (p < end) {
		if (*p < 0x80) {
			/* runs of ASCII in one piece */
			const unsigned char *s = p;

			while (p < end && *p < 0x80)
				p++;
			(void)vbuf_append(out, s, (size_t)(p - s));
			continue;
		}
		switch (cs) {
		case CS_LATIN1:
		case CS_LATIN9:
		case CS_CP1252:
			utf8_put(out, single_byte(cs, *p));
			p++;
			break;
		default:
			if ((n = utf8_decode(p, (size_t)(end - p), &cp)) > 0) {
				(void)vbuf_append(out, p, n);
				p += n;
			} else if (cs == CS_UTF8) {
				utf8_put(out, 0xfffd);
				p++;
			} else {
				utf8_put(out, single_byte(CS_CP1252, *p));
				p++;
			}
		}
	}
	return cs != CS_UNKNOWN;
}
