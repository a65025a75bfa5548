/*
 * NAME
 *	imapd_folder - the user's folders on disk: names, CREATE, DELETE,
 *	RENAME, SUBSCRIBE, UNSUBSCRIBE, special use, the first login
 *
 * DESCRIPTION
 *	Maildir++ (DESIGN, "Mailbox store"): INBOX is the Maildir itself,
 *	every other mailbox a directory ".Name" in it, the hierarchy
 *	delimiter ".", names stored in modified UTF-7 as Dovecot stores
 *	them (IMAP4rev2 and UTF8=ACCEPT clients speak UTF-8, converted at
 *	the edge, imap_utf7.h). A folder's parents need not exist (LIST
 *	shows them \NonExistent). INBOX is case-insensitive, also as the
 *	first part of a name.
 *
 *	DELETE renames ".Name" to "..deleted.UNIQUE" first (a name LIST
 *	never shows and no client can ask for), then removes it: a crash
 *	in between leaves a directory that the next DELETE of anything
 *	cleans up. Children of a deleted folder stay (RFC 9051 6.3.5
 *	allows it; they keep their messages).
 *
 *	RENAME moves ".Old" and every ".Old.child" to their new names
 *	(never over an existing name); RENAME INBOX moves INBOX's
 *	messages into a new folder and leaves INBOX empty (RFC 9051
 *	6.3.6).
 *
 *	Subscriptions are the file "subscriptions" in the Maildir, one
 *	stored name per line, replaced whole (tmp + rename). At the first
 *	login (no such file yet) the folders of imapd_autocreate_folders
 *	are created and subscribed with INBOX.
 *
 * SECURITY
 *	Names come from the client: they must be valid modified UTF-7 (or
 *	UTF-8 where enabled) and valid Maildir++ folder names
 *	(maildir_folder_name_ok: no "/", no "..", no control characters,
 *	no leading or trailing "."), and every path is opened beneath the
 *	Maildir's descriptor without following symbolic links.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>	/* renameat2 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "fsutil.h"
#include "imap_utf7.h"
#include "imapd.h"
#include "log.h"
#include "maildir.h"
#include "params.h"
#include "vbuf.h"
#include "xmalloc.h"

#define SUBS_FILE	"subscriptions"
#define SUBS_MAX	(1024 * 1024)	/* bytes of the file read */
#define DELETED_PREFIX	"..deleted."
#define RMTREE_DEPTH	4

static int
rootfd(const struct imapd *d)
{
	return d->sess.md->fd;
}

int
imapd_mailbox_arg(struct imapd *d, const struct imap_arg *arg,
    const char **stored_r)
{
	struct arena *a = imap_parser_arena(d->parser);
	const char *s;
	struct vbuf b;
	size_t len;

	if (!imap_arg_astring(arg, &s, &len) || strlen(s) != len) {
		imapd_bad(d, "Invalid mailbox name.");
		return -1;
	}
	vbuf_init(&b, len + 16, VBUF_NOLIMIT);
	if (d->enabled & IMAPD_EN_UTF8) {
		if (imap_utf8_to_utf7(s, &b) < 0) {
			vbuf_release(&b);
			imapd_bad(d, "Mailbox name is not valid UTF-8.");
			return -1;
		}
	} else if (!imap_utf7_valid(s)) {
		vbuf_release(&b);
		imapd_bad(d, "Mailbox name is not valid modified UTF-7.");
		return -1;
	} else
		(void)vbuf_appends(&b, s);
	/* INBOX, also as the first part of a name, in any case */
	if (strncasecmp(vbuf_str(&b), "INBOX", 5) == 0 &&
	    (b.data[5] == '\0' || b.data[5] == IMAPD_DELIM))
		memcpy(b.data, "INBOX", 5);
	*stored_r = arena_strndup(a, vbuf_str(&b), vbuf_len(&b));
	vbuf_release(&b);
	return 0;
}

/* Is ".name" a directory (exactly that name, not followed)? */
static int
folder_exists(const struct imapd *d, const char *name)
{
	char path[MAILDIR_NAME_MAX + 2];
	struct stat st;

	if (strcmp(name, "INBOX") == 0)
		return 1;
	if (!maildir_folder_name_ok(name) ||
	    snprintf(path, sizeof(path), ".%s", name) >= (int)sizeof(path))
		return 0;
	return fstatat(rootfd(d), path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

int
imapd_folder_open(struct imapd *d, const char *stored, struct maildir **md_r,
    char **err_r)
{
	*md_r = NULL;
	if (strcmp(stored, "INBOX") == 0)
		return 1;
	if (!folder_exists(d, stored))
		return 0;
	return maildir_open_folder(d->sess.md, stored, md_r, err_r);
}

const char *
imapd_special_use(const char *stored)
{
	static const char *const uses[][2] = {
		{ "Drafts", "\\Drafts" }, { "Sent", "\\Sent" },
		{ "Trash", "\\Trash" }, { "Junk", "\\Junk" },
		{ "Archive", "\\Archive" },
	};
	size_t i;

	for (i = 0; i < sizeof(uses) / sizeof(uses[0]); i++)
		if (strcmp(stored, uses[i][0]) == 0)
			return uses[i][1];
	return NULL;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
imapd_folder_list(struct imapd *d, char ***names_r, size_t *n_r)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *dir;
	int fd;

	if ((fd = openat(rootfd(d), ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		log_warn("%s: list folders: %m", d->sess.user);
		return -1;
	}
	names = xreallocarray(NULL, 16, sizeof(*names));
	cap = 16;
	names[n++] = xstrdup("INBOX");
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] != '.' || !maildir_folder_name_ok(de->d_name +
		    1) || strcmp(de->d_name + 1, "INBOX") == 0)
			continue;
		if (de->d_type != DT_DIR && (de->d_type != DT_UNKNOWN ||
		    fstatat(rootfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
		    || !S_ISDIR(st.st_mode)))
			continue;
		if (n == cap) {
			cap *= 2;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name + 1);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), name_cmp);
	*names_r = names;
	*n_r = n;
	return 0;
}

void
imapd_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* --- subscriptions -------------------------------------------------- */

int
imapd_subs_load(struct imapd *d, char ***names_r, size_t *n_r)
{
	char **names = NULL, *buf, *p, *nl;
	size_t n = 0, cap = 0;
	ssize_t got;
	int fd;

	*names_r = NULL;
	*n_r = 0;
	if ((fd = openat(rootfd(d), SUBS_FILE, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	buf = xmalloc(SUBS_MAX + 1);
	got = read(fd, buf, SUBS_MAX);
	close(fd);
	if (got < 0) {
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	for (p = buf; p < buf + got; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(buf + got - p))) == NULL)
			nl = buf + got;
		*nl = '\0';
		if (*p == '\0' || strchr(p, '\r') != NULL ||
		    strlen(p) != (size_t)(nl - p))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(p);
	}
	free(buf);
	*names_r = names;
	*n_r = n;
	return 0;
}

static int
subs_save(struct imapd *d, char **names, size_t n)
{
	struct vbuf b;
	size_t i;
	int fd, r = -1;

	vbuf_init(&b, 256, VBUF_NOLIMIT);
	for (i = 0; i < n; i++)
		if (names[i] != NULL)
			(void)vbuf_appendf(&b, "%s\n", names[i]);
	(void)unlinkat(rootfd(d), SUBS_FILE ".tmp", 0);
	if ((fd = openat(rootfd(d), SUBS_FILE ".tmp", O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0) {
		if (fsutil_write_all(fd, vbuf_str(&b), vbuf_len(&b)) == 0 &&
		    fsync(fd) == 0 && renameat(rootfd(d), SUBS_FILE ".tmp",
		    rootfd(d), SUBS_FILE) == 0)
			r = 0;
		close(fd);
	}
	if (r < 0)
		log_warn("%s: write %s: %m", d->sess.user, SUBS_FILE);
	vbuf_release(&b);
	return r;
}

static int
subscribe(struct imapd *d, const char *name, int on)
{
	char **names;
	size_t n, i;
	int r, found = 0;

	if (imapd_subs_load(d, &names, &n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0) {
			found = 1;
			if (!on) {
				free(names[i]);
				names[i] = NULL;
			}
		}
	if (on == found) {
		imapd_names_free(names, n);
		return 0;
	}
	if (on) {
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(name);
	}
	r = subs_save(d, names, n);
	imapd_names_free(names, n);
	return r;
}

/* SUBSCRIBE and UNSUBSCRIBE. */
int
imapd_cmd_subscribe(struct imapd *d, const struct imap_arg *args)
{
	int on = strcmp(d->cmd, "SUBSCRIBE") == 0;
	const char *name;

	if (imapd_mailbox_arg(d, args, &name) < 0)
		return 0;
	if (on && !folder_exists(d, name)) {
		imapd_no_mailbox(d, NULL, "NONEXISTENT", name);
		return 0;
	}
	if (subscribe(d, name, on) < 0) {
		imapd_tagged(d, "NO [SERVERBUG] Cannot write the "
		    "subscriptions.");
		return 0;
	}
	imapd_ok(d, "%s completed.", on ? "Subscribe" : "Unsubscribe");
	return 0;
}

/* --- create, delete, rename ---------------------------------------- */

/* Make folder name (which must not exist): 0 or -1 (logged). */
static int
folder_make(struct imapd *d, const char *name)
{
	char path[MAILDIR_NAME_MAX + 2];
	struct maildir *md = NULL;
	char *err = NULL;
	int fd;

	snprintf(path, sizeof(path), ".%s", name);
	if (maildir_open(rootfd(d), path, MAILDIR_CREATE, &md, &err) < 0) {
		log_warn("%s: create %s: %s", d->sess.user, name, err);
		free(err);
		return -1;
	}
	/* Maildir++'s mark of a folder (quota tools look for it) */
	if ((fd = openat(md->fd, "maildirfolder", O_WRONLY | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	maildir_close(&md);
	return 0;
}

/* A valid name for a new folder: 0, or -1 after replying. */
static int
new_name_ok(struct imapd *d, const char *name)
{
	if (strcasecmp(name, "INBOX") == 0) {
		imapd_tagged(d, "NO [ALREADYEXISTS] Mailbox already exists");
		return -1;
	}
	if (!maildir_folder_name_ok(name) || strlen(name) >
	    MAILDIR_NAME_MAX - 32) {
		imapd_tagged(d, "NO [CANNOT] Invalid mailbox name: %s", name);
		return -1;
	}
	if (folder_exists(d, name)) {
		imapd_tagged(d, "NO [ALREADYEXISTS] Mailbox already exists");
		return -1;
	}
	return 0;
}

int
imapd_cmd_create(struct imapd *d, const struct imap_arg *args)
{
	const char *name;
	char *n;
	size_t len;

	if (imapd_mailbox_arg(d, args, &name) < 0)
		return 0;
	if (args->next != NULL) {
		imapd_bad(d, "Unsupported CREATE parameters.");
		return 0;
	}
	/* RFC 9051 6.3.4: a trailing delimiter only says more may follow */
	n = arena_strdup(imap_parser_arena(d->parser), name);
	len = strlen(n);
	if (len > 1 && n[len - 1] == IMAPD_DELIM)
		n[len - 1] = '\0';
	if (new_name_ok(d, n) < 0)
		return 0;
	if (folder_make(d, n) < 0) {
		imapd_tagged(d, "NO [SERVERBUG] Cannot create %s.", n);
		return 0;
	}
	imapd_ok(d, "Create completed.");
	return 0;
}

/* Remove directory name below dirfd and all in it (bounded depth). */
static int
rmtree(int dirfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *dir;
	int fd, r = 0;

	if (depth > RMTREE_DEPTH)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0)
			continue;
		if ((errno == EISDIR || errno == EPERM) &&
		    rmtree(fd, de->d_name, depth + 1) == 0)
			continue;
		r = -1;
	}
	closedir(dir);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

/* Finish earlier DELETEs that a crash interrupted. */
static void
clean_deleted(struct imapd *d)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	if ((fd = openat(rootfd(d), ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL)
		if (strncmp(de->d_name, DELETED_PREFIX,
		    sizeof(DELETED_PREFIX) - 1) == 0)
			(void)rmtree(rootfd(d), de->d_name, 0);
	closedir(dir);
}

int
imapd_cmd_delete(struct imapd *d, const struct imap_arg *args)
{
	char path[MAILDIR_NAME_MAX + 2], gone[MAILDIR_NAME_MAX + 64];
	const char *name;

	if (imapd_mailbox_arg(d, args, &name) < 0)
		return 0;
	if (strcmp(name, "INBOX") == 0) {
		imapd_tagged(d, "NO [CANNOT] INBOX can't be deleted.");
		return 0;
	}
	if (!folder_exists(d, name)) {
		imapd_no_mailbox(d, NULL, "NONEXISTENT", name);
		return 0;
	}
	if (d->sel != NULL && strcmp(d->sel->name, name) == 0) {
		imapd_tagged(d, "NO [INUSE] Can't delete the selected "
		    "mailbox; select another one first.");
		return 0;
	}
	snprintf(path, sizeof(path), ".%s", name);
	snprintf(gone, sizeof(gone), DELETED_PREFIX "%lld.%ld",
	    (long long)time(NULL), (long)getpid());
	if (renameat(rootfd(d), path, rootfd(d), gone) < 0) {
		log_warn("%s: delete %s: %m", d->sess.user, name);
		imapd_tagged(d, "NO [SERVERBUG] Cannot delete %s.", name);
		return 0;
	}
	if (rmtree(rootfd(d), gone, 0) < 0)
		log_warn("%s: remove %s: %m", d->sess.user, gone);
	clean_deleted(d);
	imapd_ok(d, "Delete completed.");
	return 0;
}

/* RENAME INBOX: its messages into a new folder. */
static int
rename_inbox(struct imapd *d, const char *to)
{
	static const char *const dirs[] = { "new", "cur" };
	char path[MAILDIR_NAME_MAX + 16];
	struct dirent *de;
	DIR *dir;
	size_t i;
	int src, dst, fd, r = 0;

	if (folder_make(d, to) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), ".%s/%s", to, dirs[i]);
		if ((src = openat(rootfd(d), dirs[i], O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0)
			return -1;
		if ((dst = openat(rootfd(d), path, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0) {
			close(src);
			return -1;
		}
		if ((fd = dup(src)) < 0 || (dir = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			close(src);
			close(dst);
			return -1;
		}
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (renameat(src, de->d_name, dst, de->d_name) < 0)
				r = -1;
		}
		closedir(dir);
		(void)fsync(dst);
		close(src);
		close(dst);
	}
	return r;
}

int
imapd_cmd_rename(struct imapd *d, const struct imap_arg *args)
{
	char **names, from_path[MAILDIR_NAME_MAX + 2];
	char to_path[MAILDIR_NAME_MAX + 2];
	const char *from, *to;
	size_t n, i, flen;

	if (imapd_mailbox_arg(d, args, &from) < 0 ||
	    imapd_mailbox_arg(d, args->next, &to) < 0)
		return 0;
	if (args->next->next != NULL) {
		imapd_bad(d, "Unexpected arguments.");
		return 0;
	}
	if (!folder_exists(d, from)) {
		imapd_no_mailbox(d, NULL, "NONEXISTENT", from);
		return 0;
	}
	if (new_name_ok(d, to) < 0)
		return 0;
	if (strcmp(from, "INBOX") == 0) {
		if (rename_inbox(d, to) < 0) {
			log_warn("%s: rename INBOX to %s: %m", d->sess.user, to);
			imapd_tagged(d, "NO [SERVERBUG] Cannot rename INBOX.");
			return 0;
		}
		imapd_ok(d, "Rename completed.");
		return 0;
	}
	flen = strlen(from);
	if (strncmp(to, from, flen) == 0 && to[flen] == IMAPD_DELIM) {
		imapd_tagged(d, "NO [CANNOT] Can't rename a mailbox into "
		    "itself.");
		return 0;
	}
	/* the children first fail cleanly when a new name is too long */
	if (imapd_folder_list(d, &names, &n) < 0) {
		imapd_tagged(d, "NO [SERVERBUG] Cannot list the mailboxes.");
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], from) != 0 &&
		    (strncmp(names[i], from, flen) != 0 ||
		    names[i][flen] != IMAPD_DELIM))
			continue;
		snprintf(from_path, sizeof(from_path), ".%s", names[i]);
		if (snprintf(to_path, sizeof(to_path), ".%s%s", to,
		    names[i] + flen) >= (int)sizeof(to_path) ||
		    !maildir_folder_name_ok(to_path + 1) ||
		    renameat2(rootfd(d), from_path, rootfd(d), to_path,
		    RENAME_NOREPLACE) < 0) {
			log_warn("%s: rename %s to %s: %m", d->sess.user,
			    from_path, to_path);
			imapd_names_free(names, n);
			imapd_tagged(d, "NO [CANNOT] Cannot rename %s.",
			    names[i]);
			return 0;
		}
	}
	imapd_names_free(names, n);
	imapd_ok(d, "Rename completed.");
	return 0;
}

void
imapd_folders_first_login(struct imapd *d)
{
	const char *list = var_imapd_autocreate_folders, *p, *e;
	char name[MAILDIR_NAME_MAX], **subs;
	size_t n = 0, cap = 8, len;
	struct stat st;

	if (fstatat(rootfd(d), SUBS_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		return;
	subs = xreallocarray(NULL, cap, sizeof(*subs));
	subs[n++] = xstrdup("INBOX");
	for (p = list; *p != '\0'; p = e) {
		p += strspn(p, ", \t");
		e = p + strcspn(p, ", \t");
		if ((len = (size_t)(e - p)) == 0 || len >= sizeof(name))
			continue;
		memcpy(name, p, len);
		name[len] = '\0';
		if (!maildir_folder_name_ok(name) || !imap_utf7_valid(name))
			continue;
		if (!folder_exists(d, name) && folder_make(d, name) < 0)
			continue;
		if (n == cap) {
			cap *= 2;
			subs = xreallocarray(subs, cap, sizeof(*subs));
		}
		subs[n++] = xstrdup(name);
	}
	(void)subs_save(d, subs, n);
	imapd_names_free(subs, n);
}
