/*
 * bounce_orig - the third part of a notice: the original message, or
 * its header section, read from the queue file.
 *
 * DESCRIPTION
 *	RET=FULL on a failure notice returns the whole content when it is
 *	at most bounce_size_limit bytes. Otherwise the header section is
 *	returned: the fields that lib/hdr recognises, each written back as
 *	"Name: value" with its folding, up to bounce_size_limit bytes
 *	(whole fields only). Delay and success notices always return the
 *	headers (RFC 3461 4.3: RET is about failed deliveries).
 *
 * SECURITY
 *	The content was written by smtpd from network input and is read
 *	with pread within [content_offset, content_offset + content_size)
 *	only, in bounded chunks. It goes through bounce_norm_copy, so it
 *	can hold no bare CR or LF, no NUL and no line over 998 octets
 *	once copied; bounce.c then picks a boundary that it does not
 *	contain.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounce_int.h"
#include "hdr.h"
#include "params.h"

#define BOUNCE_CHUNK	(16 * 1024)

struct bounce_hdrcopy {
	struct vbuf	*out;
	struct bounce_norm norm;
	int		 full;	/* the size limit was reached */
};

/* Read up to len bytes of content at content offset off; -1 on error. */
static ssize_t
bounce_pread(int qfd, const struct qfile_env *env, char *buf, size_t len,
    uint64_t off)
{
	ssize_t r;

	if (off >= env->content_size)
		return 0;
	if (len > env->content_size - off)
		len = (size_t)(env->content_size - off);
	do
		r = pread(qfd, buf, len, (off_t)(env->content_offset + off));
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		/* qfile_read_env checked the size: the file shrank */
		errno = EIO;
		return -1;
	}
	return r;
}

static int
bounce_hdr_field(void *arg, const char *name, const char *value,
    size_t valuelen, int truncated)
{
	struct bounce_hdrcopy *hc = arg;
	size_t start = vbuf_len(hc->out);
	struct bounce_norm saved = hc->norm;

	(void)truncated;	/* a cut field is returned cut */
	hc->norm.col = 0;
	hc->norm.cr = 0;
	if (bounce_norm_copy(hc->out, &hc->norm, name, strlen(name)) < 0 ||
	    bounce_norm_copy(hc->out, &hc->norm, ": ", 2) < 0 ||
	    bounce_norm_copy(hc->out, &hc->norm, value, valuelen) < 0 ||
	    bounce_norm_end(hc->out, &hc->norm) < 0)
		goto full;
	return 0;
full:
	/* whole fields only: drop this one and stop */
	vbuf_truncate(hc->out, start);
	hc->norm = saved;
	hc->full = 1;
	return -1;
}

static int
bounce_orig_headers(struct bounce_doc *doc, int qfd, size_t limit,
    const char **err_r)
{
	struct bounce_hdrcopy hc;
	struct hdr_scan hs;
	char buf[BOUNCE_CHUNK];
	uint64_t off = 0;
	ssize_t r;
	int ret = 0;

	doc->orig = vbuf_new(4096, limit);
	hc.out = doc->orig;
	hc.norm.col = hc.norm.cr = hc.norm.eightbit = 0;
	hc.full = 0;
	hdr_scan_init(&hs, bounce_hdr_field, &hc);
	while (!hs.done && off < doc->env->content_size) {
		if ((r = bounce_pread(qfd, doc->env, buf, sizeof(buf),
		    off)) < 0) {
			*err_r = "cannot read the queue file";
			ret = -1;
			break;
		}
		off += (uint64_t)r;
		if (hdr_scan_feed(&hs, buf, (size_t)r) < 0)
			break;		/* the size limit */
	}
	if (ret == 0 && !hc.full)
		(void)hdr_scan_finish(&hs);
	hdr_scan_free(&hs);
	doc->orig8 = hc.norm.eightbit;
	doc->orig_truncated = hc.full;
	return ret;
}

static int
bounce_orig_full(struct bounce_doc *doc, int qfd, const char **err_r)
{
	struct bounce_norm nm = { 0, 0, 0 };
	char buf[BOUNCE_CHUNK];
	uint64_t off = 0;
	ssize_t r;

	/* bounded by bounce_size_limit; normalising at most doubles it */
	doc->orig = vbuf_new((size_t)doc->env->content_size + 64,
	    VBUF_NOLIMIT);
	while (off < doc->env->content_size) {
		if ((r = bounce_pread(qfd, doc->env, buf, sizeof(buf),
		    off)) < 0) {
			*err_r = "cannot read the queue file";
			return -1;
		}
		off += (uint64_t)r;
		(void)bounce_norm_copy(doc->orig, &nm, buf, (size_t)r);
	}
	(void)bounce_norm_end(doc->orig, &nm);
	doc->orig8 = nm.eightbit;
	doc->ret_full = 1;
	return 0;
}

int
bounce_orig_read(struct bounce_doc *doc, int qfd, const char **err_r)
{
	const char *ret = qfile_env_attr(doc->env, "ret");
	size_t limit = (size_t)var_bounce_size_limit;

	if (doc->kind == BOUNCE_FAILURE && ret != NULL &&
	    strcasecmp(ret, "FULL") == 0) {
		if (doc->env->content_size <= (uint64_t)limit)
			return bounce_orig_full(doc, qfd, err_r);
		doc->full_too_big = 1;
	}
	return bounce_orig_headers(doc, qfd, limit, err_r);
}
