/*
 * imapd_status - STATUS (RFC 9051 6.3.11, RFC 8438 STATUS=SIZE), also
 * for LIST-STATUS (RFC 5819).
 *
 * A folder's numbers come from its index (mailbox_open reads it and
 * lists new mail), never from its messages, except SIZE for messages
 * whose names lack their CR LF size (read once, then recorded).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "maildir.h"
#include "params.h"
#include "vbuf.h"

static const struct {
	const char	*name;
	unsigned	 item;
} items[] = {
	{ "MESSAGES", IMAPD_ST_MESSAGES },
	{ "UIDNEXT", IMAPD_ST_UIDNEXT },
	{ "UIDVALIDITY", IMAPD_ST_UIDVALIDITY },
	{ "UNSEEN", IMAPD_ST_UNSEEN },
	{ "DELETED", IMAPD_ST_DELETED },
	{ "SIZE", IMAPD_ST_SIZE },
	{ "RECENT", IMAPD_ST_RECENT },
	{ "APPENDLIMIT", IMAPD_ST_APPENDLIMIT },
};

int
imapd_status_items(const struct imap_arg *list, unsigned *items_r)
{
	const struct imap_arg *a;
	const char *s;
	size_t i;

	*items_r = 0;
	if (list == NULL || list->type != IMAP_ARG_LIST || list->count == 0)
		return -1;
	for (a = list->list; a != NULL; a = a->next) {
		if (!imap_arg_atom(a, &s))
			return -1;
		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			if (strcasecmp(s, items[i].name) == 0)
				break;
		if (i == sizeof(items) / sizeof(items[0]))
			return -1;
		*items_r |= items[i].item;
	}
	return 0;
}

int
imapd_status_put(struct imapd *d, const char *stored, unsigned want,
    struct vbuf *out, char **err_r)
{
	const struct mailbox_msg *m;
	struct maildir *md = NULL;
	struct mailbox *mb = NULL;
	uint64_t size = 0;
	uint32_t i, n, unseen = 0, deleted = 0, recent = 0, count = 0;
	int r;

	if ((r = imapd_folder_open(d, stored, &md, err_r)) <= 0)
		return r;
	if (mailbox_open(md != NULL ? md : d->sess.md, d->sess.md, 0, &mb,
	    err_r) < 0) {
		maildir_close(&md);
		return -1;
	}
	if ((want & IMAPD_ST_SIZE) && mailbox_fill_vsizes(mb, err_r) < 0) {
		mailbox_close(&mb);
		maildir_close(&md);
		return -1;
	}
	n = mailbox_count(mb);
	for (i = 0; i < n; i++) {
		m = mailbox_msg(mb, i);
		if (m->state & MAILBOX_MSG_EXPUNGED)
			continue;
		count++;
		if (!(m->flags & MAILBOX_F_SEEN))
			unseen++;
		if (m->flags & MAILBOX_F_DELETED)
			deleted++;
		if (!m->in_cur)
			recent++;
		size += m->vsize != MAILBOX_VSIZE_UNKNOWN ? m->vsize : m->size;
	}
	(void)vbuf_appends(out, "STATUS ");
	imapd_put_mailbox(d, out, stored);
	(void)vbuf_appends(out, " (");
#define ITEM(flag, fmt, v) do {						\
	if (want & (flag))						\
		(void)vbuf_appendf(out, "%s" fmt,			\
		    out->data[vbuf_len(out) - 1] == '(' ? "" : " ", v);	\
} while (0)
	ITEM(IMAPD_ST_MESSAGES, "MESSAGES %u", count);
	ITEM(IMAPD_ST_UIDNEXT, "UIDNEXT %u", mailbox_uidnext(mb));
	ITEM(IMAPD_ST_UIDVALIDITY, "UIDVALIDITY %u", mailbox_uidvalidity(mb));
	ITEM(IMAPD_ST_UNSEEN, "UNSEEN %u", unseen);
	ITEM(IMAPD_ST_DELETED, "DELETED %u", deleted);
	ITEM(IMAPD_ST_SIZE, "SIZE %llu", (unsigned long long)size);
	if (!imapd_rev2(d))
		ITEM(IMAPD_ST_RECENT, "RECENT %u", recent);
	if (var_message_size_limit > 0)
		ITEM(IMAPD_ST_APPENDLIMIT, "APPENDLIMIT %lld",
		    (long long)var_message_size_limit);
	else
		ITEM(IMAPD_ST_APPENDLIMIT, "APPENDLIMIT %s", "NIL");
#undef ITEM
	(void)vbuf_appendc(out, ')');
	mailbox_close(&mb);
	maildir_close(&md);
	return 1;
}

int
imapd_cmd_status(struct imapd *d, const struct imap_arg *args)
{
	const char *name;
	unsigned want;
	struct vbuf b;
	char *err = NULL;
	int r;

	if (imapd_mailbox_arg(d, args, &name) < 0)
		return 0;
	if (imapd_status_items(args->next, &want) < 0 ||
	    args->next->next != NULL) {
		imapd_bad(d, "Invalid status items.");
		return 0;
	}
	vbuf_init(&b, 128, VBUF_NOLIMIT);
	if ((r = imapd_status_put(d, name, want, &b, &err)) <= 0) {
		vbuf_release(&b);
		imapd_no_mailbox(d, err, "NONEXISTENT", name);
		return 0;
	}
	imapd_untagged(d, "%s", vbuf_str(&b));
	vbuf_release(&b);
	imapd_ok(d, "Status completed.");
	return 0;
}
