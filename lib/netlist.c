/*
 * NAME
 *	netlist - lists of client networks (mynetworks and the like); see
 *	netlist.h.
 *
 * DESCRIPTION
 *	A list holds entries separated by commas and/or white space, in
 *	Postfix's notation: an address (192.0.2.1, 2001:db8::1) or a
 *	network in CIDR form (127.0.0.0/8, 2001:db8::/32); IPv6 may be
 *	written in brackets ([::1]/128, [2001:db8::]/32). A network whose
 *	address has bits set past the prefix is refused, as Postfix does
 *	(it is almost always a typing error). An IPv4 client that reaches
 *	an IPv6 socket as ::ffff:a.b.c.d is matched as IPv4.
 *
 * SECURITY
 *	Configuration text, parsed once at startup; addresses to match come
 *	from getpeername() via sock_peer_addr, in numeric form.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "netlist.h"
#include "params.h"
#include "xmalloc.h"

struct netlist_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	unsigned	 prefix;
};

struct netlist {
	struct netlist_net *v;
	size_t		 n;
};

/* Parse a numeric address (IPv4-mapped IPv6 becomes IPv4). */
static int
netlist_addr(const char *s, int *family_r, unsigned char *out)
{
	unsigned char a6[16];

	if (inet_pton(AF_INET, s, out) == 1) {
		*family_r = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a6)) {
		memcpy(out, a6 + 12, 4);
		*family_r = AF_INET;
		return 0;
	}
	memcpy(out, a6, 16);
	*family_r = AF_INET6;
	return 0;
}

/* Does addr match net in its first prefix bits? */
static int
netlist_bits(const unsigned char *a, const unsigned char *b,
    unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* One entry: 0, or -1 when it is not a network. */
static int
netlist_parse(const char *entry, struct netlist_net *net)
{
	char buf[128], *slash, *host = buf, *end;
	unsigned long prefix;
	unsigned max;

	if (strlcpy(buf, entry, sizeof(buf)) >= sizeof(buf))
		return -1;
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (*host == '[') {
		end = host + strlen(host) - 1;
		if (end <= host || *end != ']')
			return -1;
		*end = '\0';
		host++;
		if (strchr(host, ':') == NULL)
			return -1;	/* brackets only around IPv6 */
	}
	if (netlist_addr(host, &net->family, net->addr) < 0)
		return -1;
	max = net->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		prefix = max;
	else {
		if (*slash < '0' || *slash > '9' || strlen(slash) > 3)
			return -1;
		prefix = strtoul(slash, &end, 10);
		/* ::ffff:a.b.c.d/120 means a.b.c.d/24 */
		if (net->family == AF_INET && strchr(host, ':') != NULL) {
			if (*end != '\0' || prefix < 96 || prefix > 128)
				return -1;
			prefix -= 96;
		}
		if (*end != '\0' || prefix > max)
			return -1;
	}
	net->prefix = (unsigned)prefix;
	/* no host bits past the prefix */
	for (unsigned i = net->prefix; i < max; i++)
		if (net->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

struct netlist *
netlist_new(const char *value, char **err_r)
{
	struct netlist *nets = xcalloc(1, sizeof(*nets));
	char **list = params_list(value != NULL ? value : "");
	size_t i, n;

	for (n = 0; list[n] != NULL; n++)
		;
	nets->v = xcalloc(n + 1, sizeof(*nets->v));
	for (i = 0; i < n; i++) {
		if (netlist_parse(list[i], &nets->v[nets->n]) < 0) {
			err_set(err_r, "bad network \"%.100s\"", list[i]);
			params_list_free(list);
			netlist_free(&nets);
			return NULL;
		}
		nets->n++;
	}
	params_list_free(list);
	return nets;
}

int
netlist_match(const struct netlist *nets, const char *addr)
{
	unsigned char a[16];
	int family;
	size_t i;

	if (nets == NULL || netlist_addr(addr, &family, a) < 0)
		return 0;
	for (i = 0; i < nets->n; i++)
		if (nets->v[i].family == family &&
		    netlist_bits(a, nets->v[i].addr, nets->v[i].prefix))
			return 1;
	return 0;
}

void
netlist_free(struct netlist **np)
{
	if (*np == NULL)
		return;
	free((*np)->v);
	free(*np);
	*np = NULL;
}
