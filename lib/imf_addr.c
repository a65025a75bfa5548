/*
 * imf_addr - RFC 5322 address lists for IMAP's ENVELOPE; see imf.h.
 *
 * A small lexer yields words (atoms, dots included, and quoted
 * strings), domain literals and specials, and remembers the last
 * comment; the parser reads one address at a time from the words it
 * has gathered when a special decides what they were: "<" a display
 * name, ":" a group name, "@" a local part, "," ";" or the end a
 * local part without a domain.
 *
 * UNSAFE: pointer arithmetic bounded by `end`.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "imf.h"
#include "vbuf.h"

enum tok_type {
	T_END,
	T_ATOM,
	T_QUOTED,	/* p, len: inside the quotes, pairs still escaped */
	T_DLIT,		/* [...] with the brackets */
	T_SPECIAL,
};

struct tok {
	enum tok_type	 type;
	const char	*p;
	size_t		 len;
	int		 c;		/* T_SPECIAL */
};

struct lexer {
	const char	*p, *end;
	const char	*comment;	/* the last comment, inside parens */
	size_t		 comment_len;
	struct tok	 tok;		/* the current token */
	struct arena	*arena;
	struct vbuf	*tmp;
	struct vbuf	*raw;		/* a local part as written */
	struct imf_addr	*head, **tail;
};

static int
is_special(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	    c == ']' || c == ':' || c == ';' || c == '@' || c == '\\' ||
	    c == ',' || c == '"';
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
skip_comment(struct lexer *lx)
{
	const char *s = ++lx->p;
	int depth = 1;

	for (; lx->p < lx->end; lx->p++) {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		else if (*lx->p == '(')
			depth++;
		else if (*lx->p == ')' && --depth == 0)
			break;
	}
	lx->comment = s;
	lx->comment_len = (size_t)(lx->p - s);
	if (lx->p < lx->end)
		lx->p++;
}

static void
next(struct lexer *lx)
{
	struct tok *t = &lx->tok;
	const char *s;

	for (;;) {
		while (lx->p < lx->end && is_space((unsigned char)*lx->p))
			lx->p++;
		if (lx->p < lx->end && *lx->p == '(')
			skip_comment(lx);
		else
			break;
	}
	if (lx->p >= lx->end) {
		t->type = T_END;
		return;
	}
	s = lx->p;
	if (*s == '"') {
		for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++)
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
		t->type = T_QUOTED;
		t->p = s + 1;
		t->len = (size_t)(lx->p - s - 1);
		if (lx->p < lx->end)
			lx->p++;
		return;
	}
	if (*s == '[') {
		while (lx->p < lx->end && *lx->p != ']')
			lx->p++;
		if (lx->p < lx->end)
			lx->p++;
		t->type = T_DLIT;
		t->p = s;
		t->len = (size_t)(lx->p - s);
		return;
	}
	if (is_special((unsigned char)*s)) {
		t->type = T_SPECIAL;
		t->c = (unsigned char)*s;
		lx->p++;
		return;
	}
	while (lx->p < lx->end && !is_special((unsigned char)*lx->p) &&
	    !is_space((unsigned char)*lx->p))
		lx->p++;
	t->type = T_ATOM;
	t->p = s;
	t->len = (size_t)(lx->p - s);
}

static int
is_char(const struct lexer *lx, int c)
{
	return lx->tok.type == T_SPECIAL && lx->tok.c == c;
}

/* Append a quoted string's content without its quoting; CR, LF gone. */
static void
append_unquoted(struct vbuf *b, const char *p, size_t len)
{
	const char *end = p + len;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (*p == '\r' || *p == '\n' || *p == '\0')
			continue;
		(void)vbuf_appendc(b, *p);
	}
}

/* Append a token as written (a quoted string with its quotes). */
static void
append_raw(struct vbuf *b, const struct tok *t)
{
	const char *p;

	if (t->type == T_QUOTED)
		(void)vbuf_appendc(b, '"');
	for (p = t->p; p < t->p + t->len; p++)
		if (*p != '\r' && *p != '\n' && *p != '\0')
			(void)vbuf_appendc(b, *p);
	if (t->type == T_QUOTED)
		(void)vbuf_appendc(b, '"');
}

static const char *
tmp_string(struct lexer *lx)
{
	return arena_strndup(lx->arena, vbuf_str(lx->tmp), vbuf_len(lx->tmp));
}

/* The comment seen last, cleaned up, as a display name; or NULL. */
static const char *
comment_name(struct lexer *lx, const char *since)
{
	if (lx->comment == NULL || lx->comment < since)
		return NULL;
	vbuf_reset(lx->tmp);
	append_unquoted(lx->tmp, lx->comment, lx->comment_len);
	if (vbuf_len(lx->tmp) == 0)
		return NULL;
	return tmp_string(lx);
}

static struct imf_addr *
emit(struct lexer *lx, enum imf_addr_kind kind)
{
	struct imf_addr *a = arena_zalloc(lx->arena, sizeof(*a));

	a->kind = kind;
	*lx->tail = a;
	lx->tail = &a->next;
	return a;
}

/* Words of a local part or domain, as written, up to a special. */
static const char *
read_raw(struct lexer *lx, int domain)
{
	vbuf_reset(lx->tmp);
	while (lx->tok.type == T_ATOM || lx->tok.type == T_QUOTED ||
	    (domain && lx->tok.type == T_DLIT)) {
		append_raw(lx->tmp, &lx->tok);
		next(lx);
	}
	return tmp_string(lx);
}

/* "<" [route ":"] local "@" domain ">", at "<". */
static void
angle_addr(struct lexer *lx, const char *name, const char *start)
{
	struct imf_addr *a = emit(lx, IMF_ADDR_MAILBOX);

	next(lx);
	if (is_char(lx, '@')) {
		/* obsolete route: @a,@b: */
		vbuf_reset(lx->tmp);
		while (lx->tok.type != T_END && !is_char(lx, ':') &&
		    !is_char(lx, '>')) {
			if (lx->tok.type == T_SPECIAL)
				(void)vbuf_appendc(lx->tmp, lx->tok.c);
			else
				append_raw(lx->tmp, &lx->tok);
			next(lx);
		}
		a->route = tmp_string(lx);
		if (is_char(lx, ':'))
			next(lx);
	}
	a->mailbox = read_raw(lx, 0);
	if (is_char(lx, '@')) {
		next(lx);
		a->host = read_raw(lx, 1);
	} else
		a->host = "";
	/* anything else up to ">" is dropped */
	while (lx->tok.type != T_END && !is_char(lx, '>'))
		next(lx);
	if (is_char(lx, '>'))
		next(lx);
	a->name = name != NULL ? name : comment_name(lx, start);
}

/* One address (or a whole group when in_group is 0). */
static void
address(struct lexer *lx, int in_group)
{
	const char *start = lx->p, *name;
	struct imf_addr *a;
	int nwords = 0;

	vbuf_reset(lx->tmp);
	vbuf_reset(lx->raw);
	/* gather the phrase: display name, group name or local part */
	while (lx->tok.type == T_ATOM || lx->tok.type == T_QUOTED) {
		append_raw(lx->raw, &lx->tok);
		if (nwords++ > 0)
			(void)vbuf_appendc(lx->tmp, ' ');
		if (lx->tok.type == T_QUOTED)
			append_unquoted(lx->tmp, lx->tok.p, lx->tok.len);
		else
			append_raw(lx->tmp, &lx->tok);
		next(lx);
	}
	name = vbuf_len(lx->tmp) > 0 ? tmp_string(lx) : NULL;
	if (is_char(lx, '<')) {
		angle_addr(lx, name, start);
		return;
	}
	if (is_char(lx, ':') && !in_group) {
		a = emit(lx, IMF_ADDR_GROUP_START);
		a->mailbox = name != NULL ? name : "";
		next(lx);
		while (lx->tok.type != T_END && !is_char(lx, ';')) {
			if (is_char(lx, ','))
				next(lx);
			else
				address(lx, 1);
		}
		if (is_char(lx, ';'))
			next(lx);
		(void)emit(lx, IMF_ADDR_GROUP_END);
		return;
	}
	if (nwords == 0 && !is_char(lx, '@')) {
		/* a stray special or literal: skip it */
		next(lx);
		return;
	}
	/* an addr-spec: the words were its local part, raw */
	a = emit(lx, IMF_ADDR_MAILBOX);
	a->mailbox = arena_strndup(lx->arena, vbuf_str(lx->raw),
	    vbuf_len(lx->raw));
	if (is_char(lx, '@')) {
		next(lx);
		a->host = read_raw(lx, 1);
	} else
		a->host = "";
	a->name = comment_name(lx, start);
}

struct imf_addr *
imf_addr_parse(struct arena *arena, const char *value, size_t len)
{
	struct lexer lx;

	memset(&lx, 0, sizeof(lx));
	lx.p = value;
	lx.end = value + len;
	lx.arena = arena;
	lx.tmp = vbuf_new(64, VBUF_NOLIMIT);
	lx.raw = vbuf_new(64, VBUF_NOLIMIT);
	lx.tail = &lx.head;
	next(&lx);
	while (lx.tok.type != T_END) {
		if (is_char(&lx, ',') || is_char(&lx, ';')) {
			next(&lx);
			continue;
		}
		address(&lx, 0);
	}
	vbuf_free(&lx.tmp);
	vbuf_free(&lx.raw);
	return lx.head;
}
