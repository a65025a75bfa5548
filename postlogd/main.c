/*
 * NAME
 *	postlogd - the log service: writes maillog_file for every other
 *	process (see postlogd(8))
 *
 * DESCRIPTION
 *	A spec and one call into the skeleton: one process (SERVER_DGRAM)
 *	reading the log records (lib/postlog.h) that every process the
 *	master starts sends on its inherited socket, and writing them as
 *	lines into the log file, which the master opened and handed over
 *	(-l). It serves for as long as the master runs (max_use and
 *	max_idle do not apply).
 *
 * SECURITY
 *	Runs as log_owner, a user no other service runs as, so that no
 *	other service can signal it, trace it or write with its
 *	descriptor; jailed in the empty queue_directory/empty. It opens
 *	nothing: the file comes as a descriptor from the master. Records
 *	come from less trusted processes and are parsed strictly
 *	(postlog_record_parse).
 */
#include "config.h"

#include "postlogd.h"
#include "server.h"

int
main(int argc, char **argv)
{
	static const struct server_spec spec = {
		.name = "postlogd",
		.kind = SERVER_DGRAM,
		.dgram = postlogd_dgram,
		.check = postlogd_check,
		.user_param = "log_owner",
		.flags = SERVER_FLAG_NO_FORK | SERVER_FLAG_NO_USE |
		    SERVER_FLAG_NO_IDLE | SERVER_FLAG_JAIL_EMPTY |
		    SERVER_FLAG_LOG_FILE | SERVER_FLAG_OWN_USER,
	};

	server_main(argc, argv, &spec);
}
