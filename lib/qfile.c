/*
 * qfile - write, read and mark queue files; the format and the state
 * machine are described in qfile.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "qfile.h"
#include "qfile_path.h"
#include "qfile_spare.h"
#include "xmalloc.h"

#define QFILE_WBUF	(64 * 1024)
#define QFILE_DIRECT	(16 * 1024)	/* written as it is from here on */
#define QFILE_ENV_READ	(64 * 1024)	/* first read: header and envelope */
#define QFILE_ENV_MAX	(64 * 1024 * 1024)	/* any envelope */

struct qfile_writer {
	int		 fd;
	char		*queue_dir;
	char		*tmp_path;
	struct timeval	 arrival;
	struct vbuf	*wbuf;
	uint64_t	 offset;	/* file offset of wbuf's first byte */
	uint64_t	 content_offset;
	uint64_t	 content_size;
	int		 in_content;
	ino_t		 ino;		/* of the file, fixed at create */
	off_t		 old_size;	/* of a reused file (qfile_spare) */
	int		 spare;		/* tmp_path is that file in spare/ */
};

static void
qfile_put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
qfile_get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
qfile_hdr_arrival(const unsigned char *hdr, struct timeval *tv)
{
	tv->tv_sec = (time_t)qfile_get64(hdr + 24);
	tv->tv_usec = (suseconds_t)(((uint32_t)hdr[32] << 24) |
	    ((uint32_t)hdr[33] << 16) | ((uint32_t)hdr[34] << 8) | hdr[35]);
}

static int
qfile_flush(struct qfile_writer *w)
{
	if (fsutil_write_all(w->fd, vbuf_str(w->wbuf), vbuf_len(w->wbuf)) < 0)
		return -1;
	w->offset += vbuf_len(w->wbuf);
	vbuf_reset(w->wbuf);
	return 0;
}

static int
qfile_put(struct qfile_writer *w, const void *p, size_t len)
{
	/*
	 * A file that fits in the buffer is one write (header included, at
	 * the commit). Past that, a large piece (content comes in up to a
	 * read's 64 KB) is written from where it is, not copied first.
	 */
	if (vbuf_len(w->wbuf) + len > QFILE_WBUF) {
		if (qfile_flush(w) < 0)
			return -1;
		if (len >= QFILE_DIRECT) {
			if (fsutil_write_all(w->fd, p, len) < 0)
				return -1;
			w->offset += len;
			return 0;
		}
	}
	/* cannot fail: the buffer has no limit beyond QFILE_WBUF use */
	vbuf_append(w->wbuf, p, len);
	return 0;
}

static int
qfile_record(struct qfile_writer *w, int type, const char *data, size_t len)
{
	unsigned char hdr[5];

	if (w->in_content || len > QFILE_REC_MAX) {
		errno = EINVAL;
		return -1;
	}
	hdr[0] = (unsigned char)type;
	hdr[1] = (unsigned char)(len >> 24);
	hdr[2] = (unsigned char)(len >> 16);
	hdr[3] = (unsigned char)(len >> 8);
	hdr[4] = (unsigned char)len;
	if (qfile_put(w, hdr, sizeof(hdr)) < 0 || qfile_put(w, data, len) < 0)
		return -1;
	return 0;
}

/* Text records hold no NUL, CR or LF: they end up in headers and logs. */
static int
qfile_text_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

struct qfile_writer *
qfile_create(const char *queue_dir)
{
	static unsigned int seq;
	struct qfile_writer *w = xcalloc(1, sizeof(*w));
	unsigned char hdr[QFILE_HDR_SIZE];
	struct stat st;

	w->queue_dir = xstrdup(queue_dir);
	w->tmp_path = xmalloc(QFILE_SPARE_PATH);
	if ((w->fd = qfile_spare_take(queue_dir, w->tmp_path,
	    QFILE_SPARE_PATH, &st)) >= 0)
		w->spare = 1;
	else {
		free(w->tmp_path);
		w->tmp_path = xasprintf("%s/%s/tmp.%ld.%u", queue_dir,
		    QDIR_INCOMING, (long)getpid(), seq++);
		if ((w->fd = open(w->tmp_path, O_RDWR | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0600)) >= 0 && fstat(w->fd, &st) < 0) {
			int saved = errno;

			(void)unlink(w->tmp_path);
			close(w->fd);
			w->fd = -1;
			errno = saved;
		}
	}
	if (w->fd < 0) {
		int saved = errno;

		free(w->tmp_path);
		free(w->queue_dir);
		free(w);
		errno = saved;
		return NULL;
	}
	w->ino = st.st_ino;
	w->old_size = st.st_size;
	gettimeofday(&w->arrival, NULL);
	w->wbuf = vbuf_new(QFILE_WBUF, VBUF_NOLIMIT);
	/* placeholder header; the real one is written at commit */
	memset(hdr, 0, sizeof(hdr));
	vbuf_append(w->wbuf, hdr, sizeof(hdr));
	return w;
}

int
qfile_add_sender(struct qfile_writer *w, const char *sender)
{
	if (!qfile_text_ok(sender)) {
		errno = EINVAL;
		return -1;
	}
	return qfile_record(w, QREC_SENDER, sender, strlen(sender));
}

int
qfile_add_attr(struct qfile_writer *w, const char *name, const char *value)
{
	char *rec;
	int r;

	if (!qfile_text_ok(name) || !qfile_text_ok(value) ||
	    strchr(name, '=') != NULL) {
		errno = EINVAL;
		return -1;
	}
	rec = xasprintf("%s=%s", name, value);
	r = qfile_record(w, QREC_ATTR, rec, strlen(rec));
	free(rec);
	return r;
}

int
qfile_add_rcpt(struct qfile_writer *w, const char *addr, const char *orcpt,
    const char *notify)
{
	if (!qfile_text_ok(addr) || (orcpt && !qfile_text_ok(orcpt)) ||
	    (notify && !qfile_text_ok(notify))) {
		errno = EINVAL;
		return -1;
	}
	if (orcpt != NULL && qfile_record(w, QREC_ORCPT, orcpt,
	    strlen(orcpt)) < 0)
		return -1;
	if (notify != NULL && qfile_record(w, QREC_NOTIFY, notify,
	    strlen(notify)) < 0)
		return -1;
	return qfile_record(w, QREC_RCPT, addr, strlen(addr));
}

int
qfile_begin_content(struct qfile_writer *w)
{
	if (qfile_record(w, QREC_CONTENT, "", 0) < 0)
		return -1;
	w->in_content = 1;
	w->content_offset = w->offset + vbuf_len(w->wbuf);
	return 0;
}

int
qfile_write_content(struct qfile_writer *w, const void *p, size_t len)
{
	if (!w->in_content) {
		errno = EINVAL;
		return -1;
	}
	if (qfile_put(w, p, len) < 0)
		return -1;
	w->content_size += len;
	return 0;
}

uint64_t
qfile_content_size(const struct qfile_writer *w)
{
	return w->content_size;
}

const struct timeval *
qfile_arrival(const struct qfile_writer *w)
{
	return &w->arrival;
}

void
qfile_id(const struct qfile_writer *w, char qid_r[QID_SIZE])
{
	qid_make(qid_r, &w->arrival, w->ino);
}

int
qfile_commit(struct qfile_writer *w, int dir_sync, char qid_r[QID_SIZE])
{
	unsigned char hdr[QFILE_HDR_SIZE];
	unsigned char end[5] = { QREC_END, 0, 0, 0, 0 };
	char *dir;
	int r;

	if (!w->in_content) {
		errno = EINVAL;
		return -1;
	}
	w->in_content = 0;
	if (qfile_put(w, end, sizeof(end)) < 0)
		return -1;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, QFILE_MAGIC, 8);
	qfile_put64(hdr + 8, w->content_offset);
	qfile_put64(hdr + 16, w->content_size);
	qfile_put64(hdr + 24, (uint64_t)w->arrival.tv_sec);
	hdr[32] = (unsigned char)(w->arrival.tv_usec >> 24);
	hdr[33] = (unsigned char)(w->arrival.tv_usec >> 16);
	hdr[34] = (unsigned char)(w->arrival.tv_usec >> 8);
	hdr[35] = (unsigned char)w->arrival.tv_usec;
	if (w->offset == 0 && vbuf_len(w->wbuf) >= sizeof(hdr)) {
		/* all of it is still buffered: one write, header included */
		memcpy(w->wbuf->data, hdr, sizeof(hdr));
		if (qfile_flush(w) < 0)
			return -1;
	} else if (qfile_flush(w) < 0 ||
	    pwrite(w->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return -1;
	/* a reused file: the rest of its old content goes */
	if (w->old_size > (off_t)w->offset &&
	    ftruncate(w->fd, (off_t)w->offset) < 0)
		return -1;
	/*
	 * Data and size only: the time stamps (changed by the rename of a
	 * reused file) are read by nobody, and writing the inode for them
	 * would add a disk write to every 250.
	 */
	if (fdatasync(w->fd) < 0)
		return -1;
	qid_make(qid_r, &w->arrival, w->ino);
	dir = xasprintf("%s/%s", w->queue_dir, QDIR_INCOMING);
	r = qfile_move_path(w->tmp_path, dir, qid_r, QFILE_MOVE_NOREPLACE |
	    (dir_sync ? QFILE_MOVE_SYNC : 0));
	free(dir);
	if (r == 0) {
		/* the file is safe under its final name: nothing to remove */
		free(w->tmp_path);
		w->tmp_path = NULL;
	}
	return r;
}

int
qfile_share_syncs(const char *queue_dir, char **err_r)
{
	char *dir = xasprintf("%s/%s", queue_dir, QDIR_INCOMING);
	int r;

	r = qfile_state_share_syncs(dir, err_r);
	free(dir);
	return r;
}

void
qfile_abort(struct qfile_writer *w)
{
	if (w == NULL)
		return;
	if (w->tmp_path != NULL) {
		/* a taken spare file stays one (its lock goes with the fd) */
		if (!w->spare)
			(void)unlink(w->tmp_path);
		free(w->tmp_path);
	}
	if (w->fd >= 0)
		close(w->fd);
	vbuf_free(&w->wbuf);
	free(w->queue_dir);
	free(w);
}

/* --- reading ----------------------------------------------------------- */

static int
qfile_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EINVAL;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

#define CORRUPT(why) do { *err_r = (why); errno = EINVAL; goto fail; } while (0)

int
qfile_read_env(int fd, struct qfile_env *env, const char **err_r)
{
	unsigned char *buf = NULL, *hdr, *rh, end[5];
	char *orcpt = NULL, *notify = NULL, *data = NULL;
	struct stat st;
	uint64_t off, size;
	size_t want;
	uint32_t len;
	int have_sender = 0;

	memset(env, 0, sizeof(*env));
	*err_r = "I/O error";
	if (fstat(fd, &st) < 0)
		goto fail;
	size = (uint64_t)st.st_size;
	if (size < QFILE_HDR_SIZE + 10)
		CORRUPT("file too short");
	/* header and envelope in one read when the envelope is small */
	want = size < QFILE_ENV_READ ? (size_t)size : QFILE_ENV_READ;
	buf = xmalloc(want);
	if (qfile_pread_all(fd, buf, want, 0) < 0)
		goto fail;
	hdr = buf;
	if (memcmp(hdr, QFILE_MAGIC, 8) != 0)
		CORRUPT("bad magic");
	env->content_offset = qfile_get64(hdr + 8);
	env->content_size = qfile_get64(hdr + 16);
	qfile_hdr_arrival(hdr, &env->arrival);
	if (env->arrival.tv_usec >= 1000000)
		CORRUPT("bad arrival time");
	if (env->content_offset < QFILE_HDR_SIZE + 5 ||
	    env->content_offset > size ||
	    env->content_size > size - env->content_offset ||
	    size - env->content_offset - env->content_size != 5)
		CORRUPT("bad content offset or size");
	if (env->content_offset > QFILE_ENV_MAX)
		CORRUPT("envelope too large");
	if (env->content_offset > want) {
		/* a large envelope (many recipients): read the rest */
		buf = xreallocarray(buf, (size_t)env->content_offset, 1);
		if (qfile_pread_all(fd, buf + want,
		    (size_t)env->content_offset - want, want) < 0)
			goto fail;
	}
	if (qfile_pread_all(fd, end, sizeof(end), size - 5) < 0)
		goto fail;
	if (end[0] != QREC_END || end[1] || end[2] || end[3] || end[4])
		CORRUPT("missing end record");

	for (off = QFILE_HDR_SIZE;;) {
		if (off + 5 > env->content_offset)
			CORRUPT("envelope overruns content");
		rh = buf + off;
		len = ((uint32_t)rh[1] << 24) | ((uint32_t)rh[2] << 16) |
		    ((uint32_t)rh[3] << 8) | rh[4];
		if (len > QFILE_REC_MAX || off + 5 + len > env->content_offset)
			CORRUPT("bad record length");
		if (rh[0] == QREC_CONTENT) {
			if (len != 0 || off + 5 != env->content_offset)
				CORRUPT("misplaced content record");
			break;
		}
		data = xmalloc(len + 1);
		memcpy(data, rh + 5, len);
		data[len] = '\0';
		if (memchr(data, '\0', len) != NULL || !qfile_text_ok(data))
			CORRUPT("control character in record");
		switch (rh[0]) {
		case QREC_SENDER:
			if (have_sender++)
				CORRUPT("duplicate sender");
			env->sender = data;
			data = NULL;
			break;
		case QREC_ATTR:
			if (strchr(data, '=') == NULL)
				CORRUPT("bad attribute");
			env->attrs = xreallocarray(env->attrs, env->nattrs + 2,
			    sizeof(char *));
			env->attrs[env->nattrs++] = data;
			env->attrs[env->nattrs] = NULL;
			data = NULL;
			break;
		case QREC_ORCPT:
			free(orcpt);
			orcpt = data;
			data = NULL;
			break;
		case QREC_NOTIFY:
			free(notify);
			notify = data;
			data = NULL;
			break;
		case QREC_RCPT:
		case QREC_DONE:
			env->rcpts = xreallocarray(env->rcpts, env->nrcpts + 1,
			    sizeof(*env->rcpts));
			env->rcpts[env->nrcpts].addr = data;
			env->rcpts[env->nrcpts].orcpt = orcpt;
			env->rcpts[env->nrcpts].notify = notify;
			env->rcpts[env->nrcpts].offset = (int64_t)off;
			env->rcpts[env->nrcpts].done = rh[0] == QREC_DONE;
			env->nrcpts++;
			data = orcpt = notify = NULL;
			break;
		default:
			CORRUPT("unknown record type");
		}
		off += 5 + len;
	}
	if (!have_sender)
		CORRUPT("no sender");
	if (env->nrcpts == 0)
		CORRUPT("no recipients");
	if (orcpt != NULL || notify != NULL)
		CORRUPT("DSN record without recipient");
	if (env->attrs == NULL)
		env->attrs = xcalloc(1, sizeof(char *));
	free(buf);
	return 0;
fail:
	free(buf);
	free(data);
	free(orcpt);
	free(notify);
	qfile_env_free(env);
	return -1;
}

void
qfile_env_free(struct qfile_env *env)
{
	size_t i;

	for (i = 0; i < env->nattrs; i++)
		free(env->attrs[i]);
	free(env->attrs);
	for (i = 0; i < env->nrcpts; i++) {
		free(env->rcpts[i].addr);
		free(env->rcpts[i].orcpt);
		free(env->rcpts[i].notify);
	}
	free(env->rcpts);
	free(env->sender);
	memset(env, 0, sizeof(*env));
}

const char *
qfile_env_attr(const struct qfile_env *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->nattrs; i++)
		if (strncmp(env->attrs[i], name, n) == 0 &&
		    env->attrs[i][n] == '=')
			return env->attrs[i] + n + 1;
	return NULL;
}

int
qfile_mark_done(int fd, int64_t offset)
{
	unsigned char t;

	if (pread(fd, &t, 1, offset) != 1)
		return -1;
	if (t == QREC_DONE)
		return 0;
	if (t != QREC_RCPT) {
		errno = EINVAL;
		return -1;
	}
	t = QREC_DONE;
	return pwrite(fd, &t, 1, offset) == 1 ? 0 : -1;
}

int
qfile_holds(int fd, const char *qid)
{
	unsigned char hdr[QFILE_HDR_SIZE];
	char id[QID_SIZE];
	struct timeval tv;
	struct stat st;

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, QFILE_MAGIC, 8) != 0 || fstat(fd, &st) < 0)
		return 0;
	qfile_hdr_arrival(hdr, &tv);
	qid_make(id, &tv, st.st_ino);
	return strcmp(id, qid) == 0;
}

size_t
qfile_fd_room(unsigned long long nofile)
{
	if (nofile > 10000000)
		nofile = 10000000;
	return nofile > 2 * QFILE_FD_RESERVE ? (size_t)(nofile -
	    QFILE_FD_RESERVE) : (size_t)nofile / 2;
}
