/* Unit tests for lib/ipc: frames, attributes, getters, handshake, fds. */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "ipc.h"
#include "log.h"
#include "tap.h"
#include "vbuf.h"
#include "xmalloc.h"

/* Bytes of a literal with embedded NULs. */
#define LIT(s)	s, sizeof(s) - 1

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the DIR's own descriptor */
}

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		bail_out("socketpair: %s", strerror(errno));
}

static void
write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) < 0)
			bail_out("write: %s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
}

/* A record using every type. */
static struct ipc_rec *
sample(void)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_str(r, "req", "deliver");
	ipc_add_uint(r, "size", 123456);
	ipc_add_int(r, "delta", -42);
	ipc_add_bool(r, "dsn", 1);
	ipc_add_data(r, "blob", "a\0b", 3);
	ipc_add_str(r, "empty", "");
	ipc_add_uint(r, "max", UINT64_MAX);
	ipc_add_int(r, "min", INT64_MIN);
	return r;
}

/* Read the sample back; 0 when every value is as sent. */
static int
check_sample(struct ipc_rec *r)
{
	const char *s, *e;
	const void *d;
	uint64_t u, umax;
	int64_t i, imin;
	size_t dlen;
	int b;

	if (ipc_get_str(r, "req", &s) < 0 ||
	    ipc_get_uint(r, "size", 0, 1000000, &u) < 0 ||
	    ipc_get_int(r, "delta", -100, 100, &i) < 0 ||
	    ipc_get_bool(r, "dsn", &b) < 0 ||
	    ipc_get_data(r, "blob", &d, &dlen) < 0 ||
	    ipc_get_str(r, "empty", &e) < 0 ||
	    ipc_get_uint(r, "max", 0, UINT64_MAX, &umax) < 0 ||
	    ipc_get_int(r, "min", INT64_MIN, 0, &imin) < 0 ||
	    ipc_end(r) < 0) {
		diag("getter failed: %s", ipc_rec_error(r));
		return -1;
	}
	return strcmp(s, "deliver") == 0 && u == 123456 && i == -42 &&
	    b == 1 && dlen == 3 && memcmp(d, "a\0b", 3) == 0 &&
	    strcmp(e, "") == 0 && umax == UINT64_MAX && imin == INT64_MIN ?
	    0 : -1;
}

static void
test_wire_format(void)
{
	static const unsigned char want[] = {
		0, 0, 0, 20,
		'r', 'e', 'q', 0, 0, 0, 0, 4, 'p', 'i', 'n', 'g',
		'n', 0, 0, 0, 0, 2, '4', '2',
	};
	struct ipc_rec *r = ipc_rec_new();
	size_t len;
	const void *f;

	f = ipc_rec_frame(r, &len);
	is_mem(f, len, "\0\0\0\0", 4, "empty record: a zero length");
	ipc_add_str(r, "req", "ping");
	ipc_add_uint(r, "n", 42);
	f = ipc_rec_frame(r, &len);
	is_mem(f, len, want, sizeof(want), "wire format: big-endian lengths, "
	    "name NUL, decimal number");
	ipc_rec_free(&r);
	ok(r == NULL, "free clears the pointer");
	ipc_rec_free(&r);
}

static void
test_roundtrip_and_trickle(void)
{
	struct ipc_chan ch;
	struct ipc_rec *r, *got;
	struct vbuf *in;
	const unsigned char *f;
	size_t len, used, k, i;
	int ret, fails, frames;

	ipc_chan_init(&ch, -1, "test");
	r = sample();
	f = ipc_rec_frame(r, &len);
	ok(f != NULL && len > 4, "sample frame built");

	is_int(ipc_parse(&ch, f, len, &got, &used), 1, "parse whole frame");
	is_int(used, len, "parse uses the whole frame");
	is_int(ipc_rec_count(got), 8, "eight attributes");
	is_str(ipc_next_name(got), "req", "next name before reading");
	is_int(check_sample(got), 0, "every value read back");
	ok(ipc_next_name(got) == NULL, "next name at the end is NULL");
	ipc_rec_free(&got);

	/* every prefix: need more, nothing allocated */
	fails = 0;
	for (k = 0; k < len; k++) {
		ret = ipc_parse(&ch, f, k, &got, &used);
		if (ret != 0 || got != NULL || used != 0)
			fails++;
	}
	is_int(fails, 0, "every proper prefix asks for more");

	/* trickle two frames back to back, one byte at a time */
	in = vbuf_new(0, VBUF_NOLIMIT);
	frames = 0;
	fails = 0;
	for (i = 0; i < 2 * len; i++) {
		vbuf_append(in, f + i % len, 1);
		ret = ipc_parse(&ch, vbuf_str(in), vbuf_len(in), &got, &used);
		if (ret < 0)
			fails++;
		if (ret == 1) {
			frames++;
			if (used != len || check_sample(got) < 0)
				fails++;
			vbuf_consume(in, used);
			ipc_rec_free(&got);
		}
	}
	is_int(frames, 2, "trickle: two frames");
	is_int(fails, 0, "trickle: no errors, right sizes");
	is_int(vbuf_len(in), 0, "trickle: nothing left over");

	/* every two-chunk split of two frames */
	fails = 0;
	for (k = 0; k <= 2 * len; k++) {
		vbuf_reset(in);
		frames = 0;
		vbuf_append(in, f, k < len ? k : len);
		if (k > len)
			vbuf_append(in, f, k - len);
		for (i = 0; i < 2; i++) {
			while ((ret = ipc_parse(&ch, vbuf_str(in),
			    vbuf_len(in), &got, &used)) == 1) {
				frames++;
				if (check_sample(got) < 0)
					fails++;
				ipc_rec_free(&got);
				vbuf_consume(in, used);
			}
			if (ret < 0)
				fails++;
			if (i == 0) {
				/* second chunk: the rest of both frames */
				if (k < len) {
					vbuf_append(in, f + k, len - k);
					vbuf_append(in, f, len);
				} else
					vbuf_append(in, f + (k - len),
					    len - (k - len));
			}
		}
		if (frames != 2)
			fails++;
	}
	is_int(fails, 0, "every two-chunk split gives both frames");
	vbuf_free(&in);
	ipc_rec_free(&r);
}

/* Truncating the payload inside an attribute is an error; between
 * attributes it is a valid, shorter record. */
static void
test_payload_cuts(void)
{
	struct ipc_chan ch;
	struct ipc_rec *r, *got;
	const unsigned char *f;
	unsigned char *buf;
	size_t len, plen, k, used, boundary[16], nb = 0, pos, j, vlen;
	int ret, fails = 0, okcount = 0;

	ipc_chan_init(&ch, -1, "test");
	r = sample();
	f = ipc_rec_frame(r, &len);
	plen = len - 4;
	/* attribute boundaries of the sample */
	for (pos = 0; pos <= plen; ) {
		boundary[nb++] = pos;
		if (pos == plen)
			break;
		pos += strlen((const char *)f + 4 + pos) + 1;
		vlen = (size_t)f[4 + pos] << 24 | (size_t)f[5 + pos] << 16 |
		    (size_t)f[6 + pos] << 8 | (size_t)f[7 + pos];
		pos += 4 + vlen;
	}
	for (k = 0; k <= plen; k++) {
		buf = xmalloc(4 + k);
		buf[0] = (unsigned char)(k >> 24);
		buf[1] = (unsigned char)(k >> 16);
		buf[2] = (unsigned char)(k >> 8);
		buf[3] = (unsigned char)k;
		memcpy(buf + 4, f + 4, k);
		ret = ipc_parse(&ch, buf, 4 + k, &got, &used);
		for (j = 0; j < nb && boundary[j] != k; j++)
			;
		if (j < nb) {
			if (ret != 1 || ipc_rec_count(got) != j)
				fails++;
			else
				okcount++;
		} else if (ret != -1 || got != NULL)
			fails++;
		ipc_rec_free(&got);
		free(buf);
	}
	is_int(fails, 0, "payload cut inside an attribute fails, between "
	    "attributes parses");
	is_int(okcount, 9, "nine attribute boundaries (0..8 attributes)");
	ipc_rec_free(&r);
}

struct bad_frame {
	const char	*desc;
	const char	*payload;
	size_t		 len;
	const char	*err;
};

static void
test_malformed(void)
{
	static const struct bad_frame cases[] = {
		{ "name not terminated", LIT("req"), "name truncated" },
		{ "name of 33 bytes", LIT("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "\0\0\0\0\0"), "name longer than 32 bytes" },
		{ "empty name", LIT("\0\0\0\0\0"), "attribute 1: bad name" },
		{ "uppercase name", LIT("Req\0\0\0\0\0"), "bad name \"Req\"" },
		{ "dash in name", LIT("a-b\0\0\0\0\0"), "bad name \"a-b\"" },
		{ "space in name", LIT("a b\0\0\0\0\0"), "bad name \"a b\"" },
		{ "8-bit name", LIT("a\xff\0\0\0\0\0"), "bad name \"a?\"" },
		{ "control char in name", LIT("a\nb\0\0\0\0\0"),
		    "bad name \"a?b\"" },
		{ "value length truncated", LIT("req\0\0\0"),
		    "attribute \"req\": value length truncated" },
		{ "value length past the frame", LIT("req\0\0\0\0\5abc"),
		    "value length 5 exceeds the 3 bytes left" },
		{ "huge value length", LIT("req\0\xff\xff\xff\xffxyz"),
		    "value length 4294967295 exceeds" },
		{ "second attribute bad", LIT("req\0\0\0\0\1xB\0\0\0\0\0"),
		    "attribute 2: bad name \"B\"" },
		{ "trailing NUL after an attribute", LIT("req\0\0\0\0\0\0"),
		    "attribute 2: bad name" },
		{ "trailing junk after an attribute", LIT("req\0\0\0\0\0zz"),
		    "attribute 2: name truncated" },
	};
	struct ipc_chan ch;
	struct ipc_rec *got;
	unsigned char buf[128];
	size_t i, used;
	int ret;

	ipc_chan_init(&ch, -1, "test");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf[0] = buf[1] = buf[2] = 0;
		buf[3] = (unsigned char)cases[i].len;
		memcpy(buf + 4, cases[i].payload, cases[i].len);
		ch.err[0] = '\0';
		ret = ipc_parse(&ch, buf, 4 + cases[i].len, &got, &used);
		ok(ret == -1 && got == NULL && used == 0 && ch.err_proto,
		    "malformed: %s", cases[i].desc);
		like(ch.err, cases[i].err, "malformed: %s: reason", cases[i].desc);
	}

	/* a name of exactly 32 bytes is fine */
	memcpy(buf, "\0\0\0\x29", 4);
	memset(buf + 4, 'n', 32);
	memcpy(buf + 36, "\0\0\0\0\4okay", 9);
	ret = ipc_parse(&ch, buf, 45, &got, &used);
	is_int(ret, 1, "name of exactly 32 bytes accepted");
	ipc_rec_free(&got);
}

static void
test_length_limit(void)
{
	static const unsigned char big[] = { 0, 1, 0, 1 };	/* 65537 */
	static const unsigned char huge[] = { 0xff, 0xff, 0xff, 0xff };
	static const unsigned char exact[] = { 0, 1, 0, 0 };	/* 65536 */
	struct ipc_chan ch;
	struct ipc_rec *got, *r;
	size_t used;
	int sv[2];
	char val[200];

	ipc_chan_init(&ch, -1, "qmgr");
	is_int(ch.max, IPC_MAX_DEFAULT, "default maximum is 64 KiB");
	is_int(ipc_parse(&ch, big, 4, &got, &used), -1,
	    "length 65537 refused from the length bytes alone");
	like(ch.err, "frame length 65537 over the limit of 65536", "reason");
	ok(ch.err_proto, "a protocol error");
	is_int(ipc_parse(&ch, huge, 4, &got, &used), -1,
	    "length 0xffffffff refused");
	is_int(ipc_parse(&ch, exact, 4, &got, &used), 0,
	    "length 65536 is allowed: waits for the payload");

	/* the blocking reader refuses before reading (or allocating) more */
	pair(sv);
	ipc_chan_init(&ch, sv[0], "qmgr");
	write_all(sv[1], big, 4);
	ch.timeout_ms = 10000;
	is_int(ipc_recv(&ch, &got), -1, "recv: oversized length refused");
	like(ch.err, "over the limit", "recv: without waiting for the payload");
	write_all(sv[1], huge, 4);
	is_int(ipc_recv(&ch, &got), -1, "recv: 4 GiB length refused");

	/* a smaller channel limit, both directions */
	ch.max = 100;
	memset(val, 'v', sizeof(val));
	r = ipc_rec_new();
	ipc_add_data(r, "v", val, 100 - 6);	/* payload exactly 100 */
	is_int(ipc_send(&ch, r), 0, "send: payload at the channel limit");
	ipc_add_data(r, "w", val, 0);
	is_int(ipc_send(&ch, r), -1, "send: payload over the limit refused");
	like(ch.err, "record of 106 bytes over the limit of 100", "reason");
	ok(!ch.err_proto, "our own oversize is not the peer's fault");
	ipc_rec_free(&r);
	close(sv[0]);
	close(sv[1]);

	/* the builder's own bound */
	r = ipc_rec_new();
	is_int(ipc_add_data(r, "big", val, IPC_MAX_LIMIT + 1), -1,
	    "add past IPC_MAX_LIMIT fails");
	is_int(ipc_add_str(r, "after", "x"), -1, "and later adds fail too");
	ok(ipc_rec_frame(r, &used) == NULL && used == 0,
	    "no frame for a failed record");
	ipc_chan_init(&ch, -1, "x");
	is_int(ipc_send(&ch, r), -1, "a failed record is not sent");
	like(ch.err, "too large", "reason");
	ipc_rec_free(&r);
}

static void
test_getters(void)
{
	struct ipc_chan ch;
	struct ipc_rec *r, *got;
	const char *s;
	const void *d;
	uint64_t u;
	int64_t i64;
	size_t len, used, dlen;
	const void *f;
	int b;

	ipc_chan_init(&ch, -1, "test");

#define RECV(build) do {						\
	r = ipc_rec_new();						\
	build;								\
	f = ipc_rec_frame(r, &len);					\
	if (ipc_parse(&ch, f, len, &got, &used) != 1)			\
		bail_out("parse: %s", ch.err);				\
	ipc_rec_free(&r);						\
} while (0)

	RECV(ipc_add_data(r, "name", "a\0b", 3));
	is_int(ipc_get_str(got, "name", &s), -1, "NUL in a string refused");
	like(ipc_rec_error(got), "attribute \"name\": NUL byte in a string",
	    "reason");
	ipc_rec_free(&got);

	RECV(ipc_add_data(r, "name", "a\0b", 3));
	ok(ipc_get_data(got, "name", &d, &dlen) == 0 && dlen == 3,
	    "the same value as data is fine");
	ipc_rec_free(&got);

	RECV(ipc_add_str(r, "user", "abcdef"));
	is_int(ipc_get_strn(got, "user", 5, &s), -1, "strn: over maxlen");
	like(ipc_rec_error(got), "6 bytes, longer than 5", "strn: reason");
	ipc_rec_free(&got);
	RECV(ipc_add_str(r, "user", "abcdef"));
	ok(ipc_get_strn(got, "user", 6, &s) == 0 && strcmp(s, "abcdef") == 0,
	    "strn: at maxlen");
	ipc_rec_free(&got);

	/* order, missing, leftover, stickiness */
	RECV(ipc_add_str(r, "req", "x"); ipc_add_str(r, "a", "1");
	    ipc_add_str(r, "b", "2"));
	ok(ipc_get_str(got, "req", &s) == 0, "first attribute");
	is_int(ipc_get_str(got, "b", &s), -1, "out of order refused");
	like(ipc_rec_error(got), "expected attribute \"b\", got \"a\"",
	    "out of order: reason");
	is_int(ipc_get_str(got, "a", &s), -1, "after an error every getter "
	    "fails");
	is_int(ipc_end(got), -1, "and ipc_end fails");
	like(ipc_rec_error(got), "expected attribute \"b\"",
	    "the first reason is kept");
	ok(ipc_next_name(got) == NULL, "next name after an error is NULL");
	ipc_rec_free(&got);

	RECV(ipc_add_str(r, "req", "x"));
	ipc_get_str(got, "req", &s);
	is_int(ipc_get_uint(got, "size", 0, 10, &u), -1, "missing attribute");
	like(ipc_rec_error(got), "missing attribute \"size\"", "reason");
	ipc_rec_free(&got);

	RECV(ipc_add_str(r, "req", "x"); ipc_add_str(r, "extra", "1");
	    ipc_add_str(r, "more", "2"));
	ipc_get_str(got, "req", &s);
	is_int(ipc_end(got), -1, "leftover attributes refused");
	like(ipc_rec_error(got), "unexpected attribute \"extra\" and 1 more",
	    "reason");
	ipc_rec_free(&got);

	RECV(ipc_add_str(r, "req", "x"); ipc_add_str(r, "extra", "1"));
	ipc_get_str(got, "req", &s);
	is_int(ipc_end(got), -1, "one leftover attribute refused");
	like(ipc_rec_error(got), "unexpected attribute \"extra\"", "reason");
	ipc_rec_free(&got);

	/* numbers and booleans, table-driven */
	{
		static const struct {
			const char *value;
			int ok;
			uint64_t want;
		} ucases[] = {
			{ "0", 1, 0 }, { "7", 1, 7 },
			{ "18446744073709551615", 1, UINT64_MAX },
			{ "18446744073709551616", 0, 0 },
			{ "99999999999999999999", 0, 0 },
			{ "007", 0, 0 }, { "+1", 0, 0 }, { "-1", 0, 0 },
			{ " 1", 0, 0 }, { "1 ", 0, 0 }, { "", 0, 0 },
			{ "0x10", 0, 0 }, { "1e3", 0, 0 },
		};
		static const struct {
			const char *value;
			int ok;
			int64_t want;
		} icases[] = {
			{ "0", 1, 0 }, { "-7", 1, -7 },
			{ "9223372036854775807", 1, INT64_MAX },
			{ "-9223372036854775808", 1, INT64_MIN },
			{ "9223372036854775808", 0, 0 },
			{ "-9223372036854775809", 0, 0 },
			{ "-0", 0, 0 }, { "-", 0, 0 }, { "--1", 0, 0 },
			{ "-01", 0, 0 }, { "+5", 0, 0 },
		};
		static const char *const bcases[] = { "", "2", "yes", "00",
		    "true", " 1" };
		size_t k;

		for (k = 0; k < sizeof(ucases) / sizeof(ucases[0]); k++) {
			RECV(ipc_add_str(r, "n", ucases[k].value));
			u = 12345;
			b = ipc_get_uint(got, "n", 0, UINT64_MAX, &u);
			ok(ucases[k].ok ? b == 0 && u == ucases[k].want :
			    b == -1 && u == 12345, "uint \"%s\" %s",
			    ucases[k].value, ucases[k].ok ? "ok" : "refused");
			ipc_rec_free(&got);
		}
		for (k = 0; k < sizeof(icases) / sizeof(icases[0]); k++) {
			RECV(ipc_add_str(r, "n", icases[k].value));
			i64 = 12345;
			b = ipc_get_int(got, "n", INT64_MIN, INT64_MAX, &i64);
			ok(icases[k].ok ? b == 0 && i64 == icases[k].want :
			    b == -1 && i64 == 12345, "int \"%s\" %s",
			    icases[k].value, icases[k].ok ? "ok" : "refused");
			ipc_rec_free(&got);
		}
		for (k = 0; k < sizeof(bcases) / sizeof(bcases[0]); k++) {
			RECV(ipc_add_str(r, "flag", bcases[k]));
			is_int(ipc_get_bool(got, "flag", &b), -1,
			    "bool \"%s\" refused", bcases[k]);
			ipc_rec_free(&got);
		}
	}
	RECV(ipc_add_bool(r, "a", 0); ipc_add_bool(r, "b", 7));
	ok(ipc_get_bool(got, "a", &b) == 0 && b == 0, "bool 0");
	ok(ipc_get_bool(got, "b", &b) == 0 && b == 1, "bool from non-zero");
	ipc_rec_free(&got);

	RECV(ipc_add_uint(r, "n", 11));
	is_int(ipc_get_uint(got, "n", 1, 10, &u), -1, "uint above range");
	like(ipc_rec_error(got), "11 out of range 1..10", "range reason");
	ipc_rec_free(&got);
	RECV(ipc_add_uint(r, "n", 0));
	is_int(ipc_get_uint(got, "n", 1, 10, &u), -1, "uint below range");
	ipc_rec_free(&got);
	RECV(ipc_add_int(r, "n", -5));
	is_int(ipc_get_int(got, "n", -4, 4, &i64), -1, "int below range");
	like(ipc_rec_error(got), "-5 out of range -4..4", "range reason");
	ipc_rec_free(&got);
	RECV(ipc_add_str(r, "n", "1\x01\x7f" "2"));
	is_int(ipc_get_uint(got, "n", 0, 10, &u), -1, "control chars");
	like(ipc_rec_error(got), "\"1??2\" is not an unsigned number",
	    "peer text cleaned in the reason");
	ipc_rec_free(&got);
#undef RECV
}

static void
child_bad_name(void *arg)
{
	struct ipc_rec *r = ipc_rec_new();

	ipc_add_str(r, (const char *)arg, "x");
}

static void
test_bad_names_panic(void)
{
	static const char *const names[] = { "Req", "", "a-b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	char err[1024];
	size_t i;
	int status;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		status = tap_fork(child_bad_name, (void *)(uintptr_t)names[i],
		    err, sizeof(err));
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		    "building with name \"%s\" panics", names[i]);
		like(err, "bad attribute name", "panic message");
	}
}

static void
test_socket_io(void)
{
	struct ipc_chan a, b;
	struct ipc_rec *r, *got;
	const unsigned char *f;
	size_t len, k;
	int sv[2], fails, ret;

	pair(sv);
	ipc_chan_init(&a, sv[0], "client");
	ipc_chan_init(&b, sv[1], "server");
	r = sample();
	is_int(ipc_send(&a, r), 0, "send");
	is_int(ipc_send(&a, r), 0, "send again");
	is_int(ipc_recv(&b, &got), 1, "recv");
	is_int(check_sample(got), 0, "recv: values");
	ipc_rec_free(&got);
	is_int(ipc_recv(&b, &got), 1, "recv the second");
	ipc_rec_free(&got);

	b.timeout_ms = 50;
	is_int(ipc_recv(&b, &got), -1, "recv times out on silence");
	like(b.err, "timed out", "timeout reason");
	ok(!b.err_proto, "a timeout is not a protocol error");
	close(sv[0]);
	is_int(ipc_recv(&b, &got), 0, "clean end of file between frames");
	ok(got == NULL, "no record at EOF");
	close(sv[1]);

	/* truncated at every byte: EOF inside the frame */
	f = ipc_rec_frame(r, &len);
	fails = 0;
	for (k = 1; k < len; k++) {
		pair(sv);
		ipc_chan_init(&b, sv[1], "server");
		write_all(sv[0], f, k);
		close(sv[0]);
		ret = ipc_recv(&b, &got);
		if (ret != -1 || got != NULL || !b.err_proto ||
		    strstr(b.err, "mid-frame") == NULL) {
			diag("cut at %zu: ret %d, %s", k, ret, b.err);
			fails++;
		}
		close(sv[1]);
	}
	is_int(fails, 0, "EOF after every byte of a frame is an error");

	/* a partial frame that stays partial times out */
	pair(sv);
	ipc_chan_init(&b, sv[1], "server");
	b.timeout_ms = 50;
	write_all(sv[0], f, len - 1);
	is_int(ipc_recv(&b, &got), -1, "stalled frame times out");
	like(b.err, "timed out", "stalled frame: reason");
	close(sv[0]);
	close(sv[1]);

	/* the frame arriving in pieces with pauses still works */
	pair(sv);
	ipc_chan_init(&b, sv[1], "server");
	if (fork() == 0) {
		for (k = 0; k < len; k += 7) {
			write_all(sv[0], f + k, len - k < 7 ? len - k : 7);
			usleep(2000);
		}
		_exit(0);
	}
	is_int(ipc_recv(&b, &got), 1, "frame written in slow pieces");
	is_int(check_sample(got), 0, "slow pieces: values");
	ipc_rec_free(&got);
	wait(NULL);
	close(sv[0]);
	close(sv[1]);

	/* send to a closed peer: an error, not SIGPIPE */
	pair(sv);
	ipc_chan_init(&a, sv[0], "peer");
	close(sv[1]);
	is_int(ipc_send(&a, r), -1, "send to a closed peer fails");
	like(a.err, "send: ", "send error reason");
	close(sv[0]);
	ipc_rec_free(&r);
}

static void
test_fd(void)
{
	struct ipc_chan a, b;
	struct ipc_rec *r, *got;
	char path[512], buf[64];
	const char *s, *err;
	int sv[2], fd, rfd, before;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/queuefile", tap_tmpdir());
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		bail_out("open %s: %s", path, strerror(errno));
	write_all(fd, "message body\n", 13);
	close(fd);

	pair(sv);
	ipc_chan_init(&a, sv[0], "qmgr");
	ipc_chan_init(&b, sv[1], "local");
	before = open_fds();
	fd = open(path, O_RDONLY);
	r = ipc_rec_new();
	ipc_add_str(r, "req", "deliver");
	ipc_add_str(r, "queue_id", "4F1C2A9B3E");
	is_int(ipc_send_fd(&a, r, fd), 0, "send a frame with a descriptor");
	close(fd);
	is_int(ipc_recv_fd(&b, &got, &rfd), 1, "recv_fd gets the frame");
	ok(rfd >= 0, "and a descriptor");
	is_int(fdpass_check_reg(rfd, NULL, &err), 0, "it is a regular file");
	ok((fcntl(rfd, F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec");
	n = pread(rfd, buf, sizeof(buf), 0);
	is_mem(buf, n > 0 ? (size_t)n : 0, "message body\n", 13,
	    "content read through it");
	ok(ipc_get_str(got, "req", &s) == 0 && strcmp(s, "deliver") == 0 &&
	    ipc_get_str(got, "queue_id", &s) == 0 && ipc_end(got) == 0,
	    "the frame's attributes");
	ipc_rec_free(&got);
	close(rfd);

	/* recv_fd on a frame without one */
	ipc_send(&a, r);
	is_int(ipc_recv_fd(&b, &got, &rfd), 1, "recv_fd without descriptor");
	is_int(rfd, -1, "no descriptor: -1");
	ipc_rec_free(&got);

	/* an unexpected descriptor is closed and refused */
	fd = open(path, O_RDONLY);
	ipc_send_fd(&a, r, fd);
	close(fd);
	is_int(ipc_recv(&b, &got), -1, "recv refuses a frame with a "
	    "descriptor");
	like(b.err, "unexpected descriptor", "reason");
	ok(b.err_proto, "a protocol error");
	is_int(open_fds(), before, "no descriptor leaked");

	is_int(ipc_send_fd(&a, r, -1), -1, "send_fd needs a descriptor");
	ipc_rec_free(&r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_handshake(void)
{
	static const struct {
		const char *desc;
		const char *proto;	/* NULL: no proto attribute */
		const char *err;
	} bad[] = {
		{ "wrong name", "resolver/1.0", "wrong protocol: expected "
		    "qmgr/1.x, got resolver/1.0" },
		{ "wrong major", "qmgr/2.0", "expected qmgr/1.x, got qmgr/2.0" },
		{ "name prefix", "qmgrx/1.0", "wrong protocol" },
		{ "no version", "qmgr", "bad protocol announcement \"qmgr\"" },
		{ "no minor", "qmgr/1", "bad protocol announcement" },
		{ "empty minor", "qmgr/1.", "bad protocol announcement" },
		{ "letters in version", "qmgr/x.1", "bad protocol announcement" },
		{ "leading zero", "qmgr/01.0", "bad protocol announcement" },
		{ "extra dot", "qmgr/1.0.1", "bad protocol announcement" },
		{ "empty name", "/1.0", "bad protocol announcement" },
		{ "uppercase", "QMGR/1.0", "bad protocol announcement" },
		{ "huge major", "qmgr/99999999999.0",
		    "bad protocol announcement" },
		{ "control char", "qm\ngr/1.0", "bad protocol announcement "
		    "\"qm?gr/1.0\"" },
		{ "no proto attribute", NULL, "expected attribute \"proto\", "
		    "got \"req\"" },
	};
	struct ipc_chan a, b, ch;
	struct ipc_rec *r, *got;
	const void *f;
	size_t i, len, used;
	unsigned minor = 99;
	int sv[2];

	pair(sv);
	ipc_chan_init(&a, sv[0], "qmgr");
	ipc_chan_init(&b, sv[1], "client");
	is_int(ipc_hello_send(&a, "qmgr", 1, 3), 0, "server announces");
	is_int(ipc_hello_recv(&b, "qmgr", 1, &minor), 0,
	    "client accepts qmgr/1.3");
	is_int(minor, 3, "and learns the minor version");
	ipc_hello_send(&a, "qmgr", 1, 0);
	is_int(ipc_hello_recv(&b, "qmgr", 1, NULL), 0, "minor_r may be NULL");

	ipc_hello_send(&a, "resolver", 1, 0);
	is_int(ipc_hello_recv(&b, "qmgr", 1, &minor), -1,
	    "client refuses the wrong service");
	like(b.err, "wrong protocol: expected qmgr/1.x, got resolver/1.0",
	    "reason");
	ok(b.err_proto, "a protocol error");
	tap_expect_log("protocol error from client: wrong protocol");
	ipc_log_error(&b);
	tap_check_log("ipc_log_error");

	ipc_hello_send(&a, "qmgr", 2, 0);
	is_int(ipc_hello_recv(&b, "qmgr", 1, &minor), -1,
	    "client refuses another major version");

	close(sv[0]);
	is_int(ipc_hello_recv(&b, "qmgr", 1, &minor), -1,
	    "EOF before the announcement");
	like(b.err, "closed before the protocol announcement", "reason");
	ok(!b.err_proto, "not a protocol error");
	tap_expect_log("error talking to client: connection closed");
	ipc_log_error(&b);
	tap_check_log("ipc_log_error for I/O");
	close(sv[1]);

	ipc_chan_init(&ch, -1, "test");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = ipc_rec_new();
		if (bad[i].proto != NULL)
			ipc_add_str(r, "proto", bad[i].proto);
		else
			ipc_add_str(r, "req", "hello");
		f = ipc_rec_frame(r, &len);
		ipc_parse(&ch, f, len, &got, &used);
		is_int(ipc_hello_check(got, "qmgr", 1, &minor), -1,
		    "handshake: %s", bad[i].desc);
		like(ipc_rec_error(got), bad[i].err, "handshake: %s: reason",
		    bad[i].desc);
		ipc_rec_free(&got);
		ipc_rec_free(&r);
	}

	r = ipc_rec_new();
	ipc_add_str(r, "proto", "qmgr/1.0");
	ipc_add_str(r, "extra", "1");
	f = ipc_rec_frame(r, &len);
	ipc_parse(&ch, f, len, &got, &used);
	is_int(ipc_hello_check(got, "qmgr", 1, &minor), -1,
	    "handshake: extra attribute refused");
	tap_expect_log("protocol error from test: unexpected attribute "
	    "\"extra\"");
	ipc_log_rec_error(&ch, got);
	tap_check_log("ipc_log_rec_error");
	ipc_rec_free(&got);
	ipc_rec_free(&r);
}

int
main(void)
{
	tap_init("ipc");
	signal(SIGPIPE, SIG_DFL);	/* ipc must not need it ignored */
	test_wire_format();
	test_roundtrip_and_trickle();
	test_payload_cuts();
	test_malformed();
	test_length_limit();
	test_getters();
	test_bad_names_panic();
	test_socket_io();
	test_fd();
	test_handshake();
	return done_testing();
}
