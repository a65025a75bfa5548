/* Unit tests for lib/cfline: comments, continuations, line numbers, bad input. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cfline.h"
#include "err.h"
#include "tap.h"

static FILE *
memfile(const char *s, size_t n)
{
	FILE *fp = fmemopen(NULL, n + 1, "w+");

	fwrite(s, 1, n, fp);
	rewind(fp);
	return fp;
}

int
main(void)
{
	static const char text[] =
	    "# comment\n"
	    "\n"
	    "a = 1\n"
	    "b = two\n"
	    "    three\n"
	    "  # indented comment inside\n"
	    "\tfour   \n"
	    "c=x\r\n"
	    "   \n"
	    "d = last";
	struct cfline cf;
	const char *line;
	char *err = NULL;
	FILE *fp;
	char big[200];

	tap_init("cfline");

	fp = memfile(text, sizeof(text) - 1);
	cfline_fdopen(&cf, fp, "main.cf", 0);
	is_int(cfline_next(&cf, &line, &err), 1, "first logical line");
	is_str(line, "a = 1", "comments and blank lines skipped");
	is_int(cf.lineno, 3, "line number 3");
	is_int(cfline_next(&cf, &line, &err), 1, "continued line");
	is_str(line, "b = two three four", "continuation joined, comment skipped");
	is_int(cf.lineno, 4, "reported at its first line");
	is_int(cfline_next(&cf, &line, &err), 1, "CRLF line");
	is_str(line, "c=x", "CR stripped");
	is_int(cf.lineno, 8, "line 8");
	is_int(cfline_next(&cf, &line, &err), 1, "last line without newline");
	is_str(line, "d = last", "last line");
	is_int(cf.lineno, 10, "line 10");
	is_int(cfline_next(&cf, &line, &err), 0, "end of file");
	cfline_close(&cf);
	fclose(fp);

	fp = memfile("a = 1\nb = x\0y\n", 14);
	cfline_fdopen(&cf, fp, "main.cf", 0);
	is_int(cfline_next(&cf, &line, &err), 1, "line before NUL");
	is_int(cfline_next(&cf, &line, &err), -1, "embedded NUL is an error");
	is_str(err, "main.cf:2: embedded NUL character", "error names file:line");
	err_free(&err);
	cfline_close(&cf);
	fclose(fp);

	memset(big, 'k', sizeof(big));
	fp = memfile(big, sizeof(big));
	cfline_fdopen(&cf, fp, "tbl", 100);
	is_int(cfline_next(&cf, &line, &err), -1, "over-long physical line");
	is_str(err, "tbl:1: line longer than 100 bytes", "reported, not split");
	err_free(&err);
	cfline_close(&cf);
	fclose(fp);

	fp = memfile("k v\n" " 123456789012345678901234567890\n"
	    " 123456789012345678901234567890\n", 68);
	cfline_fdopen(&cf, fp, "tbl", 50);
	is_int(cfline_next(&cf, &line, &err), -1, "over-long logical line");
	is_str(err, "tbl:1: logical line longer than 50 bytes",
	    "logical line limit reported at its first line");
	err_free(&err);
	cfline_close(&cf);
	fclose(fp);

	is_int(cfline_open(&cf, "/nonexistent/main.cf", 0), -1,
	    "missing file fails to open");
	return done_testing();
}
