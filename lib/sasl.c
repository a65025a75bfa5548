/*
 * NAME
 *	sasl - PLAIN and LOGIN, server side; see sasl.h.
 *
 * DESCRIPTION
 *	A response is decoded into a scratch buffer on the stack that is
 *	large enough for the longest valid PLAIN message; the pieces are
 *	checked and copied into the caller's struct sasl_server, and the
 *	scratch buffer is wiped before returning, on every path.
 *
 * SECURITY
 *	Network input. Every length is checked against the destination
 *	before a byte is copied; decoded text is never logged.
 *
 *	UNSAFE: the base64 decoder and the PLAIN splitter walk buffers
 *	with offsets, each checked against the length first.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "digit.h"
#include "sasl.h"

/* A whole PLAIN message: authzid NUL authcid NUL passwd. */
#define SASL_SCRATCH	(2 * AUTH_USER_MAX + AUTH_PASS_MAX + 2)

#define SASL_CH_USER	"VXNlcm5hbWU6"		/* "Username:" */
#define SASL_CH_PASS	"UGFzc3dvcmQ6"		/* "Password:" */

static const char sasl_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
sasl_b64_decode(const char *in, size_t inlen, void *out, size_t outsize,
    size_t *outlen_r)
{
	unsigned char *o = out;
	size_t i, n = 0, pad;
	int v[4], j;

	*outlen_r = 0;
	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		pad = 0;
		for (j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == inlen && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			/* nothing but padding may follow padding */
			if (pad > 0 || (v[j] = digit_base64(in[i + j])) < 0)
				return -1;
		}
		/* the bits the padding leaves over must be zero */
		if ((pad == 2 && (v[1] & 0x0f) != 0) ||
		    (pad == 1 && (v[2] & 0x03) != 0))
			return -1;
		if (3 - pad > outsize - n)
			return -2;
		o[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			o[n++] = (unsigned char)((v[1] & 0x0f) << 4 |
			    v[2] >> 2);
		if (pad < 1)
			o[n++] = (unsigned char)((v[2] & 0x03) << 6 | v[3]);
	}
	*outlen_r = n;
	return 0;
}

int
sasl_b64_encode(const void *in, size_t inlen, char *out, size_t outsize)
{
	const unsigned char *p = in;
	size_t i, n = 0;
	unsigned v;

	if (inlen > (outsize - 1) / 4 * 3 || outsize == 0)
		return -1;
	for (i = 0; i < inlen; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < inlen)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < inlen)
			v |= p[i + 2];
		out[n++] = sasl_b64[v >> 18 & 0x3f];
		out[n++] = sasl_b64[v >> 12 & 0x3f];
		out[n++] = i + 1 < inlen ? sasl_b64[v >> 6 & 0x3f] : '=';
		out[n++] = i + 2 < inlen ? sasl_b64[v & 0x3f] : '=';
	}
	out[n] = '\0';
	return (int)n;
}

int
sasl_mech_parse(const char *name, enum sasl_mech *mech_r)
{
	if (strcasecmp(name, "PLAIN") == 0)
		*mech_r = SASL_MECH_PLAIN;
	else if (strcasecmp(name, "LOGIN") == 0)
		*mech_r = SASL_MECH_LOGIN;
	else
		return -1;
	return 0;
}

const char *
sasl_mech_name(enum sasl_mech m)
{
	return m == SASL_MECH_LOGIN ? "LOGIN" : "PLAIN";
}

const char *
sasl_strerror(int r)
{
	switch (r) {
	case SASL_DONE:
		return "done";
	case SASL_CONTINUE:
		return "in progress";
	case SASL_ERR_CANCEL:
		return "cancelled by the client";
	case SASL_ERR_BASE64:
		return "malformed base64 in the response";
	case SASL_ERR_SYNTAX:
		return "malformed response";
	case SASL_ERR_LONG:
		return "user name or password too long";
	case SASL_ERR_AUTHZID:
		return "authorization identity not allowed";
	default:
		return "exchange out of sequence";
	}
}

void
sasl_server_init(struct sasl_server *s, enum sasl_mech mech)
{
	explicit_bzero(s, sizeof(*s));
	s->mech = mech;
	s->challenge = "";
}

void
sasl_server_clear(struct sasl_server *s)
{
	explicit_bzero(s, sizeof(*s));
	s->challenge = "";
}

const char *
sasl_server_challenge(const struct sasl_server *s)
{
	return s->challenge;
}

/* Decode a response into buf: its length, or an SASL_ERR_*. */
static long
sasl_decode(const char *resp, size_t len, char *buf, size_t bufsize)
{
	size_t n;
	int r;

	if (len == 1 && resp[0] == '*')
		return SASL_ERR_CANCEL;
	if ((r = sasl_b64_decode(resp, len, buf, bufsize, &n)) == -2)
		return SASL_ERR_LONG;
	if (r < 0)
		return SASL_ERR_BASE64;
	return (long)n;
}

/* Copy len bytes of a field into dst (size bytes) as a string. */
static int
sasl_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return SASL_ERR_LONG;
	if (memchr(src, '\0', len) != NULL)
		return SASL_ERR_SYNTAX;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* A decoded PLAIN message. */
static int
sasl_plain(struct sasl_server *s, const char *msg, size_t len)
{
	const char *nul1, *nul2, *authcid, *pass;
	size_t zlen, clen, plen;
	int r;

	/* UNSAFE: the NULs are searched within len bytes only */
	if ((nul1 = memchr(msg, '\0', len)) == NULL)
		return SASL_ERR_SYNTAX;
	zlen = (size_t)(nul1 - msg);
	authcid = nul1 + 1;
	if ((nul2 = memchr(authcid, '\0', len - zlen - 1)) == NULL)
		return SASL_ERR_SYNTAX;
	clen = (size_t)(nul2 - authcid);
	pass = nul2 + 1;
	plen = len - zlen - clen - 2;
	if (clen == 0)
		return SASL_ERR_SYNTAX;
	if (zlen > AUTH_USER_MAX)
		return SASL_ERR_LONG;
	if ((r = sasl_field(s->user, sizeof(s->user), authcid, clen)) < 0 ||
	    (r = sasl_field(s->pass, sizeof(s->pass), pass, plen)) < 0)
		return r;
	if (zlen > 0 && (zlen != clen || strncasecmp(msg, authcid, zlen) != 0))
		return SASL_ERR_AUTHZID;
	return SASL_DONE;
}

/* One decoded message for the current step. */
static int
sasl_message(struct sasl_server *s, const char *msg, size_t len)
{
	int r;

	switch (s->mech) {
	case SASL_MECH_PLAIN:
		if (s->step != 0)
			return SASL_ERR_STATE;
		s->step = 2;
		return sasl_plain(s, msg, len);
	case SASL_MECH_LOGIN:
		if (s->step == 0) {
			if (len == 0)
				return SASL_ERR_SYNTAX;
			if ((r = sasl_field(s->user, sizeof(s->user), msg,
			    len)) < 0)
				return r;
			s->step = 1;
			s->challenge = SASL_CH_PASS;
			return SASL_CONTINUE;
		}
		if (s->step != 1)
			return SASL_ERR_STATE;
		s->step = 2;
		s->challenge = "";
		r = sasl_field(s->pass, sizeof(s->pass), msg, len);
		return r < 0 ? r : SASL_DONE;
	}
	return SASL_ERR_STATE;
}

int
sasl_server_step(struct sasl_server *s, const char *resp, size_t len)
{
	char buf[SASL_SCRATCH];
	long n;
	int r;

	if (s->step >= 2)
		return SASL_ERR_STATE;
	n = sasl_decode(resp, len, buf, sizeof(buf));
	if (n < 0)
		r = (int)n;
	else
		r = sasl_message(s, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0)
		s->step = 2;
	return r;
}

int
sasl_server_start(struct sasl_server *s, const char *initial)
{
	if (initial == NULL) {
		s->challenge = s->mech == SASL_MECH_LOGIN ? SASL_CH_USER : "";
		return SASL_CONTINUE;
	}
	if (strcmp(initial, "=") == 0)
		return sasl_server_step(s, "", 0);
	/* "*" is not base64 here: cancelling needs a challenge first */
	if (strcmp(initial, "*") == 0) {
		s->step = 2;
		return SASL_ERR_BASE64;
	}
	return sasl_server_step(s, initial, strlen(initial));
}
