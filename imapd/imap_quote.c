/*
 * imap_quote - strings in IMAP responses; see imap_quote.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "imap_quote.h"
#include "vbuf.h"

static int
quotable(const char *s, size_t len)
{
	size_t i;

	if (len > IMAP_QUOTED_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int
imap_put_string(struct vbuf *b, const char *s, size_t len)
{
	size_t i, start;

	if (!quotable(s, len)) {
		if (vbuf_appendf(b, "{%zu}\r\n", len) < 0)
			return -1;
		return vbuf_append(b, s, len);
	}
	if (vbuf_appendc(b, '"') < 0)
		return -1;
	for (i = start = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (vbuf_append(b, s + start, i - start) < 0 ||
		    vbuf_appendc(b, '\\') < 0)
			return -1;
		start = i;
	}
	if (vbuf_append(b, s + start, len - start) < 0)
		return -1;
	return vbuf_appendc(b, '"');
}

int
imap_put_nstring(struct vbuf *b, const char *s)
{
	if (s == NULL)
		return vbuf_appends(b, "NIL");
	return imap_put_string(b, s, strlen(s));
}

/* ATOM-CHARs and "]" (ASTRING-CHAR), not the word NIL. */
static int
is_atom(const char *s)
{
	const char *p;

	if (*s == '\0' || strcasecmp(s, "NIL") == 0)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("(){%*\"\\", *p) != NULL)
			return 0;
	return 1;
}

int
imap_put_astring(struct vbuf *b, const char *s)
{
	if (is_atom(s))
		return vbuf_appends(b, s);
	return imap_put_string(b, s, strlen(s));
}

int
imap_put_text(struct vbuf *b, const char *s, size_t len)
{
	struct vbuf tmp;
	size_t i;
	int r;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\t' ||
		    s[i] == '\0')
			break;
	if (i == len)
		return imap_put_string(b, s, len);
	/* folding and controls are not part of a field's value */
	vbuf_init(&tmp, len, VBUF_NOLIMIT);
	for (i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			continue;
		(void)vbuf_appendc(&tmp, s[i] == '\t' || s[i] == '\0' ?
		    ' ' : s[i]);
	}
	r = imap_put_string(b, vbuf_str(&tmp), vbuf_len(&tmp));
	vbuf_release(&tmp);
	return r;
}

int
imap_put_ntext(struct vbuf *b, const char *s)
{
	if (s == NULL)
		return vbuf_appends(b, "NIL");
	return imap_put_text(b, s, strlen(s));
}
