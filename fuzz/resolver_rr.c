/*
 * fuzz/resolver_rr - libFuzzer harness for the DNS record handling the
 * resolver does itself (resolver/resolver_rr.c, resolver_name.c): MX, A
 * and AAAA record data as libunbound hands it out, the ordering of the
 * hosts, and the conversion of a domain to A-labels.
 *
 * Input: a list of records, each a type byte (0: MX, 1: A, 2: AAAA,
 * 3: a domain name to convert), a length byte, then that many bytes.
 * Whatever decodes is ordered as one MX answer would be.
 *
 * Properties: a decoded name is a host name (resolver_name_ok) or the
 * root; a converted domain is too; the ordered hosts are by ascending
 * preference, each name once; a host's addresses end IPv6 first.
 * Links resolver/'s objects minus main.o.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <strings.h>

#include "fuzz.h"
#include "resolver/resolver.h"

static uint32_t
fuzz_rnd(uint32_t n)
{
	static uint32_t x = 1;

	x = x * 1103515245u + 12345u;
	return x % n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct resolver_rr_host hosts[64];
	char name[RESOLVER_NAME_MAX + 1], addr[RESOLVER_ADDR_TEXT_MAX];
	char text[RESOLVER_UNAME_MAX + 1];
	const char *why;
	size_t off = 0, n = 0, len, i, j;
	unsigned pref;
	uint8_t type;

	fuzz_quiet_log();
	while (off + 2 <= size) {
		type = data[off] & 3;
		len = data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		switch (type) {
		case 0:
			if (resolver_rr_mx(data + off, len, &pref, name,
			    sizeof(name)) == 0)
				FUZZ_CHECK(name[0] == '\0' ||
				    resolver_name_ok(name));
			else
				break;
			if (name[0] != '\0' && n < 64) {
				memset(&hosts[n], 0, sizeof(hosts[n]));
				strlcpy(hosts[n].name, name,
				    sizeof(hosts[n].name));
				hosts[n++].pref = pref;
			}
			break;
		case 1:
		case 2:
			if (resolver_rr_addr(type == 1 ? RESOLVER_TYPE_A :
			    RESOLVER_TYPE_AAAA, data + off, len, addr,
			    sizeof(addr)) == 0 && n > 0)
				(void)resolver_rr_add_addr(&hosts[n - 1],
				    addr);
			break;
		default:
			memcpy(text, data + off, len);
			text[len] = '\0';
			if (resolver_name_ascii(text, name, sizeof(name),
			    &why) == 0)
				FUZZ_CHECK(resolver_name_ok(name));
			break;
		}
		off += len;
	}
	n = resolver_rr_order(hosts, n, fuzz_rnd);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(i == 0 || hosts[i - 1].pref <= hosts[i].pref);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcasecmp(hosts[i].name,
			    hosts[j].name) != 0);
		resolver_rr_addr_order(&hosts[i]);
		for (j = 1; j < hosts[i].naddr; j++)
			FUZZ_CHECK(strchr(hosts[i].addr[j], ':') == NULL ||
			    strchr(hosts[i].addr[j - 1], ':') != NULL);
	}
	return 0;
}
