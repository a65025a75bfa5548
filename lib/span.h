/*
 * NAME
 *	span - a read-only view of bytes owned by someone else
 *
 * DESCRIPTION
 *	{ptr, len} for parsing without copying (STYLE 2.3). The bytes may
 *	contain NUL: always use len, never strlen. Whoever hands out a span
 *	says how long it stays valid.
 */
#ifndef POSTERN_SPAN_H
#define POSTERN_SPAN_H

#include <stddef.h>

struct span {
	const char	*ptr;
	size_t		 len;
};

#endif
