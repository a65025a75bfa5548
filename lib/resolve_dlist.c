/*
 * NAME
 *	resolve_dlist - domain lists for address resolution: literal
 *	names, ".parent" patterns and type:name tables.
 *
 * DESCRIPTION
 *	A list parameter such as mydestination is split once, when the
 *	resolver is opened: items that name a table (type:name, not an
 *	address literal) are opened with the caller's maps flags, the rest
 *	are kept as lower-case names. A domain matches a name exactly, a
 *	".parent" item when it ends in it, or a table that has the domain
 *	as a key. A table error is returned as -1: the caller defers.
 *
 * SECURITY
 *	List values are the admin's; domains come from queue files and were
 *	normalised by addr_parse_mailbox before they get here.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "maps.h"
#include "params.h"
#include "resolve.h"
#include "resolve_int.h"
#include "vbuf.h"
#include "xmalloc.h"

char **
resolve_split(const char *value)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0, len;
	const char *p = value, *start;
	int quote, depth;

	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		quote = depth = 0;
		for (; *p != '\0'; p++) {
			if (quote) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '"')
					quote = 0;
				continue;
			}
			if (*p == '"')
				quote = 1;
			else if (*p == '{')
				depth++;
			else if (*p == '}' && depth > 0)
				depth--;
			else if (depth == 0 &&
			    (*p == ',' || isspace((unsigned char)*p)))
				break;
		}
		len = (size_t)(p - start);
		v = xreallocarray(v, n + 2, sizeof(char *));
		v[n++] = xstrndup(start, len);
		v[n] = NULL;
	}
	return v;
}

/* A list item that names a lookup table rather than a domain. */
static int
resolve_is_table(const char *item)
{
	const char *colon = strchr(item, ':');

	return colon != NULL && item[0] != '[' && colon > item;
}

int
resolve_dlist_open(struct resolve_dlist *dl, const char *spec, int flags,
    char **err_r)
{
	char **items = resolve_split(spec != NULL ? spec : "");
	struct maps_table *t;
	size_t i;

	memset(dl, 0, sizeof(*dl));
	for (i = 0; items[i] != NULL; i++) {
		if (resolve_is_table(items[i])) {
			if ((t = maps_open(items[i], flags, err_r)) == NULL) {
				params_list_free(items);
				resolve_dlist_close(dl);
				return -1;
			}
			dl->tables = xreallocarray(dl->tables,
			    dl->ntables + 1, sizeof(*dl->tables));
			dl->tables[dl->ntables++] = t;
			continue;
		}
		addr_lower(items[i]);
		if (items[i][0] != '\0' &&
		    items[i][strlen(items[i]) - 1] == '.')
			items[i][strlen(items[i]) - 1] = '\0';
		dl->names = xreallocarray(dl->names, dl->nnames + 1,
		    sizeof(*dl->names));
		dl->names[dl->nnames++] = xstrdup(items[i]);
	}
	params_list_free(items);
	return 0;
}

void
resolve_dlist_close(struct resolve_dlist *dl)
{
	size_t i;

	for (i = 0; i < dl->nnames; i++)
		free(dl->names[i]);
	free(dl->names);
	for (i = 0; i < dl->ntables; i++)
		maps_close(&dl->tables[i]);
	free(dl->tables);
	memset(dl, 0, sizeof(*dl));
}

int
resolve_dlist_match(struct resolve_dlist *dl, const char *domain,
    char **err_r)
{
	size_t i, dlen = strlen(domain), nlen;
	const char *value;
	int r;

	for (i = 0; i < dl->nnames; i++) {
		const char *n = dl->names[i];

		if (n[0] == '.') {
			nlen = strlen(n);
			if (dlen > nlen &&
			    strcmp(domain + dlen - nlen, n) == 0)
				return 1;
		} else if (strcmp(n, domain) == 0)
			return 1;
	}
	for (i = 0; i < dl->ntables; i++) {
		r = maps_lookup(dl->tables[i], domain, &value, err_r);
		if (r != 0)
			return r;
	}
	return 0;
}
