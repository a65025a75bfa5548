/*
 * local.h - private header of the local delivery agent (delivery/local).
 *
 * The agent serves qmgr over the deliver protocol (lib/deliver_proto.h,
 * spoken by lib/deliver_agent): local_conn.c hands each recipient of a
 * request to local_deliver.c, which handles one recipient,
 * local_table.c looks users up in virtual_mailbox_maps, local_mdcache.c
 * keeps the Maildirs of the last deliveries open, local_loop.c
 * finds Delivered-To loops, local_quota.c applies the Maildir++ quota,
 * local_setup.c holds the skeleton's hooks. See man/local.8.
 */
#ifndef POSTERN_LOCAL_H
#define POSTERN_LOCAL_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "deliver_agent.h"
#include "deliver_proto.h"
#include "dsn.h"
#include "maildir.h"
#include "qid.h"
#include "server.h"

struct local_dt;

/* One delivery request and what local learns about it on the way. */
struct local_req {
	struct deliver_req d;		/* as received (lib/deliver_agent) */
	struct local_dt	*dt;		/* Delivered-To values or NULL */
	int		 dt_done;	/* dt was collected (or failed) */
	int		 dt_err;	/* errno of a failed collection */
};

/* A mailbox found in virtual_mailbox_maps. */
struct local_entry {
	char		 key[ADDR_TEXT_MAX];	/* the matching key */
	char		 maildir[MAILDIR_PATH_MAX + 1];
	long long	 quota;			/* bytes, 0: none */
	char		 ext[ADDR_LOCAL_MAX + 1];	/* "" when none */
};

/* local_setup.c: skeleton hooks and the process-wide state */
extern int local_rootfd;		/* virtual_mailbox_base */
extern int local_quota_defer;		/* local_quota_exceeded_action */
void	local_check(void);
void	local_pre_jail(void);
void	local_post_jail(void);

/* local_conn.c */
void	local_conn(int, const struct server_info *);

/* local_deliver.c */
void	local_deliver(struct local_req *req, size_t i,
	    struct deliver_status *st);

/* local_mdcache.c */
/*
 * The Maildir at path below local_rootfd, created when missing, kept
 * open for the next deliveries: 0 and *md_r (the cache's: not to be
 * closed), or -1 with *err_r as maildir_open.
 */
int	local_mdcache_open(const char *path, struct maildir **md_r,
	    char **err_r);
/* Forget md (a delivery into it failed): the next one opens it anew. */
void	local_mdcache_drop(struct maildir *md);

/* local_table.c */
/* Open virtual_mailbox_maps (before the jail). */
void	local_table_open(void);
/*
 * Look up the mailbox of the address a (recipient rcpt as received):
 * 1 and *e, or 0 (unknown: st is 5.1.1, or 4.3.0 when the table may be
 * out of date) or -1 (table error: st is 4.3.0).
 */
int	local_table_lookup(const struct addr *a, struct local_entry *e,
	    struct deliver_status *st);
/* Parse a table value "PATH [quota=SIZE]": 0, or -1 with *err_r. */
int	local_entry_parse(const char *value, struct local_entry *e,
	    const char **err_r);
void	local_table_close(void);

/* local_loop.c */
/*
 * Collect the Delivered-To: values of the message's header section:
 * 0, or -1 with errno (read error).
 */
int	local_loop_scan(int fd, uint64_t offset, uint64_t size,
	    struct local_dt **dt_r);
/* 1 when dt has a Delivered-To for rcpt (compared as lookup keys). */
int	local_loop_check(const struct local_dt *dt, const char *rcpt);
/* Number of values collected. */
size_t	local_loop_count(const struct local_dt *dt);
void	local_loop_free(struct local_dt **dtp);

/* local_quota.c */
/*
 * Whether a message of size bytes fits into the Maildir++ root under
 * quota bytes (0: no quota): 0 fits; 1 over quota (st set: 5.2.2, or
 * 4.2.2 with local_quota_exceeded_action = defer); -1 error (st 4.3.0).
 * size 0 asks whether the mailbox is already full.
 */
int	local_quota_check(struct maildir *root, long long quota,
	    uint64_t size, struct deliver_status *st);
/* Account a delivered message of size bytes (no-op without quota). */
void	local_quota_update(struct maildir *root, long long quota,
	    uint64_t size);

#endif
