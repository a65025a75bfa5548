/*
 * NAME
 *	relay_mime - 8-bit content for a server without 8BITMIME: find it,
 *	and turn it into quoted-printable (RFC 6152 2, RFC 2045 6.7).
 *
 * DESCRIPTION
 *	Two passes over the content with one MIME walker. The scan pass
 *	(relay_mime_scan, before MAIL FROM) notes where 8-bit bytes are:
 *	in which leaf part's body, in a header, in a multipart preamble or
 *	epilogue. The convert pass (relay_mime_convert, during DATA, only
 *	for a server without 8BITMIME) writes the content again with every
 *	leaf part that has 8-bit bytes and is declared 7bit, 8bit or binary
 *	(or not declared) encoded as quoted-printable, its
 *	Content-Transfer-Encoding field replaced, and multipart and
 *	message containers declared 8bit or binary relabelled 7bit. A
 *	message without MIME structure is one text part: it gets
 *	MIME-Version and, when it has none, Content-Type text/plain;
 *	charset=unknown-8bit (RFC 1428), since its charset is unknown.
 *
 *	What cannot be converted (relay_mime_noconv): 8-bit bytes in a
 *	header (they would need RFC 2047 encoding, which changes what the
 *	sender wrote), in a preamble or epilogue, in a part already
 *	declared quoted-printable or base64, MIME nesting deeper than
 *	RELAY_MIME_DEPTH, more than RELAY_MIME_PARTS parts, a header block
 *	over RELAY_MIME_HEAD_MAX bytes. Such a message is returned to its
 *	sender (5.6.3) rather than sent with 8-bit bytes to a server that
 *	did not ask for them.
 *
 * SECURITY
 *	The content is hostile. Depth, part count and header block size
 *	are bounded; boundaries are compared as bytes with their length
 *	checked first; nothing is allocated per line beyond the header
 *	block being collected.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "relay.h"
#include "vbuf.h"
#include "xmalloc.h"

#define RELAY_MIME_DEPTH	16
#define RELAY_MIME_PARTS	4096
#define RELAY_MIME_HEAD_MAX	(256 * 1024)
#define RELAY_MIME_BOUNDARY	70	/* RFC 2046 5.1.1 */
#define RELAY_QP_LINE		76	/* RFC 2045 6.7 (5) */

enum relay_mime_kind { MIME_LEAF, MIME_MULTI, MIME_MESSAGE };
enum relay_mime_cte { CTE_NONE, CTE_7BIT, CTE_8BIT, CTE_BINARY, CTE_QP,
	CTE_B64, CTE_OTHER };

struct relay_mime_level {
	enum relay_mime_kind kind;
	enum relay_mime_cte cte;
	char		 boundary[RELAY_MIME_BOUNDARY + 1];
	size_t		 blen;
	int		 in_head;	/* collecting the header block */
	int		 convert;	/* this leaf becomes quoted-printable */
	size_t		 part;		/* leaf number */
};

struct relay_mime {
	int		 converting;
	relay_mime_emit_fn emit;
	void		*arg;
	struct relay_mime_level lv[RELAY_MIME_DEPTH];
	size_t		 depth;
	struct vbuf	*head;		/* the header block being collected */
	size_t		 nparts;
	unsigned char	*part8;		/* scan: leaf n has 8-bit bytes */
	int		 body8, head8;
	const char	*noconv;
	struct vbuf	*qp;
};

static int
relay_has8(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

static void
relay_mime_reset(struct relay_mime *m)
{
	memset(m->lv, 0, sizeof(m->lv));
	m->depth = 1;
	m->lv[0].in_head = 1;
	m->nparts = 0;
	vbuf_reset(m->head);
}

struct relay_mime *
relay_mime_new(void)
{
	struct relay_mime *m = xcalloc(1, sizeof(*m));

	m->head = vbuf_new(1024, RELAY_MIME_HEAD_MAX);
	m->qp = vbuf_new(256, VBUF_NOLIMIT);
	m->part8 = xcalloc(RELAY_MIME_PARTS, 1);
	relay_mime_reset(m);
	return m;
}

void
relay_mime_free(struct relay_mime **mp)
{
	if (*mp == NULL)
		return;
	vbuf_free(&(*mp)->head);
	vbuf_free(&(*mp)->qp);
	free((*mp)->part8);
	free(*mp);
	*mp = NULL;
}

void
relay_mime_convert(struct relay_mime *m, relay_mime_emit_fn emit, void *arg)
{
	m->converting = 1;
	m->emit = emit;
	m->arg = arg;
	relay_mime_reset(m);
}

const char *
relay_mime_noconv(const struct relay_mime *m)
{
	return m->noconv;
}

static void
relay_mime_cannot(struct relay_mime *m, const char *why)
{
	if (m->noconv == NULL)
		m->noconv = why;
}

static int
relay_emit(struct relay_mime *m, const char *line, size_t len)
{
	return m->converting ? m->emit(line, len, m->arg) : 0;
}

/* --- header fields ------------------------------------------------------ */

/* Does the field at p (a whole field, folded lines "\n" apart) have name? */
static int
relay_field_is(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && strncasecmp(p, name, n) == 0 && p[n] == ':';
}

/* The value of a field, unfolded into out (bounded), lower case. */
static void
relay_field_value(const char *p, size_t len, char *out, size_t outlen)
{
	const char *colon = memchr(p, ':', len);
	size_t i, n = 0;

	if (colon == NULL || outlen == 0) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	for (i = (size_t)(colon - p) + 1; i < len && n + 1 < outlen; i++) {
		char c = p[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* boundary= of a Content-Type value (case kept): 0, or -1. */
static int
relay_boundary(const char *p, size_t len, char *out, size_t *blen)
{
	char v[1024], *b, *e;
	size_t n;

	relay_field_value(p, len, v, sizeof(v));
	for (b = v; (b = strcasestr(b, "boundary")) != NULL; b += 8) {
		e = b + 8;
		while (*e == ' ')
			e++;
		if (*e != '=' || (b != v && strchr("; ", b[-1]) == NULL))
			continue;
		e++;
		while (*e == ' ')
			e++;
		if (*e == '"') {
			e++;
			n = strcspn(e, "\"");
		} else
			n = strcspn(e, "; ");
		if (n == 0 || n > RELAY_MIME_BOUNDARY)
			return -1;
		memcpy(out, e, n);
		out[n] = '\0';
		*blen = n;
		return 0;
	}
	return -1;
}

static enum relay_mime_cte
relay_cte(const char *v)
{
	if (strcasecmp(v, "7bit") == 0)
		return CTE_7BIT;
	if (strcasecmp(v, "8bit") == 0)
		return CTE_8BIT;
	if (strcasecmp(v, "binary") == 0)
		return CTE_BINARY;
	if (strcasecmp(v, "quoted-printable") == 0)
		return CTE_QP;
	if (strcasecmp(v, "base64") == 0)
		return CTE_B64;
	return CTE_OTHER;
}

/* Call fn for each field of the collected header block. */
static int
relay_fields(struct relay_mime *m,
    int (*fn)(struct relay_mime *, const char *, size_t, void *), void *arg)
{
	const char *p = vbuf_str(m->head), *end = p + vbuf_len(m->head), *q;

	while (p < end) {
		/* a field runs to a line that does not start with blank */
		for (q = p; (q = memchr(q, '\n', (size_t)(end - q))) != NULL &&
		    q + 1 < end && (q[1] == ' ' || q[1] == '\t'); q++)
			;
		if (q == NULL)
			q = end;
		if (fn(m, p, (size_t)(q - p), arg) < 0)
			return -1;
		p = q < end ? q + 1 : end;
	}
	return 0;
}

struct relay_head_facts {
	int		 has_type, has_version, is_top;
	char		 type[128];
	enum relay_mime_cte cte;
	char		 boundary[RELAY_MIME_BOUNDARY + 1];
	size_t		 blen;
};

static int
relay_head_scan(struct relay_mime *m, const char *p, size_t len, void *arg)
{
	struct relay_head_facts *f = arg;
	char v[256];

	(void)m;
	if (relay_field_is(p, len, "Content-Type")) {
		relay_field_value(p, len, v, sizeof(v));
		f->has_type = 1;
		strlcpy(f->type, v, strcspn(v, "; ") + 1 < sizeof(f->type) ?
		    strcspn(v, "; ") + 1 : sizeof(f->type));
		if (strncasecmp(f->type, "multipart/", 10) == 0 &&
		    relay_boundary(p, len, f->boundary, &f->blen) < 0)
			f->type[0] = '\0';	/* no boundary: a leaf */
	} else if (relay_field_is(p, len, "Content-Transfer-Encoding")) {
		relay_field_value(p, len, v, sizeof(v));
		f->cte = relay_cte(v);
	} else if (relay_field_is(p, len, "MIME-Version"))
		f->has_version = 1;
	return 0;
}

/* Emit text of lines "\n" apart, each as a line. */
static int
relay_emit_lines(struct relay_mime *m, const char *p, size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) : len;
		if (relay_emit(m, p, n) < 0)
			return -1;
		if (nl == NULL)
			break;
		p = nl + 1;
		len -= n + 1;
	}
	return 0;
}

/* Emit one field (its lines), except a Content-Transfer-Encoding. */
static int
relay_head_emit(struct relay_mime *m, const char *p, size_t len, void *arg)
{
	(void)arg;
	if (relay_field_is(p, len, "Content-Transfer-Encoding"))
		return 0;
	return relay_emit_lines(m, p, len);
}

/* The end of a header block: what the part is, and the block out. */
static int
relay_head_end(struct relay_mime *m)
{
	struct relay_mime_level *l = &m->lv[m->depth - 1];
	struct relay_head_facts f;
	const char *cte = NULL;
	int top = m->depth == 1, converting;

	memset(&f, 0, sizeof(f));
	(void)relay_fields(m, relay_head_scan, &f);
	l->in_head = 0;
	l->cte = f.cte;
	if (strncasecmp(f.type, "multipart/", 10) == 0) {
		l->kind = MIME_MULTI;
		memcpy(l->boundary, f.boundary, sizeof(l->boundary));
		l->blen = f.blen;
	} else if (strcasecmp(f.type, "message/rfc822") == 0 ||
	    strcasecmp(f.type, "message/global") == 0)
		l->kind = MIME_MESSAGE;
	else {
		l->kind = MIME_LEAF;
		if (m->nparts >= RELAY_MIME_PARTS)
			relay_mime_cannot(m, "too many MIME parts");
		l->part = m->nparts < RELAY_MIME_PARTS ? m->nparts : 0;
		m->nparts++;
		l->convert = m->converting && m->part8[l->part] &&
		    (f.cte == CTE_NONE || f.cte == CTE_7BIT ||
		    f.cte == CTE_8BIT || f.cte == CTE_BINARY);
	}
	if (!m->converting) {
		vbuf_reset(m->head);
		return 0;
	}
	/* the block out, with the encoding it now has */
	converting = l->kind == MIME_LEAF ? l->convert :
	    f.cte == CTE_8BIT || f.cte == CTE_BINARY;
	if (converting)
		cte = l->kind == MIME_LEAF ? "quoted-printable" : "7bit";
	if ((cte != NULL ? relay_fields(m, relay_head_emit, NULL) :
	    relay_emit_lines(m, vbuf_str(m->head), vbuf_len(m->head))) < 0)
		goto fail;
	if (cte != NULL && top && !f.has_version &&
	    m->emit("MIME-Version: 1.0", 17, m->arg) < 0)
		goto fail;
	if (cte != NULL && top && !f.has_type &&
	    m->emit("Content-Type: text/plain; charset=unknown-8bit", 46,
	    m->arg) < 0)
		goto fail;
	if (cte != NULL) {
		vbuf_reset(m->qp);
		vbuf_appendf(m->qp, "Content-Transfer-Encoding: %s", cte);
		if (m->emit(vbuf_str(m->qp), vbuf_len(m->qp), m->arg) < 0)
			goto fail;
	}
	vbuf_reset(m->head);
	return 0;
fail:
	vbuf_reset(m->head);
	return -1;
}

/* --- quoted-printable ----------------------------------------------------- */

void
relay_mime_qp(const char *line, size_t len, struct vbuf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0, n;
	unsigned char c;
	char enc[4];

	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && i + 1 < len)) {
			enc[0] = (char)c;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			n = 3;
		}
		if (col + n > RELAY_QP_LINE - 1) {
			vbuf_append(out, "=\n", 2);
			col = 0;
		}
		vbuf_append(out, enc, n);
		col += n;
	}
}

/* One line of a part body as quoted-printable output lines. */
static int
relay_qp_line(struct relay_mime *m, const char *p, size_t len)
{
	if (len == 0)
		return relay_emit(m, "", 0);
	vbuf_reset(m->qp);
	relay_mime_qp(p, len, m->qp);
	return relay_emit_lines(m, vbuf_str(m->qp), vbuf_len(m->qp));
}

/* --- the walker ------------------------------------------------------------ */

/* A boundary line of an open multipart: its level, or -1; *close_r. */
static int
relay_boundary_line(const struct relay_mime *m, const char *p, size_t len,
    int *close_r)
{
	size_t i, n;
	const struct relay_mime_level *l;

	if (len < 3 || p[0] != '-' || p[1] != '-')
		return -1;
	for (i = m->depth; i-- > 0;) {
		l = &m->lv[i];
		if (l->kind != MIME_MULTI || l->in_head || len < 2 + l->blen ||
		    memcmp(p + 2, l->boundary, l->blen) != 0)
			continue;
		n = 2 + l->blen;
		*close_r = len >= n + 2 && p[n] == '-' && p[n + 1] == '-';
		if (*close_r)
			n += 2;
		/* transport padding: trailing white space only */
		for (; n < len; n++)
			if (p[n] != ' ' && p[n] != '\t')
				break;
		if (n == len)
			return (int)i;
	}
	return -1;
}

static void
relay_push(struct relay_mime *m)
{
	if (m->depth >= RELAY_MIME_DEPTH) {
		relay_mime_cannot(m, "MIME nesting too deep to convert");
		/* stay at this level: the rest is body text */
		return;
	}
	memset(&m->lv[m->depth], 0, sizeof(m->lv[0]));
	m->lv[m->depth].in_head = 1;
	m->depth++;
}

int
relay_mime_line(struct relay_mime *m, const char *line, size_t len)
{
	struct relay_mime_level *l = &m->lv[m->depth - 1];
	int lev, close;

	if (l->in_head) {
		if (len > 0) {
			if (relay_has8(line, len)) {
				m->head8 = 1;
				relay_mime_cannot(m, "8-bit data in a header");
			}
			if ((vbuf_len(m->head) > 0 &&
			    vbuf_appendc(m->head, '\n') < 0) ||
			    vbuf_append(m->head, line, len) < 0) {
				relay_mime_cannot(m, "MIME header block too "
				    "long to convert");
				/* give up structure: the rest is body */
				if (relay_head_end(m) < 0)
					return -1;
				return relay_emit(m, line, len);
			}
			return 0;
		}
		if (relay_head_end(m) < 0 || relay_emit(m, "", 0) < 0)
			return -1;
		if (l->kind == MIME_MESSAGE)
			relay_push(m);
		return 0;
	}
	if ((lev = relay_boundary_line(m, line, len, &close)) >= 0) {
		m->depth = (size_t)lev + 1;
		if (!close)
			relay_push(m);
		return relay_emit(m, line, len);
	}
	if (relay_has8(line, len)) {
		m->body8 = 1;
		if (l->kind == MIME_LEAF) {
			m->part8[l->part] = 1;
			if (l->cte == CTE_QP || l->cte == CTE_B64 ||
			    l->cte == CTE_OTHER)
				relay_mime_cannot(m, "8-bit data in a part "
				    "declared quoted-printable, base64 or "
				    "unknown");
		} else
			relay_mime_cannot(m, "8-bit data in a MIME preamble "
			    "or epilogue");
	}
	if (m->converting && l->kind == MIME_LEAF && l->convert)
		return relay_qp_line(m, line, len);
	return relay_emit(m, line, len);
}

int
relay_mime_end(struct relay_mime *m)
{
	/* a header block without its end: the whole message is header */
	if (m->lv[m->depth - 1].in_head && vbuf_len(m->head) > 0)
		return relay_head_end(m);
	return 0;
}

/* RFC 6531: what needs SMTPUTF8 when the sender asked for it. */
static void
relay_mime_utf8(const struct deliver_req *req, struct relay_msg *msg)
{
	size_t i;

	if (!req->smtputf8)
		return;
	msg->utf8 = msg->head8 || relay_has8(req->sender, strlen(req->sender));
	for (i = 0; i < req->count && !msg->utf8; i++)
		msg->utf8 = relay_has8(req->rcpts[i].addr,
		    strlen(req->rcpts[i].addr));
}

/* Any 8-bit byte in the content at all? 1, 0, or -1 with errno. */
static int
relay_mime_any8(const struct deliver_req *req)
{
	struct relay_reader *r = relay_reader_new(req);
	const char *line;
	size_t len;
	int n, eol, found = 0;

	while (!found && (n = relay_reader_line(r, &line, &len, &eol)) > 0)
		found = relay_has8(line, len);
	relay_reader_free(&r);
	return found ? 1 : n < 0 ? -1 : 0;
}

int
relay_mime_scan(const struct deliver_req *req, struct relay_msg *msg,
    struct relay_mime **mp)
{
	struct relay_mime *m;
	struct relay_reader *r;
	const char *line;
	size_t len;
	int n, eol;

	memset(msg, 0, sizeof(msg[0]));
	*mp = NULL;
	/* most mail is 7-bit: then there is nothing to walk */
	if ((n = relay_mime_any8(req)) <= 0) {
		if (n == 0)
			relay_mime_utf8(req, msg);
		return n;
	}
	m = relay_mime_new();
	r = relay_reader_new(req);
	while ((n = relay_reader_line(r, &line, &len, &eol)) > 0)
		(void)relay_mime_line(m, line, len);
	relay_reader_free(&r);
	if (n < 0) {
		relay_mime_free(&m);
		return -1;
	}
	(void)relay_mime_end(m);
	msg->body8 = m->body8;
	msg->head8 = m->head8;
	msg->noconv = m->noconv;
	relay_mime_utf8(req, msg);
	*mp = m;
	return 0;
}
