/*
 * fuzz/ipc - IPC attribute records (lib/ipc) as a peer process sends
 * them: decoding, the typed getters, and a decode -> build round trip.
 *
 * Input: a control byte (the channel's record limit; a seed for how the
 * bytes arrive), then a stream of frames. They are decoded twice: from
 * the whole buffer, and as an event loop sees them (ipc_parse on what
 * has arrived so far, in random pieces); both must give the same
 * records, bytes used and errors. Every record is read with
 * ipc_next_name/ipc_get_data and built again with ipc_add_data: the
 * new frame must be the same bytes (one encoding per record). Each
 * value is tried with every typed getter: a number that parses must
 * print back to the same text (canonical decimal), a string getter
 * must refuse a NUL. The record is also checked as a protocol
 * announcement.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ipc.h"
#include "vbuf.h"

static void
check_value(const char *name, const char *v, size_t len)
{
	struct ipc_rec *built, *one;
	const void *frame;
	struct ipc_chan ch;
	const char *s;
	char text[32];
	uint64_t u;
	int64_t i;
	size_t flen, used;
	int b;

	/* a record of just this attribute, decoded again */
	built = ipc_rec_new();
	FUZZ_CHECK(ipc_add_data(built, name, v, len) == 0);
	frame = ipc_rec_frame(built, &flen);
	FUZZ_CHECK(frame != NULL);
	ipc_chan_init(&ch, -1, "fuzz");
	ch.max = IPC_MAX_LIMIT;
	FUZZ_CHECK(ipc_parse(&ch, frame, flen, &one, &used) == 1);
	FUZZ_CHECK(used == flen);

	if (ipc_get_uint(one, name, 0, UINT64_MAX, &u) == 0) {
		snprintf(text, sizeof(text), "%" PRIu64, u);
		FUZZ_CHECK(strlen(text) == len && memcmp(text, v, len) == 0);
	}
	ipc_rec_free(&one);
	FUZZ_CHECK(ipc_parse(&ch, frame, flen, &one, &used) == 1);
	if (ipc_get_int(one, name, INT64_MIN, INT64_MAX, &i) == 0) {
		snprintf(text, sizeof(text), "%" PRId64, i);
		FUZZ_CHECK(strlen(text) == len && memcmp(text, v, len) == 0);
	}
	ipc_rec_free(&one);
	FUZZ_CHECK(ipc_parse(&ch, frame, flen, &one, &used) == 1);
	if (ipc_get_bool(one, name, &b) == 0)
		FUZZ_CHECK(len == 1 && (v[0] == '0' || v[0] == '1'));
	ipc_rec_free(&one);
	FUZZ_CHECK(ipc_parse(&ch, frame, flen, &one, &used) == 1);
	if (ipc_get_str(one, name, &s) == 0) {
		FUZZ_CHECK(memchr(v, '\0', len) == NULL);
		FUZZ_CHECK(strlen(s) == len);
		FUZZ_CHECK(ipc_end(one) == 0);
	} else
		FUZZ_CHECK(memchr(v, '\0', len) != NULL);
	ipc_rec_free(&one);
	ipc_rec_free(&built);
}

/* Read every attribute, build the record again: the same frame. */
static void
check_record(struct ipc_rec *r, const uint8_t *frame, size_t flen)
{
	struct ipc_rec *again = ipc_rec_new();
	const void *v, *f;
	const char *name;
	size_t len, n = 0, alen;
	char nm[IPC_NAME_MAX + 1];

	while ((name = ipc_next_name(r)) != NULL) {
		FUZZ_CHECK(strlen(name) >= 1 && strlen(name) <= IPC_NAME_MAX);
		FUZZ_CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789_") == strlen(name));
		strlcpy(nm, name, sizeof(nm));
		FUZZ_CHECK(ipc_get_data(r, nm, &v, &len) == 0);
		FUZZ_CHECK(((const char *)v)[len] == '\0');
		FUZZ_CHECK(ipc_add_data(again, nm, v, len) == 0);
		if (n < 8)
			check_value(nm, v, len);
		n++;
	}
	FUZZ_CHECK(n == ipc_rec_count(r));
	FUZZ_CHECK(ipc_end(r) == 0);
	FUZZ_CHECK(ipc_get_data(r, "x", &v, &len) < 0);
	FUZZ_CHECK(ipc_rec_error(r)[0] != '\0');
	f = ipc_rec_frame(again, &alen);
	FUZZ_CHECK(f != NULL && alen == flen && memcmp(f, frame, flen) == 0);
	ipc_rec_free(&again);
}

/* Decode what arrives in pieces; log what came out. */
static void
decode(const uint8_t *p, size_t len, size_t max, uint32_t seed,
    size_t maxchunk, struct vbuf *log, int check)
{
	struct vbuf *in = vbuf_new(256, VBUF_NOLIMIT);
	struct ipc_chan ch;
	struct ipc_rec *r;
	size_t off = 0, chunk, used;
	unsigned minor;
	int rc = 0;

	ipc_chan_init(&ch, -1, "fuzz peer");
	ch.max = max;
	while (rc >= 0) {
		rc = ipc_parse(&ch, vbuf_str(in), vbuf_len(in), &r, &used);
		if (rc == 1) {
			FUZZ_CHECK(used >= 4 && used <= vbuf_len(in));
			vbuf_appendf(log, "rec %zu %zu\n", used,
			    ipc_rec_count(r));
			if (check) {
				check_record(r, (const uint8_t *)vbuf_str(in),
				    used);
				ipc_rec_free(&r);
				FUZZ_CHECK(ipc_parse(&ch, vbuf_str(in), used,
				    &r, &used) == 1);
				(void)ipc_hello_check(r, "fuzz", 1, &minor);
			}
			ipc_rec_free(&r);
			vbuf_consume(in, used);
			continue;
		}
		FUZZ_CHECK(r == NULL && used == 0);
		if (rc < 0) {
			FUZZ_CHECK(ch.err[0] != '\0' && ch.err_proto);
			vbuf_appendf(log, "err %s\n", ch.err);
			break;
		}
		if (off == len)
			break;
		chunk = maxchunk == 0 ? len - off : 1 + fuzz_rand(&seed) %
		    maxchunk;
		if (chunk > len - off)
			chunk = len - off;
		vbuf_append(in, p + off, chunk);
		off += chunk;
	}
	if (rc == 0)	/* after an error, what had arrived depends */
		vbuf_appendf(log, "left %zu\n", vbuf_len(in));
	vbuf_free(&in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 16, 100, IPC_MAX_DEFAULT };
	struct vbuf *whole, *pieces;
	size_t max;
	uint32_t seed;

	fuzz_quiet_log();
	if (size < 1)
		return 0;
	max = maxes[data[0] & 3];
	seed = data[0] >> 2;
	whole = vbuf_new(256, VBUF_NOLIMIT);
	pieces = vbuf_new(256, VBUF_NOLIMIT);
	decode(data + 1, size - 1, max, seed, 0, whole, 1);
	decode(data + 1, size - 1, max, seed, 1 + seed % 13, pieces, 0);
	FUZZ_CHECK(vbuf_len(whole) == vbuf_len(pieces) &&
	    memcmp(vbuf_str(whole), vbuf_str(pieces), vbuf_len(whole)) == 0);
	vbuf_free(&whole);
	vbuf_free(&pieces);
	return 0;
}
