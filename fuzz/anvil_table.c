/*
 * fuzz/anvil_table - the connection counter's table (anvil's objects
 * minus main.o): service and client names come from smtpd on behalf of
 * network clients, in bounded memory; against a reference model.
 *
 * Input: a control byte (the table limit and the rate window), then
 * operations of two bytes: what (connect, disconnect of a session we
 * hold or of a made-up one, expire), which client (one of 24 on two
 * services) and how far the clock moves. The model keeps each client's
 * open sessions, rate window and generation, and the idle clients in
 * the order they became idle: a full table replaces the longest idle
 * one, or counts nobody when none is idle; expire drops idle clients
 * whose window has passed. Every answer, count, rate and the size must
 * agree with it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anvil/anvil.h"
#include "fuzz.h"

#define CLIENTS		48

struct ment {
	int		 used;
	unsigned long	 count, rate;
	long long	 wstart, last;
	uint64_t	 gen;
};

struct model {
	struct ment	 e[CLIENTS];
	int		 idle[CLIENTS];	/* clients, longest idle first */
	size_t		 nidle, n, limit;
	long long	 window;
	uint64_t	 gen;
};

static void
idle_remove(struct model *m, int c)
{
	size_t i;

	for (i = 0; i < m->nidle; i++)
		if (m->idle[i] == c) {
			memmove(m->idle + i, m->idle + i + 1,
			    (m->nidle - i - 1) * sizeof(int));
			m->nidle--;
			return;
		}
	FUZZ_CHECK(!"idle client not on the idle list");
}

static struct ment *
model_connect(struct model *m, int c, long long now)
{
	struct ment *e = &m->e[c];
	int victim;

	if (!e->used) {
		if (m->n >= m->limit) {
			if (m->nidle == 0)
				return NULL;
			victim = m->idle[0];
			idle_remove(m, victim);
			m->e[victim].used = 0;
			m->n--;
		}
		memset(e, 0, sizeof(*e));
		e->used = 1;
		e->gen = ++m->gen;
		e->wstart = now;
		m->n++;
	} else if (e->count == 0)
		idle_remove(m, c);
	if (now - e->wstart >= m->window) {
		e->wstart = now;
		e->rate = 0;
	}
	e->count++;
	e->rate++;
	e->last = now;
	return e;
}

static int
model_disconnect(struct model *m, int c, uint64_t gen, long long now)
{
	struct ment *e = &m->e[c];

	if (!e->used || e->gen != gen || e->count == 0)
		return -1;
	e->last = now;
	if (--e->count == 0)
		m->idle[m->nidle++] = c;
	return 0;
}

static size_t
model_expire(struct model *m, long long now)
{
	size_t n = 0;

	while (m->nidle > 0 && now - m->e[m->idle[0]].last >= m->window) {
		m->e[m->idle[0]].used = 0;
		memmove(m->idle, m->idle + 1, (m->nidle - 1) * sizeof(int));
		m->nidle--;
		m->n--;
		n++;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 1, 2, 3, 5, 8, CLIENTS };
	const struct anvil_entry *got, *found;
	struct anvil_table *t;
	struct model m;
	struct ment *want;
	long long now = 5000;
	char service[16], ident[40];
	size_t i;
	uint64_t gen;
	int c;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.limit = limits[data[0] % 6];
	m.window = 1 + (data[0] / 6) * 9;
	t = anvil_table_new(m.limit, m.window);
	for (i = 1; i + 1 < size; i += 2) {
		c = (data[i] >> 2) % CLIENTS;
		snprintf(service, sizeof(service), "%s", c % 2 ? "smtp" :
		    "submission");
		snprintf(ident, sizeof(ident), "192.0.2.%d", c / 2);
		now += data[i + 1] & 0x0f;
		switch (data[i] & 3) {
		case 0:
			want = model_connect(&m, c, now);
			got = anvil_table_connect(t, service, ident, now);
			FUZZ_CHECK((want == NULL) == (got == NULL));
			if (got == NULL)
				break;
			FUZZ_CHECK(got->count == want->count);
			FUZZ_CHECK(got->rate == want->rate);
			FUZZ_CHECK(got->gen == want->gen);
			FUZZ_CHECK(strcmp(got->service, service) == 0 &&
			    strcmp(got->ident, ident) == 0);
			break;
		case 1:
			/* a session we hold (the model's generation) */
			gen = m.e[c].gen;
			FUZZ_CHECK(anvil_table_disconnect(t, service, ident,
			    gen, now) == model_disconnect(&m, c, gen, now));
			break;
		case 2:
			/* one from before a replacement, or never known */
			gen = data[i + 1] >> 4;
			FUZZ_CHECK(anvil_table_disconnect(t, service, ident,
			    gen, now) == model_disconnect(&m, c, gen, now));
			break;
		default:
			FUZZ_CHECK(anvil_table_expire(t, now) ==
			    model_expire(&m, now));
			break;
		}
		FUZZ_CHECK(anvil_table_size(t) == m.n);
		found = anvil_table_find(t, service, ident);
		FUZZ_CHECK((found != NULL) == (m.e[c].used != 0));
		if (found != NULL)
			FUZZ_CHECK(found->count == m.e[c].count);
	}
	FUZZ_CHECK(anvil_table_stats(t)->size.value <= m.limit);
	anvil_table_stats_reset(t);
	anvil_table_free(&t);
	FUZZ_CHECK(t == NULL);
	return 0;
}
