/*
 * imap_fetch_parse - FETCH's data items; see imap_fetch.h.
 *
 * UNSAFE: pointer arithmetic over an atom's text, bounded by its end.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_fetch.h"
#include "imap_parser.h"

static const struct {
	const char	*name;
	unsigned	 items;
	enum imap_fetch_need need;
} simple_items[] = {
	{ "UID", IMAP_FETCH_UID, IMAP_NEED_NONE },
	{ "FLAGS", IMAP_FETCH_FLAGS, IMAP_NEED_NONE },
	{ "INTERNALDATE", IMAP_FETCH_INTERNALDATE, IMAP_NEED_NONE },
	{ "RFC822.SIZE", IMAP_FETCH_SIZE, IMAP_NEED_NONE },
	{ "ENVELOPE", IMAP_FETCH_ENVELOPE, IMAP_NEED_HEADER },
	{ "BODY", IMAP_FETCH_BODY, IMAP_NEED_FULL },
	{ "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE, IMAP_NEED_FULL },
	{ "RFC822", IMAP_FETCH_RFC822, IMAP_NEED_FULL },
	{ "RFC822.HEADER", IMAP_FETCH_RFC822_HEADER, IMAP_NEED_HEADER },
	{ "RFC822.TEXT", IMAP_FETCH_RFC822_TEXT, IMAP_NEED_FULL },
};

static const struct {
	const char	*name;
	unsigned	 items;
} macros[] = {
	{ "ALL", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_SIZE | IMAP_FETCH_ENVELOPE },
	{ "FAST", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_SIZE },
	{ "FULL", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_SIZE | IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY },
};

static void
need(struct imap_fetch_req *req, enum imap_fetch_need n)
{
	if (n > req->need)
		req->need = n;
}

/* A nz-number at *pp (no leading zero); 0 when there is none. */
static uint32_t
nz_number(const char **pp, const char *end)
{
	const char *p = *pp;
	uint64_t n = 0;

	if (p >= end || *p < '1' || *p > '9')
		return 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return 0;
	*pp = p;
	return (uint32_t)n;
}

static int
word_is(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) >= n && strncasecmp(p, w, n) == 0;
}

/* "(" name *(SP name) ")" with atoms or quoted strings. */
static int
header_list(struct arena *a, const char *p, const char *end,
    struct imap_fetch_body *fb)
{
	const char *s;
	char *name;
	unsigned max = 1, n = 0;
	size_t len;

	if (p >= end || *p != '(' || end[-1] != ')')
		return -1;
	for (s = p; s < end; s++)
		if (*s == ' ')
			max++;
	fb->fields = arena_calloc(a, max, sizeof(*fb->fields));
	for (p++, end--; p < end;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '"') {
			name = arena_alloc(a, (size_t)(end - p));
			for (len = 0, p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				name[len++] = *p;
			}
			if (p >= end)
				return -1;
			p++;
			name[len] = '\0';
		} else {
			for (s = p; p < end && *p != ' '; p++)
				if (*p == '(' || *p == ')' || *p == '"' ||
				    *p == '{' || *p == ':' || *p == '\\')
					return -1;
			name = arena_strndup(a, s, (size_t)(p - s));
			len = (size_t)(p - s);
		}
		if (len == 0 || n == max)
			return -1;
		fb->fields[n++] = name;
	}
	fb->nfields = n;
	return n > 0 ? 0 : -1;
}

/* The section between the brackets. */
static int
section(struct arena *a, const char *p, const char *end,
    struct imap_fetch_body *fb)
{
	uint32_t n;

	while (p < end && *p >= '0' && *p <= '9') {
		if (fb->nnums == IMAP_SECTION_MAX ||
		    (n = nz_number(&p, end)) == 0)
			return -1;
		fb->nums[fb->nnums++] = n;
		if (p == end)
			return 0;
		if (*p != '.' || ++p == end)
			return -1;
	}
	if (p == end) {
		fb->text = IMAP_SECTION_ALL;
		return 0;
	}
	if (fb->kind != IMAP_ITEM_BODY)
		return -1;		/* BINARY takes part numbers only */
	if (word_is(p, end, "HEADER.FIELDS.NOT ")) {
		fb->text = IMAP_SECTION_FIELDS_NOT;
		return header_list(a, p + 18, end, fb);
	}
	if (word_is(p, end, "HEADER.FIELDS ")) {
		fb->text = IMAP_SECTION_FIELDS;
		return header_list(a, p + 14, end, fb);
	}
	if (end - p == 6 && word_is(p, end, "HEADER"))
		fb->text = IMAP_SECTION_HEADER;
	else if (end - p == 4 && word_is(p, end, "TEXT"))
		fb->text = IMAP_SECTION_TEXT;
	else if (end - p == 4 && word_is(p, end, "MIME") && fb->nnums > 0)
		fb->text = IMAP_SECTION_MIME;
	else
		return -1;
	return 0;
}

/* "<" number "." nz-number ">" */
static int
partial(const char *p, const char *end, struct imap_fetch_body *fb)
{
	const char *dot;

	if (p == end)
		return 0;
	if (fb->kind == IMAP_ITEM_BINARY_SIZE || *p != '<' || end[-1] != '>')
		return -1;
	p++;
	end--;
	if ((dot = memchr(p, '.', (size_t)(end - p))) == NULL ||
	    !imap_parse_number64(p, (size_t)(dot - p), &fb->origin) ||
	    !imap_parse_number64(dot + 1, (size_t)(end - dot - 1),
	    &fb->count) || fb->count == 0)
		return -1;
	fb->partial = 1;
	return 0;
}

/* BODY[...], BODY.PEEK[...], BINARY[...], BINARY.PEEK[...], BINARY.SIZE[...] */
static int
body_item(struct arena *a, const char *s, struct imap_fetch_req *req)
{
	const char *open = strchr(s, '['), *close, *end = s + strlen(s);
	struct imap_fetch_body *fb, **tail;
	size_t nlen = (size_t)(open - s);
	const char *kind;
	char *label;

	fb = arena_zalloc(a, sizeof(*fb));
	if (nlen == 4 && strncasecmp(s, "BODY", 4) == 0)
		kind = "BODY";
	else if (nlen == 9 && strncasecmp(s, "BODY.PEEK", 9) == 0) {
		kind = "BODY";
		fb->peek = 1;
	} else if (nlen == 6 && strncasecmp(s, "BINARY", 6) == 0) {
		kind = "BINARY";
		fb->kind = IMAP_ITEM_BINARY;
	} else if (nlen == 11 && strncasecmp(s, "BINARY.PEEK", 11) == 0) {
		kind = "BINARY";
		fb->kind = IMAP_ITEM_BINARY;
		fb->peek = 1;
	} else if (nlen == 11 && strncasecmp(s, "BINARY.SIZE", 11) == 0) {
		kind = "BINARY.SIZE";
		fb->kind = IMAP_ITEM_BINARY_SIZE;
		fb->peek = 1;
	} else
		return -1;
	if ((close = strchr(open, ']')) == NULL ||
	    section(a, open + 1, close, fb) < 0 ||
	    partial(close + 1, end, fb) < 0)
		return -1;
	label = arena_alloc(a, strlen(kind) + (size_t)(close - open) + 2);
	memcpy(label, kind, strlen(kind));
	memcpy(label + strlen(kind), open, (size_t)(close - open) + 1);
	label[strlen(kind) + (size_t)(close - open) + 1] = '\0';
	fb->label = label;
	if (!fb->peek)
		req->set_seen = 1;
	if (fb->kind == IMAP_ITEM_BODY && fb->nnums == 0 &&
	    (fb->text == IMAP_SECTION_HEADER || fb->text == IMAP_SECTION_FIELDS ||
	    fb->text == IMAP_SECTION_FIELDS_NOT))
		need(req, IMAP_NEED_HEADER);
	else
		need(req, IMAP_NEED_FULL);
	for (tail = &req->bodies; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = fb;
	return 0;
}

static int
item(struct arena *a, const struct imap_arg *arg, struct imap_fetch_req *req)
{
	const char *s;
	size_t i;

	if (!imap_arg_atom(arg, &s))
		return -1;
	if (strchr(s, '[') != NULL)
		return body_item(a, s, req);
	for (i = 0; i < sizeof(simple_items) / sizeof(simple_items[0]); i++)
		if (strcasecmp(s, simple_items[i].name) == 0) {
			req->items |= simple_items[i].items;
			need(req, simple_items[i].need);
			if (simple_items[i].items & (IMAP_FETCH_RFC822 |
			    IMAP_FETCH_RFC822_TEXT))
				req->set_seen = 1;
			return 0;
		}
	return -1;
}

int
imap_fetch_parse(struct arena *a, const struct imap_arg *args,
    struct imap_fetch_req *req, const char **error_r)
{
	const struct imap_arg *l;
	const char *s;
	size_t i;

	memset(req, 0, sizeof(*req));
	*error_r = "Invalid fetch attribute";
	if (args == NULL)
		return -1;
	if (args->type == IMAP_ARG_LIST) {
		if (args->count == 0)
			return -1;
		for (l = args->list; l != NULL; l = l->next)
			if (item(a, l, req) < 0)
				return -1;
		return 0;
	}
	if (imap_arg_atom(args, &s))
		for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (strcasecmp(s, macros[i].name) == 0) {
				req->items = macros[i].items;
				if (req->items & IMAP_FETCH_BODY)
					need(req, IMAP_NEED_FULL);
				else if (req->items & IMAP_FETCH_ENVELOPE)
					need(req, IMAP_NEED_HEADER);
				return 0;
			}
	return item(a, args, req);
}
