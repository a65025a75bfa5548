/*
 * NAME
 *	imap_read - read one IMAP command from the client, literals and all
 *
 * DESCRIPTION
 *	imap_read_cmd reads a command's lines through the stream (bounded
 *	by the stream's line limit, which the caller sets to the command
 *	limit) and feeds them to the tokenizer (imap_parser). For each
 *	literal it asks the caller's literal hook what to do:
 *
 *	- IMAP_LIT_MEMORY: the content belongs in the command (a mailbox
 *	  name, a search string). It must fit in what is left of the
 *	  command limit, else a synchronizing literal is answered
 *	  "tag BAD [TOOBIG]" without a continuation, and a
 *	  non-synchronizing one ends the connection (its bytes are on the
 *	  way and cannot be told from commands).
 *	- IMAP_LIT_STREAM: the content goes to hook->write in pieces of
 *	  at most IMAP_READ_CHUNK bytes as they arrive (an APPEND message:
 *	  never held whole in memory), then hook->end.
 *	- IMAP_LIT_REFUSE: the hook's response ends the command ("NO
 *	  [TOOBIG] ...", "NO [TRYCREATE] ..."). A synchronizing literal
 *	  gets it instead of the continuation; the bytes of a
 *	  non-synchronizing one, and the rest of its command, are read and
 *	  dropped when it is no larger than discard_max, and the connection
 *	  ends otherwise.
 *
 *	The continuation "+ OK" is sent only for a synchronizing literal
 *	that will be read.
 *
 * SECURITY
 *	Lines and literals are the client's. Nothing is buffered beyond the
 *	command limit except streamed literals, which pass through a fixed
 *	buffer; a literal's size is checked before the continuation or any
 *	read; a client that goes away mid-literal makes hook->end report
 *	failure (nothing of the literal is kept).
 */
#ifndef POSTERN_IMAP_READ_H
#define POSTERN_IMAP_READ_H

#include <stddef.h>
#include <stdint.h>

struct imap_arg;
struct imap_parser;
struct stream;

#define IMAP_READ_CHUNK	65536

enum imap_lit_action {
	IMAP_LIT_MEMORY,
	IMAP_LIT_STREAM,
	IMAP_LIT_REFUSE,
};

/* The command as far as it has been read. */
struct imap_cmd {
	const char	*tag;		/* NULL: no valid tag */
	const char	*name;		/* NULL: no command name */
	struct imap_arg	*args;		/* after the name */
	unsigned	 argc;		/* top-level args so far */
	unsigned	 depth;		/* lists open at a literal */
};

struct imap_lit_hook {
	/*
	 * A literal of size bytes follows the arguments in cmd. Return
	 * what to do; for IMAP_LIT_REFUSE set *resp_r to the tagged
	 * response text (without the tag), e.g. "NO [TOOBIG] ...".
	 */
	enum imap_lit_action (*begin)(void *ctx, const struct imap_cmd *cmd,
	    uint64_t size, int literal8, const char **resp_r);
	/* A piece of a streamed literal: 0, or -1 to stop storing it. */
	int	(*write)(void *ctx, const char *data, size_t len);
	/* The streamed literal ended: ok is 1 when all of it arrived. */
	void	(*end)(void *ctx, int ok);
	void	*ctx;
};

enum imap_read_result {
	IMAP_READ_CMD,		/* a command in *cmd */
	IMAP_READ_BAD,		/* reply BAD: *resp_r (cmd->tag may be NULL) */
	IMAP_READ_REFUSED,	/* reply with the hook's response, tagged */
	IMAP_READ_CLOSE,	/* send *resp_r as BYE if set, then close */
	IMAP_READ_EOF,		/* the client left, or a read failed */
};

struct imap_reader {
	struct imap_parser	*parser;
	struct stream		*stream;
	const struct imap_lit_hook *hook;
	uint64_t		 discard_max;
};

/*
 * Read the next command. After IMAP_READ_CMD, cmd's strings and args
 * stay valid until the next call. For IMAP_READ_BAD, _REFUSED and
 * _CLOSE, *resp_r is the response text (without tag).
 */
enum imap_read_result imap_read_cmd(struct imap_reader *,
	    struct imap_cmd *cmd, const char **resp_r);

/* 1 when s is a valid tag (RFC 9051: ASTRING-CHARs except "+"). */
int	imap_tag_valid(const char *s, size_t len);

#endif
