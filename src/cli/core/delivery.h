/*
 * delivery.h
 *    Which events the hub has acknowledged, and from that the flush LSN
 *    `ship` may confirm to PostgreSQL.
 *
 * Every event handed to the sink gets a ticket, numbered in the order the
 * events come. A transaction (all its chunks) is done when its last chunk
 * has been seen and every ticket it got is acknowledged; the flush LSN is
 * the commit LSN of the newest transaction such that it and every older
 * one are done. When nothing is in flight, the server's own position (from
 * its keepalives) is confirmed too, so a slot whose transactions are all
 * filtered out still advances.
 *
 * Redelivered input is recognised by key: an event at or before `handed`
 * (the newest event given to the sink, or found already stored in the
 * sink at start) is skipped, and a transaction the tracker already knows
 * only gets its last-chunk mark.
 */
#ifndef WAL2EVENTS_DELIVERY_H
#define WAL2EVENTS_DELIVERY_H

#include <stdint.h>

#include "ship_common.h"

typedef struct DeliveryTxn
{
	uint64_t	commit_lsn;
	uint64_t	confirm_lsn;	/* what it lets us confirm: commit_lsn, capped
								 * at an open backfill window's low mark */
	int64_t		commit_time;	/* us since 1970, for the lag in seconds */
	uint64_t	end_ticket;		/* tickets below this belong to it or older */
	int			complete;		/* its last chunk has been seen */
} DeliveryTxn;

typedef struct Delivery
{
	uint64_t	next_ticket;
	uint64_t	first_unacked;	/* every ticket below is acknowledged */
	uint8_t    *acked;			/* ring of capacity flags, by ticket */
	uint64_t	capacity;		/* max tickets in flight */

	DeliveryTxn *txns;			/* ring of transactions not yet confirmed */
	size_t		txn_head;
	size_t		txn_count;
	size_t		txn_cap;

	MsgKey		handed;			/* newest event handed to the sink */
	int			have_handed;
	uint64_t	confirmed_lsn;	/* flush LSN we may report */
	uint64_t	received_lsn;	/* newest commit LSN received */
	uint64_t	server_lsn;		/* newest keepalive position */
	uint64_t	window_lsn;		/* the last message's backfill window, 0: none */
	int64_t		confirmed_time; /* commit time of the last confirmed txn */
} Delivery;

extern int	delivery_init(Delivery *d, uint64_t capacity, uint64_t start_lsn);
extern void delivery_free(Delivery *d);

/* Everything at or before key is already stored in the sink. */
extern void delivery_set_stored(Delivery *d, const MsgKey *key);

/*
 * A Transaction message (one chunk) arrives: returns 1 when its events are
 * to be looked at, 0 when the whole message is already known (redelivery).
 * -1 when out of memory. window_lsn: its backfill_window_lsn (0: none).
 */
extern int	delivery_begin_message(Delivery *d, uint64_t commit_lsn, int64_t commit_time,
								   int last_chunk, uint64_t window_lsn);

/* 1 when the event must be handed to the sink, 0 when it is a redelivery. */
extern int	delivery_wants(const Delivery *d, const MsgKey *key);

/* Room for one more ticket? */
extern int	delivery_has_room(const Delivery *d);

/* The event with this key is handed to the sink: its ticket. */
extern uint64_t delivery_hand(Delivery *d, const MsgKey *key);

/* The sink acknowledged a ticket (in any order). */
extern void delivery_ack(Delivery *d, uint64_t ticket);

/* A keepalive or XLogData told us the server's position. */
extern void delivery_server_position(Delivery *d, uint64_t lsn);

/* Pop done transactions, move confirmed_lsn; returns 1 if it moved. */
extern int	delivery_settle(Delivery *d);

/* Tickets handed and not acknowledged. */
extern uint64_t delivery_in_flight(const Delivery *d);

/* Nothing handed is unacknowledged and no transaction is half received. */
extern int	delivery_idle(const Delivery *d);

/* Commit time of the oldest transaction not yet confirmed, or 0. */
extern int64_t delivery_oldest_commit_time(const Delivery *d);

#endif							/* WAL2EVENTS_DELIVERY_H */
