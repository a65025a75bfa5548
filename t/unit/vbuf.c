/* Unit tests for lib/vbuf. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vbuf.h"

int
main(void)
{
	struct vbuf *b;
	char big[300];
	char *s;

	tap_init("vbuf");

	b = vbuf_new(4, 10);
	is_int(vbuf_len(b), 0, "new buffer is empty");
	is_str(vbuf_str(b), "", "and NUL-terminated");
	is_int(vbuf_appends(b, "hello"), 0, "append within limit");
	is_int(vbuf_appends(b, "world"), 0, "append to exactly the limit");
	is_str(vbuf_str(b), "helloworld", "contents after growth");
	is_int(vbuf_appendc(b, '!'), -1, "append past the limit fails");
	is_str(vbuf_str(b), "helloworld", "and appends nothing");
	is_int(vbuf_appendf(b, "%d", 1), -1, "appendf past the limit fails");
	is_int(vbuf_len(b), 10, "length unchanged");
	vbuf_truncate(b, 5);
	is_str(vbuf_str(b), "hello", "truncate");
	vbuf_consume(b, 2);
	is_str(vbuf_str(b), "llo", "consume");
	is_int(vbuf_appendf(b, "%s-%d", "ab", 42), 0, "appendf fits");
	is_str(vbuf_str(b), "lloab-42", "appendf contents");
	is_int(vbuf_appendf(b, "%s", "xyz"), -1, "appendf one past limit");
	is_str(vbuf_str(b), "lloab-42", "no partial appendf (no silent truncation)");
	vbuf_free(&b);
	ok(b == NULL, "free clears the pointer");
	vbuf_free(&b);
	ok(1, "free of NULL is fine");

	/* binary safety: embedded NULs are kept and counted */
	b = vbuf_new(0, VBUF_NOLIMIT);
	vbuf_append(b, "a\0b", 3);
	is_mem(vbuf_str(b), vbuf_len(b), "a\0b", 3, "embedded NUL kept");
	ok(vbuf_str(b)[3] == '\0', "terminated beyond length");
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 100; i++)
		vbuf_append(b, big, sizeof(big));
	is_int(vbuf_len(b), 3 + 100 * sizeof(big), "grows to 30 KB");
	is_int(vbuf_appendf(b, "%.*s", 200, big), 0, "appendf that must grow");
	is_int(vbuf_len(b), 3 + 100 * sizeof(big) + 200, "appendf length");
	s = vbuf_steal(b);
	is_int(vbuf_len(b), 0, "steal empties");
	ok(s[0] == 'a' && s[3 + 100 * sizeof(big) + 200] == '\0',
	    "stolen data intact");
	free(s);
	is_int(vbuf_sets(b, "new"), 0, "set after steal");
	is_str(vbuf_str(b), "new", "set contents");
	vbuf_free(&b);

	/* reserve */
	b = vbuf_new(0, 8);
	is_int(vbuf_reserve(b, 8), 0, "reserve up to limit");
	is_int(vbuf_reserve(b, 9), -1, "reserve past limit");
	is_int(vbuf_set(b, "123456789", 9), -1, "set past limit");
	vbuf_free(&b);

	return done_testing();
}
