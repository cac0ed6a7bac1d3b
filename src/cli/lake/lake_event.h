/*
 * lake_event.h
 *    One event as the lake holds it: its record (the bytes of the file:
 *    a JSON line, the line `wal2events consume` prints, or a framed
 *    EventEnvelope) and the fields the lake's index, its partitions and
 *    replay need (id, type, key, commit LSN and time, and the headers a
 *    replayed message carries).
 *
 * Made from a message of the hub by the lake writer (lake_message.c), and
 * from a record read back from a file by replay (lake_reader.c).
 */
#ifndef WAL2EVENTS_LAKE_EVENT_H
#define WAL2EVENTS_LAKE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "lake_layout.h"
#include "wal2events.h"

typedef struct LakeEvent
{
	W2eBuffer	record;			/* as stored: line + '\n', or frame header + envelope */
	size_t		body_offset;	/* the message body inside record: the line without */
	size_t		body_len;		/* its newline, or the envelope without its frame header */
	LakeFormat	format;
	W2eBuffer	id;
	W2eBuffer	type;
	W2eBuffer	partition_key;
	W2eBuffer	database;
	W2eBuffer	schema;			/* of a row change; empty otherwise */
	W2eBuffer	table;
	uint64_t	commit_lsn;
	uint64_t	system_identifier;
	int64_t		commit_time_us; /* 0: none (a non-transactional message) */
	uint32_t	position;
	uint32_t	xid;
} LakeEvent;

extern void lake_event_init(LakeEvent *e);
extern void lake_event_free(LakeEvent *e);

/*
 * From a parsed envelope; packed (may be NULL) is its protobuf encoding,
 * json (may be NULL) its JSON line without newline, when the caller has
 * them already. 0, or -1 with err.
 */
extern int	lake_event_from_envelope(LakeEvent *e, const W2eEventEnvelope *env, LakeFormat format,
									 const uint8_t *packed, size_t packed_len,
									 const char *json, size_t json_len, W2eError *err);

/* From a JSON line (no newline) as `consume` prints it: ndjson only. 0, or -1 with err. */
extern int	lake_event_from_json(LakeEvent *e, const char *line, size_t len, W2eError *err);

/* The body a replay publishes (see body_offset). */
static inline const uint8_t *
lake_event_body(const LakeEvent *e)
{
	return (const uint8_t *) e->record.data + e->body_offset;
}

#endif							/* WAL2EVENTS_LAKE_EVENT_H */
