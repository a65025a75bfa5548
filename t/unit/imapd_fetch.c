/*
 * Unit tests for imapd's FETCH pieces: item parsing, BODY[section]
 * <partial>, BINARY, ENVELOPE, BODYSTRUCTURE and string quoting, and
 * the malformed MIME corpus through all of them.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "imapd/imap_fetch.h"
#include "imap_parser.h"
#include "imapd/imap_quote.h"
#include "imapd/imap_struct.h"
#include "mime.h"
#include "tap.h"
#include "vbuf.h"

/* Tokenize "args" as a command line would be. */
static struct imap_arg *
args_of(struct imap_parser *p, const char *line)
{
	imap_parser_reset(p);
	if (imap_parser_line(p, line, strlen(line)) != IMAP_PARSE_OK)
		return NULL;
	return imap_parser_args(p);
}

static void
test_parse(void)
{
	struct imap_parser *p = imap_parser_new(4096, 10);
	struct arena *a = imap_parser_arena(p);
	struct imap_fetch_req req;
	struct imap_fetch_body *fb;
	const char *err;

	ok(imap_fetch_parse(a, args_of(p, "FAST"), &req, &err) == 0 &&
	    req.items == (IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_SIZE) && req.need == IMAP_NEED_NONE, "FAST");
	ok(imap_fetch_parse(a, args_of(p, "all"), &req, &err) == 0 &&
	    (req.items & IMAP_FETCH_ENVELOPE) && req.need == IMAP_NEED_HEADER,
	    "ALL needs the header");
	ok(imap_fetch_parse(a, args_of(p, "FULL"), &req, &err) == 0 &&
	    (req.items & IMAP_FETCH_BODY) && req.need == IMAP_NEED_FULL,
	    "FULL needs the message");
	ok(imap_fetch_parse(a, args_of(p, "(UID FLAGS RFC822.SIZE)"), &req,
	    &err) == 0 && req.need == IMAP_NEED_NONE && !req.set_seen,
	    "index-only items");
	ok(imap_fetch_parse(a, args_of(p, "(FAST)"), &req, &err) == -1,
	    "a macro is not an item inside a list");
	ok(imap_fetch_parse(a, args_of(p,
	    "(BODY.PEEK[1.2.HEADER.FIELDS (From \"To\")]<10.20>)"), &req,
	    &err) == 0, "BODY.PEEK with fields and partial");
	fb = req.bodies;
	ok(fb != NULL && fb->peek && fb->nnums == 2 && fb->nums[0] == 1 &&
	    fb->nums[1] == 2 && fb->text == IMAP_SECTION_FIELDS &&
	    fb->nfields == 2 && strcmp(fb->fields[1], "To") == 0 &&
	    fb->partial && fb->origin == 10 && fb->count == 20 &&
	    !req.set_seen, "its parts");
	is_str(fb ? fb->label : "", "BODY[1.2.HEADER.FIELDS (From \"To\")]",
	    "the label drops .PEEK and the partial");
	ok(imap_fetch_parse(a, args_of(p, "BODY[]"), &req, &err) == 0 &&
	    req.set_seen && req.bodies->text == IMAP_SECTION_ALL &&
	    req.bodies->nnums == 0, "BODY[] sets \\Seen");
	ok(imap_fetch_parse(a, args_of(p, "BODY.PEEK[HEADER]"), &req, &err)
	    == 0 && req.need == IMAP_NEED_HEADER, "BODY[HEADER] needs the header");
	ok(imap_fetch_parse(a, args_of(p, "(BINARY.SIZE[1] BINARY.PEEK[2]<0.5>)"),
	    &req, &err) == 0 && req.bodies->kind == IMAP_ITEM_BINARY_SIZE &&
	    req.bodies->next->kind == IMAP_ITEM_BINARY && !req.set_seen,
	    "BINARY.SIZE and BINARY.PEEK");
	ok(imap_fetch_parse(a, args_of(p, "RFC822.TEXT"), &req, &err) == 0 &&
	    req.set_seen, "RFC822.TEXT sets \\Seen");
	ok(imap_fetch_parse(a, args_of(p, "RFC822.HEADER"), &req, &err) == 0 &&
	    !req.set_seen, "RFC822.HEADER does not");
	{
		static const char *const bad[] = {
			"BODY[0]", "BODY[01]", "BODY[1.]", "BODY[.1]",
			"BODY[MIME]", "BODY[1.MIMEX]", "BODY[HEADER.FIELDS ()]",
			"BODY[HEADER.FIELDS]", "BODY[TEXT]<1>", "BODY[]<1.0>",
			"BODY[]<a.1>", "BINARY[1.TEXT]", "BINARY.SIZE[1]<0.1>",
			"BODY.PEAK[]", "FLAG", "()", "BODY[1]x",
			"BODY[4294967296]",
		};
		size_t i;
		int n = 0;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct imap_arg *x = args_of(p, bad[i]);

			if (x == NULL ||
			    imap_fetch_parse(a, x, &req, &err) == 0) {
				diag("accepted: %s", bad[i]);
				n++;
			}
		}
		ok(n == 0, "bad items are refused");
	}
	imap_parser_free(&p);
}

static const char nested[] =
    "From: a@example.org\n"
    "Subject: forward\n"
    "Content-Type: multipart/mixed; boundary=outer\n"
    "\n"
    "--outer\n"
    "Content-Type: text/plain\n"
    "\n"
    "see attached\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: c@example.com\n"
    "Subject: inner\n"
    "Content-Type: multipart/alternative; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "aGVsbG8Ad29ybGQ=\n"
    "--inner\n"
    "Content-Type: text/html\n"
    "Content-Transfer-Encoding: x-unknown\n"
    "\n"
    "<p>inner html</p>\n"
    "--inner--\n"
    "--outer--\n";

static const struct {
	const char	*item;
	int		 ret;
	const char	*want;
} sections[] = {
	{ "BODY[1]", 1, "see attached" },
	{ "BODY[1.MIME]", 1, "Content-Type: text/plain\r\n\r\n" },
	{ "BODY[2.HEADER.FIELDS (SUBJECT from)]", 1,
	    "From: c@example.com\r\nSubject: inner\r\n\r\n" },
	{ "BODY[2.HEADER.FIELDS.NOT (Content-Type)]", 1,
	    "From: c@example.com\r\nSubject: inner\r\n\r\n" },
	{ "BODY[HEADER.FIELDS (Subject)]", 1, "Subject: forward\r\n\r\n" },
	{ "BODY[HEADER.FIELDS (X-None)]", 1, "\r\n" },
	{ "BODY[2.1]", 1, "aGVsbG8Ad29ybGQ=" },
	{ "BODY[2.2.MIME]", 1,
	    "Content-Type: text/html\r\nContent-Transfer-Encoding: x-unknown\r\n\r\n" },
	{ "BODY[2.TEXT]<0.9>", 1, "--inner\r\n" },
	{ "BODY[2.TEXT]<7.5>", 1, "\r\nCon" },
	{ "BODY[2.TEXT]<8.4>", 1, "\nCon" },
	{ "BODY[]<0.5>", 1, "From:" },
	{ "BODY[]<100000.5>", 1, "" },
	{ "BODY[1.TEXT]", 0, "" },
	{ "BODY[3]", 0, "" },
	{ "BODY[1.1]", 0, "" },
	{ "BODY[2.3]", 0, "" },
	{ "BODY[2.1.1]", 0, "" },
	{ "BINARY[2.1]", 1, "hello\0world" },
	{ "BINARY[2.1]<6.3>", 1, "wor" },
	{ "BINARY[2.2]", -1, "" },
	{ "BINARY[1]", 1, "see attached" },
	{ "BINARY[4]", 0, "" },
};

static void
test_sections(void)
{
	struct imap_parser *p = imap_parser_new(4096, 10);
	struct mime_msg *m = mime_parse(nested, strlen(nested));
	struct vbuf *out = vbuf_new(256, VBUF_NOLIMIT);
	struct imap_fetch_req req;
	const char *err;
	size_t i, wantlen;
	int r;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (imap_fetch_parse(imap_parser_arena(p),
		    args_of(p, sections[i].item), &req, &err) < 0) {
			ok(0, "%s parses", sections[i].item);
			continue;
		}
		vbuf_reset(out);
		if (req.bodies->kind == IMAP_ITEM_BODY)
			r = imap_fetch_section(req.bodies, m, out);
		else
			r = imap_fetch_binary(req.bodies, m, out);
		wantlen = strlen(sections[i].want);
		if (strcmp(sections[i].item, "BINARY[2.1]") == 0)
			wantlen = 11;
		ok(r == sections[i].ret && vbuf_len(out) == wantlen &&
		    memcmp(vbuf_str(out), sections[i].want, wantlen) == 0,
		    "%s", sections[i].item);
	}
	/* BODY[] is the whole message in CR LF form: RFC822.SIZE octets */
	imap_fetch_parse(imap_parser_arena(p), args_of(p, "BODY[]"), &req,
	    &err);
	vbuf_reset(out);
	imap_fetch_section(req.bodies, m, out);
	is_int(vbuf_len(out), m->root->hdr_size + m->root->body_size,
	    "BODY[] is as long as the sizes say");
	ok(strstr(vbuf_str(out), "\n") == strstr(vbuf_str(out), "\r\n") + 1,
	    "with CR LF line ends");
	vbuf_free(&out);
	mime_free(&m);
	imap_parser_free(&p);
}

static void
test_struct(void)
{
	struct arena *a = arena_new(4096);
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	struct mime_msg *m = mime_parse(nested, strlen(nested));
	static const char hdr[] =
	    "Date: Tue, 3 Jun 2008 11:05:30 +0200\n"
	    "Subject: =?utf-8?q?caf=C3=A9?=\n"
	    "From: \"Doe, J\" <j@x>\n"
	    "Sender:\n"
	    "To: g: a@b;, c@d\n"
	    "Message-ID: <m\n 1@x>\n"
	    "\n";

	imap_envelope_put(b, a, hdr, strlen(hdr));
	is_str(vbuf_str(b), "(\"Tue, 3 Jun 2008 11:05:30 +0200\" "
	    "\"=?utf-8?q?caf=C3=A9?=\" ((\"Doe, J\" NIL \"j\" \"x\")) "
	    "((\"Doe, J\" NIL \"j\" \"x\")) ((\"Doe, J\" NIL \"j\" \"x\")) "
	    "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL)"
	    "(NIL NIL \"c\" \"d\")) NIL NIL NIL \"<m 1@x>\")",
	    "ENVELOPE: raw words, defaults from From, groups, unfolded");
	vbuf_reset(b);
	imap_envelope_put(b, a, "", 0);
	is_str(vbuf_str(b), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
	    "ENVELOPE of no header");
	vbuf_reset(b);
	imap_bodystructure_put(b, a, m, m->root, 0, 0);
	is_str(vbuf_str(b), "((\"text\" \"plain\" NIL NIL NIL \"7BIT\" 12 1)"
	    "(\"message\" \"rfc822\" NIL NIL NIL \"7BIT\" 284 "
	    "(NIL \"inner\" ((NIL NIL \"c\" \"example.com\")) "
	    "((NIL NIL \"c\" \"example.com\")) ((NIL NIL \"c\" \"example.com\")) "
	    "NIL NIL NIL NIL NIL) "
	    "((\"text\" \"plain\" NIL NIL NIL \"base64\" 16 1)"
	    "(\"text\" \"html\" NIL NIL NIL \"x-unknown\" 17 1) \"alternative\") "
	    "15) \"mixed\")", "BODY (no extension data)");
	vbuf_reset(b);
	mime_free(&m);
	{
		static const char one[] =
		    "Content-Type: text/plain; charset=\"a\\\"b\"\n"
		    "Content-Disposition: inline; filename=x.txt\n"
		    "Content-Language: en, de\nContent-Location: http://x/\n"
		    "Content-MD5: abc\nContent-ID: <i@d>\n"
		    "Content-Description: d\t1\n\nx";

		m = mime_parse(one, strlen(one));
	}
	imap_bodystructure_put(b, a, m, m->root, 1, 0);
	is_str(vbuf_str(b), "(\"text\" \"plain\" (\"charset\" \"a\\\"b\") "
	    "\"<i@d>\" \"d 1\" \"7BIT\" 1 1 \"abc\" (\"inline\" (\"filename\" "
	    "\"x.txt\")) (\"en\" \"de\") \"http://x/\")",
	    "BODYSTRUCTURE extension data");
	vbuf_free(&b);
	mime_free(&m);
	arena_free(&a);
}

static void
test_quote(void)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);

	imap_put_string(b, "a\"b\\c", 5);
	is_str(vbuf_str(b), "\"a\\\"b\\\\c\"", "quoted with escapes");
	vbuf_reset(b);
	imap_put_string(b, "caf\xc3\xa9", 5);
	is_str(vbuf_str(b), "{5}\r\ncaf\xc3\xa9", "8-bit goes as a literal");
	vbuf_reset(b);
	imap_put_string(b, "a\r\nb", 4);
	is_str(vbuf_str(b), "{4}\r\na\r\nb", "CR LF as a literal");
	vbuf_reset(b);
	imap_put_text(b, "a\r\n\tb\0c", 7);
	is_str(vbuf_str(b), "\"a b c\"", "header text loses folding and NUL");
	vbuf_reset(b);
	imap_put_astring(b, "INBOX");
	imap_put_astring(b, "a b");
	imap_put_astring(b, "nil");
	imap_put_nstring(b, NULL);
	is_str(vbuf_str(b), "INBOX\"a b\"\"nil\"NIL", "atoms, strings, NIL");
	vbuf_free(&b);
}

/* Every corpus message through every kind of FETCH data. */
static void
test_corpus(void)
{
	static const char *const items[] = {
		"BODY[]", "BODY[HEADER]", "BODY[TEXT]", "BODY[1]",
		"BODY[1.MIME]", "BODY[2.HEADER]", "BODY[1.1.TEXT]",
		"BODY[HEADER.FIELDS (From Subject)]", "BODY[]<7.100>",
		"BINARY[1]", "BINARY[2]", "BINARY[]",
	};
	struct imap_parser *p = imap_parser_new(4096, 10);
	struct arena *a = arena_new(4096);
	struct vbuf *b = vbuf_new(1024, VBUF_NOLIMIT);
	struct imap_fetch_req req;
	DIR *d = opendir("fuzz/corpus/mime");
	struct dirent *e;
	struct stat st;
	struct mime_msg *m;
	char path[512], *data;
	const char *err;
	size_t i;
	int fd, files = 0, bad = 0;

	if (d == NULL)
		bail_out("fuzz/corpus/mime: cannot open");
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "fuzz/corpus/mime/%s", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0)
			bail_out("%s", path);
		data = malloc((size_t)st.st_size + 1);
		if (read(fd, data, (size_t)st.st_size) != st.st_size)
			bail_out("%s: short read", path);
		close(fd);
		m = mime_parse(data, (size_t)st.st_size);
		vbuf_reset(b);
		if (imap_bodystructure_put(b, a, m, m->root, 1, 0) < 0 ||
		    imap_envelope_put(b, a, data + m->root->hdr_off,
		    m->root->hdr_len) < 0) {
			diag("%s: structure", e->d_name);
			bad++;
		}
		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
			imap_fetch_parse(imap_parser_arena(p),
			    args_of(p, items[i]), &req, &err);
			vbuf_reset(b);
			if (req.bodies->kind == IMAP_ITEM_BODY)
				imap_fetch_section(req.bodies, m, b);
			else
				imap_fetch_binary(req.bodies, m, b);
		}
		imap_fetch_parse(imap_parser_arena(p), args_of(p, "BODY[]"),
		    &req, &err);
		vbuf_reset(b);
		imap_fetch_section(req.bodies, m, b);
		if (vbuf_len(b) != m->root->hdr_size + m->root->body_size) {
			diag("%s: BODY[] is %zu octets, sizes say %zu",
			    e->d_name, vbuf_len(b),
			    m->root->hdr_size + m->root->body_size);
			bad++;
		}
		mime_free(&m);
		free(data);
		files++;
	}
	closedir(d);
	ok(files >= 30 && bad == 0, "malformed corpus: %d messages through "
	    "BODYSTRUCTURE, ENVELOPE, BODY[...] and BINARY[...]", files);
	vbuf_free(&b);
	arena_free(&a);
	imap_parser_free(&p);
}

int
main(void)
{
	tap_init("imapd_fetch");
	test_parse();
	test_sections();
	test_struct();
	test_quote();
	test_corpus();
	return done_testing();
}
