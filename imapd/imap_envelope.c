/*
 * imap_envelope - ENVELOPE from a header section; see imap_struct.h.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "imap_quote.h"
#include "imap_struct.h"
#include "imf.h"
#include "mime.h"
#include "vbuf.h"

enum env_field {
	ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO, ENV_TO,
	ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID, ENV_COUNT
};

static const char *const env_names[ENV_COUNT] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id",
};

/* An address list; 0 when it held no address (then nothing written). */
static int
put_addrs(struct vbuf *b, struct arena *a, const struct span *v)
{
	const struct imf_addr *list, *ad;

	if (v->ptr == NULL ||
	    (list = imf_addr_parse(a, v->ptr, v->len)) == NULL)
		return 0;
	(void)vbuf_appendc(b, '(');
	for (ad = list; ad != NULL; ad = ad->next) {
		switch (ad->kind) {
		case IMF_ADDR_GROUP_START:
			(void)vbuf_appends(b, "(NIL NIL ");
			(void)imap_put_ntext(b, ad->mailbox);
			(void)vbuf_appends(b, " NIL)");
			break;
		case IMF_ADDR_GROUP_END:
			(void)vbuf_appends(b, "(NIL NIL NIL NIL)");
			break;
		default:
			(void)vbuf_appendc(b, '(');
			(void)imap_put_ntext(b, ad->name);
			(void)vbuf_appendc(b, ' ');
			(void)imap_put_ntext(b, ad->route);
			(void)vbuf_appendc(b, ' ');
			(void)imap_put_ntext(b, ad->mailbox);
			(void)vbuf_appendc(b, ' ');
			(void)imap_put_ntext(b, ad->host);
			(void)vbuf_appendc(b, ')');
		}
	}
	return vbuf_appendc(b, ')') < 0 ? -1 : 1;
}

/* An unstructured field: unfolded, trimmed; NIL when absent. */
static void
put_field(struct vbuf *b, const struct span *v)
{
	struct vbuf tmp;

	if (v->ptr == NULL) {
		(void)vbuf_appends(b, "NIL");
		return;
	}
	vbuf_init(&tmp, v->len, VBUF_NOLIMIT);
	(void)mime_unfold(v->ptr, v->len, &tmp);
	(void)imap_put_text(b, vbuf_str(&tmp), vbuf_len(&tmp));
	vbuf_release(&tmp);
}

int
imap_envelope_put(struct vbuf *b, struct arena *a, const char *hdr,
    size_t len)
{
	struct span v[ENV_COUNT];
	struct mime_hdr_iter it;
	struct mime_field f;
	int i;

	memset(v, 0, sizeof(v));
	mime_hdr_init(&it, hdr, len);
	while (mime_hdr_next(&it, &f)) {
		if (f.nocolon)
			continue;
		for (i = 0; i < ENV_COUNT; i++)
			if (v[i].ptr == NULL && mime_name_is(f.name,
			    env_names[i])) {
				v[i] = f.value;
				break;
			}
	}
	(void)vbuf_appendc(b, '(');
	put_field(b, &v[ENV_DATE]);
	(void)vbuf_appendc(b, ' ');
	put_field(b, &v[ENV_SUBJECT]);
	for (i = ENV_FROM; i <= ENV_BCC; i++) {
		(void)vbuf_appendc(b, ' ');
		if (put_addrs(b, a, &v[i]) > 0)
			continue;
		/* RFC 9051 7.5.2: Sender and Reply-To default to From */
		if ((i == ENV_SENDER || i == ENV_REPLY_TO) &&
		    put_addrs(b, a, &v[ENV_FROM]) > 0)
			continue;
		(void)vbuf_appends(b, "NIL");
	}
	(void)vbuf_appendc(b, ' ');
	put_field(b, &v[ENV_IN_REPLY_TO]);
	(void)vbuf_appendc(b, ' ');
	put_field(b, &v[ENV_MESSAGE_ID]);
	return vbuf_appendc(b, ')');
}
