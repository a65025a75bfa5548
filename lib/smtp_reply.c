/*
 * NAME
 *	smtp_reply - reading SMTP replies; see smtp_reply.h.
 *
 * SECURITY
 *	Every line is bounded by the stream, every reply by
 *	SMTP_REPLY_LINES and SMTP_REPLY_TEXT_MAX; nothing is interpreted
 *	beyond the code and the enhanced status code.
 */
#include "config.h"

#include <string.h>

#include "printable.h"
#include "smtp_reply.h"
#include "stream.h"
#include "vbuf.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->text = vbuf_new(256, SMTP_REPLY_TEXT_MAX);
}

void
smtp_reply_free(struct smtp_reply *r)
{
	vbuf_free(&r->text);
}

static int
smtp_reply_digit(char c, char lo, char hi)
{
	return c >= lo && c <= hi;
}

int
smtp_reply_line(const char *line, size_t len, int *code_r, int *last_r)
{
	if (len < 3 || !smtp_reply_digit(line[0], '2', '5') ||
	    !smtp_reply_digit(line[1], '0', '9') ||
	    !smtp_reply_digit(line[2], '0', '9') ||
	    (len > 3 && line[3] != ' ' && line[3] != '-'))
		return -1;
	*code_r = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
	    (line[2] - '0');
	*last_r = len == 3 || line[3] == ' ';
	return 0;
}

int
smtp_reply_dsn(const char *text, int cls, char *dsn)
{
	size_t n, i, part;
	const char *p = text;

	if (p[0] != cls || p[1] != '.')
		return -1;
	p += 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; n < 4 && p[n] >= '0' && p[n] <= '9'; n++)
			;
		if (n < 1 || n > 3 || (part == 0 && p[n] != '.') ||
		    (part == 1 && p[n] != '\0' && p[n] != ' ' &&
		    p[n] != '\n'))
			return -1;
		p += n + (part == 0);
	}
	n = (size_t)(p - text);
	if (n >= DSN_STATUS_SIZE)
		return -1;
	for (i = 0; i < n; i++)
		dsn[i] = text[i];
	dsn[n] = '\0';
	return dsn_status_valid(dsn) ? 0 : -1;
}

static int
smtp_reply_fail(struct smtp_reply *r, int how, const char *why)
{
	vbuf_reset(r->text);
	(void)vbuf_appends(r->text, why);
	r->code = how;
	r->dsn[0] = '\0';
	return how;
}

int
smtp_reply_read(struct stream *s, struct smtp_reply *r)
{
	struct span line;
	ssize_t n;
	int code, last, first = 0;

	vbuf_reset(r->text);
	r->nlines = 0;
	r->dsn[0] = '\0';
	r->code = 0;
	for (;;) {
		n = stream_read_line(s, &line);
		if (n == -2)
			return smtp_reply_fail(r, SMTP_REPLY_BAD,
			    "reply line too long");
		if (n <= 0)
			return smtp_reply_fail(r, SMTP_REPLY_LOST,
			    stream_strerror(s));
		if (smtp_reply_line(line.ptr, line.len, &code, &last) < 0)
			return smtp_reply_fail(r, SMTP_REPLY_BAD,
			    "malformed reply line");
		if (r->nlines > 0 && code != first)
			return smtp_reply_fail(r, SMTP_REPLY_BAD,
			    "reply code changes within a reply");
		if (r->nlines >= SMTP_REPLY_LINES ||
		    (r->nlines > 0 && vbuf_appendc(r->text, '\n') < 0) ||
		    vbuf_append(r->text, line.ptr, line.len) < 0)
			return smtp_reply_fail(r, SMTP_REPLY_BAD,
			    "reply too long");
		if (r->nlines++ == 0) {
			first = code;
			if (line.len > 4 && smtp_reply_dsn(line.ptr + 4,
			    line.ptr[0], r->dsn) < 0)
				r->dsn[0] = '\0';
		}
		if (last) {
			r->code = code;
			return code;
		}
	}
}

void
smtp_reply_oneline(const struct smtp_reply *r, struct vbuf *out, size_t max)
{
	const char *p = vbuf_str(r->text), *nl;
	size_t n = vbuf_len(r->text), len;

	vbuf_reset(out);
	if (n > max)
		n = max;
	while (n > 0) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		if (printable_append(out, p, len, 0) < 0)
			return;
		if (nl == NULL)
			break;
		(void)vbuf_appendc(out, ' ');
		p = nl + 1;
		n -= len + 1;
	}
}
