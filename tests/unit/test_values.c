/*
 * test_values.c
 *    Every value kind as JSON, with its extremes.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "build.h"
#include "harness.h"

#define CHECK_VALUE(value, want) CHECK_STR(value_json(value), want)

static void
test_scalars(void)
{
	CHECK_VALUE(v_null(), "null");
	CHECK_VALUE(v_bool(1), "true");
	CHECK_VALUE(v_bool(0), "false");
	CHECK_VALUE(v_int(0), "0");
	CHECK_VALUE(v_int(-42), "-42");
	CHECK_VALUE(v_int(INT64_MIN), "-9223372036854775808");
	CHECK_VALUE(v_int(INT64_MAX), "9223372036854775807");
	CHECK_VALUE(v_numeric("12.30"), "\"12.30\"");
	CHECK_VALUE(v_numeric("-Infinity"), "\"-Infinity\"");
	CHECK_VALUE(v_interval(1, -2, 3000000), "{\"months\":1,\"days\":-2,\"microseconds\":3000000}");
	CHECK_VALUE(v_interval(INT32_MIN, INT32_MAX, INT64_MIN),
				"{\"months\":-2147483648,\"days\":2147483647,\"microseconds\":-9223372036854775808}");
}

static void
test_float32(void)
{
	CHECK_VALUE(v_f32(1.1f), "1.1");
	CHECK_VALUE(v_f32(0.1f), "0.1");
	CHECK_VALUE(v_f32(1.0f), "1");
	CHECK_VALUE(v_f32(-0.0f), "-0");
	CHECK_VALUE(v_f32(3.14159274f), "3.1415927");
	CHECK_VALUE(v_f32(16777216.0f), "16777216");
	CHECK_VALUE(v_f32(100000.0f), "100000");
	CHECK_VALUE(v_f32(1000000.0f), "1e+06");
	CHECK_VALUE(v_f32(0.0001f), "0.0001");
	CHECK_VALUE(v_f32(0.00001f), "1e-05");
	CHECK_VALUE(v_f32(1e20f), "1e+20");
	CHECK_VALUE(v_f32(FLT_MAX), "3.4028235e+38");
	CHECK_VALUE(v_f32(FLT_MIN), "1.1754944e-38");
	CHECK_VALUE(v_f32(1e-45f), "1e-45");	/* smallest denormal */
	CHECK_VALUE(v_f32(NAN), "\"NaN\"");
	CHECK_VALUE(v_f32(INFINITY), "\"Infinity\"");
	CHECK_VALUE(v_f32(-INFINITY), "\"-Infinity\"");
}

static void
test_float64(void)
{
	CHECK_VALUE(v_f64(0.1), "0.1");
	CHECK_VALUE(v_f64(0.1 + 0.2), "0.30000000000000004");
	CHECK_VALUE(v_f64(100.0), "100");
	CHECK_VALUE(v_f64(123456789012345.0), "123456789012345");
	CHECK_VALUE(v_f64(1e15), "1e+15");
	CHECK_VALUE(v_f64(-1.5e14), "-150000000000000");
	CHECK_VALUE(v_f64(-0.0), "-0");
	CHECK_VALUE(v_f64((double) 1.1f), "1.100000023841858");
	CHECK_VALUE(v_f64(1e300), "1e+300");
	CHECK_VALUE(v_f64(DBL_MAX), "1.7976931348623157e+308");
	CHECK_VALUE(v_f64(5e-324), "5e-324");	/* smallest denormal */
	CHECK_VALUE(v_f64(2.2250738585072014e-308), "2.2250738585072014e-308");
	CHECK_VALUE(v_f64(123456789012345680.0), "1.2345678901234568e+17");
	CHECK_VALUE(v_f64(NAN), "\"NaN\"");
	CHECK_VALUE(v_f64(-INFINITY), "\"-Infinity\"");
}

static void
test_text(void)
{
	CHECK_VALUE(v_text(""), "\"\"");
	CHECK_VALUE(v_text("plain / text"), "\"plain / text\"");
	CHECK_VALUE(v_text("a\"b\\c"), "\"a\\\"b\\\\c\"");
	CHECK_VALUE(v_text("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
	CHECK_VALUE(v_text("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
	CHECK_VALUE(v_text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
				"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");	/* é € 😀 kept */
}

/* Each byte that does not start a well-formed sequence becomes U+FFFD. */
static void
test_text_invalid_utf8(void)
{
	CHECK_VALUE(v_text("a\xff" "b"), "\"a\\ufffdb\"");
	CHECK_VALUE(v_text("\xc0\xaf"), "\"\\ufffd\\ufffd\"");	/* overlong '/' */
	CHECK_VALUE(v_text("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	CHECK_VALUE(v_text("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* > U+10FFFF */
	CHECK_VALUE(v_text("x\xe2\x82"), "\"x\\ufffd\\ufffd\"");	/* cut short */
	CHECK_VALUE(v_text("\x80\xc3\xa9"), "\"\\ufffd\xc3\xa9\"");	/* stray continuation */
}

static void
test_bytes_and_uuid(void)
{
	const uint8_t bytes[] = {0x0a, 0x0b, 0xff, 0x00};
	const uint8_t uuid[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

	CHECK_VALUE(v_bytes(bytes, 0), "\"\\\\x\"");
	CHECK_VALUE(v_bytes(bytes, 4), "\"\\\\x0a0bff00\"");
	CHECK_VALUE(v_uuid(uuid, 16), "\"01234567-89ab-cdef-0123-456789abcdef\"");
	CHECK_VALUE(v_uuid(uuid, 5), "ERROR: uuid_value has 5 bytes, expected 16");
	CHECK_VALUE(v_uuid(uuid, 0), "ERROR: uuid_value has 0 bytes, expected 16");
}

static void
test_datetime_values(void)
{
	CHECK_VALUE(v_date(0), "\"1970-01-01\"");
	CHECK_VALUE(v_date(INT32_MIN), "\"-infinity\"");
	CHECK_VALUE(v_date(INT32_MAX), "\"infinity\"");
	CHECK_VALUE(v_date(-2440550), "\"-4712-01-01\"");
	CHECK_VALUE(v_ts(-1), "\"1969-12-31T23:59:59.999999\"");
	CHECK_VALUE(v_ts(INT64_MAX), "\"infinity\"");
	CHECK_VALUE(v_tstz(EXAMPLE_COMMIT_TIME), "\"2026-11-26T21:00:00.123456Z\"");
	CHECK_VALUE(v_tstz(INT64_MIN), "\"-infinity\"");
	CHECK_VALUE(v_time(INT64_C(86400000000)), "\"24:00:00\"");
	CHECK_VALUE(v_time(1), "\"00:00:00.000001\"");
	CHECK_VALUE(v_time(-1), "ERROR: time_value -1 is outside 00:00:00..24:00:00");
}

static void
test_json_values(void)
{
	CHECK_VALUE(v_json(" { \"a\" : [ 1 , 2 ] ,\n\t\"b c\" : \"x  y\\n\" } "),
				"{\"a\":[1,2],\"b c\":\"x  y\\n\"}");
	CHECK_VALUE(v_json("{\"q\":\"say \\\"hi\\\" { [ ,\"}"), "{\"q\":\"say \\\"hi\\\" { [ ,\"}");
	CHECK_VALUE(v_json("42"), "42");
	CHECK_VALUE(v_json(" -1.5e+3 "), "-1.5e+3");
	CHECK_VALUE(v_json("\"s\""), "\"s\"");
	CHECK_VALUE(v_json("[true,false,null,{},[]]"), "[true,false,null,{},[]]");
	CHECK_VALUE(v_json("{\"u\":\"\\u00e9\\/\"}"), "{\"u\":\"\\u00e9\\/\"}");
	CHECK_VALUE(v_json("[\"\xff\"]"), "[\"\\ufffd\"]");	/* invalid UTF-8 inside */
}

/* Text that is not one JSON value is kept, as a string. */
static void
test_json_not_json(void)
{
	CHECK_VALUE(v_json(""), "\"\"");
	CHECK_VALUE(v_json("  "), "\"  \"");
	CHECK_VALUE(v_json("{a:1}"), "\"{a:1}\"");
	CHECK_VALUE(v_json("[1,]"), "\"[1,]\"");
	CHECK_VALUE(v_json("01"), "\"01\"");
	CHECK_VALUE(v_json("tru"), "\"tru\"");
	CHECK_VALUE(v_json("[] []"), "\"[] []\"");
	CHECK_VALUE(v_json("[1}"), "\"[1}\"");
	CHECK_VALUE(v_json("\"a\nb\""), "\"\\\"a\\nb\\\"\"");	/* raw newline in a string */
	CHECK_VALUE(v_json("\"\\x\""), "\"\\\"\\\\x\\\"\"");	/* bad escape */
	CHECK_VALUE(v_json("{\"a\":1"), "\"{\\\"a\\\":1\"");
	CHECK_VALUE(v_json("[1."), "\"[1.\"");
}

/* Deep nesting costs heap, not stack, and is kept. */
static void
test_json_deep(void)
{
	size_t		depth = 5000;
	char	   *text = arena_alloc(2 * depth + 1);
	char	   *bad = arena_alloc(2 * depth + 1);

	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[2 * depth] = '\0';
	CHECK_VALUE(v_json(text), text);
	memcpy(bad, text, 2 * depth);
	bad[2 * depth - 1] = '}';
	CHECK(value_json(v_json(bad))[0] == '"');
}

static void
test_arrays(void)
{
	CHECK_VALUE(v_array(0), "[]");
	CHECK_VALUE(v_array(3, v_int(1), v_null(), v_text("x")), "[1,null,\"x\"]");
	CHECK_VALUE(v_array(2, v_array(1, v_int(1)), v_array(2, v_int(2), v_array(1, v_int(3)))),
				"[[1],[2,[3]]]");
	CHECK_VALUE(v_nested_array(8, v_int(7)), "[[[[[[[[7]]]]]]]]");
	CHECK(strstr(value_json(v_nested_array(9, v_int(7))),
				 "arrays are nested more than 8 deep") != NULL);
	CHECK_VALUE(v_array(2, v_int(1), v_unset()), "ERROR: array element 1: value has no kind");
}

static void
test_value_errors(void)
{
	CHECK_VALUE(v_unset(), "ERROR: value has no kind");
	CHECK_VALUE(v_toast(), "ERROR: unchanged TOAST value where only a real value can be");
	CHECK_VALUE(NULL, "ERROR: value is missing");
}

const UnitTest value_tests[] = {
	{"value: null, bool, int extremes, numeric, interval", test_scalars},
	{"value: float32 shortest round trip, -0, denormal, NaN, infinities", test_float32},
	{"value: float64 shortest round trip, extremes", test_float64},
	{"value: text escapes and UTF-8", test_text},
	{"value: invalid UTF-8 becomes U+FFFD", test_text_invalid_utf8},
	{"value: bytea hex and uuid", test_bytes_and_uuid},
	{"value: date, timestamp, timestamptz, time", test_datetime_values},
	{"value: json compacted outside strings only", test_json_values},
	{"value: text that is not JSON becomes a string", test_json_not_json},
	{"value: json nested 5000 deep", test_json_deep},
	{"value: arrays, nested arrays and the depth limit", test_arrays},
	{"value: no kind, misplaced TOAST, missing", test_value_errors},
	{NULL, NULL}
};
