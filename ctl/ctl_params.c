/*
 * NAME
 *	ctl_params - main.cf for the commands that only need to find the
 *	master and the queue.
 *
 * DESCRIPTION
 *	status, stop, reload, start and the queue tools must work when
 *	main.cf has an error: an admin must be able to stop or inspect a
 *	running server whose configuration was just broken. So they load
 *	main.cf with params_load_all: each problem is printed as a warning
 *	and that parameter keeps its default (postern check lists them all
 *	with their fixes), and they carry on. A configuration directory
 *	that does not exist is said as such: nothing can be found then.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "params.h"
#include "xmalloc.h"

static void
ctl_params_problem(void *arg, const char *text)
{
	(void)arg;
	fprintf(stderr, "postern: warning: %s; using its default (postern "
	    "check lists every problem)\n", text);
}

int
ctl_params_load(void)
{
	const char *dir = ctl_config_dir();
	struct stat st;
	char *path;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "postern: configuration directory %s: %s (name "
		    "an instance's etc/ directory with -c, as in postern -c "
		    "run/etc status)\n", dir, S_ISDIR(st.st_mode) || errno !=
		    0 ? strerror(errno) : "not a directory");
		return -1;
	}
	path = xasprintf("%s/main.cf", dir);
	if (stat(path, &st) < 0)
		fprintf(stderr, "postern: warning: %s: %s; every parameter has "
		    "its default\n", path, strerror(errno));
	free(path);
	(void)params_load_all(dir, NULL, ctl_params_problem, NULL);
	return 0;
}
