/*
 * params_int - what the parts of the parameter loader share; not for use
 * outside lib/params*.c (everything public is in params.h).
 *
 * A load builds a struct pset: one struct pval per table entry (in
 * params.def order) plus one struct pextra per name main.cf or an override
 * sets that is not in the table. params.c reads main.cf and the overrides
 * into it and validates; params_expand.c expands values and computes the
 * computed defaults; params_value.c parses and checks typed values.
 */
#ifndef POSTERN_PARAMS_INT_H
#define POSTERN_PARAMS_INT_H

#include <stddef.h>

#include "cfline.h"
#include "params.h"

#define PARAMS_DEPTH	64		/* nested references and ${x?...} */
#define PARAMS_VALUE_MAX CFLINE_MAX	/* longest value after expansion */
#define PARAMS_NAME_MAX	128

enum pval_state {
	PSTATE_NEW,
	PSTATE_BUSY,		/* being expanded: meeting it again is a loop */
	PSTATE_DONE,
};

/* One parameter's values during and after a load. */
struct pval {
	char		*file_raw;	/* as written in main.cf, or NULL */
	int		 file_line;
	char		*ovr_raw;	/* from an override, or NULL */
	char		*ovr_text;	/* that override as given */
	char		*exp;		/* expanded (computed defaults too) */
	enum pval_state	 state;
	int		 used;		/* referenced as $name */
};

/* A name that is not in the table. */
struct pextra {
	char		*name;
	struct pval	 v;
};

struct pset {
	int		 loaded;
	struct pval	*val;		/* one per table entry, table order */
	long long	*num;		/* INT, TIME, SIZE and BOOL values */
	struct pextra	*extra;
	size_t		 nextra;
	const char	**setnames;	/* names set in main.cf, NULL-ended */
	size_t		 nset;
	char		*path;		/* main.cf as named in messages */
	char		*confdir;
	/* during a load only */
	const char	*stack[PARAMS_DEPTH];	/* NULL: nested text */
	int		 depth;
	char		*why;		/* why expansion failed */
	/* a load that goes on past problems (params_load_all), or NULL */
	params_problem_fn *problem;
	void		*problem_arg;
	int		 nproblems;
};

/* params.c */
/* The position of a table entry. */
size_t	params_index(const struct param_info *);

/* params_expand.c */
/*
 * The expanded value of one parameter (pi NULL for a name not in the
 * table), computed at most once per load; NULL with ps->why on failure.
 */
const char *pset_value(struct pset *, const char *name,
	    const struct param_info *pi, struct pval *);
/* The entry of a name not in the table, or NULL. */
struct pextra *pset_extra(struct pset *, const char *name);
/* The text before expansion, or NULL for the table default. */
const char *pval_raw(const struct pval *);

/* params_value.c */
int	params_namechar(int);
/* A decimal integer (no unit): 0, or -1 with *err_r a static reason. */
int	params_parse_int(const char *, long long *, const char **err_r);
/* A valid parameter name: [A-Za-z0-9_]+, at most PARAMS_NAME_MAX. */
int	params_valid_name(const char *, size_t);
/* A host name: letters, digits, '-', '_' and '.'; non-empty. */
int	params_valid_hostname(const char *);
/*
 * Check the expanded value v of parameter pi and store its number (INT,
 * TIME, SIZE, BOOL) in *num_r: 0, or -1 with *why_r a malloc'd reason.
 */
int	params_check_value(const struct param_info *pi, const char *v,
	    long long *num_r, char **why_r);

#endif
