/*
 * NAME
 *	domain_class - domain lists and the class of a recipient domain;
 *	see domain_class.h.
 *
 * DESCRIPTION
 *	A list is split once, when it is opened: table items are opened,
 *	names kept in lower case without a final dot. A match walks the
 *	items in order; the first that has the domain answers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "domain_class.h"
#include "err.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "xmalloc.h"

struct domain_item {
	char			*name;	/* lower case; NULL for a table */
	struct maps_table	*table;
};

struct domain_list {
	struct domain_item	*v;
	size_t			 n;
	int			 parent;
};

struct domain_classes {
	struct domain_list	*list[DOMAIN_RELAY + 1];	/* by class */
};

/* An item that names a lookup table rather than a domain. */
static int
domain_is_table(const char *item)
{
	const char *colon = strchr(item, ':');

	return colon != NULL && colon > item && item[0] != '[';
}

struct domain_list *
domain_list_open(const char *param, const char *value, int flags,
    char **err_r)
{
	struct domain_list *dl = xcalloc(1, sizeof(*dl));
	char **items = params_list(value != NULL ? value : "");
	struct domain_item *it;
	size_t i, n, len;

	for (n = 0; items[n] != NULL; n++)
		;
	dl->v = xcalloc(n + 1, sizeof(*dl->v));
	dl->parent = (flags & DOMAIN_LIST_PARENT) != 0;
	for (i = 0; i < n; i++) {
		it = &dl->v[dl->n];
		if (domain_is_table(items[i])) {
			if ((it->table = maps_open(items[i],
			    flags & ~DOMAIN_LIST_PARENT, err_r)) == NULL) {
				err_wrap(err_r, "%s", param);
				params_list_free(items);
				domain_list_close(&dl);
				return NULL;
			}
		} else {
			it->name = xstrdup(items[i]);
			addr_lower(it->name);
			if ((len = strlen(it->name)) > 1 &&
			    it->name[len - 1] == '.')
				it->name[len - 1] = '\0';
		}
		dl->n++;
	}
	params_list_free(items);
	return dl;
}

int
domain_list_empty(const struct domain_list *dl)
{
	return dl == NULL || dl->n == 0;
}

void
domain_list_close(struct domain_list **dlp)
{
	struct domain_list *dl = *dlp;
	size_t i;

	if (dl == NULL)
		return;
	for (i = 0; i < dl->n; i++) {
		free(dl->v[i].name);
		maps_close(&dl->v[i].table);
	}
	free(dl->v);
	free(dl);
	*dlp = NULL;
}

/* Does a name item match domain? */
static int
domain_name_match(const char *name, const char *domain, int parent)
{
	size_t nl = strlen(name), dl = strlen(domain);

	if (name[0] == '.')
		return dl > nl && strcasecmp(domain + dl - nl, name) == 0;
	if (strcasecmp(name, domain) == 0)
		return 1;
	return parent && dl > nl + 1 && domain[dl - nl - 1] == '.' &&
	    strcasecmp(domain + dl - nl, name) == 0;
}

/* Look domain up in a table, then its parents: 1, 0, -1. */
static int
domain_table_match(struct maps_table *t, const char *domain, int parent,
    char **err_r)
{
	const char *value, *p;
	int r;

	if ((r = maps_lookup(t, domain, &value, err_r)) != 0)
		return r;
	for (p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.')) {
		if (parent && p[1] != '\0' &&
		    (r = maps_lookup(t, p + 1, &value, err_r)) != 0)
			return r;
		if ((r = maps_lookup(t, p, &value, err_r)) != 0)
			return r;
	}
	return 0;
}

int
domain_list_match(struct domain_list *dl, const char *domain, char **err_r)
{
	size_t i;
	int r;

	if (dl == NULL || *domain == '\0')
		return 0;
	for (i = 0; i < dl->n; i++) {
		if (dl->v[i].name != NULL) {
			if (domain_name_match(dl->v[i].name, domain,
			    dl->parent))
				return 1;
		} else if ((r = domain_table_match(dl->v[i].table, domain,
		    dl->parent, err_r)) != 0)
			return r;
	}
	return 0;
}

/* --- the four classes ---------------------------------------------------- */

static const struct {
	const char	*param;
	char		**value;
	int		 flags;
} domain_params[DOMAIN_RELAY + 1] = {
	[DOMAIN_LOCAL] = { "mydestination", &var_mydestination, 0 },
	[DOMAIN_VALIAS] = { "virtual_alias_domains",
	    &var_virtual_alias_domains, 0 },
	[DOMAIN_VMAILBOX] = { "virtual_mailbox_domains",
	    &var_virtual_mailbox_domains, 0 },
	[DOMAIN_RELAY] = { "relay_domains", &var_relay_domains,
	    DOMAIN_LIST_PARENT },
};

const char *
domain_class_param(enum domain_class c)
{
	return c >= DOMAIN_LOCAL && c <= DOMAIN_RELAY ?
	    domain_params[c].param : "(remote)";
}

struct domain_classes *
domain_classes_open(int maps_flags, char **err_r)
{
	struct domain_classes *dc = xcalloc(1, sizeof(*dc));
	int c;

	for (c = DOMAIN_LOCAL; c <= DOMAIN_RELAY; c++)
		if ((dc->list[c] = domain_list_open(domain_params[c].param,
		    *domain_params[c].value, maps_flags |
		    domain_params[c].flags, err_r)) == NULL) {
			domain_classes_close(&dc);
			return NULL;
		}
	return dc;
}

void
domain_classes_close(struct domain_classes **dcp)
{
	int c;

	if (*dcp == NULL)
		return;
	for (c = DOMAIN_LOCAL; c <= DOMAIN_RELAY; c++)
		domain_list_close(&(*dcp)->list[c]);
	free(*dcp);
	*dcp = NULL;
}

int
domain_class_has(struct domain_classes *dc, enum domain_class c,
    const char *domain, char **err_r)
{
	if (c < DOMAIN_LOCAL || c > DOMAIN_RELAY)
		log_panic("domain_class_has: class %d", (int)c);
	return domain_list_match(dc->list[c], domain, err_r);
}

int
domain_class(struct domain_classes *dc, const char *domain, char **err_r)
{
	int c, r;

	for (c = DOMAIN_LOCAL; c <= DOMAIN_RELAY; c++) {
		if ((r = domain_list_match(dc->list[c], domain, err_r)) < 0)
			return -1;
		if (r == 0)
			continue;
		if (c == DOMAIN_VALIAS && domain_list_match(
		    dc->list[DOMAIN_VMAILBOX], domain, NULL) == 1)
			log_warn("do not list domain %s in both "
			    "virtual_alias_domains and "
			    "virtual_mailbox_domains: it is a virtual alias "
			    "domain", domain);
		return c;
	}
	return DOMAIN_REMOTE;
}
