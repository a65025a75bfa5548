/*
 * ctl_conf - `postern conf`: show main.cf parameters, or edit main.cf.
 *
 * DESCRIPTION
 *	postern [-c confdir] conf [-n | -d] [-x] [name ...]
 *	postern [-c confdir] conf name=value ...
 *
 *	The first form prints "name = value" lines as postconf does: every
 *	parameter (alphabetically) or the named ones; -n only those set in
 *	main.cf, -d the built-in defaults, -x values after expansion. An
 *	unknown name is an error and makes the exit status 1.
 *
 *	The second form edits main.cf in place. For each name, the last
 *	logical line that sets it (the first physical line and its
 *	continuation lines) is replaced by one "name = value" line, or such
 *	a line is appended; comments, blank lines and every other line are
 *	kept byte for byte. The new text goes to a temporary file in the
 *	same directory, which is checked by the loader the daemons use
 *	(params_check_file), fsynced, and renamed over main.cf; the
 *	directory is fsynced too. A value that would not load is refused and
 *	main.cf is left as it was.
 *
 * SECURITY
 *	Run by the admin on the admin's own files: no privilege is gained.
 *	The new file keeps the old one's mode (and owner, when run as root),
 *	so an edit never widens who may read main.cf. Root writes the
 *	temporary file and renames it only in a configuration directory
 *	that no other user can write (fsat_root_may_act).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "fsat.h"
#include "fsutil.h"
#include "log.h"
#include "params.h"
#include "vbuf.h"
#include "xmalloc.h"

#define CTL_CONF_FILE_MAX	(64 * 1024 * 1024)

/* One physical line of main.cf, without its newline. */
struct conf_line {
	char	*text;
	size_t	 len;
	int	 deleted;
};

struct conf_file {
	struct conf_line *lines;
	size_t		 n;
};

static void
ctl_conf_usage(void)
{
	fprintf(stderr, "usage: postern [-c confdir] conf [-n | -d] [-x] "
	    "[name ...]\n"
	    "       postern [-c confdir] conf name=value ...\n");
	exit(EX_USAGE_CTL);
}

static void
ctl_conf_print(const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		printf("%s =\n", name);
	else
		printf("%s = %s\n", name, value);
}

static int
ctl_conf_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names to show: those given, else every one in the table, sorted. */
static const char **
ctl_conf_names(int argc, char **argv, size_t *n_r)
{
	const struct param_info *tab;
	const char **names;
	size_t n, i;

	if (argc > 0) {
		names = xreallocarray(NULL, (size_t)argc, sizeof(*names));
		for (i = 0; i < (size_t)argc; i++)
			names[i] = argv[i];
		*n_r = (size_t)argc;
		return names;
	}
	tab = params_table(&n);
	names = xreallocarray(NULL, n, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = tab[i].name;
	qsort(names, n, sizeof(*names), ctl_conf_strcmp);
	*n_r = n;
	return names;
}

static int
ctl_conf_show(int argc, char **argv, int only_set, int defaults, int expand)
{
	const char *const *set;
	const char **names, *v;
	char *err;
	size_t n, i;
	int status = 0;

	if (!defaults || expand) {
		if (params_load(defaults ? NULL : ctl_config_dir(), NULL,
		    &err) < 0) {
			log_error("%s", err);
			free(err);
			return 1;
		}
	}
	if (only_set && argc == 0) {
		/* main.cf's own names, including those not in the table */
		set = params_set_names();
		for (n = 0; set[n] != NULL; n++)
			;
		names = xreallocarray(NULL, n + 1, sizeof(*names));
		for (i = 0; i < n; i++)
			names[i] = set[i];
		qsort(names, n, sizeof(*names), ctl_conf_strcmp);
	} else
		names = ctl_conf_names(argc, argv, &n);
	for (i = 0; i < n; i++) {
		if (only_set) {
			if ((v = params_get_set(names[i])) == NULL) {
				if (params_find(names[i]) == NULL) {
					log_error("unknown parameter %s",
					    names[i]);
					status = 1;
				}
				continue;
			}
			if (expand && params_find(names[i]) != NULL)
				v = params_get(names[i]);
		} else if (params_find(names[i]) == NULL) {
			log_error("unknown parameter %s", names[i]);
			status = 1;
			continue;
		} else if (expand)
			v = params_get(names[i]);
		else if (defaults)
			v = params_default(names[i]);
		else
			v = params_get_raw(names[i]);
		ctl_conf_print(names[i], v);
	}
	free(names);
	if (fflush(stdout) != 0) {
		log_error("write error: %m");
		status = 1;
	}
	params_free();
	return status;
}

/* --- editing ---------------------------------------------------------- */

/* Read path into lines; a missing file is empty. 0, or -1 logged. */
static int
ctl_conf_read(const char *path, struct conf_file *cf, struct stat *st,
    int *exists_r)
{
	struct vbuf *b;
	char buf[8192], *p, *end, *nl;
	ssize_t n;
	int fd;

	memset(cf, 0, sizeof(*cf));
	*exists_r = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		log_error("%s: %m", path);
		return -1;
	}
	if (fstat(fd, st) < 0) {
		log_error("%s: %m", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		log_error("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	*exists_r = 1;
	b = vbuf_new(8192, CTL_CONF_FILE_MAX);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("%s: %m", path);
			goto fail;
		}
		if (vbuf_append(b, buf, (size_t)n) < 0) {
			log_error("%s: larger than %d bytes", path,
			    CTL_CONF_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	p = b->data;
	end = p + vbuf_len(b);
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		cf->lines = xreallocarray(cf->lines, cf->n + 1,
		    sizeof(*cf->lines));
		cf->lines[cf->n].len = (size_t)(nl - p);
		cf->lines[cf->n].text = xmemdup(p, (size_t)(nl - p) + 1);
		cf->lines[cf->n].text[nl - p] = '\0';
		cf->lines[cf->n].deleted = 0;
		cf->n++;
		p = nl + 1;
	}
	vbuf_free(&b);
	return 0;
fail:
	close(fd);
	vbuf_free(&b);
	return -1;
}

static void
ctl_conf_free(struct conf_file *cf)
{
	size_t i;

	for (i = 0; i < cf->n; i++)
		free(cf->lines[i].text);
	free(cf->lines);
	memset(cf, 0, sizeof(*cf));
}

/* As cfline sees a physical line: blank/comment, continuation or start. */
enum conf_kind {
	CONF_SKIP,
	CONF_CONT,
	CONF_START,
};

static enum conf_kind
ctl_conf_kind(const struct conf_line *l)
{
	size_t n = strspn(l->text, " \t\r");

	if (n == l->len || l->text[n] == '#')
		return CONF_SKIP;
	return n > 0 ? CONF_CONT : CONF_START;
}

/* Does the logical line starting at l set name? */
static int
ctl_conf_sets(const struct conf_line *l, const char *name)
{
	const char *p = l->text + strspn(l->text, " \t");
	size_t n = strcspn(p, " \t=");

	return n == strlen(name) && strncmp(p, name, n) == 0;
}

/* Set name = value in cf: replace its last logical line, or append. */
static void
ctl_conf_set(struct conf_file *cf, const char *name, const char *value)
{
	size_t i, first = 0, *conts = NULL, nconts = 0, ncap = 0;
	int in_logical = 0, in_match = 0, found = 0;
	struct conf_line *l;
	char *text;

	for (i = 0; i < cf->n; i++) {
		l = &cf->lines[i];
		if (l->deleted)
			continue;
		switch (ctl_conf_kind(l)) {
		case CONF_SKIP:
			continue;
		case CONF_CONT:
			if (in_logical) {
				if (in_match) {
					if (nconts == ncap) {
						ncap = ncap ? ncap * 2 : 4;
						conts = xreallocarray(conts,
						    ncap, sizeof(*conts));
					}
					conts[nconts++] = i;
				}
				continue;
			}
			/* a continuation of nothing starts a line */
			/* FALLTHROUGH */
		case CONF_START:
			in_logical = 1;
			in_match = ctl_conf_sets(l, name);
			if (in_match) {
				found = 1;
				first = i;
				nconts = 0;
			}
			break;
		}
	}
	text = *value != '\0' ? xasprintf("%s = %s", name, value) :
	    xasprintf("%s =", name);
	if (found) {
		free(cf->lines[first].text);
		cf->lines[first].text = text;
		cf->lines[first].len = strlen(text);
		for (i = 0; i < nconts; i++)
			cf->lines[conts[i]].deleted = 1;
	} else {
		cf->lines = xreallocarray(cf->lines, cf->n + 1,
		    sizeof(*cf->lines));
		cf->lines[cf->n].text = text;
		cf->lines[cf->n].len = strlen(text);
		cf->lines[cf->n].deleted = 0;
		cf->n++;
	}
	free(conts);
}

/* Write cf to a temporary file beside path; its name, or NULL logged. */
static char *
ctl_conf_write_tmp(const char *dir, const struct conf_file *cf,
    const struct stat *st, int exists)
{
	struct vbuf *b;
	char *tmp;
	size_t i;
	int fd;

	tmp = xasprintf("%s/main.cf.XXXXXX", dir);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		log_error("cannot create a temporary file in %s: %m", dir);
		free(tmp);
		return NULL;
	}
	b = vbuf_new(8192, VBUF_NOLIMIT);
	for (i = 0; i < cf->n; i++) {
		if (cf->lines[i].deleted)
			continue;
		vbuf_append(b, cf->lines[i].text, cf->lines[i].len);
		vbuf_appendc(b, '\n');
	}
	if (fchmod(fd, exists ? (st->st_mode & 07777) : 0644) < 0 ||
	    (exists && geteuid() == 0 &&
	    fchown(fd, st->st_uid, st->st_gid) < 0) ||
	    fsutil_write_all(fd, vbuf_str(b), vbuf_len(b)) < 0 ||
	    fsync(fd) < 0) {
		log_error("%s: %m", tmp);
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		log_error("%s: %m", tmp);
		goto fail;
	}
	vbuf_free(&b);
	return tmp;
fail:
	unlink(tmp);
	free(tmp);
	vbuf_free(&b);
	return NULL;
}

/* Split "name=value" (blanks around either allowed) into new strings. */
static void
ctl_conf_split(const char *arg, char **name_r, char **value_r)
{
	const char *eq = strchr(arg, '='), *v;
	size_t n;

	arg += strspn(arg, " \t");
	n = (size_t)(eq - arg);
	while (n > 0 && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
		n--;
	*name_r = xstrndup(arg, n);
	v = eq + 1 + strspn(eq + 1, " \t");
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*value_r = xstrndup(v, n);
}

int
ctl_conf_edit(int argc, char **argv)
{
	struct conf_file cf;
	struct stat st;
	const char *dir = ctl_config_dir();
	char *path = NULL, *tmp = NULL, *name, *value, *err;
	int i, exists, bad = 0, status = 1;

	/* check every assignment before touching anything */
	for (i = 0; i < argc && !bad; i++) {
		ctl_conf_split(argv[i], &name, &value);
		if (*name == '\0') {
			log_error("%s: missing parameter name", argv[i]);
			bad = 1;
		} else if (params_find(name) == NULL) {
			log_error("unknown parameter %s (postern conf sets "
			    "only the parameters of postern.conf(5))", name);
			bad = 1;
		} else if (strpbrk(value, "\r\n") != NULL) {
			log_error("%s: a value cannot contain a line break",
			    name);
			bad = 1;
		}
		free(name);
		free(value);
	}
	if (bad)
		return 1;
	memset(&st, 0, sizeof(st));
	path = xasprintf("%s/main.cf", dir);
	if (fsat_root_may_act_beside(path, &err) < 0) {
		log_error("%s; %s not changed", err, path);
		free(err);
		free(path);
		return 1;
	}
	if (ctl_conf_read(path, &cf, &st, &exists) < 0)
		goto out;
	for (i = 0; i < argc; i++) {
		ctl_conf_split(argv[i], &name, &value);
		ctl_conf_set(&cf, name, value);
		free(name);
		free(value);
	}
	if ((tmp = ctl_conf_write_tmp(dir, &cf, &st, exists)) == NULL)
		goto out;
	if (params_check_file(tmp, path, NULL, &err) < 0) {
		log_error("%s", err);
		log_error("%s not changed", path);
		free(err);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		log_error("rename %s to %s: %m", tmp, path);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (fsutil_fsync_dir(dir) < 0) {
		log_error("%s: fsync: %m", dir);
		goto out;
	}
	status = 0;
out:
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	ctl_conf_free(&cf);
	free(path);
	return status;
}

int
ctl_conf(int argc, char **argv)
{
	int ch, only_set = 0, defaults = 0, expand = 0, i, assigns = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt(argc, argv, "+ndx")) != -1) {
		switch (ch) {
		case 'n':
			only_set = 1;
			break;
		case 'd':
			defaults = 1;
			break;
		case 'x':
			expand = 1;
			break;
		default:
			fprintf(stderr, "postern conf: unknown option -%c\n",
			    optopt);
			ctl_conf_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (only_set && defaults)
		ctl_conf_usage();
	for (i = 0; i < argc; i++)
		if (strchr(argv[i], '=') != NULL)
			assigns++;
	if (assigns > 0) {
		if (assigns != argc || only_set || defaults || expand)
			ctl_conf_usage();
		return ctl_conf_edit(argc, argv);
	}
	return ctl_conf_show(argc, argv, only_set, defaults, expand);
}
