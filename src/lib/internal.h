/*
 * internal.h
 *    Declarations shared by the libwal2events source files, not part of the
 *    library's API (wal2events.h is).
 *
 * Everything declared here is also visible to the unit tests, which check
 * the pieces (date arithmetic, string escaping, JSON compaction) directly.
 */
#ifndef WAL2EVENTS_INTERNAL_H
#define WAL2EVENTS_INTERNAL_H

#include <stdarg.h>

#include "wal2events.h"

/* printf-style checking; the server build also warns without it. */
#if defined(__GNUC__) || defined(__clang__)
#define W2E_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define W2E_PRINTF(fmt, args)
#endif

/* Short names for generated types and enum values used all over. */
typedef Wal2events__V1__Column W2eColumn;
typedef Wal2events__V1__DomainEvent W2eDomainEvent;
typedef Wal2events__V1__LogicalMessage W2eLogicalMessage;
typedef Wal2events__V1__Interval W2eInterval;
typedef Wal2events__V1__Array W2eArray;
typedef Wal2events__V1__Oversized W2eOversized;

#define W2E_OP_INSERT WAL2EVENTS__V1__OPERATION__OPERATION_INSERT
#define W2E_OP_UPDATE WAL2EVENTS__V1__OPERATION__OPERATION_UPDATE
#define W2E_OP_DELETE WAL2EVENTS__V1__OPERATION__OPERATION_DELETE
#define W2E_OP_TRUNCATE WAL2EVENTS__V1__OPERATION__OPERATION_TRUNCATE
#define W2E_OP_READ WAL2EVENTS__V1__OPERATION__OPERATION_READ

#define W2E_OLD_NONE WAL2EVENTS__V1__OLD_IDENTITY__OLD_IDENTITY_NONE
#define W2E_OLD_KEY WAL2EVENTS__V1__OLD_IDENTITY__OLD_IDENTITY_KEY
#define W2E_OLD_FULL WAL2EVENTS__V1__OLD_IDENTITY__OLD_IDENTITY_FULL

#define W2E_BODY_NOT_SET WAL2EVENTS__V1__EVENT__BODY__NOT_SET
#define W2E_BODY_ROW WAL2EVENTS__V1__EVENT__BODY_ROW
#define W2E_BODY_DOMAIN WAL2EVENTS__V1__EVENT__BODY_DOMAIN
#define W2E_BODY_MESSAGE WAL2EVENTS__V1__EVENT__BODY_MESSAGE
#define W2E_BODY_OVERSIZED WAL2EVENTS__V1__EVENT__BODY_OVERSIZED

/* Oversized.sha256 is a SHA-256 digest */
#define W2E_SHA256_LEN 32

/* W2E_KIND(NULL) is WAL2EVENTS__V1__VALUE__KIND_NULL (## stops expansion). */
#define W2E_KIND(name) WAL2EVENTS__V1__VALUE__KIND_##name

/* A NULL string in a hand-built message reads as "". */
#define W2E_STR(s) ((s) != NULL ? (s) : "")

/* wire_depth.c: a base-128 varint at p[*pos..len); 0 when malformed or cut short */
extern int	w2e_read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *value);

/* error.c */
extern void w2e_set_error(W2eError *err, const char *fmt,...) W2E_PRINTF(2, 3);
extern void w2e_prefix_error(W2eError *err, const char *fmt,...) W2E_PRINTF(2, 3);

/* buffer.c */
extern void *w2e_alloc(const W2eAllocator *allocator, size_t size);
extern void w2e_free(const W2eAllocator *allocator, void *ptr);
extern int	w2e_buffer_append_char(W2eBuffer *buf, char c);
extern int	w2e_buffer_append_fmt(W2eBuffer *buf, const char *fmt,...) W2E_PRINTF(2, 3);

/* validate.c: limits */
#define W2E_MAX_ARRAY_DEPTH 8
extern int	w2e_value_check(const W2eValue *value, int depth, W2eError *err);
extern int	w2e_oversized_check(const W2eOversized *oversized, W2eError *err);

/* wire_depth.c: a Transaction's, an EventEnvelope's */
extern int	w2e_wire_check_depth(const uint8_t *data, size_t len, W2eError *err);
extern int	w2e_wire_check_envelope_depth(const uint8_t *data, size_t len, W2eError *err);

/* parse.c: NULL (protobuf-c's malloc/free) for the default allocator */
/* parse.c: the size and presence checks of every message before unpacking */
extern const uint8_t *w2e_parse_input(const uint8_t *data, size_t len, W2eError *err);
extern ProtobufCAllocator *w2e_protobuf_allocator(const W2eAllocator *allocator,
												  ProtobufCAllocator *pc);

/* datetime.c: text forms; every result fits in W2E_DATETIME_MAX bytes. */
#define W2E_DATETIME_MAX 48
#define W2E_USECS_PER_DAY INT64_C(86400000000)
extern void w2e_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
extern void w2e_format_date(char *out, int32_t days);
extern void w2e_format_timestamp(char *out, int64_t usecs, int with_zone);
extern int	w2e_format_time(char *out, int64_t usecs);

/* json_string.c (w2e_json_append_string and _cstring: wal2events.h) */
extern size_t w2e_utf8_char_len(const unsigned char *s, size_t avail);
extern int	w2e_utf8_valid(const unsigned char *s, size_t len);

/* json_text.c (w2e_json_append_compact: wal2events.h) */
extern int	w2e_json_append_embedded(W2eBuffer *out, const char *text, size_t len);

/* json_value.c */
extern int	w2e_json_append_value(W2eBuffer *out, const W2eValue *value,
								  int depth, W2eError *err);
extern int	w2e_json_append_float(W2eBuffer *out, double value, int is_float32);
extern int	w2e_json_render_value(W2eBuffer *out, const W2eValue *value);
extern int	w2e_buffer_append_hex(W2eBuffer *out, const uint8_t *data, size_t len);
extern int	w2e_json_append_oversized(W2eBuffer *out, const W2eOversized *oversized);

/* json.c: an LSN and a commit time as JSON values (also envelope_json.c) */
extern int	w2e_json_append_lsn(W2eBuffer *out, uint64_t lsn);
extern int	w2e_json_append_commit_time(W2eBuffer *out, int64_t commit_time,
										int non_transactional);

/* json.c: an event's kind-specific members (also used by envelope_json.c) */
extern int	w2e_json_append_event_body(W2eBuffer *out, const W2eTransaction *txn,
									   const W2eEvent *event);

/* json_row.c */
extern int	w2e_json_append_row(W2eBuffer *out, const W2eTransaction *txn,
								const W2eRowChange *row);

#endif							/* WAL2EVENTS_INTERNAL_H */
