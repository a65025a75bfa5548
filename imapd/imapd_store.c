/*
 * NAME
 *	imapd_store - STORE and UID STORE (RFC 9051 6.4.6), and the flag
 *	lists that APPEND shares
 *
 * DESCRIPTION
 *	FLAGS, +FLAGS and -FLAGS, each with .SILENT, and a parenthesised
 *	list or (IMAP4rev1) bare flags. The change is one transaction of
 *	the store (mailbox_store); then every message of the set gets a
 *	FETCH (FLAGS) unless .SILENT (with UID for UID STORE). \Recent
 *	cannot be stored (RFC 3501 2.3.2); an unknown system flag is BAD;
 *	a new keyword is defined as it is used, up to the store's limit
 *	(NO [LIMIT] beyond it).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "vbuf.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	uint32_t	 flag;
} sysflags[] = {
	{ "\\Answered", MAILBOX_F_ANSWERED },
	{ "\\Flagged", MAILBOX_F_FLAGGED },
	{ "\\Deleted", MAILBOX_F_DELETED },
	{ "\\Seen", MAILBOX_F_SEEN },
	{ "\\Draft", MAILBOX_F_DRAFT },
};

/* One flag: 0, or -1 with *resp_r (the tagged response's text). */
static int
one_flag(struct imapd *d, struct mailbox *mb, const struct imap_arg *a,
    int create, uint32_t *flags, uint64_t *kw, const char **resp_r)
{
	const char *s;
	char *err = NULL;
	size_t i;
	int k;

	if (!imap_arg_atom(a, &s) || strpbrk(s, "[]%*\"") != NULL) {
		*resp_r = "BAD Error in IMAP command: Invalid flag.";
		return -1;
	}
	if (*s == '\\') {
		for (i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]); i++)
			if (strcasecmp(s, sysflags[i].name) == 0) {
				*flags |= sysflags[i].flag;
				return 0;
			}
		*resp_r = strcasecmp(s, "\\Recent") == 0 ?
		    "BAD Error in IMAP command: \\Recent cannot be changed." :
		    "BAD Error in IMAP command: Invalid system flag.";
		return -1;
	}
	if ((k = mailbox_keyword(mb, s, create, &err)) < 0) {
		if (!create) {
			free(err);	/* removing an unknown keyword: no-op */
			return 0;
		}
		log_info("%s: keyword %s: %s", d->sess.user, s, err);
		free(err);
		*resp_r = "NO [LIMIT] Cannot create more keywords in this "
		    "mailbox.";
		return -1;
	}
	*kw |= (uint64_t)1 << k;
	return 0;
}

int
imapd_parse_flags(struct imapd *d, struct mailbox *mb,
    const struct imap_arg *args, int create, uint32_t *flags_r,
    uint64_t *kw_r, const char **resp_r)
{
	const struct imap_arg *a;

	*flags_r = 0;
	*kw_r = 0;
	if (args != NULL && args->type == IMAP_ARG_LIST) {
		for (a = args->list; a != NULL; a = a->next)
			if (one_flag(d, mb, a, create, flags_r, kw_r,
			    resp_r) < 0)
				return -1;
		return 0;
	}
	for (a = args; a != NULL; a = a->next)
		if (one_flag(d, mb, a, create, flags_r, kw_r, resp_r) < 0)
			return -1;
	return 0;
}

int
imapd_cmd_store(struct imapd *d, const struct imap_arg *args)
{
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m;
	enum mailbox_store_op op;
	struct imap_range *r;
	const struct imap_arg *a;
	const char *item, *resp;
	struct vbuf b;
	uint32_t flags, *uids, seq, k = 0;
	uint64_t kw;
	unsigned n, i, newly_deleted = 0;
	char *err = NULL;
	int silent;

	if (imapd_seqset(d, args, d->uid, &r, &n) < 0)
		return 0;
	a = args->next;
	if (a != NULL && a->type == IMAP_ARG_LIST) {
		imapd_bad(d, "Unsupported STORE modifiers.");
		return 0;
	}
	if (!imap_arg_atom(a, &item) || a->next == NULL) {
		imapd_bad(d, "Missing flags.");
		return 0;
	}
	if (*item == '+')
		op = MAILBOX_STORE_ADD, item++;
	else if (*item == '-')
		op = MAILBOX_STORE_REMOVE, item++;
	else
		op = MAILBOX_STORE_SET;
	if (strcasecmp(item, "FLAGS") == 0)
		silent = 0;
	else if (strcasecmp(item, "FLAGS.SILENT") == 0)
		silent = 1;
	else {
		imapd_bad(d, "Invalid STORE item.");
		return 0;
	}
	if (sel->readonly) {
		imapd_tagged(d, "NO [READ-ONLY] Mailbox is read-only.");
		return 0;
	}
	if (imapd_parse_flags(d, sel->mb, a->next, op !=
	    MAILBOX_STORE_REMOVE, &flags, &kw, &resp) < 0) {
		imapd_tagged(d, "%s", resp);
		if (resp[0] == 'B')
			d->bad++;
		return 0;
	}
	uids = xreallocarray(NULL, imap_ranges_count(r, n) + 1,
	    sizeof(*uids));
	for (i = 0; i < n; i++)
		for (seq = r[i].lo; seq <= r[i].hi; seq++) {
			m = mailbox_msg(sel->mb, seq - 1);
			if (m->state & MAILBOX_MSG_EXPUNGED)
				continue;
			uids[k++] = m->uid;
			if ((flags & MAILBOX_F_DELETED) &&
			    op != MAILBOX_STORE_REMOVE &&
			    !(m->flags & MAILBOX_F_DELETED))
				newly_deleted++;
		}
	if (k > 0 && mailbox_store(sel->mb, uids, k, op, flags, kw, 0, NULL,
	    NULL, &err) < 0) {
		free(uids);
		imapd_no_err(d, err);
		return 0;
	}
	free(uids);
	d->deleted += newly_deleted;	/* for the logout line */
	imapd_flags_update(d);		/* a new keyword: FLAGS first */
	vbuf_init(&b, 128, VBUF_NOLIMIT);
	for (i = 0; i < n; i++)
		for (seq = r[i].lo; seq <= r[i].hi; seq++) {
			m = mailbox_msg(sel->mb, seq - 1);
			if (m->state & MAILBOX_MSG_EXPUNGED)
				continue;
			imapd_told(sel, seq - 1, m->flags, m->keywords);
			if (silent)
				continue;
			vbuf_reset(&b);
			(void)vbuf_appendf(&b, "%u FETCH (", seq);
			if (d->uid)
				(void)vbuf_appendf(&b, "UID %u ", m->uid);
			(void)vbuf_appends(&b, "FLAGS ");
			imapd_put_flags(d, &b, m->flags, m->keywords,
			    imapd_is_recent(sel, m->uid));
			(void)vbuf_appendc(&b, ')');
			imapd_untagged(d, "%s", vbuf_str(&b));
		}
	vbuf_release(&b);
	imapd_ok(d, "Store completed.");
	return 0;
}
