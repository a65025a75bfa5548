/*
 * libFuzzer harness: the IMAP command grammar. The input is a client's
 * byte stream; every command read is handed to the argument parsers it
 * would meet in imapd (sequence sets, FETCH items, SEARCH programs,
 * APPEND's streamed literals). Seeds: fuzz/corpus/imap_cmd/.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imapd/imap_fetch.h"
#include "imapd/imap_parser.h"
#include "imapd/imap_read.h"
#include "imapd/imap_search.h"
#include "imapd/imap_seqset.h"
#include "stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

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
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

static void
lit_end(void *ctx, int ok)
{
	(void)ctx;
	(void)ok;
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct stream *s = stream_mem_open(data, len);
	struct imap_parser *p = imap_parser_new(8192, 20);
	static const struct imap_lit_hook hook = {
		lit_begin, lit_write, lit_end, NULL
	};
	struct imap_reader r = { p, s, &hook, 4096 };
	struct imap_cmd cmd;
	const char *resp;
	enum imap_read_result res;

	stream_set_line_limit(s, 8192 + 2);
	while ((res = imap_read_cmd(&r, &cmd, &resp)) != IMAP_READ_EOF &&
	    res != IMAP_READ_CLOSE)
		if (res == IMAP_READ_CMD)
			command(p, &cmd);
	imap_parser_free(&p);
	stream_free(&s);
	return 0;
}
