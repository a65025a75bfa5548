/*
 * smtp_data - DATA decoder: dot-unstuffing, end-of-data detection and
 * bare CR/LF accounting; see smtp_data.h.
 *
 * States, at the position just after the last byte consumed:
 *   BOL      at the beginning of a line
 *   TEXT     inside a line
 *   CR       after a CR inside a line (or at BOL)
 *   DOT      after a "." at the beginning of a line
 *   DOTCR    after "." CR at the beginning of a line
 */
#include "config.h"

#include <string.h>

#include "smtp_data.h"

enum {
	SD_BOL,
	SD_TEXT,
	SD_CR,
	SD_DOT,
	SD_DOTCR,
};

void
smtp_data_init(struct smtp_data *sd, enum smtp_data_mode mode,
    smtp_data_out_fn out, void *arg)
{
	memset(sd, 0, sizeof(*sd));
	sd->mode = mode;
	sd->out = out;
	sd->arg = arg;
	sd->state = SD_BOL;
}

static int
sd_flush(struct smtp_data *sd)
{
	if (sd->olen > 0 && sd->out(sd->arg, sd->obuf, sd->olen) < 0)
		return -1;
	sd->olen = 0;
	return 0;
}

static int sd_copy(struct smtp_data *, const char *, size_t);

/*
 * The input bytes that go out as they came end here. A long run goes to
 * the callback straight from the caller's buffer (after what obuf
 * holds): no copy of the content that needs no change; a short one is
 * copied into obuf, so that a message of many stuffed dots does not
 * become a call per line.
 */
static int
sd_span_end(struct smtp_data *sd)
{
	const char *p = sd->span;
	size_t n = sd->spanlen;

	if (n == 0)
		return 0;
	sd->spanlen = 0;
	if (n < SMTP_DATA_DIRECT_MIN)
		return sd_copy(sd, p, n);
	if (sd_flush(sd) < 0)
		return -1;
	sd->size += n;
	return sd->out(sd->arg, p, n);
}

/* Input bytes p..p+n go out unchanged: they extend the run or start one. */
static int
sd_take(struct smtp_data *sd, const char *p, size_t n)
{
	if (sd->spanlen > 0 && sd->span + sd->spanlen == p) {
		sd->spanlen += n;
		return 0;
	}
	if (sd_span_end(sd) < 0)
		return -1;
	sd->span = p;
	sd->spanlen = n;
	return 0;
}

/* Bytes that are not the input's as it is: after the run, into obuf. */
static int
sd_put(struct smtp_data *sd, const char *p, size_t n)
{
	if (sd_span_end(sd) < 0)
		return -1;
	return sd_copy(sd, p, n);
}

static int
sd_copy(struct smtp_data *sd, const char *p, size_t n)
{
	size_t room;

	while (n > 0) {
		if (sd->olen == sizeof(sd->obuf) && sd_flush(sd) < 0)
			return -1;
		room = sizeof(sd->obuf) - sd->olen;
		if (room > n)
			room = n;
		memcpy(sd->obuf + sd->olen, p, room);
		sd->olen += room;
		sd->size += room;
		p += room;
		n -= room;
	}
	return 0;
}

/* How many bytes from p (at most n) hold neither CR nor LF. */
static size_t
sd_text_run(const char *p, size_t n)
{
	const char *cr, *lf;

	cr = memchr(p, '\r', n);
	lf = memchr(p, '\n', cr != NULL ? (size_t)(cr - p) : n);
	if (lf != NULL)
		return (size_t)(lf - p);
	return cr != NULL ? (size_t)(cr - p) : n;
}

static void
sd_line_end(struct smtp_data *sd)
{
	if (sd->linelen > sd->longest)
		sd->longest = sd->linelen;
	sd->linelen = 0;
}

/* A bare CR or LF: counted; in normalising mode, it ends the line. */
static int
sd_bare(struct smtp_data *sd, int which)
{
	if (which == '\n')
		sd->bare_lf++;
	else
		sd->bare_cr++;
	sd_line_end(sd);
	if (sd->mode == SMTP_DATA_NORMALIZE)
		return sd_put(sd, "\r\n", 2);
	/* keep the byte as it came; the caller rejects the message */
	return sd_put(sd, which == '\n' ? "\n" : "\r", 1);
}

long long
smtp_data_feed(struct smtp_data *sd, const char *buf, size_t len)
{
	size_t i, run;
	char c;

	for (i = 0; i < len && !sd->done; i++) {
		c = buf[i];
		switch (sd->state) {
		case SD_BOL:
			if (c == '.') {
				sd->state = SD_DOT;
				break;
			}
			/* FALLTHROUGH */
		case SD_TEXT:
text:
			if (c == '\r')
				sd->state = SD_CR;
			else if (c == '\n') {
				/* bare LF: never a line end for "." purposes */
				if (sd_bare(sd, '\n') < 0)
					return -1;
				sd->state = SD_TEXT;
			} else {
				/* the rest of the line's text in one piece */
				run = sd_text_run(buf + i, len - i);
				if (sd_take(sd, buf + i, run) < 0)
					return -1;
				sd->linelen += run;
				sd->state = SD_TEXT;
				i += run - 1;
			}
			break;
		case SD_CR:
			if (c == '\n') {
				/* the CR before it: this input's, or the last's */
				if ((i > 0 ? sd_take(sd, buf + i - 1, 2) :
				    sd_put(sd, "\r\n", 2)) < 0)
					return -1;
				sd_line_end(sd);
				sd->state = SD_BOL;
				break;
			}
			/* bare CR, then handle c as text */
			if (sd_bare(sd, '\r') < 0)
				return -1;
			sd->state = SD_TEXT;
			goto text;
		case SD_DOT:
			if (c == '\r') {
				sd->state = SD_DOTCR;
				break;
			}
			/* a stuffed dot: drop it, the rest is text */
			sd->state = SD_TEXT;
			goto text;
		case SD_DOTCR:
			if (c == '\n') {
				sd->done = 1;
				break;
			}
			/* ".<CR>x" is not the end: a line starting "\r" */
			if (sd_bare(sd, '\r') < 0)
				return -1;
			sd->state = SD_TEXT;
			goto text;
		}
	}
	/* nothing may point into the caller's buffer after the return */
	if (sd_span_end(sd) < 0 || sd_flush(sd) < 0)
		return -1;
	return (long long)i;
}
