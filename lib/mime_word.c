/*
 * mime_word - RFC 2047 encoded words to UTF-8; see mime.h.
 *
 * Decoded bytes of adjacent words in the same charset are converted
 * together, so a character that a sender split between two base64
 * words comes out whole. Only the white space between two encoded
 * words is dropped (RFC 2047 6.2); all other text is kept.
 *
 * UNSAFE: pointer arithmetic bounded by `end`.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "digit.h"
#include "mime.h"
#include "vbuf.h"

#define CHARSET_MAX	64

struct words {
	struct vbuf	*out;
	struct vbuf	*bytes;		/* decoded, not yet converted */
	char		 charset[CHARSET_MAX + 1];
};

static void
flush_bytes(struct words *w)
{
	if (vbuf_len(w->bytes) == 0)
		return;
	(void)mime_charset_utf8(w->charset[0] ? w->charset : NULL,
	    vbuf_str(w->bytes), vbuf_len(w->bytes), w->out);
	vbuf_reset(w->bytes);
}

/* RFC 2047 4.2: "_" is a space, =XX a byte; anything else as it is. */
static void
q_decode(const char *t, const char *end, struct vbuf *out)
{
	int h, l;

	for (; t < end; t++) {
		if (*t == '_')
			(void)vbuf_appendc(out, ' ');
		else if (*t == '=' && end - t >= 3 &&
		    (h = digit_hex((unsigned char)t[1])) >= 0 &&
		    (l = digit_hex((unsigned char)t[2])) >= 0) {
			(void)vbuf_appendc(out, h * 16 + l);
			t += 2;
		} else
			(void)vbuf_appendc(out, *t);
	}
}

/*
 * An encoded word at p? Returns its length and decodes it into
 * w->bytes (flushing first when the charset changes), or 0.
 */
static size_t
encoded_word(struct words *w, const char *p, const char *end)
{
	const char *cs, *cs_end, *enc, *text, *q;
	size_t cslen;
	char star[CHARSET_MAX + 1];

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	cs = p + 2;
	for (q = cs; q < end && *q != '?' && *q > ' ' && *q < 0x7f; q++)
		;
	if (q >= end || *q != '?' || q == cs)
		return 0;
	cs_end = q;
	enc = q + 1;
	if (enc + 2 >= end || enc[1] != '?')
		return 0;
	if (*enc != 'B' && *enc != 'b' && *enc != 'Q' && *enc != 'q')
		return 0;
	text = enc + 2;
	for (q = text; q + 1 < end && !(q[0] == '?' && q[1] == '='); q++)
		if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			return 0;
	if (q + 1 >= end)
		return 0;
	/* charset*language (RFC 2231 5): the language is dropped */
	cslen = (size_t)(cs_end - cs);
	if (memchr(cs, '*', cslen) != NULL)
		cslen = (size_t)((const char *)memchr(cs, '*', cslen) - cs);
	if (cslen > CHARSET_MAX)
		cslen = CHARSET_MAX;
	memcpy(star, cs, cslen);
	star[cslen] = '\0';
	if (strcasecmp(star, w->charset) != 0) {
		flush_bytes(w);
		memcpy(w->charset, star, cslen + 1);
	}
	if (*enc == 'B' || *enc == 'b')
		(void)mime_decode(MIME_CTE_BASE64, text, (size_t)(q - text),
		    w->bytes);
	else
		q_decode(text, q, w->bytes);
	return (size_t)(q + 2 - p);
}

void
mime_words_decode(const char *text, size_t len, struct vbuf *out)
{
	struct words w;
	const char *p = text, *end = text + len, *seg, *ws;
	size_t n;
	int after_word = 0;

	w.out = out;
	w.bytes = vbuf_new(64, VBUF_NOLIMIT);
	w.charset[0] = '\0';
	while (p < end) {
		if ((n = encoded_word(&w, p, end)) > 0) {
			p += n;
			after_word = 1;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			/* white space: dropped between two encoded words */
			for (ws = p; p < end && (*p == ' ' || *p == '\t' ||
			    *p == '\r' || *p == '\n'); p++)
				;
			if (after_word && p < end &&
			    (n = encoded_word(&w, p, end)) > 0) {
				p += n;
				continue;
			}
			flush_bytes(&w);
			after_word = 0;
			/* folding: the line ends go, the white space stays */
			for (; ws < p; ws++)
				if (*ws != '\r' && *ws != '\n')
					(void)vbuf_appendc(out, *ws);
			continue;
		}
		flush_bytes(&w);
		after_word = 0;
		/* plain text up to white space or a possible word */
		seg = p++;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n' && !(p[0] == '=' && p + 1 < end && p[1] == '?'))
			p++;
		w.charset[0] = '\0';
		(void)mime_charset_utf8(NULL, seg, (size_t)(p - seg), out);
	}
	flush_bytes(&w);
	vbuf_free(&w.bytes);
}
