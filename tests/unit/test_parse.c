/*
 * test_parse.c
 *    w2e_transaction_parse(): round trips, every consistency rule, nesting
 *    bombs, truncated and mutated input, and the caller's allocator.
 */
#include <stdio.h>
#include <stdlib.h>

#include "build.h"
#include "harness.h"

/* Pack txn, parse it back: "OK" or the error message. */
static const char *
parse_result(const W2eTransaction *txn)
{
	size_t		len;
	uint8_t    *buf = pack_txn(txn, &len);
	W2eError	err;
	W2eTransaction *parsed = w2e_transaction_parse(buf, len, NULL, &err);
	char	   *copy;

	if (parsed != NULL)
	{
		w2e_transaction_free(parsed, NULL);
		return "OK";
	}
	copy = arena_alloc(sizeof(err.message));
	strcpy(copy, err.message);
	return copy;
}

/* A transaction with the orders relation and one row change in it. */
static W2eTransaction *
one_row(W2eRowChange *row)
{
	W2eTransaction *txn = txn_example();

	txn_add_relation(txn, orders_relation());
	txn_add_event(txn, event_row(0, "orders", "", row));
	return txn;
}

/* Parsing what was packed gives the same JSON as the original. */
static void
test_round_trip(void)
{
	W2eTransaction *txn = txn_rich(1);
	size_t		len;
	uint8_t    *buf = pack_txn(txn, &len);
	W2eError	err;
	W2eTransaction *parsed = w2e_transaction_parse(buf, len, NULL, &err);
	const char *want = to_json(txn, &err);

	CHECK(want != NULL);
	CHECK(parsed != NULL);
	if (parsed != NULL && want != NULL)
	{
		CHECK_STR(to_json(parsed, &err), want);
		CHECK_INT(parsed->n_events, 7);
	}
	w2e_transaction_free(parsed, NULL);
	parsed = w2e_transaction_parse(NULL, 0, NULL, &err);	/* empty message */
	CHECK(parsed != NULL);
	w2e_transaction_free(parsed, NULL);
	CHECK(w2e_transaction_parse(NULL, 1, NULL, &err) == NULL);
	CHECK_STR(err.message, "no message data");
}

static void
test_relation_index(void)
{
	W2eTransaction *txn = txn_example();
	int			i;

	txn_add_relation(txn, orders_relation());
	txn_add_relation(txn, orders_relation());
	for (i = 0; i < 3; i++)
		txn_add_event(txn, event_domain(i, "d", "", "{}", 0));
	txn_add_event(txn, event_row(3, "x", "", row_change(W2E_OP_TRUNCATE, 5, W2E_OLD_NONE)));
	CHECK_STR(parse_result(txn), "event 3: row change refers to relation 5 but the message has 2");
}

static void
test_new_value_counts(void)
{
	W2eRowChange *ins = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eRowChange *upd = row_change(W2E_OP_UPDATE, 0, W2E_OLD_NONE);
	W2eRowChange *del = row_change(W2E_OP_DELETE, 0, W2E_OLD_NONE);
	W2eRowChange *trunc = row_change(W2E_OP_TRUNCATE, 0, W2E_OLD_NONE);

	row_new(ins, 2, v_int(1), v_null());
	row_new(upd, 4, v_int(1), v_null(), v_null(), v_null());
	row_new(del, 3, v_int(1), v_null(), v_null());
	row_new(trunc, 1, v_int(1));
	CHECK_STR(parse_result(one_row(ins)),
			  "event 0: insert has 2 new values but relation 0 (public.orders) has 3 columns");
	CHECK_STR(parse_result(one_row(upd)),
			  "event 0: update has 4 new values but relation 0 (public.orders) has 3 columns");
	CHECK_STR(parse_result(one_row(del)), "event 0: delete has 3 new values but carries none");
	CHECK_STR(parse_result(one_row(trunc)), "event 0: truncate has 1 new values but carries none");
}

static void
test_old_value_counts(void)
{
	W2eRowChange *full = row_change(W2E_OP_DELETE, 0, W2E_OLD_FULL);
	W2eRowChange *key = row_change(W2E_OP_DELETE, 0, W2E_OLD_KEY);
	W2eRowChange *none = row_change(W2E_OP_UPDATE, 0, W2E_OLD_NONE);
	W2eRowChange *ins = row_change(W2E_OP_INSERT, 0, W2E_OLD_KEY);
	W2eRowChange *trunc = row_change(W2E_OP_TRUNCATE, 0, W2E_OLD_NONE);

	row_old(full, 2, v_int(1), v_null());
	row_old(key, 2, v_int(1), v_null());
	row_new(none, 3, v_int(1), v_null(), v_null());
	row_old(none, 1, v_int(1));
	row_new(ins, 3, v_int(1), v_null(), v_null());
	row_old(ins, 1, v_int(1));
	row_old(trunc, 1, v_int(1));
	CHECK_STR(parse_result(one_row(full)),
			  "event 0: delete has 2 old values but old_identity full (one per column) needs 3 for relation 0 (public.orders)");
	CHECK_STR(parse_result(one_row(key)),
			  "event 0: delete has 2 old values but old_identity key (one per identity column) needs 1 for relation 0 (public.orders)");
	CHECK_STR(parse_result(one_row(none)),
			  "event 0: update has 1 old values but old_identity none needs 0 for relation 0 (public.orders)");
	CHECK_STR(parse_result(one_row(ins)),
			  "event 0: insert has old values (old_identity 1, 1 values) but carries none");
	CHECK_STR(parse_result(one_row(trunc)),
			  "event 0: truncate has old values (old_identity 0, 1 values) but carries none");
}

static void
test_unknown_enums_and_body(void)
{
	W2eTransaction *txn = txn_example();
	W2eEvent   *no_body = event_domain(0, "d", "", "{}", 0);

	CHECK_STR(parse_result(one_row(row_change(0, 0, W2E_OLD_NONE))),
			  "event 0: row change has unknown operation 0");
	CHECK_STR(parse_result(one_row(row_change(9, 0, W2E_OLD_NONE))),
			  "event 0: row change has unknown operation 9");
	CHECK_STR(parse_result(one_row(row_change(W2E_OP_DELETE, 0, 7))),
			  "event 0: delete has unknown old_identity 7");
	no_body->body_case = W2E_BODY_NOT_SET;
	txn_add_event(txn, no_body);
	CHECK_STR(parse_result(txn), "event 0: event has no body (row, domain or message)");
}

static void
test_bad_values(void)
{
	W2eRowChange *no_kind = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eRowChange *old_toast = row_change(W2E_OP_DELETE, 0, W2E_OLD_KEY);
	W2eRowChange *uuid = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eRowChange *time = row_change(W2E_OP_DELETE, 0, W2E_OLD_FULL);
	W2eRowChange *deep = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eRowChange *ok = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);

	row_new(no_kind, 3, v_int(1), v_unset(), v_null());
	row_old(old_toast, 1, v_toast());
	row_new(uuid, 3, v_int(1), v_null(), v_uuid("abc", 3));
	row_old(time, 3, v_int(1), v_null(), v_time(-5));
	row_new(deep, 3, v_int(1), v_nested_array(9, v_int(1)), v_null());
	row_new(ok, 3, v_toast(), v_nested_array(8, v_int(1)), v_null());
	CHECK_STR(parse_result(one_row(no_kind)),
			  "event 0: new value 1 (column \"note\"): value has no kind");
	CHECK_STR(parse_result(one_row(old_toast)),
			  "event 0: old value 0 (column \"id\"): unchanged TOAST value where only a real value can be");
	CHECK_STR(parse_result(one_row(uuid)),
			  "event 0: new value 2 (column \"total\"): uuid_value has 3 bytes, expected 16");
	CHECK_STR(parse_result(one_row(time)),
			  "event 0: old value 2 (column \"total\"): time_value -5 is outside 00:00:00..24:00:00");
	CHECK_STR(parse_result(one_row(deep)), "arrays are nested more than 8 deep");
	CHECK_STR(parse_result(one_row(ok)), "OK");
}

/* Prepend a protobuf length-delimited field header to buf[start..end). */
static size_t
wrap(uint8_t *buf, size_t start, size_t end, const uint8_t *tag, size_t tag_len)
{
	uint8_t		varint[10];
	size_t		n = 0;
	size_t		v = end - start;

	do
	{
		varint[n++] = (uint8_t) ((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
		v >>= 7;
	} while (v > 0);
	start -= n;
	memcpy(buf + start, varint, n);
	start -= tag_len;
	memcpy(buf + start, tag, tag_len);
	return start;
}

/*
 * Arrays nested 100000 deep, written by hand. protobuf-c would recurse once
 * per level and overflow the stack; the depth check must stop it first.
 */
static void
test_nesting_bomb(void)
{
	const uint8_t array_value[] = {0x8A, 0x01};	/* Value.array_value = 17 */
	const uint8_t elements[] = {0x0A};	/* Array.elements = 1 */
	const uint8_t new_values[] = {0x1A};	/* RowChange.new_values = 3 */
	const uint8_t row[] = {0x2A};	/* Event.row = 5 */
	const uint8_t events[] = {0x52};	/* Transaction.events = 10 */
	size_t		levels = 100000;
	size_t		cap = levels * 16 + 64;
	uint8_t    *buf = arena_alloc(cap);
	size_t		end = cap;
	size_t		start = end - 2;
	size_t		i;
	W2eError	err;

	buf[start] = 0x20;			/* Value.int_value = 1 */
	buf[start + 1] = 0x02;
	for (i = 0; i < levels; i++)
	{
		start = wrap(buf, start, end, elements, 1);
		start = wrap(buf, start, end, array_value, 2);
	}
	start = wrap(buf, start, end, new_values, 1);
	buf[--start] = 0x01;		/* RowChange.operation = insert */
	buf[--start] = 0x08;
	start = wrap(buf, start, end, row, 1);
	start = wrap(buf, start, end, events, 1);
	CHECK(w2e_transaction_parse(buf + start, end - start, NULL, &err) == NULL);
	CHECK_STR(err.message, "arrays are nested more than 8 deep");
}

static void
test_garbage(void)
{
	const uint8_t junk[] = {0xFF, 0xFF, 0xFF};
	const uint8_t wrong_type[] = {0x52, 0x02, 0x2D, 0x00};	/* row as fixed32 */
	W2eError	err;

	CHECK(w2e_transaction_parse(junk, sizeof(junk), NULL, &err) == NULL);
	CHECK_STR(err.message, "not a valid Transaction message (3 bytes; protobuf decoding failed or out of memory)");
	CHECK(w2e_transaction_parse(wrong_type, sizeof(wrong_type), NULL, &err) == NULL);
}

/* Parse, and when that works, render: both must end in a clean answer. */
static void
parse_and_render(const uint8_t *data, size_t len, int *parsed, int *failed)
{
	W2eError	err;
	W2eTransaction *txn;

	err.message[0] = '\0';
	txn = w2e_transaction_parse(data, len, NULL, &err);
	if (txn == NULL)
	{
		CHECK(err.message[0] != '\0');
		(*failed)++;
		return;
	}
	CHECK(to_json(txn, &err) != NULL);
	w2e_transaction_free(txn, NULL);
	(*parsed)++;
}

/* Every prefix of a valid message either parses or fails cleanly. */
static void
test_every_prefix(void)
{
	size_t		len;
	uint8_t    *full = pack_txn(txn_rich(0), &len);
	size_t		cut;
	int			parsed = 0;
	int			failed = 0;

	for (cut = 0; cut <= len; cut++)
	{
		/* a copy of exactly cut bytes, so valgrind sees any overread */
		uint8_t    *prefix = malloc(cut + 1);

		memcpy(prefix, full, cut);
		parse_and_render(prefix, cut, &parsed, &failed);
		free(prefix);
	}
	CHECK(parsed > 0 && failed > 0);
}

/* A deterministic mini-fuzz: flip bytes of a valid message. */
static void
test_mutations(void)
{
	size_t		len;
	uint8_t    *full = pack_txn(txn_rich(1), &len);
	uint8_t    *copy = malloc(len);
	uint32_t	seed = 12345;
	int			i;
	int			parsed = 0;
	int			failed = 0;

	for (i = 0; i < 3000; i++)
	{
		memcpy(copy, full, len);
		seed = seed * 1103515245 + 12345;
		copy[(seed >> 8) % len] ^= (uint8_t) (1 + (seed >> 24) % 255);
		seed = seed * 1103515245 + 12345;
		copy[(seed >> 8) % len] = (uint8_t) (seed >> 24);
		parse_and_render(copy, len, &parsed, &failed);
	}
	free(copy);
	CHECK(parsed > 0 && failed > 0);
}

/* The caller's allocator is used for everything, and failures are clean. */
static void
test_parse_allocator(void)
{
	size_t		len;
	uint8_t    *buf = pack_txn(txn_rich(0), &len);
	TestAllocator ta;
	const W2eAllocator *a;
	W2eTransaction *txn = NULL;
	W2eError	err;
	long		fail_after;

	a = test_allocator(&ta, -1);
	txn = w2e_transaction_parse(buf, len, a, &err);
	CHECK(txn != NULL && ta.allocs > 10);
	w2e_transaction_free(txn, a);
	CHECK_INT(ta.frees, ta.allocs);

	txn = NULL;
	for (fail_after = 0; txn == NULL && fail_after < 10000; fail_after++)
	{
		a = test_allocator(&ta, fail_after);
		txn = w2e_transaction_parse(buf, len, a, &err);
		if (txn == NULL)
		{
			CHECK_INT(ta.frees, ta.allocs);
			CHECK(strstr(err.message, "out of memory") != NULL);
		}
	}
	CHECK(txn != NULL);
	w2e_transaction_free(txn, a);
	CHECK_INT(ta.frees, ta.allocs);
}

const UnitTest parse_tests[] = {
	{"parse: round trip gives the same JSON; empty and NULL input", test_round_trip},
	{"parse: row change relation index out of range", test_relation_index},
	{"parse: new value counts per operation", test_new_value_counts},
	{"parse: old value counts per old_identity", test_old_value_counts},
	{"parse: unknown operation, old_identity, missing body", test_unknown_enums_and_body},
	{"parse: values without kind, misplaced TOAST, bad uuid/time, deep arrays", test_bad_values},
	{"parse: arrays nested 100000 deep are refused before unpacking", test_nesting_bomb},
	{"parse: garbage and wrong wire types", test_garbage},
	{"parse: every prefix of a message parses or fails cleanly", test_every_prefix},
	{"parse: 3000 mutated messages parse or fail cleanly", test_mutations},
	{"parse: caller's allocator, and failure at every allocation", test_parse_allocator},
	{NULL, NULL}
};
