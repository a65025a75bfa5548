/*
 * NAME
 *	netlist - lists of client networks: mynetworks and the like
 *
 * DESCRIPTION
 *	Postfix's notation (netlist.c): addresses and CIDR networks, IPv6
 *	in brackets or bare, separated by commas and/or white space. smtpd
 *	matches its clients against mynetworks and
 *	smtpd_forbid_bare_newline_exclusions; the login side of pop3d and
 *	imapd lets clients in mynetworks log in without TLS.
 *
 * SECURITY
 *	The lists are configuration; addresses matched are numeric, from
 *	getpeername().
 */
#ifndef POSTERN_NETLIST_H
#define POSTERN_NETLIST_H

struct netlist;

/*
 * Parse a list (a parameter value): the list, or NULL with *err_r
 * (malloc'd: "bad network \"x\"").
 */
struct netlist *netlist_new(const char *value, char **err_r);
/* 1 when the numeric address addr is in one of the networks; NULL: 0. */
int	netlist_match(const struct netlist *, const char *addr);
void	netlist_free(struct netlist **);

#endif
