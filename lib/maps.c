/*
 * maps - open and search lookup tables by "type:name"; see maps.h.
 *
 * DESCRIPTION
 *	This file owns what every table type shares: the spec syntax and
 *	the type registry, key folding, deferred opens (MAPS_OPEN_DEFER)
 *	and lists of tables. The types live in maps_hash.c, maps_text.c and
 *	maps_inline.c behind struct maps_ops (maps_int.h).
 *
 * SECURITY
 *	Lookup keys come from peers (SMTP addresses): they are copied into
 *	a bounded buffer and folded, never used as a format or a path.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfline.h"
#include "err.h"
#include "log.h"
#include "maps_int.h"
#include "xmalloc.h"

static const struct maps_ops *const maps_types[] = {
	&maps_hash_ops,
	&maps_texthash_ops,
	&maps_inline_ops,
};

#define MAPS_NTYPES	(sizeof(maps_types) / sizeof(maps_types[0]))

struct maps_list {
	struct maps_table **tab;
	size_t	 n;
};

void
maps_fold(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

/* Find the type of spec; NULL with *err_r when there is none. */
static const struct maps_ops *
maps_find_type(const char *spec, const char **name_r, char **err_r)
{
	const char *colon;
	size_t i, len;

	if ((colon = strchr(spec, ':')) == NULL || colon == spec) {
		err_set(err_r, "table \"%.200s\": no type: write type:path, "
		    "e.g. hash:/etc/postern/aliases", spec);
		return NULL;
	}
	len = (size_t)(colon - spec);
	for (i = 0; i < MAPS_NTYPES; i++) {
		if (strlen(maps_types[i]->type) == len &&
		    strncmp(maps_types[i]->type, spec, len) == 0) {
			*name_r = colon + 1;
			if (**name_r == '\0') {
				err_set(err_r, "table \"%.200s\": empty "
				    "name after the type", spec);
				return NULL;
			}
			return maps_types[i];
		}
	}
	err_set(err_r, "table \"%.200s\": unsupported type \"%.*s\" "
	    "(supported: hash, texthash, inline)", spec,
	    (int)(len > 40 ? 40 : len), spec);
	return NULL;
}

/* Every open table, for maps_changed(). */
static struct maps_table *maps_all;

/* Remember the table's file as it is now (after a successful open). */
static void
maps_watch_start(struct maps_table *t)
{
	char *path;

	if (t->watch_fd >= 0)
		close(t->watch_fd);
	t->watch_fd = -1;
	if (t->ops->watch_suffix == NULL)
		return;
	path = xasprintf("%s%s", t->name, t->ops->watch_suffix);
	t->watch_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	free(path);
	if (t->watch_fd >= 0 && fstat(t->watch_fd, &t->watch_st) < 0) {
		close(t->watch_fd);
		t->watch_fd = -1;
	}
}

/*
 * Has the table's file been replaced or changed since it was opened, in a
 * way this process cannot follow? A type that reopens by path follows
 * where the path can be seen; behind a chroot, or for a table read once,
 * the answer in memory is out of date, and "not found" could bounce mail
 * for an address just added: the table is then stale.
 */
static int
maps_watch_stale(struct maps_table *t)
{
	struct stat st, now;
	char *path;
	int visible;

	if (t->stale)
		return 1;
	if (t->watch_fd < 0 || fstat(t->watch_fd, &st) < 0)
		return 0;
	if (st.st_nlink > 0 && st.st_size == t->watch_st.st_size &&
	    st.st_mtim.tv_sec == t->watch_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == t->watch_st.st_mtim.tv_nsec)
		return 0;
	if (t->ops->reopens) {
		path = xasprintf("%s%s", t->name, t->ops->watch_suffix);
		visible = stat(path, &now) == 0;
		free(path);
		if (visible)
			return 0;	/* the type reopens it at the lookup */
	}
	t->stale = 1;
	log_info("%s has changed since this process opened it; "
	    "a new process will use the new one", t->spec);
	return 1;
}

int
maps_changed(void)
{
	struct maps_table *t;
	int changed = 0;

	for (t = maps_all; t != NULL; t = t->next)
		if (t->ready && maps_watch_stale(t))
			changed = 1;
	return changed;
}

/* The type's open, its reason named after the table. */
static int
maps_open_type(struct maps_table *t, char **err_r)
{
	int r;

	if ((r = t->ops->open(t, err_r)) != 0)
		err_wrap(err_r, "%.300s", t->spec);
	return r;
}

struct maps_table *
maps_open(const char *spec, int flags, char **err_r)
{
	const struct maps_ops *ops;
	struct maps_table *t;
	const char *name;
	char *err = NULL;
	int r;

	if ((ops = maps_find_type(spec, &name, err_r)) == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->ops = ops;
	t->spec = xstrdup(spec);
	t->name = t->spec + (name - spec);
	t->flags = flags;
	t->key = vbuf_new(64, CFLINE_MAX);
	t->watch_fd = -1;
	if ((t->next = maps_all) != NULL)
		maps_all->prev = t;
	maps_all = t;
	if ((r = maps_open_type(t, &err)) == 0) {
		t->ready = 1;
		maps_watch_start(t);
	} else if (r == MAPS_OPEN_BAD || (flags & MAPS_OPEN_DEFER) == 0) {
		maps_close(&t);
		if (err_r != NULL)
			*err_r = err;
		else
			free(err);
		return NULL;
	}
	free(err);	/* deferred: each lookup says it again */
	return t;
}

int
maps_lookup(struct maps_table *t, const char *key, const char **value_r,
    char **err_r)
{
	int r;

	if (!t->ready) {
		/* a deferred open: try again, the admin may have fixed it */
		t->ops->close(t);
		if (maps_open_type(t, err_r) != 0)
			return -1;
		t->ready = 1;
		maps_watch_start(t);
	}
	if (vbuf_sets(t->key, key) < 0)
		return 0;	/* longer than any line a table can hold */
	maps_fold(t->key->data);
	if ((r = t->ops->lookup(t, vbuf_str(t->key), value_r, err_r)) < 0)
		err_wrap(err_r, "%.300s", t->spec);
	else if (r == 0 && maps_watch_stale(t)) {
		/*
		 * The key may have been added since: "not found" from an old
		 * copy must not bounce mail. What the old copy has is still
		 * an answer the admin gave (Postfix answers from it too).
		 */
		err_set(err_r, "%.300s: table changed since this process "
		    "opened it; try again", t->spec);
		r = -1;
	}
	else if (t->ops->reopens && t->watch_fd >= 0) {
		struct stat st;

		/* the type may have reopened a replaced file: follow it */
		if (fstat(t->watch_fd, &st) == 0 && (st.st_nlink == 0 ||
		    st.st_mtim.tv_sec != t->watch_st.st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != t->watch_st.st_mtim.tv_nsec ||
		    st.st_size != t->watch_st.st_size))
			maps_watch_start(t);
	}
	return r;
}

const char *
maps_name(const struct maps_table *t)
{
	return t->spec;
}

void
maps_close(struct maps_table **tp)
{
	struct maps_table *t = *tp;

	if (t == NULL)
		return;
	t->ops->close(t);
	if (t->watch_fd >= 0)
		close(t->watch_fd);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		maps_all = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	vbuf_free(&t->key);
	free(t->spec);
	free(t);
	*tp = NULL;
}

static int
maps_compile_as(const char *spec, int flags, char **err_r)
{
	const struct maps_ops *ops;
	const char *name;

	if ((ops = maps_find_type(spec, &name, err_r)) == NULL ||
	    ops->compile(name, flags, err_r) < 0)
		return -1;
	return 0;
}

int
maps_compile(const char *spec, char **err_r)
{
	return maps_compile_as(spec, 0, err_r);
}

int
maps_compile_aliases(const char *spec, char **err_r)
{
	/* only a hash: source is ours to read in another format */
	return maps_compile_as(spec, strncmp(spec, "hash:", 5) == 0 ?
	    MAPS_COMPILE_ALIASES : 0, err_r);
}

/*
 * Split off the next spec of a list: separators are commas and white
 * space outside braces. 1 with *start_r and *len_r set, 0 at the end,
 * -1 on unbalanced braces.
 */
static int
maps_list_next(const char **pp, const char **start_r, size_t *len_r)
{
	const char *p = *pp;
	int depth = 0;

	p += strspn(p, ", \t\r\n");
	if (*p == '\0')
		return 0;
	*start_r = p;
	for (; *p != '\0'; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}') {
			if (--depth < 0)
				return -1;
		} else if (depth == 0 && strchr(", \t\r\n", *p) != NULL)
			break;
	}
	if (depth != 0)
		return -1;
	*len_r = (size_t)(p - *start_r);
	*pp = p;
	return 1;
}

struct maps_list *
maps_list_open(const char *specs, int flags, char **err_r)
{
	struct maps_list *l;
	const char *p = specs, *start;
	size_t len;
	char *one;
	int r;

	l = xcalloc(1, sizeof(*l));
	while ((r = maps_list_next(&p, &start, &len)) > 0) {
		one = xstrndup(start, len);
		l->tab = xreallocarray(l->tab, l->n + 1, sizeof(*l->tab));
		l->tab[l->n] = maps_open(one, flags, err_r);
		free(one);
		if (l->tab[l->n] == NULL) {
			maps_list_close(&l);
			return NULL;
		}
		l->n++;
	}
	if (r < 0) {
		err_set(err_r, "table list \"%.200s\": unbalanced braces",
		    specs);
		maps_list_close(&l);
		return NULL;
	}
	return l;
}

int
maps_list_lookup(struct maps_list *l, const char *key, const char **value_r,
    char **err_r)
{
	size_t i;
	int r;

	for (i = 0; i < l->n; i++)
		if ((r = maps_lookup(l->tab[i], key, value_r, err_r)) != 0)
			return r;
	return 0;
}

size_t
maps_list_count(const struct maps_list *l)
{
	return l->n;
}

void
maps_list_close(struct maps_list **lp)
{
	struct maps_list *l = *lp;
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		maps_close(&l->tab[i]);
	free(l->tab);
	free(l);
	*lp = NULL;
}
