/*
 * maps_text - text tables: the in-memory table, the text table reader
 * and the texthash: type.
 *
 * DESCRIPTION
 *	struct maps_text keeps entries in the order they were added (the
 *	hash compiler writes them in that order) with a hash index
 *	(lib/htable) over them. maps_text_read is the one reader of the text table
 *	format, shared by texthash: and by `postern map`, so both accept and
 *	reject exactly the same files. Format and case folding: maps.h.
 *
 * SECURITY
 *	A text table is admin input but may be damaged or machine-made:
 *	lines are bounded (CFLINE_MAX), an embedded NUL or an over-long line
 *	is an error naming file:line, and a duplicate key is a warning, so
 *	what a lookup answers is always what the first entry says.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfline.h"
#include "err.h"
#include "log.h"
#include "maps_int.h"
#include "xmalloc.h"

struct maps_text *
maps_text_new(void)
{
	struct maps_text *tab = xcalloc(1, sizeof(*tab));

	htable_init(&tab->index);
	return tab;
}

static struct maps_text_entry *
maps_text_find(const struct maps_text *tab, const char *key)
{
	uint64_t h = htable_hash_str(&tab->index, key);
	struct maps_text_entry *e;
	struct htable_node *n;

	for (n = htable_first(&tab->index, h); n != NULL;
	    n = htable_next(n, h)) {
		e = HTABLE_ENTRY(n, struct maps_text_entry, node);
		if (strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

int
maps_text_add(struct maps_text *tab, const char *key, const char *value,
    int line, int *first_line_r)
{
	struct maps_text_entry *e;

	if ((e = maps_text_find(tab, key)) != NULL) {
		*first_line_r = e->line;
		return 1;
	}
	if (tab->n == tab->cap) {
		tab->cap = tab->cap ? tab->cap * 2 : 16;
		tab->ent = xreallocarray(tab->ent, tab->cap, sizeof(*tab->ent));
	}
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = line;
	htable_add(&tab->index, &e->node, htable_hash_str(&tab->index, key));
	tab->ent[tab->n++] = e;
	return 0;
}

const char *
maps_text_get(const struct maps_text *tab, const char *key)
{
	const struct maps_text_entry *e = maps_text_find(tab, key);

	return e != NULL ? e->value : NULL;
}

void
maps_text_free(struct maps_text **tabp)
{
	struct maps_text *tab = *tabp;
	size_t i;

	if (tab == NULL)
		return;
	for (i = 0; i < tab->n; i++) {
		free(tab->ent[i]->key);
		free(tab->ent[i]->value);
		free(tab->ent[i]);
	}
	free(tab->ent);
	htable_release(&tab->index);
	free(tab);
	*tabp = NULL;
}

/*
 * Split a logical line into key and value: "key value", or with
 * MAPS_COMPILE_ALIASES "name: value". 0, or -1 with *err_r naming
 * name:line.
 */
static int
maps_text_split(const char *line, int flags, const struct cfline *cf,
    size_t *keylen_r, const char **value_r, char **err_r)
{
	const char *colon, *what = "no value";
	size_t keylen;

	if ((flags & MAPS_COMPILE_ALIASES) == 0) {
		keylen = strcspn(line, " \t");
		*value_r = line + keylen + strspn(line + keylen, " \t");
		*keylen_r = keylen;
		if (**value_r != '\0')
			return 0;
		return err_set(err_r, "%s:%d: syntax error: key \"%.100s\" "
		    "has no value (expected \"key value\")", cf->path,
		    cf->lineno, line);
	}
	keylen = strcspn(line, " \t:");
	colon = line + keylen + strspn(line + keylen, " \t");
	if (strchr(line, ':') == NULL)
		what = "no colon";
	else if (keylen == 0)
		what = "no name before the colon";
	else if (*colon != ':')
		what = "more than one word before the colon";
	else if (*(*value_r = colon + 1 + strspn(colon + 1, " \t")) != '\0') {
		*keylen_r = keylen;
		return 0;
	}
	return err_set(err_r, "%s:%d: syntax error: \"%.100s\" has %s "
	    "(expected \"name: value\", aliases(5))", cf->path, cf->lineno,
	    line, what);
}

int
maps_text_read(FILE *fp, const char *name, int flags,
    struct maps_text **tab_r, char **err_r)
{
	struct maps_text *tab = maps_text_new();
	struct cfline cf;
	const char *line, *value = NULL;
	char *cferr = NULL;
	char *key;
	size_t keylen = 0;
	int r, first;

	cfline_fdopen(&cf, fp, name, 0);
	while ((r = cfline_next(&cf, &line, &cferr)) > 0) {
		if (maps_text_split(line, flags, &cf, &keylen, &value,
		    err_r) < 0) {
			r = -2;		/* *err_r is set */
			break;
		}
		key = xstrndup(line, keylen);
		maps_fold(key);
		if (maps_text_add(tab, key, value, cf.lineno, &first) != 0)
			log_warn("%s:%d: duplicate key \"%.100s\" ignored: "
			    "the entry at line %d wins", name, cf.lineno,
			    key, first);
		free(key);
	}
	if (r == -1)
		err_set(err_r, "%s", cferr);
	free(cferr);
	cfline_close(&cf);
	if (r < 0) {
		maps_text_free(&tab);
		return -1;
	}
	*tab_r = tab;
	return 0;
}

int
maps_text_load(const char *path, int flags, struct maps_text **tab_r,
    char **err_r)
{
	FILE *fp;
	int r;

	if ((fp = fopen(path, "re")) == NULL)
		return err_set(err_r, "cannot open %s: %m", path);
	r = maps_text_read(fp, path, flags, tab_r, err_r);
	fclose(fp);
	return r;
}

/* texthash: the text file, read once when the table is opened. */

static int
maps_texthash_open(struct maps_table *t, char **err_r)
{
	struct maps_text *tab;

	if (maps_text_load(t->name, 0, &tab, err_r) < 0)
		return MAPS_OPEN_TEMP;
	t->priv = tab;
	return 0;
}

/* Lookup and close for every table held as a struct maps_text. */
int
maps_text_lookup(struct maps_table *t, const char *key, const char **value_r,
    char **err_r)
{
	const char *v;

	(void)err_r;	/* in memory: nothing can fail */
	if ((v = maps_text_get(t->priv, key)) == NULL)
		return 0;
	*value_r = v;
	return 1;
}

void
maps_text_close(struct maps_table *t)
{
	struct maps_text *tab = t->priv;

	maps_text_free(&tab);
	t->priv = NULL;
}

static int
maps_texthash_compile(const char *name, int flags, char **err_r)
{
	struct maps_text *tab;

	if (maps_text_load(name, flags, &tab, err_r) < 0)
		return -1;
	maps_text_free(&tab);
	return 0;
}

const struct maps_ops maps_texthash_ops = {
	.type = "texthash",
	.open = maps_texthash_open,
	.lookup = maps_text_lookup,
	.close = maps_text_close,
	.compile = maps_texthash_compile,
	.watch_suffix = "",
};
