/*
 * NAME
 *	imap_parser - IMAP command arguments: atoms, strings, literals, lists
 *
 * SYNOPSIS
 *	struct imap_parser *p = imap_parser_new(64 * 1024, 100);
 *
 *	imap_parser_reset(p);
 *	r = imap_parser_line(p, rest_of_first_line, len);
 *	while (r == IMAP_PARSE_LITERAL) {
 *		... p->lit_size: read it and imap_parser_literal(), or
 *		    consume it elsewhere and imap_parser_literal_streamed() ...
 *		r = imap_parser_line(p, next_line, len);
 *	}
 *	if (r == IMAP_PARSE_ERROR) ... BAD p->error ...
 *	for (a = imap_parser_args(p); a != NULL; a = a->next) ...
 *
 * DESCRIPTION
 *	The tokenizer under every command (RFC 9051 9, RFC 3501 9). It is
 *	fed a command one line at a time (without CR LF) and the literals
 *	between the lines; it never reads input itself, so the reader that
 *	feeds it (imap_read) decides where each literal goes: into memory,
 *	or, for an APPEND message, straight to the mailbox.
 *
 *	Tokens:
 *	- atom: CHARs other than SP, "(", ")", "{", DQUOTE and controls;
 *	  "\" (flags), "*" "%" (patterns), "]" and ":" "," (sets) are kept.
 *	  An atom that holds "[" runs to the matching "]", spaces and
 *	  parentheses included, so BODY[HEADER.FIELDS (A B)]<0.9> is one
 *	  atom for the FETCH parser.
 *	- quoted string: backslash quotes only DQUOTE and backslash; 8-bit
 *	  (UTF-8) allowed, NUL not.
 *	- literal {n}, {n+} (LITERAL+ / LITERAL-) and literal8 ~{n}: the
 *	  announcement must end its line; the content comes next.
 *	- "(" list ")", nested at most max_depth deep.
 *	Runs of spaces between tokens are accepted (lenient); a token must
 *	be followed by SP, ")" or the end of the line.
 *
 *	Atoms are returned as they are; NIL is an atom that the command
 *	parsers read as nil where the grammar allows it.
 *
 * SECURITY
 *	Everything here is the client's. The whole command (lines and
 *	in-memory literals) is bounded by max_size and nesting by
 *	max_depth; a literal's announced size is parsed with overflow
 *	checks (at most 2^63 - 1, RFC 9051 number64) and only reported:
 *	the reader checks it against its limits before it sends a
 *	continuation or reads a byte. All memory comes from one arena,
 *	cleared per command.
 */
#ifndef POSTERN_IMAP_PARSER_H
#define POSTERN_IMAP_PARSER_H

#include <stddef.h>
#include <stdint.h>

enum imap_arg_type {
	IMAP_ARG_ATOM,
	IMAP_ARG_STRING,	/* quoted */
	IMAP_ARG_LITERAL,	/* content in memory */
	IMAP_ARG_LITERAL_SIZE,	/* content consumed by the caller */
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type	 type;
	struct imap_arg		*next;
	/* ATOM, STRING, LITERAL: NUL-terminated (LITERAL8 may hold NULs) */
	const char		*str;
	size_t			 len;
	/* LIST */
	struct imap_arg		*list;
	unsigned		 count;
	/* LITERAL, LITERAL_SIZE */
	uint64_t		 size;
	int			 literal8;
};

enum imap_parse_result {
	IMAP_PARSE_OK,		/* the command is complete */
	IMAP_PARSE_LITERAL,	/* a literal comes next: see lit_* */
	IMAP_PARSE_ERROR,	/* BAD: see error */
};

struct imap_parser {
	/* read-only for callers */
	const char	*error;		/* static text for the BAD reply */
	int		 error_toobig;	/* the error is a size limit */
	uint64_t	 lit_size;	/* after IMAP_PARSE_LITERAL */
	int		 lit_nonsync;	/* {n+}: no continuation wanted */
	int		 lit_binary;	/* ~{n} */
	size_t		 used;		/* command bytes so far */
	size_t		 max_size;
	unsigned	 max_depth;
	/* private */
	struct imap_parser_private *priv;
};

struct imap_parser *imap_parser_new(size_t max_size, unsigned max_depth);
void	imap_parser_free(struct imap_parser **);
/* Forget the last command (and its memory). */
void	imap_parser_reset(struct imap_parser *);

/* Feed a line of the command, without its CR LF. */
enum imap_parse_result imap_parser_line(struct imap_parser *,
	    const char *line, size_t len);
/* The literal announced last, all of it. */
void	imap_parser_literal(struct imap_parser *, const char *data,
	    size_t len);
/* The literal announced last was consumed by the caller. */
void	imap_parser_literal_streamed(struct imap_parser *);

/* The top-level arguments so far (complete after IMAP_PARSE_OK). */
struct imap_arg *imap_parser_args(const struct imap_parser *);
/* How many top-level arguments so far, and how deep the open lists are. */
unsigned imap_parser_argc(const struct imap_parser *);
unsigned imap_parser_depth(const struct imap_parser *);
/* The arena of this command (freed by the next reset). */
struct arena *imap_parser_arena(const struct imap_parser *);

/*
 * Argument helpers for the command parsers. Each returns 1 and the
 * value when arg (which may be NULL) is of the right kind, else 0.
 * astring: atom (without "(" ")" "{" "*" "%" "\" and "[" outside
 * rules), quoted string or literal; string: quoted or literal; nstring
 * also accepts NIL (then *s_r is NULL); number: 0..UINT32_MAX;
 * number64: 0..2^63-1.
 */
int	imap_arg_atom(const struct imap_arg *, const char **s_r);
int	imap_arg_astring(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
int	imap_arg_string(const struct imap_arg *, const char **s_r,
	    size_t *len_r);
int	imap_arg_nstring(const struct imap_arg *, const char **s_r);
int	imap_arg_number(const struct imap_arg *, uint32_t *n_r);
int	imap_arg_number64(const struct imap_arg *, uint64_t *n_r);
int	imap_arg_is_atom(const struct imap_arg *, const char *want);
int	imap_arg_is_nil(const struct imap_arg *);
/* Parse a decimal number (no sign, no leading +) in [s, s + len). */
int	imap_parse_number64(const char *s, size_t len, uint64_t *n_r);

#endif
