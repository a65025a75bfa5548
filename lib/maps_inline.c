/*
 * maps_inline - the inline: table type, written in place in main.cf.
 *
 * DESCRIPTION
 *	inline:{ key=value, { key = text with spaces }, ... } (Postfix's
 *	syntax). Items are separated by commas and/or white space. A bare
 *	item is key=value and holds no white space, comma or brace; a braced
 *	item { key = value } is split at its first '=' and both sides are
 *	trimmed, so the value may hold spaces, commas and balanced braces.
 *	Keys are folded to lower case; a key without a value, an item
 *	without '=', and unbalanced braces are errors; a duplicate key is a
 *	warning and the first one wins, as in text tables.
 *
 * SECURITY
 *	The text comes from main.cf or a -o override: parsed within its
 *	own bounds, every pointer kept between the outer braces.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "maps_int.h"
#include "xmalloc.h"

#define INLINE_SEP	", \t\r\n"

/* The brace that closes the one at p, or NULL. */
static const char *
maps_inline_match(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

/* A copy of [s, e) without leading and trailing white space. */
static char *
maps_inline_trim(const char *s, const char *e)
{
	while (s < e && strchr(" \t\r\n", *s) != NULL)
		s++;
	while (e > s && strchr(" \t\r\n", e[-1]) != NULL)
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* Split item [s, e) at '=' and add it: 0, or -1 with *err_r. */
static int
maps_inline_item(struct maps_text *tab, const char *name, const char *s,
    const char *e, char **err_r)
{
	const char *eq;
	char *key, *value;
	int first, r = 0;

	if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL) {
		err_set(err_r, "missing \"=\" in \"%.*s\"",
		    (int)(e - s > 100 ? 100 : e - s), s);
		return -1;
	}
	key = maps_inline_trim(s, eq);
	value = maps_inline_trim(eq + 1, e);
	if (*key == '\0') {
		err_set(err_r, "empty key in \"%.*s\"",
		    (int)(e - s > 100 ? 100 : e - s), s);
		r = -1;
	} else if (*value == '\0') {
		err_set(err_r, "key \"%.100s\" has no value", key);
		r = -1;
	} else {
		maps_fold(key);
		if (maps_text_add(tab, key, value, 0, &first) != 0)
			log_warn("inline:%.200s: duplicate key \"%.100s\" "
			    "ignored: the first one wins", name, key);
	}
	free(key);
	free(value);
	return r;
}

int
maps_inline_parse(const char *name, struct maps_text **tab_r, char **err_r)
{
	struct maps_text *tab;
	const char *p = name, *end, *close, *tok;

	p += strspn(p, " \t");
	if (*p != '{') {
		err_set(err_r, "expected \"{ key=value, ... }\"");
		return -1;
	}
	if ((end = maps_inline_match(p)) == NULL) {
		err_set(err_r, "missing \"}\"");
		return -1;
	}
	if (end[1 + strspn(end + 1, " \t")] != '\0') {
		err_set(err_r, "text after the closing \"}\"");
		return -1;
	}
	tab = maps_text_new();
	p++;
	for (;;) {
		while (p < end && strchr(INLINE_SEP, *p) != NULL)
			p++;
		if (p == end)
			break;
		if (*p == '{') {
			/* inside the outer braces, so it closes before end */
			close = maps_inline_match(p);
			if (maps_inline_item(tab, name, p + 1, close,
			    err_r) < 0)
				goto fail;
			p = close + 1;
			if (p < end && strchr(INLINE_SEP, *p) == NULL) {
				err_set(err_r, "expected \",\" or white "
				    "space after \"}\"");
				goto fail;
			}
			continue;
		}
		tok = p;
		while (p < end && strchr(INLINE_SEP "{}", *p) == NULL)
			p++;
		if (p < end && (*p == '{' || *p == '}')) {
			err_set(err_r, "unexpected \"%c\" after \"%.*s\"",
			    *p, (int)(p - tok > 100 ? 100 : p - tok), tok);
			goto fail;
		}
		if (maps_inline_item(tab, name, tok, p, err_r) < 0)
			goto fail;
	}
	*tab_r = tab;
	return 0;
fail:
	maps_text_free(&tab);
	return -1;
}

static int
maps_inline_open(struct maps_table *t, char **err_r)
{
	struct maps_text *tab;

	if (maps_inline_parse(t->name, &tab, err_r) < 0)
		return MAPS_OPEN_BAD;
	t->priv = tab;
	return 0;
}

static int
maps_inline_compile(const char *name, int flags, char **err_r)
{
	struct maps_text *tab;

	(void)flags;	/* written in place: one format */
	if (maps_inline_parse(name, &tab, err_r) < 0)
		return err_wrap(err_r, "inline:%.300s", name);
	maps_text_free(&tab);
	return 0;
}

const struct maps_ops maps_inline_ops = {
	.type = "inline",
	.open = maps_inline_open,
	.lookup = maps_text_lookup,
	.close = maps_text_close,
	.compile = maps_inline_compile,
};
