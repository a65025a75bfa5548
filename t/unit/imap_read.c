/*
 * Unit tests for imapd's command reader and tokenizer: tags, atoms,
 * quoted strings, literals (sync, LITERAL+, literal8), lists, limits,
 * streamed and refused APPEND literals, resynchronisation after
 * errors; every script also fed one byte at a time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "imap_parser.h"
#include "imap_read.h"
#include "stream.h"
#include "tap.h"
#include "vbuf.h"

struct sink {
	struct vbuf	*data;
	size_t		 max_piece;
	int		 ends, ok;
	int		 refuse_big;	/* refuse literals over 1000 bytes */
};

static void
render_args(const struct imap_arg *a, struct vbuf *out)
{
	for (; a != NULL; a = a->next) {
		switch (a->type) {
		case IMAP_ARG_ATOM:
			vbuf_appends(out, a->str);
			break;
		case IMAP_ARG_STRING:
			vbuf_appendf(out, "\"%s\"", a->str);
			break;
		case IMAP_ARG_LITERAL:
			vbuf_appendf(out, "%s{%zu}%.*s", a->literal8 ? "~" : "",
			    a->len, (int)a->len, a->str);
			break;
		case IMAP_ARG_LITERAL_SIZE:
			vbuf_appendf(out, "<stream %llu>",
			    (unsigned long long)a->size);
			break;
		case IMAP_ARG_LIST:
			vbuf_appends(out, "(");
			render_args(a->list, out);
			vbuf_appends(out, ")");
			break;
		}
		if (a->next != NULL)
			vbuf_appends(out, " ");
	}
}

static enum imap_lit_action
hook_begin(void *ctx, const struct imap_cmd *cmd, uint64_t size,
    int literal8, const char **resp_r)
{
	struct sink *s = ctx;

	(void)literal8;
	if (cmd->name == NULL || strcasecmp(cmd->name, "APPEND") != 0 ||
	    cmd->argc < 1 || cmd->depth > 0)
		return IMAP_LIT_MEMORY;
	if (strcmp(cmd->args->str, "Nope") == 0) {
		*resp_r = "NO [TRYCREATE] No such mailbox";
		return IMAP_LIT_REFUSE;
	}
	if (s->refuse_big && size > 1000) {
		*resp_r = "NO [TOOBIG] Message too large";
		return IMAP_LIT_REFUSE;
	}
	return IMAP_LIT_STREAM;
}

static int
hook_write(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;

	if (len > s->max_piece)
		s->max_piece = len;
	return vbuf_append(s->data, data, len);
}

static void
hook_end(void *ctx, int ok_)
{
	struct sink *s = ctx;

	s->ends++;
	s->ok = ok_;
}

/*
 * Run a script through the reader; render every result on one line,
 * then "OUT:" and what the server sent (continuations).
 */
static char *
run(const char *in, size_t inlen, size_t chunk, size_t limit,
    struct sink *sk)
{
	struct stream *s = stream_mem_open(in, inlen);
	struct imap_parser *p = imap_parser_new(limit, 8);
	struct imap_lit_hook hook = { hook_begin, hook_write, hook_end, sk };
	struct imap_reader r = { p, s, &hook, 100 };
	struct vbuf *out = vbuf_new(256, VBUF_NOLIMIT);
	struct imap_cmd cmd;
	enum imap_read_result res;
	const char *resp, *sent;
	size_t sentlen;
	char *ret;

	stream_set_line_limit(s, limit + 2);
	stream_mem_set_chunk(s, chunk);
	for (;;) {
		res = imap_read_cmd(&r, &cmd, &resp);
		switch (res) {
		case IMAP_READ_CMD:
			vbuf_appendf(out, "CMD %s %s [", cmd.tag, cmd.name);
			render_args(cmd.args, out);
			vbuf_appends(out, "]\n");
			continue;
		case IMAP_READ_BAD:
		case IMAP_READ_REFUSED:
			vbuf_appendf(out, "%s %s %s\n",
			    res == IMAP_READ_BAD ? "BAD" : "REFUSED",
			    cmd.tag ? cmd.tag : "*", resp);
			continue;
		case IMAP_READ_CLOSE:
			vbuf_appendf(out, "CLOSE %s\n", resp ? resp : "");
			break;
		case IMAP_READ_EOF:
			vbuf_appends(out, "EOF\n");
			break;
		}
		break;
	}
	sent = stream_mem_output(s, &sentlen);
	vbuf_appendf(out, "OUT:%.*s", (int)sentlen, sent);
	ret = vbuf_steal(out);
	vbuf_free(&out);
	imap_parser_free(&p);
	stream_free(&s);
	return ret;
}

static const struct {
	const char	*name;
	const char	*in;
	const char	*want;
} cases[] = {
	{ "simple", "a1 NOOP\r\nb CAPABILITY\n",
	    "CMD a1 NOOP []\nCMD b CAPABILITY []\nEOF\nOUT:" },
	{ "sync literal", "a2 LOGIN {4}\r\nuser \"pa\\\"s\\\\\"\r\n",
	    "CMD a2 LOGIN [{4}user \"pa\"s\\\"]\nEOF\nOUT:+ OK\r\n" },
	{ "LITERAL+", "a3 LOGIN {4+}\r\nuser {0+}\r\n\r\n",
	    "CMD a3 LOGIN [{4}user {0}]\nEOF\nOUT:" },
	{ "literal8", "x SEARCH ~{3}\r\na\0b\r\n",
	    "CMD x SEARCH [~{3}a]\nEOF\nOUT:+ OK\r\n" },
	{ "fetch atoms",
	    "a4 UID FETCH 1:*,$ (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)\r\n",
	    "CMD a4 UID [FETCH 1:*,$ (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)]\nEOF\nOUT:" },
	{ "flags and patterns", "s STORE 1 +FLAGS.SILENT (\\Seen $Junk)\r\n"
	    "l LIST \"\" %/*]\r\n",
	    "CMD s STORE [1 +FLAGS.SILENT (\\Seen $Junk)]\n"
	    "CMD l LIST [\"\" %/*]]\nEOF\nOUT:" },
	{ "literal inside a list", "c X (a {2}\r\nbc d) e\r\n",
	    "CMD c X [(a {2}bc d) e]\nEOF\nOUT:+ OK\r\n" },
	{ "lenient spaces", "t  NOOP  a   b \r\n", "CMD t NOOP [a b]\nEOF\nOUT:" },
	{ "missing paren", "a5 X (a\r\nb NOOP\r\n",
	    "BAD a5 BAD Error in IMAP command: Missing ')'\nCMD b NOOP []\nEOF\nOUT:" },
	{ "unexpected paren", "a6 X a)\r\n",
	    "BAD a6 BAD Error in IMAP command: Unexpected ')'\nEOF\nOUT:" },
	{ "unterminated string", "a7 X \"abc\r\n",
	    "BAD a7 BAD Error in IMAP command: Missing '\"'\nEOF\nOUT:" },
	{ "bad escape", "a7 X \"a\\bc\"\r\n",
	    "BAD a7 BAD Error in IMAP command: Invalid escape in quoted string\nEOF\nOUT:" },
	{ "bad literal", "a8 X {abc}\r\n",
	    "BAD a8 BAD Error in IMAP command: Invalid literal announcement\nEOF\nOUT:" },
	{ "literal not at the end", "a8 X {3} y\r\n",
	    "BAD a8 BAD Error in IMAP command: Invalid literal announcement\nEOF\nOUT:" },
	{ "huge literal size", "a9 X {99999999999999999999}\r\n",
	    "BAD a9 BAD [TOOBIG] Literal size too large\nEOF\nOUT:" },
	{ "literal over the command limit", "b1 X {300}\r\nb2 NOOP\r\n",
	    "BAD b1 BAD [TOOBIG] Literal too large\nCMD b2 NOOP []\nEOF\nOUT:" },
	{ "LITERAL+ over the command limit", "b1 X {300+}\r\nxxx",
	    "CLOSE BAD [TOOBIG] Literal too large\nOUT:" },
	{ "no tag", "* NOOP\r\n+a NOOP\r\n\r\nok NOOP\r\n",
	    "BAD * BAD Error in IMAP command received by server.\n"
	    "BAD * BAD Error in IMAP command received by server.\n"
	    "CMD ok NOOP []\nEOF\nOUT:" },
	{ "no command", "lonely\r\nx 12[ a\r\n",
	    "BAD lonely BAD Missing command.\n"
	    "BAD x BAD Error in IMAP command: Unknown command.\nEOF\nOUT:" },
	{ "8-bit atom", "a X caf\xc3\xa9\r\nb X \"caf\xc3\xa9\"\r\n",
	    "BAD a BAD Error in IMAP command: 8-bit data in atom\n"
	    "CMD b X [\"caf\xc3\xa9\"]\nEOF\nOUT:" },
	{ "nul in a string", "a X \"a\0b\"\r\n",
	    "BAD a BAD Error in IMAP command: Invalid characters in quoted string\nEOF\nOUT:" },
	{ "too deep", "d X (((((((((a)))))))))\r\n",
	    "BAD d BAD Error in IMAP command: Too deep nesting\nEOF\nOUT:" },
	{ "deep enough", "d X ((((((((a))))))))\r\n",
	    "CMD d X [((((((((a))))))))]\nEOF\nOUT:" },
	{ "no space after a literal", "a X {1}\r\nbc\r\n",
	    "BAD a BAD Error in IMAP command: Missing space after literal\nEOF\nOUT:+ OK\r\n" },
	{ "append streamed", "a APPEND INBOX (\\Seen) {11}\r\nhello world\r\nb NOOP\r\n",
	    "CMD a APPEND [INBOX (\\Seen) <stream 11>]\nCMD b NOOP []\nEOF\nOUT:+ OK\r\n" },
	{ "multiappend", "a APPEND INBOX {2+}\r\nab (\\Seen) {2+}\r\ncd\r\n",
	    "CMD a APPEND [INBOX <stream 2> (\\Seen) <stream 2>]\nEOF\nOUT:" },
	{ "append refused sync", "a APPEND INBOX {4294967296}\r\nb NOOP\r\n",
	    "REFUSED a NO [TOOBIG] Message too large\nCMD b NOOP []\nEOF\nOUT:" },
	{ "append refused LITERAL+, dropped",
	    "a APPEND Nope {5+}\r\nhello {3+}\r\nabc\r\nb NOOP\r\n",
	    "REFUSED a NO [TRYCREATE] No such mailbox\nCMD b NOOP []\nEOF\nOUT:" },
	{ "append refused LITERAL+, too big to drop",
	    "a APPEND INBOX {4294967296+}\r\nxxxx",
	    "CLOSE NO [TOOBIG] Message too large\nOUT:" },
	{ "eof inside a literal", "a APPEND INBOX {10}\r\nabc",
	    "EOF\nOUT:+ OK\r\n" },
	{ "eof inside a memory literal", "a X {10}\r\nabc",
	    "EOF\nOUT:+ OK\r\n" },
	{ "line too long", "a X 0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789\r\nb NOOP\r\n",
	    "BAD * BAD [TOOBIG] Command line too long\nCMD b NOOP []\nEOF\nOUT:" },
};

int
main(void)
{
	struct sink sk;
	size_t i, len, chunk, bad;
	char *first, *got;

	tap_init("imap_read");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		/* scripts holding a NUL: count up to the last CR LF */
		if (strstr(cases[i].name, "literal8") ||
		    strstr(cases[i].name, "nul"))
			len += strlen(cases[i].in + len + 1) + 1;
		memset(&sk, 0, sizeof(sk));
		sk.data = vbuf_new(64, VBUF_NOLIMIT);
		sk.refuse_big = 1;
		first = run(cases[i].in, len, 0, 200, &sk);
		is_str(first, cases[i].want, "%s", cases[i].name);
		bad = 0;
		for (chunk = 1; chunk < 8; chunk++) {
			vbuf_reset(sk.data);
			got = run(cases[i].in, len, chunk, 200, &sk);
			if (strcmp(got, first) != 0)
				bad++;
			free(got);
		}
		ok(bad == 0, "%s: the same read in pieces of 1..7 bytes",
		    cases[i].name);
		free(first);
		vbuf_free(&sk.data);
	}

	/* a streamed literal arrives whole, in bounded pieces */
	{
		struct vbuf *in = vbuf_new(1024, VBUF_NOLIMIT);
		size_t n = 3 * IMAP_READ_CHUNK + 17, j;

		vbuf_appendf(in, "a APPEND INBOX {%zu}\r\n", n);
		for (j = 0; j < n; j++)
			vbuf_appendc(in, 'a' + (int)(j % 26));
		vbuf_appends(in, "\r\n");
		memset(&sk, 0, sizeof(sk));
		sk.data = vbuf_new(64, VBUF_NOLIMIT);
		got = run(vbuf_str(in), vbuf_len(in), 0, 200, &sk);
		like(got, "<stream 196625>", "a 192 KB APPEND literal");
		is_int(vbuf_len(sk.data), n, "all its bytes reach the sink");
		ok(memcmp(vbuf_str(sk.data), vbuf_str(in) +
		    vbuf_len(in) - n - 2, n) == 0, "unchanged");
		ok(sk.max_piece <= IMAP_READ_CHUNK, "in pieces of at most %d",
		    IMAP_READ_CHUNK);
		ok(sk.ends == 1 && sk.ok == 1, "the sink saw a complete end");
		free(got);
		/* cut short: the sink hears it */
		vbuf_truncate(in, vbuf_len(in) - 1000);
		vbuf_reset(sk.data);
		sk.ends = 0;
		got = run(vbuf_str(in), vbuf_len(in), 0, 200, &sk);
		ok(sk.ends == 1 && sk.ok == 0, "a dropped connection mid-literal "
		    "ends the sink with failure");
		free(got);
		vbuf_free(&sk.data);
		vbuf_free(&in);
	}
	{
		struct imap_arg a = { .type = IMAP_ARG_ATOM };
		uint32_t n32;
		uint64_t n64;
		const char *s;

		a.str = "4294967295";
		a.len = strlen(a.str);
		ok(imap_arg_number(&a, &n32) && n32 == 4294967295U,
		    "number up to 2^32-1");
		a.str = "4294967296";
		ok(!imap_arg_number(&a, &n32) && imap_arg_number64(&a, &n64),
		    "number64 above it");
		a.str = "9223372036854775808";
		a.len = strlen(a.str);
		ok(!imap_arg_number64(&a, &n64), "number64 stops at 2^63-1");
		a.str = "a*b";
		ok(!imap_arg_astring(&a, &s, NULL), "'*' is no astring");
		a.str = "INBOX]";
		ok(imap_arg_astring(&a, &s, NULL), "']' is an ASTRING-CHAR");
		a.str = "nil";
		ok(imap_arg_is_nil(&a) && imap_arg_nstring(&a, &s) &&
		    s == NULL, "NIL in any case");
		ok(imap_tag_valid("A001]", 5) && !imap_tag_valid("a+b", 3) &&
		    !imap_tag_valid("a%", 2), "tags");
	}
	return done_testing();
}
