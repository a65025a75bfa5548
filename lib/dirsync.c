/*
 * NAME
 *	dirsync - group commit of directory fsyncs; see dirsync.h for the
 *	protocol and why it is safe.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "dirsync.h"
#include "err.h"
#include "xmalloc.h"

#define DIRSYNC_SLOTS	64

/* One cache line per slot; every field is written whole (atomic). */
struct dirsync_slot {
	uint64_t	started;	/* syncs begun; read without the lock */
	uint64_t	done;		/* last that succeeded (0: none known) */
	uint64_t	dev, ino;	/* the directory `done` synced */
	uint64_t	failed;		/* last that failed (0: none known) */
	uint64_t	fdev, fino;	/* the directory `failed` was for */
	uint64_t	unused;
};

#define DIRSYNC_SIZE	(DIRSYNC_SLOTS * sizeof(struct dirsync_slot))
/* Numbers past this (a damaged table) are not used: no wrap to 0. */
#define DIRSYNC_MAX	(UINT64_MAX / 2)

struct dirsync {
	int			 fd;
	struct dirsync_slot	*slots;
};

static unsigned long dirsync_led, dirsync_covered;

struct dirsync *
dirsync_open(int dirfd, const char *path, char **err_r)
{
	struct dirsync *ds;
	struct stat st;
	void *p;
	int fd;

	if (geteuid() == 0) {
		/* root makes no file where a less privileged uid writes */
		err_set(err_r, "%s: not shared by root", path);
		return NULL;
	}
	if ((fd = openat(dirfd, path, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		err_set(err_r, "open %s: %m", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		err_set(err_r, "fstat %s: %m", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		err_set(err_r, "%s: not a regular file of uid %ld", path,
		    (long)geteuid());
		goto fail;
	}
	/* a new table is all zeros; processes racing here agree on that */
	if (st.st_size < (off_t)DIRSYNC_SIZE &&
	    ftruncate(fd, (off_t)DIRSYNC_SIZE) < 0) {
		err_set(err_r, "size %s: %m", path);
		goto fail;
	}
	p = mmap(NULL, DIRSYNC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0);
	if (p == MAP_FAILED) {
		err_set(err_r, "mmap %s: %m", path);
		goto fail;
	}
	ds = xmalloc(sizeof(*ds));
	ds->fd = fd;
	ds->slots = p;
	return ds;
fail:
	close(fd);
	return NULL;
}

void
dirsync_close(struct dirsync **dsp)
{
	struct dirsync *ds = *dsp;

	if (ds == NULL)
		return;
	(void)munmap(ds->slots, DIRSYNC_SIZE);
	close(ds->fd);
	free(ds);
	*dsp = NULL;
}

static size_t
dirsync_slot(const struct stat *st)
{
	uint64_t h = ((uint64_t)st->st_ino ^ ((uint64_t)st->st_dev << 32)) *
	    0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 58);	/* the top 6 bits: 0..63 */
}

/* The slot's byte of the table, locked (F_WRLCK) or unlocked. */
static int
dirsync_lock(struct dirsync *ds, size_t slot, short type)
{
	struct flock fl = { 0 };

	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)slot;
	fl.l_len = 1;
	while (fcntl(ds->fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW,
	    &fl) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* Record the outcome n of a sync of (dev, ino) in *num and its pair. */
static void
dirsync_record(uint64_t *num, uint64_t *dev, uint64_t *ino,
    const struct stat *st, uint64_t n)
{
	if (LOAD(dev) != (uint64_t)st->st_dev ||
	    LOAD(ino) != (uint64_t)st->st_ino) {
		/* never a number paired with the wrong directory */
		STORE(num, 0);
		STORE(dev, (uint64_t)st->st_dev);
		STORE(ino, (uint64_t)st->st_ino);
	}
	STORE(num, n);
}

static int
dirsync_mine(uint64_t num, uint64_t dev, uint64_t ino, const struct stat *st,
    uint64_t ticket)
{
	return num >= ticket && dev == (uint64_t)st->st_dev &&
	    ino == (uint64_t)st->st_ino;
}

int
dirsync_fsync(struct dirsync *ds, int fd)
{
	struct dirsync_slot *s;
	struct stat st;
	uint64_t ticket, n;
	size_t slot;
	int r, saved;

	if (ds == NULL || fstat(fd, &st) < 0)
		return fsync(fd);
	slot = dirsync_slot(&st);
	s = &ds->slots[slot];
	/* a sync numbered ticket or later begins after our change */
	ticket = LOAD(&s->started) + 1;
	if (ticket > DIRSYNC_MAX || ticket == 0 ||
	    dirsync_lock(ds, slot, F_WRLCK) < 0)
		return fsync(fd);
	if (dirsync_mine(LOAD(&s->failed), LOAD(&s->fdev), LOAD(&s->fino),
	    &st, ticket)) {
		(void)dirsync_lock(ds, slot, F_UNLCK);
		errno = EIO;
		return -1;
	}
	if (dirsync_mine(LOAD(&s->done), LOAD(&s->dev), LOAD(&s->ino), &st,
	    ticket)) {
		(void)dirsync_lock(ds, slot, F_UNLCK);
		dirsync_covered++;
		return 0;
	}
	if ((n = LOAD(&s->started) + 1) > DIRSYNC_MAX || n == 0) {
		(void)dirsync_lock(ds, slot, F_UNLCK);
		return fsync(fd);
	}
	STORE(&s->started, n);
	r = fsync(fd);
	saved = errno;
	if (r == 0)
		dirsync_record(&s->done, &s->dev, &s->ino, &st, n);
	else
		dirsync_record(&s->failed, &s->fdev, &s->fino, &st, n);
	(void)dirsync_lock(ds, slot, F_UNLCK);
	dirsync_led++;
	errno = saved;
	return r;
}

void
dirsync_counts(unsigned long *led, unsigned long *covered)
{
	*led = dirsync_led;
	*covered = dirsync_covered;
}
