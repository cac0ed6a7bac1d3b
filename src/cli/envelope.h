/*
 * envelope.h
 *    One event of a Transaction as a stand-alone EventEnvelope, encoded as
 *    protobuf or as a JSON line: what every sink writes per event.
 */
#ifndef WAL2EVENTS_ENVELOPE_H
#define WAL2EVENTS_ENVELOPE_H

#include "ship.h"

/*
 * Reused from event to event. The envelope borrows the transaction's
 * strings and values (no copies); only what differs from the transaction
 * (the row change's relation index, rewritten to 0, and the tags' entry
 * type) lives here. Valid until the next envelope_build or the
 * transaction's free.
 */
typedef struct Envelope
{
	W2eEventEnvelope env;
	W2eEvent	event;
	W2eRowChange row;
	W2eRelation *relations[1];
	char		id[W2E_EVENT_ID_MAX];	/* the log-derived id (env.id may be an override) */
	Wal2events__V1__EventEnvelope__TagsEntry *tag_entries;
	Wal2events__V1__EventEnvelope__TagsEntry **tag_ptrs;
	size_t		tag_cap;
	MsgKey		key;
	const uint8_t *data;		/* the encoded envelope: packed or json */
	size_t		len;
	uint8_t    *packed;			/* protobuf encoding buffer */
	size_t		packed_cap;
	W2eBuffer	json;			/* JSON encoding buffer (no newline) */
} Envelope;

extern void envelope_init(Envelope *e);
extern void envelope_free(Envelope *e);

/* Fill e->env for event (of txn) and encode it: e->data, e->len. 0, or -1 with err. */
extern int	envelope_build(Envelope *e, const W2eTransaction *txn, const W2eEvent *event,
						   PayloadFormat format, W2eError *err);

#endif							/* WAL2EVENTS_ENVELOPE_H */
