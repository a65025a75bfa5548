/*
 * imapd_expunge - EXPUNGE and UID EXPUNGE (RFC 9051 6.4.3, RFC 4315
 * UIDPLUS), and the silent expunge of CLOSE.
 *
 * The files go first, then the index records it (mailbox_expunge);
 * the EXPUNGE responses come from the sync before the tagged OK, so
 * they are numbered as the client sees the mailbox at that moment.
 */
#include "config.h"

#include <stdlib.h>

#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "xmalloc.h"

int
imapd_expunge_deleted(struct imapd *d, const struct imap_range *r,
    unsigned n, int quiet)
{
	struct imapd_sel *sel = d->sel;
	const struct mailbox_msg *m;
	uint32_t *uids, i, seq, k = 0;
	unsigned j;
	char *err = NULL;
	int removed;

	uids = xreallocarray(NULL, sel->view.count + 1, sizeof(*uids));
	if (r == NULL) {
		for (i = 0; i < sel->view.count; i++) {
			m = mailbox_msg(sel->mb, i);
			if ((m->flags & MAILBOX_F_DELETED) &&
			    !(m->state & MAILBOX_MSG_EXPUNGED))
				uids[k++] = m->uid;
		}
	} else
		for (j = 0; j < n; j++)
			for (seq = r[j].lo; seq <= r[j].hi; seq++) {
				m = mailbox_msg(sel->mb, seq - 1);
				if ((m->flags & MAILBOX_F_DELETED) &&
				    !(m->state & MAILBOX_MSG_EXPUNGED))
					uids[k++] = m->uid;
			}
	removed = k > 0 ? mailbox_expunge(sel->mb, uids, k, NULL, &err) : 0;
	free(uids);
	if (removed < 0) {
		if (quiet) {
			log_warn("%s: %s", d->sess.user, err);
			free(err);
		} else
			imapd_no_err(d, err);
		return -1;
	}
	d->expunged += (unsigned)removed;
	return 0;
}

int
imapd_cmd_expunge(struct imapd *d, const struct imap_arg *args)
{
	struct imap_range *r = NULL;
	unsigned n = 0;

	if (d->uid) {
		if (imapd_seqset(d, args, 1, &r, &n) < 0)
			return 0;
		if (args->next != NULL) {
			imapd_bad(d, "Unexpected arguments.");
			return 0;
		}
	} else if (args != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	if (d->sel->readonly) {
		imapd_tagged(d, "NO [READ-ONLY] Mailbox is read-only.");
		return 0;
	}
	if (imapd_expunge_deleted(d, r, n, 0) < 0)
		return 0;
	imapd_ok(d, "Expunge completed.");
	return 0;
}
