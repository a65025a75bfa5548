/*
 * server_private.h - state shared by the skeleton's files (server.c,
 * server_single.c, server_event.c). Not for daemons: they use server.h.
 */
#ifndef POSTERN_SERVER_PRIVATE_H
#define POSTERN_SERVER_PRIVATE_H

#include "server.h"

struct event_loop;

struct server_state {
	const struct server_spec *spec;
	const char	*service;	/* -n */
	const char	*type;		/* -t */
	const char	*confdir;	/* -c */
	int		 nlisten;	/* -s */
	uint32_t	 gen;		/* -g */
	int		 unpriv;	/* -u */
	int		 chroot;	/* -r */
	int		 verbose;	/* -v */
	int		 to_stderr;	/* -d */
	int		 log_fd;	/* -l: its descriptor, else -1 */
	long long	 max_use;	/* 0: no limit */
	long long	 max_idle;	/* seconds, 0: no limit */
	unsigned long	 use_count;
	int		 retired;	/* master gone or this generation over */
};

extern struct server_state server_st;

/* server.c */
void	server_exit(int) __attribute__((noreturn));
void	server_report(int state);
/* What the service is told of a client from listen socket lfd. */
void	server_info_fill(struct server_info *, int lfd, int reply_fd);
int	server_status_eof(void);

/* server_single.c */
void	server_single_loop(void) __attribute__((noreturn));

/* server_event.c */
void	server_event_loop(void) __attribute__((noreturn));

/* server_dgram.c */
void	server_dgram_watch(struct event_loop *);
void	server_dgram_drain(void) __attribute__((noreturn));

#endif
