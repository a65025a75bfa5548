/*
 * ipc - length-prefixed attribute records between Postern processes.
 *
 * DESCRIPTION
 *	See ipc.h for the wire format and the API. A built record keeps
 *	its complete frame in one vbuf (4 length bytes, then the payload),
 *	with the length rewritten after every add, so sending is one write.
 *	A received frame is decoded in two passes: the first walks the
 *	payload and validates its structure (names, value lengths) without
 *	allocating; the second copies names and values into one block,
 *	each NUL-terminated, and builds the attribute table the getters
 *	walk in order.
 *
 * SECURITY
 *	Peers are untrusted. Lengths are checked against what is actually
 *	there before they are used, a frame length against the channel's
 *	maximum before any allocation; text taken from a peer is cleaned
 *	(lib/printable) before it goes into an error message.
 *
 * UNSAFE: the decoder walks the payload with byte offsets; every read is
 * preceded by a check against the bytes remaining.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "ipc.h"
#include "log.h"
#include "monotime.h"
#include "printable.h"
#include "vbuf.h"
#include "xmalloc.h"

#define IPC_HDR		4	/* frame length bytes */
#define IPC_CLEAN_MAX	40	/* peer text quoted in an error, bytes */
#define IPC_CLEAN	(PRINTABLE_NOQUOTE | PRINTABLE_ELLIPSIS)

struct ipc_attr {
	const char	*name;
	const char	*value;		/* NUL-terminated beyond len */
	size_t		 len;
};

struct ipc_rec {
	struct vbuf	*frame;		/* built: header and payload */
	int		 failed;	/* built: an add passed the limit */
	char		*store;		/* received: names and values */
	struct ipc_attr	*attrs;		/* received: in frame order */
	size_t		 nattrs;
	size_t		 next;		/* next attribute for a getter */
	char		 err[IPC_ERR_MAX];
};

static void	ipc_chan_err(struct ipc_chan *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	ipc_rec_err(struct ipc_rec *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static uint32_t
ipc_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
ipc_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int
ipc_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > IPC_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static size_t
ipc_chan_max(const struct ipc_chan *ch)
{
	return ch->max > IPC_MAX_LIMIT ? IPC_MAX_LIMIT : ch->max;
}

static void
ipc_chan_err(struct ipc_chan *ch, int proto, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->err, sizeof(ch->err), fmt, ap);
	va_end(ap);
	ch->err_proto = proto;
}

/* Record a getter failure unless one is already there; returns -1. */
static int
ipc_rec_err(struct ipc_rec *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

void
ipc_chan_init(struct ipc_chan *ch, int fd, const char *peer)
{
	memset(ch, 0, sizeof(*ch));
	ch->fd = fd;
	ch->max = IPC_MAX_DEFAULT;
	ch->timeout_ms = IPC_TIMEOUT_DEFAULT;
	strlcpy(ch->peer, peer != NULL ? peer : "peer", sizeof(ch->peer));
}

void
ipc_log_error(const struct ipc_chan *ch)
{
	if (ch->err_proto)
		log_warn("protocol error from %s: %s", ch->peer, ch->err);
	else
		log_warn("error talking to %s: %s", ch->peer, ch->err);
}

void
ipc_log_rec_error(const struct ipc_chan *ch, const struct ipc_rec *r)
{
	log_warn("protocol error from %s: %s", ch->peer,
	    r->err[0] != '\0' ? r->err : "malformed record");
}

/* --- building ---------------------------------------------------------- */

struct ipc_rec *
ipc_rec_new(void)
{
	struct ipc_rec *r = xcalloc(1, sizeof(*r));
	static const unsigned char zero[IPC_HDR];

	r->frame = vbuf_new(256, IPC_HDR + IPC_MAX_LIMIT);
	vbuf_append(r->frame, zero, sizeof(zero));
	return r;
}

void
ipc_rec_free(struct ipc_rec **rp)
{
	struct ipc_rec *r = *rp;

	if (r == NULL)
		return;
	vbuf_free(&r->frame);
	free(r->store);
	free(r->attrs);
	free(r);
	*rp = NULL;
}

void
ipc_rec_wipe(struct ipc_rec **rp)
{
	struct ipc_rec *r = *rp;
	size_t i;

	if (r == NULL)
		return;
	if (r->frame != NULL)
		explicit_bzero(r->frame->data, r->frame->cap);
	for (i = 0; i < r->nattrs; i++)
		/* UNSAFE: each value lies in store, NUL-terminated at len */
		explicit_bzero((char *)(uintptr_t)r->attrs[i].value,
		    r->attrs[i].len);
	ipc_rec_free(rp);
}

int
ipc_add_data(struct ipc_rec *r, const char *name, const void *value,
    size_t len)
{
	unsigned char vlen[4];
	size_t namelen = strlen(name);

	if (r->frame == NULL)
		log_panic("ipc_add_data: \"%s\" added to a received record",
		    name);
	if (!ipc_name_ok(name, namelen))
		log_panic("ipc_add_data: bad attribute name \"%s\"", name);
	if (r->failed)
		return -1;
	/* the whole attribute or nothing: reserve first */
	if (len > IPC_MAX_LIMIT ||
	    vbuf_reserve(r->frame, namelen + 1 + sizeof(vlen) + len) < 0) {
		r->failed = 1;
		return -1;
	}
	ipc_put32(vlen, (uint32_t)len);
	vbuf_append(r->frame, name, namelen + 1);
	vbuf_append(r->frame, vlen, sizeof(vlen));
	vbuf_append(r->frame, value, len);
	/* UNSAFE: the header at the front of the frame */
	ipc_put32((unsigned char *)r->frame->data,
	    (uint32_t)(vbuf_len(r->frame) - IPC_HDR));
	return 0;
}

int
ipc_add_str(struct ipc_rec *r, const char *name, const char *value)
{
	return ipc_add_data(r, name, value, strlen(value));
}

int
ipc_add_uint(struct ipc_rec *r, const char *name, uint64_t value)
{
	char buf[24];
	int n;

	n = snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return ipc_add_data(r, name, buf, (size_t)n);
}

int
ipc_add_int(struct ipc_rec *r, const char *name, int64_t value)
{
	char buf[24];
	int n;

	n = snprintf(buf, sizeof(buf), "%" PRId64, value);
	return ipc_add_data(r, name, buf, (size_t)n);
}

int
ipc_add_bool(struct ipc_rec *r, const char *name, int value)
{
	return ipc_add_data(r, name, value ? "1" : "0", 1);
}

const void *
ipc_rec_frame(const struct ipc_rec *r, size_t *len_r)
{
	*len_r = 0;
	if (r->frame == NULL || r->failed)
		return NULL;
	*len_r = vbuf_len(r->frame);
	return vbuf_str(r->frame);
}

/* --- decoding ---------------------------------------------------------- */

/*
 * Decode a payload of len bytes into a new record: 0, or -1 with the
 * reason in ch->err. Pass 1 validates and counts, pass 2 copies.
 */
static int
ipc_decode(struct ipc_chan *ch, const unsigned char *p, size_t len,
    struct ipc_rec **rec_r)
{
	char clean[IPC_CLEAN_MAX + 4];
	struct ipc_rec *r;
	const unsigned char *nul;
	size_t pos, namelen, n, i, room;
	uint32_t vlen;
	char *s;

	*rec_r = NULL;
	for (pos = 0, n = 0; pos < len; n++) {
		room = len - pos;
		if (room > IPC_NAME_MAX + 1)
			room = IPC_NAME_MAX + 1;
		/* UNSAFE: pos < len, room bytes remain */
		if ((nul = memchr(p + pos, '\0', room)) == NULL) {
			ipc_chan_err(ch, 1, "attribute %zu: name %s", n + 1,
			    room > IPC_NAME_MAX ? "longer than 32 bytes" :
			    "truncated");
			return -1;
		}
		namelen = (size_t)(nul - (p + pos));
		if (!ipc_name_ok((const char *)p + pos, namelen)) {
			ipc_chan_err(ch, 1, "attribute %zu: bad name \"%s\"",
			    n + 1, printable_copy(clean, sizeof(clean),
			    (const char *)p + pos, namelen, IPC_CLEAN));
			return -1;
		}
		pos += namelen + 1;
		if (len - pos < 4) {
			ipc_chan_err(ch, 1, "attribute \"%s\": value length "
			    "truncated", (const char *)p + pos - namelen - 1);
			return -1;
		}
		vlen = ipc_get32(p + pos);
		pos += 4;
		if (vlen > len - pos) {
			ipc_chan_err(ch, 1, "attribute \"%s\": value length %"
			    PRIu32 " exceeds the %zu bytes left in the frame",
			    (const char *)p + pos - 4 - namelen - 1, vlen,
			    len - pos);
			return -1;
		}
		pos += vlen;
	}

	/* each attribute shrinks by 3 bytes: 4 length bytes become a NUL */
	r = xcalloc(1, sizeof(*r));
	r->store = xmalloc(len + 1);
	r->attrs = xcalloc(n, sizeof(*r->attrs));
	r->nattrs = n;
	s = r->store;
	for (pos = 0, i = 0; i < n; i++) {
		namelen = strlen((const char *)p + pos);
		memcpy(s, p + pos, namelen + 1);
		r->attrs[i].name = s;
		s += namelen + 1;
		pos += namelen + 1;
		vlen = ipc_get32(p + pos);
		pos += 4;
		memcpy(s, p + pos, vlen);
		s[vlen] = '\0';
		r->attrs[i].value = s;
		r->attrs[i].len = vlen;
		s += vlen + 1;
		pos += vlen;
	}
	*rec_r = r;
	return 0;
}

int
ipc_parse(struct ipc_chan *ch, const void *buf, size_t len,
    struct ipc_rec **rec_r, size_t *used_r)
{
	const unsigned char *p = buf;
	uint32_t plen;

	*rec_r = NULL;
	*used_r = 0;
	if (len < IPC_HDR)
		return 0;
	plen = ipc_get32(p);
	if (plen > ipc_chan_max(ch)) {
		ipc_chan_err(ch, 1, "frame length %" PRIu32 " over the limit "
		    "of %zu bytes", plen, ipc_chan_max(ch));
		return -1;
	}
	if (len - IPC_HDR < plen)
		return 0;
	/* UNSAFE: the payload follows the header; plen bytes are there */
	if (ipc_decode(ch, p + IPC_HDR, plen, rec_r) < 0)
		return -1;
	*used_r = IPC_HDR + plen;
	return 1;
}

/* --- sending and receiving ------------------------------------------- */

static int
ipc_send_common(struct ipc_chan *ch, const struct ipc_rec *r, int fd)
{
	const void *frame;
	size_t len;

	if ((frame = ipc_rec_frame(r, &len)) == NULL) {
		ipc_chan_err(ch, 0, "record too large to build (over %d "
		    "bytes)", IPC_MAX_LIMIT);
		return -1;
	}
	if (len - IPC_HDR > ipc_chan_max(ch)) {
		ipc_chan_err(ch, 0, "record of %zu bytes over the limit of "
		    "%zu bytes", len - IPC_HDR, ipc_chan_max(ch));
		return -1;
	}
	if (fdpass_send(ch->fd, frame, len, fd, ch->timeout_ms) < 0) {
		if (errno == ETIMEDOUT)
			ipc_chan_err(ch, 0, "timed out sending a record");
		else
			ipc_chan_err(ch, 0, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
ipc_send(struct ipc_chan *ch, const struct ipc_rec *r)
{
	return ipc_send_common(ch, r, -1);
}

int
ipc_send_fd(struct ipc_chan *ch, const struct ipc_rec *r, int fd)
{
	if (fd < 0) {
		ipc_chan_err(ch, 0, "no descriptor to send");
		return -1;
	}
	return ipc_send_common(ch, r, fd);
}

static void
ipc_recv_errno(struct ipc_chan *ch)
{
	if (errno == ETIMEDOUT)
		ipc_chan_err(ch, 0, "timed out waiting for a record");
	else if (errno == EPROTO)
		ipc_chan_err(ch, 1, "more than one descriptor with a frame");
	else
		ipc_chan_err(ch, 0, "receive: %s", strerror(errno));
}

/* Receive one frame; fd_r NULL: refuse a descriptor. */
static int
ipc_recv_common(struct ipc_chan *ch, struct ipc_rec **rec_r, int *fd_r)
{
	unsigned char hdr[IPC_HDR], *payload = NULL;
	long long start = monotime_ms(), left;
	int fd = -1, timeout = ch->timeout_ms;
	uint32_t plen;
	ssize_t n;

	*rec_r = NULL;
	if (fd_r != NULL)
		*fd_r = -1;
	if ((n = fdpass_recv(ch->fd, hdr, sizeof(hdr), &fd, timeout)) < 0) {
		ipc_recv_errno(ch);
		goto fail;
	}
	if (n == 0)
		return 0;
	if ((size_t)n < sizeof(hdr)) {
		ipc_chan_err(ch, 1, "connection closed in mid-frame (%zd of "
		    "4 length bytes)", n);
		goto fail;
	}
	plen = ipc_get32(hdr);
	if (plen > ipc_chan_max(ch)) {
		ipc_chan_err(ch, 1, "frame length %" PRIu32 " over the limit "
		    "of %zu bytes", plen, ipc_chan_max(ch));
		goto fail;
	}
	if (timeout >= 0) {
		left = timeout - (monotime_ms() - start);
		timeout = left < 0 ? 0 : (int)left;
	}
	payload = xmalloc(plen);
	if ((n = fdpass_recv(ch->fd, payload, plen, &fd, timeout)) < 0) {
		ipc_recv_errno(ch);
		goto fail;
	}
	if ((size_t)n < plen) {
		ipc_chan_err(ch, 1, "connection closed in mid-frame (%zd of "
		    "%" PRIu32 " payload bytes)", n, plen);
		goto fail;
	}
	if (fd >= 0 && fd_r == NULL) {
		ipc_chan_err(ch, 1, "unexpected descriptor with a frame");
		goto fail;
	}
	if (ipc_decode(ch, payload, plen, rec_r) < 0)
		goto fail;
	free(payload);
	if (fd_r != NULL)
		*fd_r = fd;
	return 1;
fail:
	free(payload);
	if (fd >= 0)
		close(fd);
	return -1;
}

int
ipc_recv(struct ipc_chan *ch, struct ipc_rec **rec_r)
{
	return ipc_recv_common(ch, rec_r, NULL);
}

int
ipc_recv_fd(struct ipc_chan *ch, struct ipc_rec **rec_r, int *fd_r)
{
	return ipc_recv_common(ch, rec_r, fd_r);
}

/* --- getters ----------------------------------------------------------- */

/* The next attribute, which must be called name; NULL after an error. */
static const struct ipc_attr *
ipc_take(struct ipc_rec *r, const char *name)
{
	const struct ipc_attr *a;

	if (r->err[0] != '\0')
		return NULL;
	if (r->next >= r->nattrs) {
		ipc_rec_err(r, "missing attribute \"%s\"", name);
		return NULL;
	}
	a = &r->attrs[r->next];
	if (strcmp(a->name, name) != 0) {
		/* a->name was validated when the frame was decoded */
		ipc_rec_err(r, "expected attribute \"%s\", got \"%s\"", name,
		    a->name);
		return NULL;
	}
	r->next++;
	return a;
}

int
ipc_get_data(struct ipc_rec *r, const char *name, const void **value_r,
    size_t *len_r)
{
	const struct ipc_attr *a;

	if ((a = ipc_take(r, name)) == NULL)
		return -1;
	*value_r = a->value;
	*len_r = a->len;
	return 0;
}

int
ipc_get_strn(struct ipc_rec *r, const char *name, size_t maxlen,
    const char **value_r)
{
	const struct ipc_attr *a;

	if ((a = ipc_take(r, name)) == NULL)
		return -1;
	if (memchr(a->value, '\0', a->len) != NULL)
		return ipc_rec_err(r, "attribute \"%s\": NUL byte in a string",
		    name);
	if (a->len > maxlen)
		return ipc_rec_err(r, "attribute \"%s\": %zu bytes, longer "
		    "than %zu", name, a->len, maxlen);
	*value_r = a->value;
	return 0;
}

int
ipc_get_str(struct ipc_rec *r, const char *name, const char **value_r)
{
	return ipc_get_strn(r, name, SIZE_MAX, value_r);
}

/*
 * Canonical unsigned decimal: "0" or [1-9][0-9]*, no sign, no space, no
 * overflow. 0 and the value, or -1.
 */
static int
ipc_decimal(const char *s, size_t len, uint64_t *v_r)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*v_r = v;
	return 0;
}

int
ipc_get_uint(struct ipc_rec *r, const char *name, uint64_t min, uint64_t max,
    uint64_t *value_r)
{
	char clean[IPC_CLEAN_MAX + 4];
	const struct ipc_attr *a;
	uint64_t v;

	if ((a = ipc_take(r, name)) == NULL)
		return -1;
	if (ipc_decimal(a->value, a->len, &v) < 0)
		return ipc_rec_err(r, "attribute \"%s\": \"%s\" is not an "
		    "unsigned number", name, printable_copy(clean,
		    sizeof(clean), a->value, a->len, IPC_CLEAN));
	if (v < min || v > max)
		return ipc_rec_err(r, "attribute \"%s\": %" PRIu64 " out of "
		    "range %" PRIu64 "..%" PRIu64, name, v, min, max);
	*value_r = v;
	return 0;
}

int
ipc_get_int(struct ipc_rec *r, const char *name, int64_t min, int64_t max,
    int64_t *value_r)
{
	char clean[IPC_CLEAN_MAX + 4];
	const struct ipc_attr *a;
	uint64_t mag;
	int64_t v;
	int neg;

	if ((a = ipc_take(r, name)) == NULL)
		return -1;
	neg = a->len > 0 && a->value[0] == '-';
	if (ipc_decimal(a->value + neg, a->len - (size_t)neg, &mag) < 0 ||
	    (neg && mag == 0) ||
	    mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return ipc_rec_err(r, "attribute \"%s\": \"%s\" is not a "
		    "number", name, printable_copy(clean, sizeof(clean),
		    a->value, a->len, IPC_CLEAN));
	if (!neg)
		v = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		v = INT64_MIN;
	else
		v = -(int64_t)mag;
	if (v < min || v > max)
		return ipc_rec_err(r, "attribute \"%s\": %" PRId64 " out of "
		    "range %" PRId64 "..%" PRId64, name, v, min, max);
	*value_r = v;
	return 0;
}

int
ipc_get_bool(struct ipc_rec *r, const char *name, int *value_r)
{
	char clean[IPC_CLEAN_MAX + 4];
	const struct ipc_attr *a;

	if ((a = ipc_take(r, name)) == NULL)
		return -1;
	if (a->len != 1 || (a->value[0] != '0' && a->value[0] != '1'))
		return ipc_rec_err(r, "attribute \"%s\": \"%s\" is not 0 or 1",
		    name, printable_copy(clean, sizeof(clean), a->value,
		    a->len, IPC_CLEAN));
	*value_r = a->value[0] == '1';
	return 0;
}

int
ipc_end(struct ipc_rec *r)
{
	size_t left;

	if (r->err[0] != '\0')
		return -1;
	if (r->next < r->nattrs) {
		left = r->nattrs - r->next - 1;
		if (left > 0)
			return ipc_rec_err(r, "unexpected attribute \"%s\" "
			    "and %zu more", r->attrs[r->next].name, left);
		return ipc_rec_err(r, "unexpected attribute \"%s\"",
		    r->attrs[r->next].name);
	}
	return 0;
}

const char *
ipc_next_name(const struct ipc_rec *r)
{
	if (r->err[0] != '\0' || r->next >= r->nattrs)
		return NULL;
	return r->attrs[r->next].name;
}

size_t
ipc_rec_count(const struct ipc_rec *r)
{
	return r->nattrs;
}

const char *
ipc_rec_error(const struct ipc_rec *r)
{
	return r->err;
}

/* --- protocol announcement -------------------------------------------- */

static int
ipc_proto_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 32)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

struct ipc_rec *
ipc_hello_new(const char *name, unsigned major, unsigned minor)
{
	struct ipc_rec *r;
	char buf[64];

	if (!ipc_proto_name_ok(name, strlen(name)))
		log_panic("ipc_hello_new: bad protocol name \"%s\"", name);
	snprintf(buf, sizeof(buf), "%s/%u.%u", name, major, minor);
	r = ipc_rec_new();
	ipc_add_str(r, "proto", buf);
	return r;
}

int
ipc_hello_send(struct ipc_chan *ch, const char *name, unsigned major,
    unsigned minor)
{
	struct ipc_rec *r = ipc_hello_new(name, major, minor);
	int ret;

	ret = ipc_send(ch, r);
	ipc_rec_free(&r);
	return ret;
}

/* A version number: canonical decimal that fits an unsigned int. */
static int
ipc_version(const char *s, size_t len, unsigned *v_r)
{
	uint64_t v;

	if (len > 9 || ipc_decimal(s, len, &v) < 0)
		return -1;
	*v_r = (unsigned)v;
	return 0;
}

int
ipc_hello_check(struct ipc_rec *r, const char *name, unsigned major,
    unsigned *minor_r)
{
	char clean[IPC_CLEAN_MAX + 4];
	const char *v, *slash, *dot;
	unsigned got_major, got_minor;

	if (ipc_get_strn(r, "proto", 80, &v) < 0 || ipc_end(r) < 0)
		return -1;
	if ((slash = strchr(v, '/')) == NULL ||
	    (dot = strchr(slash, '.')) == NULL ||
	    !ipc_proto_name_ok(v, (size_t)(slash - v)) ||
	    ipc_version(slash + 1, (size_t)(dot - slash - 1), &got_major) < 0 ||
	    ipc_version(dot + 1, strlen(dot + 1), &got_minor) < 0)
		return ipc_rec_err(r, "bad protocol announcement \"%s\"",
		    printable_copy(clean, sizeof(clean), v, strlen(v),
		    IPC_CLEAN));
	if (strlen(name) != (size_t)(slash - v) ||
	    strncmp(v, name, (size_t)(slash - v)) != 0 || got_major != major)
		return ipc_rec_err(r, "wrong protocol: expected %s/%u.x, got "
		    "%s", name, major, v);
	if (minor_r != NULL)
		*minor_r = got_minor;
	return 0;
}

int
ipc_hello_recv(struct ipc_chan *ch, const char *name, unsigned major,
    unsigned *minor_r)
{
	struct ipc_rec *r;
	int n;

	if ((n = ipc_recv(ch, &r)) < 0)
		return -1;
	if (n == 0) {
		ipc_chan_err(ch, 0, "connection closed before the protocol "
		    "announcement");
		return -1;
	}
	if (ipc_hello_check(r, name, major, minor_r) < 0) {
		ipc_chan_err(ch, 1, "%s", ipc_rec_error(r));
		ipc_rec_free(&r);
		return -1;
	}
	ipc_rec_free(&r);
	return 0;
}
