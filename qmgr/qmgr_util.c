/*
 * NAME
 *	qmgr_util - small helpers: clock, status codes, log-safe text.
 *
 * DESCRIPTION
 *	qmgr_status_ok checks the RFC 3463 grammar of a status code an
 *	agent sent (class 2, 4 or 5; numbers of 1 to 3 digits without a
 *	leading zero).
 *
 * SECURITY
 *	qmgr_clean is applied to every text that came from another
 *	process (agent replies) before it is logged or stored.
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <string.h>

#include "printable.h"
#include "qmgr.h"
#include "xmalloc.h"

double
qmgr_now_f(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
qmgr_status_ok(const char *s)
{
	size_t n;
	int part;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	s += 2;
	for (part = 0; part < 2; part++) {
		n = strspn(s, "0123456789");
		if (n < 1 || n > 3 || (n > 1 && s[0] == '0'))
			return 0;
		if (s[n] != (part == 0 ? '.' : '\0'))
			return 0;
		s += n + 1;
	}
	return 1;
}

char *
qmgr_clean(const char *s, size_t max)
{
	return printable_fix(xstrndup(s, strnlen(s, max)), PRINTABLE_8BIT);
}
