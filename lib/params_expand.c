/*
 * params_expand - $name expansion and the computed defaults.
 *
 * DESCRIPTION
 *	Expansion is lazy and memoised: a parameter is expanded when it is
 *	validated or first referenced, at most once per load. A parameter
 *	being expanded is marked busy; meeting a busy one again is a loop,
 *	reported with its chain ($a -> $b -> $a). The depth of references and
 *	of nested ${name?text} is bounded (PARAMS_DEPTH), and so is the length
 *	of every expanded value (PARAMS_VALUE_MAX), so no input recurses
 *	without end or grows a value without bound (a=$b$b, b=$c$c, ... would
 *	be exponential otherwise).
 *
 *	Syntax (as Postfix): $name, ${name}, $(name); ${name?text} is text
 *	when name is non-empty, ${name:text} text when it is empty or
 *	undefined; $$ is a '$', and so is a '$' before anything else.
 *
 * SECURITY
 *	The text comes from main.cf and -o options: every scan is bounded by
 *	the text's length and every recursion by PARAMS_DEPTH.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "params_int.h"
#include "vbuf.h"
#include "xmalloc.h"

static int pset_expand_into(struct pset *, const char *, size_t,
    struct vbuf *);

/* --- computed defaults ------------------------------------------------ */

/* The system host name, qualified through the resolver if it has no dot. */
static const char *
params_sys_hostname(void)
{
	static char name[256];
	static int done;
	struct addrinfo hints, *res;

	if (done)
		return name;
	done = 1;
	if (gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0') {
		strlcpy(name, "localhost", sizeof(name));
		return name;
	}
	name[sizeof(name) - 1] = '\0';
	if (strchr(name, '.') != NULL)
		return name;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(name, NULL, &hints, &res) == 0) {
		if (res->ai_canonname != NULL &&
		    strchr(res->ai_canonname, '.') != NULL &&
		    params_valid_hostname(res->ai_canonname))
			strlcpy(name, res->ai_canonname, sizeof(name));
		freeaddrinfo(res);
	}
	return name;
}

/* mydomain from a host name: without its first label, or localdomain. */
static char *
params_domain_of(const char *host)
{
	const char *dot = strchr(host, '.');

	return xstrdup(dot != NULL && dot[1] != '\0' ? dot + 1 :
	    "localdomain");
}

/* Compute the default of a PARAM_COMPUTED parameter; NULL on failure. */
static char *
pset_compute(struct pset *ps, const struct param_info *pi)
{
	const struct param_info *dom;
	const char *host, *v;
	struct pval *dv;

	if (strcmp(pi->name, "config_directory") == 0)
		return xstrdup(ps->confdir != NULL ? ps->confdir : pi->def);
	if (strcmp(pi->name, "myhostname") == 0) {
		host = params_sys_hostname();
		dom = params_find("mydomain");
		dv = &ps->val[params_index(dom)];
		if (strchr(host, '.') == NULL &&
		    (dv->file_raw != NULL || dv->ovr_raw != NULL)) {
			dv->used = 1;
			if ((v = pset_value(ps, dom->name, dom, dv)) == NULL)
				return NULL;
			return xasprintf("%s.%s", host, v);
		}
		return xstrdup(host);
	}
	if (strcmp(pi->name, "mydomain") == 0) {
		const struct param_info *hn = params_find("myhostname");

		v = pset_value(ps, hn->name, hn, &ps->val[params_index(hn)]);
		return v != NULL ? params_domain_of(v) : NULL;
	}
	return xstrdup(pi->def);
}

const char *
params_default(const char *name)
{
	static char *buf;
	const struct param_info *pi;

	if ((pi = params_find(name)) == NULL)
		return NULL;
	if ((pi->flags & PARAM_COMPUTED) == 0)
		return pi->def;
	free(buf);
	if (strcmp(name, "myhostname") == 0)
		buf = xstrdup(params_sys_hostname());
	else if (strcmp(name, "mydomain") == 0)
		buf = params_domain_of(params_sys_hostname());
	else
		buf = xstrdup(pi->def);
	return buf;
}

/* --- expansion -------------------------------------------------------- */

static void
pset_why(struct pset *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pset_why(struct pset *ps, const char *fmt, ...)
{
	struct vbuf *b;
	va_list ap;

	b = vbuf_new(128, VBUF_NOLIMIT);
	va_start(ap, fmt);
	vbuf_vappendf(b, fmt, ap);
	va_end(ap);
	free(ps->why);
	ps->why = vbuf_steal(b);
	vbuf_free(&b);
}

/* Report the loop that ends at name, which is on the stack. */
static void
pset_why_loop(struct pset *ps, const char *name)
{
	struct vbuf *b;
	int i, start = 0;

	for (i = 0; i < ps->depth; i++)
		if (ps->stack[i] != NULL && strcmp(ps->stack[i], name) == 0)
			start = i;
	b = vbuf_new(128, VBUF_NOLIMIT);
	vbuf_appends(b, "parameter expansion loop: ");
	for (i = start; i < ps->depth; i++)
		if (ps->stack[i] != NULL)
			vbuf_appendf(b, "$%s -> ", ps->stack[i]);
	vbuf_appendf(b, "$%s", name);
	free(ps->why);
	ps->why = vbuf_steal(b);
	vbuf_free(&b);
}

struct pextra *
pset_extra(struct pset *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->nextra; i++)
		if (strcmp(ps->extra[i].name, name) == 0)
			return &ps->extra[i];
	return NULL;
}

const char *
pval_raw(const struct pval *pv)
{
	if (pv->ovr_raw != NULL)
		return pv->ovr_raw;
	return pv->file_raw;
}

const char *
pset_value(struct pset *ps, const char *name, const struct param_info *pi,
    struct pval *pv)
{
	struct vbuf *b;
	const char *raw;
	char *exp = NULL;
	int ok = 1;

	if (pv->state == PSTATE_DONE)
		return pv->exp;
	if (pv->state == PSTATE_BUSY) {
		pset_why_loop(ps, name);
		return NULL;
	}
	if (ps->depth == PARAMS_DEPTH) {
		pset_why(ps, "parameter expansion nested deeper than %d "
		    "levels at $%s", PARAMS_DEPTH, name);
		return NULL;
	}
	pv->state = PSTATE_BUSY;
	ps->stack[ps->depth++] = name;
	raw = pval_raw(pv);
	if (raw == NULL && pi != NULL && (pi->flags & PARAM_COMPUTED) != 0)
		exp = pset_compute(ps, pi);
	else {
		if (raw == NULL)
			raw = pi != NULL ? pi->def : "";
		if (pi != NULL && (pi->flags & PARAM_RAW) != 0)
			exp = xstrdup(raw);
		else {
			b = vbuf_new(64, PARAMS_VALUE_MAX);
			if (pset_expand_into(ps, raw, strlen(raw), b) < 0)
				ok = 0;
			else
				exp = vbuf_steal(b);
			vbuf_free(&b);
		}
	}
	ps->depth--;
	if (!ok || exp == NULL) {
		pv->state = PSTATE_NEW;
		return NULL;
	}
	pv->exp = exp;
	pv->state = PSTATE_DONE;
	return exp;
}

/*
 * The expanded value of a $name reference: NULL with ps->why on error;
 * an undefined name is an error when must, else "".
 */
static const char *
pset_ref(struct pset *ps, const char *name, int must)
{
	const struct param_info *pi;
	struct pextra *x;
	struct pval *pv;

	if ((pi = params_find(name)) != NULL) {
		pv = &ps->val[params_index(pi)];
		pv->used = 1;
		return pset_value(ps, pi->name, pi, pv);
	}
	if ((x = pset_extra(ps, name)) != NULL) {
		x->v.used = 1;
		return pset_value(ps, x->name, NULL, &x->v);
	}
	if (must) {
		pset_why(ps, "undefined parameter $%s", name);
		return NULL;
	}
	return "";
}

/* Append the expansion of text[0..len) to b: 0, or -1 with ps->why. */
static int
pset_expand_into(struct pset *ps, const char *s, size_t len, struct vbuf *b)
{
	char name[PARAMS_NAME_MAX + 1], open, close, op;
	const char *v;
	size_t i = 0, j, k, n;
	int depth, r;

	while (i < len) {
		n = 0;
		while (i + n < len && s[i + n] != '$')
			n++;
		if (n > 0) {
			if (vbuf_append(b, s + i, n) < 0)
				goto toolong;
			i += n;
			continue;
		}
		/* s[i] == '$' */
		if (i + 1 == len || s[i + 1] == '$' ||
		    (s[i + 1] != '{' && s[i + 1] != '(' &&
		    !params_namechar(s[i + 1]))) {
			/* "$$" is a literal '$'; so is a '$' before nothing */
			if (vbuf_appendc(b, '$') < 0)
				goto toolong;
			i += (i + 1 < len && s[i + 1] == '$') ? 2 : 1;
			continue;
		}
		if (params_namechar(s[i + 1])) {
			for (j = i + 1; j < len && params_namechar(s[j]); j++)
				;
			n = j - (i + 1);
			if (n > PARAMS_NAME_MAX) {
				pset_why(ps, "parameter name after $ longer "
				    "than %d characters", PARAMS_NAME_MAX);
				return -1;
			}
			memcpy(name, s + i + 1, n);
			name[n] = '\0';
			if ((v = pset_ref(ps, name, 1)) == NULL)
				return -1;
			if (vbuf_appends(b, v) < 0)
				goto toolong;
			i = j;
			continue;
		}
		/* ${name}, $(name), ${name?text}, ${name:text} */
		open = s[i + 1];
		close = open == '{' ? '}' : ')';
		for (j = i + 2; j < len && params_namechar(s[j]); j++)
			;
		n = j - (i + 2);
		if (j == len) {
			pset_why(ps, "missing '%c' after \"$%c%.*s\"", close,
			    open, (int)(n > 40 ? 40 : n), s + i + 2);
			return -1;
		}
		op = s[j];
		if (n == 0 || n > PARAMS_NAME_MAX ||
		    (op != close && op != '?' && op != ':')) {
			pset_why(ps, "bad parameter name in \"$%c%.*s%c\"",
			    open, (int)(n > 40 ? 40 : n), s + i + 2, op);
			return -1;
		}
		memcpy(name, s + i + 2, n);
		name[n] = '\0';
		if (op == close) {
			if ((v = pset_ref(ps, name, 1)) == NULL)
				return -1;
			if (vbuf_appends(b, v) < 0)
				goto toolong;
			i = j + 1;
			continue;
		}
		/* find the matching close; the text may nest more */
		depth = 1;
		for (k = j + 1; k < len; k++) {
			if (s[k] == open)
				depth++;
			else if (s[k] == close && --depth == 0)
				break;
		}
		if (k == len) {
			pset_why(ps, "missing '%c' after \"$%c%s%c\"", close,
			    open, name, op);
			return -1;
		}
		if ((v = pset_ref(ps, name, 0)) == NULL)
			return -1;
		if ((op == '?') == (*v != '\0')) {
			if (ps->depth == PARAMS_DEPTH) {
				pset_why(ps, "parameter expansion nested "
				    "deeper than %d levels", PARAMS_DEPTH);
				return -1;
			}
			ps->stack[ps->depth++] = NULL;
			r = pset_expand_into(ps, s + j + 1, k - (j + 1), b);
			ps->depth--;
			if (r < 0)
				return -1;
		}
		i = k + 1;
	}
	return 0;
toolong:
	pset_why(ps, "value longer than %zu bytes after expansion",
	    (size_t)PARAMS_VALUE_MAX);
	return -1;
}
