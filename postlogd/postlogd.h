/*
 * postlogd.h - private header of the log service.
 */
#ifndef POSTERN_POSTLOGD_H
#define POSTERN_POSTLOGD_H

#include <stddef.h>

#include "server.h"

/* postlogd.c */
void	postlogd_check(void);
void	postlogd_dgram(const char *buf, size_t len,
	    const struct server_dgram_peer *peer, int fd);

#endif
