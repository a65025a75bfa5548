/*
 * fuzz/postlog_record - libFuzzer harness for what postlogd does with
 * a datagram from another process: lib/postlog's record parser, then
 * the maillog_file line for what it accepted.
 *
 * Build (until `make fuzz` exists), from the top of the tree:
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib \
 *	    $(pkg-config --cflags libbsd-overlay) fuzz/postlog_record.c \
 *	    lib/postlog.c lib/log.c $(pkg-config --libs libbsd-overlay) \
 *	    -o fuzz/postlog_record
 *	fuzz/postlog_record -max_len=4096 fuzz/corpus/postlog_record
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "postlog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct postlog_record rec;
	char line[POSTLOG_LINE_MAX];
	const char *err;
	size_t n;

	if (postlog_record_parse((const char *)data, size, &rec, &err) < 0) {
		if (err == NULL || *err == '\0')
			abort();	/* a refusal always says why */
		return 0;
	}
	if (rec.type != POSTLOG_LOG)
		return 0;
	if (rec.ident.len == 0 || rec.ident.len > POSTLOG_IDENT_MAX ||
	    rec.text.len > POSTLOG_TEXT_MAX ||
	    rec.ident.ptr < (const char *)data ||
	    rec.text.ptr + rec.text.len > (const char *)data + size)
		abort();
	n = postlog_line_format(line, sizeof(line), rec.time,
	    "fuzz.example.org", rec.ident, 4242, rec.text);
	/* one record, one line: a newline only at its end */
	if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', n - 1) !=
	    NULL || strlen(line) != n)
		abort();
	return 0;
}
