/*
 * NAME
 *	dirsync - group commit of directory fsyncs: processes that each
 *	made an entry in one directory share one fsync of it.
 *
 * DESCRIPTION
 *	A file made durable by rename needs the directory fsynced after
 *	the rename (qfile.h, maildir.h). Each fsync writes the directory's
 *	block and inode and flushes the disk's cache; when ten sessions
 *	queue mail into one directory at once, one fsync that begins after
 *	all ten renames does for all of them. POSIX gives the rule this
 *	rests on: an fsync makes durable every change to the file that was
 *	complete when the fsync began, whoever made it.
 *
 *	The processes that share syncs map one small table file: 64 slots
 *	of eight 64-bit words in host order (a directory's slot is a hash
 *	of its device and inode). A slot holds, in this order:
 *	  started	how many syncs have begun in the slot;
 *	  done, dev/ino	the number of the last sync that succeeded, and
 *			the directory it synced;
 *	  failed, fdev/fino  the same for the last one that failed;
 *	  a word not used yet.
 *	started is read without a lock; everything else is read and written
 *	only by the holder of the slot's lock, an open-file-description
 *	lock (fcntl F_OFD_SETLKW) on the slot's byte of the table: the
 *	kernel drops it when its holder dies, kill -9 included.
 *
 *	dirsync_fsync, called after the rename (the change is complete):
 *	  1. ticket = started + 1. Any sync numbered ticket or later
 *	     begins after this read, so after the change.
 *	  2. Take the slot's lock (waiting while another process syncs).
 *	  3. failed >= ticket for this directory: a sync that began after
 *	     the change failed: fail too (EIO), the change may be lost.
 *	  4. done >= ticket for this directory: a sync that began after the
 *	     change succeeded: done, without a sync of our own.
 *	  5. Otherwise lead: started = n = started + 1, fsync, then record
 *	     n as done (or failed) with the directory, and unlock. Whoever
 *	     waited at step 2 meanwhile finds itself covered by n, or leads
 *	     the next sync for all who arrived during this one.
 *	A leader that dies before recording leaves done as it was: the
 *	next process in line syncs for itself. The number and directory of
 *	a record are written so that a leader killed between the stores
 *	never leaves a number paired with another directory: the number
 *	is zeroed first when the directory changes.
 *
 *	So a caller returns 0 only after an fsync of its directory that
 *	began after its change has returned 0: the guarantee of its own
 *	fsync, whichever process made it.
 *
 * SECURITY
 *	The table belongs to the uid of the processes that share it, mode
 *	0600, and is opened without following links; a file of another
 *	owner is not used, nor any by root (the caller syncs alone). Its values are trusted
 *	only as far as that uid is: a process of the same uid that writes
 *	into it can make others skip a sync, but such a process can delete
 *	the same files anyway. Slot indices come from our own hash, never
 *	from the file.
 */
#ifndef POSTERN_DIRSYNC_H
#define POSTERN_DIRSYNC_H

/* The table's name in the directory of those who share it. */
#define DIRSYNC_NAME	".postern-dirsync"

struct dirsync;

/*
 * Map the table at path (relative to dirfd), making it when missing
 * (mode 0600). NULL with *err_r (free with err_free) when it cannot be
 * used; the caller then syncs alone.
 */
struct dirsync *dirsync_open(int dirfd, const char *path, char **err_r);
void	dirsync_close(struct dirsync **);

/*
 * Make durable every change to the directory open on fd that was
 * complete when this call began: fsync it, or wait for another
 * process's fsync of it that began later. 0, or -1 with errno. With a
 * NULL table: fsync(fd).
 */
int	dirsync_fsync(struct dirsync *, int fd);

/* How often this process led a sync, and how often it was covered. */
void	dirsync_counts(unsigned long *led, unsigned long *covered);

#endif
