/*
 * fuzz/mastercf - master.cf (lib/mastercf with lib/cfline).
 *
 * Root's file, read by the master at start and at every reload (a bad
 * reload must be refused with path:line, never crash the supervisor)
 * and by `postern check`. Input: the text of master.cf. Properties:
 * all or nothing (an error returns no table, and says master.cf:LINE);
 * every entry of a table is well-formed: a unix (or unix-dgram)
 * service name without '/' or "..", resolved y/n flags, no control
 * characters in the command and arguments, overrides of the form
 * name=value, and mastercf_find finds each entry.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mastercf.h"

/* Has path a ".." component? */
static int
dotdot(const char *path)
{
	size_t n = strlen(path);

	return strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
	    strstr(path, "/../") != NULL || (n >= 3 &&
	    strcmp(path + n - 3, "/..") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mastercf *mcf = NULL;
	const struct mastercf_entry *e;
	char *err = NULL, **a;
	size_t i;
	FILE *fp;

	fuzz_quiet_log();
	fp = size > 0 ? fmemopen((void *)(uintptr_t)data, size, "r") :
	    fopen("/dev/null", "r");
	if (fp == NULL)
		abort();
	if (mastercf_parse(fp, "master.cf", &mcf, &err) < 0) {
		FUZZ_CHECK(mcf == NULL);
		FUZZ_CHECK(err != NULL && strncmp(err, "master.cf", 9) == 0);
		free(err);
		fclose(fp);
		return 0;
	}
	fclose(fp);
	FUZZ_CHECK(mcf != NULL && err == NULL);
	for (i = 0; i < mcf->n; i++) {
		e = &mcf->entries[i];
		FUZZ_CHECK(e->name != NULL && e->name[0] != '\0');
		FUZZ_CHECK(fuzz_printable(e->name));
		FUZZ_CHECK(e->private == 0 || e->private == 1);
		FUZZ_CHECK(e->unpriv == 0 || e->unpriv == 1);
		FUZZ_CHECK(e->chroot == 0 || e->chroot == 1);
		FUZZ_CHECK(e->wakeup >= 0);
		FUZZ_CHECK(e->maxproc >= 0 ||
		    e->maxproc == MASTERCF_MAXPROC_DEFAULT);
		if (e->type == MASTERCF_UNIX || e->type == MASTERCF_UNIX_DGRAM) {
			FUZZ_CHECK(strchr(e->name, '/') == NULL);
			FUZZ_CHECK(strcmp(e->name, "..") != 0 &&
			    strcmp(e->name, ".") != 0);
		} else {
			FUZZ_CHECK(e->type == MASTERCF_INET);
			FUZZ_CHECK(e->port != NULL && e->port[0] != '\0');
			FUZZ_CHECK(!e->private);
		}
		FUZZ_CHECK(e->command != NULL && e->command[0] != '\0');
		FUZZ_CHECK(fuzz_printable(e->command));
		FUZZ_CHECK(!dotdot(e->command));
		for (a = e->args; *a != NULL; a++)
			FUZZ_CHECK(fuzz_printable(*a));
		for (a = e->overrides; *a != NULL; a++) {
			FUZZ_CHECK(fuzz_printable(*a));
			FUZZ_CHECK(strchr(*a, '=') != NULL && **a != '=');
		}
		FUZZ_CHECK(mastercf_find(mcf, e->name, e->type) != NULL);
		FUZZ_CHECK(strcmp(mastercf_type_name(e->type), "inet") == 0 ||
		    strcmp(mastercf_type_name(e->type), "unix") == 0 ||
		    strcmp(mastercf_type_name(e->type), "unix-dgram") == 0);
	}
	mastercf_free(&mcf);
	FUZZ_CHECK(mcf == NULL);
	return 0;
}
