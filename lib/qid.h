/*
 * qid - queue IDs: unique, sortable by arrival, safe as file names.
 *
 * A queue ID is 8 upper-case hex digits of the arrival second, 5 of the
 * microsecond, then the inode number of the queue file in hex (at least
 * one digit). IDs made in later microseconds sort after earlier ones when
 * compared by their first 13 characters; the inode makes them unique
 * among the files that exist at the same time, and the queue writer never
 * overwrites an existing name (link, not rename), so a collision is
 * detected and retried rather than lost.
 */
#ifndef POSTERN_QID_H
#define POSTERN_QID_H

#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

#define QID_MAXLEN	(8 + 5 + 16)
#define QID_SIZE	(QID_MAXLEN + 1)

/* Make the ID for a file created at tv with inode ino. */
void	qid_make(char buf[QID_SIZE], const struct timeval *tv, ino_t ino);
/* 1 when s is a well-formed queue ID (so a file name can be trusted). */
int	qid_valid(const char *s);
/*
 * The hashed subdirectory (one hex character) a queue ID lives in: the
 * last digit of its arrival second.
 */
char	qid_hash(const char *qid);
/* The arrival time encoded in a valid ID. */
void	qid_time(const char *qid, struct timeval *tv);

#endif
