/*
 * Unit tests for lib/maps: hash:, texthash:, inline:, lists, and the
 * compiler. The point throughout: found, not found and error stay
 * distinct, and a broken table is never "not found".
 */
#include "config.h"

#include <sys/stat.h>

#include <db.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "maps.h"
#include "tap.h"

/* The last error (lib/err.h); E frees the one before for the next call. */
static char *err;
#define E	(err_free(&err), &err)
#include "vbuf.h"
#include "xmalloc.h"

static const char *dir;

/* DIR/name in a rotating static buffer (at most 4 live at once). */
static const char *
P(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* "type:DIR/name" likewise. */
static const char *
S(const char *type, const char *name)
{
	static char buf[4][600];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s:%s/%s", type, dir, name);
	return buf[i];
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		bail_out("write %s: %s", path, strerror(errno));
}

static void
write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s));
}

/* A deterministic pseudo-random byte stream. */
static void
garbage(unsigned char *p, size_t n, unsigned seed)
{
	while (n-- > 0) {
		seed = seed * 1103515245u + 12345u;
		*p++ = (unsigned char)(seed >> 16);
	}
}

/* Copy the first len bytes of from into to. */
static void
copy_prefix(const char *from, const char *to, size_t len)
{
	char *buf = xmalloc(len);
	int fd;

	if ((fd = open(from, O_RDONLY)) < 0 ||
	    read(fd, buf, len) != (ssize_t)len || close(fd) < 0)
		bail_out("read %s: %s", from, strerror(errno));
	write_file(to, buf, len);
	free(buf);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_size;
}

/* Files in dir whose name contains ".db." (compiler temporaries). */
static int
count_temps(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		bail_out("opendir %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".db.") != NULL)
			n++;
	closedir(d);
	return n;
}

struct lookup_case {
	const char *key;
	int rc;
	const char *value;
};

static const char aliases[] =
    "# Postern aliases\n"
    "\n"
    "Postmaster   root\n"
    "alice\tAlice@Example.ORG\n"
    "Bob bob@example.org,\n"
    "   bob2@example.org\n"
    "  # a comment inside a continued entry\n"
    "\tbob3@example.org\n"
    "multi  a b   c\n"
    "utf8-\xc3\x89t\xc3\xa9 x\n";

static const struct lookup_case aliases_cases[] = {
	{ "postmaster", 1, "root" },
	{ "POSTMASTER", 1, "root" },
	{ "PostMaster", 1, "root" },
	{ "alice", 1, "Alice@Example.ORG" },
	{ "ALICE", 1, "Alice@Example.ORG" },
	{ "bob", 1, "bob@example.org, bob2@example.org bob3@example.org" },
	{ "multi", 1, "a b   c" },
	{ "UTF8-\xc3\x89t\xc3\xa9", 1, "x" },
	{ "utf8-\xc3\xa9t\xc3\xa9", 0, NULL },	/* only ASCII folds */
	{ "nobody", 0, NULL },
	{ "alic", 0, NULL },
	{ "alice ", 0, NULL },
	{ "", 0, NULL },
	{ "#", 0, NULL },
};

static void
run_cases(struct maps_table *t, const struct lookup_case *c, size_t n)
{
	const char *value;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		value = NULL;
		r = maps_lookup(t, c[i].key, &value, E);
		is_int(r, c[i].rc, "%s: lookup \"%s\" answers %d",
		    maps_name(t), c[i].key, c[i].rc);
		if (c[i].rc == 1)
			is_str(value, c[i].value, "%s: value of \"%s\"",
			    maps_name(t), c[i].key);
		if (r < 0)
			diag("error: %s", err);
	}
}

static void
test_compile_and_lookup(void)
{
	struct maps_table *t;
	struct stat st;

	write_str(P("aliases"), aliases);
	chmod(P("aliases"), 0640);
	is_int(maps_compile(S("hash", "aliases"), E), 0,
	    "postern map hash:aliases");
	ok(stat(P("aliases.db"), &st) == 0, "aliases.db exists");
	is_int(st.st_mode & 07777, 0640, "the .db has the source's mode");
	is_int(count_temps(), 0, "no temporary file left behind");

	t = maps_open(S("hash", "aliases"), 0, E);
	ok(t != NULL, "open hash:aliases");
	if (t == NULL)
		bail_out("%s", err);
	is_str(maps_name(t), S("hash", "aliases"), "maps_name");
	run_cases(t, aliases_cases,
	    sizeof(aliases_cases) / sizeof(aliases_cases[0]));
	maps_close(&t);
	ok(t == NULL, "maps_close clears the pointer");

	t = maps_open(S("texthash", "aliases"), 0, E);
	ok(t != NULL, "open texthash:aliases");
	if (t == NULL)
		bail_out("%s", err);
	run_cases(t, aliases_cases,
	    sizeof(aliases_cases) / sizeof(aliases_cases[0]));
	maps_close(&t);

	is_int(maps_compile(S("texthash", "aliases"), E), 0,
	    "postern map texthash: only checks");
	tap_check_log("compile and lookup");
}

static void
test_missing(void)
{
	struct maps_table *t;
	const char *value;
	int r;

	write_str(P("never"), "k v\n");
	t = maps_open(S("hash", "never"), 0, E);
	ok(t == NULL, "a table never compiled does not open");
	like(err, "never compiled", "... and says so");
	like(err, "run \"postern map hash:", "... with the command to run");

	t = maps_open(S("hash", "nothing"), 0, E);
	ok(t == NULL, "no source, no .db: does not open");
	like(err, "No such file or directory", "... with the reason");

	t = maps_open(S("hash", "never"), MAPS_OPEN_DEFER, E);
	ok(t != NULL, "MAPS_OPEN_DEFER: a handle anyway");
	r = maps_lookup(t, "k", &value, E);
	is_int(r, -1, "deferred: a lookup is an error, not \"not found\"");
	like(err, "never compiled", "... with the reason");
	is_int(maps_lookup(t, "other", &value, E), -1,
	    "even for a key that would not be there");
	is_int(maps_compile(S("hash", "never"), E), 0, "compile it now");
	r = maps_lookup(t, "K", &value, E);
	is_int(r, 1, "the deferred table recovers");
	is_str(r == 1 ? value : NULL, "v", "... with the value");
	maps_close(&t);

	t = maps_open(S("texthash", "nothing"), 0, E);
	ok(t == NULL, "texthash: a missing file does not open");
	like(err, "cannot open", "... with the reason");
	t = maps_open(S("texthash", "nothing"), MAPS_OPEN_DEFER, E);
	is_int(maps_lookup(t, "k", &value, E), -1,
	    "texthash deferred: error, not \"not found\"");
	write_str(P("nothing"), "k v2\n");
	is_int(maps_lookup(t, "k", &value, E), 1, "... then it recovers");
	maps_close(&t);
	maps_close(&t);		/* NULL is fine */

	if (geteuid() == 0)
		skip(2, "root reads a mode 000 file");
	else {
		write_str(P("noperm"), "k v\n");
		maps_compile(S("hash", "noperm"), E);
		chmod(P("noperm.db"), 0);
		t = maps_open(S("hash", "noperm"), 0, E);
		ok(t == NULL, "an unreadable .db does not open");
		like(err, "Permission denied", "... with the reason");
	}
}

static const struct {
	const char *spec;
	const char *err;
} bad_names[] = {
	{ "btree:/etc/aliases", "unsupported type \"btree\"" },
	{ "HASH:/etc/aliases", "unsupported type \"HASH\"" },
	{ "/etc/aliases", "no type" },
	{ ":/etc/aliases", "no type" },
	{ "hash:", "empty name" },
	{ "texthash:", "empty name" },
	{ "inline:", "empty name" },
};

static void
test_bad_names(void)
{
	struct maps_table *t;
	size_t i;

	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		err_free(&err);
		t = maps_open(bad_names[i].spec, MAPS_OPEN_DEFER, E);
		ok(t == NULL, "\"%s\" does not open, even deferred",
		    bad_names[i].spec);
		like(err, bad_names[i].err, "... error names the problem");
		maps_close(&t);
		is_int(maps_compile(bad_names[i].spec, E), -1,
		    "\"%s\": postern map fails", bad_names[i].spec);
	}
}

/* Write a table of n keys "keyI valueI" as name, compile it. */
static void
make_big(const char *name, int n)
{
	struct vbuf *b = vbuf_new(1024, VBUF_NOLIMIT);
	int i;

	for (i = 0; i < n; i++)
		vbuf_appendf(b, "key%d value%d\n", i, i);
	write_file(P(name), vbuf_str(b), vbuf_len(b));
	vbuf_free(&b);
	if (maps_compile(S("hash", name), E) < 0)
		bail_out("%s", err);
}

#define BIG_N	2000

static void
test_corrupt(void)
{
	unsigned char junk[8192];
	struct maps_table *t;
	const char *value;
	char key[32], want[32];
	off_t size;
	int i, r, found = 0, missing = 0, failed = 0, wrong = 0;

	garbage(junk, sizeof(junk), 42);
	write_file(P("garbage.db"), junk, sizeof(junk));
	t = maps_open(S("hash", "garbage"), 0, E);
	ok(t == NULL, "random bytes: does not open");
	like(err, "garbage.db", "... error names the file");
	t = maps_open(S("hash", "garbage"), MAPS_OPEN_DEFER, E);
	is_int(maps_lookup(t, "key1", &value, E), -1,
	    "random bytes: a lookup is an error");
	maps_close(&t);

	write_str(P("text.db"), "this is not a database\n");
	t = maps_open(S("hash", "text"), 0, E);
	ok(t == NULL, "a text file as .db: does not open");
	write_str(P("empty.db"), "");
	t = maps_open(S("hash", "empty"), 0, E);
	ok(t == NULL, "an empty .db: does not open");

	make_big("big", BIG_N);
	size = file_size(P("big.db"));
	ok(size > 4 * 4096, "a multi-page table (%lld bytes)", (long long)size);

	copy_prefix(P("big.db"), P("trunc.db"), (size_t)(size / 8192 * 4096));
	t = maps_open(S("hash", "trunc"), 0, E);
	ok(t == NULL, "truncated at a page boundary: does not open");
	like(err, "truncated", "... and says truncated");
	t = maps_open(S("hash", "trunc"), MAPS_OPEN_DEFER, E);
	is_int(maps_lookup(t, "key1", &value, E), -1,
	    "truncated: a lookup is an error, never \"not found\"");
	maps_close(&t);

	copy_prefix(P("big.db"), P("trunc2.db"), (size_t)size - 100);
	t = maps_open(S("hash", "trunc2"), 0, E);
	ok(t == NULL, "truncated inside a page: does not open");
	copy_prefix(P("big.db"), P("trunc3.db"), 4096);
	t = maps_open(S("hash", "trunc3"), 0, E);
	ok(t == NULL, "only the header page left: does not open");
	copy_prefix(P("big.db"), P("trunc4.db"), 20);
	t = maps_open(S("hash", "trunc4"), 0, E);
	ok(t == NULL, "20 bytes left: does not open");

	/* damage one page in the middle; its checksum no longer matches */
	copy_prefix(P("big.db"), P("damaged.db"), (size_t)size);
	{
		int fd = open(P("damaged.db"), O_WRONLY);

		garbage(junk, 64, 7);
		if (fd < 0 || pwrite(fd, junk, 64, 5 * 4096 + 2000) != 64 ||
		    close(fd) < 0)
			bail_out("damage: %s", strerror(errno));
	}
	t = maps_open(S("hash", "damaged"), 0, E);
	ok(t != NULL, "a damaged page: the header still opens");
	for (i = 0; t != NULL && i < BIG_N; i++) {
		snprintf(key, sizeof(key), "KEY%d", i);
		snprintf(want, sizeof(want), "value%d", i);
		r = maps_lookup(t, key, &value, E);
		if (r > 0 && strcmp(value, want) == 0)
			found++;
		else if (r > 0)
			wrong++;
		else if (r == 0)
			missing++;
		else
			failed++;
	}
	maps_close(&t);
	diag("damaged page: %d found, %d errors", found, failed);
	is_int(missing, 0, "a damaged page: no key reads as \"not found\"");
	is_int(wrong, 0, "a damaged page: no wrong value");
	ok(failed > 0, "a damaged page: its keys are errors");
	ok(found > 0, "a damaged page: other pages still answer");
}

/* Write a .db by hand, as another program would. */
static void
make_raw_db(const char *path, const char *const *kv, size_t n, int keynul)
{
	DB *db;
	DBT k, v;
	size_t i;

	if (db_create(&db, NULL, 0) != 0 ||
	    db->open(db, NULL, path, NULL, DB_HASH, DB_CREATE, 0600) != 0)
		bail_out("create %s", path);
	for (i = 0; i < n; i += 2) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = (void *)(uintptr_t)kv[i];
		k.size = (u_int32_t)strlen(kv[i]) + (keynul ? 1 : 0);
		v.data = (void *)(uintptr_t)kv[i + 1];
		v.size = (u_int32_t)strlen(kv[i + 1]) + 3;  /* "x\0\0\0" */
		if (db->put(db, NULL, &k, &v, 0) != 0)
			bail_out("put %s", kv[i]);
	}
	if (db->close(db, 0) != 0)
		bail_out("close %s", path);
}

static void
test_foreign_db(void)
{
	static const char *const nonul[] = { "nonul", "v1\0\0", "k2", "v2\0\0" };
	static const char *const badval[] = { "badval", "a\0b" };
	struct maps_table *t;
	const char *value;
	int r;

	/* values carry NULs after the text: one is stripped, then bad */
	make_raw_db(P("nonul.db"), nonul, 4, 0);
	t = maps_open(S("hash", "nonul"), 0, E);
	ok(t != NULL, "a table written without NULs opens");
	r = t ? maps_lookup(t, "NoNul", &value, E) : -2;
	is_int(r, -1, "a value with embedded NULs is an error");
	maps_close(&t);

	make_raw_db(P("badval.db"), badval, 2, 1);
	t = maps_open(S("hash", "badval"), 0, E);
	r = t ? maps_lookup(t, "badval", &value, E) : -2;
	is_int(r, -1, "embedded NUL in a value: error");
	like(r < 0 ? err : NULL, "corrupt", "... called corruption");
	maps_close(&t);
}

static void
test_foreign_nonul(void)
{
	DB *db;
	DBT k, v;
	struct maps_table *t;
	const char *value;
	int r;

	/* makemap style: neither key nor value has a trailing NUL */
	if (db_create(&db, NULL, 0) != 0 ||
	    db->open(db, NULL, P("makemap.db"), NULL, DB_HASH, DB_CREATE,
	    0600) != 0)
		bail_out("create makemap.db");
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)(uintptr_t)"user";
	k.size = 4;
	v.data = (void *)(uintptr_t)"user@example.org";
	v.size = 16;
	if (db->put(db, NULL, &k, &v, 0) != 0 || db->close(db, 0) != 0)
		bail_out("write makemap.db");
	t = maps_open(S("hash", "makemap"), 0, E);
	r = t ? maps_lookup(t, "User", &value, E) : -2;
	is_int(r, 1, "keys stored without a NUL are found");
	is_str(r == 1 ? value : NULL, "user@example.org", "... value intact");
	r = t ? maps_lookup(t, "user2", &value, E) : -2;
	is_int(r, 0, "... and missing keys are not found");
	maps_close(&t);
}

static void
test_reopen(void)
{
	struct maps_table *t;
	const char *value;
	struct stat st;
	int r;

	write_str(P("re"), "alice v1\n");
	maps_compile(S("hash", "re"), E);
	t = maps_open(S("hash", "re"), 0, E);
	if (t == NULL)
		bail_out("%s", err);
	r = maps_lookup(t, "alice", &value, E);
	is_str(r == 1 ? value : NULL, "v1", "before: v1");

	write_str(P("re"), "alice v2\nbob b\n");
	is_int(maps_compile(S("hash", "re"), E), 0, "recompile");
	r = maps_lookup(t, "alice", &value, E);
	is_str(r == 1 ? value : NULL, "v2", "the same handle sees v2");
	r = maps_lookup(t, "bob", &value, E);
	is_str(r == 1 ? value : NULL, "b", "... and the new key");

	/* a broken file renamed in: an error, not the old value */
	write_str(P("re.junk"), "junk junk junk\n");
	rename(P("re.junk"), P("re.db"));
	is_int(maps_lookup(t, "alice", &value, E), -1,
	    "a corrupt replacement: error, not the old value");
	is_int(maps_lookup(t, "nobody", &value, E), -1,
	    "... and not \"not found\"");
	is_int(maps_compile(S("hash", "re"), E), 0, "recompile again");
	r = maps_lookup(t, "ALICE", &value, E);
	is_int(r, 1, "recovers after the error");

	/*
	 * The path vanishes (removed, or replaced behind a chroot): the
	 * process cannot follow, so the table is stale: a temporary error,
	 * never the old answer or "not found", until a new process opens it.
	 */
	is_int(maps_changed(), 0, "no table has changed yet");
	unlink(P("re.db"));
	is_int(maps_changed(), 1, "a removed .db: maps_changed says so");
	r = maps_lookup(t, "alice", &value, E);
	is_int(r, 1, "a removed .db: what the open copy has is still found");
	r = maps_lookup(t, "nobody", &value, E);
	is_int(r, -1, "... but not found is a temporary error");
	like(err, "table changed since this process opened it", "... saying why");
	maps_close(&t);
	ok(stat(P("re.db"), &st) < 0, "(it is gone)");
	is_int(maps_changed(), 0, "a closed table is no longer watched");
}

/* A texthash table is read once: an edit makes it stale, not reloaded. */
static void
test_texthash_stale(void)
{
	struct maps_table *t;
	const char *value;
	FILE *fp;

	fp = fopen(P("th"), "w");
	fputs("alice a\n", fp);
	fclose(fp);
	t = maps_open(S("texthash", "th"), 0, E);
	/* (the test runs within one second: make the change visible) */
	ok(t != NULL, "texthash opened");
	is_int(maps_lookup(t, "bob", &value, E), 0, "bob not there yet");
	fp = fopen(P("th.new"), "w");
	fputs("alice a\nbob b\n", fp);
	fclose(fp);
	rename(P("th.new"), P("th"));
	is_int(maps_lookup(t, "bob", &value, E), -1,
	    "after the file is replaced: not \"not found\" but an error");
	is_int(maps_changed(), 1, "and the process is told to restart");
	maps_close(&t);
	t = maps_open(S("texthash", "th"), 0, E);
	is_int(maps_lookup(t, "bob", &value, E), 1, "a new open sees bob");
	maps_close(&t);
}

static void
test_stale(void)
{
	struct maps_table *t;
	const char *value;
	struct timespec ts[2];
	struct stat st;
	int r;

	write_str(P("st"), "k v\n");
	maps_compile(S("hash", "st"), E);
	t = maps_open(S("hash", "st"), 0, E);
	if (t == NULL)
		bail_out("%s", err);
	is_int(maps_lookup(t, "k", &value, E), 1, "fresh: found");

	/* make the .db older than its source */
	stat(P("st"), &st);
	ts[0] = st.st_mtim;
	ts[1] = st.st_mtim;
	ts[1].tv_sec -= 10;
	if (utimensat(AT_FDCWD, P("st.db"), ts, 0) < 0)
		bail_out("utimensat: %s", strerror(errno));
	r = maps_lookup(t, "k", &value, E);
	is_int(r, -1, "source edited after compiling: error");
	like(r < 0 ? err : NULL, "is older than its source", "... says so");
	like(r < 0 ? err : NULL, "postern map hash:", "... with the fix");
	is_int(maps_lookup(t, "x", &value, E), -1,
	    "... and not \"not found\"");
	ok(maps_open(S("hash", "st"), 0, E) == NULL,
	    "a stale table does not open");
	like(err, "older than", "... and says so");

	maps_compile(S("hash", "st"), E);
	is_int(maps_lookup(t, "k", &value, E), 1, "recompiled: found");
	maps_close(&t);

	/* the same mtime is not older */
	stat(P("st"), &st);
	ts[0] = ts[1] = st.st_mtim;
	utimensat(AT_FDCWD, P("st.db"), ts, 0);
	t = maps_open(S("hash", "st"), 0, E);
	ok(t != NULL, "a .db as old as its source opens");
	maps_close(&t);
}

static void
test_duplicates(void)
{
	struct maps_table *t;
	const char *value;
	int r;

	write_str(P("dup"), "a 1\nA 2\nb 3\n  more\nb 4\n");
	tap_expect_log("dup:2: duplicate key \"a\" ignored: the entry at "
	    "line 1 wins");
	tap_expect_log("dup:5: duplicate key \"b\" ignored: the entry at "
	    "line 3 wins");
	is_int(maps_compile(S("hash", "dup"), E), 0,
	    "duplicates: compiled anyway");
	tap_check_log("duplicate keys warn with file:line");
	t = maps_open(S("hash", "dup"), 0, E);
	r = t ? maps_lookup(t, "a", &value, E) : -2;
	is_str(r == 1 ? value : NULL, "1", "the first entry wins");
	r = t ? maps_lookup(t, "b", &value, E) : -2;
	is_str(r == 1 ? value : NULL, "3 more", "... continued one too");
	maps_close(&t);

	tap_expect_log("dup:2: duplicate key \"a\"");
	tap_expect_log("dup:5: duplicate key \"b\"");
	t = maps_open(S("texthash", "dup"), 0, E);
	r = t ? maps_lookup(t, "A", &value, E) : -2;
	is_str(r == 1 ? value : NULL, "1", "texthash: the first entry wins");
	maps_close(&t);
	tap_check_log("texthash warns the same");
}

struct syntax_case {
	const char *name;
	const char *text;
	size_t len;		/* 0: strlen */
	const char *err;
};

static void
test_syntax(void)
{
	static const char nul[] = "a 1\nb x\0y\n";
	static const struct syntax_case cases[] = {
		{ "syn1", "a 1\n\nlonely\n", 0,
		    "syn1:3: syntax error: key \"lonely\" has no value" },
		{ "syn2", "a 1\n# c\nb 2\nx   \t \n", 0, "syn2:4: syntax error" },
		{ "syn3", "\n\n  lead value\nonly\n", 0, "syn3:4: syntax" },
		{ "nul", nul, sizeof(nul) - 1, "nul:2: embedded NUL" },
	};
	struct vbuf *b;
	struct maps_table *t;
	struct stat before, after;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(P(cases[i].name), cases[i].text,
		    cases[i].len ? cases[i].len : strlen(cases[i].text));
		err_free(&err);
		r = maps_compile(S("hash", cases[i].name), E);
		is_int(r, -1, "%s: compile fails", cases[i].name);
		like(err, cases[i].err, "%s: error names file:line",
		    cases[i].name);
		t = maps_open(S("texthash", cases[i].name), 0, E);
		ok(t == NULL, "%s: texthash does not open", cases[i].name);
		like(err, cases[i].err, "%s: texthash error names file:line",
		    cases[i].name);
	}

	/* a physical line over CFLINE_MAX */
	b = vbuf_new(1024, VBUF_NOLIMIT);
	vbuf_appends(b, "ok fine\nkey ");
	while (vbuf_len(b) < 1100 * 1024)
		vbuf_appends(b, "0123456789abcdef");
	vbuf_appends(b, "\n");
	write_file(P("long"), vbuf_str(b), vbuf_len(b));
	is_int(maps_compile(S("hash", "long"), E), -1,
	    "over-long line: compile fails");
	like(err, "long:2: line longer than", "... named, not split");

	/* a logical line over CFLINE_MAX, made of short physical ones */
	vbuf_reset(b);
	vbuf_appends(b, "key first\n");
	while (vbuf_len(b) < 1100 * 1024)
		vbuf_appends(b, "  0123456789abcdef0123456789abcdef\n");
	write_file(P("longer"), vbuf_str(b), vbuf_len(b));
	is_int(maps_compile(S("hash", "longer"), E), -1,
	    "over-long logical line: compile fails");
	like(err, "longer:1: logical line longer than", "... named");
	vbuf_free(&b);
	ok(stat(P("syn1.db"), &before) < 0, "a failed compile writes no .db");
	is_int(count_temps(), 0, "... and leaves no temporary file");

	/* an existing .db survives a failed compile untouched */
	write_str(P("keep"), "k v\n");
	maps_compile(S("hash", "keep"), E);
	stat(P("keep.db"), &before);
	write_str(P("keep"), "k v\nbroken\n");
	is_int(maps_compile(S("hash", "keep"), E), -1, "break the source");
	stat(P("keep.db"), &after);
	ok(before.st_ino == after.st_ino && before.st_size == after.st_size &&
	    before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
	    "the old .db is left as it was");
	is_int(maps_compile(S("hash", "nosuch"), E), -1,
	    "a missing source: compile fails");
	like(err, "cannot open", "... with the reason");
}

/* aliases(5) format, as newaliases reads it (maps_compile_aliases). */
static const char aliases5[] =
    "# /etc/aliases\n"
    "postmaster: root\n"
    "Root :admin@example.org,\n"
    "  other@example.org\n"
    "abuse:\tsecurity\n"
    "url: a:b\n";

static const struct lookup_case aliases5_cases[] = {
	{ "postmaster", 1, "root" },
	{ "root", 1, "admin@example.org, other@example.org" },
	{ "abuse", 1, "security" },
	{ "url", 1, "a:b" },
	{ "postmaster:", 0, NULL },
	{ "admin", 0, NULL },
};

static const struct syntax_case aliases5_bad[] = {
	{ "al1", "a: b\nno colon here\n", 0,
	    "al1:2: syntax error: \"no colon here\" has no colon" },
	{ "al2", "two words: x\n", 0,
	    "more than one word before the colon" },
	{ "al3", "a: b\n\nempty:   \n", 0,
	    "al3:3: syntax error: \"empty:\" has no value" },
	{ "al4", ": x\n", 0, "al4:1: syntax error: \": x\" has no name" },
};

static void
test_aliases_format(void)
{
	struct maps_table *t;
	const char *value;
	size_t i;

	write_str(P("aliases5"), aliases5);
	is_int(maps_compile_aliases(S("hash", "aliases5"), E), 0,
	    "newaliases: hash:aliases5");
	t = maps_open(S("hash", "aliases5"), 0, E);
	ok(t != NULL, "open what newaliases built");
	if (t == NULL)
		bail_out("%s", err);
	run_cases(t, aliases5_cases,
	    sizeof(aliases5_cases) / sizeof(aliases5_cases[0]));
	maps_close(&t);
	/* postern map reads it as a table: the keys keep their colons */
	is_int(maps_compile(S("hash", "aliases5"), E), 0,
	    "postern map reads the file in the table format");
	t = maps_open(S("hash", "aliases5"), 0, E);
	is_int(t != NULL ? maps_lookup(t, "postmaster", &value, E) : -2, 0,
	    "... where the name with its colon is the key");
	maps_close(&t);
	for (i = 0; i < sizeof(aliases5_bad) / sizeof(aliases5_bad[0]); i++) {
		write_str(P(aliases5_bad[i].name), aliases5_bad[i].text);
		is_int(maps_compile_aliases(S("hash", aliases5_bad[i].name), E),
		    -1, "%s: newaliases fails", aliases5_bad[i].name);
		like(err, aliases5_bad[i].err, "%s: error names file:line",
		    aliases5_bad[i].name);
	}
	/* a texthash: alias table is in the table format, as in Postfix */
	write_str(P("aliases5t"), "postmaster root\n");
	is_int(maps_compile_aliases(S("texthash", "aliases5t"), E), 0,
	    "newaliases checks a texthash: table in the table format");
	is_int(maps_compile_aliases("inline:{ a=b }", E), 0,
	    "... and an inline: one as written");
	tap_check_log("aliases format");
}

static const struct {
	const char *spec;
	const char *key;
	int rc;
	const char *value;
} inline_cases[] = {
	{ "inline:{a=1, b=2}", "a", 1, "1" },
	{ "inline:{a=1, b=2}", "B", 1, "2" },
	{ "inline:{a=1, b=2}", "c", 0, NULL },
	{ "inline:{a=1,b=2,,,}", "b", 1, "2" },
	{ "inline:{ a=1 b=2 }", "b", 1, "2" },
	{ "inline:{ { key = text with spaces } }", "KEY", 1,
	    "text with spaces" },
	{ "inline:{a=1,{b = x, y},c=3}", "b", 1, "x, y" },
	{ "inline:{a=1,{b = x, y},c=3}", "c", 1, "3" },
	{ "inline:{ { k = v = w } }", "k", 1, "v = w" },
	{ "inline:{{k=a{b}c}}", "k", 1, "a{b}c" },
	{ "inline:{ Mixed=Value }", "mixed", 1, "Value" },
	{ "inline:{ {Two Words = v} }", "two words", 1, "v" },
	{ "inline:{a=b=c}", "a", 1, "b=c" },
	{ "inline:{}", "a", 0, NULL },
	{ "inline:{ }  ", "a", 0, NULL },
	{ "inline: {x=y}", "x", 1, "y" },
};

static const struct {
	const char *spec;
	const char *err;
} inline_bad[] = {
	{ "inline:a=1", "expected \"{ key=value" },
	{ "inline:{a=1", "missing \"}\"" },
	{ "inline:{{a=1}", "missing \"}\"" },
	{ "inline:{a=1}}", "text after the closing" },
	{ "inline:{a=1} x", "text after the closing" },
	{ "inline:{a}", "missing \"=\" in \"a\"" },
	{ "inline:{a=1, b}", "missing \"=\" in \"b\"" },
	{ "inline:{=1}", "empty key" },
	{ "inline:{ { = 1 } }", "empty key" },
	{ "inline:{a=}", "key \"a\" has no value" },
	{ "inline:{ { a = } }", "key \"a\" has no value" },
	{ "inline:{{a=1}b=2}", "expected \",\" or white space" },
	{ "inline:{a=1{b=2}}", "unexpected \"{\"" },
	{ "inline:{ {} }", "missing \"=\"" },
};

static void
test_inline(void)
{
	struct maps_table *t;
	const char *value;
	size_t i;
	int r;

	for (i = 0; i < sizeof(inline_cases) / sizeof(inline_cases[0]);
	    i++) {
		t = maps_open(inline_cases[i].spec, 0, E);
		if (!ok(t != NULL, "open %s", inline_cases[i].spec)) {
			diag("%s", err);
			continue;
		}
		value = NULL;
		r = maps_lookup(t, inline_cases[i].key, &value, E);
		is_int(r, inline_cases[i].rc, "%s: \"%s\"",
		    inline_cases[i].spec, inline_cases[i].key);
		if (inline_cases[i].rc == 1)
			is_str(value, inline_cases[i].value, "... value");
		maps_close(&t);
	}
	for (i = 0; i < sizeof(inline_bad) / sizeof(inline_bad[0]); i++) {
		err_free(&err);
		t = maps_open(inline_bad[i].spec, MAPS_OPEN_DEFER, E);
		ok(t == NULL, "malformed %s: does not open, even deferred",
		    inline_bad[i].spec);
		like(err, inline_bad[i].err, "... %s", inline_bad[i].err);
		maps_close(&t);
		is_int(maps_compile(inline_bad[i].spec, E), -1,
		    "... postern map fails");
		like(err, inline_bad[i].spec, "... naming the table");
	}
	tap_expect_log("duplicate key \"a\" ignored");
	t = maps_open("inline:{a=1, A=2}", 0, E);
	r = t ? maps_lookup(t, "a", &value, E) : -2;
	is_str(r == 1 ? value : NULL, "1", "inline duplicate: first wins");
	maps_close(&t);
	tap_check_log("inline duplicate warns");
}

static void
test_list(void)
{
	struct maps_list *l;
	const char *value;
	char specs[2048];
	int r;

	snprintf(specs, sizeof(specs), "inline:{a=first, {b = x, y}},\n"
	    "\t%s, %s  inline:{postmaster=last}", S("texthash", "aliases"),
	    S("hash", "big"));
	l = maps_list_open(specs, 0, E);
	ok(l != NULL, "open a list of four tables");
	if (l == NULL)
		bail_out("%s", err);
	is_int(maps_list_count(l), 4, "four tables");
	r = maps_list_lookup(l, "A", &value, E);
	is_str(r == 1 ? value : NULL, "first", "from the first table");
	r = maps_list_lookup(l, "b", &value, E);
	is_str(r == 1 ? value : NULL, "x, y", "commas in braces kept");
	r = maps_list_lookup(l, "postmaster", &value, E);
	is_str(r == 1 ? value : NULL, "root", "the earlier table wins");
	r = maps_list_lookup(l, "bob", &value, E);
	is_int(r, 1, "found in the second table");
	r = maps_list_lookup(l, "Key7", &value, E);
	is_str(r == 1 ? value : NULL, "value7", "found in the third table");
	is_int(maps_list_lookup(l, "nobody", &value, E), 0,
	    "in no table: not found");
	maps_list_close(&l);
	ok(l == NULL, "maps_list_close clears the pointer");

	snprintf(specs, sizeof(specs), "%s inline:{a=1}",
	    S("hash", "garbage"));
	l = maps_list_open(specs, MAPS_OPEN_DEFER, E);
	ok(l != NULL, "a list with a broken table opens deferred");
	is_int(maps_list_lookup(l, "a", &value, E), -1,
	    "an error before a later table's answer is an error");
	like(err, "garbage.db", "... naming the broken table");
	maps_list_close(&l);

	l = maps_list_open(specs, 0, E);
	ok(l == NULL, "... and does not open without MAPS_OPEN_DEFER");

	l = maps_list_open("  ,, ", 0, E);
	is_int(l ? (long long)maps_list_count(l) : -1, 0, "an empty list");
	is_int(l ? maps_list_lookup(l, "a", &value, E) : -2, 0,
	    "... finds nothing");
	maps_list_close(&l);
	maps_list_close(&l);

	l = maps_list_open("inline:{a=1, b=2", 0, E);
	ok(l == NULL, "unbalanced braces in a list");
	like(err, "unbalanced", "... says so");
	l = maps_list_open("inline:{a=1}, btree:/x", 0, E);
	ok(l == NULL, "a list with an unknown type");
	like(err, "unsupported type \"btree\"", "... names it");
}

static void
test_long_key(void)
{
	struct maps_table *t;
	const char *value;
	char *key;

	key = xmalloc(2 * 1024 * 1024 + 1);
	memset(key, 'a', 2 * 1024 * 1024);
	key[2 * 1024 * 1024] = '\0';
	t = maps_open(S("hash", "aliases"), 0, E);
	is_int(t ? maps_lookup(t, key, &value, E) : -2, 0,
	    "a key longer than any table line: not found");
	maps_close(&t);
	free(key);
}

int
main(void)
{
	tap_init("maps");
	dir = tap_tmpdir();

	test_compile_and_lookup();
	test_missing();
	test_bad_names();
	test_corrupt();
	test_foreign_db();
	test_foreign_nonul();
	test_reopen();
	test_texthash_stale();
	test_stale();
	test_duplicates();
	test_syntax();
	test_aliases_format();
	test_inline();
	test_list();
	test_long_key();
	err_free(&err);
	return done_testing();
}
