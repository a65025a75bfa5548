/*
 * NAME
 *	mailbox - a folder's view: opening, the messages, their files,
 *	keywords, cached data, watches; see mailbox.h.
 *
 * SECURITY
 *	Message files are opened with fsutil_open_beneath from the
 *	folder's new/ or cur/ descriptor: a name can neither climb out
 *	nor follow a symbolic link. Keyword names from clients are checked
 *	to be IMAP atoms before they reach the index.
 */
#include "config.h"

#include <sys/inotify.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "mailbox_int.h"
#include "maildir.h"
#include "xmalloc.h"

void
mailbox_err(const struct mailbox *mb, char **err_r, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int saved = errno;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	errno = saved;
	(void)err_set(err_r, "%s: %s", mb->md->path, text != NULL ? text :
	    "out of memory");
	free(text);
}

void
mailbox_msg_clear(struct mailbox_msg *m)
{
	free(m->name);
	free(m->cache);
	m->name = NULL;
	m->cache = NULL;
}

int
mailbox_dirfd(const struct mailbox *mb, int in_cur)
{
	return in_cur ? mb->md->curfd : mb->md->newfd;
}

struct mailbox_msg *
mailbox_lookup(struct mailbox *mb, uint32_t uid)
{
	uint32_t lo = 0, hi = mb->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mb->msgs[mid].uid == uid)
			return &mb->msgs[mid];
		if (mb->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct mailbox_msg *
mailbox_append_msg(struct mailbox *mb)
{
	struct mailbox_msg *m;

	if (mb->count == mb->cap) {
		mb->cap = mb->cap < 64 ? 64 : mb->cap * 2;
		mb->msgs = xreallocarray(mb->msgs, mb->cap, sizeof(*mb->msgs));
	}
	m = &mb->msgs[mb->count++];
	memset(m, 0, sizeof(*m));
	return m;
}

int
mailbox_open(struct maildir *md, struct maildir *root, int flags,
    struct mailbox **mb_r, char **err_r)
{
	struct mailbox *mb;

	(void)flags;
	*mb_r = NULL;
	mb = xcalloc(1, sizeof(*mb));
	mb->md = md;
	mb->root = root;
	mb->ifd = -1;
	if (mailbox_index_open(mb, err_r) < 0 ||
	    mailbox_sync(mb, 0, err_r) < 0) {
		mailbox_close(&mb);
		return -1;
	}
	*mb_r = mb;
	return 0;
}

void
mailbox_close(struct mailbox **mbp)
{
	struct mailbox *mb = *mbp;
	uint32_t i;
	unsigned k;

	if (mb == NULL)
		return;
	mailbox_index_unlock(mb);
	mailbox_index_close(mb);
	for (i = 0; i < mb->count; i++)
		mailbox_msg_clear(&mb->msgs[i]);
	free(mb->msgs);
	for (k = 0; k < mb->nkw; k++)
		free(mb->kw[k]);
	vbuf_free(&mb->tx);
	free(mb);
	*mbp = NULL;
}

void
mailbox_purge(struct mailbox *mb)
{
	uint32_t i, j;

	for (i = 0, j = 0; i < mb->count; i++) {
		if (mb->msgs[i].state & MAILBOX_MSG_EXPUNGED) {
			mailbox_msg_clear(&mb->msgs[i]);
			continue;
		}
		if (i != j)
			mb->msgs[j] = mb->msgs[i];
		j++;
	}
	mb->count = j;
}

uint32_t
mailbox_count(const struct mailbox *mb)
{
	return mb->count;
}

const struct mailbox_msg *
mailbox_msg(const struct mailbox *mb, uint32_t i)
{
	return i < mb->count ? &mb->msgs[i] : NULL;
}

const struct mailbox_msg *
mailbox_find_uid(const struct mailbox *mb, uint32_t uid, uint32_t *i_r)
{
	struct mailbox_msg *m;

	/* UNSAFE: the lookup does not change the view */
	m = mailbox_lookup((struct mailbox *)(uintptr_t)mb, uid);
	if (m != NULL && i_r != NULL)
		*i_r = (uint32_t)(m - mb->msgs);
	return m;
}

uint32_t
mailbox_uidvalidity(const struct mailbox *mb)
{
	return mb->uidvalidity;
}

uint32_t
mailbox_uidnext(const struct mailbox *mb)
{
	return mb->uidnext;
}

uint64_t
mailbox_highestmodseq(const struct mailbox *mb)
{
	return mb->modseq;
}

const char *
mailbox_path(const struct mailbox *mb)
{
	return mb->md->path;
}

/* Open m's file where the view says it is: fd, or -1 with errno. */
static int
mailbox_msg_try(struct mailbox *mb, uint32_t uid)
{
	struct mailbox_msg *m = mailbox_lookup(mb, uid);

	if (m == NULL || (m->state & MAILBOX_MSG_EXPUNGED)) {
		errno = ENOENT;
		return -1;
	}
	return fsutil_open_beneath(mailbox_dirfd(mb, m->in_cur), m->name,
	    O_RDONLY, 0);
}

int
mailbox_msg_open(struct mailbox *mb, uint32_t uid, int *fd_r, char **err_r)
{
	int step, fd;

	/* where the view says; where the index says; where the listing says */
	for (step = 0; step < 3; step++) {
		if (step == 1 && mailbox_index_refresh(mb, err_r) < 0)
			return -1;
		if (step == 2 && mailbox_sync(mb, MAILBOX_SYNC_FORCE,
		    err_r) < 0)
			return -1;
		if ((fd = mailbox_msg_try(mb, uid)) >= 0) {
			*fd_r = fd;
			return 1;
		}
		if (errno != ENOENT)
			break;
	}
	if (errno == ENOENT)
		return 0;
	mailbox_err(mb, err_r, "open message %u: %s", uid,
	    errno == ELOOP ? "a symbolic link (refused)" : strerror(errno));
	return -1;
}

static int
mailbox_kw_find(const struct mailbox *mb, const char *name)
{
	unsigned i;

	for (i = 0; i < mb->nkw; i++)
		if (mb->kw[i] != NULL && strcasecmp(mb->kw[i], name) == 0)
			return (int)i;
	return -1;
}

int
mailbox_keyword(struct mailbox *mb, const char *name, int create,
    char **err_r)
{
	int i;

	if (!mailbox_keyword_ok(name, strlen(name))) {
		mailbox_err(mb, err_r, "\"%.*s\" is not a keyword", 100, name);
		return -1;
	}
	if ((i = mailbox_kw_find(mb, name)) >= 0)
		return i;
	if (!create) {
		mailbox_err(mb, err_r, "no keyword \"%s\"", name);
		return -1;
	}
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	if ((i = mailbox_kw_find(mb, name)) < 0) {
		if (mb->nkw >= MAILBOX_KEYWORDS_MAX) {
			mailbox_index_unlock(mb);
			mailbox_err(mb, err_r, "no room for another keyword "
			    "(%d at most)", MAILBOX_KEYWORDS_MAX);
			return -1;
		}
		i = (int)mb->nkw;
		mailbox_rec_keyword(mb, (unsigned)i, name);
		if (mailbox_index_commit(mb, mb->uidnext, 0, err_r) < 0) {
			mailbox_index_unlock(mb);
			return -1;
		}
	}
	mailbox_index_unlock(mb);
	return i;
}

unsigned
mailbox_keyword_count(const struct mailbox *mb)
{
	return mb->nkw;
}

const char *
mailbox_keyword_name(const struct mailbox *mb, unsigned i)
{
	return i < mb->nkw ? mb->kw[i] : NULL;
}

int
mailbox_cache_get(struct mailbox *mb, uint32_t uid, unsigned field,
    struct vbuf *out, char **err_r)
{
	struct mailbox_msg *m = mailbox_lookup(mb, uid);
	size_t len, done = 0;
	ssize_t n;
	off_t off;

	if (m == NULL || m->cache == NULL || field >= MAILBOX_CACHE_FIELDS ||
	    m->cache->len[field] == 0)
		return 0;
	len = m->cache->len[field];
	off = m->cache->off[field];
	if (vbuf_reserve(out, len) < 0) {
		mailbox_err(mb, err_r, "cached data of %u: too large", uid);
		return -1;
	}
	/* the file we have open, even if it was replaced meanwhile */
	while (done < len) {
		n = pread(mb->ifd, out->data + out->len + done, len - done,
		    off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			mailbox_err(mb, err_r, "index: read cached data: %s",
			    n < 0 ? strerror(errno) : "short file");
			return -1;
		}
		done += (size_t)n;
	}
	out->len += len;
	out->data[out->len] = '\0';
	return 1;
}

int
mailbox_cache_put(struct mailbox *mb, uint32_t uid, unsigned field,
    const void *data, size_t len, char **err_r)
{
	struct mailbox_msg *m;

	if (field >= MAILBOX_CACHE_FIELDS || len == 0 ||
	    len > MAILBOX_REC_MAX - 16) {
		mailbox_err(mb, err_r, "cached data of %u: bad field or size",
		    uid);
		return -1;
	}
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	if ((m = mailbox_lookup(mb, uid)) != NULL &&
	    !(m->state & MAILBOX_MSG_EXPUNGED)) {
		mailbox_rec_cache(mb, uid, field, data, len);
		if (mailbox_index_commit(mb, mb->uidnext, 0, err_r) < 0) {
			mailbox_index_unlock(mb);
			return -1;
		}
	}
	mailbox_index_unlock(mb);
	return 0;
}

int
mailbox_watch(struct mailbox *mb, int ifd, char **err_r)
{
	static const char *const dirs[] = { ".", "new", "cur" };
	static const uint32_t masks[] = {
		IN_MODIFY | IN_MOVED_TO | IN_CREATE,
		IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE,
		IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE,
	};
	int cwd, i, r = 0;

	/* inotify takes paths: name them from the folder, then go back */
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		mailbox_err(mb, err_r, "watch: open \".\": %s", strerror(errno));
		return -1;
	}
	if (fchdir(mb->md->fd) < 0) {
		mailbox_err(mb, err_r, "watch: chdir: %s", strerror(errno));
		close(cwd);
		return -1;
	}
	for (i = 0; i < 3 && r == 0; i++)
		if (inotify_add_watch(ifd, dirs[i], masks[i] | IN_DONT_FOLLOW |
		    IN_ONLYDIR) < 0) {
			mailbox_err(mb, err_r, "watch %s: %s", dirs[i],
			    strerror(errno));
			r = -1;
		}
	if (fchdir(cwd) < 0 && r == 0) {
		mailbox_err(mb, err_r, "watch: chdir back: %s",
		    strerror(errno));
		r = -1;
	}
	close(cwd);
	return r;
}
