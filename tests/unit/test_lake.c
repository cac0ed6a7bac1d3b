/*
 * test_lake.c
 *    The event lake's pure parts (src/cli/lake): file names and Hive
 *    partitions and reading them back, commit times as the JSON lines
 *    write them and replay's --since/--until forms, the top-level field
 *    reader replay and the index use, and --type patterns.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "lake_json.h"
#include "lake_layout.h"
#include "lake_reader.h"
#include "lake_time.h"

/* 2026-11-30T16:05:00.123456Z */
#define T_2026_11_30_1605 INT64_C(1796054700123456)

static void
test_partition_of_commit_time(void)
{
	char		key[LAKE_KEY_MAX];

	CHECK(lake_partition(key, sizeof(key), "EVENTS", lake_hour_of(T_2026_11_30_1605)) == 0);
	CHECK_STR(key, "stream=EVENTS/date=2026-11-30/hour=16");
	/* the last microsecond of an hour, and the first of the next */
	CHECK_INT(lake_hour_of(INT64_C(3600000000) - 1), 0);
	CHECK_INT(lake_hour_of(INT64_C(3600000000)), 1);
	/* before 1970 the hour is the one that starts before the time */
	CHECK_INT(lake_hour_of(-1), -1);
	CHECK(lake_partition(key, sizeof(key), "S", -1) == 0);
	CHECK_STR(key, "stream=S/date=1969-12-31/hour=23");
	CHECK(lake_partition(key, 20, "EVENTS", 0) != 0);	/* does not fit: an error, not a cut */
}

static void
test_file_keys_round_trip(void)
{
	char		key[LAKE_KEY_MAX];
	char		index[LAKE_KEY_MAX];
	LakeKey		k;
	int64_t		hour = lake_hour_of(T_2026_11_30_1605);

	CHECK(lake_data_key(key, sizeof(key), "EVENTS", hour, 1, 812, LAKE_FORMAT_NDJSON) == 0);
	CHECK_STR(key, "stream=EVENTS/date=2026-11-30/hour=16/00000000000000000001-00000000000000000812.ndjson.zst");
	lake_parse_key(key, &k);
	CHECK_INT(k.kind, LAKE_OBJECT_DATA);
	CHECK_INT(k.format, LAKE_FORMAT_NDJSON);
	CHECK_STR(k.stream, "EVENTS");
	CHECK_INT(k.hour, hour);
	CHECK_INT(k.first_seq, 1);
	CHECK_INT(k.last_seq, 812);
	CHECK(lake_index_key_of(&k, index, sizeof(index)) == 0);
	CHECK_STR(index, "stream=EVENTS/date=2026-11-30/hour=16/00000000000000000001-00000000000000000812.index.json");
	lake_parse_key(index, &k);
	CHECK_INT(k.kind, LAKE_OBJECT_INDEX);

	CHECK(lake_data_key(key, sizeof(key), "E", hour, UINT64_MAX - 1, UINT64_MAX, LAKE_FORMAT_PROTOBUF) == 0);
	lake_parse_key(key, &k);
	CHECK_INT(k.kind, LAKE_OBJECT_DATA);
	CHECK_INT(k.format, LAKE_FORMAT_PROTOBUF);
	CHECK(k.last_seq == UINT64_MAX);

	/* names sort as their ranges */
	{
		char		a[LAKE_KEY_MAX],
					b[LAKE_KEY_MAX];

		CHECK(lake_data_key(a, sizeof(a), "E", hour, 9, 10, LAKE_FORMAT_NDJSON) == 0);
		CHECK(lake_data_key(b, sizeof(b), "E", hour, 11, 100, LAKE_FORMAT_NDJSON) == 0);
		CHECK(strcmp(a, b) < 0);
	}
}

static void
test_foreign_keys_are_not_ours(void)
{
	static const char *const others[] = {
		"stream=EVENTS/date=2026-11-30/hour=16/.00000000000000000001-00000000000000000812.ndjson.zst.tmp",
		"stream=EVENTS/date=2026-11-30/hour=16/00000000000000000001-00000000000000000812.ndjson",
		"stream=EVENTS/date=2026-11-30/hour=24/00000000000000000001-00000000000000000812.ndjson.zst",
		"stream=EVENTS/date=2026-13-30/hour=16/00000000000000000001-00000000000000000812.ndjson.zst",
		"stream=EVENTS/date=2026-11-30/hour=16/00000000000000000812-00000000000000000001.ndjson.zst",
		"stream=EVENTS/date=2026-11-30/hour=16/1-812.ndjson.zst",
		"EVENTS/date=2026-11-30/hour=16/00000000000000000001-00000000000000000812.ndjson.zst",
		"stream=EVENTS/notes.txt",
		"",
	};
	size_t		i;
	LakeKey		k;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
	{
		lake_parse_key(others[i], &k);
		if (k.kind != LAKE_OBJECT_OTHER)
			unit_fail(__FILE__, __LINE__, "taken as a lake file: %s", others[i]);
	}
	CHECK(lake_stream_name_valid("EVENTS_2-b"));
	CHECK(!lake_stream_name_valid("a/b"));
	CHECK(!lake_stream_name_valid("a.b"));
	CHECK(!lake_stream_name_valid(""));
}

static void
test_times(void)
{
	char		text[LAKE_TIME_TEXT_MAX];
	int64_t		t = 0;

	lake_time_format(text, sizeof(text), T_2026_11_30_1605);
	CHECK_STR(text, "2026-11-30T16:05:00.123456Z");
	CHECK(lake_time_parse(text, strlen(text), &t) == 0);
	CHECK(t == T_2026_11_30_1605);
	lake_time_format(text, sizeof(text), -1);
	CHECK_STR(text, "1969-12-31T23:59:59.999999Z");
	CHECK(lake_time_parse(text, strlen(text), &t) == 0 && t == -1);

	CHECK(lake_time_parse("2026-11-30", 10, &t) == 0 && t == INT64_C(1795996800000000));
	CHECK(lake_time_parse("2026-11-30T16", 13, &t) == 0 && t == INT64_C(1796054400000000));
	CHECK(lake_time_parse("2026-11-30 16:05", 16, &t) == 0 && t == INT64_C(1796054700000000));
	CHECK(lake_time_parse("2026-11-30T17:05:00+01:00", 25, &t) == 0 && t == INT64_C(1796054700000000));
	CHECK(lake_time_parse("2026-11-30T16:05:00.5Z", 22, &t) == 0 && t == INT64_C(1796054700500000));
	CHECK(lake_time_parse("2026-11-30T25", 13, &t) != 0);
	CHECK(lake_time_parse("2026-11-3", 9, &t) != 0);
	CHECK(lake_time_parse("yesterday", 9, &t) != 0);
	CHECK(lake_time_parse("2026-11-30T16:05:00Zjunk", 24, &t) != 0);
}

typedef struct Seen
{
	char		names[256];
	W2eBuffer	type;
	int64_t		n;
	char		kinds[16];
} Seen;

static int
member(void *ctx, const char *name, size_t len, const LakeJsonValue *v)
{
	Seen	   *s = ctx;

	strncat(s->names, name, len);
	strcat(s->names, ",");
	strncat(s->kinds, &v->kind, 1);
	if (LAKE_JSON_IS(name, len, "type"))
		return lake_json_string(v, &s->type);
	if (LAKE_JSON_IS(name, len, "n"))
		return lake_json_i64(v, &s->n);
	return 0;
}

static void
test_json_members(void)
{
	const char *line = "{\"id\":\"1/2/3\",\"new\":{\"a\":[1,{\"b\":\"}]\\\"\"}],\"c\":null},"
		"\"type\":\"caf\\u00e9 \\\"x\\\"\\n\\ud83d\\ude00\",\"n\":-42,\"ok\":true}";
	Seen		s;

	memset(&s, 0, sizeof(s));
	w2e_buffer_init(&s.type, NULL);
	CHECK(lake_json_members(line, strlen(line), member, &s) == 0);
	CHECK_STR(s.names, "id,new,type,n,ok,");
	CHECK_STR(s.kinds, "sosnt");
	CHECK_STR(s.type.data, "caf\xc3\xa9 \"x\"\n\xf0\x9f\x98\x80");
	CHECK_INT(s.n, -42);
	w2e_buffer_free(&s.type);

	memset(&s, 0, sizeof(s));
	CHECK(lake_json_members("[1,2]", 5, member, &s) != 0);
	CHECK(lake_json_members("{\"a\":1", 6, member, &s) != 0);
	CHECK(lake_json_members("{\"a\":\"x}", 8, member, &s) != 0);
	CHECK(lake_json_members("{\"a\" 1}", 7, member, &s) != 0);
	CHECK(lake_json_members("{}", 2, member, &s) == 0);
}

static void
test_numbers(void)
{
	LakeJsonValue v = {"18446744073709551615", 20, 's', 0};
	uint64_t	u;
	int64_t		i;

	CHECK(lake_json_u64(&v, &u) == 0 && u == UINT64_MAX);
	v.text = "18446744073709551616";
	CHECK(lake_json_u64(&v, &u) != 0);
	v.text = "-9223372036854775807";
	v.kind = 'n';
	CHECK(lake_json_i64(&v, &i) == 0 && i == -INT64_MAX);
	v.text = "12x";
	v.len = 3;
	CHECK(lake_json_u64(&v, &u) != 0);
}

static void
test_type_patterns(void)
{
	CHECK(lake_glob_match("orders-*", "orders-created"));
	CHECK(lake_glob_match("*", ""));
	CHECK(lake_glob_match("*-created", "orders-created"));
	CHECK(lake_glob_match("o*d*d", "orders-created"));
	CHECK(lake_glob_match("orders-created", "orders-created"));
	CHECK(!lake_glob_match("orders-*", "order-created"));
	CHECK(!lake_glob_match("orders", "orders-created"));
	CHECK(!lake_glob_match("*x", "orders-created"));
	CHECK(lake_glob_match("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaab"));
	CHECK(!lake_glob_match("a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

const UnitTest lake_tests[] = {
	{"lake: a commit time's Hive partition", test_partition_of_commit_time},
	{"lake: file names carry their range and read back", test_file_keys_round_trip},
	{"lake: temporary and foreign names are not lake files", test_foreign_keys_are_not_ours},
	{"lake: commit times and --since/--until forms", test_times},
	{"lake: top-level JSON members, nested values skipped", test_json_members},
	{"lake: whole numbers in JSON", test_numbers},
	{"lake: --type patterns", test_type_patterns},
	{NULL, NULL}
};
