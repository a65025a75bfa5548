/*
 * fuzz/maincf - main.cf (lib/params with lib/cfline): logical lines,
 * name = value, $name expansion, typed values.
 *
 * main.cf is root's file, but `postern check`, the master and every
 * service parse it, a broken one must give a clear file:line error and
 * never a crash, and the same parser reads the -o overrides that
 * master.cf passes. Input: the text of main.cf; lines starting with
 * "-o " become overrides instead. Properties: a load succeeds or
 * fails with an error naming main.cf (or the override); after a
 * success every parameter has a value, and every INT, TIME and SIZE
 * value prints back (params_format_number) to text that parses to the
 * same number; params_list splits every LIST into non-empty words
 * (without separators outside braces and quotes).
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "params.h"

static char fz_path[128];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	snprintf(fz_path, sizeof(fz_path), "%s/main.cf",
	    fuzz_tmpdir("maincf"));
	return 0;
}

static void
check_loaded(void)
{
	const struct param_info *t;
	size_t n, i, j;
	const char *v, *err;
	char text[64], **words;
	long long num, again;
	int b;

	t = params_table(&n);
	for (i = 0; i < n; i++) {
		v = params_get(t[i].name);
		FUZZ_CHECK(v != NULL);
		FUZZ_CHECK(params_get_raw(t[i].name) != NULL);
		switch (t[i].type) {
		case PARAM_TYPE_TIME:
		case PARAM_TYPE_SIZE:
			num = *(long long *)t[i].var;
			params_format_number(text, sizeof(text), t[i].type,
			    num);
			FUZZ_CHECK((t[i].type == PARAM_TYPE_TIME ?
			    params_parse_time(text, &again, &err) :
			    params_parse_size(text, &again, &err)) == 0);
			FUZZ_CHECK(again == num);
			break;
		case PARAM_TYPE_BOOL:
			FUZZ_CHECK(params_parse_bool(v, &b, &err) == 0);
			FUZZ_CHECK(b == *(int *)t[i].var);
			break;
		case PARAM_TYPE_LIST:
		case PARAM_TYPE_MAP:
			words = params_list(v);
			/* braces ({ a = b c }), quotes ("a b") keep spaces */
			for (j = 0; words[j] != NULL; j++) {
				if (getenv("FUZZ_SHOW") != NULL)
					fprintf(stderr, "%s: [%s]\n",
					    t[i].name, words[j]);
				FUZZ_CHECK(words[j][0] != '\0' &&
				    (strpbrk(words[j], "{\"") != NULL ||
				    strpbrk(words[j], ", \t") == NULL));
			}
			params_list_free(words);
			break;
		default:
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *line, *next, *ov[9], *err = NULL;
	size_t nov = 0;
	FILE *fp;

	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if ((fp = fopen(fz_path, "w")) == NULL)
		abort();
	for (line = text; line != NULL && line < text + size; line = next) {
		if ((next = memchr(line, '\n', (size_t)(text + size - line)))
		    != NULL)
			*next++ = '\0';
		if (strncmp(line, "-o ", 3) == 0 && nov < 8)
			ov[nov++] = line + 3;
		else {
			fputs(line, fp);
			fputc('\n', fp);
		}
	}
	ov[nov] = NULL;
	/* what fputs wrote stops at a NUL: write the raw bytes too */
	if (nov == 0 && memchr(data, '\0', size) != NULL) {
		rewind(fp);
		if (fwrite(data, 1, size, fp) != size || ftruncate(fileno(fp),
		    (off_t)size) < 0)
			abort();
	}
	if (fclose(fp) != 0)
		abort();

	if (params_load(fuzz_tmpdir("maincf"), (const char *const *)ov,
	    &err) == 0)
		check_loaded();
	else {
		FUZZ_CHECK(err != NULL);
		FUZZ_CHECK(strstr(err, "main.cf") != NULL ||
		    strstr(err, "-o ") != NULL || strstr(err, "override") !=
		    NULL);
		free(err);
	}
	free(text);
	return 0;
}
