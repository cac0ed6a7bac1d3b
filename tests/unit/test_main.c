/*
 * test_main.c
 *    Runs every unit test suite and prints one line per test, then
 *    "N passed, N failed". Exits 1 if anything failed.
 *
 *    ./test_unit            all tests
 *    ./test_unit WORD       only tests whose name contains WORD
 */
#include <stdarg.h>
#include <stdio.h>

#include "build.h"
#include "harness.h"

static int	current_failures;

void
unit_fail(const char *file, int line, const char *fmt,...)
{
	va_list		args;

	if (current_failures++ == 0)
		printf("\n");
	printf("    %s:%d: ", file, line);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
}

int
main(int argc, char **argv)
{
	const UnitTest *suites[] = {
		buffer_tests, frame_tests, event_id_tests, datetime_tests,
		value_tests, json_tests, parse_tests, envelope_parse_tests, wire_field_tests,
		nats_parser_tests, lake_tests, option_value_tests,
	};
	const char *filter = argc > 1 ? argv[1] : NULL;
	int			passed = 0;
	int			failed = 0;
	size_t		s;
	const UnitTest *t;

	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
	{
		for (t = suites[s]; t->name != NULL; t++)
		{
			if (filter != NULL && strstr(t->name, filter) == NULL)
				continue;
			current_failures = 0;
			printf("%s ...", t->name);
			fflush(stdout);
			t->run();
			arena_free_all();
			if (current_failures == 0)
				printf(" ok\n");
			else
				printf("FAILED %s\n", t->name);
			if (current_failures == 0)
				passed++;
			else
				failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
