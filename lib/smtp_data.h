/*
 * smtp_data - decode the SMTP DATA stream (RFC 5321 4.5.2, 4.1.1.4).
 *
 * DESCRIPTION
 *	A byte-oriented decoder: feed it whatever the socket gave, in any
 *	split, and it writes the message content (dot-unstuffed, CRLF line
 *	ends) to a callback, and says where the end of data was. The end is
 *	only CR LF . CR LF (the first line may be "." alone: an empty
 *	message). Line length is not bounded here: a policy decides what to
 *	do with lines over 998 octets, which are counted.
 *
 *	Bare LF and bare CR (an LF without CR before it, a CR without LF
 *	after it) are the SMTP smuggling vector: "\n.\n" or "\r\n.\r" must
 *	never end the data. In SMTP_DATA_REJECT_BARE mode they are only
 *	noted (the caller rejects with 5.5.2); in SMTP_DATA_NORMALIZE mode
 *	each becomes CR LF in the content (and is still noted).
 *
 * SECURITY
 *	Input is the network's. The decoder keeps a few bytes of state and
 *	never buffers a line, so no input can make it allocate.
 */
#ifndef POSTERN_SMTP_DATA_H
#define POSTERN_SMTP_DATA_H

#include <stddef.h>

enum smtp_data_mode {
	SMTP_DATA_REJECT_BARE,
	SMTP_DATA_NORMALIZE,
};

/* Receives decoded content; returns 0, or -1 to stop (e.g. a write error). */
typedef int (*smtp_data_out_fn)(void *arg, const char *, size_t);

struct smtp_data {
	enum smtp_data_mode mode;
	smtp_data_out_fn out;
	void	*arg;
	int	 state;
	int	 done;
	size_t	 linelen;		/* octets in the current line so far */
	size_t	 longest;		/* longest line seen, without CRLF */
	unsigned long long bare_lf;	/* bare LFs seen */
	unsigned long long bare_cr;	/* bare CRs seen */
	unsigned long long size;	/* content octets written */
	char	 obuf[4096];
	size_t	 olen;
	const char *span;		/* input going out as it is, in */
	size_t	 spanlen;		/* smtp_data_feed only */
};

/* A run of unchanged input this long goes out without a copy. */
#define SMTP_DATA_DIRECT_MIN	1024

void	smtp_data_init(struct smtp_data *, enum smtp_data_mode,
	    smtp_data_out_fn, void *arg);
/*
 * Decode up to len bytes. Returns the number of bytes consumed: less
 * than len only when the end of data was found (the rest belongs to the
 * next command, e.g. a pipelined QUIT); or -1 when the output callback
 * failed. After the end, `done` is set.
 */
long long smtp_data_feed(struct smtp_data *, const char *, size_t);

#endif
