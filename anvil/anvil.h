/*
 * anvil.h - private header of the connection counter service.
 */
#ifndef POSTERN_ANVIL_H
#define POSTERN_ANVIL_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "anvil_clnt.h"
#include "htable.h"

struct server_info;

/*
 * anvil_table.c: per (service, client) counts in bounded memory.
 *
 * An entry holds the sessions open now and the sessions started in the
 * current rate window: a window opens at the first session after the
 * last one expired and lasts window_ms (Postfix's anvil does the same).
 * An entry with no open session is idle; idle entries sit on a list in
 * the order they were last used. anvil_table_expire() drops the idle
 * entries whose window has passed (forgetting them changes no answer).
 * When the table holds `limit` entries a new client replaces the
 * longest-idle entry (its rate is forgotten early); when none is idle
 * the new client is not counted (anvil_table_connect returns NULL).
 *
 * Times are milliseconds on any monotonic clock, passed in by the
 * caller so that tests control them.
 */
struct anvil_entry {
	char		*service;
	char		*ident;
	uint64_t	 gen;		/* tells an entry from its heir */
	unsigned long	 count;		/* sessions open now */
	unsigned long	 rate;		/* sessions begun in this window */
	long long	 window_start;
	long long	 last;		/* last connect or disconnect */
	struct htable_node node;	/* in the table */
	TAILQ_ENTRY(anvil_entry) idle;	/* on the idle list: count 0 */
};

/* The largest count and rate seen since the last report. */
struct anvil_peak {
	unsigned long	 value;
	char		 what[ANVIL_SERVICE_MAX + ANVIL_IDENT_MAX + 2];
	long long	 when;		/* wall clock, seconds */
};

struct anvil_stats {
	struct anvil_peak count;
	struct anvil_peak rate;
	struct anvil_peak size;		/* entries in the table */
	unsigned long	 evicted;	/* idle ones replaced: full */
	unsigned long	 refused;	/* clients not counted: full */
};

struct anvil_table;

struct anvil_table *anvil_table_new(size_t limit, long long window_ms);
void	anvil_table_free(struct anvil_table **);
/*
 * A session starts: count and rate go up by one (a new window opens
 * when the last one has passed). Returns the entry (valid until the
 * next call that changes the table), or NULL when the table is full of
 * clients with open sessions.
 */
const struct anvil_entry *anvil_table_connect(struct anvil_table *,
	    const char *service, const char *ident, long long now);
/*
 * A session ends: the count of the entry goes down, if it is still the
 * entry of generation gen (an entry replaced in between is left alone).
 * 0 done, -1 no such entry or generation, or its count was 0.
 */
int	anvil_table_disconnect(struct anvil_table *, const char *service,
	    const char *ident, uint64_t gen, long long now);
/* The entry, or NULL. */
const struct anvil_entry *anvil_table_find(struct anvil_table *,
	    const char *service, const char *ident);
/* Drop idle entries whose window passed; returns how many. */
size_t	anvil_table_expire(struct anvil_table *, long long now);
/* Entries in the table. */
size_t	anvil_table_size(const struct anvil_table *);
/* The peaks since the last anvil_table_stats_reset. */
const struct anvil_stats *anvil_table_stats(const struct anvil_table *);
void	anvil_table_stats_reset(struct anvil_table *);

/* anvil_server.c: the connections of smtpd processes. */
void	anvil_server_init(void);
void	anvil_server_conn(int fd, const struct server_info *);
void	anvil_server_exit(void);

#endif
