/*
 * maps_hash - the hash: table type (Berkeley DB 5.3, DB_HASH) and its
 * compiler.
 *
 * DESCRIPTION
 *	hash:PATH reads PATH.db, compiled from the text file PATH by
 *	maps_hash_compile (`postern map`). The .db is opened read-only.
 *	Before each lookup the .db is stat()ed: another inode, size or
 *	mtime than the open file means it was replaced (the compiler renames
 *	a new file in, so a reader never sees a half-written one) and it is
 *	reopened. A .db older than its source, or missing, is an error with
 *	a hint to run `postern map`. After any Berkeley DB error the handle
 *	is closed, so the next lookup starts again from the file.
 *
 *	Compiling: read the whole source first (a syntax error changes
 *	nothing on disk), then write a temporary file in the same
 *	directory, DB sync, fsync, rename over PATH.db, fsync the directory.
 *	Keys and values are written with a trailing NUL as Postfix does;
 *	lookups try with and then without it, and remember which one hit.
 *
 * SECURITY
 *	A .db file may be corrupt. The header's page count is checked
 *	against the file size (Berkeley DB reads the missing pages of a
 *	truncated file as "not found"), pages written here carry checksums,
 *	every error other than DB_NOTFOUND is an error, and values must be
 *	NUL-free and no longer than a text line can be. Berkeley DB's own
 *	messages go into the error we report, never to stderr. Compiling,
 *	root writes the .db file by name (a temporary file renamed over it)
 *	only in a directory where no other user can put something in the
 *	way (lib/fsat: fsat_root_may_act).
 */
#include "config.h"

#include <sys/stat.h>

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfline.h"
#include "err.h"
#include "fsat.h"
#include "fsutil.h"
#include "maps_int.h"
#include "xmalloc.h"

#define HASH_TRY1NULL	0x1	/* keys stored with a trailing NUL */
#define HASH_TRY0NULL	0x2	/* keys stored without one */

/* Berkeley DB's last message about one handle (maps_hash_errcall). */
struct maps_hash_dbmsg {
	char	 text[512];
};

struct maps_hash {
	DB	*db;		/* NULL: open at the next lookup */
	char	*dbpath;	/* PATH.db */
	struct stat st;		/* of the open .db, from fstat */
	int	 nul;		/* HASH_TRY*NULL still worth trying */
	struct vbuf *value;
	struct maps_hash_dbmsg msg;
};

/* Berkeley DB reports through its environment's app_private: ours. */
static void
maps_hash_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	struct maps_hash_dbmsg *m = env->app_private;

	(void)pfx;
	if (m != NULL)
		strlcpy(m->text, msg, sizeof(m->text));
}

/* A new handle whose messages go to m; 0, or a Berkeley DB error. */
static int
maps_hash_create(DB **db_r, struct maps_hash_dbmsg *m)
{
	DB_ENV *env;
	int r;

	m->text[0] = '\0';
	if ((r = db_create(db_r, NULL, 0)) != 0)
		return r;
	if ((env = (*db_r)->get_env(*db_r)) != NULL)
		env->app_private = m;
	(*db_r)->set_errcall(*db_r, maps_hash_errcall);
	return 0;
}

/* Why a call failed: Berkeley DB's own message, or its code's text. */
static const char *
maps_hash_why(const struct maps_hash_dbmsg *m, int r)
{
	return m->text[0] != '\0' ? m->text : db_strerror(r);
}

static int
maps_hash_newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* 1 (and *err_r) when the source is newer than the open .db. */
static int
maps_hash_stale(struct maps_table *t, const struct stat *dbst, char **err_r)
{
	struct maps_hash *h = t->priv;
	struct stat src;

	if (stat(t->name, &src) < 0)
		return 0;	/* a .db without its source is fine */
	if (!maps_hash_newer(&src.st_mtim, &dbst->st_mtim))
		return 0;
	err_set(err_r, "%s is older than its source %s: run \"postern map "
	    "%s\"", h->dbpath, t->name, t->spec);
	return 1;
}

static uint32_t
maps_hash_u32(const unsigned char *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

/*
 * Check the generic Berkeley DB meta page against the file size: 0, or
 * -1 with why. Layout (db_page.h, DBMETA): magic at 12, pagesize at 20,
 * last_pgno at 32, all in the byte order of the machine that wrote it.
 */
static int
maps_hash_check_size(int fd, const struct stat *st, char *why, size_t len)
{
	unsigned char meta[36];
	uint32_t pagesize, last;
	int swap;

	if (pread(fd, meta, sizeof(meta), 0) != (ssize_t)sizeof(meta)) {
		snprintf(why, len, "too short for a database header");
		return -1;
	}
	if (maps_hash_u32(meta + 12, 0) == DB_HASHMAGIC)
		swap = 0;
	else if (maps_hash_u32(meta + 12, 1) == DB_HASHMAGIC)
		swap = 1;
	else {
		snprintf(why, len, "not a hash database");
		return -1;
	}
	pagesize = maps_hash_u32(meta + 20, swap);
	last = maps_hash_u32(meta + 32, swap);
	if (pagesize < 512 || pagesize > 65536 ||
	    (pagesize & (pagesize - 1)) != 0) {
		snprintf(why, len, "bad page size %u", pagesize);
		return -1;
	}
	if ((uint64_t)st->st_size < ((uint64_t)last + 1) * pagesize) {
		snprintf(why, len, "truncated: %lld bytes, the header says "
		    "%llu", (long long)st->st_size,
		    (unsigned long long)(((uint64_t)last + 1) * pagesize));
		return -1;
	}
	return 0;
}

/*
 * Close a handle, also one that a corrupt page has put into Berkeley
 * DB's panic state: without DB_NOPANIC its close would fail early and
 * leak the handle's memory, once per error.
 */
static void
maps_hash_release(DB *db)
{
	DB_ENV *env;

	if ((env = db->get_env(db)) != NULL)
		(void)env->set_flags(env, DB_NOPANIC, 1);
	(void)db->close(db, 0);
}

static void
maps_hash_dbclose(struct maps_hash *h)
{
	if (h->db != NULL)
		maps_hash_release(h->db);
	h->db = NULL;
}

/* Open h->dbpath: 0, or -1 with *err_r. */
static int
maps_hash_dbopen(struct maps_table *t, char **err_r)
{
	struct maps_hash *h = t->priv;
	struct stat st;
	char why[256];
	DB *db;
	int r, fd;

	maps_hash_dbclose(h);
	if (stat(h->dbpath, &st) < 0) {
		int saved = errno;

		if (saved == ENOENT && access(t->name, F_OK) == 0)
			return err_set(err_r, "%s does not exist: the table "
			    "was never compiled: run \"postern map %s\"",
			    h->dbpath, t->spec);
		return err_set(err_r, "cannot open %s: %s", h->dbpath,
		    strerror(saved));
	}
	if ((r = maps_hash_create(&db, &h->msg)) != 0)
		return err_set(err_r, "db_create: %s", db_strerror(r));
	if ((r = db->open(db, NULL, h->dbpath, NULL, DB_HASH, DB_RDONLY,
	    0)) != 0) {
		err_set(err_r, "cannot open %s: %s", h->dbpath,
		    maps_hash_why(&h->msg, r));
		maps_hash_release(db);
		return -1;
	}
	if ((r = db->fd(db, &fd)) != 0 || fstat(fd, &st) < 0) {
		err_set(err_r, "%s: cannot examine the open file: %s",
		    h->dbpath, r != 0 ? db_strerror(r) : strerror(errno));
		maps_hash_release(db);
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (maps_hash_check_size(fd, &st, why, sizeof(why)) < 0) {
		err_set(err_r, "%s is corrupt: %s", h->dbpath, why);
		maps_hash_release(db);
		return -1;
	}
	if (maps_hash_stale(t, &st, err_r)) {
		maps_hash_release(db);
		return -1;
	}
	h->db = db;
	h->st = st;
	h->nul = HASH_TRY1NULL | HASH_TRY0NULL;
	return 0;
}

static int
maps_hash_open(struct maps_table *t, char **err_r)
{
	struct maps_hash *h;

	if (t->priv == NULL) {
		h = xcalloc(1, sizeof(*h));
		h->dbpath = xasprintf("%s.db", t->name);
		h->value = vbuf_new(64, CFLINE_MAX);
		t->priv = h;
	}
	return maps_hash_dbopen(t, err_r) < 0 ? MAPS_OPEN_TEMP : 0;
}

static int
maps_hash_changed(const struct stat *a, const struct stat *b)
{
	return a->st_dev != b->st_dev || a->st_ino != b->st_ino ||
	    a->st_size != b->st_size ||
	    a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

/* One get: 1, 0, or -1 with *err_r. */
static int
maps_hash_get(struct maps_table *t, const char *key, size_t keylen,
    const char **value_r, char **err_r)
{
	struct maps_hash *h = t->priv;
	DBT k, v;
	size_t len;
	int r;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)(uintptr_t)key;	/* DB's API is not const */
	k.size = (u_int32_t)keylen;
	h->msg.text[0] = '\0';
	if ((r = h->db->get(h->db, NULL, &k, &v, 0)) == DB_NOTFOUND)
		return 0;
	if (r != 0)
		return err_set(err_r, "lookup error in %s: %s", h->dbpath,
		    maps_hash_why(&h->msg, r));
	if ((len = v.size) == 0)
		v.data = (void *)(uintptr_t)"";
	else if (((const char *)v.data)[len - 1] == '\0')
		len--;
	if (memchr(v.data, '\0', len) != NULL ||
	    vbuf_set(h->value, v.data, len) < 0) {
		return err_set(err_r, "%s is corrupt: bad value for key "
		    "\"%.100s\"", h->dbpath, key);
	}
	*value_r = vbuf_str(h->value);
	return 1;
}

static int
maps_hash_lookup(struct maps_table *t, const char *key,
    const char **value_r, char **err_r)
{
	struct maps_hash *h = t->priv;
	struct stat st;
	size_t len = strlen(key);
	int r;

	if (stat(h->dbpath, &st) < 0) {
		/* removed, or not visible here (chroot): keep what is open */
		if (h->db == NULL) {
			(void)maps_hash_dbopen(t, err_r);	/* its error */
			return -1;
		}
	} else if (h->db == NULL || maps_hash_changed(&st, &h->st)) {
		if (maps_hash_dbopen(t, err_r) < 0)
			return -1;
	}
	if (maps_hash_stale(t, &h->st, err_r))
		return -1;
	r = 0;
	if ((h->nul & HASH_TRY1NULL) != 0 &&
	    (r = maps_hash_get(t, key, len + 1, value_r, err_r)) > 0)
		h->nul = HASH_TRY1NULL;
	if (r == 0 && (h->nul & HASH_TRY0NULL) != 0 &&
	    (r = maps_hash_get(t, key, len, value_r, err_r)) > 0)
		h->nul = HASH_TRY0NULL;
	if (r < 0)
		maps_hash_dbclose(h);	/* start again from the file */
	return r;
}

static void
maps_hash_close(struct maps_table *t)
{
	struct maps_hash *h = t->priv;

	if (h == NULL)
		return;
	maps_hash_dbclose(h);
	vbuf_free(&h->value);
	free(h->dbpath);
	free(h);
	t->priv = NULL;
}

/* Write tab into the new, empty file tmp: 0, or -1 with *err_r. */
static int
maps_hash_write(const char *tmp, const struct maps_text *tab, char **err_r)
{
	const struct maps_text_entry *e;
	struct maps_hash_dbmsg msg;
	DB *db;
	DBT k, v;
	size_t i;
	int r;

	if ((r = maps_hash_create(&db, &msg)) != 0)
		return err_set(err_r, "db_create: %s", db_strerror(r));
	if ((r = db->set_flags(db, DB_CHKSUM)) != 0 ||
	    (r = db->open(db, NULL, tmp, NULL, DB_HASH, DB_CREATE, 0)) != 0) {
		err_set(err_r, "cannot create %s: %s", tmp,
		    maps_hash_why(&msg, r));
		maps_hash_release(db);
		return -1;
	}
	for (i = 0; i < tab->n; i++) {
		e = tab->ent[i];
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = e->key;
		k.size = (u_int32_t)strlen(e->key) + 1;
		v.data = e->value;
		v.size = (u_int32_t)strlen(e->value) + 1;
		if ((r = db->put(db, NULL, &k, &v, DB_NOOVERWRITE)) != 0) {
			err_set(err_r, "cannot write %s: %s", tmp,
			    maps_hash_why(&msg, r));
			maps_hash_release(db);
			return -1;
		}
	}
	if ((r = db->sync(db, 0)) != 0) {
		err_set(err_r, "cannot write %s: %s", tmp,
		    maps_hash_why(&msg, r));
		maps_hash_release(db);
		return -1;
	}
	if ((r = db->close(db, 0)) != 0) {
		err_set(err_r, "cannot close %s: %s", tmp,
		    maps_hash_why(&msg, r));
		return -1;
	}
	return 0;
}

static int
maps_hash_compile(const char *path, int flags, char **err_r)
{
	struct maps_text *tab = NULL;
	struct stat src;
	char *dbpath = NULL, *tmp = NULL;
	FILE *fp;
	int fd = -1, r;

	if ((fp = fopen(path, "re")) == NULL) {
		err_set(err_r, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &src) < 0) {
		err_set(err_r, "cannot examine %s: %s", path,
		    strerror(errno));
		fclose(fp);
		return -1;
	}
	r = maps_text_read(fp, path, flags, &tab, err_r);
	fclose(fp);
	if (r < 0)
		return -1;

	r = -1;
	dbpath = xasprintf("%s.db", path);
	if (fsat_root_may_act_beside(dbpath, err_r) < 0) {
		err_wrap(err_r, "will not write %s", dbpath);
		goto out;
	}
	tmp = xasprintf("%s.XXXXXX", dbpath);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		err_set(err_r, "cannot create a temporary file %s: %s",
		    tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, src.st_mode & 0777) < 0 ||
	    (geteuid() == 0 && fchown(fd, src.st_uid, src.st_gid) < 0)) {
		err_set(err_r, "cannot set the permissions of %s: %s",
		    tmp, strerror(errno));
		goto out;
	}
	if (maps_hash_write(tmp, tab, err_r) < 0)
		goto out;
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		err_set(err_r, "cannot write %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, dbpath) < 0) {
		err_set(err_r, "cannot rename %s to %s: %s", tmp,
		    dbpath, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (fsutil_fsync_parent(dbpath) < 0) {
		err_set(err_r, "%s is in place, but syncing its "
		    "directory failed: %s", dbpath, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	free(dbpath);
	maps_text_free(&tab);
	return r;
}

const struct maps_ops maps_hash_ops = {
	.type = "hash",
	.open = maps_hash_open,
	.lookup = maps_hash_lookup,
	.close = maps_hash_close,
	.compile = maps_hash_compile,
	.watch_suffix = ".db",
	.reopens = 1,
};
