/*
 * postlog - log records and maillog_file lines; see postlog.h.
 *
 * SECURITY
 *	postlog_record_parse reads untrusted datagrams: each field is
 *	checked byte by byte against its grammar and length before the
 *	next is looked at, and nothing is read at or beyond len.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "postlog.h"
#include "printable.h"

static int
postlog_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == '/';
}

/* Length of the ident at s (bounded by len), 0 when it breaks the grammar. */
static size_t
postlog_ident_len(const char *s, size_t len)
{
	size_t n;

	for (n = 0; n < len && n <= POSTLOG_IDENT_MAX &&
	    postlog_ident_char((unsigned char)s[n]); n++)
		;
	return n > POSTLOG_IDENT_MAX ? 0 : n;
}

int
postlog_record_parse(const char *buf, size_t len, struct postlog_record *rec,
    const char **err_r)
{
	size_t i, n;

	memset(rec, 0, sizeof(*rec));
	if (len == 0) {
		*err_r = "empty record";
		return -1;
	}
	if (len > POSTLOG_RECORD_MAX) {
		*err_r = "record too long";
		return -1;
	}
	if (buf[0] == 'F') {
		if (len != 1) {
			*err_r = "file record with data";
			return -1;
		}
		rec->type = POSTLOG_FILE;
		return 0;
	}
	if (buf[0] != 'L' || len < 2 || buf[1] != ' ') {
		*err_r = "unknown record type";
		return -1;
	}
	rec->type = POSTLOG_LOG;
	for (i = 2, n = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (++n > POSTLOG_TIME_DIGITS) {
			*err_r = "time too long";
			return -1;
		}
		rec->time = rec->time * 10 + (buf[i] - '0');
	}
	if (n == 0 || i >= len || buf[i] != ' ') {
		*err_r = "bad time";
		return -1;
	}
	i++;
	if ((n = postlog_ident_len(buf + i, len - i)) == 0 ||
	    i + n >= len || buf[i + n] != ' ') {
		*err_r = "bad ident";
		return -1;
	}
	rec->ident.ptr = buf + i;
	rec->ident.len = n;
	i += n + 1;
	if (len - i > POSTLOG_TEXT_MAX) {
		*err_r = "text too long";
		return -1;
	}
	rec->text.ptr = buf + i;
	rec->text.len = len - i;
	return 0;
}

size_t
postlog_record_format(char *buf, size_t size, long long time,
    const char *ident, const char *label, const char *text)
{
	size_t n, room, llen, tlen, ilen = strlen(ident);
	int r;

	if (ilen == 0 || postlog_ident_len(ident, ilen) != ilen)
		ident = "postern";
	if (time < 0 || time > POSTLOG_TIME_LAST)
		time = 0;
	r = snprintf(buf, size, "L %lld %s ", time, ident);
	if (r < 0 || (size_t)r >= size)
		return 0;
	n = (size_t)r;
	room = size - 1 - n;
	if (room > POSTLOG_TEXT_MAX)
		room = POSTLOG_TEXT_MAX;
	llen = strlen(label);
	if (llen > room)
		llen = room;
	memcpy(buf + n, label, llen);
	n += llen;
	room -= llen;
	tlen = strnlen(text, room);
	memcpy(buf + n, text, tlen);
	n += tlen;
	buf[n] = '\0';
	return n;
}

size_t
postlog_line_format(char *buf, size_t size, long long time, const char *host,
    struct span ident, long pid, struct span text)
{
	struct tm tm;
	time_t t = (time_t)time;
	size_t n, hlen, tlen, ilen;
	int r;

	if (size < POSTLOG_LINE_MAX)
		return 0;
	if (localtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, size, "%b %d %H:%M:%S ", &tm)) == 0)
		n = (size_t)snprintf(buf, size, "%s ", "??? ?? ??:??:??");
	hlen = strcspn(host, ". \t");
	if (hlen > POSTLOG_HOST_MAX)
		hlen = POSTLOG_HOST_MAX;
	if (hlen == 0) {
		host = "localhost";
		hlen = strlen(host);
	}
	ilen = ident.len > POSTLOG_IDENT_MAX ? POSTLOG_IDENT_MAX : ident.len;
	/* the host from main.cf and a checked ident: printable, no space */
	printable_copy(buf + n, hlen + 1, host, hlen, PRINTABLE_NOSPACE);
	n += hlen;
	r = snprintf(buf + n, size - n, " %.*s[%ld]: ", (int)ilen,
	    ident.ptr, pid);
	if (r < 0)
		return 0;
	printable_fix(buf + n, PRINTABLE_8BIT);
	n += (size_t)r;
	tlen = text.len > POSTLOG_TEXT_MAX ? POSTLOG_TEXT_MAX : text.len;
	printable_copy(buf + n, tlen + 1, text.ptr, tlen, PRINTABLE_8BIT);
	n += tlen;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}
