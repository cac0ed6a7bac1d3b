/*
 * health.c
 *    The readiness of a running ship or tail (see health.h), in the order
 *    an operator fixes things: started, not stopping, PostgreSQL, the hub,
 *    then the lag.
 */
#include <stdio.h>

#include "health.h"

int
health_ready(const MetricsSnapshot *snap, double lag_seconds, int64_t max_lag_ms,
			 char *reason, size_t size)
{
	if (!snap->running)
		snprintf(reason, size, "starting");
	else if (snap->stopping)
		snprintf(reason, size, "stopping (SIGINT or SIGTERM received)");
	else if (!snap->pg_connected)
		snprintf(reason, size, "PostgreSQL: not connected (reconnecting)");
	else if (snap->sink.hub_down)
		snprintf(reason, size, "event hub: down or rejecting (new events held, retrying)");
	else if (max_lag_ms > 0 && lag_seconds * 1000 > (double) max_lag_ms)
		snprintf(reason, size, "lag %.1f s, over --ready-max-lag %.1f s",
				 lag_seconds, (double) max_lag_ms / 1000);
	else
		return 1;
	return 0;
}
