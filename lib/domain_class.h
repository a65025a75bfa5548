/*
 * NAME
 *	domain_class - the class of a recipient domain: local, virtual
 *	alias, virtual mailbox, relay, or none of these (remote). smtpd
 *	decides from it which recipients it accepts, qmgr which transport
 *	delivers them: one module, so that the two always agree (as
 *	Postfix's domain lists and trivial-rewrite serve smtpd and qmgr
 *	alike).
 *
 * DESCRIPTION
 *	A domain list parameter (mydestination, virtual_alias_domains,
 *	virtual_mailbox_domains, relay_domains) is split with params_list;
 *	each item is
 *	  example.org	that domain; in relay_domains also every
 *			subdomain (Postfix's parent_domain_matches_subdomains,
 *			which has relay_domains by default)
 *	  .example.org	the subdomains of example.org
 *	  type:table	a lookup table whose keys are domains: the domain
 *			is looked up, then for each parent domain the key
 *			".parent" and, in relay_domains, "parent"
 *			(virtual_mailbox_domains defaults to
 *			$virtual_mailbox_maps: the domains that have an
 *			entry there)
 *	Names compare without case; a final dot is ignored.
 *
 *	The class is the first list that has the domain, in Postfix's
 *	order: mydestination (DOMAIN_LOCAL), virtual_alias_domains
 *	(DOMAIN_VALIAS), virtual_mailbox_domains (DOMAIN_VMAILBOX),
 *	relay_domains (DOMAIN_RELAY); else DOMAIN_REMOTE. A domain in both
 *	virtual lists is a virtual alias domain, with a warning (Postfix
 *	says the same: list it in one of them).
 *
 *	A table that cannot be read makes the answer -1 with the reason:
 *	the caller defers (451 4.3.0, or a deferred recipient), never
 *	accepts, rejects or bounces because of it.
 *
 * SECURITY
 *	Domains come from addr_parse_* (normalised and bounded); keys are
 *	built in bounded buffers. Lists are the admin's; tables are opened
 *	before the jail with the caller's flags (MAPS_OPEN_DEFER).
 */
#ifndef POSTERN_DOMAIN_CLASS_H
#define POSTERN_DOMAIN_CLASS_H

enum domain_class {
	DOMAIN_REMOTE = 0,	/* in none of the lists */
	DOMAIN_LOCAL,		/* mydestination */
	DOMAIN_VALIAS,		/* virtual_alias_domains */
	DOMAIN_VMAILBOX,	/* virtual_mailbox_domains */
	DOMAIN_RELAY,		/* relay_domains */
};

#define DOMAIN_LIST_PARENT	0x100	/* "example.org" covers subdomains */

struct domain_list;
struct domain_classes;

/*
 * One list from its parameter value (param names it in messages).
 * flags: maps_open's (MAPS_OPEN_DEFER), and DOMAIN_LIST_PARENT. NULL
 * with *err_r when a table name is malformed (or cannot be opened
 * without MAPS_OPEN_DEFER).
 */
struct domain_list *domain_list_open(const char *param, const char *value,
	    int flags, char **err_r);
/* 1 the domain is in the list, 0 not, -1 a table error (*err_r). */
int	domain_list_match(struct domain_list *, const char *domain,
	    char **err_r);
/* 1 when the list has no item. */
int	domain_list_empty(const struct domain_list *);
void	domain_list_close(struct domain_list **);

/*
 * The four lists of the current parameters, tables opened with
 * maps_flags. NULL with *err_r naming the parameter.
 */
struct domain_classes *domain_classes_open(int maps_flags, char **err_r);
/* The class of domain (DOMAIN_*), or -1 with *err_r (defer). */
int	domain_class(struct domain_classes *, const char *domain,
	    char **err_r);
/* Is domain in the list of class c (not REMOTE)? 1, 0, -1 (*err_r). */
int	domain_class_has(struct domain_classes *, enum domain_class c,
	    const char *domain, char **err_r);
/* The parameter of a class ("relay_domains"), for messages. */
const char *domain_class_param(enum domain_class);
void	domain_classes_close(struct domain_classes **);

#endif
