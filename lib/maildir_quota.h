/*
 * NAME
 *	maildir_quota - Maildir++ quota: the maildirsize file
 *
 * DESCRIPTION
 *	A Maildir++ with a quota keeps its usage in MAILDIR/maildirsize:
 *
 *		1048576S,1000C		the limits (bytes S, messages C;
 *					either may be absent)
 *		2345 1			one line per change: bytes and
 *		-2345 -1		messages added (or removed)
 *
 *	Usage is the sum of the lines after the first. Whoever adds or
 *	removes a message appends one line with a single write(O_APPEND)
 *	(delivery here; pop3d and imapd when they expunge). The file is
 *	rebuilt from the messages (their ,S= sizes, else their file size;
 *	cur/ and new/ of the Maildir and of every .Folder) when it is
 *	missing or malformed, when its limits differ from the ones asked
 *	for, when it grew past MAILDIR_QUOTA_FILE_MAX bytes, and when it
 *	says "over quota" but is older than MAILDIR_QUOTA_RECHECK seconds
 *	(mail may have been removed by a tool that did not tell it). A
 *	rebuild writes tmp/ then renames over maildirsize.
 *
 *	Like every Maildir++ implementation this is advisory: concurrent
 *	deliveries may each pass the check, and a crash may lose a line
 *	(the next rebuild corrects it).
 *
 * SECURITY
 *	maildirsize is written by the mailbox owner's processes and may be
 *	garbage: numbers are parsed with overflow checks, and anything
 *	unexpected triggers a rebuild rather than a wrong answer.
 */
#ifndef POSTERN_MAILDIR_QUOTA_H
#define POSTERN_MAILDIR_QUOTA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maildir.h"

#define MAILDIR_QUOTA_FILE		"maildirsize"
#define MAILDIR_QUOTA_FILE_MAX		5120		/* bytes */
#define MAILDIR_QUOTA_RECHECK		(15 * 60)	/* seconds */

struct maildir_quota {
	long long	limit_bytes;	/* 0: no limit */
	long long	limit_count;	/* 0: no limit */
	long long	bytes;		/* in use */
	long long	count;
};

/*
 * The usage of the Maildir++ md (its root, not a folder), for the
 * limits in q (set limit_bytes and limit_count before the call); the
 * file is rebuilt when needed (above). 0 with q->bytes and q->count
 * set, or -1 with errno and *err_r (malloc'd: the caller frees it).
 */
int	maildir_quota_get(struct maildir *md, struct maildir_quota *q,
	    time_t now, char **err_r);
/* Rebuild maildirsize from the messages; 0 or -1 as maildir_quota_get. */
int	maildir_quota_recalc(struct maildir *md, struct maildir_quota *q,
	    char **err_r);
/*
 * 1 when adding count messages of bytes would pass a limit of q (a
 * usage already over the limit counts as exceeded), else 0.
 */
int	maildir_quota_exceeded(const struct maildir_quota *q, uint64_t bytes,
	    long long count);
/*
 * Record a change: append "bytes count" to maildirsize, when the file
 * exists (without one there is nothing to keep up to date). 0, or -1
 * with errno.
 */
int	maildir_quota_add(struct maildir *md, long long bytes,
	    long long count);
/*
 * Parse the text of a maildirsize file: 0 with the limits and usage in
 * *q, or -1 when it is malformed.
 */
int	maildir_quota_parse(const char *text, size_t len,
	    struct maildir_quota *q);
/* The first line for q's limits ("1048576S", "1048576S,1000C"). */
void	maildir_quota_def(const struct maildir_quota *q, char *buf,
	    size_t len);

#endif
