/*
 * NAME
 *	postlog - the records processes send to the log service
 *	(postlogd), and the lines it writes into maillog_file.
 *
 * DESCRIPTION
 *	When maillog_file is set, every process the master starts holds
 *	the sending end of one datagram socket pair (lib/server.h, -l),
 *	and postlogd reads the other end. One datagram is one record, in
 *	text, as syslog's own protocol is: the logger builds it on the
 *	stack and never allocates.
 *
 *	  record      = log-record / file-record
 *	  log-record  = "L" SP time SP ident SP text
 *	  file-record = "F"
 *	  time        = 1*12DIGIT	the sender's clock, seconds since
 *					the epoch
 *	  ident       = 1*POSTLOG_IDENT_MAX of ALPHA / DIGIT / "." / "_" /
 *			"-" / "/"	(postern/smtpd)
 *	  text        = 0*POSTLOG_TEXT_MAX OCTET	the rest of the
 *					datagram: the level label
 *					("warning: ") and the message
 *
 *	A file-record carries one descriptor (SCM_RIGHTS): the log file
 *	from now on. The master sends it when a reload opened maillog_file
 *	anew (rotation), in the same queue as the log records, so every
 *	line sent after it lands in the new file, whichever postlogd
 *	process reads it.
 *
 *	The sender's pid is not in the record: postlogd takes it from the
 *	kernel (SCM_CREDENTIALS), so no process can write a line under
 *	another's pid, and honours a file-record from the master's pid
 *	only.
 *
 *	A line in the file has the shape of Postfix's maillog_file (and
 *	of a syslog file), in local time:
 *
 *	  Mmm dd HH:MM:SS HOST IDENT[PID]: TEXT
 *
 *	HOST is the first label of myhostname; control characters in
 *	TEXT become '?', so one record is always one line.
 *
 * SECURITY
 *	Records come from every service, including the ones that face
 *	the network: postlog_record_parse checks every byte it accepts,
 *	bounds every field, and never reads beyond len. It is the
 *	libFuzzer target fuzz/postlog_record.c.
 */
#ifndef POSTERN_POSTLOG_H
#define POSTERN_POSTLOG_H

#include <stddef.h>

#include "span.h"

#define POSTLOG_IDENT_MAX	64
#define POSTLOG_TEXT_MAX	2100
#define POSTLOG_TIME_DIGITS	12
#define POSTLOG_TIME_LAST	999999999999LL
/* The longest valid record. */
#define POSTLOG_RECORD_MAX	(2 + POSTLOG_TIME_DIGITS + 1 + \
				 POSTLOG_IDENT_MAX + 1 + POSTLOG_TEXT_MAX)
#define POSTLOG_HOST_MAX	63	/* a DNS label */
/*
 * How long a service's send waits when the log service does not read
 * (the master sets it on the shared socket, SO_SNDTIMEO), in seconds.
 */
#define POSTLOG_SEND_TIMEOUT	10
/*
 * Room for the longest line postlog_line_format makes: the time (16),
 * host and space, ident, "[PID]: " (at most 24), text, newline and NUL,
 * with a margin.
 */
#define POSTLOG_LINE_MAX	(16 + POSTLOG_HOST_MAX + 1 + \
				 POSTLOG_IDENT_MAX + 24 + POSTLOG_TEXT_MAX + 32)

enum postlog_type {
	POSTLOG_LOG,		/* "L": a line to write */
	POSTLOG_FILE,		/* "F": the attached descriptor is the file */
};

struct postlog_record {
	enum postlog_type type;
	long long	 time;		/* POSTLOG_LOG */
	struct span	 ident;		/* POSTLOG_LOG: points into buf */
	struct span	 text;		/* POSTLOG_LOG: points into buf */
};

/*
 * Parse one datagram of len bytes. 0 and *rec filled (spans point into
 * buf), or -1 with *err_r static text saying what is wrong.
 */
int	postlog_record_parse(const char *buf, size_t len,
	    struct postlog_record *rec, const char **err_r);

/*
 * A log-record for label and text (the level label, "warning: ", and
 * the message) into buf (size at least POSTLOG_RECORD_MAX + 1: NUL
 * terminated): its length, 0 when buf is too small for the head. An
 * ident that breaks the grammar is written as "postern", a time out
 * of range as 0; text beyond POSTLOG_TEXT_MAX is cut.
 */
size_t	postlog_record_format(char *buf, size_t size, long long time,
	    const char *ident, const char *label, const char *text);

/*
 * The line for a record into buf (size at least POSTLOG_LINE_MAX),
 * newline included: its length. host is myhostname (only its first
 * label is used).
 */
size_t	postlog_line_format(char *buf, size_t size, long long time,
	    const char *host, struct span ident, long pid, struct span text);

#endif
