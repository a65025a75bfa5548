/*
 * fuzz/auth_throttle - the auth service's failure counts (auth's
 * objects minus main.o): keys are client addresses and user names that
 * the network chooses, in bounded memory, against a reference model.
 *
 * Input: a control byte (the table limit and window), then operations
 * of two bytes each: what (count, fail, until, a client key), the key
 * (one of 40, so that keys meet again) and how far the clock moves.
 * The model is a list in window-start order: entries whose window has
 * passed are forgotten, a full table replaces the entry whose window
 * opened first. Every answer and the size must agree with it. The
 * key of a client address (an IPv6 address counts as its /64) is
 * checked to be what inet_pton/inet_ntop make of it.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "fuzz.h"

#define KEYS	40

struct ment {
	char		 key[16];
	long long	 start;
	unsigned long	 count;
};

struct model {
	struct ment	 e[KEYS];
	size_t		 n, limit;
	long long	 window;
};

static void
model_expire(struct model *m, long long now)
{
	size_t drop = 0;

	while (drop < m->n && now - m->e[drop].start >= m->window)
		drop++;
	memmove(m->e, m->e + drop, (m->n - drop) * sizeof(m->e[0]));
	m->n -= drop;
}

static struct ment *
model_find(struct model *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->e[i].key, key) == 0)
			return &m->e[i];
	return NULL;
}

static unsigned long
model_fail(struct model *m, const char *key, long long now)
{
	struct ment *e;

	model_expire(m, now);
	if ((e = model_find(m, key)) != NULL)
		return ++e->count;
	if (m->n >= m->limit) {
		memmove(m->e, m->e + 1, (m->n - 1) * sizeof(m->e[0]));
		m->n--;
	}
	e = &m->e[m->n++];
	strlcpy(e->key, key, sizeof(e->key));
	e->start = now;
	e->count = 1;
	return 1;
}

static void
check_client_key(const uint8_t *p, size_t n)
{
	char client[64], key[80], text[INET6_ADDRSTRLEN];
	unsigned char a[16];

	if (n >= sizeof(client))
		n = sizeof(client) - 1;
	memcpy(client, p, n);
	client[n] = '\0';
	auth_throttle_client_key(client, key, sizeof(key));
	if (strchr(client, ':') != NULL &&
	    inet_pton(AF_INET6, client, a) == 1) {
		memset(a + 8, 0, 8);
		FUZZ_CHECK(inet_ntop(AF_INET6, a, text, sizeof(text)) != NULL);
		FUZZ_CHECK(strncmp(key, text, strlen(text)) == 0 &&
		    strcmp(key + strlen(text), "/64") == 0);
	} else
		FUZZ_CHECK(strcmp(key, client) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 1, 2, 3, 5, 8, 40 };
	struct auth_throttle *t;
	struct model m;
	struct ment *e;
	long long now = 1000;
	char key[16];
	size_t i;
	unsigned op;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.limit = limits[data[0] % 6];
	m.window = 1 + (data[0] / 6) * 7;
	t = auth_throttle_new(m.limit, m.window);
	for (i = 1; i + 1 < size; i += 2) {
		op = data[i] & 3;
		snprintf(key, sizeof(key), "k%u", (unsigned)(data[i] >> 2) %
		    KEYS);
		now += data[i + 1] & 0x0f;
		switch (op) {
		case 0:
			model_expire(&m, now);
			e = model_find(&m, key);
			FUZZ_CHECK(auth_throttle_count(t, key, now) ==
			    (e != NULL ? e->count : 0));
			break;
		case 1:
			FUZZ_CHECK(auth_throttle_fail(t, key, now) ==
			    model_fail(&m, key, now));
			break;
		case 2:
			model_expire(&m, now);
			e = model_find(&m, key);
			FUZZ_CHECK(auth_throttle_until(t, key, now) ==
			    (e != NULL ? e->start + m.window : 0));
			break;
		default:
			/* the bytes after this operation, as an address */
			check_client_key(data + i + 2, size - i - 2 < 40 ?
			    size - i - 2 : 40);
			break;
		}
		FUZZ_CHECK(auth_throttle_size(t) == m.n);
		FUZZ_CHECK(m.n <= m.limit);
	}
	auth_throttle_free(&t);
	FUZZ_CHECK(t == NULL);
	return 0;
}
