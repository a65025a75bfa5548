/*
 * Unit tests for lib/maildir and lib/maildir_quota: paths, names,
 * creation, tmp -> new, sizes, CRLF -> LF at every split, failures
 * (symbolic links, unwritable tmp/, a full file system), tmp/ cleaning
 * and the maildirsize file.
 */
#include "config.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maildir.h"
#include "maildir_quota.h"
#include "tap.h"
#include "xmalloc.h"

static const char *tdir;
static int rootfd;

/* Forget an error message (malloc'd by the module). */
static void
drop(char **err)
{
	free(*err);
	*err = NULL;
}

/* Names in dir (relative to tdir), not starting with '.'; -1 if none. */
static int
count_in(const char *rel, char *first, size_t len)
{
	char path[1024];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0 && first != NULL)
			strlcpy(first, de->d_name, len);
	}
	closedir(d);
	return n;
}

static char *
slurp(const char *rel, size_t *len_r)
{
	char path[1024];
	static char buf[1 << 20];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	if ((fd = open(path, O_RDONLY)) < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	*len_r = (size_t)n;
	return buf;
}

static int
file_mode(const char *rel)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	if (lstat(path, &st) < 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

static void
must_write(int fd, const char *s, size_t len)
{
	if (write(fd, s, len) != (ssize_t)len)
		bail_out("write: %s", strerror(errno));
}

static void
test_paths(void)
{
	static const struct { const char *s; int ok; } paths[] = {
		{ "example.org/alice/", 1 }, { "/example.org/alice", 1 },
		{ "a//b", 1 }, { "...", 1 }, { ".x/y", 1 },
		{ "", 0 }, { "/", 0 }, { "///", 0 }, { "a/../b", 0 },
		{ "..", 0 }, { "./a", 0 }, { "a/./b", 0 }, { "a/..", 0 },
		{ "a\nb", 0 }, { "a\tb", 0 }, { "a\177b", 0 },
	}, folders[] = {
		{ "Work", 1 }, { "Lists.postern", 1 }, { "caf\xc3\xa9", 1 },
		{ "", 0 }, { ".x", 0 }, { "x.", 0 }, { "a..b", 0 },
		{ "a/b", 0 }, { "a\tb", 0 }, { "..", 0 },
	};
	char longpath[MAILDIR_PATH_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		is_int(maildir_path_ok(paths[i].s), paths[i].ok,
		    "maildir_path_ok, case %zu", i);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	is_int(maildir_path_ok(longpath), 0, "a path over the limit");
	for (i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		is_int(maildir_folder_name_ok(folders[i].s), folders[i].ok,
		    "maildir_folder_name_ok, case %zu", i);
}

static void
test_names(void)
{
	static const struct { const char *name; int ok; uint64_t size; }
	    sizes[] = {
		{ "1.M2P3Q4.h,S=123", 1, 123 },
		{ "1.M2P3Q4.h,S=123:2,S", 1, 123 },
		{ "1.M2P3Q4.h,S=12,W=13:2,", 1, 12 },
		{ "1.M2P3Q4.h,W=13,S=7", 1, 7 },
		{ "1.M2P3Q4.h", 0, 0 },
		{ "1.M2P3Q4.h,S=", 0, 0 },
		{ "1.M2P3Q4.h,S=1a", 0, 0 },
		{ "1.M2P3Q4.h:2,S=5", 0, 0 },
		{ "1.M2P3Q4.h,S=99999999999999999999999", 0, 0 },
	};
	struct timeval tv = { 1234567890, 42 };
	const char *host;
	char buf[MAILDIR_NAME_MAX + 1];
	uint64_t size;
	size_t i;

	ok(maildir_unique(buf, sizeof(buf), &tv, 77, 3, "h") == 0 &&
	    strcmp(buf, "1234567890.M42P77Q3.h") == 0,
	    "unique name: %s", buf);
	ok(maildir_unique(buf, 10, &tv, 77, 3, "h") < 0,
	    "unique name: too small a buffer");
	host = maildir_hostname();
	ok(*host != '\0' && strpbrk(host, "/:,") == NULL &&
	    strlen(host) <= MAILDIR_HOST_MAX, "host name part: %s", host);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = 0;
		ok(maildir_name_size(sizes[i].name, &size) == sizes[i].ok &&
		    size == sizes[i].size, "maildir_name_size(%s)",
		    sizes[i].name);
	}
	ok(maildir_name_field("1.M2P3Q4.h,S=12,W=13:2,", 'W', &size) == 1 &&
	    size == 13, "maildir_name_field W before the info");
	ok(maildir_name_field("1.M2P3Q4.h,S=12:2,W=13", 'W', &size) == 0,
	    "... not inside the info");
	ok(maildir_name_field("1.M2P3Q4.h,XW=13,S=1", 'W', &size) == 0,
	    "... only a whole field");
}

static void
test_open(void)
{
	struct maildir *md = NULL;
	char *err = NULL;
	char target[1024], link[1024];

	ok(maildir_open(rootfd, "example.org/alice/", 0, &md, &err) < 0 &&
	    errno == ENOENT, "a missing Maildir without MAILDIR_CREATE");
	drop(&err);
	ok(count_in("example.org", NULL, 0) < 0, "... creates nothing");
	ok(maildir_open(rootfd, "/example.org/alice/", MAILDIR_CREATE, &md,
	    &err) == 0, "created");
	is_int(file_mode("example.org"), 0700, "parent directory mode 0700");
	is_int(file_mode("example.org/alice"), 0700, "Maildir mode 0700");
	is_int(file_mode("example.org/alice/tmp"), 0700, "tmp/ mode 0700");
	is_int(file_mode("example.org/alice/new"), 0700, "new/ mode 0700");
	is_int(file_mode("example.org/alice/cur"), 0700, "cur/ mode 0700");
	maildir_close(&md);
	ok(md == NULL, "maildir_close sets NULL");
	ok(maildir_open(rootfd, "example.org/alice", 0, &md, &err) == 0,
	    "an existing Maildir opens without MAILDIR_CREATE");
	maildir_close(&md);

	ok(maildir_open(rootfd, "example.org/../x", MAILDIR_CREATE, &md,
	    &err) < 0 && errno == EINVAL, "\"..\" refused: %s", err);
	drop(&err);

	/* a symbolic link anywhere is refused, and nothing is created */
	snprintf(target, sizeof(target), "%s/elsewhere", tdir);
	mkdir(target, 0700);
	snprintf(link, sizeof(link), "%s/linked.org", tdir);
	if (symlink(target, link) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(maildir_open(rootfd, "linked.org/bob/", MAILDIR_CREATE, &md,
	    &err) < 0 && errno == ELOOP, "a link as a parent is refused: %s",
	    err);
	like(err, "symbolic link", "... and the message says so");
	drop(&err);
	is_int(count_in("elsewhere", NULL, 0), 0,
	    "... nothing was created through it");
	snprintf(link, sizeof(link), "%s/example.org/carol", tdir);
	if (symlink(target, link) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(maildir_open(rootfd, "example.org/carol", MAILDIR_CREATE, &md,
	    &err) < 0 && errno == ELOOP, "a link as the Maildir is refused");
	drop(&err);
	snprintf(link, sizeof(link), "%s/example.org/dave", tdir);
	mkdir(link, 0700);
	snprintf(link, sizeof(link), "%s/example.org/dave/tmp", tdir);
	if (symlink(target, link) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(maildir_open(rootfd, "example.org/dave", MAILDIR_CREATE, &md,
	    &err) < 0 && errno == ELOOP, "a link as tmp/ is refused");
	drop(&err);
	is_int(count_in("elsewhere", NULL, 0), 0, "... still nothing there");
	snprintf(link, sizeof(link), "%s/afile", tdir);
	close(open(link, O_CREAT | O_WRONLY, 0600));
	ok(maildir_open(rootfd, "afile/x", MAILDIR_CREATE, &md, &err) < 0 &&
	    errno == ENOTDIR, "a file as a parent: ENOTDIR");
	drop(&err);
}

/* Write content in two chunks split at cut (or byte by byte: cut < 0). */
static int
write_split(struct maildir_msg *m, const char *s, size_t len, long cut)
{
	size_t i;

	if (cut < 0) {
		for (i = 0; i < len; i++)
			if (maildir_msg_write(m, s + i, 1) < 0)
				return -1;
		return 0;
	}
	if (maildir_msg_write(m, s, (size_t)cut) < 0 ||
	    maildir_msg_write(m, s + cut, len - (size_t)cut) < 0)
		return -1;
	return 0;
}

/*
 * Content larger than the writer's 64 KB buffer, in pieces of several
 * sizes: CR LF pairs, bare CRs and LFs on both sides of every point
 * where the buffer fills; the file and ,W= match a plain conversion.
 */
static void
test_crlf_big(void)
{
	static char in[300000], want[300000];
	static const size_t piece[] = { 300000, 65536, 65537, 4093, 1 };
	struct maildir *md;
	struct maildir_msg *m;
	char *err = NULL;
	const char *got;
	char name[MAILDIR_NAME_MAX + 1], rel[1200];
	size_t n = 0, w = 0, bare = 0, i, k, len, bad = 0;
	uint64_t size;

	for (i = 0; n < sizeof(in) - 2; i++) {
		if (i % 97 == 5)
			in[n++] = '\r';		/* a bare CR in the line */
		else if (i % 89 == 7)
			in[n++] = '\n';		/* a bare LF */
		else if (i % 7 == 0)
			in[n++] = '\r', in[n++] = '\n';
		else
			in[n++] = (char)('a' + i % 26);
	}
	for (i = 0; i < n; i++) {
		if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
			continue;
		want[w++] = in[i];
		bare += in[i] == '\n' && (w < 2 || want[w - 2] != '\r');
	}
	if (maildir_open(rootfd, "crlfbig/", MAILDIR_CREATE, &md, &err) < 0)
		bail_out("%s", err);
	for (k = 0; k < sizeof(piece) / sizeof(piece[0]); k++) {
		m = maildir_msg_new(md, MAILDIR_MSG_CRLF, &err);
		for (i = 0; m != NULL && i < n; i += piece[k])
			if (maildir_msg_write(m, in + i, n - i < piece[k] ?
			    n - i : piece[k]) < 0)
				break;
		if (m == NULL || i < n || maildir_msg_commit(m, name,
		    sizeof(name), &err) < 0) {
			bad++;
			continue;
		}
		snprintf(rel, sizeof(rel), "crlfbig/new/%s", name);
		got = slurp(rel, &len);
		if (got == NULL || len != w || memcmp(got, want, w) != 0 ||
		    !maildir_name_field(name, 'W', &size) || size != w + bare)
			bad++;
	}
	is_int((long long)bad, 0, "300 KB through the 64 KB buffer in pieces "
	    "of 300000, 65536, 65537, 4093 and 1 bytes: CR LF -> LF, bare "
	    "bytes kept, ,W= right");
	maildir_close(&md);
}

static void
test_crlf(void)
{
	static const char in[] = "Subject: x\r\n\r\nbody\r\nlone\rcr\r\r\n"
	    "end\r";
	static const char want[] = "Subject: x\n\nbody\nlone\rcr\r\nend\r";
	struct maildir *md;
	struct maildir_msg *m;
	char *err = NULL;
	const char *got;
	char name[MAILDIR_NAME_MAX + 1], rel[1200];
	uint64_t size;
	size_t len, bad = 0;
	long cut;

	if (maildir_open(rootfd, "crlf/", MAILDIR_CREATE, &md, &err) < 0)
		bail_out("%s", err);
	for (cut = -1; cut <= (long)sizeof(in) - 1; cut++) {
		m = maildir_msg_new(md, MAILDIR_MSG_CRLF, &err);
		if (m == NULL || write_split(m, in, sizeof(in) - 1, cut) < 0 ||
		    maildir_msg_size(m) != sizeof(want) - 1 ||
		    maildir_msg_vsize(m) != sizeof(want) - 1 + 3 ||
		    maildir_msg_commit(m, name, sizeof(name), &err) < 0) {
			bad++;
			continue;
		}
		snprintf(rel, sizeof(rel), "crlf/new/%s", name);
		got = slurp(rel, &len);
		if (got == NULL || len != sizeof(want) - 1 ||
		    memcmp(got, want, len) != 0 ||
		    !maildir_name_size(name, &size) || size != len ||
		    !maildir_name_field(name, 'W', &size) || size != len + 3)
			bad++;
		snprintf(rel, sizeof(rel), "%s/crlf/new/%s", tdir, name);
		unlink(rel);
	}
	is_int((long long)bad, 0, "CRLF -> LF at every split and byte by "
	    "byte, ,S= is the stored size, ,W= the size as CR LF");
	m = maildir_msg_new(md, 0, &err);
	ok(m != NULL && maildir_msg_write(m, in, sizeof(in) - 1) == 0 &&
	    maildir_msg_commit(m, name, sizeof(name), &err) == 0,
	    "without MAILDIR_MSG_CRLF");
	snprintf(rel, sizeof(rel), "crlf/new/%s", name);
	got = slurp(rel, &len);
	ok(got != NULL && len == sizeof(in) - 1 && memcmp(got, in, len) == 0,
	    "... the bytes are kept as they are");
	/* maildir_dir_fsync = no: the same result, one fsync less */
	maildir_set_dir_sync(0);
	m = maildir_msg_new(md, 0, &err);
	ok(m != NULL && maildir_msg_write(m, in, sizeof(in) - 1) == 0 &&
	    maildir_msg_commit(m, name, sizeof(name), &err) == 0,
	    "without the new/ fsync: delivered");
	snprintf(rel, sizeof(rel), "crlf/new/%s", name);
	got = slurp(rel, &len);
	ok(got != NULL && len == sizeof(in) - 1, "... the file is in new/");
	maildir_set_dir_sync(1);
	maildir_close(&md);
}

static void
test_deliver(void)
{
	struct maildir *md;
	struct maildir_msg *m;
	char *err = NULL;
	const char *got;
	char name[MAILDIR_NAME_MAX + 1], rel[1200], *big;
	regex_t re;
	uint64_t size;
	size_t len, i;

	if (maildir_open(rootfd, "example.org/alice", MAILDIR_CREATE, &md,
	    &err) < 0)
		bail_out("%s", err);
	m = maildir_msg_new(md, MAILDIR_MSG_CRLF, &err);
	ok(m != NULL, "maildir_msg_new");
	is_int(count_in("example.org/alice/tmp", NULL, 0), 1,
	    "the message is in tmp/ while it is written");
	is_int(count_in("example.org/alice/new", NULL, 0), 0,
	    "... and not in new/");
	big = xmalloc(300000);
	for (i = 0; i < 300000; i++)
		big[i] = (i % 80 == 78) ? '\r' : (i % 80 == 79) ? '\n' : 'x';
	maildir_msg_write(m, "Return-Path: <a@b>\n", 19);
	maildir_msg_write(m, big, 300000);
	ok(maildir_msg_commit(m, name, sizeof(name), &err) == 0,
	    "commit of a 300 kB message");
	is_int(count_in("example.org/alice/tmp", NULL, 0), 0, "tmp/ is empty");
	is_int(count_in("example.org/alice/new", NULL, 0), 1,
	    "one file in new/");
	regcomp(&re, "^[0-9]+\\.M[0-9]+P[0-9]+Q[0-9]+\\.[^/:,]+,S=[0-9]+,W=[0-9]+$",
	    REG_EXTENDED | REG_NOSUB);
	ok(regexec(&re, name, 0, NULL, 0) == 0, "name as the Maildir spec "
	    "says: %s", name);
	regfree(&re);
	snprintf(rel, sizeof(rel), "example.org/alice/new/%s", name);
	got = slurp(rel, &len);
	ok(got != NULL && len == 19 + 300000 - 300000 / 80,
	    "size after conversion");
	ok(maildir_name_size(name, &size) && size == len, ",S=%llu matches",
	    (unsigned long long)size);
	is_int(file_mode(rel), 0600, "file mode 0600");
	free(big);

	m = maildir_msg_new(md, 0, &err);
	maildir_msg_write(m, "x", 1);
	maildir_msg_abort(m);
	is_int(count_in("example.org/alice/tmp", NULL, 0), 0,
	    "abort leaves nothing in tmp/");
	is_int(count_in("example.org/alice/new", NULL, 0), 1,
	    "... nor in new/");
	maildir_close(&md);
}

static void
test_unwritable(void)
{
	struct maildir *md;
	char *err = NULL;
	char path[1024];

	if (geteuid() == 0) {
		skip(2, "root ignores directory permissions");
		return;
	}
	if (maildir_open(rootfd, "ro/", MAILDIR_CREATE, &md, &err) < 0)
		bail_out("%s", err);
	snprintf(path, sizeof(path), "%s/ro/tmp", tdir);
	chmod(path, 0500);
	ok(maildir_msg_new(md, 0, &err) == NULL && errno == EACCES,
	    "unwritable tmp/: EACCES");
	like(err, "ro/tmp/", "... the message names the directory");
	drop(&err);
	chmod(path, 0700);
	maildir_close(&md);
}

/* A full file system: nothing may be left visible, tmp/ is cleaned. */
static void
test_enospc(void)
{
	struct maildir *md;
	struct maildir_msg *m;
	char *err = NULL;
	char mnt[1024], *big;
	int fd, r, e;

	snprintf(mnt, sizeof(mnt), "%s/small", tdir);
	mkdir(mnt, 0700);
	if (geteuid() != 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700") < 0) {
		skip(4, "cannot mount a small tmpfs (needs root)");
		return;
	}
	fd = open(mnt, O_RDONLY | O_DIRECTORY);
	if (maildir_open(fd, "u", MAILDIR_CREATE, &md, &err) < 0)
		bail_out("%s", err);
	big = xcalloc(1, 256 * 1024);
	m = maildir_msg_new(md, 0, &err);
	r = maildir_msg_write(m, big, 256 * 1024);
	e = errno;
	ok(r < 0 && e == ENOSPC, "write on a full file system: ENOSPC");
	r = maildir_msg_commit(m, NULL, 0, &err);
	e = errno;
	ok(r < 0 && e == ENOSPC, "commit fails with ENOSPC: %s", err);
	drop(&err);
	ok(count_in("small/u/new", NULL, 0) == 0, "nothing in new/");
	ok(count_in("small/u/tmp", NULL, 0) == 0, "nothing left in tmp/");
	free(big);
	maildir_close(&md);
	close(fd);
	umount2(mnt, MNT_DETACH);
}

static void
test_folder(void)
{
	struct maildir *md, *f;
	char *err = NULL;
	char path[1024];

	if (maildir_open(rootfd, "example.org/alice", 0, &md, &err) < 0)
		bail_out("%s", err);
	snprintf(path, sizeof(path), "%s/example.org/alice/.Work", tdir);
	mkdir(path, 0700);
	ok(maildir_open_folder(md, "Work", &f, &err) == 1 && f != NULL,
	    "an existing folder");
	is_int(file_mode("example.org/alice/.Work/new"), 0700,
	    "its missing new/ was made");
	maildir_close(&f);
	ok(maildir_open_folder(md, "work", &f, &err) == 1 &&
	    strcmp(f->path, "example.org/alice/.Work") == 0,
	    "a folder found regardless of case: %s", f != NULL ? f->path : "");
	maildir_close(&f);
	is_int(maildir_open_folder(md, "Nope", &f, &err), 0, "no such folder");
	is_int(maildir_open_folder(md, "../x", &f, &err), 0,
	    "a bad folder name is no folder");
	snprintf(path, sizeof(path), "%s/example.org/alice/.Linked", tdir);
	if (symlink("/tmp", path) < 0)
		bail_out("symlink: %s", strerror(errno));
	is_int(maildir_open_folder(md, "Linked", &f, &err), 0,
	    "a folder that is a symbolic link is not followed");
	maildir_close(&md);
}

static void
test_clean(void)
{
	struct maildir *md;
	struct timespec ts[2];
	char *err = NULL;
	char path[1024];
	time_t now = time(NULL);

	if (maildir_open(rootfd, "example.org/alice", 0, &md, &err) < 0)
		bail_out("%s", err);
	snprintf(path, sizeof(path), "%s/example.org/alice/tmp/old", tdir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ts[0].tv_sec = ts[1].tv_sec = now - MAILDIR_TMP_MAX_AGE - 60;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	utimensat(AT_FDCWD, path, ts, 0);
	snprintf(path, sizeof(path), "%s/example.org/alice/tmp/young", tdir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ts[0].tv_sec = ts[1].tv_sec = now - MAILDIR_TMP_MAX_AGE + 600;
	utimensat(AT_FDCWD, path, ts, 0);
	is_int(maildir_clean_tmp(md, now), 1, "one tmp/ file over 36 hours");
	ok(file_mode("example.org/alice/tmp/old") < 0, "... removed");
	ok(file_mode("example.org/alice/tmp/young") >= 0,
	    "the younger one is kept");
	unlink(path);
	maildir_close(&md);
}

static void
test_quota_parse(void)
{
	static const struct {
		const char *text;
		int r;
		long long lb, lc, b, c;
	} cases[] = {
		{ "1000S\n", 0, 1000, 0, 0, 0 },
		{ "1000S,10C\n10 1\n20 1\n-5 -1\n", 0, 1000, 10, 25, 1 },
		{ "10C\n  7  1 \n", 0, 0, 10, 7, 1 },
		{ "\n3 1\n", 0, 0, 0, 3, 1 },
		{ "1000S", -1, 0, 0, 0, 0 },
		{ "1000X\n", -1, 0, 0, 0, 0 },
		{ "1000S\n10 1\n20", -1, 0, 0, 0, 0 },
		{ "1000S\n10\n", -1, 0, 0, 0, 0 },
		{ "1000S\n10 1 1\n", -1, 0, 0, 0, 0 },
		{ "1000S\nx 1\n", -1, 0, 0, 0, 0 },
		{ "1000S\n9223372036854775807 1\n1 1\n", -1, 0, 0, 0, 0 },
		{ "99999999999999999999S\n", -1, 0, 0, 0, 0 },
	};
	struct maildir_quota q;
	char def[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = maildir_quota_parse(cases[i].text,
		    strlen(cases[i].text), &q);

		ok(r == cases[i].r && (r < 0 || (q.limit_bytes == cases[i].lb &&
		    q.limit_count == cases[i].lc && q.bytes == cases[i].b &&
		    q.count == cases[i].c)), "maildirsize case %zu", i);
	}
	q.limit_bytes = 1000;
	q.limit_count = 0;
	maildir_quota_def(&q, def, sizeof(def));
	is_str(def, "1000S", "definition line, bytes");
	q.limit_count = 5;
	maildir_quota_def(&q, def, sizeof(def));
	is_str(def, "1000S,5C", "definition line, bytes and count");
	q.limit_bytes = 100;
	q.limit_count = 0;
	q.bytes = 60;
	q.count = 3;
	is_int(maildir_quota_exceeded(&q, 40, 1), 0, "exactly at the limit");
	is_int(maildir_quota_exceeded(&q, 41, 1), 1, "one byte over");
	q.bytes = 101;
	is_int(maildir_quota_exceeded(&q, 0, 0), 1, "already over");
	q.bytes = 0;
	q.limit_count = 3;
	q.count = 3;
	is_int(maildir_quota_exceeded(&q, 1, 1), 1, "message count limit");
}

static void
test_quota_file(void)
{
	struct maildir *md;
	struct maildir_msg *m;
	struct maildir_quota q;
	char *err = NULL;
	const char *text;
	char path[1024];
	size_t len;
	int i, fd;

	if (maildir_open(rootfd, "quota.org/q", MAILDIR_CREATE, &md,
	    &err) < 0)
		bail_out("%s", err);
	for (i = 0; i < 2; i++) {
		m = maildir_msg_new(md, 0, &err);
		maildir_msg_write(m, "0123456789", 10);
		maildir_msg_commit(m, NULL, 0, &err);
	}
	snprintf(path, sizeof(path), "%s/quota.org/q/.Sent", tdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/quota.org/q/.Sent/cur", tdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/quota.org/q/.Sent/cur/1.x.h,S=30:2,S",
	    tdir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof(path), "%s/quota.org/q/cur/2.y.h:2,", tdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	must_write(fd, "12345", 5);	/* no ,S=: the file size counts */
	close(fd);

	memset(&q, 0, sizeof(q));
	q.limit_bytes = 100;
	ok(maildir_quota_get(md, &q, time(NULL), &err) == 0 &&
	    q.bytes == 55 && q.count == 4, "usage computed from the files "
	    "and folders: %lld bytes, %lld messages", q.bytes, q.count);
	text = slurp("quota.org/q/maildirsize", &len);
	is_str(text, "100S\n55 4\n", "maildirsize written");
	ok(maildir_quota_add(md, 20, 1) == 0, "maildir_quota_add");
	text = slurp("quota.org/q/maildirsize", &len);
	is_str(text, "100S\n55 4\n20 1\n", "... appends a line");
	ok(maildir_quota_get(md, &q, time(NULL), &err) == 0 &&
	    q.bytes == 75 && q.count == 5, "usage read back from the file");
	q.limit_bytes = 200;
	ok(maildir_quota_get(md, &q, time(NULL), &err) == 0 &&
	    q.bytes == 55 && q.count == 4, "a new limit rebuilds the file");
	text = slurp("quota.org/q/maildirsize", &len);
	is_str(text, "200S\n55 4\n", "... with the new definition");
	snprintf(path, sizeof(path), "%s/quota.org/q/maildirsize", tdir);
	fd = open(path, O_WRONLY | O_TRUNC);
	must_write(fd, "garbage", 7);
	close(fd);
	ok(maildir_quota_get(md, &q, time(NULL), &err) == 0 &&
	    q.bytes == 55, "a malformed file is rebuilt");
	fd = open(path, O_WRONLY | O_APPEND);
	for (i = 0; i < 600; i++)
		must_write(fd, "1 0\n-1 0\n", 9);
	close(fd);
	ok(maildir_quota_get(md, &q, time(NULL), &err) == 0 &&
	    q.bytes == 55, "an over-long file is rebuilt");
	text = slurp("quota.org/q/maildirsize", &len);
	ok(len < 64, "... and short again");
	is_int(count_in("quota.org/q/tmp", NULL, 0), 0,
	    "no rebuild leftovers in tmp/");
	maildir_close(&md);
}

int
main(void)
{
	tap_init("maildir");
	tdir = tap_tmpdir();
	if ((rootfd = open(tdir, O_RDONLY | O_DIRECTORY)) < 0)
		bail_out("open %s: %s", tdir, strerror(errno));
	test_paths();
	test_names();
	test_open();
	test_crlf();
	test_crlf_big();
	test_deliver();
	test_unwritable();
	test_enospc();
	test_folder();
	test_clean();
	test_quota_parse();
	test_quota_file();
	close(rootfd);
	return done_testing();
}
