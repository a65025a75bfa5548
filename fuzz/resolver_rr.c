/*
 * fuzz/resolver_rr - libFuzzer harness for the DNS record handling the
 * resolver does itself (resolver/resolver_rr.c, resolver_name.c): MX, A
 * and AAAA record data as libunbound hands it out, the ordering of the
 * hosts, and the conversion of a domain to A-labels.
 *
 * Input: a list of records, each a type byte (0: MX, 1: A, 2: AAAA,
 * 3: a domain name to convert), a length byte, then that many bytes.
 * Whatever decodes is ordered as one MX answer would be.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "resolver/resolver.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	size_t off = 0, n = 0, len;
	unsigned pref;
	uint8_t type;

	while (off + 2 <= size) {
		type = data[off] & 3;
		len = data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		switch (type) {
		case 0:
			if (resolver_rr_mx(data + off, len, &pref, name,
			    sizeof(name)) == 0 && name[0] != '\0' && n < 64) {
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
			(void)resolver_name_ascii(text, name, sizeof(name),
			    &why);
			break;
		}
		off += len;
	}
	n = resolver_rr_order(hosts, n, fuzz_rnd);
	while (n > 0)
		resolver_rr_addr_order(&hosts[--n]);
	return 0;
}
