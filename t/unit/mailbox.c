/*
 * Unit tests for lib/mailbox: a Maildir that does not exist yet, UIDs
 * stable across opens and never reused, flags in the names and in the
 * index, a Maildir changed behind the index's back (deliveries,
 * external renames and deletes, moves new/ -> cur/), torn and damaged
 * index writes, compaction with a reader holding the old file, cached
 * data, keywords, sizes that are not in the names, symbolic links,
 * IMAP APPEND, and several writer processes at once.
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailbox.h"
#include "mailbox_int.h"
#include "maildir.h"
#include "maildir_quota.h"
#include "tap.h"
#include "vbuf.h"
#include "xmalloc.h"

static const char *tdir;
static int rootfd;

static void
drop(char **err)
{
	if (*err != NULL)
		diag("%s", *err);
	free(*err);
	*err = NULL;
}

/* A Maildir below the test directory, created. */
static struct maildir *
md_open(const char *path)
{
	struct maildir *md;
	char *err = NULL;

	if (maildir_open(rootfd, path, MAILDIR_CREATE, &md, &err) < 0)
		bail_out("maildir_open %s: %s", path, err);
	return md;
}

static struct mailbox *
mb_open(struct maildir *md)
{
	struct mailbox *mb;
	char *err = NULL;

	if (mailbox_open(md, md, 0, &mb, &err) < 0)
		bail_out("mailbox_open %s: %s", md->path, err);
	return mb;
}

/* Deliver text (LF line ends) as local does; the new/ name in name. */
static void
deliver(struct maildir *md, const char *text, char *name, size_t len)
{
	struct maildir_msg *m;
	char *err = NULL, buf[MAILDIR_NAME_MAX + 1];

	if ((m = maildir_msg_new(md, 0, &err)) == NULL ||
	    maildir_msg_write(m, text, strlen(text)) < 0 ||
	    maildir_msg_commit(m, buf, sizeof(buf), &err) < 0)
		bail_out("deliver: %s", err != NULL ? err : strerror(errno));
	if (name != NULL)
		strlcpy(name, buf, len);
}

static void
msync_ok(struct mailbox *mb, const char *what)
{
	char *err = NULL;

	if (mailbox_sync(mb, 0, &err) < 0) {
		ok(0, "%s: sync: %s", what, err);
		free(err);
	}
}

static int
live(const struct mailbox *mb)
{
	uint32_t i, n = 0;

	for (i = 0; i < mailbox_count(mb); i++)
		if (!(mailbox_msg(mb, i)->state & MAILBOX_MSG_EXPUNGED))
			n++;
	return (int)n;
}

static char *
path_of(const char *rel)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "%s/%s", tdir, rel);
	return buf;
}

/* The name of the file in DIR/SUB whose name starts with base. */
static int
find_file(const char *dir, const char *base, char *out, size_t len)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(path_of(dir))) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, base, strlen(base)) == 0) {
			strlcpy(out, de->d_name, len);
			found = 1;
		}
	closedir(d);
	return found;
}

static void
test_names(void)
{
	char buf[300];
	int64_t t;

	is_int(mailbox_name_flags("1.M1P1.h,S=3:2,FRS"), MAILBOX_F_FLAGGED |
	    MAILBOX_F_ANSWERED | MAILBOX_F_SEEN, "flags from :2,FRS");
	is_int(mailbox_name_flags("1.M1P1.h,S=3:1,S"), 0,
	    "no flags from :1, info");
	is_int(mailbox_name_flags("1.M1P1.h,S=3"), 0, "no info, no flags");
	is_int((long long)mailbox_name_baselen("1.M1P1.h,S=3:2,S"), 12,
	    "the unique part ends at ':'");
	ok(mailbox_name_make("1.M1P1.h,S=3:2,Sab", MAILBOX_F_DELETED |
	    MAILBOX_F_DRAFT, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "1.M1P1.h,S=3:2,DTab") == 0,
	    "new info: ours in order, other programs' letters kept: %s", buf);
	ok(mailbox_name_make("1.M1P1.h", MAILBOX_F_SEEN, buf, sizeof(buf)) ==
	    0 && strcmp(buf, "1.M1P1.h:2,S") == 0, "info added: %s", buf);
	ok(mailbox_name_make("1.M1P1.h", 0, buf, 5) < 0, "too small a buffer");
	ok(mailbox_name_time("1234567890.M1P2.h", &t) && t == 1234567890,
	    "date from the name");
	ok(!mailbox_name_time("x.M1P2.h", &t) &&
	    !mailbox_name_time("1234567890123456.M1P2", &t),
	    "no date from a name that has none");
}

/* First login before first delivery; then mail arrives. */
static void
test_basic(void)
{
	struct maildir *md = md_open("alice");
	struct mailbox *mb, *mb2;
	const struct mailbox_msg *m;
	char name[3][MAILDIR_NAME_MAX + 1], *err = NULL;
	uint32_t uv;
	struct stat st;

	mb = mb_open(md);
	is_int(mailbox_count(mb), 0, "a new Maildir is an empty folder");
	ok(mailbox_uidvalidity(mb) != 0, "it has a UIDVALIDITY (%u)",
	    mailbox_uidvalidity(mb));
	is_int(mailbox_uidnext(mb), 1, "UIDNEXT 1");
	ok(stat(path_of("alice/" MAILBOX_INDEX_FILE), &st) == 0 &&
	    (st.st_mode & 0777) == 0600, "the index exists, mode 0600");
	uv = mailbox_uidvalidity(mb);

	deliver(md, "Subject: one\n\nbody\n", name[0], sizeof(name[0]));
	deliver(md, "Subject: two\n\nline\r\nline\n", name[1],
	    sizeof(name[1]));
	deliver(md, "Subject: three\n\n", name[2], sizeof(name[2]));
	is_int(mailbox_sync(mb, 0, &err), 1, "sync finds new mail");
	drop(&err);
	is_int(mailbox_count(mb), 3, "three messages");
	m = mailbox_msg(mb, 0);
	ok(m->uid == 1 && mailbox_msg(mb, 1)->uid == 2 &&
	    mailbox_msg(mb, 2)->uid == 3, "UIDs 1, 2, 3 in arrival order");
	ok(strcmp(m->name, name[0]) == 0 && !m->in_cur, "where: new/%s",
	    m->name);
	ok(m->size == 19 && m->vsize == 22, "size %llu, CR LF size %llu",
	    (unsigned long long)m->size, (unsigned long long)m->vsize);
	ok(mailbox_msg(mb, 1)->vsize == mailbox_msg(mb, 1)->size + 3,
	    "a CR LF already there counts once");
	is_int(mailbox_uidnext(mb), 4, "UIDNEXT 4");
	ok(m->modseq > 0 && mailbox_highestmodseq(mb) >= m->modseq,
	    "modseq %llu", (unsigned long long)m->modseq);
	is_int(mailbox_sync(mb, 0, &err), 0, "nothing new: no change");
	drop(&err);

	/* a second view, and the same after close and open */
	mb2 = mb_open(md);
	ok(mailbox_count(mb2) == 3 && mailbox_uidvalidity(mb2) == uv &&
	    mailbox_msg(mb2, 2)->uid == 3 &&
	    strcmp(mailbox_msg(mb2, 2)->name, name[2]) == 0,
	    "another view sees the same UIDs");
	mailbox_close(&mb2);
	mailbox_close(&mb);
	ok(mb == NULL, "mailbox_close sets NULL");
	mb = mb_open(md);
	ok(mailbox_count(mb) == 3 && mailbox_uidvalidity(mb) == uv &&
	    mailbox_msg(mb, 0)->uid == 1 && mailbox_uidnext(mb) == 4,
	    "stable across opens");
	mailbox_close(&mb);
	maildir_close(&md);
}

static void
test_flags(void)
{
	struct maildir *md = md_open("bob");
	struct mailbox *mb, *other;
	const struct mailbox_msg *m;
	char name[MAILDIR_NAME_MAX + 1], file[MAILDIR_NAME_MAX + 1];
	char base[MAILDIR_NAME_MAX + 1], rel[600], *err = NULL;
	uint32_t uid = 1, mod[2];
	uint64_t ms;
	size_t nmod;
	int kw, kw2;

	deliver(md, "Subject: a\n\n", name, sizeof(name));
	deliver(md, "Subject: b\n\n", NULL, 0);
	mb = mb_open(md);
	other = mb_open(md);
	ms = mailbox_msg(mb, 0)->modseq;
	is_int(mailbox_store(mb, &uid, 1, MAILBOX_STORE_ADD, MAILBOX_F_SEEN,
	    0, 0, NULL, NULL, &err), 1, "\\Seen stored");
	drop(&err);
	m = mailbox_msg(mb, 0);
	ok(m->flags == MAILBOX_F_SEEN && m->in_cur && m->modseq > ms,
	    "in the view: flag, cur/, a higher modseq");
	strlcpy(base, name, mailbox_name_baselen(name) + 1);
	ok(find_file("bob/cur", base, file, sizeof(file)) &&
	    strstr(file, ":2,S") != NULL, "the file moved to cur/%s", file);
	ok(!find_file("bob/new", base, file, sizeof(file)),
	    "... and is no longer in new/");
	msync_ok(other, "other view");
	ok(mailbox_msg(other, 0)->flags == MAILBOX_F_SEEN &&
	    mailbox_msg(other, 0)->modseq == m->modseq,
	    "another session sees the flag and the modseq");

	/* a mail client on the host renames the file: :2,S -> :2,FS */
	find_file("bob/cur", base, file, sizeof(file));
	snprintf(rel, sizeof(rel), "bob/cur/%s", file);
	strlcat(file, "F", sizeof(file));	/* "...:2,S" + "F": kept order */
	{
		char to[700];

		snprintf(to, sizeof(to), "%s/bob/cur/%s:2,FS", tdir, base);
		if (rename(path_of(rel), to) < 0)
			bail_out("rename: %s", strerror(errno));
	}
	is_int(mailbox_sync(mb, 0, &err), 1, "an external rename is seen");
	drop(&err);
	m = mailbox_msg(mb, 0);
	ok(m->uid == 1 && m->flags == (MAILBOX_F_SEEN | MAILBOX_F_FLAGGED),
	    "same UID, the flags of the new name");

	/* keywords */
	kw = mailbox_keyword(mb, "$Label1", 1, &err);
	drop(&err);
	ok(kw >= 0 && mailbox_keyword(other, "$label1", 0, &err) < 0,
	    "a keyword defined (another view learns it at its next sync)");
	drop(&err);
	msync_ok(other, "other");
	is_int(mailbox_keyword(other, "$LABEL1", 0, &err), kw,
	    "... then finds it, ASCII case ignored");
	drop(&err);
	kw2 = mailbox_keyword(mb, "bad(name", 1, &err);
	ok(kw2 < 0 && err != NULL, "not an atom: %s", err);
	free(err);
	err = NULL;
	is_int(mailbox_store(mb, &uid, 1, MAILBOX_STORE_ADD, 0,
	    1ULL << kw, 0, NULL, NULL, &err), 1, "keyword stored");
	drop(&err);
	ms = mailbox_msg(mb, 0)->modseq;
	/* CONDSTORE: UNCHANGEDSINCE an older modseq fails */
	is_int(mailbox_store(mb, &uid, 1, MAILBOX_STORE_REMOVE,
	    MAILBOX_F_FLAGGED, 0, ms - 1, mod, &nmod, &err), 0,
	    "UNCHANGEDSINCE older than the message: nothing stored");
	ok(nmod == 1 && mod[0] == uid, "... and it is reported modified");
	drop(&err);
	mailbox_close(&mb);
	mailbox_close(&other);
	mb = mb_open(md);
	m = mailbox_find_uid(mb, 1, NULL);
	ok(m != NULL && m->keywords == 1ULL << kw &&
	    strcmp(mailbox_keyword_name(mb, (unsigned)kw), "$Label1") == 0,
	    "keywords survive a reopen");
	mailbox_close(&mb);
	maildir_close(&md);
}

static void
test_behind_back(void)
{
	struct maildir *md = md_open("carol");
	struct mailbox *mb;
	const struct mailbox_msg *m;
	char name[4][MAILDIR_NAME_MAX + 1], from[700], to[700], *err = NULL;
	uint32_t i, uid;
	int fd;

	for (i = 0; i < 3; i++)
		deliver(md, "Subject: x\n\n", name[i], sizeof(name[i]));
	mb = mb_open(md);
	/* a client moves one to cur/ and deletes another */
	snprintf(from, sizeof(from), "%s/carol/new/%s", tdir, name[0]);
	snprintf(to, sizeof(to), "%s/carol/cur/%s:2,S", tdir, name[0]);
	if (rename(from, to) < 0)
		bail_out("rename: %s", strerror(errno));
	snprintf(from, sizeof(from), "%s/carol/new/%s", tdir, name[1]);
	unlink(from);
	is_int(mailbox_sync(mb, 0, &err), 1, "changes behind our back");
	drop(&err);
	m = mailbox_find_uid(mb, 1, NULL);
	ok(m != NULL && m->in_cur && m->flags == MAILBOX_F_SEEN &&
	    !(m->state & MAILBOX_MSG_EXPUNGED), "moved: same UID, in cur/");
	m = mailbox_find_uid(mb, 2, NULL);
	ok(m != NULL && (m->state & MAILBOX_MSG_EXPUNGED),
	    "deleted: marked expunged, still in the view");
	is_int(mailbox_count(mb), 3, "... until purged");
	mailbox_purge(mb);
	ok(mailbox_count(mb) == 2 && mailbox_find_uid(mb, 2, NULL) == NULL,
	    "purged");
	deliver(md, "Subject: y\n\n", name[3], sizeof(name[3]));
	msync_ok(mb, "after a delivery");
	m = mailbox_msg(mb, mailbox_count(mb) - 1);
	is_int(m->uid, 4, "the next message gets UID 4: 2 is not reused");

	/* a file renamed while the view did not look: found when opened */
	snprintf(from, sizeof(from), "%s/carol/new/%s", tdir, name[2]);
	snprintf(to, sizeof(to), "%s/carol/cur/%s:2,T", tdir, name[2]);
	if (rename(from, to) < 0)
		bail_out("rename: %s", strerror(errno));
	uid = 3;
	fd = -1;
	is_int(mailbox_msg_open(mb, uid, &fd, &err), 1,
	    "a moved file is still opened");
	drop(&err);
	if (fd >= 0)
		close(fd);
	m = mailbox_find_uid(mb, 3, NULL);
	ok(m != NULL && m->in_cur && m->flags == MAILBOX_F_DELETED,
	    "... and the view knows where it went");
	snprintf(from, sizeof(from), "%s/carol/cur/%s:2,T", tdir, name[2]);
	unlink(from);
	is_int(mailbox_msg_open(mb, uid, &fd, &err), 0,
	    "a deleted file: gone (0)");
	drop(&err);
	m = mailbox_find_uid(mb, 3, NULL);
	ok(m != NULL && (m->state & MAILBOX_MSG_EXPUNGED),
	    "... and marked expunged");
	mailbox_close(&mb);
	maildir_close(&md);
}

static void
test_expunge_quota(void)
{
	struct maildir *md = md_open("dave");
	struct maildir_quota q = { 1000000, 0, 0, 0 };
	struct mailbox *mb;
	char *err = NULL;
	uint32_t uids[2] = { 1, 3 };
	uint64_t bytes;
	int i;

	for (i = 0; i < 4; i++)
		deliver(md, "Subject: quota\n\n0123456789\n", NULL, 0);	/* 27 */
	if (maildir_quota_recalc(md, &q, &err) < 0)
		bail_out("quota: %s", err);
	ok(q.count == 4 && q.bytes == 4 * 27, "maildirsize: 4 messages, %lld "
	    "bytes", q.bytes);
	mb = mb_open(md);
	is_int(mailbox_expunge(mb, uids, 2, &bytes, &err), 2,
	    "two expunged");
	drop(&err);
	is_int((long long)bytes, 54, "their bytes");
	is_int(tap_dir_entries(path_of("dave/new")), 2, "two files left");
	ok(maildir_quota_get(md, &q, time(NULL), &err) == 0 && q.count == 2 &&
	    q.bytes == 54, "maildirsize follows: %lld messages, %lld bytes",
	    q.count, q.bytes);
	drop(&err);
	ok((mailbox_find_uid(mb, 1, NULL)->state & MAILBOX_MSG_EXPUNGED) &&
	    !(mailbox_find_uid(mb, 2, NULL)->state & MAILBOX_MSG_EXPUNGED),
	    "the view marks exactly those");
	is_int(mailbox_expunge(mb, uids, 2, NULL, &err), 0,
	    "expunging them again removes nothing");
	drop(&err);
	mailbox_close(&mb);
	maildir_close(&md);
}

/* Set the times of DIR's new/ and cur/ an hour back. */
static void
age_dirs(const char *dir)
{
	struct timespec ts[2];
	char rel[256];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 3600;
	ts[1] = ts[0];
	snprintf(rel, sizeof(rel), "%s/new", dir);
	utimensat(AT_FDCWD, path_of(rel), ts, 0);
	snprintf(rel, sizeof(rel), "%s/cur", dir);
	utimensat(AT_FDCWD, path_of(rel), ts, 0);
}

/* Cut the index back to size and append half of what followed. */
static void
tear(const char *rel, off_t size, off_t now)
{
	char *buf;
	off_t len = now - size;
	int fd;

	fd = open(path_of(rel), O_RDWR);
	buf = xmalloc((size_t)len);
	if (fd < 0 || pread(fd, buf, (size_t)len, size) != len ||
	    ftruncate(fd, size) < 0 ||
	    pwrite(fd, buf, (size_t)len / 2, size) != len / 2)
		bail_out("torn write: %s", strerror(errno));
	free(buf);
	close(fd);
}

/* A writer killed inside its write: half a transaction at the end. */
static void
test_torn(void)
{
	struct maildir *md = md_open("erin");
	struct mailbox *mb, *mb2;
	struct stat st, st2;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	char *err = NULL;
	uint32_t uv;

	deliver(md, "Subject: 1\n\n", NULL, 0);
	/* times well past: no listing is needed again after the first */
	age_dirs("erin");
	mb = mb_open(md);
	mb2 = mb_open(md);
	uv = mailbox_uidvalidity(mb);
	/* a transaction that lists nothing: cached data */
	stat(path_of("erin/" MAILBOX_INDEX_FILE), &st);
	if (mailbox_cache_put(mb2, 1, MAILBOX_CACHE_BODY, "cached", 6,
	    &err) < 0)
		bail_out("cache_put: %s", err);
	stat(path_of("erin/" MAILBOX_INDEX_FILE), &st2);
	tear("erin/" MAILBOX_INDEX_FILE, st.st_size, st2.st_size);
	is_int(mailbox_sync(mb, 0, &err), 0, "a reader ignores half a "
	    "transaction");
	drop(&err);
	is_int(mailbox_cache_get(mb, 1, MAILBOX_CACHE_BODY, b, &err), 0,
	    "... it was not applied");
	drop(&err);
	tap_check_log("a reader after a torn write");
	tap_expect_log("cut off");
	ok(mailbox_cache_put(mb, 1, MAILBOX_CACHE_ENVELOPE, "env", 3,
	    &err) == 0, "a writer after a torn write succeeds");
	drop(&err);
	tap_check_log("the writer cuts the torn part off, with a warning");
	mailbox_close(&mb2);

	/* a transaction that gave a UID, torn: nobody saw the UID */
	deliver(md, "Subject: 2\n\n", NULL, 0);
	stat(path_of("erin/" MAILBOX_INDEX_FILE), &st);
	mb2 = mb_open(md);
	is_int(mailbox_msg(mb2, 1)->uid, 2, "another view gave UID 2");
	mailbox_close(&mb2);
	stat(path_of("erin/" MAILBOX_INDEX_FILE), &st2);
	tear("erin/" MAILBOX_INDEX_FILE, st.st_size, st2.st_size);
	tap_expect_log("cut off");
	msync_ok(mb, "writer after a torn UID transaction");
	tap_check_log("cut off again");
	ok(mailbox_uidvalidity(mb) == uv && mailbox_count(mb) == 2 &&
	    mailbox_msg(mb, 1)->uid == 2, "the listing gives UID 2 to the "
	    "same message again");
	deliver(md, "Subject: 3\n\n", NULL, 0);
	msync_ok(mb, "next delivery");
	ok(mailbox_count(mb) == 3 && mailbox_msg(mb, 2)->uid == 3 &&
	    mailbox_uidvalidity(mb) == uv, "the UIDs go on");
	mailbox_close(&mb);
	mb = mb_open(md);
	ok(mailbox_count(mb) == 3 && mailbox_uidnext(mb) == 4,
	    "a fresh reader agrees");
	drop(&err);
	vbuf_free(&b);
	mailbox_close(&mb);
	maildir_close(&md);
}

/* Close mb, spoil its index's magic, and open the folder again. */
static struct mailbox *
reopen_bad_header(struct maildir *md, struct mailbox **mbp, const char *what)
{
	struct mailbox *mb;
	int fd;

	mailbox_close(mbp);
	fd = open(path_of("fred/" MAILBOX_INDEX_FILE), O_RDWR);
	if (fd < 0 || pwrite(fd, "XXXX", 4, 0) != 4)
		bail_out("pwrite: %s", strerror(errno));
	close(fd);
	tap_expect_log("bad header");
	mb = mb_open(md);
	tap_check_log(what);
	return mb;
}

/* Damage inside the file, and a bad header: rebuilt, new UIDVALIDITY. */
static void
test_damaged(void)
{
	struct maildir *md = md_open("fred");
	struct mailbox *mb;
	char *err = NULL, c = 'Z';
	uint32_t uv;
	int fd, i, bad;

	for (i = 0; i < 3; i++)
		deliver(md, "Subject: d\n\n", NULL, 0);
	mb = mb_open(md);
	uv = mailbox_uidvalidity(mb);
	mailbox_close(&mb);
	/* flip a byte in the first record (a message) */
	fd = open(path_of("fred/" MAILBOX_INDEX_FILE), O_RDWR);
	if (pwrite(fd, &c, 1, MAILBOX_HDR_SIZE + 20) != 1)
		bail_out("pwrite: %s", strerror(errno));
	close(fd);
	tap_expect_log("check sum");
	mb = mb_open(md);
	tap_check_log("a damaged record");
	ok(mailbox_count(mb) == 3 && mailbox_uidvalidity(mb) != uv,
	    "rebuilt from the Maildir with a new UIDVALIDITY (%u -> %u)", uv,
	    mailbox_uidvalidity(mb));
	uv = mailbox_uidvalidity(mb);
	mb = reopen_bad_header(md, &mb, "a bad header");
	ok(mailbox_count(mb) == 3 && mailbox_uidvalidity(mb) > uv,
	    "a bad header: rebuilt too, with a later UIDVALIDITY");
	/*
	 * Headers that cannot be read, again and again within a second or
	 * two: the old UIDVALIDITY is unknown each time, and yet none
	 * repeats (the folder's record of the last one)
	 */
	for (i = 0, bad = 0; i < 5; i++) {
		uv = mailbox_uidvalidity(mb);
		mb = reopen_bad_header(md, &mb, "a bad header again");
		if (mailbox_uidvalidity(mb) <= uv)
			bad++;
	}
	ok(bad == 0, "five bad headers in a row: five later UIDVALIDITYs "
	    "(the last %u)", mailbox_uidvalidity(mb));
	uv = mailbox_uidvalidity(mb);
	mailbox_close(&mb);
	unlink(path_of("fred/" MAILBOX_INDEX_FILE));
	mb = mb_open(md);
	ok(mailbox_count(mb) == 3 && mailbox_uidvalidity(mb) > uv,
	    "a removed index: a new one with a later UIDVALIDITY, the messages "
	    "listed again");
	/* the view of a session that holds the old one */
	unlink(path_of("fred/" MAILBOX_INDEX_FILE));
	tap_expect_log("removed");
	msync_ok(mb, "index removed under a session");
	tap_check_log("index removed under a session");
	ok(mailbox_count(mb) == 3 && mailbox_uidvalidity(mb) > uv,
	    "a session sees the new UIDVALIDITY");
	drop(&err);
	mailbox_close(&mb);
	maildir_close(&md);
}

static void
test_compact_cache(void)
{
	struct maildir *md = md_open("gina");
	struct mailbox *mb, *old;
	struct vbuf *b = vbuf_new(64, VBUF_NOLIMIT);
	struct stat st1, st2;
	char *err = NULL, data[4000];
	uint32_t uids[20], i;
	int round;

	for (i = 0; i < 20; i++) {
		deliver(md, "Subject: c\n\n", NULL, 0);
		uids[i] = i + 1;
	}
	mb = mb_open(md);
	old = mb_open(md);
	memset(data, 'e', sizeof(data));
	ok(mailbox_cache_put(mb, 5, MAILBOX_CACHE_ENVELOPE, data,
	    sizeof(data), &err) == 0, "cached data stored");
	drop(&err);
	stat(path_of("gina/" MAILBOX_INDEX_FILE), &st1);
	/* flag changes until the file has been written whole again */
	for (round = 0; round < 2000; round++) {
		if (mailbox_store(mb, uids, 20, round % 2 ?
		    MAILBOX_STORE_REMOVE : MAILBOX_STORE_ADD,
		    MAILBOX_F_FLAGGED, 0, 0, NULL, NULL, &err) < 0)
			break;
		stat(path_of("gina/" MAILBOX_INDEX_FILE), &st2);
		if (st2.st_ino != st1.st_ino)
			break;
	}
	drop(&err);
	ok(st2.st_ino != st1.st_ino, "compacted after %d rounds (%lld "
	    "bytes now)", round, (long long)st2.st_size);
	ok(st2.st_size < 64 * 1024, "the new file holds the state only");
	is_int(mailbox_cache_get(mb, 5, MAILBOX_CACHE_ENVELOPE, b, &err), 1,
	    "cached data survives compaction");
	ok(vbuf_len(b) == sizeof(data) && memcmp(vbuf_str(b), data,
	    sizeof(data)) == 0, "... byte for byte");
	drop(&err);
	vbuf_reset(b);
	is_int(mailbox_cache_get(old, 5, MAILBOX_CACHE_ENVELOPE, b, &err), 0,
	    "a view that has not synced since has no offset for it");
	msync_ok(old, "the old view");
	ok(mailbox_count(old) == 20 && mailbox_msg(old, 0)->flags ==
	    mailbox_msg(mb, 0)->flags && mailbox_msg(old, 0)->modseq ==
	    mailbox_msg(mb, 0)->modseq, "a view holding the old file "
	    "catches up with the new one");
	is_int(mailbox_cache_get(old, 5, MAILBOX_CACHE_ENVELOPE, b, &err), 1,
	    "... and finds the cached data");
	drop(&err);
	is_int(mailbox_cache_get(old, 6, MAILBOX_CACHE_ENVELOPE, b, &err), 0,
	    "none for another message");
	vbuf_free(&b);
	mailbox_close(&mb);
	mailbox_close(&old);
	maildir_close(&md);
}

/* Names without sizes; a symbolic link; names the files contradict. */
static void
test_no_sizes(void)
{
	struct maildir *md = md_open("hal");
	struct mailbox *mb;
	const struct mailbox_msg *m;
	char *err = NULL;
	int fd;

	fd = open(path_of("hal/cur/1000000000.M1P1.other:2,S"),
	    O_CREAT | O_WRONLY, 0600);
	if (fd < 0 || write(fd, "a\nb\r\nc\n", 7) != 7)
		bail_out("write: %s", strerror(errno));
	close(fd);
	/* sizes in the name that the file contradicts: the name is used */
	fd = open(path_of("hal/new/1000000001.M1P1.other,S=10,W=12"),
	    O_CREAT | O_WRONLY, 0600);
	close(fd);
	if (symlink("/alice/new", path_of("hal/new/1000000002.L.x")) <
	    0 || symlink("../../alice/" MAILBOX_INDEX_FILE,
	    path_of("hal/cur/1000000003.L.y:2,")) < 0)
		bail_out("symlink: %s", strerror(errno));
	mb = mb_open(md);
	is_int(mailbox_count(mb), 2, "symbolic links are no messages");
	m = mailbox_msg(mb, 0);
	ok(m->size == 7 && m->vsize == MAILBOX_VSIZE_UNKNOWN &&
	    m->idate == 1000000000 && m->flags == MAILBOX_F_SEEN,
	    "no S=/W=: size from the inode, CR LF size unknown");
	m = mailbox_msg(mb, 1);
	ok(m->size == 10 && m->vsize == 12, "S= and W= from the name: the "
	    "file was not read");
	is_int(mailbox_fill_vsizes(mb, &err), 0, "fill the unknown sizes");
	drop(&err);
	is_int((long long)mailbox_msg(mb, 0)->vsize, 9,
	    "read once: 7 bytes, 2 bare LFs");
	mailbox_close(&mb);
	mb = mb_open(md);
	is_int((long long)mailbox_msg(mb, 0)->vsize, 9, "... and recorded");
	/* a message whose file became a link is refused, not followed */
	unlink(path_of("hal/new/1000000001.M1P1.other,S=10,W=12"));
	if (symlink("../../alice/" MAILBOX_INDEX_FILE,
	    path_of("hal/new/1000000001.M1P1.other,S=10,W=12")) < 0 &&
	    errno != EEXIST)
		bail_out("symlink: %s", strerror(errno));
	fd = -1;
	ok(mailbox_msg_open(mb, 2, &fd, &err) <= 0 && fd < 0,
	    "a message file replaced by a link is not opened: %s",
	    err != NULL ? err : "gone");
	drop(&err);
	mailbox_close(&mb);
	maildir_close(&md);
}

static void
test_add_watch(void)
{
	struct maildir *md = md_open("ida");
	struct mailbox *mb, *other;
	struct mailbox_new nm[2];
	struct pollfd pfd;
	char name[2][MAILDIR_NAME_MAX + 1], *err = NULL;
	uint32_t uids[2];
	int ifd;

	mb = mb_open(md);
	other = mb_open(md);
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ok(ifd >= 0 && mailbox_watch(other, ifd, &err) == 0,
	    "watches for IDLE");
	drop(&err);
	deliver(md, "Subject: appended\n\n", name[0], sizeof(name[0]));
	deliver(md, "Subject: two\n\n", name[1], sizeof(name[1]));
	/* another session lists the second before we add it */
	msync_ok(other, "other");
	memset(nm, 0, sizeof(nm));
	nm[0].name = name[0];
	nm[0].flags = MAILBOX_F_SEEN | MAILBOX_F_DRAFT;
	nm[0].idate = 1500000000;
	nm[1].name = name[1];
	is_int(mailbox_add(mb, nm, 2, uids, &err), 0, "APPEND");
	drop(&err);
	ok(uids[0] == 1 && uids[1] == 2, "UIDs %u %u (the ones another "
	    "session gave)", uids[0], uids[1]);
	ok(mailbox_find_uid(mb, 1, NULL)->in_cur &&
	    mailbox_find_uid(mb, 1, NULL)->flags == (MAILBOX_F_SEEN |
	    MAILBOX_F_DRAFT) && mailbox_find_uid(mb, 1, NULL)->idate ==
	    1500000000, "flags and date as given, in cur/");
	pfd.fd = ifd;
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 0) == 1, "the watching session was woken");
	msync_ok(other, "other");
	ok(mailbox_find_uid(other, 1, NULL)->flags == (MAILBOX_F_SEEN |
	    MAILBOX_F_DRAFT), "and sees the flags");
	close(ifd);
	mailbox_close(&mb);
	mailbox_close(&other);
	maildir_close(&md);
}

/* An index whose UIDNEXT is about to pass 2^32 - 1: numbered anew. */
static void
test_uids_run_out(void)
{
	struct maildir *md = md_open("jane");
	struct mailbox *mb;
	unsigned char buf[MAILBOX_HDR_SIZE + 64];
	size_t n = MAILBOX_HDR_SIZE;
	uint32_t crc;
	int fd, i;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "PSTRNIX1", 8);
	buf[8] = 7;	/* UIDVALIDITY 7 */
	crc = mailbox_crc32(0, buf, 60);
	memcpy(buf + 60, &crc, 4);
	/* one commit: UIDNEXT 2^32 - 2, modseq 1, stamps to list again */
	buf[n] = 39;
	buf[n + 4] = 'T';
	memset(buf + n + 5, 0xff, 4);
	buf[n + 5] = 0xfe;
	buf[n + 9] = 1;
	buf[n + 29] = 1;
	buf[n + 42] = 1;
	crc = mailbox_crc32(0, buf + n, 43);
	memcpy(buf + n + 43, &crc, 4);
	n += 47;
	fd = open(path_of("jane/" MAILBOX_INDEX_FILE), O_CREAT | O_WRONLY,
	    0600);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n)
		bail_out("write: %s", strerror(errno));
	close(fd);
	for (i = 0; i < 3; i++)
		deliver(md, "Subject: u\n\n", NULL, 0);
	tap_expect_log("no UIDs left");
	mb = mb_open(md);
	tap_check_log("UIDs run out");
	ok(mailbox_count(mb) == 3 && mailbox_msg(mb, 0)->uid == 1 &&
	    mailbox_msg(mb, 2)->uid == 3 && mailbox_uidvalidity(mb) != 7,
	    "three new messages and 2^32 - 2 as UIDNEXT: a new UIDVALIDITY, "
	    "UIDs from 1 (%u)", mailbox_uidvalidity(mb));
	mailbox_close(&mb);
	maildir_close(&md);
}

/*
 * Several processes deliver, sync, store and expunge at once. Each
 * writes what it saw as "UID BASE" lines; no UID may ever stand for two
 * messages, and in the end every file has exactly one UID.
 */
#define CW_PROCS	4
#define CW_ROUNDS	40

static void
cw_child(int id, int out)
{
	struct maildir *md;
	struct mailbox *mb;
	const struct mailbox_msg *m;
	char *err = NULL, line[400];
	uint32_t i, uid;
	int round, n;

	if (maildir_open(rootfd, "conc", 0, &md, &err) < 0)
		_exit(2);
	if (mailbox_open(md, md, 0, &mb, &err) < 0)
		_exit(3);
	for (round = 0; round < CW_ROUNDS; round++) {
		deliver(md, "Subject: c\n\nbody\n", NULL, 0);
		if (mailbox_sync(mb, 0, &err) < 0)
			_exit(4);
		for (i = 0; i < mailbox_count(mb); i++) {
			m = mailbox_msg(mb, i);
			n = snprintf(line, sizeof(line), "%u %.*s\n", m->uid,
			    (int)mailbox_name_baselen(m->name), m->name);
			if (write(out, line, (size_t)n) != n)
				_exit(5);
		}
		if (mailbox_count(mb) > 0) {
			uid = mailbox_msg(mb, (uint32_t)(round * 7 + id) %
			    mailbox_count(mb))->uid;
			if (mailbox_store(mb, &uid, 1, MAILBOX_STORE_ADD,
			    round % 2 ? MAILBOX_F_SEEN : MAILBOX_F_FLAGGED, 0,
			    0, NULL, NULL, &err) < 0)
				_exit(6);
			if (round % 5 == id % 5 &&
			    mailbox_expunge(mb, &uid, 1, NULL, &err) < 0)
				_exit(7);
		}
		mailbox_purge(mb);
	}
	mailbox_close(&mb);
	maildir_close(&md);
	_exit(0);
}

static int
cw_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_concurrent(void)
{
	struct maildir *md = md_open("conc");
	struct mailbox *mb;
	pid_t pids[CW_PROCS];
	int pfd[2], i, status, bad = 0, failed = 0;
	struct vbuf *all = vbuf_new(65536, VBUF_NOLIMIT);
	char buf[65536], **lines, *p, *sp, *err = NULL;
	size_t n = 0, k, cap = 1024;
	ssize_t got;
	uint32_t j;

	if (pipe(pfd) < 0)
		bail_out("pipe: %s", strerror(errno));
	fflush(stdout);
	for (i = 0; i < CW_PROCS; i++) {
		if ((pids[i] = fork()) < 0)
			bail_out("fork: %s", strerror(errno));
		if (pids[i] == 0) {
			close(pfd[0]);
			cw_child(i, pfd[1]);
		}
	}
	close(pfd[1]);
	while ((got = read(pfd[0], buf, sizeof(buf))) > 0)
		vbuf_append(all, buf, (size_t)got);
	close(pfd[0]);
	for (i = 0; i < CW_PROCS; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	is_int(failed, 0, "%d processes delivering, syncing, storing and "
	    "expunging at once all succeed", CW_PROCS);
	lines = xreallocarray(NULL, cap, sizeof(*lines));
	for (p = strtok_r(all->data, "\n", &sp); p != NULL;
	    p = strtok_r(NULL, "\n", &sp)) {
		if (n == cap) {
			cap *= 2;
			lines = xreallocarray(lines, cap, sizeof(*lines));
		}
		lines[n++] = p;
	}
	/* sorted "UID BASE" lines: one UID, one base */
	qsort(lines, n, sizeof(*lines), cw_cmp);
	for (k = 1; k < n; k++)
		if (strtoul(lines[k], NULL, 10) ==
		    strtoul(lines[k - 1], NULL, 10) &&
		    strcmp(lines[k], lines[k - 1]) != 0) {
			if (bad++ == 0)
				diag("UID reused: %s / %s", lines[k - 1],
				    lines[k]);
		}
	ok(n > 0 && bad == 0, "no UID stood for two messages (%zu "
	    "observations)", n);
	free(lines);
	vbuf_free(&all);
	mb = mb_open(md);
	if (mailbox_sync(mb, MAILBOX_SYNC_FORCE, &err) < 0)
		drop(&err);
	is_int(live(mb), tap_dir_entries(path_of("conc/new")) +
	    tap_dir_entries(path_of("conc/cur")), "every file has a UID");
	is_int(CW_PROCS * CW_ROUNDS - live(mb) > 0, 1, "some were expunged");
	for (j = 1, bad = 0; j < mailbox_count(mb); j++)
		if (mailbox_msg(mb, j)->uid <= mailbox_msg(mb, j - 1)->uid)
			bad++;
	ok(bad == 0 && mailbox_uidnext(mb) > mailbox_msg(mb,
	    mailbox_count(mb) - 1)->uid, "UIDs ascend, UIDNEXT beyond them");
	mailbox_close(&mb);
	maildir_close(&md);
}

/* IMAP's \Recent: what is in new/ is claimed by one session only. */
static void
test_claim_new(void)
{
	struct maildir *md = md_open("claim");
	struct mailbox *a, *b;
	uint32_t *uids;
	size_t n;
	char *err = NULL;

	deliver(md, "Subject: one\n\n1\n", NULL, 0);
	deliver(md, "Subject: two\n\n2\n", NULL, 0);
	a = mb_open(md);
	b = mb_open(md);
	ok(mailbox_claim_new(a, &uids, &n, &err) == 0 && n == 2 &&
	    uids[0] == 1 && uids[1] == 2, "claim_new: both messages");
	drop(&err);
	free(uids);
	ok(mailbox_msg(a, 0)->in_cur && mailbox_msg(a, 1)->in_cur,
	    "they moved into cur/");
	msync_ok(b, "claim_new");
	ok(mailbox_claim_new(b, &uids, &n, &err) == 0 && n == 0,
	    "another session claims none of them");
	drop(&err);
	free(uids);
	deliver(md, "Subject: three\n\n3\n", NULL, 0);
	msync_ok(a, "claim_new");
	msync_ok(b, "claim_new");
	ok(mailbox_claim_new(b, &uids, &n, &err) == 0 && n == 1 &&
	    uids[0] == 3, "new mail goes to the first to claim it");
	drop(&err);
	free(uids);
	ok(mailbox_claim_new(a, &uids, &n, &err) == 0 && n == 0 &&
	    live(a) == 3, "... and the other sees it as a message, not "
	    "recent");
	drop(&err);
	free(uids);
	mailbox_close(&a);
	mailbox_close(&b);
	maildir_close(&md);
}

/*
 * A folder deleted and made again under its name within the same
 * second (IMAP DELETE, then CREATE) gets another UIDVALIDITY: its own
 * record went with it, the root's stays.
 */
static void
test_recreate(void)
{
	struct maildir *root = md_open("rec"), *f;
	struct mailbox *mb;
	char *err = NULL, cmd[2100];
	uint32_t uv[4];
	int i, same = 0;

	for (i = 0; i < 4; i++) {
		if (mkdir(path_of("rec/.Work"), 0700) < 0 ||
		    maildir_open_folder(root, "Work", &f, &err) != 1)
			bail_out("folder: %s", err != NULL ? err : "missing");
		if (mailbox_open(f, root, 0, &mb, &err) < 0)
			bail_out("mailbox_open: %s", err);
		uv[i] = mailbox_uidvalidity(mb);
		if (i > 0 && uv[i] <= uv[i - 1])
			same++;
		mailbox_close(&mb);
		maildir_close(&f);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path_of("rec/.Work"));
		if (system(cmd) != 0)
			bail_out("%s", cmd);
	}
	ok(same == 0, "a folder deleted and made again four times in a row: "
	    "a later UIDVALIDITY each time (%u %u %u %u)", uv[0], uv[1], uv[2],
	    uv[3]);
	maildir_close(&root);
}

int
main(void)
{
	tap_init("mailbox");
	tdir = tap_tmpdir();
	if ((rootfd = open(tdir, O_RDONLY | O_DIRECTORY)) < 0)
		bail_out("open %s: %s", tdir, strerror(errno));
	test_names();
	test_basic();
	test_flags();
	test_behind_back();
	test_expunge_quota();
	test_torn();
	test_damaged();
	test_compact_cache();
	test_no_sizes();
	test_add_watch();
	test_uids_run_out();
	test_concurrent();
	test_claim_new();
	test_recreate();
	close(rootfd);
	return done_testing();
}
