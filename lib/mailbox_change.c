/*
 * NAME
 *	mailbox_change - what sessions change: flags and keywords,
 *	expunges, messages added, sizes learned; see mailbox.h.
 *
 * DESCRIPTION
 *	Each change is one transaction under the index lock. The Maildir
 *	is changed first (a rename for flags, an unlink for an expunge),
 *	then the index records it: a crash in between leaves a Maildir
 *	that the next listing reads correctly (mailbox.h, STATES).
 *	Directories changed by ourselves are stamped again afterwards
 *	(mailbox_stamp_after), so that our own renames and unlinks do not
 *	cost the next sync a listing.
 *
 * SECURITY
 *	Renames and unlinks go through the folder's directory descriptors
 *	with names from the view (checked when read); new names are made
 *	by mailbox_name_make, which never produces a '/'.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mailbox_int.h"
#include "maildir.h"
#include "maildir_quota.h"
#include "xmalloc.h"

/* The stamps of new/ and cur/ before we change them. */
static void
mailbox_stamps_before(struct mailbox *mb, struct mailbox_stamp *st)
{
	int d;

	for (d = 0; d < 2; d++)
		if (mailbox_stamp_get(mailbox_dirfd(mb, d), &st[d]) < 0)
			st[d].dirty = 1;
}

static void
mailbox_stamps_after(struct mailbox *mb, const struct mailbox_stamp *st,
    const int touched[2])
{
	int d;

	for (d = 0; d < 2; d++)
		if (touched[d])
			mailbox_stamp_after(mb, d, &st[d]);
}

/*
 * Commit the records of a change made at modseq (the directories in
 * touched were changed by us since st). When failed (an error is in
 * *err_r already) a commit error is dropped. 0, or -1.
 */
static int
mailbox_change_commit(struct mailbox *mb, uint64_t modseq,
    const struct mailbox_stamp *st, const int touched[2], int failed,
    char **err_r)
{
	char *bad = NULL;

	mb->modseq = modseq;
	mailbox_stamps_after(mb, st, touched);
	if (mailbox_index_commit(mb, mb->uidnext, 0, &bad) == 0)
		return 0;
	if (!failed)
		*err_r = bad;
	else
		free(bad);
	return -1;
}

/*
 * Give *v (a copy of a message) the system flags nf: rename its file
 * into cur/ with the new info. 0; 1 when the file is not where the
 * view says (the caller lists again); -1 with errno.
 */
static int
mailbox_rename(struct mailbox *mb, struct mailbox_msg *v, uint32_t nf,
    char *buf, size_t len, int touched[2])
{
	if (mailbox_name_make(v->name, nf, buf, len) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (renameat(mailbox_dirfd(mb, v->in_cur), v->name,
	    mailbox_dirfd(mb, 1), buf) < 0)
		return errno == ENOENT ? 1 : -1;
	touched[v->in_cur] = touched[1] = 1;
	v->name = buf;
	v->in_cur = 1;
	return 0;
}

int
mailbox_store(struct mailbox *mb, const uint32_t *uids, size_t n,
    enum mailbox_store_op op, uint32_t flags, uint64_t keywords,
    uint64_t unchangedsince, uint32_t *modified_r, size_t *nmodified_r,
    char **err_r)
{
	struct mailbox_stamp st[2];
	struct mailbox_msg *m, v;
	char name[MAILDIR_NAME_MAX + 1];
	uint64_t modseq, nk;
	uint32_t nf;
	size_t i, nmod = 0;
	int changed = 0, relist = 0, touched[2] = { 0, 0 }, r, failed = 0;

	if (nmodified_r != NULL)
		*nmodified_r = 0;
	flags &= MAILBOX_F_ALL;
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	modseq = mb->modseq + 1;
	mailbox_stamps_before(mb, st);
	for (i = 0; i < n; i++) {
		m = mailbox_lookup(mb, uids[i]);
		if (m == NULL || (m->state & MAILBOX_MSG_EXPUNGED))
			continue;
		if (unchangedsince != 0 && m->modseq > unchangedsince) {
			if (modified_r != NULL)
				modified_r[nmod] = m->uid;
			nmod++;
			continue;
		}
		switch (op) {
		case MAILBOX_STORE_SET:
			nf = flags;
			nk = keywords;
			break;
		case MAILBOX_STORE_ADD:
			nf = m->flags | flags;
			nk = m->keywords | keywords;
			break;
		default:
			nf = m->flags & ~flags;
			nk = m->keywords & ~keywords;
			break;
		}
		if (nf == m->flags && nk == m->keywords)
			continue;
		v = *m;
		if (nf != m->flags && (r = mailbox_rename(mb, &v, nf, name,
		    sizeof(name), touched)) != 0) {
			if (r > 0) {
				relist = 1;
				continue;
			}
			mailbox_err(mb, err_r, "rename %s: %s", m->name,
			    strerror(errno));
			failed = 1;
			break;
		}
		v.flags = nf;
		v.keywords = nk;
		v.modseq = modseq;
		mailbox_rec_msg(mb, &v);
		changed++;
	}
	if (changed > 0 && mailbox_change_commit(mb, modseq, st, touched,
	    failed, err_r) < 0)
		failed = 1;
	mailbox_index_unlock(mb);
	if (nmodified_r != NULL)
		*nmodified_r = nmod;
	if (failed)
		return -1;
	if (relist && mailbox_sync(mb, MAILBOX_SYNC_FORCE, err_r) < 0)
		return -1;
	return changed;
}

int
mailbox_expunge(struct mailbox *mb, const uint32_t *uids, size_t n,
    uint64_t *bytes_r, char **err_r)
{
	struct mailbox_stamp st[2];
	struct mailbox_msg *m;
	uint64_t modseq, bytes = 0;
	size_t i;
	int removed = 0, recorded = 0, failed = 0, touched[2] = { 0, 0 };

	if (bytes_r != NULL)
		*bytes_r = 0;
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	modseq = mb->modseq + 1;
	mailbox_stamps_before(mb, st);
	for (i = 0; i < n; i++) {
		m = mailbox_lookup(mb, uids[i]);
		if (m == NULL || (m->state & MAILBOX_MSG_EXPUNGED))
			continue;
		if (unlinkat(mailbox_dirfd(mb, m->in_cur), m->name, 0) == 0) {
			touched[m->in_cur] = 1;
			bytes += m->size;
			removed++;
		} else if (errno != ENOENT) {
			mailbox_err(mb, err_r, "remove %s: %s", m->name,
			    strerror(errno));
			failed = 1;
			break;
		}
		mailbox_rec_expunge(mb, m->uid, modseq);
		recorded++;
	}
	if (recorded > 0 && mailbox_change_commit(mb, modseq, st, touched,
	    failed, err_r) < 0)
		failed = 1;
	mailbox_index_unlock(mb);
	/* the files are gone: the usage goes down whatever happened above */
	if (removed > 0 && mb->root != NULL &&
	    maildir_quota_add(mb->root, -(long long)bytes, -removed) < 0)
		log_warn("%s: update %s: %m", mb->root->path,
		    MAILDIR_QUOTA_FILE);
	if (bytes_r != NULL)
		*bytes_r = bytes;
	return failed ? -1 : removed;
}

/* A message of the view with the unique part of name, among uid >= from. */
static struct mailbox_msg *
mailbox_find_base(struct mailbox *mb, const char *name, uint32_t from)
{
	size_t blen = mailbox_name_baselen(name);
	uint32_t i;
	struct mailbox_msg *m;

	for (i = mb->count; i-- > 0; ) {
		m = &mb->msgs[i];
		if (m->uid < from)
			break;
		if (!(m->state & MAILBOX_MSG_EXPUNGED) &&
		    mailbox_name_baselen(m->name) == blen &&
		    memcmp(m->name, name, blen) == 0)
			return m;
	}
	return NULL;
}

int
mailbox_add(struct mailbox *mb, const struct mailbox_new *msgs, size_t n,
    uint32_t *uids_r, char **err_r)
{
	struct mailbox_stamp st[2];
	struct mailbox_msg *m, v;
	struct stat sb;
	char name[MAILDIR_NAME_MAX + 1], *bad;
	uint32_t from = mb->uidnext, uidnext;
	uint64_t modseq;
	size_t i;
	int touched[2] = { 0, 0 }, r;

	/* from: any UID another process gave them is at least this */
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	if ((uint64_t)mb->uidnext + n > UINT32_MAX) {
		/* IMAP's UIDs are 32 bits: number the folder anew */
		if (mailbox_index_renumber(mb, "no UIDs left below 2^32",
		    err_r) < 0 || mailbox_sync(mb, MAILBOX_SYNC_FORCE,
		    err_r) < 0)
			return -1;
		from = 1;
		if (mailbox_index_lock(mb, err_r) < 0)
			return -1;
	}
	uidnext = mb->uidnext;
	modseq = mb->modseq + 1;
	mailbox_stamps_before(mb, st);
	for (i = 0; i < n; i++) {
		if ((m = mailbox_find_base(mb, msgs[i].name, from)) != NULL) {
			/* another session listed it first: keep its UID */
			v = *m;
		} else {
			memset(&v, 0, sizeof(v));
			v.uid = uidnext++;
			v.name = (char *)(uintptr_t)msgs[i].name;
			if (!maildir_name_size(v.name, &v.size)) {
				if (fstatat(mailbox_dirfd(mb, 0), v.name, &sb,
				    AT_SYMLINK_NOFOLLOW) < 0) {
					mailbox_err(mb, err_r, "add %s: %s",
					    v.name, strerror(errno));
					goto fail;
				}
				v.size = (uint64_t)sb.st_size;
			}
			if (!maildir_name_field(v.name, 'W', &v.vsize))
				v.vsize = MAILBOX_VSIZE_UNKNOWN;
			v.idate = msgs[i].idate;
			if (v.idate == 0 && !mailbox_name_time(v.name, &v.idate))
				v.idate = (int64_t)time(NULL);
			touched[0] = 1;
		}
		if ((msgs[i].flags & MAILBOX_F_ALL) != v.flags &&
		    (r = mailbox_rename(mb, &v, msgs[i].flags & MAILBOX_F_ALL,
		    name, sizeof(name), touched)) != 0) {
			mailbox_err(mb, err_r, "add %s: %s", msgs[i].name,
			    r > 0 ? "the file is gone" : strerror(errno));
			goto fail;
		}
		v.flags = msgs[i].flags & MAILBOX_F_ALL;
		v.keywords = msgs[i].keywords;
		if (msgs[i].idate != 0)
			v.idate = msgs[i].idate;
		v.modseq = modseq;
		mailbox_rec_msg(mb, &v);
		uids_r[i] = v.uid;
	}
	mb->modseq = modseq;
	mailbox_stamps_after(mb, st, touched);
	if (mailbox_index_commit(mb, uidnext, 1, &bad) < 0) {
		*err_r = bad;
		mailbox_index_unlock(mb);
		return -1;
	}
	mailbox_index_unlock(mb);
	return 0;
fail:
	/* nothing recorded: a later listing finds the files */
	mailbox_index_unlock(mb);
	return -1;
}

/* The CR LF size of an open message file: 0, or -1 with errno. */
static int
mailbox_count_vsize(int fd, uint64_t *vsize_r)
{
	char buf[65536];
	uint64_t size = 0, lf = 0;
	int last_cr = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		size += (uint64_t)n;
		lf += maildir_bare_lf(buf, (size_t)n, &last_cr);
	}
	*vsize_r = size + lf;
	return 0;
}

int
mailbox_fill_vsizes(struct mailbox *mb, char **err_r)
{
	struct mailbox_msg *m, v;
	uint32_t *uids = NULL, i, k, n = 0;
	uint64_t *sizes = NULL;
	int fd, r;
	char *bad;

	for (i = 0; i < mb->count; i++)
		if (mb->msgs[i].vsize == MAILBOX_VSIZE_UNKNOWN &&
		    !(mb->msgs[i].state & MAILBOX_MSG_EXPUNGED))
			n++;
	if (n == 0)
		return 0;
	uids = xreallocarray(NULL, n, sizeof(*uids));
	sizes = xreallocarray(NULL, n, sizeof(*sizes));
	for (i = 0, k = 0; i < mb->count && k < n; i++)
		if (mb->msgs[i].vsize == MAILBOX_VSIZE_UNKNOWN &&
		    !(mb->msgs[i].state & MAILBOX_MSG_EXPUNGED))
			uids[k++] = mb->msgs[i].uid;
	/* read the files first, outside the lock */
	for (k = 0; k < n; k++) {
		sizes[k] = MAILBOX_VSIZE_UNKNOWN;
		if ((r = mailbox_msg_open(mb, uids[k], &fd, err_r)) < 0)
			goto fail;
		if (r == 0)
			continue;	/* gone meanwhile */
		if (mailbox_count_vsize(fd, &sizes[k]) < 0) {
			mailbox_err(mb, err_r, "read message %u: %s", uids[k],
			    strerror(errno));
			close(fd);
			goto fail;
		}
		close(fd);
	}
	if (mailbox_index_lock(mb, err_r) < 0)
		goto fail;
	for (k = 0; k < n; k++) {
		m = mailbox_lookup(mb, uids[k]);
		if (m == NULL || (m->state & MAILBOX_MSG_EXPUNGED) ||
		    sizes[k] == MAILBOX_VSIZE_UNKNOWN)
			continue;
		v = *m;
		v.vsize = sizes[k];
		mailbox_rec_msg(mb, &v);
	}
	if (mailbox_index_commit(mb, mb->uidnext, 0, &bad) < 0) {
		*err_r = bad;
		mailbox_index_unlock(mb);
		goto fail;
	}
	mailbox_index_unlock(mb);
	/* a size learned is no change of the message: set it here too */
	for (k = 0; k < n; k++)
		if ((m = mailbox_lookup(mb, uids[k])) != NULL &&
		    sizes[k] != MAILBOX_VSIZE_UNKNOWN)
			m->vsize = sizes[k];
	free(uids);
	free(sizes);
	return 0;
fail:
	free(uids);
	free(sizes);
	return -1;
}

int
mailbox_claim_new(struct mailbox *mb, uint32_t **uids_r, size_t *n_r,
    char **err_r)
{
	struct mailbox_stamp st[2];
	struct mailbox_msg *m, v;
	char name[MAILDIR_NAME_MAX + 1];
	uint32_t *uids = NULL, i;
	size_t n = 0, cap = 0;
	int touched[2] = { 0, 0 }, relist = 0, r;

	*uids_r = NULL;
	*n_r = 0;
	for (i = 0; i < mb->count; i++)
		if (!mb->msgs[i].in_cur &&
		    !(mb->msgs[i].state & MAILBOX_MSG_EXPUNGED))
			break;
	if (i == mb->count)
		return 0;		/* nothing in new/: no lock needed */
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	mailbox_stamps_before(mb, st);
	for (i = 0; i < mb->count; i++) {
		m = &mb->msgs[i];
		if (m->in_cur || (m->state & MAILBOX_MSG_EXPUNGED))
			continue;
		v = *m;
		if ((r = mailbox_rename(mb, &v, m->flags, name, sizeof(name),
		    touched)) != 0) {
			if (r > 0) {
				relist = 1;	/* someone else took it */
				continue;
			}
			mailbox_err(mb, err_r, "rename %s: %s", m->name,
			    strerror(errno));
			mailbox_index_unlock(mb);
			free(uids);
			return -1;
		}
		mailbox_rec_msg(mb, &v);
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			uids = xreallocarray(uids, cap, sizeof(*uids));
		}
		uids[n++] = v.uid;
	}
	if (n > 0) {
		char *bad;

		mailbox_stamps_after(mb, st, touched);
		if (mailbox_index_commit(mb, mb->uidnext, 0, &bad) < 0) {
			/* the files moved: the next listing records them */
			log_warn("%s", bad);
			free(bad);
		}
	}
	mailbox_index_unlock(mb);
	if (relist && mailbox_sync(mb, MAILBOX_SYNC_FORCE, err_r) < 0) {
		free(uids);
		return -1;
	}
	*uids_r = uids;
	*n_r = n;
	return 0;
}
