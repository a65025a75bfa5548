/*
 * NAME
 *	local_deliver - deliver one recipient of a request into its Maildir.
 *
 * DESCRIPTION
 *	In order, each step classifying its failure where it happens:
 *	  address syntax		5.1.3
 *	  mailbox lookup		5.1.1 unknown; 4.3.0 table trouble
 *	  Delivered-To loop		5.4.6
 *	  Maildir open/create		4.3.0
 *	  quota				5.2.2 or 4.2.2 (local_quota.c)
 *	  write, fsync, link		4.3.0 (4.2.2 for EDQUOT)
 *	  success			2.0.0 "delivered to maildir"
 *	The stored message is "Return-Path: <SENDER>", "Delivered-To:
 *	RCPT", then the content with CRLF turned into LF (lib/maildir).
 *	With an address extension (user+ext) and maildir_folder_extension,
 *	the message goes to the folder .ext when it exists.
 *
 *	tmp/ of each Maildir written to is cleaned of leftovers over 36
 *	hours old, at most once an hour per Maildir and process.
 *
 * SECURITY
 *	The request was validated by local_conn.c; the content is copied,
 *	never interpreted, except for the header scan of local_loop.c.
 *	No error leaves a visible partial file (lib/maildir).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "log.h"
#include "params.h"
#include "qfile.h"
#include "xmalloc.h"

#define LOCAL_COPY_BUF		(64 * 1024)
#define LOCAL_CLEAN_CACHE	64
#define LOCAL_CLEAN_EVERY	3600	/* seconds */

/* tmp/ directories cleaned recently by this process. */
static struct {
	dev_t	dev;
	ino_t	ino;
	time_t	when;
} local_cleaned[LOCAL_CLEAN_CACHE];

static void
local_clean(struct maildir *md)
{
	struct stat st;
	time_t now = time(NULL);
	size_t i, oldest = 0;
	int n;

	if (fstat(md->tmpfd, &st) < 0)
		return;
	for (i = 0; i < LOCAL_CLEAN_CACHE; i++) {
		if (local_cleaned[i].dev == st.st_dev &&
		    local_cleaned[i].ino == st.st_ino &&
		    local_cleaned[i].when != 0) {
			if (now - local_cleaned[i].when < LOCAL_CLEAN_EVERY)
				return;
			oldest = i;
			break;
		}
		if (local_cleaned[i].when < local_cleaned[oldest].when)
			oldest = i;
	}
	local_cleaned[oldest].dev = st.st_dev;
	local_cleaned[oldest].ino = st.st_ino;
	local_cleaned[oldest].when = now;
	if ((n = maildir_clean_tmp(md, now)) > 0)
		log_info("%s/tmp: removed %d leftover file%s older than 36 "
		    "hours", md->path, n, n == 1 ? "" : "s");
}

/*
 * The content of the queue file into m: 0; -1 with errno when writing
 * failed; -2 with errno when reading the queue file failed.
 */
static int
local_copy(const struct local_req *req, struct maildir_msg *m)
{
	/*
	 * One buffer for the process's life (deliveries run one at a
	 * time): one freed per delivery let malloc give the heap's top
	 * back to the kernel and take it again at the next (2.8 brk
	 * calls a delivery, a tenth of local's CPU).
	 */
	static char buf[LOCAL_COPY_BUF];
	uint64_t done = 0, size = req->d.content_size;
	size_t want;
	ssize_t n;
	int r = 0;

	while (done < size) {
		want = size - done > LOCAL_COPY_BUF ? LOCAL_COPY_BUF :
		    (size_t)(size - done);
		n = pread(req->d.qfd, buf, want,
		    (off_t)(req->d.content_offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* shorter than announced */
			r = -2;
			break;
		}
		if (maildir_msg_write(m, buf, (size_t)n) < 0) {
			r = -1;
			break;
		}
		done += (uint64_t)n;
	}
	return r;
}

static void
local_io_status(struct deliver_status *st, const char *err)
{
	deliver_status_set(st, errno == EDQUOT ? "4.2.2" : "4.3.0",
	    "maildir delivery failed: %s", err);
}

/* Write the message into box; quota against root. */
static void
local_write(struct local_req *req, size_t i, struct maildir *root,
    struct maildir *box, const struct local_entry *e,
    struct deliver_status *st)
{
	const struct deliver_rcpt *rc = &req->d.rcpts[i];
	struct maildir_msg *m;
	char *err, name[MAILDIR_NAME_MAX + 1];
	uint64_t size;
	int werr, r = 0;

	if ((m = maildir_msg_new(box, MAILDIR_MSG_CRLF, &err)) == NULL) {
		log_error("%s: %s", req->d.queue_id, err);
		local_io_status(st, err);
		free(err);
		return;
	}
	werr = maildir_msg_write(m, "Return-Path: <", 14) < 0 ||
	    maildir_msg_write(m, req->d.sender, strlen(req->d.sender)) < 0 ||
	    maildir_msg_write(m, ">\nDelivered-To: ", 16) < 0 ||
	    maildir_msg_write(m, rc->addr, strlen(rc->addr)) < 0 ||
	    maildir_msg_write(m, "\n", 1) < 0;
	if (!werr && (r = local_copy(req, m)) == -2) {
		log_error("%s: read the queue file: %m", req->d.queue_id);
		deliver_status_set(st, "4.3.0", "cannot read the queue file: %s",
		    strerror(errno));
		maildir_msg_abort(m);
		return;
	}
	if (!werr && r == 0 && !qfile_holds(req->d.qfd, req->d.queue_id)) {
		/* qmgr gave up on us and the file was reused meanwhile */
		log_warn("%s: the queue file changed during delivery to %s; "
		    "not delivered", req->d.queue_id, rc->addr);
		deliver_status_set(st, "4.3.0", "the queue file changed during "
		    "delivery");
		maildir_msg_abort(m);
		return;
	}
	/* a write error is sticky: the commit reports it, with its path */
	werr = werr || r < 0;
	size = maildir_msg_size(m);
	if (!werr && local_quota_check(root, e->quota, size, st) != 0) {
		maildir_msg_abort(m);
		return;
	}
	if (maildir_msg_commit(m, name, sizeof(name), &err) < 0) {
		log_error("%s: %s", req->d.queue_id, err);
		local_io_status(st, err);
		free(err);
		return;
	}
	local_quota_update(root, e->quota, size);
	log_debug("%s: %s: %s/new/%s", req->d.queue_id, rc->addr, box->path,
	    name);
	deliver_status_set(st, "2.0.0", "delivered to maildir");
}

void
local_deliver(struct local_req *req, size_t i, struct deliver_status *st)
{
	const struct deliver_rcpt *rc = &req->d.rcpts[i];
	struct maildir *root = NULL, *folder = NULL;
	struct local_entry e;
	struct addr a;
	enum addr_err ae;
	char *err;
	int r;

	if (addr_parse_mailbox(rc->addr, ADDR_F_SMTPUTF8, &a, &ae) < 0) {
		deliver_status_set(st, "5.1.3", "bad recipient address: %s",
		    addr_strerror(ae));
		return;
	}
	if (local_table_lookup(&a, &e, st) <= 0)
		return;
	if (!req->dt_done) {
		req->dt_done = 1;
		if (local_loop_scan(req->d.qfd, req->d.content_offset,
		    req->d.content_size, &req->dt) < 0)
			req->dt_err = errno;
	}
	if (req->dt_err != 0) {
		log_error("%s: read the queue file: %s", req->d.queue_id,
		    strerror(req->dt_err));
		deliver_status_set(st, "4.3.0", "cannot read the queue file: %s",
		    strerror(req->dt_err));
		return;
	}
	if (local_loop_check(req->dt, rc->addr)) {
		deliver_status_set(st, "5.4.6", "mail forwarding loop for %s",
		    rc->addr);
		return;
	}
	if (local_mdcache_open(e.maildir, &root, &err) < 0) {
		log_error("%s: %s: %s", req->d.queue_id, e.key, err);
		local_io_status(st, err);
		free(err);
		return;
	}
	local_clean(root);
	if (e.ext[0] != '\0' && var_maildir_folder_extension) {
		if ((r = maildir_open_folder(root, e.ext, &folder,
		    &err)) < 0) {
			log_error("%s: %s", req->d.queue_id, err);
			local_io_status(st, err);
			free(err);
			goto out;
		}
		if (r > 0)
			local_clean(folder);
	}
	if (local_quota_check(root, e.quota, 0, st) == 0)
		local_write(req, i, root, folder != NULL ? folder : root, &e,
		    st);
out:
	maildir_close(&folder);
	/* a failure may come from the directories: open them anew next */
	if (st->dsn[0] != '2')
		local_mdcache_drop(root);
}
