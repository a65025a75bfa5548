/*
 * qid - queue ID construction and validation; see qid.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qid.h"

void
qid_make(char buf[QID_SIZE], const struct timeval *tv, ino_t ino)
{
	snprintf(buf, QID_SIZE, "%08llX%05lX%llX",
	    (unsigned long long)tv->tv_sec & 0xffffffffULL,
	    (unsigned long)tv->tv_usec & 0xfffffUL, (unsigned long long)ino);
}

int
qid_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 14 || n > QID_MAXLEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

char
qid_hash(const char *qid)
{
	/*
	 * The last digit of the arrival second: mail that arrives at the
	 * same moment shares a subdirectory, and so the fsync of that
	 * directory (group commit, qfile.h); over time the sixteen fill
	 * alike.
	 */
	return qid[7];
}

void
qid_time(const char *qid, struct timeval *tv)
{
	char part[9];

	memcpy(part, qid, 8);
	part[8] = '\0';
	tv->tv_sec = (time_t)strtoull(part, NULL, 16);
	memcpy(part, qid + 8, 5);
	part[5] = '\0';
	tv->tv_usec = (suseconds_t)strtoul(part, NULL, 16);
}
