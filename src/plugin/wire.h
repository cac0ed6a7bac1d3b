/*
 * wire.h
 *    Field numbers of proto/wal2events.proto, for the hand-written encoder.
 *
 * These must match the .proto exactly; the regression tests decode every
 * message with the protobuf-c code generated from it, so a mismatch fails
 * them. Never renumber: the .proto is a public contract.
 */
#ifndef W2E_WIRE_H
#define W2E_WIRE_H

/* Transaction */
#define TXN_XID 1
#define TXN_COMMIT_LSN 2
#define TXN_COMMIT_TIME 3
#define TXN_ORIGIN 4
#define TXN_ORIGIN_LSN 5
#define TXN_DATABASE 6
#define TXN_SYSTEM_IDENTIFIER 7
#define TXN_CHUNK 8
#define TXN_LAST_CHUNK 9
#define TXN_EVENTS 10
#define TXN_RELATIONS 11
#define TXN_NON_TRANSACTIONAL 12
#define TXN_OVERSIZED 13

/* Event */
#define EVENT_POSITION 1
#define EVENT_TYPE 2
#define EVENT_PARTITION_KEY 3
#define EVENT_LSN 4
#define EVENT_ROW 5
#define EVENT_DOMAIN 6
#define EVENT_MESSAGE 7
#define EVENT_SUBJECT 8
#define EVENT_ID_OVERRIDE 9
#define EVENT_OVERSIZED 10

/* Relation */
#define REL_OID 1
#define REL_SCHEMA 2
#define REL_TABLE 3
#define REL_COLUMNS 4
#define REL_REPLICA_IDENTITY 5

/* ReplicaIdentity enum */
#define RI_DEFAULT 0
#define RI_NOTHING 1
#define RI_FULL 2
#define RI_INDEX 3

/* Column */
#define COL_NAME 1
#define COL_TYPE_OID 2
#define COL_TYPE_NAME 3
#define COL_IDENTITY 4
#define COL_PARTITION_KEY 5

/* Operation enum */
#define OP_INSERT 1
#define OP_UPDATE 2
#define OP_DELETE 3
#define OP_TRUNCATE 4

/* OldIdentity enum */
#define OLD_NONE 0
#define OLD_KEY 1
#define OLD_FULL 2

/* RowChange */
#define ROW_OPERATION 1
#define ROW_RELATION 2
#define ROW_NEW_VALUES 3
#define ROW_OLD_VALUES 4
#define ROW_OLD_IDENTITY 5
#define ROW_CASCADE 6
#define ROW_RESTART_IDENTITY 7
#define ROW_TAGS 8

/* DomainEvent */
#define DOMAIN_PAYLOAD 1
#define DOMAIN_TAGS 2
/* map<string,string> entries */
#define MAP_KEY 1
#define MAP_VALUE 2

/* LogicalMessage */
#define MSG_PREFIX 1
#define MSG_CONTENT 2

/* Value */
#define VAL_NULL 1
#define VAL_UNCHANGED_TOAST 2
#define VAL_BOOL 3
#define VAL_INT 4
#define VAL_FLOAT32 5
#define VAL_FLOAT64 6
#define VAL_TEXT 7
#define VAL_BYTES 8
#define VAL_NUMERIC 9
#define VAL_DATE 10
#define VAL_TIMESTAMP 11
#define VAL_TIMESTAMPTZ 12
#define VAL_TIME 13
#define VAL_INTERVAL 14
#define VAL_UUID 15
#define VAL_JSON 16
#define VAL_ARRAY 17
#define VAL_OVERSIZED 18

/* Oversized */
#define OVERSIZED_BYTES 1
#define OVERSIZED_SHA256 2

/* Interval */
#define IV_MONTHS 1
#define IV_DAYS 2
#define IV_MICROSECONDS 3

/* Array */
#define ARR_ELEMENTS 1

#endif							/* W2E_WIRE_H */
