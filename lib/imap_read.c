/*
 * imap_read - one command from the client's stream; see imap_read.h.
 *
 * UNSAFE: pointer arithmetic over the lines the stream returns,
 * bounded by their lengths.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "imap_parser.h"
#include "imap_read.h"
#include "stream.h"
#include "vbuf.h"

#define NAME_MAX_LEN	64

int
imap_tag_valid(const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '(' || c == ')' ||
		    c == '{' || c == '%' || c == '*' || c == '"' ||
		    c == '\\' || c == '+')
			return 0;
	}
	return 1;
}

static int
name_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * Does the line end with a literal announcement? Used while a refused
 * command's rest is skipped, where the tokenizer is not run.
 */
static int
line_literal(const char *s, size_t len, uint64_t *size_r, int *nonsync_r)
{
	size_t open, end;

	if (len < 3 || s[len - 1] != '}')
		return 0;
	end = len - 1;
	*nonsync_r = s[end - 1] == '+';
	if (*nonsync_r)
		end--;
	for (open = end; open > 0 && s[open - 1] >= '0' && s[open - 1] <= '9';
	    open--)
		;
	if (open == 0 || s[open - 1] != '{')
		return 0;
	return imap_parse_number64(s + open, end - open, size_r);
}

/* Read and drop size bytes; -1 when the client went away. */
static int
discard(struct stream *s, uint64_t size)
{
	char buf[16384];
	ssize_t n;

	while (size > 0) {
		n = stream_read(s, buf, size < sizeof(buf) ? size : sizeof(buf));
		if (n <= 0)
			return -1;
		size -= (uint64_t)n;
	}
	return 0;
}

/* Pass a literal to the hook piece by piece; -1 when the client left. */
static int
stream_literal(struct imap_reader *r, uint64_t size)
{
	const struct imap_lit_hook *h = r->hook;
	char buf[IMAP_READ_CHUNK];
	int storing = 1;
	ssize_t n;

	while (size > 0) {
		n = stream_read(r->stream, buf,
		    size < sizeof(buf) ? size : sizeof(buf));
		if (n <= 0) {
			h->end(h->ctx, 0);
			return -1;
		}
		size -= (uint64_t)n;
		if (storing && h->write(h->ctx, buf, (size_t)n) < 0)
			storing = 0;	/* read the rest, keep nothing */
	}
	h->end(h->ctx, storing);
	return 0;
}

/*
 * A refused literal that the client sends anyway: drop it and the
 * rest of its command.
 */
static enum imap_read_result
skip_refused(struct imap_reader *r, uint64_t size)
{
	struct span line;
	ssize_t n;
	int nonsync;

	for (;;) {
		if (size > r->discard_max)
			return IMAP_READ_CLOSE;
		if (discard(r->stream, size) < 0)
			return IMAP_READ_EOF;
		if ((n = stream_read_line(r->stream, &line)) == -1)
			return IMAP_READ_EOF;
		if (n == -2)
			return IMAP_READ_CLOSE;
		if (!line_literal(line.ptr, line.len, &size, &nonsync))
			return IMAP_READ_REFUSED;
		if (!nonsync)
			return IMAP_READ_REFUSED;	/* it waits for "+" */
	}
}

static int
send_continuation(struct stream *s)
{
	return stream_puts(s, "+ OK\r\n") < 0 || stream_flush(s) < 0 ? -1 : 0;
}

/* The literal announced last: read it as the hook says. */
static enum imap_read_result
literal(struct imap_reader *r, struct imap_cmd *cmd, struct vbuf *buf,
    const char **resp_r)
{
	struct imap_parser *p = r->parser;
	enum imap_lit_action act = IMAP_LIT_MEMORY;
	const char *resp = NULL;

	cmd->args = imap_parser_args(p);
	cmd->argc = imap_parser_argc(p);
	cmd->depth = imap_parser_depth(p);
	if (r->hook != NULL)
		act = r->hook->begin(r->hook->ctx, cmd, p->lit_size,
		    p->lit_binary, &resp);
	switch (act) {
	case IMAP_LIT_REFUSE:
		*resp_r = resp;
		if (!p->lit_nonsync)
			return IMAP_READ_REFUSED;
		return skip_refused(r, p->lit_size);
	case IMAP_LIT_STREAM:
		if (!p->lit_nonsync && send_continuation(r->stream) < 0)
			return IMAP_READ_EOF;
		if (stream_literal(r, p->lit_size) < 0)
			return IMAP_READ_EOF;
		imap_parser_literal_streamed(p);
		return IMAP_READ_CMD;
	default:
		break;
	}
	if (p->lit_size > p->max_size - p->used) {
		*resp_r = "BAD [TOOBIG] Literal too large";
		return p->lit_nonsync ? IMAP_READ_CLOSE : IMAP_READ_BAD;
	}
	if (!p->lit_nonsync && send_continuation(r->stream) < 0)
		return IMAP_READ_EOF;
	vbuf_reset(buf);
	if (p->lit_size > 0 &&
	    stream_read_vbuf(r->stream, buf, (size_t)p->lit_size) < 0)
		return IMAP_READ_EOF;
	imap_parser_literal(p, vbuf_str(buf), vbuf_len(buf));
	return IMAP_READ_CMD;
}

static const char *
concat(struct arena *a, const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);
	char *s = arena_alloc(a, lx + ly + 1);

	memcpy(s, x, lx);
	memcpy(s + lx, y, ly + 1);
	return s;
}

/* The first line: tag, name, and the start of the arguments. */
static enum imap_read_result
first_line(struct imap_reader *r, struct imap_cmd *cmd, struct span line,
    const char **rest_r, size_t *restlen_r, const char **resp_r)
{
	struct arena *a = imap_parser_arena(r->parser);
	const char *sp, *name, *end = line.ptr + line.len;
	size_t taglen, namelen;

	sp = memchr(line.ptr, ' ', line.len);
	taglen = sp == NULL ? line.len : (size_t)(sp - line.ptr);
	if (!imap_tag_valid(line.ptr, taglen)) {
		*resp_r = "BAD Error in IMAP command received by server.";
		return IMAP_READ_BAD;
	}
	cmd->tag = arena_strndup(a, line.ptr, taglen);
	if (sp == NULL) {
		*resp_r = "BAD Missing command.";
		return IMAP_READ_BAD;
	}
	for (name = sp + 1; name < end && *name == ' '; name++)
		;
	sp = memchr(name, ' ', (size_t)(end - name));
	namelen = sp == NULL ? (size_t)(end - name) : (size_t)(sp - name);
	if (!name_valid(name, namelen)) {
		*resp_r = "BAD Error in IMAP command: Unknown command.";
		return IMAP_READ_BAD;
	}
	cmd->name = arena_strndup(a, name, namelen);
	*rest_r = sp == NULL ? end : sp + 1;
	*restlen_r = (size_t)(end - *rest_r);
	return IMAP_READ_CMD;
}

enum imap_read_result
imap_read_cmd(struct imap_reader *r, struct imap_cmd *cmd,
    const char **resp_r)
{
	struct imap_parser *p = r->parser;
	struct vbuf *buf = NULL;
	enum imap_read_result res;
	enum imap_parse_result pr;
	struct span line;
	const char *rest;
	size_t restlen;
	ssize_t n;

	imap_parser_reset(p);
	memset(cmd, 0, sizeof(*cmd));
	*resp_r = NULL;
	do {
		/* empty lines between commands are ignored */
		if ((n = stream_read_line(r->stream, &line)) == -1)
			return IMAP_READ_EOF;
		if (n == -2) {
			*resp_r = "BAD [TOOBIG] Command line too long";
			return IMAP_READ_BAD;
		}
	} while (line.len == 0);
	if ((res = first_line(r, cmd, line, &rest, &restlen, resp_r)) !=
	    IMAP_READ_CMD)
		return res;
	pr = imap_parser_line(p, rest, restlen);
	while (pr == IMAP_PARSE_LITERAL) {
		if (buf == NULL)
			buf = vbuf_new(1024, p->max_size);
		if ((res = literal(r, cmd, buf, resp_r)) != IMAP_READ_CMD)
			goto out;
		if ((n = stream_read_line(r->stream, &line)) == -1) {
			res = IMAP_READ_EOF;
			goto out;
		}
		if (n == -2) {
			*resp_r = "BAD [TOOBIG] Command line too long";
			res = IMAP_READ_BAD;
			goto out;
		}
		pr = imap_parser_line(p, line.ptr, line.len);
	}
	if (pr == IMAP_PARSE_ERROR) {
		*resp_r = concat(imap_parser_arena(p), p->error_toobig ?
		    "BAD [TOOBIG] " : "BAD Error in IMAP command: ", p->error);
		res = IMAP_READ_BAD;
		goto out;
	}
	cmd->args = imap_parser_args(p);
	cmd->argc = imap_parser_argc(p);
	cmd->depth = 0;
	res = IMAP_READ_CMD;
out:
	vbuf_free(&buf);
	return res;
}
