/*
 * NAME
 *	auth_db - the users table of the auth service (auth_users_maps).
 *
 * DESCRIPTION
 *	The default is hash:$config_directory/users, which `postern user`
 *	maintains (ctl/ctl_user.h): the key is the address in lower case
 *	(lib/addr's addr_key), the value "HASH MAILDIR [quota=SIZE]". The
 *	tables are opened before the jail, with MAPS_OPEN_DEFER, so that a
 *	missing or stale table is a temporary failure of each login (and
 *	is found again once `postern user` has compiled it) rather than a
 *	service that will not start; lib/maps reopens a hash: table when
 *	`postern user` replaces it.
 *
 *	A user name from a client is parsed as an address (UTF-8 allowed)
 *	and looked up by its key, so Alice@Example.ORG finds
 *	alice@example.org. A name that is no address finds nobody.
 *
 * SECURITY
 *	The tables hold password hashes: this is the only process that
 *	opens them (DESIGN), as root before the jail and as auth_owner
 *	(whose group may read them) after. User names come from the
 *	network: addr_parse_mailbox bounds and checks them before they
 *	become keys. An entry that does not parse is a temporary failure
 *	with a warning naming the key, never a login. The copies of a hash
 *	made here are wiped when done (auth_entry_clear).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "auth.h"
#include "log.h"
#include "maildir.h"
#include "maps.h"
#include "params.h"
#include "xmalloc.h"

static struct maps_list *auth_db;

void
auth_db_init(void)
{
	char *err = NULL;

	auth_db_free();
	if ((auth_db = maps_list_open(var_auth_users_maps != NULL ?
	    var_auth_users_maps : "", MAPS_OPEN_DEFER, &err)) == NULL)
		log_fatal("auth_users_maps: %s", err);
	if (maps_list_count(auth_db) == 0)
		log_warn("auth_users_maps is empty: no login can succeed");
}

void
auth_db_free(void)
{
	maps_list_close(&auth_db);
}

void
auth_entry_clear(struct auth_entry *e)
{
	explicit_bzero(e, sizeof(*e));
}

int
auth_db_key(const char *user, char *key, size_t len)
{
	enum addr_err err;
	struct addr a;

	if (strlen(user) > AUTH_USER_MAX ||
	    addr_parse_mailbox(user, ADDR_F_SMTPUTF8, &a, &err) < 0 ||
	    a.domain[0] == '\0')
		return -1;
	/* the key goes back to the client as the canonical name */
	if (addr_key(&a, key, len) < 0 || strlen(key) > AUTH_USER_MAX)
		return -1;
	return 0;
}

int
auth_db_parse(const char *value, struct auth_entry *e, const char **err_r)
{
	const char *p = value, *w[3], *err;
	size_t wlen[3], n;
	long long quota;
	char *q;

	for (n = 0; n < 3 && *(p += strspn(p, " \t")) != '\0'; n++) {
		w[n] = p;
		wlen[n] = strcspn(p, " \t");
		p += wlen[n];
	}
	if (n < 2 || *(p + strspn(p, " \t")) != '\0') {
		*err_r = "expected: HASH MAILDIR [quota=SIZE]";
		return -1;
	}
	if (wlen[0] >= sizeof(e->hash)) {
		*err_r = "password hash too long";
		return -1;
	}
	memcpy(e->hash, w[0], wlen[0]);
	e->hash[wlen[0]] = '\0';
	if (wlen[1] >= sizeof(e->maildir)) {
		*err_r = "Maildir path too long";
		return -1;
	}
	memcpy(e->maildir, w[1], wlen[1]);
	e->maildir[wlen[1]] = '\0';
	if (!maildir_path_ok(e->maildir)) {
		*err_r = "bad Maildir path";
		return -1;
	}
	e->quota = 0;
	if (n == 3) {
		if (wlen[2] < 7 || strncmp(w[2], "quota=", 6) != 0) {
			*err_r = "expected quota=SIZE after the Maildir";
			return -1;
		}
		q = xstrndup(w[2] + 6, wlen[2] - 6);
		if (params_parse_size(q, &quota, &err) < 0 ||
		    quota < 0) {
			free(q);
			*err_r = "bad quota=SIZE";
			return -1;
		}
		free(q);
		e->quota = (unsigned long long)quota;
	}
	return 0;
}

int
auth_db_lookup(const char *key, struct auth_entry *e, char **err_r)
{
	const char *value, *err;
	int r;

	auth_entry_clear(e);
	if (auth_db == NULL) {
		*err_r = xstrdup("auth_users_maps is not open");
		return -1;
	}
	if ((r = maps_list_lookup(auth_db, key, &value, err_r)) <= 0)
		return r;
	if (auth_db_parse(value, e, &err) < 0) {
		auth_entry_clear(e);
		*err_r = xasprintf("auth_users_maps: entry of %.*s: %s", 100,
		    key, err);
		return -1;
	}
	strlcpy(e->user, key, sizeof(e->user));
	return 1;
}
