/*
 * NAME
 *	resolver_rr - DNS record data into host names and addresses, and
 *	the order of a domain's mail servers.
 *
 * DESCRIPTION
 *	libunbound hands out each record's data in wire form, with the
 *	names inside it uncompressed. Postern decodes the three types it
 *	asks for itself: MX (a 16-bit preference and a name), A and AAAA.
 *	A name must be a host name (letters, digits, hyphens, underscores
 *	per label): anything else from DNS is not used, so no byte of a
 *	hostile answer reaches a log line, a TLS name check or a reply
 *	unchecked.
 *
 *	Order (RFC 5321 5.1): ascending preference; among equal
 *	preferences a random order, so that load spreads across them;
 *	a host listed twice keeps its best preference. A host's addresses:
 *	IPv6 before IPv4 (RFC 6724's default for global addresses), each
 *	family in the order DNS gave it.
 *
 * SECURITY
 *	Every length is checked before the byte it covers is read; a
 *	compression pointer (never present in libunbound's record data) is
 *	refused rather than followed.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolver.h"

int
resolver_rr_name(const unsigned char *data, size_t len, size_t *off,
    char *out, size_t outlen)
{
	size_t o = *off, n = 0, l, i;
	unsigned char c;

	if (outlen == 0)
		return -1;
	for (;;) {
		if (o >= len)
			return -1;
		l = data[o++];
		if (l == 0)
			break;
		if (l > 63 || len - o < l)	/* 0xc0: a pointer */
			return -1;
		if (n > 0) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = '.';
		}
		if (n + l >= outlen)
			return -1;
		for (i = 0; i < l; i++) {
			c = data[o + i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return -1;
			out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		o += l;
	}
	out[n] = '\0';
	if (n > RESOLVER_NAME_MAX)
		return -1;
	*off = o;
	return 0;
}

int
resolver_rr_mx(const unsigned char *data, size_t len, unsigned *pref_r,
    char *name, size_t namelen)
{
	size_t off = 2;

	if (len < 3)
		return -1;
	*pref_r = (unsigned)data[0] << 8 | data[1];
	if (resolver_rr_name(data, len, &off, name, namelen) < 0 ||
	    off != len)
		return -1;
	return 0;
}

int
resolver_rr_addr(int type, const unsigned char *data, size_t len, char *out,
    size_t outlen)
{
	if (type == RESOLVER_TYPE_A && len == 4)
		return inet_ntop(AF_INET, data, out, (socklen_t)outlen) !=
		    NULL ? 0 : -1;
	if (type == RESOLVER_TYPE_AAAA && len == 16)
		return inet_ntop(AF_INET6, data, out, (socklen_t)outlen) !=
		    NULL ? 0 : -1;
	return -1;
}

int
resolver_rr_add_addr(struct resolver_rr_host *h, const char *addr)
{
	size_t i;

	if (h->naddr >= RESOLVER_ADDR_MAX)
		return 0;
	for (i = 0; i < h->naddr; i++)
		if (strcmp(h->addr[i], addr) == 0)
			return 0;
	strlcpy(h->addr[h->naddr++], addr, sizeof(h->addr[0]));
	return 1;
}

void
resolver_rr_addr_order(struct resolver_rr_host *h)
{
	char tmp[RESOLVER_ADDR_TEXT_MAX];
	size_t i, j;

	/* insertion sort, stable: IPv6 (a ':' in it) before IPv4 */
	for (i = 1; i < h->naddr; i++) {
		if (strchr(h->addr[i], ':') == NULL)
			continue;
		for (j = i; j > 0 && strchr(h->addr[j - 1], ':') == NULL;
		    j--) {
			memcpy(tmp, h->addr[j], sizeof(tmp));
			memcpy(h->addr[j], h->addr[j - 1], sizeof(tmp));
			memcpy(h->addr[j - 1], tmp, sizeof(tmp));
		}
	}
}

static int
resolver_rr_cmp(const void *a, const void *b)
{
	const struct resolver_rr_host *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcasecmp(x->name, y->name);
}

size_t
resolver_rr_order(struct resolver_rr_host *hosts, size_t n,
    uint32_t (*rnd)(uint32_t))
{
	struct resolver_rr_host tmp;
	size_t i, j, out, start;

	if (n == 0)
		return 0;
	/* by preference, then name, so that duplicates are neighbours
	   after their best preference has come first */
	qsort(hosts, n, sizeof(*hosts), resolver_rr_cmp);
	for (i = 0, out = 0; i < n; i++) {
		for (j = 0; j < out; j++)
			if (strcasecmp(hosts[j].name, hosts[i].name) == 0)
				break;
		if (j < out)
			continue;
		if (out != i)
			hosts[out] = hosts[i];
		out++;
	}
	/* shuffle each run of equal preference (Fisher-Yates) */
	for (start = 0; start < out; start = i) {
		for (i = start + 1; i < out && hosts[i].pref ==
		    hosts[start].pref; i++)
			;
		for (j = i - start; j > 1; j--) {
			size_t k = start + rnd((uint32_t)j);

			tmp = hosts[start + j - 1];
			hosts[start + j - 1] = hosts[k];
			hosts[k] = tmp;
		}
	}
	return out;
}
