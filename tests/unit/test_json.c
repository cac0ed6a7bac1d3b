/*
 * test_json.c
 *    Whole transactions as JSON: the header, every event body, and what is
 *    left out when it does not apply.
 */
#include <stdio.h>

#include "build.h"
#include "harness.h"

/* The expected line for txn's header followed by these events. */
#define LINE(events) EXAMPLE_HEADER ",\"events\":[" events "]}"
#define EVENT(pos, lsn, type, key) \
	"{\"id\":\"" EXAMPLE_ID #pos "\",\"position\":" #pos ",\"lsn\":\"" lsn \
	"\",\"type\":\"" type "\",\"partition_key\":\"" key "\""

static void
test_header(void)
{
	W2eTransaction *txn = txn_example();
	W2eError	err;

	CHECK_STR(to_json(txn, &err), LINE(""));
	txn->origin = "o1";
	txn->origin_lsn = 5;
	txn->non_transactional = 1;
	CHECK_STR(to_json(txn, &err),
			  "{\"xid\":744,\"commit_lsn\":\"0/16B3F28\",\"commit_time\":\"2026-11-26T21:00:00.123456Z\","
			  "\"database\":\"db\",\"system_identifier\":\"7312895063207461234\",\"origin\":\"o1\","
			  "\"origin_lsn\":\"0/5\",\"chunk\":0,\"last_chunk\":true,\"non_transactional\":true,"
			  "\"events\":[]}");
}

static void
test_header_non_transactional(void)
{
	W2eTransaction *txn = txn_example();
	W2eError	err;

	txn->xid = 0;
	txn->commit_time = 0;
	txn->non_transactional = 1;
	txn->chunk = 3;
	txn->last_chunk = 0;
	txn->system_identifier = UINT64_MAX;
	txn->database = "d\"b";
	CHECK_STR(to_json(txn, &err),
			  "{\"xid\":0,\"commit_lsn\":\"0/16B3F28\",\"commit_time\":null,\"database\":\"d\\\"b\","
			  "\"system_identifier\":\"18446744073709551615\",\"chunk\":3,\"last_chunk\":false,"
			  "\"non_transactional\":true,\"events\":[]}");
	txn->non_transactional = 0;	/* a real commit at the epoch is a time */
	CHECK(strstr(to_json(txn, &err), "\"commit_time\":\"1970-01-01T00:00:00Z\"") != NULL);
}

static void
test_insert(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eError	err;

	txn_add_relation(txn, orders_relation());
	row_new(row, 3, v_int(1), v_text("first\norder"), v_numeric("12.30"));
	txn_add_event(txn, event_row(0, "orders-created", "1", row));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(0, "0/16B3E00", "orders-created", "1")
				   ",\"operation\":\"insert\",\"schema\":\"public\",\"table\":\"orders\","
				   "\"new\":{\"id\":1,\"note\":\"first\\norder\",\"total\":\"12.30\"}}"));
}

/* Unchanged TOAST: left out of "new", listed in "unchanged_toast". */
static void
test_update_toast_and_key(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_UPDATE, 1, W2E_OLD_KEY);
	W2eRowChange *row2 = row_change(W2E_OP_UPDATE, 1, W2E_OLD_NONE);
	W2eError	err;

	txn_add_relation(txn, relation("s", "t", 1, column("x", "integer", 0)));
	txn_add_relation(txn, orders_relation());
	row_new(row, 3, v_int(2), v_toast(), v_null());
	row_old(row, 1, v_int(1));
	row_new(row2, 3, v_int(2), v_toast(), v_toast());
	txn_add_event(txn, event_row(4, "orders-updated", "2", row));
	txn_add_event(txn, event_row(5, "orders-updated", "2", row2));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(4, "0/16B3F00", "orders-updated", "2")
				   ",\"operation\":\"update\",\"schema\":\"public\",\"table\":\"orders\","
				   "\"new\":{\"id\":2,\"total\":null},\"unchanged_toast\":[\"note\"],"
				   "\"old\":{\"id\":1},\"old_identity\":\"key\"},"
				   EVENT(5, "0/16B3F40", "orders-updated", "2")
				   ",\"operation\":\"update\",\"schema\":\"public\",\"table\":\"orders\","
				   "\"new\":{\"id\":2},\"unchanged_toast\":[\"note\",\"total\"]}"));
}

/* Old KEY values line up with the identity columns, wherever they are. */
static void
test_delete_key_columns(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_DELETE, 0, W2E_OLD_KEY);
	W2eError	err;

	txn_add_relation(txn, relation("public", "lines", 3,
								   column("note", "text", 0),
								   column("order_id", "integer", 1),
								   column("line", "integer", 1)));
	row_old(row, 2, v_int(10), v_int(3));
	txn_add_event(txn, event_row(0, "lines-deleted", "10,3", row));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(0, "0/16B3E00", "lines-deleted", "10,3")
				   ",\"operation\":\"delete\",\"schema\":\"public\",\"table\":\"lines\","
				   "\"old\":{\"order_id\":10,\"line\":3},\"old_identity\":\"key\"}"));
}

static void
test_delete_full_and_nothing(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *full = row_change(W2E_OP_DELETE, 0, W2E_OLD_FULL);
	W2eRowChange *nothing = row_change(W2E_OP_DELETE, 0, W2E_OLD_NONE);
	W2eError	err;

	txn_add_relation(txn, orders_relation());
	row_old(full, 3, v_int(1), v_null(), v_numeric("0"));
	txn_add_event(txn, event_row(0, "orders-deleted", "1", full));
	txn_add_event(txn, event_row(1, "orders-deleted", "", nothing));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(0, "0/16B3E00", "orders-deleted", "1")
				   ",\"operation\":\"delete\",\"schema\":\"public\",\"table\":\"orders\","
				   "\"old\":{\"id\":1,\"note\":null,\"total\":\"0\"},\"old_identity\":\"full\"},"
				   EVENT(1, "0/16B3E40", "orders-deleted", "")
				   ",\"operation\":\"delete\",\"schema\":\"public\",\"table\":\"orders\"}"));
}

static void
test_truncate(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *plain = row_change(W2E_OP_TRUNCATE, 0, W2E_OLD_NONE);
	W2eRowChange *both = row_change(W2E_OP_TRUNCATE, 0, W2E_OLD_NONE);
	W2eRowChange *insert = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eError	err;

	txn_add_relation(txn, relation("public", "t", 0));
	both->cascade = 1;
	both->restart_identity = 1;
	insert->cascade = 1;		/* ignored: not a truncate */
	txn_add_event(txn, event_row(0, "t-truncated", "", plain));
	txn_add_event(txn, event_row(1, "t-truncated", "", both));
	txn_add_event(txn, event_row(2, "t-created", "", insert));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(0, "0/16B3E00", "t-truncated", "")
				   ",\"operation\":\"truncate\",\"schema\":\"public\",\"table\":\"t\"},"
				   EVENT(1, "0/16B3E40", "t-truncated", "")
				   ",\"operation\":\"truncate\",\"schema\":\"public\",\"table\":\"t\","
				   "\"cascade\":true,\"restart_identity\":true},"
				   EVENT(2, "0/16B3E80", "t-created", "")
				   ",\"operation\":\"insert\",\"schema\":\"public\",\"table\":\"t\",\"new\":{}}"));
}

static void
test_domain_event(void)
{
	W2eTransaction *txn = txn_example();
	W2eError	err;

	txn_add_event(txn, event_domain(0, "order-shipped", "7",
									"{ \"carrier\" : \"DHL  Express\", \"n\": [1, 2] }",
									2, "source", "app", "trace\n", "a\"b"));
	txn_add_event(txn, event_domain(1, "ping", "", "null", 0));
	txn_add_event(txn, event_domain(2, "odd", "", "not json", 0));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(0, "0/16B3E00", "order-shipped", "7")
				   ",\"payload\":{\"carrier\":\"DHL  Express\",\"n\":[1,2]},"
				   "\"tags\":{\"source\":\"app\",\"trace\\n\":\"a\\\"b\"}},"
				   EVENT(1, "0/16B3E40", "ping", "")
				   ",\"payload\":null,\"tags\":{}},"
				   EVENT(2, "0/16B3E80", "odd", "")
				   ",\"payload\":\"not json\",\"tags\":{}}"));
}

static void
test_logical_message(void)
{
	W2eTransaction *txn = txn_example();
	W2eError	err;

	txn_add_event(txn, event_message(0, "p", "hello \xc3\xa9", 8));
	txn_add_event(txn, event_message(1, "p", "a\0b", 3));
	txn_add_event(txn, event_message(2, "p", "\xff\x01", 2));
	txn_add_event(txn, event_message(3, "p", "", 0));
	CHECK_STR(to_json(txn, &err),
			  LINE(EVENT(0, "0/16B3E00", "message", "")
				   ",\"prefix\":\"p\",\"content\":\"hello \xc3\xa9\"},"
				   EVENT(1, "0/16B3E40", "message", "")
				   ",\"prefix\":\"p\",\"content_hex\":\"610062\"},"
				   EVENT(2, "0/16B3E80", "message", "")
				   ",\"prefix\":\"p\",\"content_hex\":\"ff01\"},"
				   EVENT(3, "0/16B3EC0", "message", "")
				   ",\"prefix\":\"p\",\"content\":\"\"}"));
	/* protobuf-c leaves an empty bytes field as NULL (found by the fuzzer) */
	txn->events[3]->message->content.data = NULL;
	CHECK(strstr(to_json(txn, &err), ",\"content\":\"\"}]}") != NULL);
}

/* to_json appends; on failure it leaves the buffer as it was. */
static void
test_appends_and_restores(void)
{
	W2eTransaction *txn = txn_example();
	W2eBuffer	out;
	W2eError	err;
	TestAllocator ta;
	long		fail_after;
	int			r = -1;

	w2e_buffer_init(&out, NULL);
	w2e_buffer_append_str(&out, "prefix ");
	CHECK_INT(w2e_transaction_to_json(txn, &out, &err), 0);
	CHECK_STR(out.data, "prefix " LINE(""));
	w2e_buffer_free(&out);

	txn_add_event(txn, event_domain(0, "x", "", "[1]", 1, "k", "v"));
	for (fail_after = 0; r != 0 && fail_after < 100; fail_after++)
	{
		w2e_buffer_init(&out, test_allocator(&ta, fail_after));
		r = w2e_transaction_to_json(txn, &out, &err);
		if (r != 0)
		{
			CHECK_STR(out.data, "");
			CHECK_STR(err.message, "out of memory while rendering JSON");
		}
		w2e_buffer_free(&out);
		CHECK_INT(ta.allocs, ta.frees);
	}
	CHECK_INT(r, 0);
}

static W2eOversized *
oversized(uint64_t bytes, size_t digest_len)
{
	static uint8_t digest[40];
	W2eOversized *o = arena_alloc(sizeof(*o));

	wal2events__v1__oversized__init(o);
	for (size_t i = 0; i < sizeof(digest); i++)
		digest[i] = (uint8_t) i;
	o->bytes = bytes;
	o->sha256.data = digest;
	o->sha256.len = digest_len;
	return o;
}

#define DIGEST_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Oversized markers: a value, an event's body, the message's count. */
static void
test_oversized(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eValue   *big = v_unset();
	W2eEvent   *event = event_message(1, "app", "", 0);
	W2eError	err;

	big->kind_case = W2E_KIND(OVERSIZED);
	big->oversized = oversized(1000000000, 32);
	txn_add_relation(txn, orders_relation());
	row_new(row, 3, v_int(1), big, v_null());
	txn_add_event(txn, event_row(0, "orders-created", "1", row));
	event->body_case = W2E_BODY_OVERSIZED;
	event->oversized = oversized(3000, 32);
	txn_add_event(txn, event);
	txn->oversized = 2;
	CHECK_STR(to_json(txn, &err),
			  EXAMPLE_HEADER ",\"oversized\":2,\"events\":["
			  EVENT(0, "0/16B3E00", "orders-created", "1")
			  ",\"operation\":\"insert\",\"schema\":\"public\",\"table\":\"orders\","
			  "\"new\":{\"id\":1,\"note\":{\"oversized\":{\"bytes\":1000000000,\"sha256\":\"" DIGEST_HEX "\"}},"
			  "\"total\":null}},"
			  EVENT(1, "0/16B3E40", "message", "") ",\"oversized\":{\"bytes\":3000,\"sha256\":\"" DIGEST_HEX "\"}}]}");

	/* a digest that is not SHA-256's length, or no marker at all */
	event->oversized = oversized(3000, 20);
	CHECK(to_json(txn, &err) == NULL);
	CHECK_STR(err.message, "event 1: oversized marker has a 20-byte sha256, expected 32");
	event->oversized = NULL;
	CHECK(to_json(txn, &err) == NULL);
	CHECK_STR(err.message, "event 1: oversized marker is missing");
}

/* A message built in memory gets the parse-time checks. */
static void
test_invalid_in_memory(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_INSERT, 1, W2E_OLD_NONE);
	W2eBuffer	out;
	W2eError	err;

	txn_add_relation(txn, orders_relation());
	txn_add_event(txn, event_row(0, "x", "", row));
	w2e_buffer_init(&out, NULL);
	w2e_buffer_append_str(&out, "keep");
	CHECK_INT(w2e_transaction_to_json(txn, &out, &err), -1);
	CHECK_STR(err.message, "event 0: row change refers to relation 1 but the message has 1");
	CHECK_STR(out.data, "keep");
	w2e_buffer_free(&out);
	CHECK_INT(w2e_transaction_to_json(NULL, &out, &err), -1);
	CHECK_STR(err.message, "no transaction");
}

const UnitTest json_tests[] = {
	{"json: transaction header, origin, non_transactional", test_header},
	{"json: non-transactional message without commit time", test_header_non_transactional},
	{"json: insert", test_insert},
	{"json: update with unchanged TOAST and old key", test_update_toast_and_key},
	{"json: delete, old key columns in column order", test_delete_key_columns},
	{"json: delete with old full row, and with no old values", test_delete_full_and_nothing},
	{"json: truncate options", test_truncate},
	{"json: domain event payload compacted, tags", test_domain_event},
	{"json: logical message content and content_hex", test_logical_message},
	{"json: appends, and restores the buffer on failure", test_appends_and_restores},
	{"json: inconsistent message built in memory", test_invalid_in_memory},
	{"json: oversized value, event and count", test_oversized},
	{NULL, NULL}
};
