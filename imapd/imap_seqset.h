/*
 * NAME
 *	imap_seqset - sequence sets ("1:3,7,9:*", "$") and the session's
 *	map between sequence numbers and UIDs
 *
 * DESCRIPTION
 *	imap_seqset_parse reads RFC 9051's sequence-set (nz-numbers,
 *	ranges in either order, "*") or RFC 5182's "$" (the saved search
 *	result). "*" stays IMAP_SEQ_STAR until the set is resolved against
 *	a view, because it means the last message at the time of use.
 *
 *	struct imap_view is what the client was told: message i (1-based
 *	sequence number) has UID uids[i - 1], ascending. New messages are
 *	appended (after an EXISTS is sent); expunges are applied in one
 *	pass, giving the sequence numbers to send as EXPUNGE, in order,
 *	each valid at the moment it is sent (RFC 9051 7.5.1).
 *
 *	imap_view_resolve turns a set into sorted, merged ranges of
 *	sequence numbers: in sequence mode "*" is the last message and a
 *	number past it is an error (RFC 9051 6.4.5: BAD, "*" of an empty
 *	mailbox included); in UID mode "*" is the highest UID (so 559:*
 *	always holds the last message) and UIDs that are not there are
 *	ignored.
 *
 * SECURITY
 *	Sets come from the client: numbers are checked for overflow and
 *	the number of ranges is bounded by the command's length; resolving
 *	is O(ranges * log messages) plus a sort.
 */
#ifndef POSTERN_IMAP_SEQSET_H
#define POSTERN_IMAP_SEQSET_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct vbuf;

#define IMAP_SEQ_STAR	UINT32_MAX

struct imap_range {
	uint32_t	lo, hi;
};

struct imap_seqset {
	struct imap_range	*r;
	unsigned		 n;
	int			 dollar;	/* "$": the saved result */
};

/* 0 and *set, or -1 when s is not a sequence set. */
int	imap_seqset_parse(struct arena *, const char *s, size_t len,
	    struct imap_seqset *set);

struct imap_view {
	uint32_t	*uids;
	uint32_t	 count;
	uint32_t	 cap;
};

void	imap_view_init(struct imap_view *);
void	imap_view_release(struct imap_view *);
/* A new message; its UID must be above the last one (else -1). */
int	imap_view_append(struct imap_view *, uint32_t uid);
/* The sequence number of uid, or 0 when it is not in the view. */
uint32_t imap_view_seq(const struct imap_view *, uint32_t uid);
/* The first sequence number whose UID is >= uid (count + 1: none). */
uint32_t imap_view_seq_ge(const struct imap_view *, uint32_t uid);
static inline uint32_t
imap_view_uid(const struct imap_view *v, uint32_t seq)
{
	return v->uids[seq - 1];
}
/*
 * Remove the messages whose UIDs are in gone (ascending, n of them;
 * UIDs not in the view are skipped). For each removed message, in
 * order, fn(arg, seq) is called with the sequence number to announce
 * in its EXPUNGE. Returns how many were removed.
 */
uint32_t imap_view_expunge(struct imap_view *, const uint32_t *gone,
	    uint32_t n, void (*fn)(void *, uint32_t), void *arg);

/*
 * Resolve set (not "$") into *ranges_r (sorted, merged, sequence
 * numbers; allocated in the arena) and *n_r. Returns 0, or -1 for a
 * sequence number past the end in sequence mode.
 */
int	imap_view_resolve(const struct imap_view *, const struct imap_seqset *,
	    int uid_mode, struct arena *, struct imap_range **ranges_r,
	    unsigned *n_r);
/* The index of the first of the n ascending v that is >= x (n: none). */
uint32_t imap_uids_ge(const uint32_t *v, uint32_t n, uint32_t x);
/* Append ascending numbers as a sequence set: "1:3,7,9:10". */
void	imap_put_set(struct vbuf *, const uint32_t *v, size_t n);
/* Sort and merge ranges in place; returns the new count. */
unsigned imap_ranges_normalise(struct imap_range *, unsigned n);
/* How many numbers the normalised ranges hold. */
uint32_t imap_ranges_count(const struct imap_range *, unsigned n);
/* 1 when n lies in the normalised ranges. */
int	imap_ranges_has(const struct imap_range *, unsigned n, uint32_t v);

#endif
