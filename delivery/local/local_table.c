/*
 * NAME
 *	local_table - the mailbox of a recipient, from virtual_mailbox_maps.
 *
 * DESCRIPTION
 *	Keys, first match wins (as Postfix's virtual(8)):
 *	  user+ext@domain	the whole address
 *	  user@domain		when recipient_delimiter splits the local
 *				part; ext then names a .Folder
 *	  @domain		a catch-all for the domain
 *	The value is "PATH [quota=SIZE]": PATH relative to the mail root
 *	(virtual_mailbox_base; a leading '/' is ignored), SIZE with k/m/g
 *	units (0: no quota). Other name=value words are ignored, so newer
 *	tables work with older agents.
 *
 *	A table that is replaced while the agent runs: inside the jail
 *	the path is not visible, so lib/maps cannot reopen it and reports
 *	its lookups as errors (maps_changed): "not found" cannot be
 *	trusted, so it becomes a deferral (4.3.0), never a bounce, and the
 *	process exits after the current connection so that the master
 *	starts a fresh one that opens the new table.
 *
 * SECURITY
 *	The tables are the admin's. The value's path is checked by
 *	maildir_path_ok (no "..", no control characters) and the Maildir
 *	code never follows links, whatever the table says. Addresses come
 *	from qmgr and were parsed with addr_parse_mailbox before they get
 *	here.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "xmalloc.h"

static struct maps_list *local_maps;

void
local_table_open(void)
{
	char *err = NULL;

	local_maps = maps_list_open(var_virtual_mailbox_maps, MAPS_OPEN_DEFER,
	    &err);
	if (local_maps == NULL)
		log_fatal("virtual_mailbox_maps: %s", err);
}

void
local_table_close(void)
{
	maps_list_close(&local_maps);
}

int
local_entry_parse(const char *value, struct local_entry *e,
    const char **err_r)
{
	const char *p = value, *word, *why;
	char buf[256];
	size_t len;

	e->quota = 0;
	p += strspn(p, " \t");
	len = strcspn(p, " \t");
	if (len == 0 || len > MAILDIR_PATH_MAX) {
		*err_r = len == 0 ? "no Maildir path" : "Maildir path too long";
		return -1;
	}
	memcpy(e->maildir, p, len);
	e->maildir[len] = '\0';
	if (!maildir_path_ok(e->maildir)) {
		*err_r = "bad Maildir path (\"..\", \".\" or a control "
		    "character)";
		return -1;
	}
	for (p += len; *(p += strspn(p, " \t")) != '\0'; p += len) {
		word = p;
		len = strcspn(p, " \t");
		if (len > 6 && strncmp(word, "quota=", 6) == 0) {
			if (len - 6 >= sizeof(buf)) {
				*err_r = "bad quota";
				return -1;
			}
			memcpy(buf, word + 6, len - 6);
			buf[len - 6] = '\0';
			if (params_parse_size(buf, &e->quota, &why) < 0) {
				*err_r = "bad quota (a size such as 512m)";
				return -1;
			}
		} else if (memchr(word, '=', len) == NULL) {
			*err_r = "unexpected word after the Maildir path";
			return -1;
		}
		/* other name=value: for newer agents */
	}
	return 0;
}

/* 1 found, 0 not, -1 error (logged); *value_r valid until next lookup. */
static int
local_table_get(const char *key, const char **value_r)
{
	char *err = NULL;
	int r;

	if ((r = maps_list_lookup(local_maps, key, value_r, &err)) < 0) {
		log_error("virtual_mailbox_maps: %s", err);
		free(err);
	}
	return r;
}

int
local_table_lookup(const struct addr *a, struct local_entry *e,
    struct deliver_status *st)
{
	const char *value = NULL, *ext = NULL, *err;
	char key[ADDR_TEXT_MAX];
	size_t userlen;
	int r, split;

	e->ext[0] = '\0';
	if (addr_key(a, key, sizeof(key)) < 0)
		goto unknown;
	r = local_table_get(key, &value);
	split = r == 0 && *var_recipient_delimiter != '\0' &&
	    addr_split_ext(a->local, var_recipient_delimiter, &userlen,
	    &ext) == 1;
	if (split) {
		if (addr_key_parts(a->local, userlen, a->domain, key,
		    sizeof(key)) < 0)
			goto unknown;
		r = local_table_get(key, &value);
		if (r > 0)
			strlcpy(e->ext, ext, sizeof(e->ext));
	}
	if (r == 0 && a->domain[0] != '\0') {
		snprintf(key, sizeof(key), "@%s", a->domain);
		addr_lower(key);
		r = local_table_get(key, &value);
	}
	if (r < 0) {
		deliver_status_set(st, "4.3.0", "temporary lookup failure in "
		    "virtual_mailbox_maps");
		return -1;
	}
	if (r == 0)
		goto unknown;
	strlcpy(e->key, key, sizeof(e->key));
	if (local_entry_parse(value, e, &err) < 0) {
		log_error("virtual_mailbox_maps: entry for %s: %s", key, err);
		deliver_status_set(st, "4.3.0", "bad entry in "
		    "virtual_mailbox_maps");
		return -1;
	}
	return 1;
unknown:
	if (maps_changed()) {
		deliver_status_set(st, "4.3.0", "mailbox table changed since "
		    "this process started; try again");
		return 0;
	}
	deliver_status_set(st, "5.1.1", "user unknown");
	return 0;
}
