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
 *	LOCAL_MD_TTL_MS after it was opened.
 *
 *	What a delivery through a kept Maildir may miss is what one that
 *	opened it a moment earlier may miss too: a Maildir renamed or
 *	removed meanwhile (postern user del, an admin's mv). The lifetime
 *	bounds that moment to a second; a Maildir whose directory is gone
 *	(no links left) is opened again at once, and one that failed a
 *	delivery is dropped (local_mdcache_drop), so the retry opens it
 *	by its path. Folders (+extension) are not kept.
 *
 * SECURITY
 *	The descriptors were opened as a fresh maildir_open does (no
 *	symbolic link followed, beneath the root); only the one process
 *	that opened them uses them.
 */
#include "config.h"

#include <sys/stat.h>

#include <string.h>

#include "local.h"
#include "monotime.h"

#define LOCAL_MD_CACHE	8
#define LOCAL_MD_TTL_MS	1000

static struct {
	struct maildir	*md;
	char		 path[MAILDIR_PATH_MAX + 1];	/* as looked up */
	long long	 opened;	/* monotime_ms */
} local_md[LOCAL_MD_CACHE];

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
			if (fstat(local_md[i].md->fd, &st) == 0 &&
			    st.st_nlink > 0) {
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
