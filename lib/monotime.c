/*
 * monotime - the one clock for timeouts; see monotime.h.
 */
#include "config.h"

#include <time.h>

#include "log.h"
#include "monotime.h"

long long
monotime_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		log_panic("clock_gettime(CLOCK_MONOTONIC): %m");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
