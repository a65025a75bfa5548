/*
 * resolver.h - private header of the DNS service (resolver/).
 *
 * One process on the skeleton's event loop (SERVER_MULTI):
 * resolver_server.c speaks lib/resolver_proto.h to the relay agents,
 * resolver_lookup.c turns one request into the libunbound queries it
 * needs (MX, then A and AAAA of every host, all in flight at once) and
 * assembles the answer, resolver_rr.c decodes record data and orders
 * the hosts (no I/O: unit tests and the fuzzer drive it),
 * resolver_name.c makes a domain name fit for DNS (IDNA2008 A-labels),
 * resolver_setup.c builds the libunbound context before the jail.
 * See man/resolver.8.
 */
#ifndef POSTERN_RESOLVER_H
#define POSTERN_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "resolver_clnt.h"
#include "resolver_proto.h"
#include "server.h"

#define RESOLVER_TYPE_A		1
#define RESOLVER_TYPE_MX	15
#define RESOLVER_TYPE_AAAA	28

/* One host of an answer being built. */
struct resolver_rr_host {
	char		 name[RESOLVER_NAME_MAX + 1];
	unsigned	 pref;
	int		 secure;	/* every address lookup validated */
	int		 temp;		/* an address lookup failed for now */
	size_t		 naddr;
	char		 addr[RESOLVER_ADDR_MAX][RESOLVER_ADDR_TEXT_MAX];
};

/* resolver_rr.c */
/*
 * Decode a domain name in DNS wire form (uncompressed, as libunbound
 * hands out record data) at data[*off..len) into text (no final dot,
 * "" for the root) in out, advancing *off. 0, or -1 for a malformed or
 * compressed name, a label that is not a host name label
 * (resolver_name_ok), or one that does not fit.
 */
int	resolver_rr_name(const unsigned char *data, size_t len, size_t *off,
	    char *out, size_t outlen);
/*
 * MX record data: 0 with the preference and the exchange's name ("" is
 * the root: a null MX, RFC 7505), or -1 when malformed.
 */
int	resolver_rr_mx(const unsigned char *data, size_t len,
	    unsigned *pref_r, char *name, size_t namelen);
/*
 * A (4 bytes) or AAAA (16 bytes) record data as text into out
 * (RESOLVER_ADDR_TEXT_MAX): 0, or -1 for another length or type.
 */
int	resolver_rr_addr(int type, const unsigned char *data, size_t len,
	    char *out, size_t outlen);
/*
 * Put hosts in delivery order: by preference, shuffled among equal
 * preferences with rnd (rnd(n) is uniform in [0, n)), each name once
 * (case-insensitively; the lowest preference wins). Returns the new
 * count.
 */
size_t	resolver_rr_order(struct resolver_rr_host *hosts, size_t n,
	    uint32_t (*rnd)(uint32_t));
/*
 * Add an address to a host unless it is there or the host is full:
 * 1 added, 0 not.
 */
int	resolver_rr_add_addr(struct resolver_rr_host *h, const char *addr);
/* A host's addresses in the order they are tried: IPv6, then IPv4. */
void	resolver_rr_addr_order(struct resolver_rr_host *h);

/* resolver_name.c */
/*
 * The domain as asked (ASCII or UTF-8, a final dot allowed) in
 * A-labels, lower case, without the final dot, into out
 * (RESOLVER_NAME_MAX + 1): 0, or -1 with *why_r (static) when it is not
 * a valid domain name.
 */
int	resolver_name_ascii(const char *domain, char *out, size_t outlen,
	    const char **why_r);

/* resolver_setup.c: the skeleton hooks, and the context */
struct ub_ctx;
extern struct ub_ctx *resolver_ub;
extern int resolver_want4, resolver_want6;	/* inet_protocols */
void	resolver_check(void);
void	resolver_pre_jail(void);
void	resolver_post_jail(void);
void	resolver_on_exit(void);

/* resolver_lookup.c */
struct resolver_lookup;
/*
 * The outcome of a lookup. hosts are in order and have addresses; the
 * strings and hosts stay valid until the callback returns.
 */
struct resolver_result {
	int			 status;	/* RESOLVER_STAT_* */
	const char		*dsn;
	const char		*text;
	const char		*ascii;
	int			 secure;
	size_t			 nhost;
	const struct resolver_rr_host *hosts;
};
typedef void (*resolver_done_fn)(const struct resolver_result *,
	    void *arg);
/*
 * Start a lookup of domain (as asked; mx as in the protocol); done is
 * called once, later, from the event loop (never from inside this
 * call). The returned handle cancels it (resolver_lookup_cancel)
 * until done has been called.
 */
struct resolver_lookup *resolver_lookup_start(const char *domain, int mx,
	    resolver_done_fn done, void *arg);
/* Forget a lookup in progress: done is never called. */
void	resolver_lookup_cancel(struct resolver_lookup *);
/* libunbound's descriptor is readable: run the callbacks of answers. */
void	resolver_lookup_process(void);
/* Lookups in progress (for the exit log). */
size_t	resolver_lookup_count(void);

/* resolver_server.c */
void	resolver_server_conn(int fd, const struct server_info *);

#endif
