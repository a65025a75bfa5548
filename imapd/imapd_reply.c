/*
 * imapd_reply - responses to the client; see imapd.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "imap_quote.h"
#include "imap_utf7.h"
#include "imapd.h"
#include "log.h"
#include "mailbox.h"
#include "stream.h"
#include "vbuf.h"

static void reply(struct imapd *, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
reply(struct imapd *d, const char *prefix, const char *fmt, va_list ap)
{
	struct vbuf b;

	vbuf_init(&b, 128, VBUF_NOLIMIT);
	(void)vbuf_appends(&b, prefix);
	(void)vbuf_vappendf(&b, fmt, ap);
	(void)vbuf_append(&b, "\r\n", 2);
	imapd_write(d, vbuf_str(&b), vbuf_len(&b));
	vbuf_release(&b);
}

void
imapd_tagged(struct imapd *d, const char *fmt, ...)
{
	char prefix[LOGIN_TAG_MAX + 2];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s ", d->tag != NULL ? d->tag : "*");
	va_start(ap, fmt);
	reply(d, prefix, fmt, ap);
	va_end(ap);
}

void
imapd_untagged(struct imapd *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(d, "* ", fmt, ap);
	va_end(ap);
}

void
imapd_write(struct imapd *d, const void *p, size_t len)
{
	d->out_bytes += len;
	(void)stream_write(d->s, p, len);
}

void
imapd_flush(struct imapd *d)
{
	(void)stream_flush(d->s);
}

void
imapd_bad(struct imapd *d, const char *why)
{
	imapd_tagged(d, "BAD Error in IMAP command %s: %s", d->cmd, why);
}

void
imapd_no_err(struct imapd *d, char *err)
{
	log_error("%s: %s", d->sess.user, err);
	free(err);
	imapd_tagged(d, "NO [SERVERBUG] Internal error occurred. Refer to "
	    "server log for more information.");
}

/* A mailbox that could not be opened: an error, or none of that name
 * (code NONEXISTENT, or TRYCREATE where the client may create it). */
void
imapd_no_mailbox(struct imapd *d, char *err, const char *code,
    const char *name)
{
	if (err != NULL)
		imapd_no_err(d, err);
	else
		imapd_tagged(d, "NO [%s] Mailbox doesn't exist: %s", code,
		    name);
}

static const char caps_common[] =
    "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE "
    "UNSELECT UIDPLUS MOVE ESEARCH SEARCHRES WITHIN LIST-EXTENDED "
    "LIST-STATUS SPECIAL-USE CHILDREN BINARY MULTIAPPEND STATUS=SIZE "
    "UTF8=ACCEPT";

const char *
imapd_capabilities(const struct imapd *d)
{
	(void)d;
	return caps_common;
}

static const struct {
	uint32_t	 flag;
	const char	*name;
} sysflags[] = {
	{ MAILBOX_F_ANSWERED, "\\Answered" },
	{ MAILBOX_F_FLAGGED, "\\Flagged" },
	{ MAILBOX_F_DELETED, "\\Deleted" },
	{ MAILBOX_F_SEEN, "\\Seen" },
	{ MAILBOX_F_DRAFT, "\\Draft" },
};

void
imapd_put_flags(struct imapd *d, struct vbuf *b, uint32_t flags,
    uint64_t keywords, int recent)
{
	const char *kw;
	size_t i, start;
	unsigned k;

	(void)vbuf_appendc(b, '(');
	start = vbuf_len(b);
	for (i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]); i++)
		if (flags & sysflags[i].flag) {
			if (vbuf_len(b) > start)
				(void)vbuf_appendc(b, ' ');
			(void)vbuf_appends(b, sysflags[i].name);
		}
	if (recent && !imapd_rev2(d)) {
		if (vbuf_len(b) > start)
			(void)vbuf_appendc(b, ' ');
		(void)vbuf_appends(b, "\\Recent");
	}
	for (k = 0; k < 64 && keywords != 0 && d->sel != NULL; k++) {
		if (!(keywords & ((uint64_t)1 << k)) ||
		    (kw = mailbox_keyword_name(d->sel->mb, k)) == NULL)
			continue;
		if (vbuf_len(b) > start)
			(void)vbuf_appendc(b, ' ');
		(void)vbuf_appends(b, kw);
	}
	(void)vbuf_appendc(b, ')');
}

void
imapd_put_mailbox(struct imapd *d, struct vbuf *b, const char *stored)
{
	struct vbuf utf8;

	if (!(d->enabled & IMAPD_EN_UTF8)) {
		(void)imap_put_astring(b, stored);
		return;
	}
	vbuf_init(&utf8, 64, VBUF_NOLIMIT);
	if (imap_utf7_to_utf8(stored, &utf8) < 0)
		(void)imap_put_astring(b, stored);	/* not ours: as is */
	else
		(void)imap_put_astring(b, vbuf_str(&utf8));
	vbuf_release(&utf8);
}
