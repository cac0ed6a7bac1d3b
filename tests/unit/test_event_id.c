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

const UnitTest event_id_tests[] = {
	{"event id: format and longest id", test_event_id_format},
	{"event id: ids sort by commit LSN", test_event_id_sorts},
	{"lsn: PostgreSQL's text form", test_lsn_format},
	{NULL, NULL}
};
