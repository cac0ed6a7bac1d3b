/*
 * wire_fields.h
 *    The wire format of proto/wal2events.proto by name: field numbers, enum
 *    values and wire types, for code that writes or walks the protobuf
 *    bytes by hand instead of through protobuf-c.
 *
 * Two writers do: the output plugin (src/plugin, straight from tuples into
 * the output buffer) and the shipper's envelope writer (src/cli/envelope,
 * copying an event's bytes out of the plugin's message); the library's
 * depth check and the envelope reader walk the bytes. They all take the
 * numbers from here, and tests/unit/test_wire_fields.c checks every one
 * against the descriptors protoc-c generates from the .proto, so a typo or
 * a renumbered field fails the unit tests rather than corrupting messages.
 * Never renumber: the .proto is a public contract.
 *
 * Plain C, no PostgreSQL and no protobuf-c header: the plugin includes it
 * inside the server, the CLI and consumers outside. Installed as
 * <wal2events/wire_fields.h>.
 */
#ifndef WAL2EVENTS_WIRE_FIELDS_H
#define WAL2EVENTS_WIRE_FIELDS_H

/* Wire types, the low three bits of a tag. */
#define W2E_WIRE_VARINT 0
#define W2E_WIRE_FIXED64 1
#define W2E_WIRE_LEN 2			/* length-delimited: strings, bytes, messages */
#define W2E_WIRE_FIXED32 5

/*
 * A field's tag: its number and wire type, written as a varint. In the
 * type of its arguments (an int for the numbers here, all far below 2^28).
 */
#define W2E_WIRE_TAG(field, wire_type) (((field) << 3) | (wire_type))
#define W2E_WIRE_TAG_FIELD(tag) ((tag) >> 3)
#define W2E_WIRE_TAG_TYPE(tag) ((tag) & 7)

/* Transaction */
#define W2E_FIELD_TXN_XID 1
#define W2E_FIELD_TXN_COMMIT_LSN 2
#define W2E_FIELD_TXN_COMMIT_TIME 3
#define W2E_FIELD_TXN_ORIGIN 4
#define W2E_FIELD_TXN_ORIGIN_LSN 5
#define W2E_FIELD_TXN_DATABASE 6
#define W2E_FIELD_TXN_SYSTEM_IDENTIFIER 7
#define W2E_FIELD_TXN_CHUNK 8
#define W2E_FIELD_TXN_LAST_CHUNK 9
#define W2E_FIELD_TXN_EVENTS 10
#define W2E_FIELD_TXN_RELATIONS 11
#define W2E_FIELD_TXN_NON_TRANSACTIONAL 12
#define W2E_FIELD_TXN_OVERSIZED 13
#define W2E_FIELD_TXN_BACKFILL_WINDOW_LSN 14

/* Event (row, domain, message and oversized are the oneof body) */
#define W2E_FIELD_EVENT_POSITION 1
#define W2E_FIELD_EVENT_TYPE 2
#define W2E_FIELD_EVENT_PARTITION_KEY 3
#define W2E_FIELD_EVENT_LSN 4
#define W2E_FIELD_EVENT_ROW 5
#define W2E_FIELD_EVENT_DOMAIN 6
#define W2E_FIELD_EVENT_MESSAGE 7
#define W2E_FIELD_EVENT_SUBJECT 8
#define W2E_FIELD_EVENT_ID_OVERRIDE 9
#define W2E_FIELD_EVENT_OVERSIZED 10

/* Relation */
#define W2E_FIELD_REL_OID 1
#define W2E_FIELD_REL_SCHEMA 2
#define W2E_FIELD_REL_TABLE 3
#define W2E_FIELD_REL_COLUMNS 4
#define W2E_FIELD_REL_REPLICA_IDENTITY 5

/* Column */
#define W2E_FIELD_COL_NAME 1
#define W2E_FIELD_COL_TYPE_OID 2
#define W2E_FIELD_COL_TYPE_NAME 3
#define W2E_FIELD_COL_IDENTITY 4
#define W2E_FIELD_COL_PARTITION_KEY 5

/* RowChange */
#define W2E_FIELD_ROW_OPERATION 1
#define W2E_FIELD_ROW_RELATION 2
#define W2E_FIELD_ROW_NEW_VALUES 3
#define W2E_FIELD_ROW_OLD_VALUES 4
#define W2E_FIELD_ROW_OLD_IDENTITY 5
#define W2E_FIELD_ROW_CASCADE 6
#define W2E_FIELD_ROW_RESTART_IDENTITY 7
#define W2E_FIELD_ROW_TAGS 8

/* DomainEvent */
#define W2E_FIELD_DOMAIN_PAYLOAD 1
#define W2E_FIELD_DOMAIN_TAGS 2

/* An entry of every map<string, string> (RowChange, DomainEvent, EventEnvelope tags) */
#define W2E_FIELD_MAP_KEY 1
#define W2E_FIELD_MAP_VALUE 2

/* LogicalMessage */
#define W2E_FIELD_MSG_PREFIX 1
#define W2E_FIELD_MSG_CONTENT 2

/* Value (every field is a member of the oneof kind) */
#define W2E_FIELD_VAL_NULL 1
#define W2E_FIELD_VAL_UNCHANGED_TOAST 2
#define W2E_FIELD_VAL_BOOL 3
#define W2E_FIELD_VAL_INT 4
#define W2E_FIELD_VAL_FLOAT32 5
#define W2E_FIELD_VAL_FLOAT64 6
#define W2E_FIELD_VAL_TEXT 7
#define W2E_FIELD_VAL_BYTES 8
#define W2E_FIELD_VAL_NUMERIC 9
#define W2E_FIELD_VAL_DATE 10
#define W2E_FIELD_VAL_TIMESTAMP 11
#define W2E_FIELD_VAL_TIMESTAMPTZ 12
#define W2E_FIELD_VAL_TIME 13
#define W2E_FIELD_VAL_INTERVAL 14
#define W2E_FIELD_VAL_UUID 15
#define W2E_FIELD_VAL_JSON 16
#define W2E_FIELD_VAL_ARRAY 17
#define W2E_FIELD_VAL_OVERSIZED 18

/* Oversized */
#define W2E_FIELD_OVERSIZED_BYTES 1
#define W2E_FIELD_OVERSIZED_SHA256 2

/* Interval */
#define W2E_FIELD_IV_MONTHS 1
#define W2E_FIELD_IV_DAYS 2
#define W2E_FIELD_IV_MICROSECONDS 3

/* Array */
#define W2E_FIELD_ARR_ELEMENTS 1

/* EventEnvelope (what `wal2events ship` publishes per event) */
#define W2E_FIELD_ENV_ID 1
#define W2E_FIELD_ENV_TYPE 2
#define W2E_FIELD_ENV_PARTITION_KEY 3
#define W2E_FIELD_ENV_COMMIT_TIME 4
#define W2E_FIELD_ENV_DATABASE 5
#define W2E_FIELD_ENV_SCHEMA 6
#define W2E_FIELD_ENV_TABLE 7
#define W2E_FIELD_ENV_XID 8
#define W2E_FIELD_ENV_COMMIT_LSN 9
#define W2E_FIELD_ENV_POSITION 10
#define W2E_FIELD_ENV_TAGS 11
#define W2E_FIELD_ENV_EVENT 12
#define W2E_FIELD_ENV_RELATIONS 13
#define W2E_FIELD_ENV_SYSTEM_IDENTIFIER 14
#define W2E_FIELD_ENV_ORIGIN 15
#define W2E_FIELD_ENV_NON_TRANSACTIONAL 16
#define W2E_FIELD_ENV_ORIGIN_LSN 17

/* enum ReplicaIdentity */
#define W2E_ENUM_RI_DEFAULT 0
#define W2E_ENUM_RI_NOTHING 1
#define W2E_ENUM_RI_FULL 2
#define W2E_ENUM_RI_INDEX 3

/* enum Operation */
#define W2E_ENUM_OP_UNSPECIFIED 0
#define W2E_ENUM_OP_INSERT 1
#define W2E_ENUM_OP_UPDATE 2
#define W2E_ENUM_OP_DELETE 3
#define W2E_ENUM_OP_TRUNCATE 4
#define W2E_ENUM_OP_READ 5

/* enum OldIdentity */
#define W2E_ENUM_OLD_NONE 0
#define W2E_ENUM_OLD_KEY 1
#define W2E_ENUM_OLD_FULL 2

#endif							/* WAL2EVENTS_WIRE_FIELDS_H */
