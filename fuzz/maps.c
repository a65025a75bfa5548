/*
 * fuzz/maps - lookup-table sources (lib/maps: the text format read by
 * texthash: and compiled for hash: by `postern map`, and inline:{...}
 * specs with lists of tables).
 *
 * Input: a control byte, then text. Even control bytes: the text is a
 * table source, compiled for hash: (Berkeley DB, as `postern map`
 * does) and opened as texthash:; the two backends must agree: both
 * compile or neither, and every key of the source (each line's first
 * word, also in upper case, and with a suffix) gives the same answer
 * and value from both. Odd control bytes: the text is a list of table
 * names as main.cf gives it; only inline: is allowed here (a fuzzer
 * must not open files of its choice), and every key of a table that
 * opens must be found (keys fold to lower case).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "maps.h"

static char fz_src[128], fz_hash[160], fz_text[160];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	snprintf(fz_src, sizeof(fz_src), "%s/table", fuzz_tmpdir("maps"));
	snprintf(fz_hash, sizeof(fz_hash), "hash:%s", fz_src);
	snprintf(fz_text, sizeof(fz_text), "texthash:%s", fz_src);
	return 0;
}

/* Look key up in both: the same answer. */
static void
agree(struct maps_table *h, struct maps_table *t, const char *key)
{
	const char *hv = NULL, *tv = NULL;
	char *hcopy;
	int hr, tr;

	hr = maps_lookup(h, key, &hv, NULL);
	hcopy = hr == 1 ? strdup(hv) : NULL;
	tr = maps_lookup(t, key, &tv, NULL);
	FUZZ_CHECK(hr == tr);
	FUZZ_CHECK(hr != -1);
	if (hr == 1)
		FUZZ_CHECK(strcmp(hcopy, tv) == 0);
	free(hcopy);
}

static void
source(const uint8_t *data, size_t size)
{
	struct maps_table *h, *t;
	const char *p, *end;
	char key[256], variant[300];
	int hc, tc, lines = 0;
	size_t n, i;
	char *text;
	FILE *fp;

	if ((fp = fopen(fz_src, "w")) == NULL ||
	    fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	hc = maps_compile(fz_hash, NULL);
	tc = maps_compile(fz_text, NULL);
	FUZZ_CHECK(hc == tc);
	if (hc < 0) {
		FUZZ_CHECK(maps_open(fz_text, 0, NULL) == NULL);
		return;
	}
	h = maps_open(fz_hash, 0, NULL);
	t = maps_open(fz_text, 0, NULL);
	FUZZ_CHECK(h != NULL && t != NULL);
	/* the keys: a copy ended with NUL, for the str* functions */
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	end = text + size;
	for (p = text; p < end && lines < 32; lines++) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t\n");
		if (p + n > end)
			n = (size_t)(end - p);
		if (n > 0 && n < sizeof(key)) {
			memcpy(key, p, n);
			key[n] = '\0';
			agree(h, t, key);
			for (i = 0; i < n; i++)
				variant[i] = (char)toupper((unsigned char)
				    key[i]);
			variant[n] = '\0';
			agree(h, t, variant);
			snprintf(variant, sizeof(variant), "%sx", key);
			agree(h, t, variant);
		}
		if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p++;
	}
	free(text);
	maps_close(&h);
	maps_close(&t);
}

static void
specs(const uint8_t *data, size_t size)
{
	struct maps_list *l;
	const char *v;
	char *text, *err = NULL;

	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	/* inline: only: no file of the fuzzer's choosing is opened */
	if (strstr(text, "hash:") != NULL || strchr(text, '/') != NULL) {
		free(text);
		return;
	}
	if ((l = maps_list_open(text, 0, &err)) == NULL) {
		FUZZ_CHECK(err != NULL && *err != '\0');
		free(err);
	} else {
		(void)maps_list_count(l);
		FUZZ_CHECK(maps_list_lookup(l, "a", &v, NULL) >= 0);
		FUZZ_CHECK(maps_list_lookup(l, "", &v, NULL) >= 0);
		FUZZ_CHECK(maps_list_lookup(l, "KEY", &v, NULL) >= 0);
		maps_list_close(&l);
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		specs(data + 1, size - 1);
	else
		source(data + 1, size - 1);
	return 0;
}
