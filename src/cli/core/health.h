/*
 * health.h
 *    What /readyz answers: is this shipper doing its job right now?
 *
 * For orchestrators and supervisors (Kubernetes probes, a load balancer's
 * health check, a monitoring script): /healthz only says the process runs
 * (its reporter thread answers); /readyz says it is connected to
 * PostgreSQL and to the hub, the hub stores what is sent, and the oldest
 * transaction not yet confirmed is younger than --ready-max-lag. Both are
 * served by the metrics endpoint (metrics.c), from the same snapshot as
 * the metrics, so they answer even while the main loop waits for the hub.
 */
#ifndef WAL2EVENTS_HEALTH_H
#define WAL2EVENTS_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

/*
 * 1 when ready; 0 with a short reason ("event hub: down or rejecting").
 * lag_seconds: the snapshot's lag now; max_lag_ms 0: no limit.
 */
extern int	health_ready(const MetricsSnapshot *snap, double lag_seconds, int64_t max_lag_ms,
						 char *reason, size_t size);

#endif							/* WAL2EVENTS_HEALTH_H */
