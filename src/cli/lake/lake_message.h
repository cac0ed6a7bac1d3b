/*
 * lake_message.h
 *    A message of the hub as the events the lake stores: one for a message
 *    of `ship --unit event` (its EventEnvelope, protobuf or JSON, claim
 *    check resolved), every event of it for a `--unit transaction`
 *    message, each as the line `wal2events consume` prints (or, with
 *    --format protobuf, as its framed EventEnvelope).
 */
#ifndef WAL2EVENTS_LAKE_MESSAGE_H
#define WAL2EVENTS_LAKE_MESSAGE_H

#include "envelope.h"
#include "lake_event.h"
#include "stream_reader.h"

typedef struct LakeMessage
{
	LakeEvent  *events;			/* events[0..n): the message's events */
	size_t		n;
	size_t		cap;
	Envelope	envelope;		/* reused to render transaction messages */
} LakeMessage;

extern void lake_message_init(LakeMessage *lm);
extern void lake_message_free(LakeMessage *lm);

/*
 * The events of m into lm (0 events is possible: an empty transaction).
 * 0, or -1 with a one-line error naming the message (not an event of
 * wal2events, a claim check that does not resolve, a JSON body with
 * --format protobuf).
 */
extern int	lake_message_events(LakeMessage *lm, const StreamMessage *m, LakeFormat format,
								char *error, size_t size);

#endif							/* WAL2EVENTS_LAKE_MESSAGE_H */
