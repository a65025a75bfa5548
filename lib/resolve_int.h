/*
 * resolve_int - private interface between the lib/resolve*.c files.
 */
#ifndef POSTERN_RESOLVE_INT_H
#define POSTERN_RESOLVE_INT_H

#include "maps.h"

/* A domain list (mydestination, ...): literal names and tables. */
struct resolve_dlist {
	char		**names;	/* "example.org" or ".example.org" */
	size_t		  nnames;
	struct maps_table **tables;
	size_t		  ntables;
};

struct resolve {
	struct maps_list	*virtual_alias;
	struct maps_list	*alias;
	struct maps_list	*transport;
	struct resolve_dlist	 mydestination;
	struct resolve_dlist	 virtual_mailbox_domains;
	struct resolve_dlist	 virtual_alias_domains;
	struct resolve_dlist	 relay_domains;
};

/* resolve_dlist.c */
int	resolve_dlist_open(struct resolve_dlist *, const char *spec, int flags,
	    char **err_r);
void	resolve_dlist_close(struct resolve_dlist *);
/* 1 in the list, 0 not, -1 table error (*err_r). domain is lower case. */
int	resolve_dlist_match(struct resolve_dlist *, const char *domain,
	    char **err_r);
/*
 * Split a list value ("a, b c", "x@y, \"q r\"@z", "inline:{a=b, c=d}")
 * into malloc'd items: commas and white space separate, except inside
 * double quotes and braces. NULL-terminated; free with
 * params_list_free.
 */
char	**resolve_split(const char *value);

#endif
