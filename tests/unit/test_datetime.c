/*
 * test_datetime.c
 *    Date, timestamp and time text, including the extremes, checked against
 *    values computed independently (Python's datetime shifted by 400-year
 *    cycles) and against a day-by-day walk of the calendar.
 */
#include <stdio.h>

#include "build.h"
#include "harness.h"

#define USECS_PER_DAY INT64_C(86400000000)

static const char *
date_text(int32_t days)
{
	static char text[W2E_DATETIME_MAX];

	w2e_format_date(text, days);
	return text;
}

static const char *
ts_text(int64_t usecs, int with_zone)
{
	static char text[W2E_DATETIME_MAX];

	w2e_format_timestamp(text, usecs, with_zone);
	return text;
}

static void
test_dates(void)
{
	CHECK_STR(date_text(0), "1970-01-01");
	CHECK_STR(date_text(-1), "1969-12-31");
	CHECK_STR(date_text(11016), "2000-02-29");	/* leap day, 400-year rule */
	CHECK_STR(date_text(-25509), "1900-02-28");	/* 1900 is no leap year */
	CHECK_STR(date_text(-25508), "1900-03-01");
	CHECK_STR(date_text(47540), "2100-02-28");
	CHECK_STR(date_text(INT32_MIN), "-infinity");
	CHECK_STR(date_text(INT32_MAX), "infinity");
	CHECK_STR(date_text(INT32_MIN + 1), "-5877641-06-24");
	CHECK_STR(date_text(INT32_MAX - 1), "+5881580-07-10");
}

/* Astronomical years: 1 BC is 0000, 2 BC is -0001; '+' only above 9999. */
static void
test_date_years(void)
{
	CHECK_STR(date_text(-719528), "0000-01-01");
	CHECK_STR(date_text(-719469), "0000-02-29");	/* 1 BC was a leap year */
	CHECK_STR(date_text(-719529), "-0001-12-31");
	CHECK_STR(date_text(-735525), "-0044-03-15");
	CHECK_STR(date_text(-2440550), "-4712-01-01");	/* 4713 BC */
	CHECK_STR(date_text(-2440588), "-4713-11-24");	/* Julian day 0 */
	CHECK_STR(date_text(2932896), "9999-12-31");
	CHECK_STR(date_text(2932897), "+10000-01-01");
	CHECK_STR(date_text(106762939), "+294276-12-31");
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* civil_from_days agrees with walking the calendar a day at a time. */
static void
test_date_walk(void)
{
	int64_t		y = 1970;
	int			m = 1;
	int			d = 1;
	int64_t		days;
	int64_t		gy;
	int			gm;
	int			gd;
	int			bad = 0;

	for (days = 0; days <= 1500000 && bad < 5; days++)
	{
		w2e_civil_from_days(days, &gy, &gm, &gd);
		if (gy != y || gm != m || gd != d)
		{
			bad++;
			unit_fail(__FILE__, __LINE__, "day %lld", (long long) days);
		}
		if (++d > month_days(y, m))
		{
			d = 1;
			if (++m > 12)
			{
				m = 1;
				y++;
			}
		}
	}
	y = 1970;
	m = 1;
	d = 1;
	for (days = 0; days >= -1500000 && bad < 5; days--)
	{
		w2e_civil_from_days(days, &gy, &gm, &gd);
		if (gy != y || gm != m || gd != d)
		{
			bad++;
			unit_fail(__FILE__, __LINE__, "day %lld", (long long) days);
		}
		if (--d == 0)
		{
			if (--m == 0)
			{
				m = 12;
				y--;
			}
			d = month_days(y, m);
		}
	}
}

static void
test_timestamps(void)
{
	CHECK_STR(ts_text(0, 0), "1970-01-01T00:00:00");
	CHECK_STR(ts_text(0, 1), "1970-01-01T00:00:00Z");
	CHECK_STR(ts_text(-1, 0), "1969-12-31T23:59:59.999999");
	CHECK_STR(ts_text(-USECS_PER_DAY, 0), "1969-12-31T00:00:00");
	CHECK_STR(ts_text(500000, 0), "1970-01-01T00:00:00.5");
	CHECK_STR(ts_text(123450, 0), "1970-01-01T00:00:00.12345");
	CHECK_STR(ts_text(EXAMPLE_COMMIT_TIME, 1), "2026-11-26T21:00:00.123456Z");
	CHECK_STR(ts_text(11016 * USECS_PER_DAY + 86399999999, 0), "2000-02-29T23:59:59.999999");
	CHECK_STR(ts_text(INT64_C(-210863520000000000), 0), "-4712-01-01T00:00:00");	/* 4713 BC */
	CHECK_STR(ts_text(INT64_C(-210866803200000000), 0), "-4713-11-24T00:00:00");
	CHECK_STR(ts_text(INT64_MIN, 0), "-infinity");
	CHECK_STR(ts_text(INT64_MAX, 1), "infinity");	/* no zone on infinity */
	CHECK_STR(ts_text(INT64_MIN + 1, 0), "-290308-12-21T19:59:05.224193");
	CHECK_STR(ts_text(INT64_MAX - 1, 1), "+294247-01-10T04:00:54.775806Z");
}

static void
test_times(void)
{
	char		text[W2E_DATETIME_MAX];

	CHECK_INT(w2e_format_time(text, 0), 0);
	CHECK_STR(text, "00:00:00");
	CHECK_INT(w2e_format_time(text, USECS_PER_DAY), 0);
	CHECK_STR(text, "24:00:00");
	CHECK_INT(w2e_format_time(text, INT64_C(45296500000)), 0);
	CHECK_STR(text, "12:34:56.5");
	CHECK_INT(w2e_format_time(text, USECS_PER_DAY - 1), 0);
	CHECK_STR(text, "23:59:59.999999");
	CHECK_INT(w2e_format_time(text, -1), -1);
	CHECK_INT(w2e_format_time(text, USECS_PER_DAY + 1), -1);
}

const UnitTest datetime_tests[] = {
	{"datetime: dates, leap days, infinities, int32 extremes", test_dates},
	{"datetime: BC and five-digit years", test_date_years},
	{"datetime: civil_from_days matches a calendar walk over +-4000 years", test_date_walk},
	{"datetime: timestamps, fractions, negative, 4713 BC, int64 extremes", test_timestamps},
	{"datetime: times of day up to 24:00:00", test_times},
	{NULL, NULL}
};
