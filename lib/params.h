/*
 * params - the typed table of every main.cf parameter, and its loader.
 *
 * One source of truth: lib/params.def, an X-macro list
 *   PARAM(TYPE, name, "default", min, max, flags, "one-line description")
 * expanded here into the live `var_<name>` globals, in params.c into the
 * table the loader uses, and by build-aux/genman into postern.conf.5.
 *
 * Types and their C representation:
 *   STR   char *      (after $name expansion)
 *   LIST  char *      (comma/space separated; split with params_list)
 *   MAP   char *      (list of type:path lookup tables)
 *   INT   long long
 *   BOOL  int         (yes/no)
 *   TIME  long long   seconds; value with s/m/h/d/w unit (bare = seconds)
 *   SIZE  long long   bytes; value with k/m/g unit (bare = bytes)
 *
 * Load order (STYLE 2.5): built-in defaults, main.cf, then the -o
 * overrides, then $name/${name} expansion (recursion limit), then typed
 * validation against min/max. An unknown name is a warning with file:line;
 * a bad value is an error "file:line: name: reason".
 */
#ifndef POSTERN_PARAMS_H
#define POSTERN_PARAMS_H

#include <stddef.h>

typedef char		*param_STR;
typedef char		*param_LIST;
typedef char		*param_MAP;
typedef long long	 param_INT;
typedef int		 param_BOOL;
typedef long long	 param_TIME;
typedef long long	 param_SIZE;

#define PARAM(type, name, def, min, max, flags, desc) \
	extern param_##type var_##name;
#include "params.def"
#undef PARAM

enum param_type {
	PARAM_TYPE_STR,
	PARAM_TYPE_LIST,
	PARAM_TYPE_MAP,
	PARAM_TYPE_INT,
	PARAM_TYPE_BOOL,
	PARAM_TYPE_TIME,
	PARAM_TYPE_SIZE,
};

/* flags */
#define PARAM_RAW	0x1	/* no $name expansion */
#define PARAM_COMPUTED	0x2	/* default computed at load time; def is the
				   fallback and desc says how */

/* Upper bounds used in params.def. */
#define PARAM_TIME_MAX	(100LL * 365 * 86400)	/* a century, in seconds */
#define PARAM_SIZE_MAX	(1LL << 50)		/* a pebibyte */

struct param_info {
	const char	*name;
	enum param_type	 type;
	const char	*def;		/* default, unexpanded */
	long long	 min, max;	/* for INT, TIME, SIZE (0,0: none);
					   else both bounds apply */
	int		 flags;
	const char	*desc;
	void		*var;		/* &var_<name> */
};

/* The table, in params.def order. */
const struct param_info *params_table(size_t *n_r);
const struct param_info *params_find(const char *name);
const char *params_type_name(enum param_type);

/*
 * Load confdir/main.cf (a missing main.cf is fine: defaults apply), then
 * apply overrides ("name=value" strings, NULL-terminated, or NULL).
 * On success the var_ globals hold the new values and 0 is returned.
 * On error returns -1 with *err_r (malloc'd) "path:line: name: reason"
 * (or "-o name=value: name: reason" for an override) and leaves the
 * current values untouched, so a master can refuse a bad reload.
 * confdir NULL: no main.cf at all (the built-in defaults, then overrides).
 * The warnings for unknown names (those not referenced by a $name) are
 * logged on success only.
 */
int	params_load(const char *confdir, const char *const *overrides,
	    char **err_r);
/*
 * The same, going on past problems, for the admin's commands and `postern
 * check`: each bad line, bad value or unreadable main.cf is passed to
 * problem(arg, text) ("path:line: name: reason", as above) and the
 * parameter keeps its default (a line that does not parse is skipped).
 * The var_ globals are always set. Returns the number of problems.
 */
typedef void params_problem_fn(void *arg, const char *text);
int	params_load_all(const char *confdir, const char *const *overrides,
	    params_problem_fn *problem, void *arg);
/*
 * The known parameter nearest to an unknown name (a typo: at most two
 * letters changed, added, dropped or swapped), or NULL.
 */
const char *params_nearest(const char *name);
/* params_load, and log_fatal with the error. */
void	params_load_or_die(const char *confdir, const char *const *overrides);

/*
 * The current value of a parameter as text, after expansion ("" for an
 * empty value), or NULL when the name is unknown.
 */
const char *params_get(const char *name);
/* The value as written in main.cf (unexpanded), or NULL if not set there. */
const char *params_get_set(const char *name);
/*
 * The current value before expansion: the -o override, else main.cf, else
 * the default (a computed default as computed); NULL when the name is
 * unknown or nothing was loaded.
 */
const char *params_get_raw(const char *name);
/*
 * The default value before expansion, with computed defaults computed for
 * this host (config_directory gives the built-in one); NULL when unknown.
 * Valid until the next call.
 */
const char *params_default(const char *name);
/*
 * The names set in main.cf at the last successful load, known or not, in
 * the order they first appear; NULL-terminated, never NULL itself. Valid
 * until the next successful load.
 */
const char *const *params_set_names(void);
/*
 * Validate the main.cf file at path plus overrides exactly as params_load
 * would, naming the file label in messages (an editor checks a temporary
 * file that replaces the real one). A missing file is an error here. The
 * live values are never touched; unknown-name warnings are logged.
 */
int	params_check_file(const char *path, const char *label,
	    const char *const *overrides, char **err_r);
/*
 * A per-transport integer, TRANSPORT_WHAT, as Postfix names them for any
 * master.cf service (what: destination_concurrency_limit,
 * destination_recipient_limit, initial_destination_concurrency): from
 * the table when it has the name (smtp_..., local_...), else from
 * main.cf or -o (checked at load), else def.
 */
long long params_transport_int(const char *transport, const char *what,
	    long long def);

/* Free the loaded values; strings become NULL and numbers 0. */
void	params_free(void);

/*
 * The one list splitter: a LIST/MAP value, or a table value holding a
 * list (aliases), split on commas and white space into a
 * NULL-terminated array of malloc'd strings; free with
 * params_list_free. A {...} group ("inline:{a=b, c=d}") and a "quoted
 * string" (\ escapes inside) never split.
 */
char	**params_list(const char *value);
/* NULL, or why params_list cannot split value (a quote or { unclosed). */
const char *params_list_check(const char *value);
void	params_list_free(char **);

/*
 * Parse a TIME ("30s", "5m", "1h", "2d", "1w", bare = seconds) or SIZE
 * ("10240000", "10k", "10m", "1g") value: 0, or -1 with *err_r a static
 * reason ("bad unit", "out of range"...).
 */
int	params_parse_time(const char *, long long *, const char **err_r);
int	params_parse_size(const char *, long long *, const char **err_r);
int	params_parse_bool(const char *, int *, const char **err_r);
/*
 * Format a number in the notation of its type: TIME and SIZE with the
 * largest unit that divides it (86400 -> "1d", 10240 -> "10k").
 */
void	params_format_number(char *, size_t, enum param_type, long long);

#endif
