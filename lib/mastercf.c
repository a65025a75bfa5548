/*
 * NAME
 *	mastercf - parse master.cf into a table of services; see mastercf.h.
 *
 * DESCRIPTION
 *	Each logical line is split into fields; the first seven are checked
 *	column by column, the rest are the command and its arguments, with
 *	"{ ... }" grouping and -o overrides. The whole file is parsed before
 *	anything is returned, so an error leaves the caller's table as it
 *	was.
 *
 * SECURITY
 *	See mastercf.h: strict on names, paths and control characters.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfline.h"
#include "mastercf.h"
#include "printable.h"
#include "xmalloc.h"

#define MASTERCF_FIELDS		8	/* up to and including command */
#define MASTERCF_MAXTOK		1024	/* fields and args on one line */
#define MASTERCF_MAXWAKEUP	(7 * 24 * 3600)
#define MASTERCF_MAXPROC	100000

struct mastercf_ctx {
	const char	*path;
	int		 line;
	char		*err;
};

static int mastercf_fail(struct mastercf_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

static int
mastercf_fail(struct mastercf_ctx *ctx, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	free(ctx->err);
	ctx->err = xasprintf("%s:%d: %s", ctx->path, ctx->line, text);
	return -1;
}

const char *
mastercf_type_name(enum mastercf_type type)
{
	switch (type) {
	case MASTERCF_INET:
		return "inet";
	case MASTERCF_UNIX:
		return "unix";
	case MASTERCF_UNIX_DGRAM:
		return "unix-dgram";
	}
	return "?";
}

/* Free a NULL-terminated vector of strings. */
static void
mastercf_freev(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
mastercf_entry_free(struct mastercf_entry *e)
{
	free(e->name);
	free(e->host);
	free(e->port);
	free(e->command);
	free(e->path);
	mastercf_freev(e->args);
	mastercf_freev(e->overrides);
}

void
mastercf_free(struct mastercf **mcfp)
{
	struct mastercf *mcf = *mcfp;
	size_t i;

	if (mcf == NULL)
		return;
	for (i = 0; i < mcf->n; i++)
		mastercf_entry_free(&mcf->entries[i]);
	free(mcf->entries);
	free(mcf);
	*mcfp = NULL;
}

/*
 * Split a logical line into tokens (malloc'd). After the command field,
 * "{ text }" is one token with the braces and surrounding blanks removed.
 * Returns the count or -1.
 */
static int
mastercf_split(struct mastercf_ctx *ctx, const char *s, char **tok)
{
	const char *start, *end, *why;
	int n = 0;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		if (n == MASTERCF_MAXTOK) {
			why = "too many fields";
			goto fail;
		}
		if (*s == '{' && n >= MASTERCF_FIELDS) {
			start = s + 1;
			if ((end = strchr(start, '}')) == NULL) {
				why = "missing '}' in argument";
				goto fail;
			}
			if (end[1] != '\0' && end[1] != ' ' &&
			    end[1] != '\t') {
				why = "text after '}' in argument";
				goto fail;
			}
			s = end + 1;
			start += strspn(start, " \t");
			while (end > start && (end[-1] == ' ' ||
			    end[-1] == '\t'))
				end--;
		} else {
			start = s;
			s += strcspn(s, " \t");
			end = s;
		}
		tok[n++] = xstrndup(start, (size_t)(end - start));
	}
	return n;
fail:
	while (n > 0)
		free(tok[--n]);
	return mastercf_fail(ctx, "%s", why);
}

/* y, n or '-' (then def); -1 when none. */
static int
mastercf_yesno(const char *s, int def)
{
	if (strcmp(s, "y") == 0)
		return 1;
	if (strcmp(s, "n") == 0)
		return 0;
	if (strcmp(s, "-") == 0)
		return def;
	return -1;
}

/* Parse a decimal number in [0, max]; -1 if not one. */
static long
mastercf_number(const char *s, long max)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

static int
mastercf_port_ok(const char *p)
{
	const char *s;

	if (*p == '\0')
		return 0;
	if (isdigit((unsigned char)*p)) {
		long v = mastercf_number(p, 65535);

		return v > 0;
	}
	for (s = p; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static int
mastercf_host_ok(const char *h, int bracketed)
{
	const char *s;

	if (*h == '\0')
		return 0;
	if (!bracketed && strcmp(h, "*") == 0)
		return 1;
	for (s = h; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || *s == '.' || *s == '-' ||
		    *s == '_')
			continue;
		if (bracketed && (*s == ':' || *s == '%'))
			continue;
		return 0;
	}
	return 1;
}

/* Service column for an inet service: [host:]port. */
static int
mastercf_inet_name(struct mastercf_ctx *ctx, struct mastercf_entry *e)
{
	const char *name = e->name, *colon, *close;

	if (name[0] == '[') {
		if ((close = strchr(name, ']')) == NULL || close[1] != ':')
			return mastercf_fail(ctx, "service \"%s\": expected "
			    "[host]:port", name);
		e->host = xstrndup(name + 1, (size_t)(close - name - 1));
		e->port = xstrdup(close + 2);
		if (!mastercf_host_ok(e->host, 1))
			return mastercf_fail(ctx, "service \"%s\": bad host",
			    name);
	} else if ((colon = strrchr(name, ':')) != NULL) {
		if (strchr(name, ':') != colon)
			return mastercf_fail(ctx, "service \"%s\": an IPv6 "
			    "address must be in brackets: [addr]:port", name);
		e->host = xstrndup(name, (size_t)(colon - name));
		e->port = xstrdup(colon + 1);
		if (!mastercf_host_ok(e->host, 0))
			return mastercf_fail(ctx, "service \"%s\": bad host",
			    name);
	} else
		e->port = xstrdup(name);
	if (!mastercf_port_ok(e->port))
		return mastercf_fail(ctx, "service \"%s\": bad port \"%s\"",
		    name, e->port);
	if (e->host != NULL && strcmp(e->host, "*") == 0) {
		free(e->host);
		e->host = NULL;
	}
	return 0;
}

/* Service column for a unix service: a plain socket name. */
static int
mastercf_unix_name(struct mastercf_ctx *ctx, const char *name)
{
	const char *s;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return mastercf_fail(ctx, "service \"%s\": bad socket name",
		    name);
	if (strlen(name) > 64)
		return mastercf_fail(ctx, "service \"%s\": socket name longer "
		    "than 64 characters", name);
	for (s = name; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return mastercf_fail(ctx, "service \"%s\": a unix "
			    "socket name may hold only letters, digits, "
			    "'-', '_' and '.'", name);
	return 0;
}

static int
mastercf_command_ok(struct mastercf_ctx *ctx, const char *cmd)
{
	const char *s = cmd;

	for (;;) {
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
			return mastercf_fail(ctx, "command \"%s\": \"..\" is "
			    "not allowed", cmd);
		if ((s = strchr(s, '/')) == NULL)
			return 0;
		s++;
	}
}

/* Check "name=value" of a -o override and store it normalised. */
static int
mastercf_override(struct mastercf_ctx *ctx, const char *text, char **out_r)
{
	const char *eq, *s, *v;
	size_t nlen;

	if ((eq = strchr(text, '=')) == NULL)
		return mastercf_fail(ctx, "-o \"%s\": expected name=value",
		    text);
	nlen = (size_t)(eq - text);
	while (nlen > 0 && (text[nlen - 1] == ' ' || text[nlen - 1] == '\t'))
		nlen--;
	if (nlen == 0)
		return mastercf_fail(ctx, "-o \"%s\": empty parameter name",
		    text);
	for (s = text; s < text + nlen; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return mastercf_fail(ctx, "-o \"%s\": bad parameter "
			    "name", text);
	v = eq + 1;
	v += strspn(v, " \t");
	*out_r = xasprintf("%.*s=%s", (int)nlen, text, v);
	return 0;
}

static void
mastercf_push(char ***vp, size_t *np, char *s)
{
	*vp = xreallocarray(*vp, *np + 2, sizeof(char *));
	(*vp)[(*np)++] = s;
	(*vp)[*np] = NULL;
}

/* Command arguments: keep them all, and collect the -o overrides. */
static int
mastercf_args(struct mastercf_ctx *ctx, struct mastercf_entry *e,
    char **tok, int ntok)
{
	size_t nargs = 0, nover = 0;
	char *ov = NULL;
	int i;

	e->args = xcalloc(1, sizeof(char *));
	e->overrides = xcalloc(1, sizeof(char *));
	for (i = 0; i < ntok; i++) {
		const char *text = NULL;

		if (strcmp(tok[i], "-o") == 0) {
			if (i + 1 == ntok)
				return mastercf_fail(ctx, "-o without "
				    "name=value");
			text = tok[++i];
		} else if (strncmp(tok[i], "-o", 2) == 0)
			text = tok[i] + 2;
		if (text == NULL) {
			mastercf_push(&e->args, &nargs, xstrdup(tok[i]));
			continue;
		}
		if (mastercf_override(ctx, text, &ov) < 0)
			return -1;
		mastercf_push(&e->args, &nargs, xstrdup("-o"));
		mastercf_push(&e->args, &nargs, xstrdup(ov));
		mastercf_push(&e->overrides, &nover, ov);
	}
	return 0;
}

static int
mastercf_entry(struct mastercf_ctx *ctx, char **tok, int ntok,
    struct mastercf_entry *e)
{
	long v;
	char *w;
	int def_private;

	if (ntok < MASTERCF_FIELDS)
		return mastercf_fail(ctx, "expected at least 8 fields "
		    "(service type private unpriv chroot wakeup maxproc "
		    "command), found %d", ntok);
	e->name = xstrdup(tok[0]);
	if (strcmp(tok[1], "inet") == 0)
		e->type = MASTERCF_INET;
	else if (strcmp(tok[1], "unix") == 0)
		e->type = MASTERCF_UNIX;
	else if (strcmp(tok[1], "unix-dgram") == 0)
		e->type = MASTERCF_UNIX_DGRAM;
	else
		return mastercf_fail(ctx, "service \"%s\": unknown type "
		    "\"%s\" (expected inet, unix or unix-dgram)", tok[0],
		    tok[1]);
	if (e->type == MASTERCF_INET) {
		if (mastercf_inet_name(ctx, e) < 0)
			return -1;
	} else if (mastercf_unix_name(ctx, e->name) < 0)
		return -1;

	def_private = e->type != MASTERCF_INET;
	if ((e->private = mastercf_yesno(tok[2], def_private)) < 0)
		return mastercf_fail(ctx, "private column: expected y, n or "
		    "-, found \"%s\"", tok[2]);
	if (e->type == MASTERCF_INET && e->private)
		return mastercf_fail(ctx, "service \"%s\": an inet service "
		    "cannot be private", e->name);
	if ((e->unpriv = mastercf_yesno(tok[3], 1)) < 0)
		return mastercf_fail(ctx, "unpriv column: expected y, n or "
		    "-, found \"%s\"", tok[3]);
	if ((e->chroot = mastercf_yesno(tok[4], 0)) < 0)
		return mastercf_fail(ctx, "chroot column: expected y, n or "
		    "-, found \"%s\"", tok[4]);

	w = tok[5];
	if (strcmp(w, "-") != 0) {
		size_t len = strlen(w);

		if (len > 1 && w[len - 1] == '?') {
			e->wakeup_if_used = 1;
			w[len - 1] = '\0';
		}
		if ((v = mastercf_number(w, MASTERCF_MAXWAKEUP)) < 0)
			return mastercf_fail(ctx, "wakeup column: expected "
			    "seconds (0 to %d, optional '?') or -, found "
			    "\"%s\"", MASTERCF_MAXWAKEUP, tok[5]);
		e->wakeup = (int)v;
		if (e->wakeup == 0)
			e->wakeup_if_used = 0;
		if (e->wakeup > 0 && e->type != MASTERCF_UNIX)
			return mastercf_fail(ctx, "service \"%s\": wakeup "
			    "is supported for unix services only", e->name);
	}

	if (e->type == MASTERCF_UNIX_DGRAM) {
		/* one reader keeps the records in the order they were sent */
		if (strcmp(tok[6], "-") != 0 && strcmp(tok[6], "1") != 0)
			return mastercf_fail(ctx, "service \"%s\": a "
			    "unix-dgram service runs one process: maxproc "
			    "must be 1, found \"%s\"", e->name, tok[6]);
		e->maxproc = 1;
	} else if (strcmp(tok[6], "-") == 0)
		e->maxproc = MASTERCF_MAXPROC_DEFAULT;
	else if ((v = mastercf_number(tok[6], MASTERCF_MAXPROC)) < 0)
		return mastercf_fail(ctx, "maxproc column: expected a number "
		    "(0 to %d) or -, found \"%s\"", MASTERCF_MAXPROC, tok[6]);
	else
		e->maxproc = (int)v;
	if (mastercf_command_ok(ctx, tok[7]) < 0)
		return -1;
	e->command = xstrdup(tok[7]);
	return mastercf_args(ctx, e, tok + MASTERCF_FIELDS,
	    ntok - MASTERCF_FIELDS);
}

/*
 * The parser; problem NULL: stop at the first error, else report each
 * one, skip its line and go on (the count is in *nproblems).
 */
static int
mastercf_parse_go(FILE *fp, const char *name, struct mastercf **mcf_r,
    char **err_r, mastercf_problem_fn *problem, void *arg, int *nproblems)
{
	struct mastercf_ctx ctx = { name, 0, NULL };
	struct mastercf *mcf;
	struct cfline cf;
	const char *line;
	char **tok, *cferr = NULL;
	int r, ntok, i;
	size_t j;

	*mcf_r = NULL;
	*err_r = NULL;
	mcf = xcalloc(1, sizeof(*mcf));
	tok = xcalloc(MASTERCF_MAXTOK, sizeof(char *));
	cfline_fdopen(&cf, fp, name, 0);
	while ((r = cfline_next(&cf, &line, &cferr)) > 0) {
		struct mastercf_entry e;

		ctx.line = cf.lineno;
		memset(&e, 0, sizeof(e));
		if (ctx.err != NULL && problem != NULL) {
			/* the last line's problem: reported, skipped */
			problem(arg, ctx.err);
			(*nproblems)++;
			free(ctx.err);
			ctx.err = NULL;
		}
		if (!printable_ok(line, PRINTABLE_8BIT)) {
			mastercf_fail(&ctx, "control character in line");
			if (problem != NULL)
				continue;
			break;
		}
		if ((ntok = mastercf_split(&ctx, line, tok)) < 0) {
			if (problem != NULL)
				continue;
			break;
		}
		r = mastercf_entry(&ctx, tok, ntok, &e);
		for (i = 0; i < ntok; i++)
			free(tok[i]);
		if (r < 0) {
			mastercf_entry_free(&e);
			if (problem != NULL) {
				r = 1;
				continue;
			}
			break;
		}
		for (j = 0; j < mcf->n; j++)
			if (mcf->entries[j].type == e.type &&
			    strcmp(mcf->entries[j].name, e.name) == 0)
				break;
		if (j < mcf->n) {
			mastercf_fail(&ctx, "duplicate service \"%s/%s\" "
			    "(first at line %d)", e.name,
			    mastercf_type_name(e.type), mcf->entries[j].line);
			mastercf_entry_free(&e);
			if (problem != NULL)
				continue;
			r = -1;
			break;
		}
		e.path = xstrdup(name);
		e.line = cf.lineno;
		mcf->entries = xreallocarray(mcf->entries, mcf->n + 1,
		    sizeof(*mcf->entries));
		mcf->entries[mcf->n++] = e;
	}
	if (r < 0 && problem != NULL) {
		if (ctx.err != NULL) {
			problem(arg, ctx.err);
			(*nproblems)++;
			free(ctx.err);
		}
		ctx.err = cferr;
	} else if (r < 0 && ctx.err == NULL)
		ctx.err = cferr;
	else
		free(cferr);
	cfline_close(&cf);
	free(tok);
	if (ctx.err != NULL && problem != NULL) {
		problem(arg, ctx.err);
		(*nproblems)++;
		free(ctx.err);
		ctx.err = NULL;
	}
	if (ctx.err != NULL) {
		mastercf_free(&mcf);
		*err_r = ctx.err;
		return -1;
	}
	*mcf_r = mcf;
	return 0;
}

int
mastercf_parse(FILE *fp, const char *name, struct mastercf **mcf_r,
    char **err_r)
{
	return mastercf_parse_go(fp, name, mcf_r, err_r, NULL, NULL, NULL);
}

int
mastercf_load_all(const char *path, struct mastercf **mcf_r,
    mastercf_problem_fn *problem, void *arg)
{
	char *err = NULL, *text;
	int n = 0;
	FILE *fp;

	*mcf_r = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		text = xasprintf("%s: %s", path, strerror(errno));
		problem(arg, text);
		free(text);
		return 1;
	}
	(void)mastercf_parse_go(fp, path, mcf_r, &err, problem, arg, &n);
	fclose(fp);
	return n;
}

int
mastercf_load(const char *path, struct mastercf **mcf_r, char **err_r)
{
	FILE *fp;
	int r;

	*mcf_r = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		*err_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	r = mastercf_parse(fp, path, mcf_r, err_r);
	fclose(fp);
	return r;
}

const struct mastercf_entry *
mastercf_find(const struct mastercf *mcf, const char *name,
    enum mastercf_type type)
{
	size_t i;

	for (i = 0; i < mcf->n; i++)
		if (mcf->entries[i].type == type &&
		    strcmp(mcf->entries[i].name, name) == 0)
			return &mcf->entries[i];
	return NULL;
}
