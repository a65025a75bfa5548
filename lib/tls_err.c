/*
 * NAME
 *	tls_err - OpenSSL's error queue as one short line.
 *
 * DESCRIPTION
 *	OpenSSL queues errors per thread; a failed call may leave several,
 *	the earliest being the cause ("unsupported protocol" before
 *	"ssl handshake failure"). We report that one, in OpenSSL's reason
 *	words, and empty the queue so that the next failure starts clean.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_int.h"
#include "xmalloc.h"

void
tls_err_reason(char *buf, size_t len, const char *what)
{
	unsigned long e, first = 0;
	const char *reason;

	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first == 0) {
		snprintf(buf, len, "%s", what);
		return;
	}
	reason = ERR_reason_error_string(first);
	if (reason != NULL)
		snprintf(buf, len, "%s", reason);
	else
		ERR_error_string_n(first, buf, len);
}

char *
tls_err_string(const char *prefix)
{
	char reason[TLS_ERR_MAX];

	tls_err_reason(reason, sizeof(reason), "unknown TLS library error");
	return xasprintf("%s: %s", prefix, reason);
}
