/*
 * harness.h
 *    A very small test harness for libwal2events' unit tests.
 *
 * A test is a void function; CHECK* macros record a failure (with file and
 * line) and let the test go on, so one run shows every broken expectation.
 * Each test file exports a NULL-terminated UnitTest array, which
 * test_main.c runs in order.
 */
#ifndef W2E_TEST_HARNESS_H
#define W2E_TEST_HARNESS_H

#include <stdint.h>
#include <string.h>

typedef struct UnitTest
{
	const char *name;
	void		(*run) (void);
} UnitTest;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
extern void unit_fail(const char *file, int line, const char *fmt,...);

#define CHECK(cond) \
	do { if (!(cond)) unit_fail(__FILE__, __LINE__, "%s", #cond); } while (0)

#define CHECK_STR(got, want) \
	do { \
		const char *got_ = (got), *want_ = (want); \
		if (got_ == NULL || strcmp(got_, want_) != 0) \
			unit_fail(__FILE__, __LINE__, "%s\n      got:  %s\n      want: %s", \
					  #got, got_ ? got_ : "(null)", want_); \
	} while (0)

#define CHECK_INT(got, want) \
	do { \
		long long got_ = (long long) (got), want_ = (long long) (want); \
		if (got_ != want_) \
			unit_fail(__FILE__, __LINE__, "%s: got %lld, want %lld", #got, got_, want_); \
	} while (0)

/* Suites, one per test file. */
extern const UnitTest buffer_tests[];
extern const UnitTest frame_tests[];
extern const UnitTest parse_tests[];
extern const UnitTest datetime_tests[];
extern const UnitTest value_tests[];
extern const UnitTest json_tests[];
extern const UnitTest event_id_tests[];
extern const UnitTest wire_field_tests[];
extern const UnitTest envelope_parse_tests[];
extern const UnitTest nats_parser_tests[];
extern const UnitTest lake_tests[];
extern const UnitTest option_value_tests[];

#endif
