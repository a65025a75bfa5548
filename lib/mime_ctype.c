/*
 * mime_ctype - Content-Type and Content-Disposition values (RFC 2045
 * 5.1, RFC 2183) with RFC 2231 parameters; see mime.h.
 *
 * The lexer skips RFC 822 comments (nested, with quoted pairs) and
 * folding white space. It is lenient where mail in the wild is not
 * RFC 2045: an unquoted value runs to the next ";", white space or
 * comment, so boundary=----=_Part_1 and name=a/b.txt are read as their
 * senders meant; 8-bit bytes are accepted in tokens and values.
 *
 * RFC 2231: "name*0", "name*1*"... are joined in section order (from 0,
 * while contiguous) into one parameter. If any piece was extended the
 * result is "name*" with a charset'language' prefix (empty when the
 * first piece had none) and the plain pieces percent-encoded, so a
 * reader sees one well-formed extended value; else "name" with the
 * pieces concatenated. At most MIME_PARAMS_MAX parameters are kept per
 * field.
 *
 * UNSAFE: pointer arithmetic bounded by `end`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "digit.h"
#include "mime.h"
#include "vbuf.h"

#define MIME_PARAMS_MAX	256

struct lex {
	const char	*p, *end;
};

struct raw_param {
	const char	*name;		/* base name, without the * parts */
	const char	*value;
	int		 section;	/* -1: none */
	int		 extended;
	int		 used;
};

static int
is_tspecial(int c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL && c != '\0';
}

static int
is_token_char(int c)
{
	return c > ' ' && c != 0x7f && !is_tspecial(c);
}

static void
skip_cfws(struct lex *lx)
{
	int depth;

	while (lx->p < lx->end) {
		if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' ||
		    *lx->p == '\n') {
			lx->p++;
			continue;
		}
		if (*lx->p != '(')
			return;
		for (depth = 0; lx->p < lx->end; lx->p++) {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			else if (*lx->p == '(')
				depth++;
			else if (*lx->p == ')' && --depth == 0) {
				lx->p++;
				break;
			}
		}
	}
}

static const char *
lex_token(struct lex *lx, struct arena *a)
{
	const char *s = lx->p;

	while (lx->p < lx->end && is_token_char((unsigned char)*lx->p))
		lx->p++;
	if (lx->p == s)
		return NULL;
	return arena_strndup(a, s, (size_t)(lx->p - s));
}

/* A quoted string (at '"'), unquoted; unterminated runs to the end. */
static const char *
lex_quoted(struct lex *lx, struct vbuf *tmp, struct arena *a)
{
	vbuf_reset(tmp);
	for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		if (*lx->p == '\r' || *lx->p == '\n')
			continue;		/* folding inside quotes */
		(void)vbuf_appendc(tmp, *lx->p);
	}
	if (lx->p < lx->end)
		lx->p++;
	return arena_strndup(a, vbuf_str(tmp), vbuf_len(tmp));
}

/* A lenient unquoted value: up to ";", white space or a comment. */
static const char *
lex_value(struct lex *lx, struct arena *a)
{
	const char *s = lx->p;

	while (lx->p < lx->end && *lx->p != ';' && *lx->p != ' ' &&
	    *lx->p != '\t' && *lx->p != '\r' && *lx->p != '\n' &&
	    *lx->p != '(' && *lx->p != '"' && *lx->p != '\0')
		lx->p++;
	return arena_strndup(a, s, (size_t)(lx->p - s));
}

static void
skip_to_semicolon(struct lex *lx)
{
	while (lx->p < lx->end && *lx->p != ';') {
		if (*lx->p == '"') {
			for (lx->p++; lx->p < lx->end && *lx->p != '"';
			    lx->p++)
				if (*lx->p == '\\' && lx->p + 1 < lx->end)
					lx->p++;
		}
		if (lx->p < lx->end)
			lx->p++;
	}
}

/* Split "name*3*" into its base, section and extended flag. */
static void
split_name(struct arena *a, const char *name, struct raw_param *rp)
{
	const char *star = strchr(name, '*'), *q;
	long sec;
	char *endp;

	rp->section = -1;
	rp->extended = 0;
	rp->used = 0;
	rp->name = name;
	if (star == NULL || star == name)
		return;
	q = star + 1;
	if (*q == '\0') {
		rp->extended = 1;	/* "name*": kept whole */
		return;
	} else if (*q >= '0' && *q <= '9') {
		if (q[0] == '0' && q[1] >= '0' && q[1] <= '9')
			return;			/* no leading zeros */
		sec = strtol(q, &endp, 10);
		if (sec > MIME_PARAMS_MAX)
			return;
		if (*endp == '*' && endp[1] == '\0')
			rp->extended = 1;
		else if (*endp != '\0')
			return;
		rp->section = (int)sec;
	} else
		return;
	rp->name = arena_strndup(a, name, (size_t)(star - name));
}

static void
pct_encode(struct vbuf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (is_token_char(c) && c != '*' && c != '\'' && c != '%' &&
		    c < 0x80)
			(void)vbuf_appendc(out, c);
		else {
			(void)vbuf_appendc(out, '%');
			(void)vbuf_appendc(out, hex[c >> 4]);
			(void)vbuf_appendc(out, hex[c & 15]);
		}
	}
}

/* Join the RFC 2231 pieces named like raw[first], from section 0. */
static void
join_sections(struct arena *a, struct raw_param *raw, unsigned n,
    unsigned first, struct vbuf *tmp, struct mime_param *out)
{
	const char *base = raw[first].name;
	size_t blen = strlen(base);
	unsigned j;
	int sec, extended = 0, found;
	char *name;

	for (j = 0; j < n; j++)
		if (raw[j].section >= 0 && raw[j].extended &&
		    strcasecmp(raw[j].name, base) == 0)
			extended = 1;
	vbuf_reset(tmp);
	for (sec = 0; sec <= MIME_PARAMS_MAX; sec++) {
		found = 0;
		for (j = 0; j < n && !found; j++) {
			if (raw[j].section != sec ||
			    strcasecmp(raw[j].name, base) != 0)
				continue;
			found = 1;	/* a duplicate section is ignored */
			if (!extended || raw[j].extended)
				(void)vbuf_appends(tmp, raw[j].value);
			else {
				if (sec == 0)
					(void)vbuf_appends(tmp, "''");
				pct_encode(tmp, raw[j].value);
			}
		}
		if (!found)
			break;
	}
	/* every piece of this name is consumed, even those past a gap */
	for (j = 0; j < n; j++)
		if (raw[j].section >= 0 && strcasecmp(raw[j].name, base) == 0)
			raw[j].used = 1;
	if (extended) {
		name = arena_alloc(a, blen + 2);
		memcpy(name, base, blen);
		name[blen] = '*';
		name[blen + 1] = '\0';
		out->name = name;
	} else
		out->name = base;
	out->value = arena_strndup(a, vbuf_str(tmp), vbuf_len(tmp));
}

/* The "; attribute=value" list after the main value. */
static void
parse_params(struct arena *a, struct lex *lx, struct mime_param **params_r,
    unsigned *nparams_r)
{
	struct raw_param raw[MIME_PARAMS_MAX];
	struct mime_param *out;
	struct vbuf *tmp = vbuf_new(64, VBUF_NOLIMIT);
	const char *name, *value;
	unsigned n = 0, nout = 0, i;

	for (;;) {
		skip_cfws(lx);
		if (lx->p >= lx->end || n == MIME_PARAMS_MAX)
			break;
		if (*lx->p == ';') {
			lx->p++;
			continue;
		}
		if ((name = lex_token(lx, a)) == NULL) {
			skip_to_semicolon(lx);
			continue;
		}
		skip_cfws(lx);
		if (lx->p >= lx->end || *lx->p != '=') {
			skip_to_semicolon(lx);
			continue;
		}
		lx->p++;
		skip_cfws(lx);
		if (lx->p < lx->end && *lx->p == '"')
			value = lex_quoted(lx, tmp, a);
		else
			value = lex_value(lx, a);
		split_name(a, name, &raw[n]);
		raw[n].value = value;
		n++;
		skip_to_semicolon(lx);
	}
	out = n ? arena_calloc(a, n, sizeof(*out)) : NULL;
	for (i = 0; i < n; i++) {
		if (raw[i].used)
			continue;
		if (raw[i].section >= 0)
			join_sections(a, raw, n, i, tmp, &out[nout]);
		else {
			raw[i].used = 1;
			out[nout].name = raw[i].name;
			out[nout].value = raw[i].value;
		}
		nout++;
	}
	vbuf_free(&tmp);
	*params_r = out;
	*nparams_r = nout;
}

/* A token with the comments and spaces around it. */
static const char *
lex_word(struct lex *lx, struct arena *a)
{
	const char *t;

	skip_cfws(lx);
	t = lex_token(lx, a);
	skip_cfws(lx);
	return t;
}

/* What follows the value: nothing, or ";" and the parameters. */
static int
lex_params(struct lex *lx, struct arena *a, struct mime_param **params_r,
    unsigned *nparams_r)
{
	if (lx->p < lx->end && *lx->p != ';')
		return -1;
	parse_params(a, lx, params_r, nparams_r);
	return 0;
}

int
mime_ctype_parse(struct arena *a, const char *value, size_t len,
    const char **type_r, const char **subtype_r,
    struct mime_param **params_r, unsigned *nparams_r)
{
	struct lex lx = { value, value + len };
	const char *type, *subtype;

	if ((type = lex_word(&lx, a)) == NULL || lx.p >= lx.end ||
	    *lx.p != '/')
		return -1;
	lx.p++;
	if ((subtype = lex_word(&lx, a)) == NULL ||
	    lex_params(&lx, a, params_r, nparams_r) == -1)
		return -1;
	*type_r = type;
	*subtype_r = subtype;
	return 0;
}

int
mime_disp_parse(struct arena *a, const char *value, size_t len,
    const char **disp_r, struct mime_param **params_r, unsigned *nparams_r)
{
	struct lex lx = { value, value + len };
	const char *disp;

	if ((disp = lex_word(&lx, a)) == NULL ||
	    lex_params(&lx, a, params_r, nparams_r) == -1)
		return -1;
	*disp_r = disp;
	return 0;
}

/* An RFC 2231 extended value: charset'language'percent-encoded. */
static void
decode_extended(const char *v, struct vbuf *out)
{
	const char *q1 = strchr(v, '\''), *q2, *p;
	struct vbuf *raw = vbuf_new(64, VBUF_NOLIMIT);
	char *charset = NULL;
	int h, l;

	if (q1 != NULL && (q2 = strchr(q1 + 1, '\'')) != NULL) {
		charset = strndup(v, (size_t)(q1 - v));
		p = q2 + 1;
	} else
		p = v;
	for (; *p != '\0'; p++) {
		if (*p == '%' && (h = digit_hex((unsigned char)p[1])) >= 0 &&
		    (l = digit_hex((unsigned char)p[2])) >= 0) {
			(void)vbuf_appendc(raw, h * 16 + l);
			p += 2;
		} else
			(void)vbuf_appendc(raw, *p);
	}
	(void)mime_charset_utf8(charset != NULL && *charset != '\0' ?
	    charset : NULL, vbuf_str(raw), vbuf_len(raw), out);
	free(charset);
	vbuf_free(&raw);
}

int
mime_param_decode(const struct mime_param *params, unsigned n,
    const char *name, struct vbuf *out)
{
	size_t nlen = strlen(name);
	unsigned i;

	/* the extended form wins (RFC 2231 4) */
	for (i = 0; i < n; i++)
		if (strncasecmp(params[i].name, name, nlen) == 0 &&
		    strcmp(params[i].name + nlen, "*") == 0) {
			decode_extended(params[i].value, out);
			return 1;
		}
	for (i = 0; i < n; i++)
		if (strcasecmp(params[i].name, name) == 0) {
			/* encoded words in parameters are common, if wrong */
			mime_words_decode(params[i].value,
			    strlen(params[i].value), out);
			return 1;
		}
	return 0;
}
