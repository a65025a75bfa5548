/*
 * imap_seqset - sequence sets and the sequence/UID map; see
 * imap_seqset.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "imap_seqset.h"
#include "vbuf.h"
#include "xmalloc.h"

/* One seq-number: nz-number or "*". */
static int
seq_number(const char **pp, const char *end, uint32_t *n_r)
{
	const char *p = *pp;
	uint64_t n = 0;

	if (p < end && *p == '*') {
		*pp = p + 1;
		*n_r = IMAP_SEQ_STAR;
		return 0;
	}
	if (p >= end || *p < '1' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n >= IMAP_SEQ_STAR)
			return -1;
	}
	*pp = p;
	*n_r = (uint32_t)n;
	return 0;
}

int
imap_seqset_parse(struct arena *a, const char *s, size_t len,
    struct imap_seqset *set)
{
	const char *p = s, *end = s + len;
	unsigned n = 1, i = 0;
	uint32_t x, y;

	memset(set, 0, sizeof(*set));
	if (len == 1 && *s == '$') {
		set->dollar = 1;
		return 0;
	}
	for (p = s; p < end; p++)
		if (*p == ',')
			n++;
	set->r = arena_calloc(a, n, sizeof(*set->r));
	for (p = s;;) {
		if (seq_number(&p, end, &x) < 0)
			return -1;
		y = x;
		if (p < end && *p == ':') {
			p++;
			if (seq_number(&p, end, &y) < 0)
				return -1;
		}
		set->r[i].lo = x < y ? x : y;
		set->r[i].hi = x < y ? y : x;
		i++;
		if (p == end)
			break;
		if (*p != ',' || i == n)
			return -1;
		p++;
	}
	set->n = i;
	return 0;
}

void
imap_view_init(struct imap_view *v)
{
	memset(v, 0, sizeof(*v));
}

void
imap_view_release(struct imap_view *v)
{
	free(v->uids);
	memset(v, 0, sizeof(*v));
}

int
imap_view_append(struct imap_view *v, uint32_t uid)
{
	if (uid == 0 || (v->count > 0 && uid <= v->uids[v->count - 1]))
		return -1;
	if (v->count == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->uids = xreallocarray(v->uids, v->cap, sizeof(*v->uids));
	}
	v->uids[v->count++] = uid;
	return 0;
}

uint32_t
imap_uids_ge(const uint32_t *v, uint32_t n, uint32_t x)
{
	uint32_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
imap_view_seq_ge(const struct imap_view *v, uint32_t uid)
{
	return imap_uids_ge(v->uids, v->count, uid) + 1;
}

uint32_t
imap_view_seq(const struct imap_view *v, uint32_t uid)
{
	uint32_t seq = imap_view_seq_ge(v, uid);

	return seq <= v->count && v->uids[seq - 1] == uid ? seq : 0;
}

uint32_t
imap_view_expunge(struct imap_view *v, const uint32_t *gone, uint32_t n,
    void (*fn)(void *, uint32_t), void *arg)
{
	uint32_t i, j = 0, out = 0, removed = 0;

	/* one pass: both lists ascend */
	for (i = 0; i < v->count; i++) {
		while (j < n && gone[j] < v->uids[i])
			j++;
		if (j < n && gone[j] == v->uids[i]) {
			/* earlier removals shifted it down by `removed` */
			if (fn != NULL)
				fn(arg, i + 1 - removed);
			removed++;
			continue;
		}
		v->uids[out++] = v->uids[i];
	}
	v->count = out;
	return removed;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

unsigned
imap_ranges_normalise(struct imap_range *r, unsigned n)
{
	unsigned i, out = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 1; i < n; i++) {
		if (r[out].hi == UINT32_MAX || r[i].lo <= r[out].hi + 1) {
			if (r[i].hi > r[out].hi)
				r[out].hi = r[i].hi;
		} else
			r[++out] = r[i];
	}
	return out + 1;
}

uint32_t
imap_ranges_count(const struct imap_range *r, unsigned n)
{
	uint32_t total = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		total += r[i].hi - r[i].lo + 1;
	return total;
}

int
imap_ranges_has(const struct imap_range *r, unsigned n, uint32_t v)
{
	unsigned lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r[mid].hi < v)
			lo = mid + 1;
		else if (r[mid].lo > v)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

int
imap_view_resolve(const struct imap_view *v, const struct imap_seqset *set,
    int uid_mode, struct arena *a, struct imap_range **ranges_r,
    unsigned *n_r)
{
	struct imap_range *out = arena_calloc(a, set->n ? set->n : 1,
	    sizeof(*out));
	uint32_t last, lo, hi;
	unsigned i, n = 0;

	last = uid_mode ? (v->count ? v->uids[v->count - 1] : 0) : v->count;
	for (i = 0; i < set->n; i++) {
		lo = set->r[i].lo == IMAP_SEQ_STAR ? last : set->r[i].lo;
		hi = set->r[i].hi == IMAP_SEQ_STAR ? last : set->r[i].hi;
		if (lo > hi) {
			uint32_t t = lo;

			lo = hi;
			hi = t;
		}
		if (!uid_mode) {
			if (lo == 0 || hi > v->count)
				return -1;
			out[n].lo = lo;
			out[n].hi = hi;
			n++;
			continue;
		}
		if (hi == 0)
			continue;	/* "*" of an empty mailbox */
		out[n].lo = imap_view_seq_ge(v, lo);
		out[n].hi = imap_view_seq_ge(v, hi);
		/* hi itself counts only when that UID is there */
		if (out[n].hi > v->count || v->uids[out[n].hi - 1] != hi)
			out[n].hi--;
		if (out[n].lo <= out[n].hi)
			n++;
	}
	*n_r = imap_ranges_normalise(out, n);
	*ranges_r = out;
	return 0;
}

void
imap_put_set(struct vbuf *b, const uint32_t *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i = j + 1) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		(void)vbuf_appendf(b, "%s%u", i > 0 ? "," : "", v[i]);
		if (j > i)
			(void)vbuf_appendf(b, ":%u", v[j]);
	}
}
