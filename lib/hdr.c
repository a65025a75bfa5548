/*
 * hdr - RFC 5322 header section scanner; see hdr.h.
 *
 * The scanner keeps one field in a bounded buffer. States:
 *   BOL   at the start of a line
 *   LINE  inside a line of the current field
 *   BODY  after the header section: everything is ignored
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "hdr.h"

enum { HS_BOL, HS_LINE, HS_BODY };

void
hdr_scan_init(struct hdr_scan *hs, hdr_field_fn fn, void *arg)
{
	memset(hs, 0, sizeof(*hs));
	hs->fn = fn;
	hs->arg = arg;
	hs->field = vbuf_new(256, HDR_FIELD_MAX);
	hs->state = HS_BOL;
}

void
hdr_scan_free(struct hdr_scan *hs)
{
	vbuf_free(&hs->field);
}

int
hdr_name_is(const char *name, const char *want)
{
	return strcasecmp(name, want) == 0;
}

/* Deliver the buffered field, if any. A line without a colon is not one. */
static int
hdr_emit(struct hdr_scan *hs)
{
	char *f = hs->field->data, *colon, *v, *end;
	size_t len = vbuf_len(hs->field);
	int r = 0;

	if (len == 0)
		return 0;
	/* strip the final CRLF or LF */
	end = f + len;
	if (end > f && end[-1] == '\n')
		end--;
	if (end > f && end[-1] == '\r')
		end--;
	*end = '\0';
	colon = memchr(f, ':', (size_t)(end - f));
	if (colon == NULL || colon == f) {
		hs->state = HS_BODY;
		hs->done = 1;
		goto out;
	}
	*colon = '\0';
	/*
	 * field-name = 1*ftext (printable, not ':' or space), every byte
	 * up to the colon: a NUL must not cut the name short (to "" or to
	 * "Received" of "Received\0x").
	 */
	for (char *p = f; p < colon; p++)
		if ((unsigned char)*p <= 32 || (unsigned char)*p > 126) {
			hs->state = HS_BODY;
			hs->done = 1;
			goto out;
		}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	r = hs->fn(hs->arg, f, v, (size_t)(end - v), hs->truncated);
out:
	vbuf_reset(hs->field);
	hs->truncated = 0;
	return r;
}

static void
hdr_keep(struct hdr_scan *hs, char c)
{
	if (vbuf_appendc(hs->field, c) < 0)
		hs->truncated = 1;
}

int
hdr_scan_feed(struct hdr_scan *hs, const char *p, size_t n)
{
	size_t i;
	char c;

	for (i = 0; i < n && hs->state != HS_BODY; i++) {
		c = p[i];
		hs->header_size++;
		switch (hs->state) {
		case HS_BOL:
			if (c == ' ' || c == '\t') {
				/* folded continuation of the current field */
				hdr_keep(hs, c);
				hs->state = HS_LINE;
				break;
			}
			if (hdr_emit(hs) < 0)
				return -1;
			if (hs->state == HS_BODY)
				break;
			if (c == '\r')		/* the empty line, probably */
				hs->state = HS_LINE;
			else if (c == '\n') {
				hs->state = HS_BODY;
				hs->done = 1;
				break;
			} else
				hs->state = HS_LINE;
			hdr_keep(hs, c);
			break;
		case HS_LINE:
			hdr_keep(hs, c);
			if (c == '\n') {
				if (vbuf_len(hs->field) <= 2 &&
				    hs->field->data[0] != ' ' &&
				    hs->field->data[0] != '\t') {
					/* an empty line: end of the header */
					vbuf_reset(hs->field);
					hs->state = HS_BODY;
					hs->done = 1;
					break;
				}
				hs->state = HS_BOL;
			}
			break;
		}
	}
	return 0;
}

int
hdr_scan_finish(struct hdr_scan *hs)
{
	int r = 0;

	if (hs->state != HS_BODY)
		r = hdr_emit(hs);
	hs->state = HS_BODY;
	hs->done = 1;
	return r;
}
