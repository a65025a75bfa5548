/*
 * fuzz/imap_cmd - imapd's command grammar: the reader (tags, literals,
 * lists, limits, streamed and refused APPEND literals) and the argument
 * parsers a command meets (sequence sets against a view, FETCH items,
 * SEARCH programs).
 *
 * Input: a control byte (the largest read the client's stream makes:
 * 0 all at once, else 1..255 bytes), then the client's bytes.
 * Property: the commands, responses and streamed literal bytes are the
 * same whatever the stream's read sizes (the reader keeps no state that
 * depends on how TCP cut the input). Seeds: fuzz/corpus/imap_cmd/.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "fuzz.h"
#include "imapd/imap_fetch.h"
#include "imap_parser.h"
#include "imap_read.h"
#include "imapd/imap_search.h"
#include "imapd/imap_seqset.h"
#include "stream.h"
#include "vbuf.h"

static enum imap_lit_action
lit_begin(void *ctx, const struct imap_cmd *cmd, uint64_t size,
    int literal8, const char **resp_r)
{
	(void)ctx;
	(void)literal8;
	if (cmd->name == NULL || strcasecmp(cmd->name, "APPEND") != 0 ||
	    cmd->argc < 1 || cmd->depth > 0)
		return IMAP_LIT_MEMORY;
	if (size > 100000) {
		*resp_r = "NO [TOOBIG] too large";
		return IMAP_LIT_REFUSE;
	}
	return IMAP_LIT_STREAM;
}

static int
lit_write(void *ctx, const char *data, size_t len)
{
	FUZZ_CHECK(len > 0 && len <= IMAP_READ_CHUNK);
	(void)vbuf_append(ctx, data, len);
	return 0;
}

static void
lit_end(void *ctx, int ok)
{
	(void)vbuf_appendf(ctx, "<end %d>", ok);
}

static void
command(struct imap_parser *p, const struct imap_cmd *cmd)
{
	struct arena *a = imap_parser_arena(p);
	const struct imap_arg *args = cmd->args;
	const char *name = cmd->name, *s, *err;
	struct imap_fetch_req req;
	struct imap_search_opts opts;
	struct imap_search_key *k;
	struct imap_seqset set;
	struct imap_view v;
	struct imap_range *r;
	unsigned n;
	uint32_t uid;

	if (strcasecmp(name, "UID") == 0 && imap_arg_atom(args, &name))
		args = args->next;
	imap_view_init(&v);
	for (uid = 1; uid < 40; uid += 3)
		(void)imap_view_append(&v, uid);
	if (strcasecmp(name, "SEARCH") == 0) {
		if (imap_search_parse(a, args, 20, &opts, &k, &err) ==
		    IMAP_SEARCH_OK)
			(void)imap_search_prepare(k, &v, NULL, 0, a);
	} else if (imap_arg_atom(args, &s) &&
	    imap_seqset_parse(a, s, strlen(s), &set) == 0 && !set.dollar) {
		(void)imap_view_resolve(&v, &set, 0, a, &r, &n);
		(void)imap_view_resolve(&v, &set, 1, a, &r, &n);
		if (strcasecmp(name, "FETCH") == 0)
			(void)imap_fetch_parse(a, args->next, &req, &err);
	}
	imap_view_release(&v);
}

/* Read every command with reads of at most chunk bytes; log results. */
static void
run(const uint8_t *data, size_t len, size_t chunk, struct vbuf *log)
{
	struct stream *s = stream_mem_open(data, len);
	struct imap_parser *p = imap_parser_new(8192, 20);
	struct imap_lit_hook hook = { lit_begin, lit_write, lit_end, log };
	struct imap_reader r = { p, s, &hook, 4096 };
	struct imap_cmd cmd;
	const char *resp, *out;
	enum imap_read_result res;
	size_t outlen;

	stream_set_line_limit(s, 8192 + 2);
	stream_mem_set_chunk(s, chunk);
	do {
		res = imap_read_cmd(&r, &cmd, &resp);
		(void)vbuf_appendf(log, "[%d %s %s %s %u]", (int)res,
		    cmd.tag ? cmd.tag : "-", cmd.name ? cmd.name : "-",
		    resp ? resp : "-", cmd.argc);
		if (res == IMAP_READ_CMD)
			command(p, &cmd);
	} while (res != IMAP_READ_EOF && res != IMAP_READ_CLOSE);
	out = stream_mem_output(s, &outlen);
	(void)vbuf_append(log, out, outlen);
	imap_parser_free(&p);
	stream_free(&s);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_in in = { data, len };
	struct vbuf *whole = vbuf_new(1024, VBUF_NOLIMIT);
	struct vbuf *cut = vbuf_new(1024, VBUF_NOLIMIT);
	size_t chunk = fuzz_byte(&in);

	run(in.p, in.n, 0, whole);
	if (chunk > 0) {
		run(in.p, in.n, chunk, cut);
		FUZZ_CHECK(vbuf_len(whole) == vbuf_len(cut) &&
		    memcmp(vbuf_str(whole), vbuf_str(cut), vbuf_len(cut)) == 0);
	}
	vbuf_free(&cut);
	vbuf_free(&whole);
	return 0;
}
