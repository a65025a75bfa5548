/*
 * xmalloc - allocation that never fails.
 *
 * Running out of memory is fatal (log_fatal), as Postfix's mymalloc: call
 * sites need no checks. Bounds that a peer controls are enforced elsewhere
 * (vbuf limits, stream line limits), never by hoping malloc fails.
 */
#ifndef POSTERN_XMALLOC_H
#define POSTERN_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
/* printf into a new string */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
