/*
 * NAME
 *	arena - an allocate-only memory pool freed in one piece
 *
 * DESCRIPTION
 *	For structures built once and dropped whole: a parsed message's
 *	MIME tree, an IMAP command's argument list, a search program
 *	(STYLE 2.3, Dovecot's alloc-only pool). Memory comes from blocks
 *	that never move, so pointers into the arena stay valid until
 *	arena_free() or arena_clear(). Running out of memory is fatal
 *	(xmalloc); bounds on what a peer may make us allocate belong to
 *	the callers (nesting, part and argument limits).
 */
#ifndef POSTERN_ARENA_H
#define POSTERN_ARENA_H

#include <stddef.h>

struct arena;

/* A new arena whose blocks are at least block_size bytes. */
struct arena *arena_new(size_t block_size);
/* Free everything and set *ap to NULL. NULL is fine. */
void	arena_free(struct arena **ap);
/* Free everything allocated so far; the arena stays usable. */
void	arena_clear(struct arena *);

/* size bytes aligned for any type, uninitialised / zeroed. */
void	*arena_alloc(struct arena *, size_t size);
void	*arena_zalloc(struct arena *, size_t size);
/* nmemb * size bytes, zeroed; fatal on overflow. */
void	*arena_calloc(struct arena *, size_t nmemb, size_t size);
/* A NUL-terminated copy of len bytes (which may hold NUL). */
char	*arena_strndup(struct arena *, const char *, size_t len);
char	*arena_strdup(struct arena *, const char *);
/* Bytes handed out so far (for limits and tests). */
size_t	arena_used(const struct arena *);

#endif
