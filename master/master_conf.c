/*
 * NAME
 *	master_conf - read main.cf and master.cf for the master.
 *
 * DESCRIPTION
 *	master.cf is parsed first (lib/mastercf), then main.cf is loaded
 *	(lib/params: all or nothing), then the table is checked against
 *	what the master needs: every command exists and is executable; an
 *	unknown -o parameter is a warning, as in main.cf. Any error leaves
 *	the running table untouched and names file:line.
 *
 * SECURITY
 *	Root's own files; see lib/mastercf.h for how strictly they are read.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "params.h"
#include "xmalloc.h"

/* The program a master.cf command names. Caller frees. */
char *
master_conf_path(const char *command)
{
	if (command[0] == '/')
		return xstrdup(command);
	return xasprintf("%s/%s", var_daemon_directory, command);
}

int
master_conf_maxproc(const struct mastercf_entry *e)
{
	if (e->maxproc == MASTERCF_MAXPROC_DEFAULT)
		return (int)var_default_process_limit;
	return e->maxproc;
}

/* What the parser cannot know: files, and parameter names. */
int
master_conf_check(const struct mastercf *mcf, char **err_r)
{
	const struct mastercf_entry *e;
	struct stat st;
	const char *why;
	char *path, *name;
	size_t i, j;

	for (i = 0; i < mcf->n; i++) {
		e = &mcf->entries[i];
		path = master_conf_path(e->command);
		why = NULL;
		if (stat(path, &st) < 0)
			why = strerror(errno);
		else if (!S_ISREG(st.st_mode))
			why = "not a regular file";
		else if (access(path, X_OK) < 0)
			why = strerror(errno);
		if (why != NULL) {
			*err_r = xasprintf("%s:%d: service \"%s\": command "
			    "%s: %s", e->path, e->line, e->name, path, why);
			free(path);
			return -1;
		}
		free(path);
		for (j = 0; e->overrides[j] != NULL; j++) {
			name = xstrndup(e->overrides[j],
			    strcspn(e->overrides[j], "="));
			if (params_find(name) == NULL)
				log_warn("%s:%d: -o %s: unknown parameter "
				    "\"%s\"", e->path, e->line,
				    e->overrides[j], name);
			free(name);
		}
	}
	return 0;
}

/*
 * Read both files: 0 with *mcf_r, or -1 with *err_r (malloc'd). On
 * success the params globals hold the new main.cf.
 */
int
master_conf_read(struct mastercf **mcf_r, char **err_r)
{
	struct mastercf *mcf;
	char *path;
	int r;

	*mcf_r = NULL;
	path = xasprintf("%s/master.cf", master_confdir);
	r = mastercf_load(path, &mcf, err_r);
	free(path);
	if (r < 0)
		return -1;
	if (params_load(master_confdir, NULL, err_r) < 0 ||
	    master_conf_check(mcf, err_r) < 0) {
		mastercf_free(&mcf);
		return -1;
	}
	(void)log_set_identity(var_syslog_name, var_syslog_facility);
	*mcf_r = mcf;
	return 0;
}
