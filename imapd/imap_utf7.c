/*
 * imap_utf7 - modified UTF-7 mailbox names; see imap_utf7.h.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "imap_utf7.h"
#include "utf8.h"
#include "vbuf.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64val(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

/* One base64 run (after "&", up to "-") as UTF-8; the run's end, or NULL. */
static const char *
decode_run(const char *p, struct vbuf *out)
{
	uint32_t bits = 0, hi = 0, u;
	int nbits = 0, v, n = 0;

	for (; *p != '-'; p++) {
		if ((v = b64val((unsigned char)*p)) < 0)
			return NULL;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		n++;
		if (nbits < 16)
			continue;
		nbits -= 16;
		u = (bits >> nbits) & 0xffff;
		if (hi != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return NULL;
			utf8_put(out, 0x10000 + ((hi - 0xd800) << 10) +
			    (u - 0xdc00));
			hi = 0;
		} else if (u >= 0xd800 && u <= 0xdbff)
			hi = u;
		else if ((u >= 0xdc00 && u <= 0xdfff) ||
		    (u >= 0x20 && u <= 0x7e))
			return NULL;	/* lone low surrogate; printable */
		else
			utf8_put(out, u);
	}
	/* no empty run ("&-" is "&"), no half character, zero padding */
	if (n == 0 || hi != 0 || nbits >= 6 ||
	    (bits & ((1u << nbits) - 1)) != 0)
		return NULL;
	return p;
}

int
imap_utf7_to_utf8(const char *in, struct vbuf *out)
{
	const char *p;
	size_t start = vbuf_len(out);

	for (p = in; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			goto bad;
		if (*p != '&') {
			(void)vbuf_appendc(out, *p);
			continue;
		}
		if (p[1] == '-') {
			(void)vbuf_appendc(out, '&');
			p++;
			continue;
		}
		if ((p = decode_run(p + 1, out)) == NULL)
			goto bad;
		/* two runs back to back would be one */
		if (p[1] == '&' && p[2] != '-')
			goto bad;
	}
	return 0;
bad:
	vbuf_truncate(out, start);
	return -1;
}

int
imap_utf7_valid(const char *in)
{
	struct vbuf tmp;
	int r;

	vbuf_init(&tmp, 64, VBUF_NOLIMIT);
	r = imap_utf7_to_utf8(in, &tmp);
	vbuf_release(&tmp);
	return r == 0;
}

/* The code point of the UTF-8 sequence at *pp (advanced), or -1. */
static int32_t
utf8_next(const unsigned char **pp)
{
	uint32_t c;
	size_t n = utf8_decode(*pp, 4, &c);

	/* the NUL that ends the name stops a sequence that is cut short */
	if (n == 0)
		return -1;
	*pp += n;
	return (int32_t)c;
}

static void
flush_bits(struct vbuf *out, uint32_t *bits, int *nbits)
{
	if (*nbits > 0)
		(void)vbuf_appendc(out, b64[(*bits << (6 - *nbits)) & 0x3f]);
	*nbits = 0;
	*bits = 0;
}

static void
put_unit(struct vbuf *out, uint32_t u, uint32_t *bits, int *nbits)
{
	*bits = (*bits << 16) | u;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		(void)vbuf_appendc(out, b64[(*bits >> *nbits) & 0x3f]);
	}
	*bits &= (1u << *nbits) - 1;
}

int
imap_utf8_to_utf7(const char *in, struct vbuf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t start = vbuf_len(out);
	uint32_t bits = 0;
	int32_t c;
	int nbits = 0, in_run = 0;

	while (*p != '\0') {
		if ((c = utf8_next(&p)) < 0 || c < 0x20 || c == 0x7f) {
			vbuf_truncate(out, start);
			return -1;
		}
		if (c >= 0x20 && c <= 0x7e) {
			if (in_run) {
				flush_bits(out, &bits, &nbits);
				(void)vbuf_appendc(out, '-');
				in_run = 0;
			}
			(void)vbuf_appends(out, c == '&' ? "&-" :
			    (char[]){ (char)c, '\0' });
			continue;
		}
		if (!in_run) {
			(void)vbuf_appendc(out, '&');
			in_run = 1;
		}
		if (c >= 0x10000) {
			c -= 0x10000;
			put_unit(out, 0xd800 + ((uint32_t)c >> 10), &bits,
			    &nbits);
			put_unit(out, 0xdc00 + ((uint32_t)c & 0x3ff), &bits,
			    &nbits);
		} else
			put_unit(out, (uint32_t)c, &bits, &nbits);
	}
	if (in_run) {
		flush_bits(out, &bits, &nbits);
		(void)vbuf_appendc(out, '-');
	}
	return 0;
}
