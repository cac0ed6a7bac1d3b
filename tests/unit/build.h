/*
 * build.h
 *    Building wal2events messages in tests, the way the plugin would.
 *
 * Everything is allocated from an arena that the test runner empties after
 * each test, so tests build freely and valgrind still sees no leak. Messages
 * are the generated protobuf-c structs; pack_txn() serialises them with
 * protobuf-c, and frame() adds the delimited framing.
 */
#ifndef W2E_TEST_BUILD_H
#define W2E_TEST_BUILD_H

#include "internal.h"

extern void *arena_alloc(size_t size);	/* zeroed */
extern void arena_free_all(void);

/*
 * An allocator that counts, and fails every allocation after the first
 * fail_after ones (never when fail_after < 0).
 */
typedef struct TestAllocator
{
	W2eAllocator base;
	long		allocs;
	long		frees;
	long		fail_after;
} TestAllocator;
extern const W2eAllocator *test_allocator(TestAllocator *ta, long fail_after);

/* Values */
extern W2eValue *v_null(void);
extern W2eValue *v_toast(void);
extern W2eValue *v_bool(int b);
extern W2eValue *v_int(int64_t i);
extern W2eValue *v_f32(float f);
extern W2eValue *v_f64(double d);
extern W2eValue *v_text(const char *s);
extern W2eValue *v_bytes(const void *data, size_t len);
extern W2eValue *v_numeric(const char *s);
extern W2eValue *v_date(int32_t days);
extern W2eValue *v_ts(int64_t usecs);
extern W2eValue *v_tstz(int64_t usecs);
extern W2eValue *v_time(int64_t usecs);
extern W2eValue *v_interval(int32_t months, int32_t days, int64_t usecs);
extern W2eValue *v_uuid(const void *data, size_t len);
extern W2eValue *v_json(const char *s);
extern W2eValue *v_array(size_t n,...);	/* n W2eValue * */
extern W2eValue *v_nested_array(int depth, W2eValue *innermost);
extern W2eValue *v_unset(void);

/* Relations: columns as name, type_name, identity flag. */
extern W2eColumn *column(const char *name, const char *type_name, int identity);
extern W2eRelation *relation(const char *schema, const char *table, size_t n,...);	/* n W2eColumn * */

/* Events */
extern W2eRowChange *row_change(int operation, uint32_t relation, int old_identity);
extern void row_new(W2eRowChange *row, size_t n,...);	/* n W2eValue * */
extern void row_old(W2eRowChange *row, size_t n,...);
extern W2eEvent *event_row(uint32_t position, const char *type, const char *key,
						   W2eRowChange *row);
extern W2eEvent *event_domain(uint32_t position, const char *type, const char *key,
							  const char *payload, size_t n_tags,...);	/* key, value pairs */
extern W2eEvent *event_message(uint32_t position, const char *prefix,
							   const void *content, size_t len);

/*
 * A transaction with the example header: xid 744, commit_lsn 0/16B3F28,
 * commit_time 2026-11-26T21:00:00.123456Z, database "db", system identifier
 * 7312895063207461234, chunk 0, last chunk.
 */
#define EXAMPLE_COMMIT_TIME INT64_C(1795726800123456)
#define EXAMPLE_HEADER "{\"xid\":744,\"commit_lsn\":\"0/16B3F28\",\"commit_time\":\"2026-11-26T21:00:00.123456Z\",\"database\":\"db\",\"system_identifier\":\"7312895063207461234\",\"chunk\":0,\"last_chunk\":true"
#define EXAMPLE_ID "7312895063207461234/00000000016B3F28/"
extern W2eTransaction *txn_example(void);
extern void txn_add_relation(W2eTransaction *txn, W2eRelation *rel);
extern void txn_add_event(W2eTransaction *txn, W2eEvent *event);

/* The orders(id integer identity, note text, total numeric) relation. */
extern W2eRelation *orders_relation(void);

/*
 * A transaction with one of everything: every operation and old identity,
 * every value kind, a domain event and logical messages. variant changes
 * the xid and values a little, for more than one sample.
 */
extern W2eTransaction *txn_rich(int variant);

/* Wire format */
extern uint8_t *pack_txn(const W2eTransaction *txn, size_t *len);
extern uint8_t *frame(const uint8_t *message, size_t len, size_t *framed_len);

/* Render txn to JSON in an arena string; NULL (and err) on failure. */
extern const char *to_json(const W2eTransaction *txn, W2eError *err);
/* Render one value to JSON; an "ERROR: <message>" string on failure. */
extern const char *value_json(const W2eValue *value);

#endif
