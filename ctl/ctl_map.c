/*
 * ctl_map - `postern map`: compile a text table, or look a key up.
 *
 * DESCRIPTION
 *	postern map type:path ...
 *		Compile each table (maps_compile): for hash:, path into
 *		path.db, atomically; for texthash: and inline:, check the
 *		syntax only. Duplicate keys are warnings.
 *	postern map -q KEY type:path ...
 *		Open every table, then search them in order and print the
 *		first value found.
 *
 *	Exit status: 0 done or found, 1 not found (-q only), 2 any error
 *	(syntax error, unknown type, missing, stale or corrupt table), with
 *	the reason on stderr; EX_USAGE for a bad command line.
 *
 * SECURITY
 *	Runs as the admin who invoked it; the .db gets the source's
 *	permissions (and owner, when run as root), never wider ones.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "log.h"
#include "maps.h"
#include "xmalloc.h"

#define CTL_MAP_USAGE	"usage: postern map [-q KEY] type:path ...\n"

static int
ctl_map_query(const char *key, int n, char **specs)
{
	struct maps_table **tab;
	const char *value;
	char *err = NULL;
	int i, r = 0, status = 1;

	tab = xcalloc((size_t)n, sizeof(*tab));
	for (i = 0; i < n; i++) {
		if ((tab[i] = maps_open(specs[i], 0, &err)) == NULL) {
			log_error("%s", err);
			free(err);
			status = 2;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if ((r = maps_lookup(tab[i], key, &value, &err)) < 0) {
			log_error("%s", err);
			free(err);
			status = 2;
			goto out;
		}
		if (r > 0) {
			printf("%s\n", value);
			status = 0;
			break;
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("writing to standard output: %m");
		status = 2;
	}
out:
	for (i = 0; i < n; i++)
		maps_close(&tab[i]);
	free(tab);
	return status;
}

int
ctl_map(int argc, char **argv)
{
	const char *key = NULL;
	char *err = NULL;
	int c, i, status = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt(argc, argv, "+q:")) != -1) {
		switch (c) {
		case 'q':
			key = optarg;
			break;
		default:
			if (optopt == 'q')
				fprintf(stderr, "postern map: -q needs a key\n");
			else
				fprintf(stderr, "postern map: unknown option "
				    "-%c\n", optopt);
			fputs(CTL_MAP_USAGE, stderr);
			return EX_USAGE_CTL;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fputs(CTL_MAP_USAGE, stderr);
		return EX_USAGE_CTL;
	}
	if (key != NULL)
		return ctl_map_query(key, argc, argv);
	for (i = 0; i < argc; i++) {
		if (maps_compile(argv[i], &err) < 0) {
			log_error("%s", err);
			err_free(&err);
			status = 2;
		}
	}
	return status;
}
