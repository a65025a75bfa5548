/*
 * imapd_cmd - the command table of the session side; see imapd.h.
 *
 * Commands of the not-authenticated state (LOGIN, AUTHENTICATE,
 * STARTTLS) belong to imap-login; here they are out of place. The
 * selected-state commands need a mailbox; the UID forms are those of
 * FETCH, STORE, SEARCH, COPY, MOVE and EXPUNGE (RFC 9051 6.4.9, RFC
 * 4315). Responses to FETCH, STORE and SEARCH carry no EXPUNGE (RFC
 * 9051 7.5.1): their sequence numbers would be ambiguous.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "imapd.h"
#include "params.h"

#define C_SEL		0x1	/* needs a selected mailbox */
#define C_UID		0x2	/* has a UID form */
#define C_NOEXP		0x4	/* no EXPUNGE while answering (non-UID) */

static const struct {
	const char	*name;
	int		(*fn)(struct imapd *, const struct imap_arg *);
	unsigned	 flags;
} cmds[] = {
	{ "CAPABILITY", imapd_cmd_capability, 0 },
	{ "NOOP", imapd_cmd_noop, 0 },
	{ "LOGOUT", imapd_cmd_logout, 0 },
	{ "ID", imapd_cmd_id, 0 },
	{ "ENABLE", imapd_cmd_enable, 0 },
	{ "LOGIN", imapd_cmd_not_now, 0 },
	{ "AUTHENTICATE", imapd_cmd_not_now, 0 },
	{ "STARTTLS", imapd_cmd_not_now, 0 },
	{ "SELECT", imapd_cmd_select, 0 },
	{ "EXAMINE", imapd_cmd_select, 0 },
	{ "CREATE", imapd_cmd_create, 0 },
	{ "DELETE", imapd_cmd_delete, 0 },
	{ "RENAME", imapd_cmd_rename, 0 },
	{ "SUBSCRIBE", imapd_cmd_subscribe, 0 },
	{ "UNSUBSCRIBE", imapd_cmd_subscribe, 0 },
	{ "LIST", imapd_cmd_list, 0 },
	{ "LSUB", imapd_cmd_lsub, 0 },
	{ "NAMESPACE", imapd_cmd_namespace, 0 },
	{ "STATUS", imapd_cmd_status, 0 },
	{ "APPEND", imapd_cmd_append, 0 },
	{ "IDLE", imapd_cmd_idle, 0 },
	{ "CHECK", imapd_cmd_noop, C_SEL },
	{ "CLOSE", imapd_cmd_close, C_SEL },
	{ "UNSELECT", imapd_cmd_unselect, C_SEL },
	{ "EXPUNGE", imapd_cmd_expunge, C_SEL | C_UID },
	{ "SEARCH", imapd_cmd_search, C_SEL | C_UID | C_NOEXP },
	{ "FETCH", imapd_cmd_fetch, C_SEL | C_UID | C_NOEXP },
	{ "STORE", imapd_cmd_store, C_SEL | C_UID | C_NOEXP },
	{ "COPY", imapd_cmd_copy, C_SEL | C_UID },
	{ "MOVE", imapd_cmd_move, C_SEL | C_UID },
};

int
imapd_command(struct imapd *d, struct imap_cmd *cmd)
{
	const struct imap_arg *args = cmd->args;
	const char *name = cmd->name;
	size_t i;
	int r, bad_before;

	d->tag = cmd->tag;
	d->uid = 0;
	d->cmd = name;
	if (strcasecmp(name, "UID") == 0) {
		if (!imap_arg_atom(args, &name)) {
			imapd_tagged(d, "BAD Error in IMAP command UID: "
			    "Missing command.");
			d->bad++;
			goto check;
		}
		args = args->next;
		d->uid = 1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcasecmp(name, cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]) ||
	    (d->uid && !(cmds[i].flags & C_UID))) {
		imapd_tagged(d, "BAD Error in IMAP command%s%s: Unknown "
		    "command.", d->uid ? " UID " : "", d->uid ? name : "");
		d->bad++;
		goto check;
	}
	d->cmd = cmds[i].name;
	if ((cmds[i].flags & C_SEL) && d->sel == NULL) {
		imapd_tagged(d, "BAD No mailbox selected.");
		d->bad++;
		goto check;
	}
	d->noexpunge = !d->uid && (cmds[i].flags & C_NOEXP);
	bad_before = d->bad;
	d->bad = 0;
	r = cmds[i].fn(d, args);
	if (d->bad == 0)
		return r;
	d->bad += bad_before;
	if (r < 0)
		return r;
check:
	if (d->bad >= var_imapd_hard_error_limit) {
		d->tag = NULL;
		imapd_untagged(d, "BYE Too many invalid IMAP commands.");
		imapd_flush(d);
		return -1;
	}
	return 0;
}
