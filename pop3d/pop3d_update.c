/*
 * NAME
 *	pop3d_update - the maildrop lock and the UPDATE state.
 *
 * DESCRIPTION
 *	RFC 1939 gives one POP3 session exclusive access to the maildrop.
 *	The lock is flock(2) on POP3D_LOCK_FILE in the Maildir, held by
 *	the session process until it exits (a crash releases it): a second
 *	POP3 session of the same user gets [IN-USE] (RFC 2449). IMAP
 *	sessions and deliveries do not look at it: they go on, and the
 *	mailbox store keeps the views consistent.
 *
 *	At QUIT the messages marked deleted are expunged through the store
 *	(files removed, index and maildirsize updated), then the ones
 *	retrieved get \Seen (as Dovecot's POP3 does, so IMAP shows them as
 *	read). The store removes each file before it records it (mailbox.h):
 *	a crash in the middle leaves some of the marked messages deleted and
 *	the rest untouched, never another one, and a dropped connection
 *	(no QUIT) deletes nothing.
 *
 * SECURITY
 *	The lock file is opened beneath the Maildir without following a
 *	link; it holds nothing.
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "mailbox.h"
#include "maildir.h"
#include "pop3d.h"
#include "xmalloc.h"

int
pop3d_lock(struct pop3d *p)
{
	p->lockfd = fsutil_open_beneath(p->sess.md->fd, POP3D_LOCK_FILE,
	    O_RDWR | O_CREAT, 0600);
	if (p->lockfd < 0) {
		log_error("%s: open %s/%s: %m", p->sess.user, p->sess.md->path,
		    POP3D_LOCK_FILE);
		return -1;
	}
	if (flock(p->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return 1;
	log_error("%s: lock %s/%s: %m", p->sess.user, p->sess.md->path,
	    POP3D_LOCK_FILE);
	return -1;
}

/* The UIDs of the messages whose mark has bit set (not deleted, unless
 * the bit is the deleted one). */
static uint32_t *
pop3d_uids(struct pop3d *p, unsigned char bit, size_t *n_r)
{
	uint32_t *v = xreallocarray(NULL, p->n + 1, sizeof(*v)), i;
	size_t n = 0;

	for (i = 0; i < p->n; i++) {
		if (!(p->mark[i] & bit))
			continue;
		if (bit != POP3D_M_DELETED && (p->mark[i] & POP3D_M_DELETED))
			continue;
		v[n++] = mailbox_msg(p->mb, i)->uid;
	}
	*n_r = n;
	return v;
}

int
pop3d_update(struct pop3d *p)
{
	uint32_t *uids;
	size_t n;
	char *err = NULL;
	int r = 0, got;

	uids = pop3d_uids(p, POP3D_M_DELETED, &n);
	if (n > 0) {
		if ((got = mailbox_expunge(p->mb, uids, n, NULL, &err)) < 0) {
			log_error("%s: %s", p->sess.user, err);
			free(err);
			r = -1;
		} else
			p->expunged = (uint32_t)n;
	}
	free(uids);
	if (r < 0)
		return -1;
	uids = pop3d_uids(p, POP3D_M_RETRIEVED, &n);
	if (n > 0 && mailbox_store(p->mb, uids, n, MAILBOX_STORE_ADD,
	    MAILBOX_F_SEEN, 0, 0, NULL, NULL, &err) < 0) {
		/* the mail is all there: say so, but the logout succeeds */
		log_warn("%s: mark retrieved messages seen: %s", p->sess.user,
		    err);
		free(err);
	}
	free(uids);
	return 0;
}
