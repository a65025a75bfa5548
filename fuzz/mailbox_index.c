/*
 * fuzz/mailbox_index - the mailbox store's index file (lib/mailbox) as
 * pop3d and imapd read it: a file the mailbox owner can write.
 *
 * Input: one control byte, then the file. Bit 0: the rest is a list of
 * record bodies (type and payload, each preceded by a 2-byte length)
 * that the harness frames with the right lengths and CRCs, so that the
 * fuzzer reaches what the records say, not only their check sums; bit
 * 1: a valid header goes in front. The Maildir beside it holds three
 * messages.
 *
 * Properties: opening never fails for what the file says (a damaged
 * index is rebuilt); the view has strictly ascending UIDs below
 * UIDNEXT; after a forced listing every message of the view is a file
 * of the Maildir and every file a message; flags stored, sizes filled
 * and cached data written all succeed and read back.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "mailbox.h"
#include "maildir.h"
#include "vbuf.h"

uint32_t mailbox_crc32(uint32_t, const void *, size_t);

static struct maildir *fz_md;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *err = NULL;
	int rootfd;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	if ((rootfd = open(fuzz_tmpdir("mailbox_index"), O_RDONLY |
	    O_DIRECTORY)) < 0 ||
	    maildir_open(rootfd, "m", MAILDIR_CREATE, &fz_md, &err) < 0)
		abort();
	close(rootfd);
	if (close(openat(fz_md->newfd, "1000.M1P1.h,S=3,W=4", O_CREAT |
	    O_WRONLY, 0600)) < 0 ||
	    close(openat(fz_md->newfd, "1001.M2P1.h", O_CREAT | O_WRONLY,
	    0600)) < 0 ||
	    close(openat(fz_md->curfd, "1002.M3P1.h,S=0:2,S", O_CREAT |
	    O_WRONLY, 0600)) < 0)
		abort();
	return 0;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* The file the input stands for. */
static void
make_file(const uint8_t *data, size_t size, struct vbuf *b)
{
	unsigned char h[MAILBOX_HDR_SIZE], len[4], crc[4];
	unsigned ctl = size > 0 ? data[0] : 0;
	size_t n, at;

	if (size > 0) {
		data++;
		size--;
	}
	if (ctl & 2) {
		memset(h, 0, sizeof(h));
		memcpy(h, "PSTRNIX1", 8);
		put32(h + 8, 4242);
		put32(h + 60, mailbox_crc32(0, h, 60));
		vbuf_append(b, h, sizeof(h));
	}
	if (!(ctl & 1)) {
		vbuf_append(b, data, size);
		return;
	}
	while (size >= 2) {
		n = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		if (n == 0)
			continue;
		at = vbuf_len(b);
		put32(len, (uint32_t)n);
		vbuf_append(b, len, 4);
		vbuf_append(b, data, n);
		put32(crc, mailbox_crc32(0, b->data + at, n + 4));
		vbuf_append(b, crc, 4);
		data += n;
		size -= n;
	}
}

static int
files_in(int dirfd)
{
	struct dirent *de;
	DIR *d;
	int n = 0, fd = dup(dirfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL)
		abort();
	rewinddir(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vbuf *b = vbuf_new(size + 128, VBUF_NOLIMIT);
	const struct mailbox_msg *m;
	struct mailbox *mb;
	uint32_t i, *uids, n;
	char *err = NULL;
	int fd, live = 0;

	make_file(data, size, b);
	(void)unlinkat(fz_md->fd, MAILBOX_INDEX_FILE, 0);
	fd = openat(fz_md->fd, MAILBOX_INDEX_FILE, O_CREAT | O_WRONLY, 0600);
	if (fd < 0 || write(fd, b->data, b->len) != (ssize_t)b->len ||
	    close(fd) < 0)
		abort();
	vbuf_free(&b);

	if (mailbox_open(fz_md, fz_md, 0, &mb, &err) != 0)
		fprintf(stderr, "mailbox_open: %s\n", err);
	FUZZ_CHECK(err == NULL);
	for (i = 0; i < mailbox_count(mb); i++) {
		m = mailbox_msg(mb, i);
		FUZZ_CHECK(m->uid > 0 && m->uid < mailbox_uidnext(mb));
		FUZZ_CHECK(i == 0 || m->uid > mailbox_msg(mb, i - 1)->uid);
		FUZZ_CHECK(strchr(m->name, '/') == NULL);
	}
	FUZZ_CHECK(mailbox_sync(mb, MAILBOX_SYNC_FORCE, &err) >= 0);
	mailbox_purge(mb);
	n = mailbox_count(mb);
	FUZZ_CHECK(n == (uint32_t)(files_in(fz_md->newfd) +
	    files_in(fz_md->curfd)));
	uids = calloc(n + 1, sizeof(*uids));
	for (i = 0; i < n; i++) {
		m = mailbox_msg(mb, i);
		uids[i] = m->uid;
		FUZZ_CHECK(mailbox_msg_open(mb, m->uid, &fd, &err) == 1);
		close(fd);
		live++;
	}
	FUZZ_CHECK(mailbox_store(mb, uids, n, MAILBOX_STORE_ADD,
	    MAILBOX_F_FLAGGED, 1, 0, NULL, NULL, &err) >= 0);
	FUZZ_CHECK(mailbox_fill_vsizes(mb, &err) == 0);
	if (n > 0) {
		b = vbuf_new(16, VBUF_NOLIMIT);
		FUZZ_CHECK(mailbox_cache_put(mb, uids[0], 1, "cached", 6,
		    &err) == 0);
		FUZZ_CHECK(mailbox_cache_get(mb, uids[0], 1, b, &err) == 1);
		FUZZ_CHECK(vbuf_len(b) == 6);
		vbuf_free(&b);
	}
	for (i = 0; i < mailbox_count(mb); i++)
		FUZZ_CHECK(mailbox_msg(mb, i)->vsize != MAILBOX_VSIZE_UNKNOWN);
	free(uids);
	mailbox_close(&mb);
	(void)live;
	return 0;
}
