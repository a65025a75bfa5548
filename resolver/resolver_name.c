/*
 * NAME
 *	resolver_name - a domain as asked, made fit for a DNS query.
 *
 * DESCRIPTION
 *	An ASCII name is checked as a host name (resolver_name_ok) and
 *	lower-cased. A name with UTF-8 (an internationalised domain from
 *	an SMTPUTF8 message) is converted to A-labels by libidn2 with the
 *	IDNA2008 rules (non-transitional, input normalised to NFC), as
 *	RFC 6531 expects of a client that looks up such a domain; the
 *	result must then pass the same check. One final dot is allowed
 *	(an absolute name) and dropped.
 *
 * SECURITY
 *	The name comes from a relay agent (and before it from a queue
 *	file): its length is bounded before libidn2 sees it, and its
 *	result is checked like any other name.
 */
#include "config.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"

int
resolver_name_ascii(const char *domain, char *out, size_t outlen,
    const char **why_r)
{
	char buf[RESOLVER_UNAME_MAX + 1], *ascii = NULL;
	size_t len = strlen(domain), i;
	int utf8 = 0, rc;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > RESOLVER_UNAME_MAX) {
		*why_r = "empty or too long domain name";
		return -1;
	}
	memcpy(buf, domain, len);
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] >= 0x80)
			utf8 = 1;
	if (utf8) {
		rc = idn2_to_ascii_8z(buf, &ascii, IDN2_NFC_INPUT |
		    IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			*why_r = "internationalised domain name not valid "
			    "in IDNA2008";
			return -1;
		}
		if (strlcpy(buf, ascii, sizeof(buf)) >= sizeof(buf)) {
			idn2_free(ascii);
			*why_r = "domain name too long in A-labels";
			return -1;
		}
		idn2_free(ascii);
	}
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] + 32);
	if (!resolver_name_ok(buf) || strlcpy(out, buf, outlen) >= outlen) {
		*why_r = "malformed domain name";
		return -1;
	}
	return 0;
}
