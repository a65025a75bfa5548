/*
 * NAME
 *	confine - Landlock for a one-user session; see confine.h.
 *
 * DESCRIPTION
 *	The rule set handles every file system right the kernel knows
 *	(by ABI version: 1 the basic ones, 2 REFER, 3 TRUNCATE, 5
 *	IOCTL_DEV), TCP bind and connect (4), and the abstract UNIX socket
 *	and signal scopes (6), and grants below the directory only what a
 *	Maildir needs. The structures are declared here with the kernel's
 *	layout, so that a build against older kernel headers still
 *	enforces what the running kernel offers.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "err.h"

/* The kernel's ABI (include/uapi/linux/landlock.h), by version. */
struct confine_ruleset {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct confine_beneath {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

#define CF_CREATE_VERSION	(1U << 0)
#define CF_RULE_PATH_BENEATH	1

#define CF_FS_EXECUTE		(1ULL << 0)
#define CF_FS_WRITE_FILE	(1ULL << 1)
#define CF_FS_READ_FILE		(1ULL << 2)
#define CF_FS_READ_DIR		(1ULL << 3)
#define CF_FS_REMOVE_DIR	(1ULL << 4)
#define CF_FS_REMOVE_FILE	(1ULL << 5)
#define CF_FS_MAKE_CHAR		(1ULL << 6)
#define CF_FS_MAKE_DIR		(1ULL << 7)
#define CF_FS_MAKE_REG		(1ULL << 8)
#define CF_FS_MAKE_SOCK		(1ULL << 9)
#define CF_FS_MAKE_FIFO		(1ULL << 10)
#define CF_FS_MAKE_BLOCK	(1ULL << 11)
#define CF_FS_MAKE_SYM		(1ULL << 12)
#define CF_FS_REFER		(1ULL << 13)	/* ABI 2 */
#define CF_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define CF_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#define CF_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define CF_NET_CONNECT_TCP	(1ULL << 1)
#define CF_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define CF_SCOPE_SIGNAL		(1ULL << 1)

/* What a Maildir needs: files and directories, no special files. */
#define CF_MAILDIR_RIGHTS	(CF_FS_WRITE_FILE | CF_FS_READ_FILE | \
	CF_FS_READ_DIR | CF_FS_REMOVE_DIR | CF_FS_REMOVE_FILE | \
	CF_FS_MAKE_DIR | CF_FS_MAKE_REG | CF_FS_REFER | CF_FS_TRUNCATE)

int
confine_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    CF_CREATE_VERSION);

	return v > 0 ? (int)v : 0;
#else
	return 0;
#endif
}

const char *
confine_describe(int abi)
{
	static const char *const names[] = {
		"no Landlock in this kernel", "Landlock ABI 1",
		"Landlock ABI 2", "Landlock ABI 3", "Landlock ABI 4",
		"Landlock ABI 5", "Landlock ABI 6", "Landlock ABI 7",
	};

	if (abi < 0)
		return "not confined";
	if (abi >= (int)(sizeof(names) / sizeof(names[0])))
		return "Landlock ABI 7 or later";
	return names[abi];
}

int
confine_beneath(int dirfd, char **err_r)
{
	struct confine_ruleset rs;
	struct confine_beneath pb;
	size_t rs_size;
	int abi, rfd;

	if (fchdir(dirfd) < 0)
		return err_set(err_r, "chdir to the mailbox: %m");
	if ((abi = confine_abi()) == 0)
		return 0;
#ifdef SYS_landlock_create_ruleset
	memset(&rs, 0, sizeof(rs));
	rs.handled_access_fs = CF_FS_EXECUTE | CF_FS_WRITE_FILE |
	    CF_FS_READ_FILE | CF_FS_READ_DIR | CF_FS_REMOVE_DIR |
	    CF_FS_REMOVE_FILE | CF_FS_MAKE_CHAR | CF_FS_MAKE_DIR |
	    CF_FS_MAKE_REG | CF_FS_MAKE_SOCK | CF_FS_MAKE_FIFO |
	    CF_FS_MAKE_BLOCK | CF_FS_MAKE_SYM;
	if (abi >= 2)
		rs.handled_access_fs |= CF_FS_REFER;
	if (abi >= 3)
		rs.handled_access_fs |= CF_FS_TRUNCATE;
	if (abi >= 5)
		rs.handled_access_fs |= CF_FS_IOCTL_DEV;
	rs_size = sizeof(rs.handled_access_fs);
	if (abi >= 4) {
		rs.handled_access_net = CF_NET_BIND_TCP | CF_NET_CONNECT_TCP;
		rs_size = offsetof(struct confine_ruleset, scoped);
	}
	if (abi >= 6) {
		rs.scoped = CF_SCOPE_ABSTRACT_UNIX | CF_SCOPE_SIGNAL;
		rs_size = sizeof(rs);
	}
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &rs, rs_size,
	    0)) < 0)
		return err_set(err_r, "landlock_create_ruleset: %m");
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = CF_MAILDIR_RIGHTS & rs.handled_access_fs;
	pb.parent_fd = dirfd;
	if (syscall(SYS_landlock_add_rule, rfd, CF_RULE_PATH_BENEATH, &pb,
	    0) < 0) {
		err_set(err_r, "landlock_add_rule: %m");
		close(rfd);
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err_set(err_r, "prctl PR_SET_NO_NEW_PRIVS: %m");
		close(rfd);
		return -1;
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) < 0) {
		err_set(err_r, "landlock_restrict_self: %m");
		close(rfd);
		return -1;
	}
	close(rfd);
	return abi;
#else
	(void)rs;
	(void)pb;
	(void)rs_size;
	(void)rfd;
	return 0;
#endif
}
