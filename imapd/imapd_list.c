/*
 * NAME
 *	imapd_list - LIST (RFC 9051 6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819
 *	LIST-STATUS, RFC 6154 SPECIAL-USE, RFC 3348 CHILDREN), LSUB
 *	(IMAP4rev1) and NAMESPACE
 *
 * DESCRIPTION
 *	The candidates are the folders on disk (INBOX first) and the
 *	parents they imply that do not exist themselves (\NonExistent, or
 *	\Noselect for IMAP4rev1 clients, with \HasChildren); with the
 *	SUBSCRIBED selection, the subscribed names. Every candidate that
 *	matches a pattern ("*" anything, "%" anything but the delimiter,
 *	after the reference name) is listed once with \HasChildren or
 *	\HasNoChildren, its special use (always, as Dovecot does: clients
 *	look for it in plain LIST) and \Subscribed when asked; RETURN
 *	(STATUS (...)) follows each selectable one with its STATUS.
 *	RECURSIVEMATCH adds CHILDINFO ("SUBSCRIBED") to a parent whose
 *	children match the selection.
 *
 * SECURITY
 *	Patterns come from the client: at most PATTERN_MAX bytes, matched
 *	by a state-set simulation in O(name * pattern), never by
 *	backtracking.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_utf7.h"
#include "imapd.h"
#include "log.h"
#include "vbuf.h"
#include "xmalloc.h"

#define PATTERN_MAX	1024

#define SEL_SUBSCRIBED	0x1
#define SEL_RECURSIVE	0x2
#define SEL_SPECIAL	0x4
#define RET_SUBSCRIBED	0x1
#define RET_CHILDREN	0x2
#define RET_STATUS	0x4
#define RET_SPECIAL	0x8

struct cand {
	char	*name;
	int	 exists;
	int	 subscribed;
	int	 children;		/* has children on disk */
	int	 sub_children;		/* has subscribed children */
};

struct listing {
	struct cand	*c;
	size_t		 n, cap;
};

/* Does name match pattern? ("*": anything; "%": anything but ".") */
static int
match(const char *pat, const char *name)
{
	size_t plen = strlen(pat), i, j;
	unsigned char *cur, *next;
	int r;

	cur = xcalloc(plen + 1, 1);
	next = xcalloc(plen + 1, 1);
	cur[0] = 1;
	/* a wildcard may match nothing: close the states over them */
	for (i = 0; i < plen && cur[i] && (pat[i] == '*' || pat[i] == '%');
	    i++)
		cur[i + 1] = 1;
	for (; *name != '\0'; name++) {
		memset(next, 0, plen + 1);
		for (i = 0; i < plen; i++) {
			if (!cur[i])
				continue;
			if (pat[i] == '*' ||
			    (pat[i] == '%' && *name != IMAPD_DELIM))
				next[i] = 1;
			else if (pat[i] == *name)
				next[i + 1] = 1;
		}
		for (j = 0; j < plen; j++)
			if (next[j] && (pat[j] == '*' || pat[j] == '%'))
				next[j + 1] = 1;
		memcpy(cur, next, plen + 1);
	}
	r = cur[plen];
	free(cur);
	free(next);
	return r;
}

static struct cand *
cand_find(struct listing *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->c[i].name, name) == 0)
			return &l->c[i];
	return NULL;
}

static struct cand *
cand_add(struct listing *l, const char *name)
{
	struct cand *c;

	if ((c = cand_find(l, name)) != NULL)
		return c;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->c = xreallocarray(l->c, l->cap, sizeof(*l->c));
	}
	c = &l->c[l->n++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	return c;
}

/* The folders, their implied parents, and what has children. */
static void
collect(struct imapd *d, struct listing *l, char **folders, size_t nf,
    char **subs, size_t ns)
{
	struct cand *c;
	char *p, *parent;
	size_t i;
	int sub;

	for (i = 0; i < nf; i++)
		cand_add(l, folders[i])->exists = 1;
	for (i = 0; i < ns; i++)
		cand_add(l, subs[i])->subscribed = 1;
	/* parents: implied by folders and by subscriptions */
	for (i = 0; i < nf + ns; i++) {
		sub = i >= nf;
		parent = xstrdup(sub ? subs[i - nf] : folders[i]);
		while ((p = strrchr(parent, IMAPD_DELIM)) != NULL) {
			*p = '\0';
			if (*parent == '\0')
				break;
			c = cand_add(l, parent);
			if (sub)
				c->sub_children = 1;
			else
				c->children = 1;
		}
		free(parent);
	}
	(void)d;
}

static void
listing_free(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->c[i].name);
	free(l->c);
}

/* A pattern as stored names are written (modified UTF-7, INBOX). */
static char *
pattern(struct imapd *d, const char *ref, const char *pat)
{
	struct vbuf b, full;
	char *s;

	vbuf_init(&full, 64, VBUF_NOLIMIT);
	(void)vbuf_appends(&full, ref);
	(void)vbuf_appends(&full, pat);
	vbuf_init(&b, 64, VBUF_NOLIMIT);
	if (!(d->enabled & IMAPD_EN_UTF8) ||
	    imap_utf8_to_utf7(vbuf_str(&full), &b) < 0)
		(void)vbuf_sets(&b, vbuf_str(&full));
	if (strncasecmp(vbuf_str(&b), "INBOX", 5) == 0 &&
	    (b.data[5] == '\0' || b.data[5] == IMAPD_DELIM))
		memcpy(b.data, "INBOX", 5);
	s = arena_strndup(imap_parser_arena(d->parser), vbuf_str(&b),
	    vbuf_len(&b));
	vbuf_release(&b);
	vbuf_release(&full);
	return s;
}

/* The bit of option s among names, or -1. */
static int
opt_bit(const struct imap_arg *a, const char *const *names,
    const unsigned *bits, size_t n)
{
	const char *s;
	size_t i;

	if (!imap_arg_atom(a, &s))
		return -1;
	for (i = 0; i < n; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)bits[i];
	return -1;
}

static int
list_opts(const struct imap_arg *a, const char *const *names,
    const unsigned *bits, size_t n, unsigned *out)
{
	const struct imap_arg *l;
	int bit;

	for (l = a->list; l != NULL; l = l->next) {
		if ((bit = opt_bit(l, names, bits, n)) < 0)
			return -1;
		*out |= (unsigned)bit;
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
put_attrs(struct imapd *d, struct vbuf *b, const struct cand *c,
    unsigned sel, unsigned ret)
{
	const char *use;
	size_t start = vbuf_len(b);

#define ATTR(s) do {							\
	if (vbuf_len(b) > start)					\
		(void)vbuf_appendc(b, ' ');				\
	(void)vbuf_appends(b, s);					\
} while (0)
	if (!c->exists)
		ATTR(imapd_rev2(d) || (sel & SEL_SUBSCRIBED) ?
		    "\\NonExistent" : "\\Noselect");
	if (c->children)
		ATTR("\\HasChildren");
	else if (c->exists)
		ATTR("\\HasNoChildren");
	if (c->subscribed && ((sel & SEL_SUBSCRIBED) ||
	    (ret & RET_SUBSCRIBED)))
		ATTR("\\Subscribed");
	if (c->exists && (use = imapd_special_use(c->name)) != NULL)
		ATTR(use);
#undef ATTR
}

int
imapd_cmd_list(struct imapd *d, const struct imap_arg *args)
{
	static const char *const sel_names[] = { "SUBSCRIBED", "REMOTE",
	    "RECURSIVEMATCH", "SPECIAL-USE" };
	static const unsigned sel_bits[] = { SEL_SUBSCRIBED, 0,
	    SEL_RECURSIVE, SEL_SPECIAL };
	static const char *const ret_names[] = { "SUBSCRIBED", "CHILDREN",
	    "SPECIAL-USE" };
	static const unsigned ret_bits[] = { RET_SUBSCRIBED, RET_CHILDREN,
	    RET_SPECIAL };
	const struct imap_arg *a = args, *pats, *p;
	const char *ref, *pat, **patterns;
	char **folders = NULL, **subs = NULL, *err = NULL;
	size_t nf = 0, ns = 0, np = 0, i, k;
	unsigned sel = 0, ret = 0, status = 0;
	struct listing l = { NULL, 0, 0 };
	struct vbuf b, st;
	int listed, bit;

	if (a != NULL && a->type == IMAP_ARG_LIST) {
		if (list_opts(a, sel_names, sel_bits, 4, &sel) < 0 ||
		    ((sel & SEL_RECURSIVE) && !(sel & ~SEL_RECURSIVE))) {
			imapd_bad(d, "Invalid LIST selection options.");
			return 0;
		}
		a = a->next;
	}
	if (!imap_arg_astring(a, &ref, NULL) || (pats = a->next) == NULL) {
		imapd_bad(d, "Missing reference or pattern.");
		return 0;
	}
	patterns = arena_calloc(imap_parser_arena(d->parser),
	    pats->type == IMAP_ARG_LIST ? pats->count + 1 : 1,
	    sizeof(*patterns));
	for (p = pats->type == IMAP_ARG_LIST ? pats->list : pats; p != NULL;
	    p = p->next) {
		if ((p->type != IMAP_ARG_ATOM && !imap_arg_string(p, &pat,
		    NULL)) || strlen(p->str) > PATTERN_MAX) {
			imapd_bad(d, "Invalid pattern.");
			return 0;
		}
		patterns[np++] = pattern(d, ref, p->str);
		if (pats->type != IMAP_ARG_LIST)
			break;
	}
	for (a = pats->next; a != NULL; a = a->next) {
		if (!imap_arg_is_atom(a, "RETURN") || a->next == NULL ||
		    a->next->type != IMAP_ARG_LIST) {
			imapd_bad(d, "Invalid LIST return options.");
			return 0;
		}
		a = a->next;
		for (p = a->list; p != NULL; p = p->next) {
			if (imap_arg_is_atom(p, "STATUS")) {
				if (imapd_status_items(p->next, &status) < 0) {
					imapd_bad(d, "Invalid STATUS items.");
					return 0;
				}
				ret |= RET_STATUS;
				p = p->next;
				continue;
			}
			if ((bit = opt_bit(p, ret_names, ret_bits, 3)) < 0) {
				imapd_bad(d, "Invalid LIST return options.");
				return 0;
			}
			ret |= (unsigned)bit;
		}
	}
	/* LIST "" "": the delimiter and the root */
	if (np == 1 && *patterns[0] == '\0' && *ref == '\0') {
		imapd_untagged(d, "LIST (\\Noselect) \".\" \"\"");
		imapd_ok(d, "List completed.");
		return 0;
	}
	if (imapd_folder_list(d, &folders, &nf) < 0 ||
	    imapd_subs_load(d, &subs, &ns) < 0) {
		imapd_names_free(folders, nf);
		imapd_tagged(d, "NO [SERVERBUG] Cannot list the mailboxes.");
		return 0;
	}
	collect(d, &l, folders, nf, subs, ns);
	vbuf_init(&b, 128, VBUF_NOLIMIT);
	vbuf_init(&st, 128, VBUF_NOLIMIT);
	for (i = 0; i < l.n; i++) {
		struct cand *c = &l.c[i];

		for (k = 0, listed = 0; k < np && !listed; k++)
			listed = match(patterns[k], c->name);
		if (!listed)
			continue;
		if ((sel & SEL_SUBSCRIBED) && !c->subscribed &&
		    !((sel & SEL_RECURSIVE) && c->sub_children))
			continue;
		if ((sel & SEL_SPECIAL) && (!c->exists ||
		    imapd_special_use(c->name) == NULL))
			continue;
		if (!(sel & SEL_SUBSCRIBED) && !c->exists && !c->children)
			continue;	/* a subscription to nothing */
		vbuf_reset(&b);
		(void)vbuf_appends(&b, "LIST (");
		put_attrs(d, &b, c, sel, ret);
		(void)vbuf_appends(&b, ") \".\" ");
		imapd_put_mailbox(d, &b, c->name);
		if ((sel & SEL_RECURSIVE) && c->sub_children)
			(void)vbuf_appends(&b, " (\"CHILDINFO\" "
			    "(\"SUBSCRIBED\"))");
		imapd_untagged(d, "%s", vbuf_str(&b));
		if ((ret & RET_STATUS) && c->exists) {
			vbuf_reset(&st);
			if (imapd_status_put(d, c->name, status, &st,
			    &err) > 0)
				imapd_untagged(d, "%s", vbuf_str(&st));
			else if (err != NULL) {
				log_warn("%s: %s", d->sess.user, err);
				free(err);
				err = NULL;
			}
		}
	}
	vbuf_release(&b);
	vbuf_release(&st);
	listing_free(&l);
	imapd_names_free(folders, nf);
	imapd_names_free(subs, ns);
	imapd_ok(d, "List completed.");
	return 0;
}

int
imapd_cmd_lsub(struct imapd *d, const struct imap_arg *args)
{
	const char *ref, *pat;
	char **folders = NULL, **subs = NULL, *full;
	size_t nf = 0, ns = 0, i;
	struct vbuf b;
	int exists;

	if (!imap_arg_astring(args, &ref, NULL) || args->next == NULL ||
	    (args->next->type != IMAP_ARG_ATOM &&
	    !imap_arg_string(args->next, &pat, NULL)) ||
	    args->next->next != NULL) {
		imapd_bad(d, "Missing reference or pattern.");
		return 0;
	}
	full = pattern(d, ref, args->next->str);
	if (imapd_folder_list(d, &folders, &nf) < 0 ||
	    imapd_subs_load(d, &subs, &ns) < 0) {
		imapd_names_free(folders, nf);
		imapd_tagged(d, "NO [SERVERBUG] Cannot list the mailboxes.");
		return 0;
	}
	vbuf_init(&b, 128, VBUF_NOLIMIT);
	for (i = 0; i < ns; i++) {
		if (!match(full, subs[i]))
			continue;
		exists = bsearch(&subs[i], folders, nf, sizeof(*folders),
		    name_cmp) != NULL;
		vbuf_reset(&b);
		(void)vbuf_appendf(&b, "LSUB (%s) \".\" ",
		    exists ? "" : "\\Noselect");
		imapd_put_mailbox(d, &b, subs[i]);
		imapd_untagged(d, "%s", vbuf_str(&b));
	}
	vbuf_release(&b);
	imapd_names_free(folders, nf);
	imapd_names_free(subs, ns);
	imapd_ok(d, "Lsub completed.");
	return 0;
}

int
imapd_cmd_namespace(struct imapd *d, const struct imap_arg *args)
{
	if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	imapd_untagged(d, "NAMESPACE ((\"\" \".\")) NIL NIL");
	imapd_ok(d, "Namespace completed.");
	return 0;
}
