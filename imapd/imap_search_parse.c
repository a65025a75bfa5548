/*
 * imap_search_parse - SEARCH's arguments into a program; see
 * imap_search.h.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_parser.h"
#include "imap_search.h"
#include "imf.h"
#include "vbuf.h"

struct sp {
	struct arena		*arena;
	const struct imap_arg	*arg;		/* the next argument */
	unsigned		 max_depth;
	const char		*error;
	struct imap_search_opts	*opts;
};

enum argkind { A_NONE, A_STRING, A_NUMBER, A_DATE, A_KEYWORD, A_SET,
	A_HEADER };

static const struct {
	const char	*name;
	enum imap_skey	 type;
	enum argkind	 arg;
	unsigned	 flags;		/* ISK_FLAGS_*: which */
	const char	*hdr;		/* text keys on one field */
} keys[] = {
	{ "ALL", ISK_ALL, A_NONE, 0, NULL },
	{ "ANSWERED", ISK_FLAGS_SET, A_NONE, IMAP_FLAG_ANSWERED, NULL },
	{ "DELETED", ISK_FLAGS_SET, A_NONE, IMAP_FLAG_DELETED, NULL },
	{ "DRAFT", ISK_FLAGS_SET, A_NONE, IMAP_FLAG_DRAFT, NULL },
	{ "FLAGGED", ISK_FLAGS_SET, A_NONE, IMAP_FLAG_FLAGGED, NULL },
	{ "SEEN", ISK_FLAGS_SET, A_NONE, IMAP_FLAG_SEEN, NULL },
	{ "RECENT", ISK_FLAGS_SET, A_NONE, IMAP_FLAG_RECENT, NULL },
	{ "UNANSWERED", ISK_FLAGS_CLEAR, A_NONE, IMAP_FLAG_ANSWERED, NULL },
	{ "UNDELETED", ISK_FLAGS_CLEAR, A_NONE, IMAP_FLAG_DELETED, NULL },
	{ "UNDRAFT", ISK_FLAGS_CLEAR, A_NONE, IMAP_FLAG_DRAFT, NULL },
	{ "UNFLAGGED", ISK_FLAGS_CLEAR, A_NONE, IMAP_FLAG_FLAGGED, NULL },
	{ "UNSEEN", ISK_FLAGS_CLEAR, A_NONE, IMAP_FLAG_SEEN, NULL },
	{ "OLD", ISK_FLAGS_CLEAR, A_NONE, IMAP_FLAG_RECENT, NULL },
	{ "NEW", ISK_NEW, A_NONE, 0, NULL },
	{ "KEYWORD", ISK_KEYWORD, A_KEYWORD, 0, NULL },
	{ "UNKEYWORD", ISK_UNKEYWORD, A_KEYWORD, 0, NULL },
	{ "BEFORE", ISK_BEFORE, A_DATE, 0, NULL },
	{ "ON", ISK_ON, A_DATE, 0, NULL },
	{ "SINCE", ISK_SINCE, A_DATE, 0, NULL },
	{ "SENTBEFORE", ISK_SENTBEFORE, A_DATE, 0, NULL },
	{ "SENTON", ISK_SENTON, A_DATE, 0, NULL },
	{ "SENTSINCE", ISK_SENTSINCE, A_DATE, 0, NULL },
	{ "LARGER", ISK_LARGER, A_NUMBER, 0, NULL },
	{ "SMALLER", ISK_SMALLER, A_NUMBER, 0, NULL },
	{ "OLDER", ISK_OLDER, A_NUMBER, 0, NULL },
	{ "YOUNGER", ISK_YOUNGER, A_NUMBER, 0, NULL },
	{ "UID", ISK_UIDSET, A_SET, 0, NULL },
	{ "BODY", ISK_BODY, A_STRING, 0, NULL },
	{ "TEXT", ISK_TEXT, A_STRING, 0, NULL },
	{ "HEADER", ISK_HEADER, A_HEADER, 0, NULL },
	{ "FROM", ISK_HEADER, A_STRING, 0, "from" },
	{ "TO", ISK_HEADER, A_STRING, 0, "to" },
	{ "CC", ISK_HEADER, A_STRING, 0, "cc" },
	{ "BCC", ISK_HEADER, A_STRING, 0, "bcc" },
	{ "SUBJECT", ISK_HEADER, A_STRING, 0, "subject" },
};

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* date-text: 1*2DIGIT "-" Mon "-" 4DIGIT, bare or quoted. */
static int
parse_date(const struct imap_arg *a, long *day_r)
{
	const char *s;
	size_t len;
	int d = 0, m, y = 0, i;

	if (a == NULL || (a->type != IMAP_ARG_ATOM &&
	    a->type != IMAP_ARG_STRING))
		return -1;
	s = a->str;
	len = a->len;
	for (i = 0; i < 2 && (size_t)i < len && s[i] >= '0' && s[i] <= '9';
	    i++)
		d = d * 10 + (s[i] - '0');
	if (i == 0 || len != (size_t)i + 9 || s[i] != '-' || s[i + 4] != '-')
		return -1;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s + i + 1, months[m], 3) == 0)
			break;
	if (m == 12)
		return -1;
	for (s += i + 5, i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	if (d < 1 || d > 31)
		return -1;
	*day_r = imf_days(y, m + 1, d);
	return 0;
}

/* A search string: case-folded for matching. */
static int
take_string(struct sp *sp, struct imap_search_key *k)
{
	const char *s;
	size_t len;
	struct vbuf tmp;

	if (!imap_arg_astring(sp->arg, &s, &len))
		return -1;
	sp->arg = sp->arg->next;
	vbuf_init(&tmp, len, VBUF_NOLIMIT);
	imap_fold(s, len, &tmp);
	k->str = arena_strndup(sp->arena, vbuf_str(&tmp), vbuf_len(&tmp));
	k->len = vbuf_len(&tmp);
	vbuf_release(&tmp);
	return 0;
}

static struct imap_search_key *parse_key(struct sp *, unsigned depth);

/* Keys up to the end of the list: an AND node (or the single key). */
static struct imap_search_key *
parse_and(struct sp *sp, unsigned depth)
{
	struct imap_search_key *and, *k, **tail;

	and = arena_zalloc(sp->arena, sizeof(*and));
	and->type = ISK_AND;
	tail = &and->children;
	if (sp->arg == NULL) {
		sp->error = "Missing search key";
		return NULL;
	}
	while (sp->arg != NULL) {
		if ((k = parse_key(sp, depth)) == NULL)
			return NULL;
		*tail = k;
		tail = &k->next;
	}
	if (and->children->next == NULL)
		return and->children;
	return and;
}

static int
key_args(struct sp *sp, struct imap_search_key *k, enum argkind kind,
    unsigned depth)
{
	const char *s;
	size_t len;

	(void)depth;
	switch (kind) {
	case A_NONE:
		return 0;
	case A_STRING:
		return take_string(sp, k);
	case A_HEADER:
		if (!imap_arg_astring(sp->arg, &s, &len) || len == 0)
			return -1;
		k->hdr = arena_strndup(sp->arena, s, len);
		sp->arg = sp->arg->next;
		return take_string(sp, k);
	case A_NUMBER:
		if (!imap_arg_number64(sp->arg, &k->num))
			return -1;
		break;
	case A_DATE:
		if (parse_date(sp->arg, &k->day) < 0)
			return -1;
		break;
	case A_KEYWORD:
		if (!imap_arg_atom(sp->arg, &s) || *s == '\\' ||
		    strpbrk(s, "[]") != NULL)
			return -1;
		k->str = s;
		k->len = strlen(s);
		break;
	case A_SET:
		if (!imap_arg_atom(sp->arg, &s) ||
		    imap_seqset_parse(sp->arena, s, strlen(s), &k->set) < 0)
			return -1;
		if (k->set.dollar) {
			k->type = ISK_SAVED;
			sp->opts->uses_saved = 1;
		}
		break;
	}
	sp->arg = sp->arg->next;
	return 0;
}

static struct imap_search_key *
parse_key(struct sp *sp, unsigned depth)
{
	const struct imap_arg *a = sp->arg;
	struct imap_search_key *k, *save;
	const char *s;
	size_t i;

	if (depth >= sp->max_depth) {
		sp->error = "Too deep nesting";
		return NULL;
	}
	if (a == NULL) {
		sp->error = "Missing search key";
		return NULL;
	}
	k = arena_zalloc(sp->arena, sizeof(*k));
	if (a->type == IMAP_ARG_LIST) {
		struct sp inner = *sp;

		inner.arg = a->list;
		if ((save = parse_and(&inner, depth + 1)) == NULL) {
			sp->error = inner.error;
			return NULL;
		}
		sp->arg = a->next;
		return save;
	}
	if (!imap_arg_atom(a, &s)) {
		sp->error = "Invalid search key";
		return NULL;
	}
	sp->arg = a->next;
	if (strcasecmp(s, "NOT") == 0 || strcasecmp(s, "OR") == 0) {
		k->type = s[0] == 'N' || s[0] == 'n' ? ISK_NOT : ISK_OR;
		if ((k->children = parse_key(sp, depth + 1)) == NULL)
			return NULL;
		if (k->type == ISK_OR &&
		    (k->children->next = parse_key(sp, depth + 1)) == NULL)
			return NULL;
		return k;
	}
	if ((*s >= '0' && *s <= '9') || *s == '*' || *s == '$') {
		if (imap_seqset_parse(sp->arena, s, strlen(s), &k->set) < 0) {
			sp->error = "Invalid sequence set";
			return NULL;
		}
		k->type = k->set.dollar ? ISK_SAVED : ISK_SEQSET;
		if (k->set.dollar)
			sp->opts->uses_saved = 1;
		return k;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(s, keys[i].name) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		sp->error = "Unknown search key";
		return NULL;
	}
	k->type = keys[i].type;
	k->num = keys[i].flags;
	k->hdr = keys[i].hdr;
	if (key_args(sp, k, keys[i].arg, depth) < 0) {
		sp->error = "Invalid search key argument";
		return NULL;
	}
	return k;
}

/* Cost of a key, and its AND/OR children sorted cheapest first. */
static enum imap_search_cost
order(struct imap_search_key *k)
{
	struct imap_search_key *c, *sorted = NULL, **tail, *next;
	enum imap_search_cost max = IMAP_COST_INDEX, cost;

	switch (k->type) {
	case ISK_HEADER:
		return k->cost = IMAP_COST_HEADER;
	case ISK_BODY:
	case ISK_TEXT:
		return k->cost = IMAP_COST_BODY;
	case ISK_SENTBEFORE:
	case ISK_SENTON:
	case ISK_SENTSINCE:
		return k->cost = IMAP_COST_HEADER;
	case ISK_AND:
	case ISK_OR:
	case ISK_NOT:
		break;
	default:
		return k->cost = IMAP_COST_INDEX;
	}
	for (c = k->children; c != NULL; c = c->next)
		if ((cost = order(c)) > max)
			max = cost;
	if (k->type == ISK_AND) {
		/* a stable insertion sort by cost; lists are short */
		for (c = k->children; c != NULL; c = next) {
			next = c->next;
			for (tail = &sorted; *tail != NULL &&
			    (*tail)->cost <= c->cost; tail = &(*tail)->next)
				;
			c->next = *tail;
			*tail = c;
		}
		k->children = sorted;
	} else if (k->type == ISK_OR &&
	    k->children->cost > k->children->next->cost) {
		c = k->children->next;
		k->children->next = NULL;
		c->next = k->children;
		k->children = c;
	}
	return k->cost = max;
}

static int
parse_return(struct sp *sp)
{
	const struct imap_arg *l;
	const char *s;

	if (sp->arg == NULL || sp->arg->type != IMAP_ARG_LIST)
		return -1;
	sp->opts->esearch = 1;
	for (l = sp->arg->list; l != NULL; l = l->next) {
		if (!imap_arg_atom(l, &s))
			return -1;
		if (strcasecmp(s, "MIN") == 0)
			sp->opts->ret |= IMAP_RETURN_MIN;
		else if (strcasecmp(s, "MAX") == 0)
			sp->opts->ret |= IMAP_RETURN_MAX;
		else if (strcasecmp(s, "ALL") == 0)
			sp->opts->ret |= IMAP_RETURN_ALL;
		else if (strcasecmp(s, "COUNT") == 0)
			sp->opts->ret |= IMAP_RETURN_COUNT;
		else if (strcasecmp(s, "SAVE") == 0)
			sp->opts->ret |= IMAP_RETURN_SAVE;
		else
			return -1;
	}
	/* RFC 4731: an empty list means ALL */
	if (sp->arg->count == 0)
		sp->opts->ret = IMAP_RETURN_ALL;
	sp->arg = sp->arg->next;
	return 0;
}

enum imap_search_err
imap_search_parse(struct arena *a, const struct imap_arg *args,
    unsigned max_depth, struct imap_search_opts *opts,
    struct imap_search_key **key_r, const char **error_r)
{
	struct sp sp = { a, args, max_depth, NULL, opts };
	const char *charset;

	memset(opts, 0, sizeof(*opts));
	if (imap_arg_is_atom(sp.arg, "RETURN")) {
		sp.arg = sp.arg->next;
		if (parse_return(&sp) < 0) {
			*error_r = "Invalid search return options";
			return IMAP_SEARCH_BAD;
		}
	}
	if (imap_arg_is_atom(sp.arg, "CHARSET")) {
		sp.arg = sp.arg->next;
		if (!imap_arg_astring(sp.arg, &charset, NULL)) {
			*error_r = "Missing charset";
			return IMAP_SEARCH_BAD;
		}
		if (strcasecmp(charset, "UTF-8") != 0 &&
		    strcasecmp(charset, "US-ASCII") != 0) {
			*error_r = "[BADCHARSET (UTF-8 US-ASCII)] "
			    "Unsupported charset";
			return IMAP_SEARCH_BADCHARSET;
		}
		sp.arg = sp.arg->next;
	}
	if ((*key_r = parse_and(&sp, 0)) == NULL) {
		*error_r = sp.error;
		return IMAP_SEARCH_BAD;
	}
	(void)order(*key_r);
	return IMAP_SEARCH_OK;
}
