/*
 * NAME
 *	ctl_sendmail_bi - newaliases and sendmail -bi: build the alias
 *	tables.
 *
 * DESCRIPTION
 *	Each table of alias_database (by default those of alias_maps) is
 *	built as Postfix's newaliases builds it: a hash: table from its
 *	source in aliases(5) format (maps_compile_aliases), atomically, so
 *	that a running smtpd or qmgr sees the old table or the new one and
 *	never half of one; a texthash: or inline: table is only checked.
 *	Every table is tried; the exit status is EX_OK when all were built,
 *	else EX_CANTCREAT, each failure said on stderr (a syntax error
 *	with its file:line). With alias_database empty there is nothing to
 *	do, which is said.
 *
 * SECURITY
 *	Runs as whoever calls it: root may write a .db only beside a
 *	source in a directory nobody else can write (lib/maps, fsat), and
 *	the .db gets the source's owner and mode, never wider ones.
 */
#include "config.h"

#include <sysexits.h>

#include "ctl_sendmail.h"
#include "err.h"
#include "maps.h"
#include "params.h"

int
sendmail_newaliases(void)
{
	char **list, *err = NULL;
	size_t i;
	int r = EX_OK;

	list = params_list(var_alias_database);
	if (list[0] == NULL)
		sendmail_warn("alias_database is empty: no alias table to "
		    "build (postern.conf(5))");
	for (i = 0; list[i] != NULL; i++) {
		if (maps_compile_aliases(list[i], &err) == 0)
			continue;
		sendmail_warn("%s", err);
		err_free(&err);
		r = EX_CANTCREAT;
	}
	params_list_free(list);
	return r;
}
