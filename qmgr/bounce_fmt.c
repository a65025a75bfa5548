/*
 * bounce_fmt - text helpers of the bounce module: cleaning untrusted
 * strings, folding fields, wrapping prose, copying content line-safe.
 *
 * SECURITY
 *	Everything that reaches a report from outside goes through
 *	bounce_clean (strings) or bounce_norm_copy (content): no control
 *	character, no bare CR or LF, no line over 998 octets.
 */
#include "config.h"

#include <string.h>

#include "bounce_int.h"

/* Length of the valid UTF-8 sequence at s (at most left bytes), or 0. */
static size_t
bounce_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;		/* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;		/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;		/* nothing past U+10FFFF */
	} else
		return 0;
	if (n > left || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int
bounce_has8(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

int
bounce_clean(struct vbuf *out, const char *s, size_t max, int utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), used = 0, k;
	int space = 0, kept8 = 0, any = 0;

	for (; left > 0; p += k, left -= k) {
		k = 1;
		if (*p <= ' ' || *p == 0x7f) {
			/* white space and controls: runs become one space */
			if (*p == ' ' || *p == '\t' || *p == '\r' ||
			    *p == '\n') {
				space = any;
				continue;
			}
		}
		if (*p >= 0x80 && utf8)
			k = bounce_utf8_len(p, left);
		if (used + space + (k ? k : 1) > max) {
			vbuf_appends(out, "...");
			break;
		}
		if (space) {
			vbuf_appendc(out, ' ');
			used++;
			space = 0;
		}
		any = 1;
		if (k == 0 || *p < ' ' || *p == 0x7f || (*p >= 0x80 && !utf8)) {
			vbuf_appendc(out, '?');
			used++;
			k = 1;
			continue;
		}
		vbuf_append(out, p, k);
		used += k;
		if (*p >= 0x80)
			kept8 = 1;
	}
	return kept8;
}

void
bounce_field(struct vbuf *out, const char *name, const char *value)
{
	size_t col, wl, k;
	const char *w = value;
	int first = 1;

	vbuf_appendf(out, "%s:", name);
	col = strlen(name) + 1;
	while (*w != '\0') {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		wl = strcspn(w, " ");
		/* fold before the space when the word would pass the margin */
		if (!first && col + 1 + wl > BOUNCE_FOLD) {
			vbuf_appends(out, "\r\n");
			col = 0;
		}
		vbuf_appendc(out, ' ');
		col++;
		first = 0;
		while (col + wl > BOUNCE_LINE_MAX) {
			/* UNSAFE: k < wl, both within the word */
			k = BOUNCE_LINE_MAX - col;
			vbuf_append(out, w, k);
			vbuf_appends(out, "\r\n ");
			col = 1;
			w += k;
			wl -= k;
		}
		vbuf_append(out, w, wl);
		col += wl;
		w += wl;
	}
	vbuf_appends(out, "\r\n");
}

void
bounce_wrap(struct vbuf *out, const char *indent, const char *text)
{
	size_t ilen = strlen(indent), col, wl, k;
	const char *w = text;
	int first = 1;

	vbuf_appends(out, indent);
	col = ilen;
	while (*w != '\0') {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		wl = strcspn(w, " ");
		if (!first && col + 1 + wl > BOUNCE_FOLD) {
			vbuf_appends(out, "\r\n");
			vbuf_appends(out, indent);
			col = ilen;
		} else if (!first) {
			vbuf_appendc(out, ' ');
			col++;
		}
		first = 0;
		while (col + wl > BOUNCE_LINE_MAX) {
			k = BOUNCE_LINE_MAX - col;
			vbuf_append(out, w, k);
			vbuf_appends(out, "\r\n");
			vbuf_appends(out, indent);
			col = ilen;
			w += k;
			wl -= k;
		}
		vbuf_append(out, w, wl);
		col += wl;
		w += wl;
	}
	vbuf_appends(out, "\r\n");
}

int
bounce_norm_copy(struct vbuf *out, struct bounce_norm *nm, const char *p,
    size_t n)
{
	size_t start = vbuf_len(out), i = 0, run, room;
	struct bounce_norm saved = *nm;
	unsigned char c;

	while (i < n) {
		c = (unsigned char)p[i];
		if (nm->cr) {
			nm->cr = 0;
			/* the LF of a CRLF that is already out */
			if (c == '\n') {
				i++;
				continue;
			}
		}
		if (c == '\r' || c == '\n') {
			if (vbuf_append(out, "\r\n", 2) < 0)
				goto full;
			nm->col = 0;
			nm->cr = c == '\r';
			i++;
			continue;
		}
		if (nm->col >= BOUNCE_LINE_MAX) {
			/* an over-long line goes on as a continuation */
			if (vbuf_append(out, "\r\n ", 3) < 0)
				goto full;
			nm->col = 1;
		}
		if (c == '\0') {
			if (vbuf_appendc(out, '?') < 0)
				goto full;
			nm->col++;
			i++;
			continue;
		}
		/* a run of ordinary bytes, up to the end of the line room */
		room = BOUNCE_LINE_MAX - nm->col;
		for (run = 0; run < room && i + run < n; run++) {
			c = (unsigned char)p[i + run];
			if (c == '\r' || c == '\n' || c == '\0')
				break;
			if (c >= 0x80)
				nm->eightbit = 1;
		}
		if (vbuf_append(out, p + i, run) < 0)
			goto full;
		nm->col += run;
		i += run;
	}
	return 0;
full:
	vbuf_truncate(out, start);
	*nm = saved;
	return -1;
}

int
bounce_norm_end(struct vbuf *out, struct bounce_norm *nm)
{
	if (nm->col == 0)
		return 0;
	if (vbuf_append(out, "\r\n", 2) < 0)
		return -1;
	nm->col = 0;
	return 0;
}
