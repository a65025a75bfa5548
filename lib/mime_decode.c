/*
 * mime_decode - Content-Transfer-Encoding decoders (RFC 2045 6); see
 * mime.h.
 *
 * Lenient as readers must be: base64 skips what is not in its
 * alphabet and ends at its padding; quoted-printable keeps an "="
 * that starts no valid escape (RFC 2045 6.7 note 2) and accepts
 * lowercase hex. A line end in decoded text goes out as CR LF.
 *
 * UNSAFE: pointer arithmetic bounded by `end`.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "digit.h"
#include "mime.h"
#include "vbuf.h"

enum mime_cte
mime_cte(const char *enc)
{
	if (enc == NULL || *enc == '\0' || strcasecmp(enc, "7bit") == 0 ||
	    strcasecmp(enc, "8bit") == 0 || strcasecmp(enc, "binary") == 0)
		return MIME_CTE_IDENTITY;
	if (strcasecmp(enc, "base64") == 0)
		return MIME_CTE_BASE64;
	if (strcasecmp(enc, "quoted-printable") == 0)
		return MIME_CTE_QP;
	return MIME_CTE_UNKNOWN;
}

static int
base64_decode(const char *in, size_t len, struct vbuf *out)
{
	const char *p = in, *end = in + len;
	unsigned char q[3];
	unsigned long acc = 0;
	int n = 0, v;

	for (; p < end && *p != '='; p++) {
		if ((v = digit_base64((unsigned char)*p)) < 0)
			continue;
		acc = (acc << 6) | (unsigned long)v;
		if (++n == 4) {
			q[0] = (unsigned char)(acc >> 16);
			q[1] = (unsigned char)(acc >> 8);
			q[2] = (unsigned char)acc;
			if (vbuf_append(out, q, 3) < 0)
				return -1;
			acc = 0;
			n = 0;
		}
	}
	/* a short last quantum: 2 symbols hold 1 byte, 3 hold 2 */
	if (n == 2) {
		q[0] = (unsigned char)(acc >> 4);
		return vbuf_append(out, q, 1);
	}
	if (n == 3) {
		q[0] = (unsigned char)(acc >> 10);
		q[1] = (unsigned char)(acc >> 2);
		return vbuf_append(out, q, 2);
	}
	return 0;
}

static int
qp_decode(const char *in, size_t len, struct vbuf *out)
{
	const char *p = in, *end = in + len, *nl, *le, *t;
	int h, l, soft;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		le = nl == NULL ? end : nl;
		/* trailing white space (and the CR) is not content */
		t = le;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t' ||
		    t[-1] == '\r'))
			t--;
		soft = t > p && t[-1] == '=';
		if (soft)
			t--;
		for (; p < t; p++) {
			if (*p == '=' && t - p >= 3 &&
			    (h = digit_hex((unsigned char)p[1])) >= 0 &&
			    (l = digit_hex((unsigned char)p[2])) >= 0) {
				if (vbuf_appendc(out, h * 16 + l) < 0)
					return -1;
				p += 2;
			} else if (vbuf_appendc(out, *p) < 0)
				return -1;
		}
		if (nl == NULL)
			break;
		if (!soft && vbuf_append(out, "\r\n", 2) < 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

int
mime_decode(enum mime_cte cte, const char *in, size_t len, struct vbuf *out)
{
	switch (cte) {
	case MIME_CTE_BASE64:
		return base64_decode(in, len, out);
	case MIME_CTE_QP:
		return qp_decode(in, len, out);
	default:
		return mime_crlf_copy(in, len, 0, out);
	}
}
