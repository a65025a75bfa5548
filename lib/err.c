/*
 * err - the error convention's helpers; see err.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "log.h"

static char *err_vformat(const char *, va_list)
    __attribute__((format(printf, 1, 0)));

static char *
err_vformat(const char *fmt, va_list ap)
{
	char *p;

	if (vasprintf(&p, fmt, ap) < 0)
		log_fatal("out of memory formatting an error");
	return p;
}

int
err_set(char **err_r, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (err_r != NULL) {
		va_start(ap, fmt);
		*err_r = err_vformat(fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return -1;
}

int
err_wrap(char **err_r, const char *fmt, ...)
{
	int saved = errno;
	char *ctx, *inner;
	va_list ap;

	if (err_r == NULL)
		return -1;
	va_start(ap, fmt);
	ctx = err_vformat(fmt, ap);
	va_end(ap);
	inner = *err_r;
	if (asprintf(err_r, "%s: %s", ctx, inner != NULL ? inner :
	    "unknown error") < 0)
		log_fatal("out of memory formatting an error");
	free(ctx);
	free(inner);
	errno = saved;
	return -1;
}

void
err_free(char **errp)
{
	if (errp == NULL)
		return;
	free(*errp);
	*errp = NULL;
}
