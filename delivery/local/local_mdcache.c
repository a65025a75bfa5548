/*
 * NAME
 *	local_mdcache - Maildirs kept open between deliveries.
 *
 * DESCRIPTION
 *	Opening a Maildir below virtual_mailbox_base takes one openat2 per
 *	path component and three more for tmp/, new/ and cur/, and as
 *	many closes: most of local's system calls for a message besides
 *	the copy itself. A busy mailbox gets many deliveries a second, so
 *	the last LOCAL_MD_CACHE Maildirs stay open, each for at most
 *	LOCAL_MD_TTL_MS after it was opened (descriptors of removed
 *	directories are not kept for long).
 *
 *	Before each use, the path is looked up again as far as its new/
 *	(one fstatat, no descriptor): a kept Maildir is used only when
 *	that finds the very new/ directory it holds, so a Maildir renamed,
 *	replaced or removed meanwhile (postern user del, an admin's mv, a
 *	new/ moved aside) is opened afresh by its path, as without the
 *	cache. A Maildir that failed a delivery is dropped
 *	(local_mdcache_drop), so the retry walks the path again. Folders
 *	(+extension) are not kept.
 *
 * SECURITY
 *	The descriptors were opened as a fresh maildir_open does (no
 *	symbolic link followed, beneath the root); only the one process
 *	that opened them uses them.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "local.h"
#include "monotime.h"
#include "xmalloc.h"

#define LOCAL_MD_CACHE	8
#define LOCAL_MD_TTL_MS	10000

static struct {
	struct maildir	*md;
	char		 path[MAILDIR_PATH_MAX + 1];	/* as looked up */
	long long	 opened;	/* monotime_ms */
	dev_t		 new_dev;	/* its new/ */
	ino_t		 new_ino;
} local_md[LOCAL_MD_CACHE];

/* Does md's path still lead to the new/ that md holds open? */
static int
local_mdcache_valid(size_t i)
{
	char path[MAILDIR_PATH_MAX + sizeof("/new")];
	struct stat st;

	snprintf(path, sizeof(path), "%s/new", local_md[i].md->path);
	return fstatat(local_rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == local_md[i].new_dev &&
	    st.st_ino == local_md[i].new_ino;
}

static void
local_mdcache_close(size_t i)
{
	maildir_close(&local_md[i].md);
	local_md[i].path[0] = '\0';
}

int
local_mdcache_open(const char *path, struct maildir **md_r, char **err_r)
{
	long long now = monotime_ms();
	struct stat st;
	size_t i, slot;

	for (i = 0; i < LOCAL_MD_CACHE; i++) {
		if (local_md[i].md == NULL)
			continue;
		if (now - local_md[i].opened >= LOCAL_MD_TTL_MS ||
		    now < local_md[i].opened)
			local_mdcache_close(i);
		else if (strcmp(local_md[i].path, path) == 0) {
			if (local_mdcache_valid(i)) {
				*md_r = local_md[i].md;
				return 0;
			}
			local_mdcache_close(i);
		}
	}
	/* a free slot, else the one opened longest ago */
	for (i = slot = 0; i < LOCAL_MD_CACHE; i++) {
		if (local_md[i].md == NULL) {
			slot = i;
			break;
		}
		if (local_md[i].opened < local_md[slot].opened)
			slot = i;
	}
	if (local_md[slot].md != NULL)
		local_mdcache_close(slot);
	if (maildir_open(local_rootfd, path, MAILDIR_CREATE, md_r, err_r) < 0)
		return -1;
	if (fstat((*md_r)->newfd, &st) < 0) {
		*err_r = xasprintf("stat %s/new: %s", (*md_r)->path,
		    strerror(errno));
		maildir_close(md_r);
		return -1;
	}
	local_md[slot].new_dev = st.st_dev;
	local_md[slot].new_ino = st.st_ino;
	local_md[slot].md = *md_r;
	(void)strlcpy(local_md[slot].path, path, sizeof(local_md[slot].path));
	local_md[slot].opened = now;
	return 0;
}

void
local_mdcache_drop(struct maildir *md)
{
	size_t i;

	for (i = 0; i < LOCAL_MD_CACHE; i++)
		if (local_md[i].md == md)
			local_mdcache_close(i);
}
