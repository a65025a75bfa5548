/*
 * genman - write postern.conf.5 from its hand-written part and the table.
 *
 * DESCRIPTION
 *	Usage: genman TEMPLATE > postern.conf.5
 *
 *	Copies TEMPLATE (man/postern.conf.5.in) to standard output and
 *	replaces the one line that reads exactly GENMAN_MARKER with an entry
 *	per parameter of lib/params.def, in alphabetical order: its name,
 *	type, default, allowed range and one-line description, in man(7)
 *	format. A template without the marker, or with it twice, is an
 *	error, so the page can never silently lack the parameters.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "xmalloc.h"

#define GENMAN_MARKER	".\\\" @PARAMETERS@"

/* Write s escaped for a man(7) text line. */
static void
genman_escape(const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			fputs("\\e", stdout);
			break;
		case '-':
			fputs("\\-", stdout);
			break;
		default:
			putchar(*s);
		}
	}
}

static int
genman_cmp(const void *a, const void *b)
{
	const struct param_info *const *pa = a, *const *pb = b;

	return strcmp((*pa)->name, (*pb)->name);
}

static void
genman_params(void)
{
	const struct param_info *tab, **sorted;
	char lo[32], hi[32];
	size_t n, i;

	tab = params_table(&n);
	sorted = xreallocarray(NULL, n, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = &tab[i];
	qsort(sorted, n, sizeof(*sorted), genman_cmp);
	for (i = 0; i < n; i++) {
		const struct param_info *pi = sorted[i];

		printf(".TP\n\\fB");
		genman_escape(pi->name);
		printf("\\fR (%s", params_type_name(pi->type));
		if ((pi->flags & PARAM_COMPUTED) != 0)
			printf("; default: computed");
		else if (pi->def[0] == '\0')
			printf("; default: empty");
		else {
			printf("; default: \\fB");
			genman_escape(pi->def);
			printf("\\fR");
		}
		printf(")\n\\&");
		genman_escape(pi->desc);
		putchar('\n');
		if (pi->min != 0 || pi->max != 0) {
			params_format_number(lo, sizeof(lo), pi->type, pi->min);
			params_format_number(hi, sizeof(hi), pi->type, pi->max);
			printf("Range: %s to %s.\n", lo, hi);
		}
		if ((pi->flags & PARAM_RAW) != 0)
			printf("Not subject to \\fB$\\fIname\\fR expansion "
			    "when main.cf is read.\n");
	}
	free(sorted);
}

int
main(int argc, char **argv)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int markers = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: genman TEMPLATE\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "re")) == NULL) {
		fprintf(stderr, "genman: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strcmp(line, GENMAN_MARKER) == 0) {
			markers++;
			genman_params();
		} else
			printf("%s\n", line);
	}
	if (ferror(fp)) {
		fprintf(stderr, "genman: %s: read error\n", argv[1]);
		return 1;
	}
	fclose(fp);
	free(line);
	if (markers != 1) {
		fprintf(stderr, "genman: %s: want exactly one line \"%s\", "
		    "found %d\n", argv[1], GENMAN_MARKER, markers);
		return 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "genman: write error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
