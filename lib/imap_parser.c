/*
 * imap_parser - the IMAP argument tokenizer; see imap_parser.h.
 *
 * Lists are built as linked lists with a stack of open lists (tail
 * pointers), bounded by max_depth. A line is tokenized to its end or
 * to a literal announcement, which must close the line; the content
 * then comes through imap_parser_literal*, and the next line carries
 * on after the literal, so it must begin with SP, ")" or end.
 *
 * UNSAFE: pointer arithmetic over each line, bounded by its length.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_parser.h"
#include "xmalloc.h"

#define NUMBER64_MAX	((uint64_t)INT64_MAX)

struct open_list {
	struct imap_arg	 *list;		/* NULL for the top level */
	struct imap_arg	**tail;
	unsigned	 *count;
};

struct imap_parser_private {
	struct arena	*arena;
	struct imap_arg	*top;
	unsigned	 top_count;
	struct open_list *stack;	/* max_depth + 1 entries */
	unsigned	 depth;
	int		 after_literal;	/* the next line continues one */
	int		 lit_pending;
};

struct imap_parser *
imap_parser_new(size_t max_size, unsigned max_depth)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	p->max_size = max_size;
	p->max_depth = max_depth;
	p->priv = xcalloc(1, sizeof(*p->priv));
	p->priv->stack = xcalloc(max_depth + 1, sizeof(*p->priv->stack));
	p->priv->arena = arena_new(4096);
	imap_parser_reset(p);
	return p;
}

void
imap_parser_free(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;

	if (p == NULL)
		return;
	arena_free(&p->priv->arena);
	free(p->priv->stack);
	free(p->priv);
	free(p);
	*pp = NULL;
}

void
imap_parser_reset(struct imap_parser *p)
{
	struct imap_parser_private *pv = p->priv;

	arena_clear(pv->arena);
	pv->top = NULL;
	pv->top_count = 0;
	pv->depth = 0;
	pv->stack[0].list = NULL;
	pv->stack[0].tail = &pv->top;
	pv->stack[0].count = &pv->top_count;
	pv->after_literal = 0;
	pv->lit_pending = 0;
	p->error = NULL;
	p->error_toobig = 0;
	p->lit_size = 0;
	p->lit_nonsync = 0;
	p->lit_binary = 0;
	p->used = 0;
}

struct imap_arg *
imap_parser_args(const struct imap_parser *p)
{
	return p->priv->top;
}

unsigned
imap_parser_argc(const struct imap_parser *p)
{
	return p->priv->top_count;
}

unsigned
imap_parser_depth(const struct imap_parser *p)
{
	return p->priv->depth;
}

struct arena *
imap_parser_arena(const struct imap_parser *p)
{
	return p->priv->arena;
}

static enum imap_parse_result
fail(struct imap_parser *p, const char *why)
{
	p->error = why;
	return IMAP_PARSE_ERROR;
}

static struct imap_arg *
add_arg(struct imap_parser *p, enum imap_arg_type type)
{
	struct imap_parser_private *pv = p->priv;
	struct open_list *ol = &pv->stack[pv->depth];
	struct imap_arg *a = arena_zalloc(pv->arena, sizeof(*a));

	a->type = type;
	*ol->tail = a;
	ol->tail = &a->next;
	(*ol->count)++;
	return a;
}

static int
is_atom_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '(' && c != ')' && c != '{' &&
	    c != '"';
}

/* After a token: SP, ")" or the end of the line. */
static int
token_end_ok(const char *line, size_t len, size_t pos)
{
	return pos == len || line[pos] == ' ' || line[pos] == ')';
}

int
imap_parse_number64(const char *s, size_t len, uint64_t *n_r)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (n > (NUMBER64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*n_r = n;
	return 1;
}

/* An atom at pos; returns its end, or 0 with p->error set. */
static size_t
parse_atom(struct imap_parser *p, const char *line, size_t len, size_t pos)
{
	size_t start = pos, depth = 0;
	unsigned char c;
	struct imap_arg *a;

	for (; pos < len; pos++) {
		c = (unsigned char)line[pos];
		if (c == '[') {
			depth++;
			continue;
		}
		if (c == ']' && depth > 0) {
			depth--;
			continue;
		}
		if (depth > 0) {
			/* inside brackets: spaces, lists, quotes are text */
			if (c < ' ' || c >= 0x7f) {
				p->error = "Invalid characters in atom";
				return 0;
			}
			continue;
		}
		if (c == ' ' || c == ')' || c == '(')
			break;
		if (!is_atom_char(c)) {
			p->error = c >= 0x80 ? "8-bit data in atom" :
			    "Invalid characters in atom";
			return 0;
		}
	}
	if (depth > 0) {
		p->error = "Missing ']'";
		return 0;
	}
	if (pos < len && line[pos] == '(') {
		p->error = "Missing space before '('";
		return 0;
	}
	a = add_arg(p, IMAP_ARG_ATOM);
	a->str = arena_strndup(p->priv->arena, line + start, pos - start);
	a->len = pos - start;
	return pos;
}

/* A quoted string at pos (the DQUOTE); returns its end, or 0. */
static size_t
parse_quoted(struct imap_parser *p, const char *line, size_t len,
    size_t pos)
{
	size_t i, n = 0;
	struct imap_arg *a;
	char *s;

	/* the content is never longer than the text */
	s = arena_alloc(p->priv->arena, len - pos);
	for (i = pos + 1; i < len && line[i] != '"'; i++) {
		if (line[i] == '\\') {
			if (i + 1 >= len ||
			    (line[i + 1] != '\\' && line[i + 1] != '"')) {
				p->error = "Invalid escape in quoted string";
				return 0;
			}
			i++;
		} else if (line[i] == '\0' || line[i] == '\r') {
			p->error = "Invalid characters in quoted string";
			return 0;
		}
		s[n++] = line[i];
	}
	if (i >= len) {
		p->error = "Missing '\"'";
		return 0;
	}
	s[n] = '\0';
	a = add_arg(p, IMAP_ARG_STRING);
	a->str = s;
	a->len = n;
	return i + 1;
}

/* A literal announcement {n}, {n+} or ~{n} at pos; it must end the line. */
static enum imap_parse_result
parse_literal(struct imap_parser *p, const char *line, size_t len,
    size_t pos)
{
	size_t digits, end;
	uint64_t n;

	p->lit_binary = line[pos] == '~';
	if (p->lit_binary)
		pos++;
	pos++;				/* "{" */
	for (digits = pos; digits < len && line[digits] >= '0' &&
	    line[digits] <= '9'; digits++)
		;
	end = digits;
	p->lit_nonsync = end < len && line[end] == '+';
	if (p->lit_nonsync)
		end++;
	if (end >= len || line[end] != '}' || end + 1 != len)
		return fail(p, "Invalid literal announcement");
	if (!imap_parse_number64(line + pos, digits - pos, &n)) {
		p->error_toobig = digits > pos;
		return fail(p, digits > pos ? "Literal size too large" :
		    "Invalid literal size");
	}
	p->lit_size = n;
	p->priv->lit_pending = 1;
	return IMAP_PARSE_LITERAL;
}

enum imap_parse_result
imap_parser_line(struct imap_parser *p, const char *line, size_t len)
{
	struct imap_parser_private *pv = p->priv;
	struct open_list *ol;
	struct imap_arg *a;
	size_t pos = 0;

	if (pv->lit_pending)
		return fail(p, "Literal content missing");
	if (len > p->max_size - p->used) {
		p->error_toobig = 1;
		return fail(p, "Command too long");
	}
	p->used += len + 2;
	if (pv->after_literal) {
		pv->after_literal = 0;
		if (!token_end_ok(line, len, 0))
			return fail(p, "Missing space after literal");
	}
	while (pos < len) {
		switch (line[pos]) {
		case ' ':
			pos++;
			break;
		case '(':
			if (pv->depth >= p->max_depth)
				return fail(p, "Too deep nesting");
			a = add_arg(p, IMAP_ARG_LIST);
			ol = &pv->stack[++pv->depth];
			ol->list = a;
			ol->tail = &a->list;
			ol->count = &a->count;
			pos++;
			break;
		case ')':
			if (pv->depth == 0)
				return fail(p, "Unexpected ')'");
			pv->depth--;
			pos++;
			if (!token_end_ok(line, len, pos))
				return fail(p, "Missing space after ')'");
			break;
		case '"':
			if ((pos = parse_quoted(p, line, len, pos)) == 0)
				return IMAP_PARSE_ERROR;
			if (!token_end_ok(line, len, pos))
				return fail(p, "Missing space after string");
			break;
		case '{':
			return parse_literal(p, line, len, pos);
		case '~':
			if (pos + 1 < len && line[pos + 1] == '{')
				return parse_literal(p, line, len, pos);
			/* FALLTHROUGH */
		default:
			if ((pos = parse_atom(p, line, len, pos)) == 0)
				return IMAP_PARSE_ERROR;
			break;
		}
	}
	if (pv->depth > 0)
		return fail(p, "Missing ')'");
	return IMAP_PARSE_OK;
}

void
imap_parser_literal(struct imap_parser *p, const char *data, size_t len)
{
	struct imap_arg *a = add_arg(p, IMAP_ARG_LITERAL);

	a->str = arena_strndup(p->priv->arena, data, len);
	a->len = len;
	a->size = len;
	a->literal8 = p->lit_binary;
	p->used += len;
	p->priv->lit_pending = 0;
	p->priv->after_literal = 1;
}

void
imap_parser_literal_streamed(struct imap_parser *p)
{
	struct imap_arg *a = add_arg(p, IMAP_ARG_LITERAL_SIZE);

	a->size = p->lit_size;
	a->literal8 = p->lit_binary;
	p->priv->lit_pending = 0;
	p->priv->after_literal = 1;
}

/* --- argument helpers ------------------------------------------------- */

int
imap_arg_atom(const struct imap_arg *a, const char **s_r)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM)
		return 0;
	*s_r = a->str;
	return 1;
}

int
imap_arg_is_atom(const struct imap_arg *a, const char *want)
{
	return a != NULL && a->type == IMAP_ARG_ATOM &&
	    strcasecmp(a->str, want) == 0;
}

int
imap_arg_is_nil(const struct imap_arg *a)
{
	return imap_arg_is_atom(a, "NIL");
}

int
imap_arg_string(const struct imap_arg *a, const char **s_r, size_t *len_r)
{
	if (a == NULL || (a->type != IMAP_ARG_STRING &&
	    a->type != IMAP_ARG_LITERAL))
		return 0;
	*s_r = a->str;
	if (len_r != NULL)
		*len_r = a->len;
	return 1;
}

/* ASTRING-CHAR: ATOM-CHAR or "]" (RFC 9051 9). */
static int
is_astring_atom(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '*' || *s == '%' || *s == '\\' || *s == '[')
			return 0;
	return 1;
}

int
imap_arg_astring(const struct imap_arg *a, const char **s_r, size_t *len_r)
{
	if (a != NULL && a->type == IMAP_ARG_ATOM) {
		if (!is_astring_atom(a->str))
			return 0;
		*s_r = a->str;
		if (len_r != NULL)
			*len_r = a->len;
		return 1;
	}
	if (a != NULL && a->literal8)
		return 0;
	return imap_arg_string(a, s_r, len_r);
}

int
imap_arg_nstring(const struct imap_arg *a, const char **s_r)
{
	if (imap_arg_is_nil(a)) {
		*s_r = NULL;
		return 1;
	}
	return imap_arg_string(a, s_r, NULL);
}

int
imap_arg_number64(const struct imap_arg *a, uint64_t *n_r)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM)
		return 0;
	return imap_parse_number64(a->str, a->len, n_r);
}

int
imap_arg_number(const struct imap_arg *a, uint32_t *n_r)
{
	uint64_t n;

	if (!imap_arg_number64(a, &n) || n > UINT32_MAX)
		return 0;
	*n_r = (uint32_t)n;
	return 1;
}
