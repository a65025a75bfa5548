/*
 * NAME
 *	ctl_user_db - the users and mailboxes files of `postern user`.
 *
 * DESCRIPTION
 *	See ctl_user.h for the files. Every change rewrites both text
 *	files and recompiles both tables, under an exclusive flock on
 *	users.lock, so concurrent runs are serialised and never lose each
 *	other's changes. Each file is written to NAME.tmp, fsynced,
 *	renamed over NAME, and the directory fsynced; the tables are then
 *	compiled by lib/maps (also atomic). A crash leaves either the old
 *	or the new users file; a table older than its source is reported
 *	by maps as an error (mail is deferred, not bounced) until the next
 *	`postern user` run recompiles it.
 *
 * SECURITY
 *	users holds password hashes: it and users.db are never readable
 *	by anyone but root and the auth service's group (DESIGN: auth is
 *	their only reader); the temporary file gets those permissions
 *	before a byte is written. mailboxes holds no secret and is
 *	readable by all (smtpd, qmgr and local run as other users). The
 *	users file is admin input but parsed strictly: a malformed line
 *	stops every change, so nothing is silently dropped. Root writes
 *	the lock, the tables and their temporary files by name only in a
 *	configuration directory that no other user can write
 *	(fsat_root_may_act).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfline.h"
#include "ctl.h"
#include "fsat.h"
#include "ctl_user.h"
#include "fsutil.h"
#include "maps.h"
#include "params.h"
#include "priv.h"
#include "vbuf.h"
#include "xmalloc.h"

void
ctl_userdb_quota_text(long long q, char *buf, size_t len)
{
	params_format_number(buf, len, PARAM_TYPE_SIZE, q);
}

void
ctl_userdb_add(struct ctl_userdb *db, const char *addr, const char *hash,
    const char *maildir, long long quota)
{
	struct ctl_user_ent *e;

	db->v = xreallocarray(db->v, db->n + 1, sizeof(*db->v));
	e = &db->v[db->n++];
	e->addr = xstrdup(addr);
	e->hash = xstrdup(hash);
	e->maildir = xstrdup(maildir);
	e->quota = quota;
}

static void
ctl_userdb_free_ent(struct ctl_user_ent *e)
{
	free(e->addr);
	if (e->hash != NULL)
		explicit_bzero(e->hash, strlen(e->hash));
	free(e->hash);
	free(e->maildir);
}

void
ctl_userdb_del(struct ctl_userdb *db, size_t i)
{
	ctl_userdb_free_ent(&db->v[i]);
	memmove(&db->v[i], &db->v[i + 1], (db->n - i - 1) * sizeof(*db->v));
	db->n--;
}

long
ctl_userdb_find(const struct ctl_userdb *db, const char *addr)
{
	size_t i;

	for (i = 0; i < db->n; i++)
		if (strcmp(db->v[i].addr, addr) == 0)
			return (long)i;
	return -1;
}

/* One logical line "ADDRESS HASH MAILDIR [quota=SIZE]". */
static int
ctl_userdb_parse(struct ctl_userdb *db, const char *line, const char **why)
{
	char *w[4], *copy, *p;
	long long quota = 0;
	const char *err;
	size_t len = strlen(line);
	int n = 0;

	copy = xstrdup(line);
	for (p = copy; *(p += strspn(p, " \t")) != '\0'; ) {
		if (n == 4) {
			n++;
			break;
		}
		w[n++] = p;
		p += strcspn(p, " \t");
		if (*p != '\0')
			*p++ = '\0';
	}
	if (n < 3 || n > 4) {
		*why = "expected: ADDRESS PASSWORD-HASH MAILDIR [quota=SIZE]";
		goto bad;
	}
	if (n == 4 && (strncmp(w[3], "quota=", 6) != 0 ||
	    params_parse_size(w[3] + 6, &quota, &err) < 0)) {
		*why = "bad quota=SIZE";
		goto bad;
	}
	if (ctl_userdb_find(db, w[0]) >= 0) {
		*why = "duplicate address";
		goto bad;
	}
	ctl_userdb_add(db, w[0], w[1], w[2], quota);
	explicit_bzero(copy, len);
	free(copy);
	return 0;
bad:
	explicit_bzero(copy, len);
	free(copy);
	return -1;
}

static int
ctl_userdb_read(struct ctl_userdb *db)
{
	struct cfline cf;
	const char *line, *why;
	char *err = NULL;
	int r;

	if (cfline_open(&cf, db->users, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "postern user: %s: %s\n", db->users,
		    strerror(errno));
		return -1;
	}
	while ((r = cfline_next(&cf, &line, &err)) > 0) {
		if (ctl_userdb_parse(db, line, &why) < 0) {
			fprintf(stderr, "postern user: %s:%d: %s; nothing "
			    "changed\n", db->users, cf.lineno, why);
			cfline_close(&cf);
			return -1;
		}
	}
	if (r < 0)
		fprintf(stderr, "postern user: %s; nothing changed\n", err);
	free(err);
	cfline_close(&cf);
	return r;
}

int
ctl_userdb_open(struct ctl_userdb *db, const char *confdir, int lock_it)
{
	char *lock, *err;

	memset(db, 0, sizeof(*db));
	db->lockfd = -1;
	db->dir = xstrdup(confdir);
	db->users = xasprintf("%s/%s", confdir, CTL_USERS_FILE);
	db->mailboxes = xasprintf("%s/%s", confdir, CTL_MAILBOXES_FILE);
	if (!lock_it)
		return ctl_userdb_read(db);
	lock = xasprintf("%s/%s", confdir, CTL_USERS_LOCK);
	if (fsat_root_may_act_beside(lock, &err) < 0) {
		fprintf(stderr, "postern user: %s\n", err);
		free(err);
		free(lock);
		return -1;
	}
	db->lockfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (db->lockfd < 0) {
		fprintf(stderr, "postern user: %s: %s\n", lock,
		    strerror(errno));
		free(lock);
		return -1;
	}
	if (flock(db->lockfd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "postern user: waiting for another postern "
		    "user to finish (%s)\n", lock);
		while (flock(db->lockfd, LOCK_EX) < 0)
			if (errno != EINTR) {
				fprintf(stderr, "postern user: lock %s: %s\n",
				    lock, strerror(errno));
				free(lock);
				return -1;
			}
	}
	free(lock);
	return ctl_userdb_read(db);
}

void
ctl_userdb_close(struct ctl_userdb *db)
{
	size_t i;

	for (i = 0; i < db->n; i++)
		ctl_userdb_free_ent(&db->v[i]);
	free(db->v);
	if (db->lockfd >= 0)
		close(db->lockfd);	/* releases the lock */
	free(db->dir);
	free(db->users);
	free(db->mailboxes);
	memset(db, 0, sizeof(*db));
	db->lockfd = -1;
}

/* Write text to path atomically with the given owner and mode. */
static int
ctl_userdb_write(const char *path, const struct vbuf *text, uid_t uid,
    gid_t gid, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp", path);
	const char *p = vbuf_str(text);
	size_t left = vbuf_len(text);
	ssize_t n;
	int fd;

	(void)unlink(tmp);	/* a leftover of a crash; we hold the lock */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		goto fail;
	if ((geteuid() == 0 && fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode) < 0)
		goto fail;
	while (left > 0) {
		if ((n = write(fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0 || fsutil_fsync_parent(path) < 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	fprintf(stderr, "postern user: write %s: %s\n", path,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	free(tmp);
	return -1;
}

static void
ctl_userdb_line(struct vbuf *b, const struct ctl_user_ent *e, int hashes)
{
	char q[32];

	vbuf_appendf(b, "%s", e->addr);
	if (hashes)
		vbuf_appendf(b, " %s", e->hash);
	vbuf_appendf(b, " %s", e->maildir);
	if (e->quota > 0) {
		ctl_userdb_quota_text(e->quota, q, sizeof(q));
		vbuf_appendf(b, " quota=%s", q);
	}
	vbuf_appends(b, "\n");
}

/* Owner and mode of users: root with auth_owner's group, 0640. */
static void
ctl_userdb_users_owner(uid_t *uid, gid_t *gid, mode_t *mode)
{
	struct priv_user pu;
	const char *err;

	*uid = geteuid();
	*gid = getegid();
	*mode = 0600;
	if (geteuid() != 0)
		return;
	*uid = 0;
	*gid = 0;
	if (priv_lookup(var_auth_owner, &pu, &err) == 0 && pu.gid != 0) {
		*gid = pu.gid;
		*mode = 0640;
	} else
		fprintf(stderr, "postern user: warning: auth_owner %s: %s: "
		    "users is readable by root only\n  fix: create the user "
		    "(postern check), then run postern user again\n",
		    var_auth_owner, err);
}

int
ctl_userdb_save(struct ctl_userdb *db)
{
	struct vbuf *u, *m;
	char *spec, *err = NULL;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	size_t i;
	int r = -1;

	u = vbuf_new(4096, VBUF_NOLIMIT);
	m = vbuf_new(4096, VBUF_NOLIMIT);
	vbuf_appends(u, "# The virtual users of this Postern instance: ADDRESS "
	    "PASSWORD-HASH MAILDIR [quota=SIZE].\n# Maintained by `postern "
	    "user` (postern(1)), which rewrites this file and\n# mailboxes "
	    "and compiles both; comments are not kept.\n");
	vbuf_appends(m, "# ADDRESS MAILDIR [quota=SIZE]: made by `postern "
	    "user` from users; do not edit.\n");
	for (i = 0; i < db->n; i++) {
		ctl_userdb_line(u, &db->v[i], 1);
		ctl_userdb_line(m, &db->v[i], 0);
	}
	ctl_userdb_users_owner(&uid, &gid, &mode);
	if (ctl_userdb_write(db->users, u, uid, gid, mode) < 0 ||
	    ctl_userdb_write(db->mailboxes, m, geteuid() == 0 ? 0 : geteuid(),
	    geteuid() == 0 ? 0 : getegid(), 0644) < 0)
		goto out;
	spec = xasprintf("hash:%s", db->users);
	r = maps_compile(spec, &err);
	free(spec);
	if (r == 0) {
		spec = xasprintf("hash:%s", db->mailboxes);
		r = maps_compile(spec, &err);
		free(spec);
	}
	if (r < 0)
		fprintf(stderr, "postern user: %s\n", err);
	free(err);
out:
	explicit_bzero(u->data, u->len);
	vbuf_free(&u);
	vbuf_free(&m);
	return r;
}
