/*
 * cfline - read "logical lines" of a Postfix-style text file.
 *
 * Shared by main.cf, master.cf and the text lookup tables, which all follow
 * the same rules: a line whose first non-blank character is '#' is a
 * comment; blank lines are skipped; a line that begins with white space
 * continues the previous logical line (joined with one space); trailing
 * white space is removed. The line number reported is that of the first
 * physical line of the logical line, so errors say file:line.
 *
 * SECURITY: the file may be written by an untrusted admin tool or be
 * corrupt: an embedded NUL and a logical line over the limit are errors,
 * not silent truncation.
 */
#ifndef POSTERN_CFLINE_H
#define POSTERN_CFLINE_H

#include <stdio.h>

#include "vbuf.h"

struct cfline {
	FILE		*fp;
	char		*path;
	int		 lineno;	/* first line of the current logical line */
	int		 physline;	/* physical lines read so far */
	struct vbuf	*line;		/* the current logical line */
	struct vbuf	*pending;	/* a physical line read ahead */
	int		 have_pending;
	int		 borrowed;	/* fp not ours to close */
	char		 why[512];	/* an error found reading ahead */
};

#define CFLINE_MAX	(1024 * 1024)

/* Open path; -1 with errno on failure. limit 0 means CFLINE_MAX. */
int	cfline_open(struct cfline *, const char *path, size_t limit);
/* Read from an already open stream (not closed by cfline_close). */
void	cfline_fdopen(struct cfline *, FILE *, const char *name, size_t limit);
/*
 * Next logical line: 1 with *line_r set (valid until the next call),
 * 0 at end of file, -1 on error with *err_r "path:line: reason" (the
 * caller frees it). An error found while reading ahead is reported at
 * the call after the line before it.
 */
int	cfline_next(struct cfline *, const char **line_r, char **err_r);
void	cfline_close(struct cfline *);

#endif
