/*
 * test_option_values.c
 *    The value syntaxes every command line shares (src/cli/common):
 *    durations, sizes and counts, and what each refuses.
 */
#include "harness.h"
#include "option_values.h"

static void
test_durations(void)
{
	int64_t		ms = -1;

	CHECK(parse_duration("500ms", &ms) == 0);
	CHECK_INT(ms, 500);
	CHECK(parse_duration("10s", &ms) == 0);
	CHECK_INT(ms, 10000);
	CHECK(parse_duration("30", &ms) == 0);	/* seconds */
	CHECK_INT(ms, 30000);
	CHECK(parse_duration("2m", &ms) == 0);
	CHECK_INT(ms, 120000);
	CHECK(parse_duration("1.5h", &ms) == 0);
	CHECK_INT(ms, 5400000);
	CHECK(parse_duration("0", &ms) == 0);
	CHECK_INT(ms, 0);
	ms = 7;
	CHECK(parse_duration("", &ms) != 0);
	CHECK(parse_duration("-1s", &ms) != 0);
	CHECK(parse_duration("10 s", &ms) != 0);
	CHECK(parse_duration("10d", &ms) != 0);
	CHECK(parse_duration("nan", &ms) != 0);	/* was cast to an integer: undefined */
	CHECK(parse_duration("inf", &ms) != 0);
	CHECK(parse_duration("1e20s", &ms) != 0);
	CHECK_INT(ms, 7);			/* untouched by a refusal */
}

static void
test_sizes(void)
{
	int64_t		bytes = -1;

	CHECK(parse_size("65536", &bytes) == 0);
	CHECK_INT(bytes, 65536);
	CHECK(parse_size("512KB", &bytes) == 0);
	CHECK_INT(bytes, 512 * 1024);
	CHECK(parse_size("8kB", &bytes) == 0);
	CHECK_INT(bytes, 8 * 1024);
	CHECK(parse_size("64MB", &bytes) == 0);
	CHECK_INT(bytes, 64 * 1024 * 1024);
	CHECK(parse_size("1G", &bytes) == 0);
	CHECK_INT(bytes, INT64_C(1) << 30);
	CHECK(parse_size("0", &bytes) != 0);
	CHECK(parse_size("-5MB", &bytes) != 0);
	CHECK(parse_size("5TB", &bytes) != 0);
	CHECK(parse_size("MB", &bytes) != 0);
	CHECK(parse_size("99999999999999999GB", &bytes) != 0);
}

static void
test_counts(void)
{
	int64_t		n = -1;

	CHECK(parse_count("1", 1, 1000000, &n) == 0);
	CHECK_INT(n, 1);
	CHECK(parse_count("1000000", 1, 1000000, &n) == 0);
	CHECK_INT(n, 1000000);
	CHECK(parse_count("9223372036854775807", 1, INT64_MAX, &n) == 0);
	CHECK_INT(n, INT64_MAX);
	n = 7;
	CHECK(parse_count("0", 1, 10, &n) != 0);
	CHECK(parse_count("11", 1, 10, &n) != 0);
	CHECK(parse_count("", 1, 10, &n) != 0);
	CHECK(parse_count("5x", 1, 10, &n) != 0);
	CHECK(parse_count("2.5", 1, 10, &n) != 0);
	CHECK(parse_count("9223372036854775808", 1, INT64_MAX, &n) != 0);	/* overflows */
	CHECK_INT(n, 7);
}

const UnitTest option_value_tests[] = {
	{"options: durations", test_durations},
	{"options: sizes", test_sizes},
	{"options: counts", test_counts},
	{NULL, NULL}
};
