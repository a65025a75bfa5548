/*
 * Unit tests for lib/mime: structure, sections, sizes, parameters,
 * encoded words, decoders, and the malformed corpus in fuzz/corpus/mime.
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
#include "mime.h"
#include "tap.h"
#include "vbuf.h"

#ifndef CORPUS_DIR
#define CORPUS_DIR	"fuzz/corpus/mime"
#endif

/* type/subtype(children...) of the whole tree */
static void
shape(const struct mime_part *p, struct vbuf *out)
{
	const struct mime_part *c;

	vbuf_appendf(out, "%s/%s", p->type, p->subtype);
	if (p->flags & MIME_PART_LIMITED)
		vbuf_appends(out, "!");
	if (p->children == NULL)
		return;
	vbuf_appends(out, "(");
	for (c = p->children; c != NULL; c = c->next) {
		shape(c, out);
		if (c->next != NULL)
			vbuf_appends(out, ",");
	}
	vbuf_appends(out, ")");
}

static char *
shape_of(const char *msg)
{
	struct mime_msg *m = mime_parse(msg, strlen(msg));
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char *s;

	shape(m->root, b);
	s = vbuf_steal(b);
	vbuf_free(&b);
	mime_free(&m);
	return s;
}

/* The body of a part as a string (raw bytes). */
static char *
body_of(const struct mime_msg *m, const struct mime_part *p)
{
	return strndup(m->data + p->body_off, p->body_len);
}

static const struct {
	const char	*name;
	const char	*msg;
	const char	*shape;
} shapes[] = {
	{ "no content-type", "Subject: x\n\nbody\n", "text/plain" },
	{ "multipart", "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\none\n--b\nContent-Type: image/png\n\ntwo\n--b--\n",
	    "multipart/mixed(text/plain,image/png)" },
	{ "nested message", "Content-Type: message/rfc822\n\n"
	    "Content-Type: multipart/alternative; boundary=x\n\n--x\n\na\n"
	    "--x\nContent-Type: text/html\n\nb\n--x--\n",
	    "message/rfc822(multipart/alternative(text/plain,text/html))" },
	{ "missing close", "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n\none\n--b\n\ntwo\n", "multipart/mixed(text/plain,text/plain)" },
	{ "inner not closed",
	    "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
	    "Content-Type: multipart/mixed; boundary=i\n\n--i\n\na\n--o\n\nb\n"
	    "--o--\n",
	    "multipart/mixed(multipart/mixed(text/plain),text/plain)" },
	{ "no boundary param", "Content-Type: multipart/mixed\n\nx\n",
	    "text/plain" },
	{ "boundary never seen",
	    "Content-Type: multipart/mixed; boundary=n\n\ntext\n",
	    "multipart/mixed(text/plain)" },
	{ "digest default", "Content-Type: multipart/digest; boundary=d\n\n"
	    "--d\n\nSubject: a\n\nb\n--d--\n",
	    "multipart/digest(message/rfc822(text/plain))" },
	{ "garbage type", "Content-Type: ;;=\n\nx", "text/plain" },
	{ "type without subtype", "Content-Type: text\n\nx", "text/plain" },
	{ "first content-type wins",
	    "Content-Type: image/gif\nContent-Type: text/html\n\nx",
	    "image/gif" },
	{ "header cut by delimiter",
	    "Content-Type: multipart/mixed; boundary=h\n\n--h\n"
	    "Content-Type: message/rfc822\n--h--\n",
	    "multipart/mixed(message/rfc822(text/plain))" },
	{ "prefix boundaries",
	    "Content-Type: multipart/mixed; boundary=abc\n\n--abc\n"
	    "Content-Type: multipart/mixed; boundary=abc-1\n\n--abc-1\n\n"
	    "in\n--abc-1--\n--abc\n\nout\n--abc--\n",
	    "multipart/mixed(multipart/mixed(text/plain),text/plain)" },
	{ "not a delimiter", "Content-Type: multipart/mixed; boundary=p\n\n"
	    "--pp\n--p-x\n--p\n\nonly\n--p--\n", "multipart/mixed(text/plain)" },
	{ "unquoted boundary with =",
	    "Content-Type: multipart/mixed; boundary=----=_Part_1\n\n"
	    "------=_Part_1\n\na\n------=_Part_1--\n",
	    "multipart/mixed(text/plain)" },
	{ "rfc2231 boundary",
	    "Content-Type: multipart/mixed; boundary*0=ab; boundary*1=cd\n\n"
	    "--abcd\n\na\n--abcd--\n", "multipart/mixed(text/plain)" },
};

static void
test_shapes(void)
{
	size_t i;
	char *s;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		s = shape_of(shapes[i].msg);
		is_str(s, shapes[i].shape, "shape: %s", shapes[i].name);
		free(s);
	}
}

static void
test_ranges(void)
{
	static const char lf[] =
	    "Subject: x\n"
	    "Content-Type: multipart/mixed; boundary=b\n"
	    "\n"
	    "pre\n"
	    "--b\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "line one\n"
	    "line two\n"
	    "--b\n"
	    "\n"
	    "second\n"
	    "--b--\n"
	    "epi\n";
	struct mime_msg *m = mime_parse(lf, strlen(lf));
	struct mime_part *p1, *p2;
	char *s;

	is_int(m->root->hdr_len, 54, "root header with its empty line");
	is_int(m->root->hdr_size, 57, "root header size counts CR LF");
	is_int(m->root->body_len, strlen(lf) - 54, "root body to the end");
	p1 = mime_section(m, (unsigned[]){ 1 }, 1);
	p2 = mime_section(m, (unsigned[]){ 2 }, 1);
	ok(p1 != NULL && p2 != NULL, "sections 1 and 2");
	s = body_of(m, p1);
	is_str(s, "line one\nline two", "part 1 body without the LF before --b");
	free(s);
	is_int(p1->body_size, 18, "part 1 size in CR LF octets");
	is_int(p1->body_lines, 2, "part 1 lines");
	is_int(p1->hdr_len, 26, "part 1 MIME header with its empty line");
	s = body_of(m, p2);
	is_str(s, "second", "part 2 body");
	free(s);
	is_int(p2->hdr_len, 1, "part 2 header is just the empty line");
	ok(mime_section(m, (unsigned[]){ 3 }, 1) == NULL, "no part 3");
	ok(mime_section(m, (unsigned[]){ 1, 1 }, 2) == NULL, "no part 1.1");
	ok(mime_section(m, NULL, 0) == m->root, "empty section is the root");
	mime_free(&m);
	ok(m == NULL, "mime_free clears the pointer");

	/* a non-multipart message: part 1 is the message itself */
	m = mime_parse("Subject: x\r\n\r\nhi\r\n", 18);
	ok(mime_section(m, (unsigned[]){ 1 }, 1) == m->root, "1 of a leaf");
	is_int(m->root->body_size, 4, "CR LF body size as is");
	is_int(m->root->body_lines, 1, "one line");
	mime_free(&m);

	/* message/rfc822 reached by a number stands for its message */
	{
		static const char fw[] =
		    "Content-Type: multipart/mixed; boundary=o\n\n"
		    "--o\n\ntext\n"
		    "--o\nContent-Type: message/rfc822\n\n"
		    "Subject: inner\n\n"
		    "inner body\n"
		    "--o--\n";
		struct mime_part *mp, *in;

		m = mime_parse(fw, strlen(fw));
		mp = mime_section(m, (unsigned[]){ 2 }, 1);
		ok(mp != NULL && (mp->flags & MIME_PART_MESSAGE), "2 is a message");
		in = mime_part_message(mp);
		ok(in != NULL && in->parent == mp, "its message is its child");
		ok(mime_section(m, (unsigned[]){ 2, 1 }, 2) == in,
		    "2.1 is the carried message's body (a leaf)");
		s = strndup(m->data + in->hdr_off, in->hdr_len);
		is_str(s, "Subject: inner\n\n", "the carried message's header");
		free(s);
		s = body_of(m, in);
		is_str(s, "inner body", "the carried message's body");
		free(s);
		is_int(mp->body_lines, 3, "message/rfc822 lines");
		mime_free(&m);
	}
}

static void
test_limits(void)
{
	struct vbuf *b = vbuf_new(1024, VBUF_NOLIMIT);
	struct mime_msg *m;
	struct mime_part *p;
	int i, depth;

	vbuf_appends(b, "Content-Type: multipart/mixed; boundary=b0\n\n");
	for (i = 1; i < 300; i++)
		vbuf_appendf(b, "--b%d\nContent-Type: multipart/mixed; "
		    "boundary=b%d\n\n", i - 1, i);
	vbuf_appends(b, "--b299\n\nbottom\n");
	m = mime_parse(vbuf_str(b), vbuf_len(b));
	for (p = m->root, depth = 0; p->children != NULL; p = p->children)
		depth++;
	is_int(depth, MIME_MAX_DEPTH, "multiparts stop at MIME_MAX_DEPTH");
	ok(p->flags & MIME_PART_LIMITED, "the deepest one is a limited leaf");
	is_str(p->type, "application", "limited: application/octet-stream");
	mime_free(&m);

	vbuf_reset(b);
	for (i = 0; i < 200; i++)
		vbuf_appends(b, "Content-Type: message/rfc822\n\n");
	m = mime_parse(vbuf_str(b), vbuf_len(b));
	for (p = m->root, depth = 0; p->children != NULL; p = p->children)
		depth++;
	is_int(depth, MIME_MAX_DEPTH, "messages stop at MIME_MAX_DEPTH");
	mime_free(&m);

	vbuf_reset(b);
	vbuf_appends(b, "Content-Type: multipart/mixed; boundary=m\n\n");
	for (i = 0; i < MIME_MAX_PARTS + 500; i++)
		vbuf_appends(b, "--m\n\n");
	m = mime_parse(vbuf_str(b), vbuf_len(b));
	is_int(m->nparts, MIME_MAX_PARTS, "parts stop at MIME_MAX_PARTS");
	mime_free(&m);
	vbuf_free(&b);
}

static void
test_params(void)
{
	struct arena *a = arena_new(1024);
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	struct mime_param *ps;
	const char *t, *st;
	unsigned n;
	static const char ct[] =
	    "application/x-stuff;\n"
	    " title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
	    " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n"
	    " title*2=\"isn't it!\"; (a comment) charset = \"a\\\"b\";"
	    " name*0=long; name*1=\"name.txt\"; name*3=gap; x=y/z";

	ok(mime_ctype_parse(a, ct, strlen(ct), &t, &st, &ps, &n) == 0,
	    "RFC 2231 example parses");
	is_str(t, "application", "type");
	is_str(st, "x-stuff", "subtype");
	is_int(n, 4, "pieces joined into four parameters");
	is_str(mime_param_get(ps, n, "title*"),
	    "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20"
	    "isn%27t%20it!", "extended pieces joined, plain one encoded");
	is_str(mime_param_get(ps, n, "charset"), "a\"b", "quoted pair");
	is_str(mime_param_get(ps, n, "name"), "longname.txt",
	    "plain pieces joined, a gap ends them");
	is_str(mime_param_get(ps, n, "x"), "y/z", "lenient unquoted value");
	ok(mime_param_decode(ps, n, "title", b) == 1 &&
	    strcmp(vbuf_str(b), "This is even more ***fun*** isn't it!") == 0,
	    "title decodes: %s", vbuf_str(b));
	vbuf_reset(b);
	ok(mime_disp_parse(a, "attachment; filename*=UTF-8''%E2%82%AC%20x",
	    42, &t, &ps, &n) == 0 && strcmp(t, "attachment") == 0,
	    "disposition");
	ok(mime_param_decode(ps, n, "filename", b) == 1 &&
	    strcmp(vbuf_str(b), "\xe2\x82\xac x") == 0, "UTF-8 filename");
	vbuf_reset(b);
	t = "inline; filename=\"=?utf-8?q?r=C3=A9sum=C3=A9?=.txt\"";
	ok(mime_disp_parse(a, t, strlen(t), &t, &ps, &n) == 0 && mime_param_decode(ps, n, "filename", b)
	    == 1 && strcmp(vbuf_str(b), "r\xc3\xa9sum\xc3\xa9.txt") == 0,
	    "encoded word in a filename: %s", vbuf_str(b));
	ok(mime_ctype_parse(a, "text/plain garbage", 18, &t, &st, &ps, &n)
	    == -1, "junk after the subtype is not a content type");
	ok(mime_ctype_parse(a, " TEXT / HTML ; ; charset=x", 26, &t, &st,
	    &ps, &n) == 0 && strcmp(st, "HTML") == 0 && n == 1,
	    "spaces and empty parameters");
	vbuf_free(&b);
	arena_free(&a);
}

static const struct {
	const char	*in;
	const char	*out;
} words[] = {
	{ "=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9" },
	{ "=?ISO-8859-1?Q?Keld_J=F8rn?=", "Keld J\xc3\xb8rn" },
	{ "=?utf-8?b?5L2g5aW9?=", "\xe4\xbd\xa0\xe5\xa5\xbd" },
	{ "a =?utf-8?q?x?= =?utf-8?q?y?= b", "a xy b" },
	{ "=?utf-8?q?x?=\r\n =?utf-8?q?y?=", "xy" },
	{ "=?utf-8?q?=E2=82?= =?utf-8?q?=AC?=", "\xe2\x82\xac" },
	{ "=?utf-8*en?q?lang?=", "lang" },
	{ "not =?a word", "not =?a word" },
	{ "=?x?y?z?=", "=?x?y?z?=" },
	{ "folded\r\n line", "folded line" },
	{ "latin1 \xe9t\xe9", "latin1 \xc3\xa9t\xc3\xa9" },
	{ "utf8 \xc3\xa9", "utf8 \xc3\xa9" },
	{ "=?utf-8?q?bad_=FF?=", "bad \xef\xbf\xbd" },
	{ "=?unknown?q?=E9?=", "\xc3\xa9" },
	{ "=?windows-1252?q?=80?=", "\xe2\x82\xac" },
	{ "=?iso-8859-15?q?=A4?=", "\xe2\x82\xac" },
};

static void
test_words(void)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		vbuf_reset(b);
		mime_words_decode(words[i].in, strlen(words[i].in), b);
		is_str(vbuf_str(b), words[i].out, "encoded words, case %zu", i);
	}
	vbuf_free(&b);
}

static void
test_decode(void)
{
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	static const char qp[] =
	    "soft=\nbreak =ZZ =e9 end=\n=3D   \nlast";

	ok(mime_decode(MIME_CTE_BASE64, "SGVs\nbG8!!", 10, b) == 0, "b64");
	is_str(vbuf_str(b), "Hello", "base64 skips junk, short quantum");
	vbuf_reset(b);
	mime_decode(MIME_CTE_BASE64, "YQ==YWFh", 8, b);
	is_str(vbuf_str(b), "a", "base64 ends at its padding");
	vbuf_reset(b);
	mime_decode(MIME_CTE_QP, qp, strlen(qp), b);
	is_str(vbuf_str(b), "softbreak =ZZ \xe9 end=\r\nlast",
	    "quoted-printable");
	vbuf_reset(b);
	mime_decode(MIME_CTE_IDENTITY, "a\nb\r\nc", 6, b);
	is_str(vbuf_str(b), "a\r\nb\r\nc", "identity makes CR LF");
	is_int(mime_cte("X-UUENCODE"), MIME_CTE_UNKNOWN, "unknown encoding");
	is_int(mime_cte(NULL), MIME_CTE_IDENTITY, "no encoding is 7bit");
	is_int(mime_cte("Base64"), MIME_CTE_BASE64, "any case");
	vbuf_free(&b);
}

/* The CR LF form, slices of it at every start and count. */
static void
test_crlf(void)
{
	static const char in[] = "a\nbc\r\n\nd\r\r\ne";
	struct vbuf *full = vbuf_new(64, VBUF_NOLIMIT);
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	size_t len = strlen(in), start, count, bad = 0;
	int prev;

	mime_crlf_copy(in, len, 0, full);
	is_str(vbuf_str(full), "a\r\nbc\r\n\r\nd\r\r\ne", "CR LF form");
	is_int(mime_crlf_size(in, len, 0), vbuf_len(full), "its size");
	is_int(mime_crlf_size("\nx", 2, '\r'), 2, "prev CR joins the LF");
	for (start = 0; start <= vbuf_len(full) + 1; start++)
		for (count = 0; count <= vbuf_len(full) + 2; count++) {
			size_t want = start > vbuf_len(full) ? 0 :
			    vbuf_len(full) - start;

			if (want > count)
				want = count;
			vbuf_reset(b);
			mime_crlf_slice(in, len, 0, start, count, b);
			if (vbuf_len(b) != want || (want > 0 &&
			    memcmp(vbuf_str(b), vbuf_str(full) + start, want)
			    != 0)) {
				diag("slice %zu.%zu: %s", start, count,
				    vbuf_str(b));
				bad++;
			}
		}
	ok(bad == 0, "every <start.count> slice equals the CR LF form");
	/* a slice of a range whose first byte is an LF after a CR */
	for (prev = 0; prev < 2; prev++) {
		vbuf_reset(b);
		mime_crlf_slice("\nz", 2, prev ? '\r' : 'q', 0, 10, b);
		is_str(vbuf_str(b), prev ? "\nz" : "\r\nz", "prev byte %s",
		    prev ? "CR" : "not CR");
	}
	vbuf_free(&b);
	vbuf_free(&full);
}

static void
test_fields(void)
{
	static const char h[] =
	    "Subject: one\r\n two\r\n"
	    "no colon here\n"
	    "X-Sp \t: v\n"
	    "\n"
	    "Body: not a field\n";
	struct mime_hdr_iter it;
	struct mime_field f;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	int n = 0;

	mime_hdr_init(&it, h, strlen(h));
	ok(mime_hdr_next(&it, &f) && mime_name_is(f.name, "subject") &&
	    f.raw.len == 20 && f.value.len == 9, "folded field");
	mime_unfold(f.value.ptr, f.value.len, b);
	is_str(vbuf_str(b), "one two", "unfolded");
	ok(mime_hdr_next(&it, &f) && f.nocolon && f.name.len == 13,
	    "a line without a colon is kept as a field without value");
	ok(mime_hdr_next(&it, &f) && mime_name_is(f.name, "x-sp") &&
	    f.value.len == 1, "white space before the colon");
	ok(!mime_hdr_next(&it, &f), "the empty line ends the header");
	mime_hdr_init(&it, h, strlen(h));
	while (mime_hdr_next(&it, &f))
		n++;
	is_int(n, 3, "three fields");
	ok(!mime_hdr_find(h, strlen(h), "body", &f), "body is not header");
	ok(mime_hdr_find(h, strlen(h), "SUBJECT", &f), "find any case");
	vbuf_free(&b);
}

/* Every part lies inside its parent; sizes agree with the bytes. */
static int
check_tree(const struct mime_msg *m, const struct mime_part *p,
    const char *name)
{
	const struct mime_part *c;
	size_t end = p->body_off + p->body_len;
	int prev;

	if (p->hdr_off + p->hdr_len > p->body_off || end > m->len) {
		diag("%s: part ranges out of order", name);
		return 0;
	}
	prev = p->hdr_off > 0 ? m->data[p->hdr_off - 1] : 0;
	if (!(p->flags & MIME_PART_NO_HEADER) && p->hdr_size !=
	    mime_crlf_size(m->data + p->hdr_off, p->hdr_len, prev)) {
		diag("%s: header size %zu", name, p->hdr_size);
		return 0;
	}
	prev = p->body_off > 0 ? m->data[p->body_off - 1] : 0;
	if (p->body_size != mime_crlf_size(m->data + p->body_off,
	    p->body_len, prev)) {
		diag("%s: body size %zu", name, p->body_size);
		return 0;
	}
	for (c = p->children; c != NULL; c = c->next) {
		if (c->hdr_off < p->body_off || c->body_off + c->body_len > end) {
			diag("%s: child outside its parent", name);
			return 0;
		}
		if (!check_tree(m, c, name))
			return 0;
	}
	return 1;
}

static void
test_corpus(void)
{
	DIR *d = opendir(CORPUS_DIR);
	struct dirent *e;
	struct stat st;
	char path[1024], *data;
	struct mime_msg *m;
	int fd, files = 0, bad = 0;

	if (d == NULL) {
		ok(0, "open %s", CORPUS_DIR);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0)
			bail_out("%s: cannot read", path);
		data = malloc((size_t)st.st_size + 1);
		if (read(fd, data, (size_t)st.st_size) != st.st_size)
			bail_out("%s: short read", path);
		close(fd);
		m = mime_parse(data, (size_t)st.st_size);
		if (!check_tree(m, m->root, e->d_name))
			bad++;
		if (m->nparts > MIME_MAX_PARTS * 2)
			bad++;
		mime_free(&m);
		free(data);
		files++;
	}
	closedir(d);
	ok(files >= 30, "malformed corpus: %d messages", files);
	ok(bad == 0, "every corpus message parses into a consistent tree");
}

int
main(void)
{
	tap_init("mime");
	test_shapes();
	test_ranges();
	test_limits();
	test_params();
	test_words();
	test_decode();
	test_crlf();
	test_fields();
	test_corpus();
	return done_testing();
}
