/*
 * params - the typed parameter table and the main.cf loader; see params.h.
 * Expansion is in params_expand.c, typed values in params_value.c.
 *
 * DESCRIPTION
 *	A load builds a complete new set of values (struct pset) beside the
 *	live one: defaults, then main.cf, then the -o overrides, then $name
 *	expansion of every parameter, then typed validation. Only when all of
 *	that succeeded is the new set committed to the var_ globals and the
 *	old one freed, so a failed load (a bad reload) changes nothing.
 *
 *	Errors are reported in file order: the parameters set in main.cf
 *	are validated by line, then the overrides, then the defaults.
 *
 *	Names that are not in the table are kept: an admin may define a
 *	variable in main.cf and use it as $name elsewhere, as with Postfix.
 *	Such a name is warned about only when nothing refers to it.
 *
 *	Per-transport names (TRANSPORT_destination_concurrency_limit and
 *	the like, params_transport_suffix) are not in the table either:
 *	any master.cf service can be a transport. They are known by their
 *	suffix, never warned about, and checked as integers at load.
 *
 * SECURITY
 *	main.cf is written by the admin but may be damaged or come from a
 *	careless tool: every byte is checked (cfline rejects NUL bytes and
 *	over-long lines), numbers are parsed with overflow checks, and no
 *	input can make the loader recurse or allocate without a bound.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfline.h"
#include "log.h"
#include "params_int.h"
#include "xmalloc.h"

/* Defaults that configure does not (yet) provide. */

/* The live values. */
#define PARAM(type, name, def, min, max, flags, desc) \
	param_##type var_##name;
#include "params.def"
#undef PARAM

static const struct param_info params_tab[] = {
#define PARAM(type, name, def, min, max, flags, desc) \
	{ #name, PARAM_TYPE_##type, def, min, max, flags, desc, &var_##name },
#include "params.def"
#undef PARAM
};

#define PARAMS_N	(sizeof(params_tab) / sizeof(params_tab[0]))

static struct pset params_live;
static const char *params_empty_names[] = { NULL };

/* --- the table -------------------------------------------------------- */

const struct param_info *
params_table(size_t *n_r)
{
	if (n_r != NULL)
		*n_r = PARAMS_N;
	return params_tab;
}

const struct param_info *
params_find(const char *name)
{
	size_t i;

	for (i = 0; i < PARAMS_N; i++)
		if (strcmp(params_tab[i].name, name) == 0)
			return &params_tab[i];
	return NULL;
}

const char *
params_type_name(enum param_type t)
{
	switch (t) {
	case PARAM_TYPE_STR:
		return "string";
	case PARAM_TYPE_LIST:
		return "list";
	case PARAM_TYPE_MAP:
		return "map list";
	case PARAM_TYPE_INT:
		return "integer";
	case PARAM_TYPE_BOOL:
		return "boolean";
	case PARAM_TYPE_TIME:
		return "time";
	case PARAM_TYPE_SIZE:
		return "size";
	}
	return "unknown";
}

size_t
params_index(const struct param_info *pi)
{
	return (size_t)(pi - params_tab);
}

/* --- building a set --------------------------------------------------- */

static void
pval_free(struct pval *pv)
{
	free(pv->file_raw);
	free(pv->ovr_raw);
	free(pv->ovr_text);
	free(pv->exp);
	memset(pv, 0, sizeof(*pv));
}

static void
pset_free(struct pset *ps)
{
	size_t i;

	if (ps->val != NULL)
		for (i = 0; i < PARAMS_N; i++)
			pval_free(&ps->val[i]);
	for (i = 0; i < ps->nextra; i++) {
		free(ps->extra[i].name);
		pval_free(&ps->extra[i].v);
	}
	free(ps->val);
	free(ps->num);
	free(ps->extra);
	free(ps->setnames);
	free(ps->path);
	free(ps->confdir);
	free(ps->why);
	memset(ps, 0, sizeof(*ps));
}

/* The pval for name, created as an extra when not in the table. */
static struct pval *
pset_slot(struct pset *ps, const char *name, const char **stable_name_r)
{
	const struct param_info *pi;
	struct pextra *x;

	if ((pi = params_find(name)) != NULL) {
		*stable_name_r = pi->name;
		return &ps->val[params_index(pi)];
	}
	if ((x = pset_extra(ps, name)) == NULL) {
		ps->extra = xreallocarray(ps->extra, ps->nextra + 1,
		    sizeof(*ps->extra));
		x = &ps->extra[ps->nextra++];
		memset(x, 0, sizeof(*x));
		x->name = xstrdup(name);
	}
	*stable_name_r = x->name;
	return &x->v;
}

/*
 * Split "name = value" (or "name=value"): the name is copied to name_buf,
 * *value_r points into line. 0, or -1 with *why_r a static reason.
 */
static int
params_split(const char *line, char *name_buf, size_t len,
    const char **value_r, const char **why_r)
{
	size_t n;

	line += strspn(line, " \t");
	n = strcspn(line, " \t=");
	if (line[n + strspn(line + n, " \t")] != '=') {
		*why_r = "missing '=' after parameter name";
		return -1;
	}
	if (n == 0) {
		*why_r = "missing parameter name before '='";
		return -1;
	}
	if (!params_valid_name(line, n) || n >= len) {
		*why_r = "bad parameter name (use letters, digits and _)";
		return -1;
	}
	memcpy(name_buf, line, n);
	name_buf[n] = '\0';
	line += n;
	line += strspn(line, " \t");
	line++;			/* '=' */
	line += strspn(line, " \t");
	*value_r = line;
	return 0;
}

/*
 * A problem found during a load: in a load that goes on past problems it
 * is reported and 0 returned (carry on); else it is the load's error.
 */
static int
pset_problem(struct pset *ps, char **err_r, char *text)
{
	if (ps->problem == NULL) {
		*err_r = text;
		return -1;
	}
	ps->problem(ps->problem_arg, text);
	ps->nproblems++;
	free(text);
	return 0;
}

static int
pset_read(struct pset *ps, FILE *fp, const char *label, char **err_r)
{
	char name[PARAMS_NAME_MAX + 1];
	const char *line, *err, *value, *stable;
	char *cferr = NULL;
	struct cfline cf;
	struct pval *pv;
	int r;

	cfline_fdopen(&cf, fp, label, 0);
	while ((r = cfline_next(&cf, &line, &cferr)) == 1) {
		if (params_split(line, name, sizeof(name), &value, &err) < 0) {
			if (pset_problem(ps, err_r, xasprintf("%s:%d: %s",
			    label, cf.lineno, err)) == 0)
				continue;
			cfline_close(&cf);
			return -1;
		}
		pv = pset_slot(ps, name, &stable);
		if (pv->file_raw == NULL) {
			ps->setnames = xreallocarray(ps->setnames,
			    ps->nset + 2, sizeof(*ps->setnames));
			ps->setnames[ps->nset++] = stable;
			ps->setnames[ps->nset] = NULL;
		}
		free(pv->file_raw);
		pv->file_raw = xstrdup(value);
		pv->file_line = cf.lineno;
	}
	if (r < 0 && pset_problem(ps, err_r, cferr) == 0)
		r = 0;		/* what came before the bad line stays */
	cfline_close(&cf);
	return r;
}

static int
pset_overrides(struct pset *ps, const char *const *ov, char **err_r)
{
	char name[PARAMS_NAME_MAX + 1];
	const char *value, *why, *stable;
	struct pval *pv;
	size_t n;

	for (; ov != NULL && *ov != NULL; ov++) {
		if (params_split(*ov, name, sizeof(name), &value, &why) < 0) {
			if (pset_problem(ps, err_r, xasprintf("-o %s: %s", *ov,
			    why)) == 0)
				continue;
			return -1;
		}
		pv = pset_slot(ps, name, &stable);
		free(pv->ovr_raw);
		free(pv->ovr_text);
		pv->ovr_raw = xstrdup(value);
		/* trailing blanks are not part of the value */
		n = strlen(pv->ovr_raw);
		while (n > 0 && (pv->ovr_raw[n - 1] == ' ' ||
		    pv->ovr_raw[n - 1] == '\t'))
			pv->ovr_raw[--n] = '\0';
		pv->ovr_text = xstrdup(*ov);
	}
	return 0;
}

/* Where a parameter's value came from, for messages. */
static char *
pset_where(const struct pset *ps, const struct pval *pv)
{
	if (pv->ovr_raw != NULL)
		return xasprintf("-o %s", pv->ovr_text);
	if (pv->file_raw != NULL)
		return xasprintf("%s:%d", ps->path, pv->file_line);
	return xasprintf("%s", ps->path != NULL ? ps->path : "defaults");
}

/* Order of validation: main.cf lines, then overrides, then the rest. */
static long long
pset_rank(const struct pset *ps, size_t i)
{
	const struct pval *pv = &ps->val[i];

	if (pv->ovr_raw != NULL)
		return (1LL << 40) + (long long)i;
	if (pv->file_raw != NULL)
		return pv->file_line;
	return (1LL << 41) + (long long)i;
}

/* Back to the default, after a bad value (a load that goes on). */
static void
pset_default(struct pset *ps, const struct param_info *pi, struct pval *pv,
    long long *num)
{
	char *why = NULL;
	const char *v;

	free(pv->file_raw);
	free(pv->ovr_raw);
	free(pv->exp);
	pv->file_raw = pv->ovr_raw = pv->exp = NULL;
	pv->state = PSTATE_NEW;
	if ((v = pset_value(ps, pi->name, pi, pv)) == NULL ||
	    params_check_value(pi, v, num, &why) < 0) {
		/* a default that fails (a computed one): the plain text */
		free(pv->exp);
		pv->exp = xstrdup(pi->def);
		pv->state = PSTATE_DONE;
		*num = 0;
	}
	free(why);
}

static int
pset_validate(struct pset *ps, char **err_r)
{
	const struct param_info *pi;
	struct pval *pv;
	size_t *order, i, j, t;
	const char *v;
	char *why = NULL, *where, *text;
	int defval, ret = -1;

	order = xreallocarray(NULL, PARAMS_N, sizeof(*order));
	for (i = 0; i < PARAMS_N; i++)
		order[i] = i;
	/* insertion sort: the table is small and mostly in order */
	for (i = 1; i < PARAMS_N; i++)
		for (j = i; j > 0 && pset_rank(ps, order[j - 1]) >
		    pset_rank(ps, order[j]); j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < PARAMS_N; i++) {
		pi = &params_tab[order[i]];
		pv = &ps->val[order[i]];
		v = pset_value(ps, pi->name, pi, pv);
		if (v == NULL)
			why = xstrdup(ps->why);
		else if (params_check_value(pi, v, &ps->num[order[i]],
		    &why) == 0)
			continue;
		where = pset_where(ps, pv);
		defval = pv->ovr_raw == NULL && pv->file_raw == NULL;
		text = xasprintf("%s: %s: %s%s", where, pi->name, why,
		    defval ? " (default value)" : "");
		free(where);
		free(why);
		why = NULL;
		if (pset_problem(ps, err_r, text) < 0)
			goto out;
		/* going on: the parameter keeps its default */
		pset_default(ps, pi, pv, &ps->num[order[i]]);
	}
	ret = 0;
out:
	free(order);
	return ret;
}

/*
 * The optimal string alignment distance of a and b (letters changed,
 * added, dropped, or two neighbours swapped), or max + 1 when more.
 */
static size_t
params_distance(const char *a, const char *b, size_t max)
{
	size_t row[3][PARAMS_NAME_MAX + 1], la = strlen(a), lb = strlen(b);
	size_t i, j, d, best, *c, *p, *pp;

	if (la > PARAMS_NAME_MAX || lb > PARAMS_NAME_MAX ||
	    (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		row[0][j] = j;
	for (i = 1; i <= la; i++) {
		c = row[i % 3];
		p = row[(i - 1) % 3];
		pp = row[(i + 1) % 3];		/* row i - 2 */
		c[0] = best = i;
		for (j = 1; j <= lb; j++) {
			d = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (p[j] + 1 < d)
				d = p[j] + 1;
			if (c[j - 1] + 1 < d)
				d = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			c[j] = d;
			if (d < best)
				best = d;
		}
		if (best > max)
			return max + 1;
	}
	return row[la % 3][lb];
}

const char *
params_nearest(const char *name)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < PARAMS_N; i++)
		if ((d = params_distance(name, params_tab[i].name, 2)) < bestd) {
			bestd = d;
			best = params_tab[i].name;
		}
	return best;
}

/* Per-transport parameters: TRANSPORT + suffix, integers 1..max. */
static const struct param_info params_transport_tab[] = {
	{ "_destination_concurrency_limit", PARAM_TYPE_INT, "", 1, 10000,
	    0, "", NULL },
	{ "_destination_recipient_limit", PARAM_TYPE_INT, "", 1, 100000, 0,
	    "", NULL },
	{ "_initial_destination_concurrency", PARAM_TYPE_INT, "", 1, 10000,
	    0, "", NULL },
};

/* The per-transport pattern name matches, or NULL. */
static const struct param_info *
params_transport_suffix(const char *name)
{
	size_t i, n = strlen(name), k;

	for (i = 0; i < sizeof(params_transport_tab) /
	    sizeof(params_transport_tab[0]); i++) {
		k = strlen(params_transport_tab[i].name);
		if (n > k && strcmp(name + n - k,
		    params_transport_tab[i].name) == 0)
			return &params_transport_tab[i];
	}
	return NULL;
}

/* Check the per-transport names set in main.cf or by -o. */
static int
pset_validate_transport(struct pset *ps, char **err_r)
{
	const struct param_info *pi;
	struct param_info named;
	struct pextra *x;
	const char *v;
	char *why = NULL, *where;
	long long num;
	size_t i;

	for (i = 0; i < ps->nextra; i++) {
		x = &ps->extra[i];
		if ((pi = params_transport_suffix(x->name)) == NULL)
			continue;
		named = *pi;
		named.name = x->name;
		v = pset_value(ps, x->name, NULL, &x->v);
		if (v == NULL)
			why = xstrdup(ps->why);
		else if (params_check_value(&named, v, &num, &why) == 0)
			continue;
		where = pset_where(ps, &x->v);
		*err_r = xasprintf("%s: %s: %s", where, x->name, why);
		free(where);
		free(why);
		return -1;
	}
	return 0;
}

long long
params_transport_int(const char *transport, const char *what,
    long long def)
{
	const struct pextra *x;
	const char *v, *why;
	char name[PARAMS_NAME_MAX + 1];
	long long num;

	if ((size_t)snprintf(name, sizeof(name), "%s_%s", transport, what) >=
	    sizeof(name))
		return def;
	if (params_find(name) != NULL)
		v = params_get(name);
	else if (params_live.loaded &&
	    (x = pset_extra(&params_live, name)) != NULL)
		v = x->v.exp;
	else
		v = NULL;
	if (v == NULL || params_parse_int(v, &num, &why) < 0)
		return def;
	return num;
}

/* Warn about names not in the table that nothing refers to. */
static void
pset_warn_unknown(const struct pset *ps)
{
	const struct pextra *x;
	const char *near;
	char hint[PARAMS_NAME_MAX + 32];
	size_t i;

	for (i = 0; i < ps->nextra; i++) {
		x = &ps->extra[i];
		if (x->v.used || params_transport_suffix(x->name) != NULL)
			continue;
		hint[0] = '\0';
		if ((near = params_nearest(x->name)) != NULL)
			snprintf(hint, sizeof(hint), " (did you mean %s?)",
			    near);
		if (x->v.ovr_raw != NULL)
			log_warn("-o %s: unknown parameter %s%s",
			    x->v.ovr_text, x->name, hint);
		else
			log_warn("%s:%d: unknown parameter %s%s", ps->path,
			    x->v.file_line, x->name, hint);
	}
}

/*
 * Build a complete set from path (NULL: none; a missing file is fine when
 * missing_ok) and the overrides: 0, or -1 with *err_r and ps freed.
 */
static int
pset_build(struct pset *ps, const char *confdir, const char *path,
    const char *label, int missing_ok, const char *const *ov,
    params_problem_fn *problem, void *arg, char **err_r)
{
	FILE *fp;
	int r;

	memset(ps, 0, sizeof(*ps));
	ps->problem = problem;
	ps->problem_arg = arg;
	ps->val = xcalloc(PARAMS_N, sizeof(*ps->val));
	ps->num = xcalloc(PARAMS_N, sizeof(*ps->num));
	ps->confdir = confdir != NULL ? xstrdup(confdir) : NULL;
	ps->path = label != NULL ? xstrdup(label) : NULL;
	if (path != NULL) {
		if ((fp = fopen(path, "re")) == NULL) {
			if ((errno != ENOENT || !missing_ok) &&
			    pset_problem(ps, err_r, xasprintf("%s: %s", label,
			    strerror(errno))) < 0)
				goto fail;
		} else {
			r = pset_read(ps, fp, label, err_r);
			fclose(fp);
			if (r < 0)
				goto fail;
		}
	}
	if (pset_overrides(ps, ov, err_r) < 0)
		goto fail;
	if (pset_validate(ps, err_r) < 0 ||
	    pset_validate_transport(ps, err_r) < 0)
		goto fail;
	free(ps->why);
	ps->why = NULL;
	ps->loaded = 1;
	return 0;
fail:
	pset_free(ps);
	return -1;
}

static void
params_set_vars(const struct pset *ps)
{
	const struct param_info *pi;
	size_t i;

	for (i = 0; i < PARAMS_N; i++) {
		pi = &params_tab[i];
		switch (pi->type) {
		case PARAM_TYPE_STR:
		case PARAM_TYPE_LIST:
		case PARAM_TYPE_MAP:
			*(char **)pi->var = ps->val != NULL ?
			    ps->val[i].exp : NULL;
			break;
		case PARAM_TYPE_BOOL:
			*(int *)pi->var = ps->num != NULL ? (int)ps->num[i] : 0;
			break;
		case PARAM_TYPE_INT:
		case PARAM_TYPE_TIME:
		case PARAM_TYPE_SIZE:
			*(long long *)pi->var = ps->num != NULL ?
			    ps->num[i] : 0;
			break;
		}
	}
}

/* --- the public loader ------------------------------------------------ */

/*
 * Load confdir/main.cf and the overrides into a new set and make it the
 * live one; problem NULL: the first problem is the error (-1, *err_r),
 * else problems are reported and the load goes on. Returns the number
 * of problems reported, or -1.
 */
static int
params_load_set(const char *confdir, const char *const *overrides,
    params_problem_fn *problem, void *arg, char **err_r)
{
	struct pset ps;
	char *dir = NULL, *path = NULL;
	size_t n;
	int r;

	*err_r = NULL;
	if (confdir != NULL) {
		dir = xstrdup(confdir);
		n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			dir[--n] = '\0';
		path = xasprintf("%s/main.cf", strcmp(dir, "/") == 0 ? "" :
		    dir);
	}
	r = pset_build(&ps, dir, path, path, 1, overrides, problem, arg,
	    err_r);
	free(dir);
	free(path);
	if (r < 0)
		return -1;
	ps.problem = NULL;
	pset_warn_unknown(&ps);
	params_set_vars(&ps);
	pset_free(&params_live);
	params_live = ps;
	return ps.nproblems;
}

int
params_load(const char *confdir, const char *const *overrides, char **err_r)
{
	return params_load_set(confdir, overrides, NULL, NULL, err_r) < 0 ?
	    -1 : 0;
}

int
params_load_all(const char *confdir, const char *const *overrides,
    params_problem_fn *problem, void *arg)
{
	char *err;
	int n;

	/* every problem goes to problem(): the load itself cannot fail */
	if ((n = params_load_set(confdir, overrides, problem, arg,
	    &err)) < 0) {
		problem(arg, err);
		free(err);
		n = 1;
	}
	return n;
}

void
params_load_or_die(const char *confdir, const char *const *overrides)
{
	char *err;

	if (params_load(confdir, overrides, &err) < 0)
		log_fatal("%s", err);
}

int
params_check_file(const char *path, const char *label,
    const char *const *overrides, char **err_r)
{
	struct pset ps;

	*err_r = NULL;
	if (pset_build(&ps, NULL, path, label != NULL ? label : path, 0,
	    overrides, NULL, NULL, err_r) < 0)
		return -1;
	pset_warn_unknown(&ps);
	pset_free(&ps);
	return 0;
}

void
params_free(void)
{
	pset_free(&params_live);
	params_set_vars(&params_live);
}

const char *
params_get(const char *name)
{
	const struct param_info *pi;

	if (!params_live.loaded || (pi = params_find(name)) == NULL)
		return NULL;
	return params_live.val[params_index(pi)].exp;
}

const char *
params_get_raw(const char *name)
{
	const struct param_info *pi;
	const struct pval *pv;

	if (!params_live.loaded || (pi = params_find(name)) == NULL)
		return NULL;
	pv = &params_live.val[params_index(pi)];
	if (pval_raw(pv) != NULL)
		return pval_raw(pv);
	if ((pi->flags & PARAM_COMPUTED) != 0)
		return pv->exp;
	return pi->def;
}

const char *
params_get_set(const char *name)
{
	const struct param_info *pi;
	const struct pextra *x;

	if (!params_live.loaded)
		return NULL;
	if ((pi = params_find(name)) != NULL)
		return params_live.val[params_index(pi)].file_raw;
	if ((x = pset_extra(&params_live, name)) != NULL)
		return x->v.file_raw;
	return NULL;
}

const char *const *
params_set_names(void)
{
	if (params_live.setnames == NULL)
		return params_empty_names;
	return params_live.setnames;
}
