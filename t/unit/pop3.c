/*
 * Unit tests for lib/pop3: command lines (verbs in any case, argument
 * counts, the rest of the line for USER and PASS, control characters,
 * empty lines), message numbers, line counts, CAPA in both states,
 * UIDL values.
 */
#include "config.h"

#include <string.h>

#include "pop3.h"
#include "stream.h"
#include "tap.h"

static const struct {
	const char	*line;
	int		 r;
	enum pop3_verb	 verb;
	int		 argc;
	const char	*a0, *a1;
} cases[] = {
	{ "STAT", POP3_CMD_OK, POP3_STAT, 0, NULL, NULL },
	{ "stat", POP3_CMD_OK, POP3_STAT, 0, NULL, NULL },
	{ "LIST 3", POP3_CMD_OK, POP3_LIST, 1, "3", NULL },
	{ "LIST", POP3_CMD_OK, POP3_LIST, 0, NULL, NULL },
	{ "LIST 1 2", POP3_CMD_ARGS, POP3_LIST, 1, NULL, NULL },
	{ "TOP 1 10", POP3_CMD_OK, POP3_TOP, 2, "1", "10" },
	{ "TOP 1", POP3_CMD_ARGS, POP3_TOP, 1, NULL, NULL },
	{ "RETR  1", POP3_CMD_ARGS, POP3_RETR, 0, NULL, NULL },
	{ "RETR 1 ", POP3_CMD_ARGS, POP3_RETR, 1, NULL, NULL },
	{ "USER alice@example.org", POP3_CMD_OK, POP3_USER, 1,
	    "alice@example.org", NULL },
	{ "PASS secret with spaces ", POP3_CMD_OK, POP3_PASS, 1,
	    "secret with spaces ", NULL },
	{ "PASS", POP3_CMD_ARGS, POP3_PASS, 0, NULL, NULL },
	{ "PASS ", POP3_CMD_ARGS, POP3_PASS, 0, NULL, NULL },
	{ "AUTH PLAIN AGEAYg==", POP3_CMD_OK, POP3_AUTH, 2, "PLAIN",
	    "AGEAYg==" },
	{ "AUTH", POP3_CMD_OK, POP3_AUTH, 0, NULL, NULL },
	{ "CAPA x", POP3_CMD_ARGS, POP3_CAPA, 1, NULL, NULL },
	{ "XYZZY 1 2 3", POP3_CMD_OK, POP3_UNKNOWN, 0, NULL, NULL },
	{ "", POP3_CMD_EMPTY, POP3_UNKNOWN, 0, NULL, NULL },
	{ "NOOP\t", POP3_CMD_BADCHAR, POP3_UNKNOWN, 0, NULL, NULL },
	{ "US\x01R x", POP3_CMD_BADCHAR, POP3_UNKNOWN, 0, NULL, NULL },
};

static int
span_is(const struct span *s, const char *want)
{
	return want == NULL || (s->len == strlen(want) &&
	    memcmp(s->ptr, want, s->len) == 0);
}

int
main(void)
{
	struct pop3_cmd c;
	struct span s;
	struct stream *st;
	const char *out;
	char u[POP3_UIDL_SIZE];
	uint64_t count;
	uint32_t n;
	size_t i, len;
	int r;

	tap_init("pop3");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = pop3_cmd_parse(cases[i].line, strlen(cases[i].line), &c);
		ok(r == cases[i].r && (r != POP3_CMD_OK ||
		    (c.verb == cases[i].verb && c.argc == cases[i].argc &&
		    (c.argc < 1 || span_is(&c.argv[0], cases[i].a0)) &&
		    (c.argc < 2 || span_is(&c.argv[1], cases[i].a1)))),
		    "\"%s\": %d, verb %d, %d arguments", cases[i].line, r,
		    (int)c.verb, c.argc);
	}
	s.ptr = "12";
	s.len = 2;
	ok(pop3_msgno(&s, 12, &n) && n == 12, "message 12 of 12");
	ok(!pop3_msgno(&s, 11, &n), "message 12 of 11: no");
	s.ptr = "012";
	s.len = 3;
	ok(!pop3_msgno(&s, 100, &n), "a leading zero: no");
	s.ptr = "0";
	s.len = 1;
	ok(!pop3_msgno(&s, 100, &n), "message 0: no");
	ok(pop3_count(&s, &count) && count == 0, "TOP count 0");
	s.ptr = "99999999999999999999";
	s.len = 20;
	ok(!pop3_count(&s, &count), "a count past 64 bits: no");
	s.ptr = "+5";
	s.len = 2;
	ok(!pop3_msgno(&s, 100, &n) && !pop3_count(&s, &count),
	    "a sign: no");

	st = stream_mem_open("", 0);
	pop3_capa(st, POP3_CAPA_STLS | POP3_CAPA_LOGIN);
	stream_flush(st);
	out = stream_mem_output(st, &len);
	ok(strstr(out, "\r\nSTLS\r\n") != NULL && strstr(out, "\r\nUSER\r\n") &&
	    strstr(out, "\r\nSASL PLAIN LOGIN\r\n") != NULL &&
	    strncmp(out, "+OK\r\n", 5) == 0 &&
	    strcmp(out + len - 3, ".\r\n") == 0, "CAPA before login");
	stream_free(&st);
	st = stream_mem_open("", 0);
	pop3_capa(st, 0);
	stream_flush(st);
	out = stream_mem_output(st, &len);
	ok(strstr(out, "STLS") == NULL && strstr(out, "USER") == NULL &&
	    strstr(out, "SASL") == NULL && strstr(out, "\r\nUIDL\r\n") != NULL,
	    "CAPA after login");
	stream_free(&st);
	pop3_uidl(0x2a, 0x6b1690a0, u);
	is_str(u, "0000002A6B1690A0", "UIDL: UID, then UIDVALIDITY, in hex");
	return done_testing();
}
