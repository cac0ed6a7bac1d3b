/*
 * test_event_id.c
 *    Event ids and LSN text.
 */
#include "build.h"
#include "harness.h"

static void
test_event_id_format(void)
{
	char		id[W2E_EVENT_ID_MAX];

	w2e_event_id(id, UINT64_C(7312895063207461234), 0x16B3F28, 3);
	CHECK_STR(id, "7312895063207461234/00000000016B3F28/3");
	w2e_event_id(id, 0, 0, 0);
	CHECK_STR(id, "0/0000000000000000/0");
	/* the longest id fits W2E_EVENT_ID_MAX exactly */
	w2e_event_id(id, UINT64_MAX, UINT64_MAX, UINT32_MAX);
	CHECK_STR(id, "18446744073709551615/FFFFFFFFFFFFFFFF/4294967295");
	CHECK_INT(strlen(id) + 1, W2E_EVENT_ID_MAX);
}

/* Ids of one cluster sort as strings by commit LSN, then position. */
static void
test_event_id_sorts(void)
{
	char		a[W2E_EVENT_ID_MAX];
	char		b[W2E_EVENT_ID_MAX];

	w2e_event_id(a, 1, 0xFFFFFFF, 9);
	w2e_event_id(b, 1, 0x100000000, 0);
	CHECK(strcmp(a, b) < 0);
}

static void
test_lsn_format(void)
{
	char		lsn[W2E_LSN_MAX];

	w2e_lsn_format(lsn, 0);
	CHECK_STR(lsn, "0/0");
	w2e_lsn_format(lsn, 0x16B3F28);
	CHECK_STR(lsn, "0/16B3F28");
	w2e_lsn_format(lsn, UINT64_C(0x16B374D848));
	CHECK_STR(lsn, "16/B374D848");
	w2e_lsn_format(lsn, UINT64_MAX);
	CHECK_STR(lsn, "FFFFFFFF/FFFFFFFF");
	CHECK_INT(strlen(lsn) + 1, W2E_LSN_MAX);
}

/* Iterating a transaction's events: order, ids, relations. */
static void
test_event_iter(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	W2eEvent   *outbox;
	W2eEventIter it;
	W2eEventRef ev;

	txn_add_relation(txn, orders_relation());
	row_new(row, 3, v_int(1), v_text("x"), v_numeric("1.00"));
	txn_add_event(txn, event_row(2, "orders-created", "1", row));
	outbox = event_domain(7, "order-placed", "1", "{}", 0);
	outbox->id_override = "my-own-id";
	txn_add_event(txn, outbox);
	txn_add_event(txn, event_message(9, "audit", "hi", 2));

	w2e_event_iter_init(&it, txn);
	CHECK(w2e_event_iter_next(&it, &ev) == 1);
	CHECK_INT(ev.index, 0);
	CHECK(ev.event == txn->events[0]);
	CHECK(ev.relation == txn->relations[0]);
	CHECK_STR(ev.id, EXAMPLE_ID "2");
	CHECK_STR(ev.log_id, EXAMPLE_ID "2");
	CHECK(w2e_event_iter_next(&it, &ev) == 1);
	CHECK(ev.relation == NULL);
	CHECK_STR(ev.id, "my-own-id");
	CHECK_STR(ev.log_id, EXAMPLE_ID "7");
	CHECK(w2e_event_iter_next(&it, &ev) == 1);
	CHECK_INT(ev.index, 2);
	CHECK_STR(ev.id, EXAMPLE_ID "9");
	CHECK(w2e_event_iter_next(&it, &ev) == 0);
	CHECK(w2e_event_iter_next(&it, &ev) == 0);

	/* no events: nothing */
	w2e_event_iter_init(&it, txn_example());
	CHECK(w2e_event_iter_next(&it, &ev) == 0);
}

const UnitTest event_id_tests[] = {
	{"event iter: order, ids, relations", test_event_iter},
	{"event id: format and longest id", test_event_id_format},
	{"event id: ids sort by commit LSN", test_event_id_sorts},
	{"lsn: PostgreSQL's text form", test_lsn_format},
	{NULL, NULL}
};
