/*
 * NAME
 *	smtpd_content - message content on its way into the queue file.
 *
 * DESCRIPTION
 *	DATA (after smtp_data's unstuffing) and BDAT (after the line-end
 *	check below) both feed decoded content here. The header section
 *	is held back (up to header_size_limit) while lib/hdr scans it:
 *	then our Received: field goes first, followed, for local and
 *	authenticated submissions, by Date: and Message-ID: when the
 *	message has none (RFC 5322 3.6 leaves the order of fields free;
 *	Received: must be on top, RFC 5321 4.4), then the content as
 *	received. The scan also counts the Received: fields for
 *	hopcount_limit (a mail loop is refused with 554 5.4.6) and notes
 *	the Message-ID for the log. The scan covers the first
 *	header_size_limit bytes only, whatever the read sizes: what lies
 *	beyond is body for every check.
 *
 *	After a limit is passed (message_size_limit) nothing more is
 *	written, but the caller keeps reading to the end of the data so
 *	the session stays in step; the status at the end says why the
 *	message is refused. A write error is kept the same way.
 *
 *	smtpd_lines checks BDAT content, which is not dot-stuffed: a CR
 *	LF is a line end, a bare CR or LF is counted (the caller refuses
 *	the message under smtpd_forbid_bare_newline = reject) or, when
 *	normalizing, stored as CR LF; a CR at the end of one chunk and LF
 *	at the start of the next is one line end. A message that does not
 *	end in CR LF gets one.
 *
 * SECURITY
 *	The content is the client's. What is held back is bounded by
 *	header_size_limit plus one read; header fields are bounded by
 *	lib/hdr; the Message-ID kept for the log is cut short and reduced
 *	to printable ASCII.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hdr.h"
#include "params.h"
#include "printable.h"
#include "smtpd.h"
#include "vbuf.h"
#include "xmalloc.h"

#define SMTPD_MSGID_LOG_MAX	200

struct smtpd_content {
	struct smtpd_content_info info;	/* strings: the copies below */
	char			*received, *qid, *myhostname;
	smtpd_content_write_fn	 write;
	void			*arg;
	struct vbuf		*head;		/* held back header section */
	int			 in_head;
	struct hdr_scan		 hs;
	int			 have_date, have_msgid;
	char			 msgid[SMTPD_MSGID_LOG_MAX + 1];
	long long		 hops;		/* Received: fields seen */
	unsigned long long	 size;		/* client bytes */
	size_t			 longest;
	int			 too_big;
	int			 write_err;
};

static int
smtpd_content_field(void *arg, const char *name, const char *value,
    size_t len, int truncated)
{
	struct smtpd_content *c = arg;

	(void)truncated;
	if (hdr_name_is(name, "Received"))
		c->hops++;
	else if (hdr_name_is(name, "Date"))
		c->have_date = 1;
	else if (hdr_name_is(name, "Message-ID") && !c->have_msgid) {
		c->have_msgid = 1;
		printable_copy(c->msgid, sizeof(c->msgid), value, len, 0);
	}
	return 0;
}

struct smtpd_content *
smtpd_content_new(const struct smtpd_content_info *info,
    smtpd_content_write_fn fn, void *arg)
{
	struct smtpd_content *c = xcalloc(1, sizeof(*c));

	c->info = *info;
	c->received = xstrdup(info->received != NULL ? info->received : "");
	c->qid = xstrdup(info->qid != NULL ? info->qid : "");
	c->myhostname = xstrdup(info->myhostname != NULL ?
	    info->myhostname : "localhost");
	c->info.received = c->received;
	c->info.qid = c->qid;
	c->info.myhostname = c->myhostname;
	c->write = fn;
	c->arg = arg;
	c->head = vbuf_new(4096, VBUF_NOLIMIT);
	c->in_head = 1;
	hdr_scan_init(&c->hs, smtpd_content_field, c);
	return c;
}

void
smtpd_content_free(struct smtpd_content **cp)
{
	struct smtpd_content *c = *cp;

	if (c == NULL)
		return;
	hdr_scan_free(&c->hs);
	vbuf_free(&c->head);
	free(c->received);
	free(c->qid);
	free(c->myhostname);
	free(c);
	*cp = NULL;
}

static void
smtpd_content_out(struct smtpd_content *c, const void *p, size_t n)
{
	if (c->write_err || c->too_big || n == 0)
		return;
	if (c->write(c->arg, p, n) < 0)
		c->write_err = 1;
}

/* The header section is complete (or too big to hold): write it out. */
static void
smtpd_content_release(struct smtpd_content *c)
{
	struct vbuf *add = vbuf_new(256, VBUF_NOLIMIT);
	char date[64], stamp[32];
	time_t now = time(NULL);

	c->in_head = 0;
	vbuf_appends(add, c->info.received);
	/* only when the scan saw the whole header section */
	if (c->info.add_headers && c->hs.done) {
		if (!c->have_date) {
			smtpd_rfc5322_date((long long)now, date, sizeof(date));
			vbuf_appendf(add, "Date: %s\r\n", date);
		}
		if (!c->have_msgid) {
			strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S",
			    gmtime(&now));
			vbuf_appendf(add, "Message-ID: <%s.%s@%s>\r\n", stamp,
			    c->info.qid, c->info.myhostname);
		}
	}
	smtpd_content_out(c, vbuf_str(add), vbuf_len(add));
	smtpd_content_out(c, vbuf_str(c->head), vbuf_len(c->head));
	vbuf_free(&add);
	vbuf_reset(c->head);
}

int
smtpd_content_put(struct smtpd_content *c, const char *p, size_t n)
{
	size_t limit = (size_t)var_header_size_limit, scan, keep;
	size_t before = c->hs.header_size;

	c->size += n;
	if (c->info.size_limit > 0 && c->size > c->info.size_limit)
		c->too_big = 1;
	if (c->too_big)
		return 0;
	if (!c->in_head) {
		smtpd_content_out(c, p, n);
		return 0;
	}
	/*
	 * The scan sees the first header_size_limit bytes and no more,
	 * however the client's bytes arrive: a Received: field past the
	 * limit must not count in one read size and not in another.
	 */
	scan = vbuf_len(c->head) < limit ? limit - vbuf_len(c->head) : 0;
	if (scan > n)
		scan = n;
	(void)hdr_scan_feed(&c->hs, p, scan);
	if (c->hs.done)
		keep = c->hs.header_size - before;	/* <= scan */
	else if (vbuf_len(c->head) + n >= limit)
		keep = scan;
	else {
		vbuf_append(c->head, p, n);
		return 0;
	}
	/* the header section held, the body that came with it not copied */
	vbuf_append(c->head, p, keep);
	smtpd_content_release(c);
	smtpd_content_out(c, p + keep, n - keep);
	return 0;
}

void
smtpd_content_line(struct smtpd_content *c, size_t longest)
{
	if (longest > c->longest)
		c->longest = longest;
}

enum smtpd_content_status
smtpd_content_end(struct smtpd_content *c)
{
	if (c->in_head) {
		(void)hdr_scan_finish(&c->hs);
		smtpd_content_release(c);
	}
	if (c->too_big)
		return SMTPD_CONTENT_TOO_BIG;
	if (c->write_err)
		return SMTPD_CONTENT_WRITE;
	if (c->info.hop_limit > 0 && c->hops >= c->info.hop_limit)
		return SMTPD_CONTENT_HOPS;
	if (c->info.long_reject && c->longest > SMTPD_RFC5322_LINE)
		return SMTPD_CONTENT_LONG_LINE;
	return SMTPD_CONTENT_OK;
}

unsigned long long
smtpd_content_size(const struct smtpd_content *c)
{
	return c->size;
}

const char *
smtpd_content_msgid(const struct smtpd_content *c)
{
	return c->have_msgid ? c->msgid : NULL;
}

/* --- BDAT line ends --------------------------------------------------- */

void
smtpd_lines_init(struct smtpd_lines *l, int normalize)
{
	memset(l, 0, sizeof(*l));
	l->normalize = normalize;
}

/* End a line (a CR LF written, or a bare one). */
static void
smtpd_lines_eol(struct smtpd_lines *l)
{
	if (l->linelen > l->longest)
		l->longest = l->linelen;
	l->linelen = 0;
}

/* A bare CR or LF into out. */
static void
smtpd_lines_bare(struct smtpd_lines *l, struct vbuf *out, int ch)
{
	if (ch == '\n')
		l->bare_lf++;
	else
		l->bare_cr++;
	smtpd_lines_eol(l);
	if (l->normalize)
		vbuf_append(out, "\r\n", 2);
	else
		vbuf_appendc(out, ch);
}

int
smtpd_lines_feed(struct smtpd_lines *l, struct smtpd_content *c,
    const char *p, size_t n)
{
	struct vbuf *out = vbuf_new(n * 2 + 4, VBUF_NOLIMIT);
	size_t i;
	char ch;

	for (i = 0; i < n; i++) {
		ch = p[i];
		if (l->cr) {
			l->cr = 0;
			if (ch == '\n') {
				vbuf_append(out, "\r\n", 2);
				smtpd_lines_eol(l);
				continue;
			}
			smtpd_lines_bare(l, out, '\r');
		}
		if (ch == '\r')
			l->cr = 1;
		else if (ch == '\n')
			smtpd_lines_bare(l, out, '\n');
		else {
			vbuf_appendc(out, ch);
			l->linelen++;
		}
	}
	if (vbuf_len(out) > 0)
		l->last_lf = out->data[vbuf_len(out) - 1] == '\n';
	smtpd_content_line(c, l->longest);
	smtpd_content_put(c, vbuf_str(out), vbuf_len(out));
	vbuf_free(&out);
	return 0;
}

int
smtpd_lines_finish(struct smtpd_lines *l, struct smtpd_content *c)
{
	struct vbuf *out = vbuf_new(8, VBUF_NOLIMIT);

	if (l->cr) {
		l->cr = 0;
		smtpd_lines_bare(l, out, '\r');
		l->last_lf = l->normalize;
	}
	if (smtpd_content_size(c) + vbuf_len(out) > 0 && !l->last_lf) {
		vbuf_append(out, "\r\n", 2);
		smtpd_lines_eol(l);
	}
	smtpd_content_line(c, l->longest);
	smtpd_content_put(c, vbuf_str(out), vbuf_len(out));
	vbuf_free(&out);
	return 0;
}
