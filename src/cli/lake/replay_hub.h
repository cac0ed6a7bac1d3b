/*
 * replay_hub.h
 *    Where `wal2events replay` publishes: a JetStream stream of its own,
 *    through the fast publishing connection (nats_wire.h), with a bounded
 *    window of messages awaiting their acknowledgement.
 *
 * Every message keeps its event's id as Nats-Msg-Id, so the stream's
 * duplicate window drops what a retried replay (or a resend after a lost
 * connection or a missing acknowledgement) sends again. Messages that were
 * not acknowledged are sent again in their order, so the stream keeps the
 * lake's order. Replay never writes into a stream a shipper writes: a
 * stream whose newest message carries W2e-Source (ship's header) is
 * refused. Replayed messages carry W2e-Replay: <the lake's stream>.
 */
#ifndef WAL2EVENTS_REPLAY_HUB_H
#define WAL2EVENTS_REPLAY_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "lake_event.h"
#include "nats_auth.h"

typedef struct ReplayHubOptions
{
	const NatsAuth *auth;
	const char *stream;			/* the stream to publish into */
	int			create;			/* create it when missing (--create-stream) */
	const char *subject;		/* template ({type} {schema} {table} {database} {partition_key}) */
	const char *lake_stream;	/* for W2e-Replay */
	int			max_inflight;
} ReplayHubOptions;

typedef struct ReplayHubStats
{
	uint64_t	published;		/* messages sent, resends included */
	uint64_t	acked;
	uint64_t	duplicates;		/* acknowledged as already stored */
	uint64_t	resent;
} ReplayHubStats;

typedef struct ReplayHub ReplayHub;

/* Connect, check or create the stream. NULL with error (the hub's: exit status 4). */
extern ReplayHub *replay_hub_open(const ReplayHubOptions *opts, char *error, size_t size);

/* Publish one event (waits while the window is full). 0, or -1 with error. */
extern int	replay_hub_publish(ReplayHub *h, const LakeEvent *e, char *error, size_t size);

/* Wait until every message is acknowledged. 0, or -1 with error. */
extern int	replay_hub_finish(ReplayHub *h, char *error, size_t size);

extern const ReplayHubStats *replay_hub_stats(const ReplayHub *h);
extern void replay_hub_close(ReplayHub *h);

#endif							/* WAL2EVENTS_REPLAY_HUB_H */
