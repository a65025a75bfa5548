/*
 * NAME
 *	mailbox_sync - bringing the index and the view up to date with
 *	the Maildir: listing new/ and cur/ when their times changed, new
 *	messages, moved ones, vanished ones; see mailbox.h.
 *
 * DESCRIPTION
 *	A directory is listed when its modification time is not the one
 *	recorded at its last listing, or when that listing was made in the
 *	same second as the directory's last change (a second change in
 *	the same clock tick would not have moved the time). The listing
 *	and the index's messages are sorted by unique part and walked
 *	together: the same unique part under another name is the same
 *	message (moved, or flags changed by another program); a file the
 *	index does not know gets the next UID (in the order of the dates
 *	in the names); a message of a listed directory that is not there
 *	any more is expunged.
 *
 *	The listing's stamp is taken before the listing, so a change made
 *	during it moves the time again and is seen next time.
 *
 * SECURITY
 *	Entries that are not regular files (symbolic links, directories,
 *	devices) are not messages and are skipped; so are names starting
 *	with a dot. Sizes and dates come from the names (parsed with
 *	bounds) or from fstatat without following links.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailbox_int.h"
#include "maildir.h"
#include "xmalloc.h"

/* An entry of a listing, or a message of the index, by unique part. */
struct mailbox_ent {
	const char	*name;
	size_t		 blen;		/* of the unique part */
	int		 in_cur;
	struct mailbox_msg *m;		/* index side: the message */
};

struct mailbox_list {
	struct mailbox_ent *v;
	size_t		 n;
	size_t		 cap;
};

static void
mailbox_list_add(struct mailbox_list *l, const char *name, int in_cur,
    struct mailbox_msg *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap < 256 ? 256 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].name = name;
	l->v[l->n].blen = mailbox_name_baselen(name);
	l->v[l->n].in_cur = in_cur;
	l->v[l->n].m = m;
	l->n++;
}

/* By unique part only. */
static int
mailbox_base_cmp(const struct mailbox_ent *x, const struct mailbox_ent *y)
{
	size_t n = x->blen < y->blen ? x->blen : y->blen;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->blen < y->blen ? -1 : x->blen > y->blen;
}

/* By unique part, and a file in cur/ before its twin in new/. */
static int
mailbox_ent_cmp(const void *a, const void *b)
{
	const struct mailbox_ent *x = a, *y = b;
	int c = mailbox_base_cmp(x, y);

	return c != 0 ? c : y->in_cur - x->in_cur;
}

static int
mailbox_ent_base_cmp(const void *a, const void *b)
{
	return mailbox_base_cmp(a, b);
}

/*
 * Is a file found in a listing the twin of a message that the index
 * has in the directory that was not listed? (A program copied it, or
 * crashed between link and unlink.) Then it is no new message. other:
 * those messages, sorted when there are many candidates.
 */
static int
mailbox_twin(const struct mailbox_list *other, int sorted,
    const struct mailbox_ent *e)
{
	size_t i;

	if (sorted)
		return bsearch(e, other->v, other->n, sizeof(*other->v),
		    mailbox_ent_base_cmp) != NULL;
	for (i = 0; i < other->n; i++)
		if (mailbox_base_cmp(&other->v[i], e) == 0)
			return 1;
	return 0;
}

/* mailbox_sync_scan: more new messages than UIDs left below 2^32. */
#define MAILBOX_SYNC_NO_UIDS	(-2)

/* Candidates beyond which the other directory's messages are sorted. */
#define MAILBOX_TWIN_LINEAR	16

int
mailbox_stamp_get(int dirfd, struct mailbox_stamp *st)
{
	struct timespec now;
	struct stat sb;

	if (fstat(dirfd, &sb) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	st->mtime = sb.st_mtim;
	/* a change later in the same tick would leave the time as it is */
	st->dirty = now.tv_sec <= sb.st_mtim.tv_sec + 1;
	return 0;
}

int
mailbox_stamp_changed(const struct mailbox *mb, int in_cur)
{
	const struct mailbox_stamp *rec = &mb->stamp[in_cur];
	struct stat sb;

	if (rec->dirty || fstat(mailbox_dirfd(mb, in_cur), &sb) < 0)
		return 1;
	return sb.st_mtim.tv_sec != rec->mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != rec->mtime.tv_nsec;
}

void
mailbox_stamp_after(struct mailbox *mb, int in_cur,
    const struct mailbox_stamp *before)
{
	struct mailbox_stamp *rec = &mb->stamp[in_cur];

	if (rec->dirty || before->mtime.tv_sec != rec->mtime.tv_sec ||
	    before->mtime.tv_nsec != rec->mtime.tv_nsec)
		return;		/* a change we did not see: list it */
	if (mailbox_stamp_get(mailbox_dirfd(mb, in_cur), rec) < 0)
		rec->dirty = 1;
}

/* The regular files of new/ or cur/ into l (names malloc'd into names). */
static int
mailbox_list_dir(struct mailbox *mb, int in_cur, struct mailbox_list *l,
    struct mailbox_list *names, char **err_r)
{
	int dfd = mailbox_dirfd(mb, in_cur), fd;
	struct dirent *de;
	struct stat st;
	char *name;
	DIR *d;

	if ((fd = dup(dfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		mailbox_err(mb, err_r, "list %s/: %s", in_cur ? "cur" : "new",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type == DT_UNKNOWN) {
			if (fstatat(dfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
		} else if (de->d_type != DT_REG)
			continue;
		name = xstrdup(de->d_name);
		mailbox_list_add(names, name, in_cur, NULL);
		mailbox_list_add(l, name, in_cur, NULL);
		errno = 0;
	}
	if (errno != 0) {
		mailbox_err(mb, err_r, "list %s/: %s", in_cur ? "cur" : "new",
		    strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	return 0;
}

/* A message found in a listing: what its name (or its inode) says. */
static void
mailbox_new_msg(struct mailbox *mb, const struct mailbox_ent *e,
    struct mailbox_msg *v)
{
	struct stat st;

	memset(v, 0, sizeof(*v));
	v->name = (char *)(uintptr_t)e->name;	/* UNSAFE: recorded only */
	v->in_cur = (uint8_t)e->in_cur;
	v->flags = mailbox_name_flags(e->name);
	if (!maildir_name_size(e->name, &v->size) ||
	    !mailbox_name_time(e->name, &v->idate)) {
		if (fstatat(mailbox_dirfd(mb, e->in_cur), e->name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			if (!maildir_name_size(e->name, &v->size))
				v->size = (uint64_t)st.st_size;
			if (!mailbox_name_time(e->name, &v->idate))
				v->idate = (int64_t)st.st_mtime;
		}
	}
	if (!maildir_name_field(e->name, 'W', &v->vsize))
		v->vsize = MAILBOX_VSIZE_UNKNOWN;
}

/*
 * The microseconds of a name that delivery made ("SECONDS.MUSECP..."),
 * or -1: not zero-padded, so within a second "M99999" would sort after
 * "M100000" as text.
 */
static long
mailbox_name_usec(const char *name)
{
	const char *p = strchr(name, '.');
	long v = 0;
	int n = 0;

	if (p == NULL || p[1] != 'M')
		return -1;
	for (p += 2; *p >= '0' && *p <= '9' && n < 7; p++, n++)
		v = v * 10 + (*p - '0');
	return n > 0 && n < 7 ? v : -1;
}

static int
mailbox_new_cmp(const void *a, const void *b)
{
	const struct mailbox_msg *x = a, *y = b;
	long ux, uy;

	if (x->idate != y->idate)
		return x->idate < y->idate ? -1 : 1;
	ux = mailbox_name_usec(x->name);
	uy = mailbox_name_usec(y->name);
	if (ux >= 0 && uy >= 0 && ux != uy)
		return ux < uy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * List the directories marked in scan (under the lock) and record what
 * changed. 0, or -1 with *err_r.
 */
static int
mailbox_sync_scan(struct mailbox *mb, const int scan[2], char **err_r)
{
	struct mailbox_list l = { 0 }, ix = { 0 }, other = { 0 };
	struct mailbox_list names = { 0 };
	struct mailbox_stamp st[2];
	struct mailbox_msg *fresh = NULL, *m, v;
	size_t i, j, nfresh = 0, k;
	uint32_t uidnext = mb->uidnext, u;
	uint64_t modseq = mb->modseq + 1;
	int d, c, visible = 0, sorted, r = -1;
	char *bad;

	for (d = 0; d < 2; d++) {
		if (!scan[d])
			continue;
		if (mailbox_stamp_get(mailbox_dirfd(mb, d), &st[d]) < 0) {
			mailbox_err(mb, err_r, "stat %s/: %s", d ? "cur" :
			    "new", strerror(errno));
			goto out;
		}
		if (mailbox_list_dir(mb, d, &l, &names, err_r) < 0)
			goto out;
	}
	/* the index's messages where we looked, and the others */
	for (u = 0; u < mb->count; u++) {
		m = &mb->msgs[u];
		if (!(m->state & MAILBOX_MSG_EXPUNGED))
			mailbox_list_add(scan[m->in_cur] ? &ix : &other,
			    m->name, m->in_cur, m);
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), mailbox_ent_cmp);
	if (ix.n > 1)
		qsort(ix.v, ix.n, sizeof(*ix.v), mailbox_ent_cmp);
	fresh = xreallocarray(NULL, l.n + 1, sizeof(*fresh));
	for (i = 0, j = 0; i < ix.n || j < l.n; ) {
		c = i == ix.n ? 1 : j == l.n ? -1 :
		    mailbox_base_cmp(&ix.v[i], &l.v[j]);
		if (c < 0) {
			/* the index knows it; it is not where we looked */
			mailbox_rec_expunge(mb, ix.v[i].m->uid, modseq);
			visible = 1;
			i++;
			continue;
		}
		if (c > 0)
			mailbox_new_msg(mb, &l.v[j], &fresh[nfresh++]);
		else {
			/* the same message: moved, or renamed? */
			v = *ix.v[i].m;
			if (strcmp(v.name, l.v[j].name) != 0 ||
			    v.in_cur != l.v[j].in_cur) {
				v.name = (char *)(uintptr_t)l.v[j].name;
				v.in_cur = (uint8_t)l.v[j].in_cur;
				if (mailbox_name_flags(v.name) != v.flags) {
					v.flags = mailbox_name_flags(v.name);
					v.modseq = modseq;
					visible = 1;
				}
				mailbox_rec_msg(mb, &v);
			}
			i++;
		}
		/* a second file with the same unique part is no message */
		for (k = j + 1; k < l.n && mailbox_base_cmp(&l.v[k],
		    &l.v[j]) == 0; k++)
			;
		j = k;
	}
	/* new messages get UIDs in the order they arrived */
	sorted = nfresh > MAILBOX_TWIN_LINEAR && other.n > 0;
	if (sorted)
		qsort(other.v, other.n, sizeof(*other.v), mailbox_ent_cmp);
	if (nfresh > 1)
		qsort(fresh, nfresh, sizeof(*fresh), mailbox_new_cmp);
	if ((uint64_t)uidnext + nfresh > UINT32_MAX) {
		r = MAILBOX_SYNC_NO_UIDS;	/* renumber, then again */
		goto out;
	}
	for (k = 0; k < nfresh; k++) {
		struct mailbox_ent e;

		e.name = fresh[k].name;
		e.blen = mailbox_name_baselen(e.name);
		if (other.n > 0 && mailbox_twin(&other, sorted, &e))
			continue;
		fresh[k].uid = uidnext++;
		fresh[k].modseq = modseq;
		mailbox_rec_msg(mb, &fresh[k]);
		visible = 1;
	}
	for (d = 0; d < 2; d++)
		if (scan[d])
			mb->stamp[d] = st[d];
	if (visible)
		mb->modseq = modseq;
	if (mailbox_index_commit(mb, uidnext, uidnext != mb->uidnext,
	    &bad) < 0) {
		*err_r = bad;
		mb->stamp[0].dirty = mb->stamp[1].dirty = 1;
		goto out;
	}
	r = 0;
out:
	for (k = 0; k < names.n; k++)
		free((char *)(uintptr_t)names.v[k].name);
	free(names.v);
	free(l.v);
	free(ix.v);
	free(other.v);
	free(fresh);
	return r;
}

int
mailbox_sync(struct mailbox *mb, int flags, char **err_r)
{
	int scan[2], r = 0;

	mb->changed = 0;
	if (mailbox_index_refresh(mb, err_r) < 0)
		return -1;
	scan[0] = (flags & MAILBOX_SYNC_FORCE) || mailbox_stamp_changed(mb, 0);
	scan[1] = (flags & MAILBOX_SYNC_FORCE) || mailbox_stamp_changed(mb, 1);
	if (!scan[0] && !scan[1] && !mb->damaged)
		return mb->changed;
	if (mailbox_index_lock(mb, err_r) < 0)
		return -1;
	/* another process may have listed them meanwhile */
	scan[0] = (flags & MAILBOX_SYNC_FORCE) || mailbox_stamp_changed(mb, 0);
	scan[1] = (flags & MAILBOX_SYNC_FORCE) || mailbox_stamp_changed(mb, 1);
	if (scan[0] || scan[1])
		r = mailbox_sync_scan(mb, scan, err_r);
	if (r == MAILBOX_SYNC_NO_UIDS) {
		/* IMAP's UIDs are 32 bits: number the folder anew */
		if (mailbox_index_renumber(mb, "no UIDs left below 2^32",
		    err_r) < 0)
			return -1;
		return mailbox_sync(mb, MAILBOX_SYNC_FORCE, err_r) < 0 ? -1 :
		    1;
	}
	mailbox_index_unlock(mb);
	if (r < 0)
		return -1;
	return mb->changed;
}
