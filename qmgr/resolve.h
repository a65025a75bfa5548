/*
 * NAME
 *	resolve - recipient address resolution: aliases, then transport
 *	and next hop.
 *
 * DESCRIPTION
 *	resolve_rcpt turns one envelope recipient, as stored in a queue
 *	file, into the final addresses it stands for, each with the
 *	transport (a master.cf service under private/) and the next hop a
 *	delivery agent gets, or with a reason why it cannot be delivered
 *	now (defer) or ever (bounce). In order:
 *
 *	1. virtual_alias_maps, for every domain. Keys, first match wins:
 *	   user+ext@domain, user@domain (when recipient_delimiter splits
 *	   the local part), @domain. The value is a list of addresses
 *	   separated by commas or white space; "@other" keeps the local
 *	   part (@domain -> @other rewrites a whole domain). An extension
 *	   that the key did not match is carried over to each result
 *	   (user+ext -> alias+ext), as Postfix propagates it. Every result
 *	   is resolved again from step 1. An address whose expansion
 *	   lists itself is final for that entry (a@d -> a@d, b@d keeps a
 *	   copy in a@d's mailbox). An address met again below itself (a
 *	   loop: a -> b -> a) stops there and is final, with a warning.
 *	   An address of a virtual_alias_domains domain with no entry
 *	   bounces 5.1.1 (a domain also in virtual_mailbox_domains is a
 *	   virtual alias domain, with a warning, as in Postfix).
 *	2. alias_maps, for the domains of mydestination (and an address
 *	   without a domain, which gets $myhostname): keys user+ext, then
 *	   user (the local part only, as Postfix's aliases(5)). A value
 *	   item without @ gets @$myorigin. Results are resolved again
 *	   from step 1. Items naming a command, a file or :include: are
 *	   not supported (Postern delivers only to mailboxes): deferred
 *	   4.3.5 so the admin can fix the table without losing mail.
 *	   Rule for root and postmaster (they always resolve): when
 *	   alias_maps has no entry, root@D becomes postmaster@D, and
 *	   postmaster@D becomes postmaster@$mydomain, which `postern init`
 *	   makes a virtual mailbox domain; when $mydomain is itself in
 *	   mydestination, postmaster@D stays as it is and goes to the
 *	   local transport.
 *	3. The transport of a final address: transport_maps with keys
 *	   user+ext@domain, user@domain, domain, .parent for each parent
 *	   domain, then "*"; the value is transport:nexthop as in Postfix
 *	   (an empty side keeps the default; "error:TEXT" bounces and
 *	   "retry:TEXT" defers, TEXT optionally starting with a status
 *	   code). Otherwise: mydestination -> local_transport,
 *	   virtual_mailbox_domains -> virtual_transport, relay_domains ->
 *	   relay_transport, anything else -> default_transport. The next
 *	   hop of local and virtual delivery is ""; of the others
 *	   $relayhost when set, else the recipient domain.
 *
 *	Limits: expansion depth virtual_alias_recursion_limit; the caller
 *	passes a budget of final addresses (virtual_alias_expansion_limit
 *	per message). Past either limit the recipient is deferred 4.3.0
 *	(Postfix defers too: the admin fixes the table, nothing is lost).
 *
 *	A table that answers with an error defers the recipient (4.3.0),
 *	never bounces it (maps.h). Nothing here bounces because a user does
 *	not exist in a mailbox domain: the local delivery agent knows its
 *	users and answers 5.1.1 itself.
 *
 *	The class of a domain (mydestination, virtual_alias_domains,
 *	virtual_mailbox_domains, relay_domains, or none) is
 *	lib/domain_class's answer, the same that smtpd accepts mail by:
 *	names, ".domain" for its subdomains, tables with domain and
 *	".parent" keys, and for relay_domains also the subdomains of a name
 *	(so virtual_alias_domains = $virtual_alias_maps needs a "domain
 *	anything" line, as in Postfix).
 *
 * SECURITY
 *	The addresses come from queue files written by smtpd (network
 *	input, checked there and again here with addr_parse_mailbox); the
 *	tables are the admin's. Expansion is bounded in depth and breadth,
 *	so a hostile or mistaken table costs bounded time and memory.
 */
#ifndef POSTERN_RESOLVE_H
#define POSTERN_RESOLVE_H

#include <stddef.h>

#include "dsn.h"

#define RESOLVE_OK	0	/* deliver: transport and nexthop are set */
#define RESOLVE_DEFER	1	/* try again later: dsn 4.x.x, text */
#define RESOLVE_BOUNCE	2	/* cannot be delivered: dsn 5.x.x, text */

struct resolve;

struct resolve_dest {
	char	*addr;			/* final address, external form */
	char	*transport;		/* RESOLVE_OK only, else NULL */
	char	*nexthop;		/* RESOLVE_OK only ("" for local) */
	int	 status;		/* RESOLVE_* */
	char	 dsn[DSN_STATUS_SIZE];	/* "2.0.0" for RESOLVE_OK */
	char	*text;			/* reason, NULL for RESOLVE_OK */
};

struct resolve_list {
	struct resolve_dest *v;
	size_t	 n, cap;
};

/*
 * Open the tables named by the current parameters (virtual_alias_maps,
 * alias_maps, transport_maps and the table items of the domain lists)
 * with maps_flags (MAPS_OPEN_DEFER in a server's pre_jail). NULL with
 * *err_r (the caller frees it) when a table name is malformed.
 */
struct resolve *resolve_open(int maps_flags, char **err_r);
/* Close the tables and free; sets *rp to NULL. NULL is fine. */
void	resolve_close(struct resolve **rp);

/*
 * Resolve the recipient addr (external form as in a queue file:
 * local@domain, the local part quoted when needed, or a bare local part
 * such as "postmaster"). smtputf8: the message allows UTF-8 addresses.
 * Appends the final destinations to out and returns how many (at least
 * 1). *budget is the number of final addresses the message may still
 * expand to; it is decreased by what is appended. When a table error or
 * a limit stops the expansion, a single RESOLVE_DEFER entry for addr is
 * appended instead of a partial expansion.
 */
size_t	resolve_rcpt(struct resolve *r, const char *addr, int smtputf8,
	    size_t *budget, struct resolve_list *out);

/* Free the entries of a list and reset it to empty. */
void	resolve_list_free(struct resolve_list *);

#endif
