/*
 * envelope.h
 *    One event of a Transaction as a stand-alone EventEnvelope, encoded as
 *    protobuf or as a JSON line: what every sink writes per event.
 */
#ifndef WAL2EVENTS_ENVELOPE_H
#define WAL2EVENTS_ENVELOPE_H

#include "ship_common.h"

/* Bytes of one event or relation inside the current Transaction message. */
typedef struct EnvelopeSpan
{
	const uint8_t *data;
	size_t		len;
} EnvelopeSpan;

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

	/* the current message's events and relations as bytes: see envelope_set_message */
	EnvelopeSpan *raw_events;
	size_t		n_raw_events;
	size_t		raw_events_cap;
	EnvelopeSpan *raw_relations;
	size_t		n_raw_relations;
	size_t		raw_relations_cap;
	int			raw_ok;			/* the spans match the parsed message raw_txn */
	const W2eTransaction *raw_txn;
	char		id_prefix[W2E_EVENT_ID_MAX];	/* "<system id>/<commit LSN>/" */
	size_t		id_prefix_len;
	uint64_t	id_prefix_sysid;
	uint64_t	id_prefix_lsn;
} Envelope;

extern void envelope_init(Envelope *e);
extern void envelope_free(Envelope *e);

/* Fill e->env for event (of txn) and encode it: e->data, e->len. 0, or -1 with err. */
extern int	envelope_build(Envelope *e, const W2eTransaction *txn, const W2eEvent *event,
						   PayloadFormat format, W2eError *err);

/* The same for txn->events[index]. */
extern int	envelope_build_at(Envelope *e, const W2eTransaction *txn, size_t index,
							  PayloadFormat format, W2eError *err);

/*
 * txn was parsed from the bare message data[0..len), which stays as it is
 * until envelope_forget_message: protobuf envelopes then copy each event's
 * and relation's bytes from it instead of encoding them again (the row
 * change's relation index, rewritten to 0, is left out). Without it, or when
 * the bytes do not match the parsed message, protobuf-c packs the envelope.
 */
extern void envelope_set_message(Envelope *e, const uint8_t *data, size_t len,
								 const W2eTransaction *txn);
extern void envelope_forget_message(Envelope *e);

#endif							/* WAL2EVENTS_ENVELOPE_H */
