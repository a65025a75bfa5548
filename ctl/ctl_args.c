/*
 * NAME
 *	ctl_args - options anywhere on a postern command line.
 *
 * DESCRIPTION
 *	Every subcommand parses its options before its other arguments, in
 *	the traditional way; admins type them anywhere, as GNU tools allow
 *	(`postern user add alice@example.org --stdin`, `postern status -c
 *	run/etc`). ctl_args_permute moves each option (and the value of one
 *	that takes a value, per ctl_args_values) before the other
 *	arguments, keeping both in their order, so every parser sees the
 *	traditional form. The global -c confdir is taken wherever it
 *	appears. "--" ends the options; what follows stays as it is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "xmalloc.h"

/*
 * Per command: the words that stay first (the command, and for user its
 * verb) and the options that take a value.
 */
static const struct {
	const char	*command;
	int		 fixed;
	const char	*const values[4];
} ctl_args_values[] = {
	{ "user", 2, { "--maildir", "--quota", NULL } },
	{ "map", 1, { "-q", NULL } },
	{ "init", 1, { "--domain", "--port-base", NULL } },
};

static int
ctl_args_takes_value(const char *const *values, const char *opt)
{
	size_t i;

	for (i = 0; values != NULL && values[i] != NULL; i++)
		if (strcmp(values[i], opt) == 0)
			return 1;
	return 0;
}

int
ctl_args_permute(int argc, char **argv)
{
	const char *const *values = NULL;
	char **pos;
	size_t i;
	int fixed = 1, npos = 0, out, j;

	for (i = 0; i < sizeof(ctl_args_values) / sizeof(ctl_args_values[0]);
	    i++)
		if (strcmp(argv[0], ctl_args_values[i].command) == 0) {
			values = ctl_args_values[i].values;
			fixed = ctl_args_values[i].fixed;
		}
	if (fixed > argc)
		fixed = argc;
	pos = xcalloc((size_t)argc + 1, sizeof(char *));
	out = fixed;
	for (j = fixed; j < argc; j++) {
		if (strcmp(argv[j], "--") == 0) {
			while (++j < argc)
				pos[npos++] = argv[j];
			break;
		}
		if (argv[j][0] != '-' || argv[j][1] == '\0') {
			pos[npos++] = argv[j];
			continue;
		}
		if (strcmp(argv[j], "-c") == 0 && j + 1 < argc) {
			ctl_confdir = argv[++j];
			continue;
		}
		argv[out++] = argv[j];
		if (ctl_args_takes_value(values, argv[j]) && j + 1 < argc)
			argv[out++] = argv[++j];
	}
	for (j = 0; j < npos; j++)
		argv[out++] = pos[j];
	argv[out] = NULL;
	free(pos);
	return out;
}
