/*
 * fuzz/postlog_record - what postlogd does with a datagram from another
 * process: lib/postlog's record parser, then the maillog_file line for
 * what it accepted.
 *
 * Input: the datagram. Properties for every input:
 * - a refusal says why;
 * - an accepted log-record's ident and text lie inside the datagram and
 *   within their limits; the ident keeps to its grammar;
 * - its line is one line: a newline at its end and nowhere else, no
 *   other control character, no NUL before its end;
 * - the record log.c would send for the same ident and text parses
 *   back to them (as far as the text is free of NUL).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "postlog.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

static void
check_line(const struct postlog_record *rec)
{
	char line[POSTLOG_LINE_MAX];
	size_t n, i;

	n = postlog_line_format(line, sizeof(line), rec->time,
	    "fuzz.example.org", rec->ident, 4242, rec->text);
	FUZZ_CHECK(n > 0 && n < sizeof(line));
	FUZZ_CHECK(line[n - 1] == '\n' && strlen(line) == n);
	for (i = 0; i + 1 < n; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 0x20 && line[i] != 0x7f);
}

/* Format what was parsed as log.c would, and parse it again. */
static void
check_round_trip(const struct postlog_record *rec)
{
	char ident[POSTLOG_IDENT_MAX + 1], text[POSTLOG_TEXT_MAX + 1];
	char buf[POSTLOG_RECORD_MAX + 1];
	struct postlog_record again;
	const char *err;
	size_t n;

	if (memchr(rec->text.ptr, '\0', rec->text.len) != NULL)
		return;		/* a C string cannot carry it */
	memcpy(ident, rec->ident.ptr, rec->ident.len);
	ident[rec->ident.len] = '\0';
	memcpy(text, rec->text.ptr, rec->text.len);
	text[rec->text.len] = '\0';
	n = postlog_record_format(buf, sizeof(buf), rec->time, ident, "",
	    text);
	FUZZ_CHECK(n > 0 && postlog_record_parse(buf, n, &again, &err) == 0);
	FUZZ_CHECK(again.type == POSTLOG_LOG && again.time == rec->time);
	FUZZ_CHECK(again.ident.len == rec->ident.len &&
	    memcmp(again.ident.ptr, ident, rec->ident.len) == 0);
	FUZZ_CHECK(again.text.len == rec->text.len &&
	    memcmp(again.text.ptr, text, rec->text.len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *err = NULL;
	struct postlog_record rec;
	size_t i;

	if (postlog_record_parse(buf, size, &rec, &err) < 0) {
		FUZZ_CHECK(err != NULL && *err != '\0');
		return 0;
	}
	if (rec.type == POSTLOG_FILE) {
		FUZZ_CHECK(size == 1);
		return 0;
	}
	FUZZ_CHECK(rec.ident.len > 0 && rec.ident.len <= POSTLOG_IDENT_MAX);
	FUZZ_CHECK(rec.text.len <= POSTLOG_TEXT_MAX);
	FUZZ_CHECK(rec.ident.ptr > buf && rec.text.ptr >= rec.ident.ptr +
	    rec.ident.len && rec.text.ptr + rec.text.len == buf + size);
	FUZZ_CHECK(rec.time >= 0 && rec.time <= POSTLOG_TIME_LAST);
	for (i = 0; i < rec.ident.len; i++)
		FUZZ_CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
		    "QRSTUVWXYZ0123456789._-/", rec.ident.ptr[i]) != NULL &&
		    rec.ident.ptr[i] != '\0');
	check_line(&rec);
	check_round_trip(&rec);
	return 0;
}
