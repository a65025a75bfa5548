/*
 * NAME
 *	mailbox_index - the index file of a folder: reading, locking,
 *	appending transactions, compaction and rebuilding; the format and
 *	its states are in mailbox.h.
 *
 * DESCRIPTION
 *	Reading applies whole transactions (up to a commit record) to the
 *	view, in two passes over what was appended: the first checks the
 *	framing and CRCs and finds the last commit, the second applies.
 *	A writer reads under the lock, where nothing can be half written
 *	by anyone else: so whatever follows the last commit is the torn
 *	write of a dead process and is cut off, and a record that fails
 *	its CRC with more data behind it is damage, answered by a rebuild
 *	with a new UIDVALIDITY.
 *
 *	A writer appends its transaction with one pwrite at the end of the
 *	last commit, and reads it back through the same code as everyone
 *	else, so the view has only one way of changing.
 *
 * SECURITY
 *	The file belongs to the mailbox owner. Lengths are checked
 *	against MAILBOX_REC_MAX and the bytes present before anything is
 *	used, every record's CRC and contents are checked, names must be
 *	plain file names; MAILBOX_INDEX_MAX bounds what is read at all.
 *	The file is opened with fsutil_open_beneath (never through a
 *	symbolic link).
 *
 *	UNSAFE: the record encoders and decoders do byte arithmetic on
 *	buffers whose lengths are checked first (mailbox_rd_*).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "mailbox_int.h"
#include "maildir.h"
#include "xmalloc.h"

#define MAILBOX_TMP_PREFIX	"postern.index.new."
#define MAILBOX_TMP_MAX_AGE	3600	/* seconds: a dead writer's file */

/* --- CRC-32 (IEEE 802.3), for torn and damaged records ----------------- */

/*
 * Eight bytes at a time ("slicing by 8"): every byte of the index is
 * checked each time a process opens it, so this is what opening a
 * large folder costs.
 */
static uint32_t mailbox_crc_table[8][256];

static void
mailbox_crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320U ^ (c >> 1) : c >> 1;
		mailbox_crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			mailbox_crc_table[k][i] =
			    (mailbox_crc_table[k - 1][i] >> 8) ^
			    mailbox_crc_table[0][mailbox_crc_table[k - 1][i] &
			    0xff];
}

uint32_t
mailbox_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint32_t (*t)[256] = mailbox_crc_table;
	const unsigned char *p = buf;
	uint32_t a, b;

	if (t[0][1] == 0)
		mailbox_crc_init();
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		a = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		b = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^
		    t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
		    t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^
		    t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
	}
	while (len-- > 0)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* --- encoding ----------------------------------------------------------- */

static void
mailbox_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
mailbox_put64(unsigned char *p, uint64_t v)
{
	mailbox_put32(p, (uint32_t)v);
	mailbox_put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
mailbox_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
mailbox_get64(const unsigned char *p)
{
	return (uint64_t)mailbox_get32(p) | (uint64_t)mailbox_get32(p + 4) << 32;
}

/* A record under construction: append the fields, then finish. */
struct mailbox_wr {
	struct vbuf	*b;
	size_t		 start;
};

static void
mailbox_wr_begin(struct mailbox_wr *w, struct vbuf *b, int type)
{
	unsigned char hdr[5] = { 0, 0, 0, 0, (unsigned char)type };

	w->b = b;
	w->start = vbuf_len(b);
	(void)vbuf_append(b, hdr, sizeof(hdr));
}

static void
mailbox_wr_32(struct mailbox_wr *w, uint32_t v)
{
	unsigned char p[4];

	mailbox_put32(p, v);
	(void)vbuf_append(w->b, p, sizeof(p));
}

static void
mailbox_wr_64(struct mailbox_wr *w, uint64_t v)
{
	unsigned char p[8];

	mailbox_put64(p, v);
	(void)vbuf_append(w->b, p, sizeof(p));
}

static void
mailbox_wr_8(struct mailbox_wr *w, unsigned v)
{
	(void)vbuf_appendc(w->b, (int)(v & 0xff));
}

static void
mailbox_wr_end(struct mailbox_wr *w)
{
	unsigned char *rec = (unsigned char *)w->b->data + w->start;
	size_t len = vbuf_len(w->b) - w->start - 4;
	unsigned char crc[4];

	mailbox_put32(rec, (uint32_t)len);
	mailbox_put32(crc, mailbox_crc32(0, rec, len + 4));
	(void)vbuf_append(w->b, crc, sizeof(crc));
}

void
mailbox_rec_msg(struct mailbox *mb, const struct mailbox_msg *m)
{
	struct mailbox_wr w;
	size_t nlen = strlen(m->name);

	mailbox_wr_begin(&w, mb->tx, MAILBOX_REC_MSG);
	mailbox_wr_32(&w, m->uid);
	mailbox_wr_32(&w, m->flags);
	mailbox_wr_64(&w, m->keywords);
	mailbox_wr_64(&w, m->modseq);
	mailbox_wr_64(&w, m->size);
	mailbox_wr_64(&w, m->vsize);
	mailbox_wr_64(&w, (uint64_t)m->idate);
	mailbox_wr_8(&w, m->in_cur);
	mailbox_wr_8(&w, (unsigned)nlen);
	mailbox_wr_8(&w, (unsigned)(nlen >> 8));
	(void)vbuf_append(mb->tx, m->name, nlen);
	mailbox_wr_end(&w);
}

void
mailbox_rec_expunge(struct mailbox *mb, uint32_t uid, uint64_t modseq)
{
	struct mailbox_wr w;

	mailbox_wr_begin(&w, mb->tx, MAILBOX_REC_EXPUNGE);
	mailbox_wr_32(&w, uid);
	mailbox_wr_64(&w, modseq);
	mailbox_wr_end(&w);
}

void
mailbox_rec_keyword(struct mailbox *mb, unsigned i, const char *name)
{
	struct mailbox_wr w;

	mailbox_wr_begin(&w, mb->tx, MAILBOX_REC_KEYWORD);
	mailbox_wr_8(&w, i);
	(void)vbuf_appends(mb->tx, name);
	mailbox_wr_end(&w);
}

void
mailbox_rec_cache(struct mailbox *mb, uint32_t uid, unsigned field,
    const void *data, size_t len)
{
	struct mailbox_wr w;

	mailbox_wr_begin(&w, mb->tx, MAILBOX_REC_CACHE);
	mailbox_wr_32(&w, uid);
	mailbox_wr_8(&w, field);
	(void)vbuf_append(mb->tx, data, len);
	mailbox_wr_end(&w);
}

static void
mailbox_rec_commit(struct vbuf *b, uint32_t uidnext, uint64_t modseq,
    const struct mailbox_stamp *st)
{
	struct mailbox_wr w;
	int i;

	mailbox_wr_begin(&w, b, MAILBOX_REC_COMMIT);
	mailbox_wr_32(&w, uidnext);
	mailbox_wr_64(&w, modseq);
	for (i = 0; i < 2; i++) {
		mailbox_wr_64(&w, (uint64_t)st[i].mtime.tv_sec);
		mailbox_wr_32(&w, (uint32_t)st[i].mtime.tv_nsec);
		mailbox_wr_8(&w, st[i].dirty ? 1 : 0);
	}
	mailbox_wr_end(&w);
}

static void
mailbox_hdr_make(unsigned char *h, uint32_t uidvalidity, uint64_t base)
{
	memset(h, 0, MAILBOX_HDR_SIZE);
	memcpy(h, MAILBOX_MAGIC, 8);
	mailbox_put32(h + 8, uidvalidity);
	mailbox_put64(h + 16, (uint64_t)time(NULL));
	mailbox_put64(h + 24, base);
	mailbox_put32(h + 60, mailbox_crc32(0, h, 60));
}

/* 0 and the header's fields, or -1 when it is not a valid header. */
static int
mailbox_hdr_parse(const unsigned char *h, uint32_t *uidvalidity_r,
    uint64_t *base_r)
{
	if (memcmp(h, MAILBOX_MAGIC, 8) != 0 ||
	    mailbox_get32(h + 60) != mailbox_crc32(0, h, 60) ||
	    mailbox_get32(h + 8) == 0)
		return -1;
	*uidvalidity_r = mailbox_get32(h + 8);
	*base_r = mailbox_get64(h + 24);
	return 0;
}

/* --- applying records to the view ---------------------------------------- */

/* A name a message file may have: a plain name, no control character. */
static int
mailbox_name_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > 255 || p[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '/')
			return 0;
	return 1;
}

int
mailbox_keyword_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len > MAILBOX_KEYWORD_LEN || p[0] == '\\')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f ||
		    strchr("(){%*\"\\]", p[i]) != NULL)
			return 0;
	return 1;
}

static int
mailbox_apply_msg(struct mailbox *mb, const unsigned char *p, size_t len)
{
	struct mailbox_msg v, *m;
	size_t nlen;

	if (len < 55)
		return -1;
	memset(&v, 0, sizeof(v));
	v.uid = mailbox_get32(p);
	v.flags = mailbox_get32(p + 4);
	v.keywords = mailbox_get64(p + 8);
	v.modseq = mailbox_get64(p + 16);
	v.size = mailbox_get64(p + 24);
	v.vsize = mailbox_get64(p + 32);
	v.idate = (int64_t)mailbox_get64(p + 40);
	v.in_cur = p[48];
	nlen = (size_t)p[49] | (size_t)p[50] << 8;
	if (v.uid == 0 || (v.flags & ~(uint32_t)MAILBOX_F_ALL) != 0 ||
	    v.in_cur > 1 || nlen != len - 51 ||
	    !mailbox_name_ok((const char *)p + 51, nlen))
		return -1;
	if (mb->count == 0 || v.uid > mb->msgs[mb->count - 1].uid)
		m = mailbox_append_msg(mb);
	else if ((m = mailbox_lookup(mb, v.uid)) == NULL ||
	    (m->state & MAILBOX_MSG_EXPUNGED) != 0)
		return 0;	/* a change to a message gone meanwhile */
	else if (m->flags == v.flags && m->keywords == v.keywords &&
	    m->modseq == v.modseq && m->in_cur == v.in_cur &&
	    strlen(m->name) == nlen && memcmp(m->name, p + 51, nlen) == 0) {
		m->vsize = v.vsize;	/* a size learned: not a change */
		return 0;
	}
	free(m->name);
	v.name = xstrndup((const char *)p + 51, nlen);
	v.cache = m->cache;
	*m = v;
	mb->changed = 1;
	return 0;
}

static int
mailbox_apply_expunge(struct mailbox *mb, const unsigned char *p,
    size_t len)
{
	struct mailbox_msg *m;

	if (len != 12)
		return -1;
	if ((m = mailbox_lookup(mb, mailbox_get32(p))) != NULL &&
	    (m->state & MAILBOX_MSG_EXPUNGED) == 0) {
		m->state |= MAILBOX_MSG_EXPUNGED;
		m->modseq = mailbox_get64(p + 4);
		mb->changed = 1;
	}
	return 0;
}

static int
mailbox_apply_keyword(struct mailbox *mb, const unsigned char *p,
    size_t len)
{
	unsigned i;

	if (len < 2 || p[0] >= MAILBOX_KEYWORDS_MAX ||
	    !mailbox_keyword_ok((const char *)p + 1, len - 1))
		return -1;
	i = p[0];
	if (mb->kw[i] != NULL)
		return strlen(mb->kw[i]) == len - 1 &&
		    strncasecmp(mb->kw[i], (const char *)p + 1, len - 1) == 0 ?
		    0 : -1;
	mb->kw[i] = xstrndup((const char *)p + 1, len - 1);
	if (i >= mb->nkw)
		mb->nkw = i + 1;
	return 0;
}

static int
mailbox_apply_cache(struct mailbox *mb, const unsigned char *p, size_t len,
    off_t off)
{
	struct mailbox_msg *m;
	unsigned field;

	if (len < 5 || p[4] >= MAILBOX_CACHE_FIELDS)
		return -1;
	field = p[4];
	if ((m = mailbox_lookup(mb, mailbox_get32(p))) == NULL)
		return 0;
	if (m->cache == NULL)
		m->cache = xcalloc(1, sizeof(*m->cache));
	m->cache->off[field] = off + 5;
	m->cache->len[field] = (uint32_t)(len - 5);
	return 0;
}

static int
mailbox_apply_commit(struct mailbox *mb, const unsigned char *p,
    size_t len)
{
	uint32_t uidnext;
	int i;

	if (len != 38)
		return -1;
	uidnext = mailbox_get32(p);
	if (uidnext == 0 || (mb->count > 0 &&
	    uidnext <= mb->msgs[mb->count - 1].uid) || uidnext < mb->uidnext)
		return -1;
	mb->uidnext = uidnext;
	mb->modseq = mailbox_get64(p + 4);
	for (i = 0; i < 2; i++) {
		mb->stamp[i].mtime.tv_sec =
		    (time_t)mailbox_get64(p + 12 + 13 * i);
		mb->stamp[i].mtime.tv_nsec =
		    (long)mailbox_get32(p + 20 + 13 * i);
		mb->stamp[i].dirty = p[24 + 13 * i] != 0;
	}
	return 0;
}

/* One record (type and payload at p, len bytes; off: its file offset). */
static int
mailbox_apply(struct mailbox *mb, const unsigned char *p, size_t len,
    off_t off)
{
	switch (p[0]) {
	case MAILBOX_REC_MSG:
		return mailbox_apply_msg(mb, p + 1, len - 1);
	case MAILBOX_REC_EXPUNGE:
		return mailbox_apply_expunge(mb, p + 1, len - 1);
	case MAILBOX_REC_KEYWORD:
		return mailbox_apply_keyword(mb, p + 1, len - 1);
	case MAILBOX_REC_CACHE:
		return mailbox_apply_cache(mb, p + 1, len - 1, off + 1);
	case MAILBOX_REC_COMMIT:
		return mailbox_apply_commit(mb, p + 1, len - 1);
	default:
		return -1;	/* a newer writer's record: rebuild */
	}
}

/* --- reading ---------------------------------------------------------- */

/* What mailbox_index_read found after the last commit. */
enum mailbox_tail {
	MAILBOX_TAIL_NONE,	/* nothing */
	MAILBOX_TAIL_PARTIAL,	/* the beginning of a transaction */
	MAILBOX_TAIL_DAMAGED,	/* a bad record with data after it */
};

static ssize_t
mailbox_pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
		    off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* Are the len bytes at p all zero (blocks a crash left unwritten)? */
static int
mailbox_all_zero(const unsigned char *p, size_t len)
{
	while (len-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

/*
 * Read and apply what was appended since mb->ipos. 0 with *tail_r, or
 * -1 with *err_r (I/O error, or a record that contradicts the others:
 * mb->damaged is then set).
 */
static int
mailbox_index_read(struct mailbox *mb, enum mailbox_tail *tail_r,
    char **err_r)
{
	struct stat st;
	unsigned char *buf;
	size_t n, p = 0, last = 0, q, len;
	ssize_t got;

	*tail_r = MAILBOX_TAIL_NONE;
	if (fstat(mb->ifd, &st) < 0) {
		mailbox_err(mb, err_r, "index: fstat: %s", strerror(errno));
		return -1;
	}
	if (st.st_size > MAILBOX_INDEX_MAX || st.st_size < mb->ipos) {
		mb->damaged = 1;
		mailbox_err(mb, err_r, "index: %s", st.st_size < mb->ipos ?
		    "shorter than what was read" : "too large");
		return -1;
	}
	if (st.st_size == mb->ipos)
		return 0;
	n = (size_t)(st.st_size - mb->ipos);
	buf = xmalloc(n);
	if ((got = mailbox_pread_all(mb->ifd, buf, n, mb->ipos)) < 0) {
		mailbox_err(mb, err_r, "index: read: %s", strerror(errno));
		free(buf);
		return -1;
	}
	n = (size_t)got;
	/* framing and CRCs, up to the last commit */
	while (n - p >= 4) {
		len = mailbox_get32(buf + p);
		if (len < 1 || len > MAILBOX_REC_MAX) {
			*tail_r = mailbox_all_zero(buf + p, n - p) ?
			    MAILBOX_TAIL_PARTIAL : MAILBOX_TAIL_DAMAGED;
			break;
		}
		if (n - p < len + MAILBOX_REC_FRAME) {
			*tail_r = MAILBOX_TAIL_PARTIAL;
			break;
		}
		if (mailbox_get32(buf + p + 4 + len) !=
		    mailbox_crc32(0, buf + p, len + 4)) {
			*tail_r = p + len + MAILBOX_REC_FRAME == n ?
			    MAILBOX_TAIL_PARTIAL : MAILBOX_TAIL_DAMAGED;
			break;
		}
		if (buf[p + 4] == MAILBOX_REC_COMMIT)
			last = p + len + MAILBOX_REC_FRAME;
		p += len + MAILBOX_REC_FRAME;
	}
	if (*tail_r == MAILBOX_TAIL_NONE && p < n)
		*tail_r = MAILBOX_TAIL_PARTIAL;
	if (*tail_r == MAILBOX_TAIL_NONE && last < n)
		*tail_r = MAILBOX_TAIL_PARTIAL;
	for (q = 0; q < last; q += len + MAILBOX_REC_FRAME) {
		len = mailbox_get32(buf + q);
		if (mailbox_apply(mb, buf + q + 4, len,
		    mb->ipos + (off_t)q + 4) < 0) {
			mb->damaged = 1;
			mailbox_err(mb, err_r, "index: record '%c' at offset "
			    "%lld does not fit the others", buf[q + 4] >= 0x21 &&
			    buf[q + 4] < 0x7f ? buf[q + 4] : '?',
			    (long long)(mb->ipos + (off_t)q));
			free(buf);
			return -1;
		}
	}
	mb->ipos += (off_t)last;
	free(buf);
	return 0;
}

/* --- opening, creating, rebuilding ---------------------------------------- */

/* Reset what was read from the file (not the view: see reload). */
static void
mailbox_state_reset(struct mailbox *mb)
{
	unsigned i;

	for (i = 0; i < mb->nkw; i++) {
		free(mb->kw[i]);
		mb->kw[i] = NULL;
	}
	mb->nkw = 0;
	mb->uidnext = 1;
	mb->modseq = 0;
	memset(mb->stamp, 0, sizeof(mb->stamp));
	mb->stamp[0].dirty = mb->stamp[1].dirty = 1;
	mb->damaged = 0;
	mb->ipos = MAILBOX_HDR_SIZE;
}

/* A temporary name beside the index for a new one. */
static void
mailbox_tmpname(char *buf, size_t len)
{
	snprintf(buf, len, "%s%ld.%08x", MAILBOX_TMP_PREFIX, (long)getpid(),
	    arc4random());
}

/*
 * Write data (len bytes, the whole file) under a temporary name in the
 * directory dirfd (the folder, or its Maildir++ root), fsync it, and
 * link it into place as name (replace: rename over what is there);
 * then fsync that directory. 0, 1 when !replace and another process
 * made the file first, -1 with *err_r.
 */
static int
mailbox_file_put_at(struct mailbox *mb, int dirfd, const char *name,
    const void *data, size_t len, int replace, char **err_r)
{
	char tmp[64];
	int fd, r = 0;

	mailbox_tmpname(tmp, sizeof(tmp));
	fd = fsutil_open_beneath(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL,
	    0600);
	if (fd < 0) {
		mailbox_err(mb, err_r, "%s: create %s: %s", name, tmp,
		    strerror(errno));
		return -1;
	}
	if (fsutil_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		mailbox_err(mb, err_r, "%s: write %s: %s", name, tmp,
		    strerror(errno));
		close(fd);
		(void)unlinkat(dirfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (replace) {
		if (renameat(dirfd, tmp, dirfd, name) < 0)
			r = -1;
	} else if (linkat(dirfd, tmp, dirfd, name, 0) < 0)
		r = errno == EEXIST ? 1 : -1;
	if (r < 0)
		mailbox_err(mb, err_r, "%s: put %s in place: %s", name, tmp,
		    strerror(errno));
	if (r != 0 || !replace)
		(void)unlinkat(dirfd, tmp, 0);
	if (r == 0 && fsync(dirfd) < 0) {
		mailbox_err(mb, err_r, "%s: fsync the folder: %s",
		    name, strerror(errno));
		return -1;
	}
	return r;
}

static int
mailbox_file_put(struct mailbox *mb, const char *name, const void *data,
    size_t len, int replace, char **err_r)
{
	return mailbox_file_put_at(mb, mb->md->fd, name, data, len, replace,
	    err_r);
}

/* A new, empty index with this UIDVALIDITY (see mailbox_file_put). */
static int
mailbox_index_create(struct mailbox *mb, uint32_t uidvalidity, int replace,
    char **err_r)
{
	struct mailbox_stamp st[2];
	struct vbuf *b = vbuf_new(256, VBUF_NOLIMIT);
	unsigned char h[MAILBOX_HDR_SIZE];
	int r;

	memset(st, 0, sizeof(st));
	st[0].dirty = st[1].dirty = 1;
	(void)vbuf_append(b, h, sizeof(h));
	mailbox_rec_commit(b, 1, 1, st);
	mailbox_hdr_make(h, uidvalidity, vbuf_len(b));
	memcpy(b->data, h, sizeof(h));
	r = mailbox_file_put(mb, MAILBOX_INDEX_FILE, vbuf_str(b), vbuf_len(b),
	    replace, err_r);
	vbuf_free(&b);
	return r;
}

/* The UIDVALIDITY recorded in dirfd's MAILBOX_UIDV_FILE, or 0. */
static unsigned long
mailbox_uidv_read(int dirfd)
{
	char buf[16], *end;
	unsigned long last;
	ssize_t n = -1;
	int fd;

	if ((fd = fsutil_open_beneath(dirfd, MAILBOX_UIDV_FILE, O_RDONLY,
	    0)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	last = strtoul(buf, &end, 10);
	if (errno != 0 || end == buf || *end != '\n' || last > UINT32_MAX)
		return 0;
	return last;
}

/*
 * A UIDVALIDITY for a new index of this folder: the clock's seconds,
 * but above floor and above every one the folder had, which
 * MAILBOX_UIDV_FILE keeps (written before the index that uses it), and
 * above every one a folder of the same Maildir++ root was given, which
 * the root's MAILBOX_UIDV_FILE keeps: a folder deleted and made again
 * under its name (IMAP DELETE, CREATE) loses its own file with it. So
 * an index rebuilt when its header cannot be read, or twice within a
 * second, or after the clock went back, never repeats one (RFC 9051
 * 2.3.1.1). Without those files (unwritable, damaged) the clock and
 * floor are all there is; that is logged.
 */
static uint32_t
mailbox_uidvalidity_new(struct mailbox *mb, uint32_t floor)
{
	char buf[16], *err = NULL;
	uint32_t uv = (uint32_t)time(NULL);
	unsigned long last, root = 0;
	int n, sub = mb->root != NULL && mb->root->fd != mb->md->fd;

	last = mailbox_uidv_read(mb->md->fd);
	if (sub && (root = mailbox_uidv_read(mb->root->fd)) > last)
		last = root;
	if (uv <= floor)
		uv = floor + 1;
	if (uv <= last)
		uv = (uint32_t)last + 1;
	if (uv == 0)
		uv = 1;		/* 0 is not a UIDVALIDITY */
	n = snprintf(buf, sizeof(buf), "%u\n", uv);
	if (sub && mailbox_file_put_at(mb, mb->root->fd, MAILBOX_UIDV_FILE,
	    buf, (size_t)n, 1, &err) < 0) {
		log_warn("%s: %s", mb->md->path, err);
		err_free(&err);
	}
	if (mailbox_file_put(mb, MAILBOX_UIDV_FILE, buf, (size_t)n, 1,
	    &err) < 0) {
		log_warn("%s: %s", mb->md->path, err);
		err_free(&err);
	}
	return uv;
}

/*
 * Open the index file and check its header: 0; 1 when the header is
 * damaged (*old_r: its UIDVALIDITY if it can be read, else 0; the file
 * is open, for the lock); -1 with *err_r. Creates a missing index.
 */
static int
mailbox_index_open_file(struct mailbox *mb, uint32_t *old_r, char **err_r)
{
	unsigned char h[MAILBOX_HDR_SIZE];
	struct stat st;
	uint64_t base;
	uint32_t uv;
	int tries;

	*old_r = 0;
	for (tries = 0; ; tries++) {
		mb->ifd = fsutil_open_beneath(mb->md->fd, MAILBOX_INDEX_FILE,
		    O_RDWR, 0);
		if (mb->ifd >= 0 || errno != ENOENT || tries > 3)
			break;
		uv = mailbox_uidvalidity_new(mb, mb->uidvalidity);
		if (mb->uidvalidity != 0)
			log_warn("%s: the mailbox index was removed: a new one "
			    "has UIDVALIDITY %u; mail clients will download "
			    "the folder again", mb->md->path, uv);
		if (mailbox_index_create(mb, uv, 0, err_r) < 0)
			return -1;
	}
	if (mb->ifd < 0) {
		mailbox_err(mb, err_r, "index: open: %s", strerror(errno));
		return -1;
	}
	if (fstat(mb->ifd, &st) < 0 || !S_ISREG(st.st_mode)) {
		mailbox_err(mb, err_r, "index: not a regular file");
		close(mb->ifd);
		mb->ifd = -1;
		return -1;
	}
	mb->idev = st.st_dev;
	mb->iino = st.st_ino;
	mailbox_state_reset(mb);
	if (mailbox_pread_all(mb->ifd, h, sizeof(h), 0) != sizeof(h) ||
	    mailbox_hdr_parse(h, &mb->uidvalidity, &base) < 0) {
		if (memcmp(h, MAILBOX_MAGIC, 8) == 0)
			*old_r = mailbox_get32(h + 8);
		return 1;
	}
	mb->base_size = (off_t)base;
	return 0;
}

/*
 * Replace a damaged index (whose file we have open, old its
 * UIDVALIDITY or 0) by an empty one with a new UIDVALIDITY, under the
 * damaged one's lock, and open it. The caller lists the Maildir.
 */
static int
mailbox_index_rebuild(struct mailbox *mb, uint32_t old, const char *why,
    char **err_r)
{
	uint32_t uv;
	struct stat st;

	if (flock(mb->ifd, LOCK_EX) < 0) {
		mailbox_err(mb, err_r, "index: lock: %s", strerror(errno));
		return -1;
	}
	/* still the damaged file? another process may have replaced it */
	if (fstatat(mb->md->fd, MAILBOX_INDEX_FILE, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == mb->iino &&
	    st.st_dev == mb->idev) {
		uv = mailbox_uidvalidity_new(mb, old > mb->uidvalidity ? old :
		    mb->uidvalidity);
		log_warn("%s: the mailbox index is rebuilt from the Maildir "
		    "(%s) with UIDVALIDITY %u; mail clients will download the "
		    "folder again", mb->md->path, why, uv);
		if (mailbox_index_create(mb, uv, 1, err_r) < 0)
			return -1;
	}
	close(mb->ifd);
	mb->ifd = -1;
	return 0;
}

void
mailbox_index_close(struct mailbox *mb)
{
	if (mb->ifd >= 0)
		close(mb->ifd);
	mb->ifd = -1;
	mb->locked = 0;
}

/*
 * (Re)open the index and read it whole. The view: when the UIDVALIDITY
 * is the same, messages the new file no longer has are marked expunged
 * and stay; others are updated; new ones appended. When it changed,
 * the old view is dropped.
 */
static int
mailbox_index_load(struct mailbox *mb, char **err_r)
{
	struct mailbox_msg *old = mb->msgs, *o, *n;
	uint32_t oldn = mb->count, olduv = mb->uidvalidity, i, j, uvd;
	enum mailbox_tail tail;
	int r, tries;
	char *why;

	mailbox_index_close(mb);
	mb->msgs = NULL;
	mb->count = mb->cap = 0;
	for (tries = 0; ; tries++) {
		if (tries > 3) {
			mailbox_err(mb, err_r, "index: cannot be rebuilt");
			r = -1;
			break;
		}
		if ((r = mailbox_index_open_file(mb, &uvd, err_r)) < 0)
			break;
		if (r == 1) {
			if (mailbox_index_rebuild(mb, uvd, "bad header",
			    err_r) < 0) {
				r = -1;
				break;
			}
			continue;
		}
		if (mailbox_index_read(mb, &tail, &why) == 0)
			break;
		if (!mb->damaged) {
			*err_r = why;
			r = -1;
			break;
		}
		for (i = 0; i < mb->count; i++)
			mailbox_msg_clear(&mb->msgs[i]);
		mb->count = 0;
		r = mailbox_index_rebuild(mb, mb->uidvalidity, why, err_r);
		free(why);
		if (r < 0)
			break;
	}
	if (r < 0) {
		mb->msgs = old;
		mb->count = oldn;
		return -1;
	}
	/* merge the old view into the new one */
	if (oldn > 0 && olduv == mb->uidvalidity) {
		struct mailbox_msg *fresh = mb->msgs;
		uint32_t fn = mb->count, last = old[oldn - 1].uid;

		mb->msgs = old;
		mb->count = oldn;
		mb->cap = oldn;
		for (i = 0, j = 0; i < oldn; i++) {
			o = &old[i];
			while (j < fn && fresh[j].uid < o->uid)
				j++;
			n = j < fn && fresh[j].uid == o->uid ? &fresh[j] : NULL;
			free(o->cache);
			o->cache = NULL;
			if (n == NULL || (n->state & MAILBOX_MSG_EXPUNGED)) {
				if (!(o->state & MAILBOX_MSG_EXPUNGED))
					mb->changed = 1;
				o->state |= MAILBOX_MSG_EXPUNGED;
				continue;
			}
			if (o->state & MAILBOX_MSG_EXPUNGED)
				continue;
			free(o->name);
			*o = *n;
			n->name = NULL;
			n->cache = NULL;
		}
		for (j = 0; j < fn; j++) {
			if (fresh[j].uid > last &&
			    !(fresh[j].state & MAILBOX_MSG_EXPUNGED)) {
				n = mailbox_append_msg(mb);
				*n = fresh[j];
				fresh[j].name = NULL;
				fresh[j].cache = NULL;
				mb->changed = 1;
			}
			mailbox_msg_clear(&fresh[j]);
		}
		free(fresh);
	} else {
		for (i = 0; i < oldn; i++)
			mailbox_msg_clear(&old[i]);
		free(old);
		mb->changed = 1;
	}
	return 0;
}

int
mailbox_index_renumber(struct mailbox *mb, const char *why, char **err_r)
{
	if (!mb->locked)
		log_panic("mailbox_index_renumber: not locked");
	mb->locked = 0;
	if (mailbox_index_rebuild(mb, mb->uidvalidity, why, err_r) < 0)
		return -1;
	return mailbox_index_load(mb, err_r);
}

int
mailbox_index_open(struct mailbox *mb, char **err_r)
{
	return mailbox_index_load(mb, err_r);
}

/* Has the index been replaced (compaction, rebuild) since we opened it? */
static int
mailbox_index_replaced(struct mailbox *mb)
{
	struct stat st;

	if (fstatat(mb->md->fd, MAILBOX_INDEX_FILE, &st,
	    AT_SYMLINK_NOFOLLOW) < 0)
		return 1;
	return st.st_ino != mb->iino || st.st_dev != mb->idev;
}

int
mailbox_index_refresh(struct mailbox *mb, char **err_r)
{
	enum mailbox_tail tail;
	char *why;

	if (mb->ifd < 0 || mailbox_index_replaced(mb))
		return mailbox_index_load(mb, err_r);
	if (mailbox_index_read(mb, &tail, &why) == 0) {
		if (tail == MAILBOX_TAIL_DAMAGED)
			mb->damaged = 1;	/* for the next writer */
		return 0;
	}
	if (!mb->damaged) {
		*err_r = why;
		return -1;
	}
	free(why);
	return 0;	/* the next writer rebuilds */
}

/* flock with a bound: 0, or -1 with errno (ETIMEDOUT). */
static int
mailbox_flock(int fd)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	time_t end = time(NULL) + MAILBOX_LOCK_TIMEOUT;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (time(NULL) > end) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 50 * 1000 * 1000)
			ts.tv_nsec *= 2;
	}
}

int
mailbox_index_lock(struct mailbox *mb, char **err_r)
{
	enum mailbox_tail tail;
	char *why;
	off_t cut;
	int tries, r;

	for (tries = 0; ; tries++) {
		if (tries > 5) {
			mailbox_err(mb, err_r, "index: keeps being replaced");
			return -1;
		}
		if (mb->ifd < 0 && mailbox_index_load(mb, err_r) < 0)
			return -1;
		if (mailbox_flock(mb->ifd) < 0) {
			mailbox_err(mb, err_r, "index: lock: %s",
			    strerror(errno));
			return -1;
		}
		if (mailbox_index_replaced(mb)) {
			(void)flock(mb->ifd, LOCK_UN);
			if (mailbox_index_load(mb, err_r) < 0)
				return -1;
			continue;
		}
		if (mailbox_index_read(mb, &tail, &why) < 0) {
			if (!mb->damaged) {
				(void)flock(mb->ifd, LOCK_UN);
				*err_r = why;
				return -1;
			}
			/* still holding the lock: replace it, read the new */
			r = mailbox_index_rebuild(mb, mb->uidvalidity, why,
			    err_r);
			free(why);
			if (r < 0 || mailbox_index_load(mb, err_r) < 0)
				return -1;
			continue;
		}
		if (tail == MAILBOX_TAIL_DAMAGED) {
			if (mailbox_index_rebuild(mb, mb->uidvalidity,
			    "a record fails its check sum", err_r) < 0 ||
			    mailbox_index_load(mb, err_r) < 0)
				return -1;
			continue;
		}
		break;
	}
	/* nobody writes now: what follows the last commit is dead */
	if (tail == MAILBOX_TAIL_PARTIAL) {
		struct stat st;

		cut = fstat(mb->ifd, &st) == 0 ? st.st_size - mb->ipos : 0;
		if (ftruncate(mb->ifd, mb->ipos) < 0) {
			mailbox_err(mb, err_r, "index: truncate: %s",
			    strerror(errno));
			(void)flock(mb->ifd, LOCK_UN);
			return -1;
		}
		log_warn("%s: mailbox index: cut off %lld bytes of an "
		    "unfinished change (a process was killed while writing)",
		    mb->md->path, (long long)cut);
	}
	mb->damaged = 0;
	mb->locked = 1;
	if (mb->tx == NULL)
		mb->tx = vbuf_new(4096, VBUF_NOLIMIT);
	vbuf_reset(mb->tx);
	return 0;
}

void
mailbox_index_unlock(struct mailbox *mb)
{
	if (mb->locked && mb->ifd >= 0)
		(void)flock(mb->ifd, LOCK_UN);
	mb->locked = 0;
	if (mb->tx != NULL)
		vbuf_reset(mb->tx);
}

/* --- compaction ---------------------------------------------------------- */

/* Remove what dead writers left: temporary index files over an hour old. */
static void
mailbox_clean_tmp(struct mailbox *mb)
{
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;
	int fd;

	if ((fd = dup(mb->md->fd)) < 0)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, MAILBOX_TMP_PREFIX,
		    sizeof(MAILBOX_TMP_PREFIX) - 1) == 0 &&
		    fstatat(mb->md->fd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime < now - MAILBOX_TMP_MAX_AGE)
			(void)unlinkat(mb->md->fd, de->d_name, 0);
	closedir(d);
}

/* Write the live state whole (see I3 in mailbox.h), under the lock. */
static int
mailbox_index_compact(struct mailbox *mb, char **err_r)
{
	struct vbuf *b = vbuf_new(65536, VBUF_NOLIMIT), *save = mb->tx;
	unsigned char h[MAILBOX_HDR_SIZE];
	struct mailbox_msg *m;
	uint32_t i;
	unsigned f;
	char *data;
	int r;

	mailbox_clean_tmp(mb);
	memset(h, 0, sizeof(h));
	(void)vbuf_append(b, h, sizeof(h));
	mb->tx = b;
	for (f = 0; f < mb->nkw; f++)
		if (mb->kw[f] != NULL)
			mailbox_rec_keyword(mb, f, mb->kw[f]);
	for (i = 0; i < mb->count; i++) {
		m = &mb->msgs[i];
		if (m->state & MAILBOX_MSG_EXPUNGED)
			continue;
		mailbox_rec_msg(mb, m);
		for (f = 0; m->cache != NULL && f < MAILBOX_CACHE_FIELDS;
		    f++) {
			if (m->cache->len[f] == 0)
				continue;
			data = xmalloc(m->cache->len[f]);
			if (mailbox_pread_all(mb->ifd, data, m->cache->len[f],
			    m->cache->off[f]) == (ssize_t)m->cache->len[f])
				mailbox_rec_cache(mb, m->uid, f, data,
				    m->cache->len[f]);
			free(data);
		}
	}
	mb->tx = save;
	mailbox_rec_commit(b, mb->uidnext, mb->modseq, mb->stamp);
	mailbox_hdr_make(h, mb->uidvalidity, vbuf_len(b));
	memcpy(b->data, h, sizeof(h));
	r = mailbox_file_put(mb, MAILBOX_INDEX_FILE, vbuf_str(b), vbuf_len(b), 1,
	    err_r);
	vbuf_free(&b);
	if (r < 0)
		return -1;
	/* the lock on the old file goes with its descriptor */
	mb->locked = 0;
	return mailbox_index_load(mb, err_r);
}

/*
 * Take back a transaction that failed: cut the file at the last commit.
 * If even that fails, the next writer cuts it (an unfinished tail).
 */
static void
mailbox_index_cut(struct mailbox *mb)
{
	if (ftruncate(mb->ifd, mb->ipos) < 0)
		return;
}

int
mailbox_index_commit(struct mailbox *mb, uint32_t uidnext, int sync,
    char **err_r)
{
	enum mailbox_tail tail;
	struct stat st;
	ssize_t n;
	size_t len, done = 0;
	char *why;
	int compact;

	if (!mb->locked)
		log_panic("mailbox_index_commit: not locked");
	mailbox_rec_commit(mb->tx, uidnext, mb->modseq, mb->stamp);
	len = vbuf_len(mb->tx);
	while (done < len) {
		n = pwrite(mb->ifd, mb->tx->data + done, len - done,
		    mb->ipos + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mailbox_err(mb, err_r, "index: write: %s",
			    n < 0 ? strerror(errno) : "no progress");
			mailbox_index_cut(mb);
			vbuf_reset(mb->tx);
			return -1;
		}
		done += (size_t)n;
	}
	vbuf_reset(mb->tx);
	/*
	 * A file grown past the bound is written whole next (I3), and
	 * that copy is fsynced before it replaces this one: no need to
	 * sync the tail first (the first listing of a large Maildir
	 * would write and sync it twice).
	 */
	compact = fstat(mb->ifd, &st) == 0 &&
	    st.st_size > 2 * mb->base_size + MAILBOX_COMPACT_SLACK;
	if (sync && !compact && fdatasync(mb->ifd) < 0) {
		mailbox_err(mb, err_r, "index: fdatasync: %s", strerror(errno));
		mailbox_index_cut(mb);
		return -1;
	}
	if (mailbox_index_read(mb, &tail, &why) < 0) {
		*err_r = why;
		return -1;
	}
	return compact ? mailbox_index_compact(mb, err_r) : 0;
}
