/*
 * NAME
 *	smtpd_domain - domain lists: mydestination, relay_domains,
 *	virtual_mailbox_domains, virtual_alias_domains.
 *
 * DESCRIPTION
 *	A list is the parameter's value split on commas and white space.
 *	Each entry is
 *	  example.org		that domain (with `parent`: and its
 *				subdomains, as Postfix's
 *				parent_domain_matches_subdomains does for
 *				relay_domains)
 *	  .example.org		the subdomains of example.org
 *	  type:table		a lookup table whose keys are domains
 *				(virtual_mailbox_domains defaults to
 *				$virtual_mailbox_maps: the domains that
 *				have an entry there); the domain, then its
 *				parents with `parent`, then ".parent" keys
 *				are looked up
 *	Names compare without case. A table that fails makes the answer
 *	-1: the caller defers (451 4.3.0), never rejects or accepts.
 *
 * SECURITY
 *	Domains to match come from addr_parse_path (normalised, bounded);
 *	tables are opened before the jail with MAPS_OPEN_DEFER.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "smtpd.h"
#include "xmalloc.h"

struct smtpd_domain_entry {
	char			*name;	/* lower case; NULL for a table */
	struct maps_table	*table;
};

struct smtpd_domains {
	struct smtpd_domain_entry *v;
	size_t			 n;
	int			 parent;
};

struct smtpd_domains *
smtpd_domains_new(const char *param, const char *value, int parent)
{
	struct smtpd_domains *d = xcalloc(1, sizeof(*d));
	char **list = params_list(value != NULL ? value : "");
	char *err = NULL;
	size_t i, n;

	for (n = 0; list[n] != NULL; n++)
		;
	d->v = xcalloc(n + 1, sizeof(*d->v));
	d->parent = parent;
	for (i = 0; i < n; i++) {
		if (strchr(list[i], ':') != NULL && list[i][0] != '[') {
			d->v[d->n].table = maps_open(list[i],
			    MAPS_OPEN_DEFER, &err);
			if (d->v[d->n].table == NULL)
				log_fatal("%s: %s", param, err);
		} else {
			d->v[d->n].name = xstrdup(list[i]);
			addr_lower(d->v[d->n].name);
		}
		d->n++;
	}
	params_list_free(list);
	return d;
}

int
smtpd_domains_empty(const struct smtpd_domains *d)
{
	return d == NULL || d->n == 0;
}

/* Does name (an entry) match domain? */
static int
smtpd_domain_name_match(const char *name, const char *domain, int parent)
{
	size_t nl, dl;

	if (name[0] == '.') {
		nl = strlen(name);
		dl = strlen(domain);
		return dl > nl && strcmp(domain + dl - nl, name) == 0;
	}
	if (strcmp(name, domain) == 0)
		return 1;
	if (!parent)
		return 0;
	nl = strlen(name);
	dl = strlen(domain);
	return dl > nl + 1 && domain[dl - nl - 1] == '.' &&
	    strcmp(domain + dl - nl, name) == 0;
}

/* Look domain (and its parents) up in a table: 1, 0, -1. */
static int
smtpd_domain_table_match(struct maps_table *t, const char *domain,
    int parent, char **err_r)
{
	char key[ADDR_DOMAIN_MAX + 2];
	const char *value, *p;
	int r;

	if ((r = maps_lookup(t, domain, &value, err_r)) != 0)
		return r;
	for (p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.')) {
		if (parent && p[1] != '\0' &&
		    (r = maps_lookup(t, p + 1, &value, err_r)) != 0)
			return r;
		if (strlcpy(key, p, sizeof(key)) >= sizeof(key))
			continue;
		if ((r = maps_lookup(t, key, &value, err_r)) != 0)
			return r;
	}
	return 0;
}

int
smtpd_domains_match(struct smtpd_domains *d, const char *domain,
    char **err_r)
{
	size_t i;
	int r;

	if (d == NULL || *domain == '\0')
		return 0;
	for (i = 0; i < d->n; i++) {
		if (d->v[i].name != NULL) {
			if (smtpd_domain_name_match(d->v[i].name, domain,
			    d->parent))
				return 1;
			continue;
		}
		if ((r = smtpd_domain_table_match(d->v[i].table, domain,
		    d->parent, err_r)) != 0)
			return r;
	}
	return 0;
}

void
smtpd_domains_free(struct smtpd_domains **dp)
{
	struct smtpd_domains *d = *dp;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].name);
		maps_close(&d->v[i].table);
	}
	free(d->v);
	free(d);
	*dp = NULL;
}
