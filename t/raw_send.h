/*
 * raw_send - the "raw TEXT" command of the test drivers of our service
 * clients (t/bin/anvilc, t/bin/resolvc): TEXT as bytes on a connection
 * of its own to the service's socket, for the garbage tests; prints
 * "sent".
 */
#ifndef POSTERN_T_RAW_SEND_H
#define POSTERN_T_RAW_SEND_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/* 1 when line is a raw command (and was sent), else 0. */
static inline int
raw_send(const char *socket_path, const char *line)
{
	int fd;

	if (strncmp(line, "raw ", 4) != 0)
		return 0;
	if ((fd = sock_connect_unix(socket_path, 5)) >= 0) {
		if (write(fd, line + 4, strlen(line + 4)) < 0)
			perror("write");
		sleep(1);	/* the service reads it before the end */
		close(fd);
	}
	printf("sent\n");
	return 1;
}

#endif
