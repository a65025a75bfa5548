/*
 * cfline - logical-line reader for Postfix-style text files; see cfline.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfline.h"
#include "err.h"
#include "xmalloc.h"

static void
cfline_setup(struct cfline *cf, FILE *fp, const char *name, size_t limit)
{
	memset(cf, 0, sizeof(*cf));
	cf->fp = fp;
	cf->path = xstrdup(name);
	if (limit == 0)
		limit = CFLINE_MAX;
	cf->line = vbuf_new(256, limit);
	cf->pending = vbuf_new(256, limit);
}

int
cfline_open(struct cfline *cf, const char *path, size_t limit)
{
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	cfline_setup(cf, fp, path, limit);
	return 0;
}

void
cfline_fdopen(struct cfline *cf, FILE *fp, const char *name, size_t limit)
{
	cfline_setup(cf, fp, name, limit);
	cf->borrowed = 1;
}

/* Read one physical line into cf->pending without its newline: 1, 0, -1. */
static int
cfline_physical(struct cfline *cf)
{
	int c;

	vbuf_reset(cf->pending);
	for (;;) {
		c = getc(cf->fp);
		if (c == EOF) {
			if (ferror(cf->fp)) {
				snprintf(cf->why, sizeof(cf->why),
				    "%s:%d: read error: %s", cf->path,
				    cf->physline + 1, strerror(errno));
				return -1;
			}
			if (vbuf_len(cf->pending) == 0)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			snprintf(cf->why, sizeof(cf->why),
			    "%s:%d: embedded NUL character", cf->path,
			    cf->physline + 1);
			return -1;
		}
		if (vbuf_appendc(cf->pending, c) < 0) {
			snprintf(cf->why, sizeof(cf->why),
			    "%s:%d: line longer than %zu bytes", cf->path,
			    cf->physline + 1, cf->pending->limit);
			return -1;
		}
	}
	cf->physline++;
	/* a CR before the newline is line-ending noise, not content */
	if (vbuf_len(cf->pending) > 0 &&
	    vbuf_str(cf->pending)[vbuf_len(cf->pending) - 1] == '\r')
		vbuf_truncate(cf->pending, vbuf_len(cf->pending) - 1);
	return 1;
}

static int
cfline_blank_or_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\0' || *s == '#';
}

static void
cfline_rstrip(struct vbuf *b)
{
	size_t n = vbuf_len(b);

	while (n > 0 && (b->data[n - 1] == ' ' || b->data[n - 1] == '\t'))
		n--;
	vbuf_truncate(b, n);
}

int
cfline_next(struct cfline *cf, const char **line_r, char **err_r)
{
	int r, pending = cf->have_pending;

	if (pending < 0)
		goto fail;	/* an error found while reading ahead */
	vbuf_reset(cf->line);
	for (;;) {
		if (!pending) {
			if ((r = cfline_physical(cf)) < 0) {
				if (vbuf_len(cf->line) == 0)
					goto fail;
				/* return what came before; the error is next */
				pending = -1;
				break;
			}
			if (r == 0)
				break;
		}
		pending = 0;
		if (cfline_blank_or_comment(vbuf_str(cf->pending)))
			continue;
		if (vbuf_str(cf->pending)[0] == ' ' ||
		    vbuf_str(cf->pending)[0] == '\t') {
			const char *p = vbuf_str(cf->pending);

			if (vbuf_len(cf->line) == 0) {
				/* continuation of nothing: treat as a line */
				cf->lineno = cf->physline;
			} else if (vbuf_appendc(cf->line, ' ') < 0)
				goto toolong;
			p += strspn(p, " \t");
			if (vbuf_appends(cf->line, p) < 0)
				goto toolong;
			continue;
		}
		if (vbuf_len(cf->line) > 0) {
			/* start of the next logical line: keep it */
			pending = 1;
			break;
		}
		cf->lineno = cf->physline;
		if (vbuf_set(cf->line, vbuf_str(cf->pending),
		    vbuf_len(cf->pending)) < 0)
			goto toolong;
	}
	cf->have_pending = pending;
	if (vbuf_len(cf->line) == 0)
		return 0;
	cfline_rstrip(cf->line);
	*line_r = vbuf_str(cf->line);
	return 1;
toolong:
	snprintf(cf->why, sizeof(cf->why), "%s:%d: logical line longer "
	    "than %zu bytes", cf->path, cf->lineno, cf->line->limit);
fail:
	return err_set(err_r, "%s", cf->why);
}

void
cfline_close(struct cfline *cf)
{
	if (cf->fp != NULL && !cf->borrowed)
		fclose(cf->fp);
	cf->fp = NULL;
	free(cf->path);
	cf->path = NULL;
	vbuf_free(&cf->line);
	vbuf_free(&cf->pending);
}
