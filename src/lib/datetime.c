/*
 * datetime.c
 *    Dates, timestamps and times as ISO 8601 text.
 *
 * Values arrive as counts (days or microseconds since 1970-01-01, or since
 * midnight) and are turned into proleptic Gregorian dates with Howard
 * Hinnant's civil_from_days, which is exact for any int64 day count because
 * it works in 400-year eras and floors negative divisions itself (C
 * truncates towards zero). That covers every date (+-5.8 million years) and
 * every timestamp PostgreSQL has, 4713 BC to 294276 AD.
 *
 * Years are astronomical: 1 BC is year 0000 and 2 BC is -0001. Years
 * outside 0000..9999 use ISO 8601's expanded form with a sign ("-0044",
 * "+10000") so that the text still sorts and parses as a date.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define USECS_PER_SEC INT64_C(1000000)

/* days since 1970-01-01 to (year, month 1..12, day 1..31) */
void
w2e_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t		z = days + 719468;	/* days since 0000-03-01 */
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097; /* day of era, 0..146096 */
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* from March 1 */
	int64_t		mp = (5 * doy + 2) / 153;	/* month from March, 0..11 */

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

/* "YYYY-MM-DD" with the year rule above; returns the length written. */
static int
format_civil_date(char *out, size_t size, int64_t days)
{
	int64_t		year;
	int			month;
	int			day;
	const char *fmt;

	w2e_civil_from_days(days, &year, &month, &day);
	if (year < 0)
	{
		fmt = "-%04lld-%02d-%02d";
		year = -year;
	}
	else if (year > 9999)
		fmt = "+%lld-%02d-%02d";
	else
		fmt = "%04lld-%02d-%02d";
	return snprintf(out, size, fmt, (long long) year, month, day);
}

/* ".ffffff" without trailing zeros, nothing for a whole second. */
static void
format_fraction(char *out, size_t size, int64_t usecs)
{
	size_t		n;

	out[0] = '\0';
	if (usecs == 0)
		return;
	snprintf(out, size, ".%06lld", (long long) usecs);
	n = strlen(out);
	while (n > 1 && out[n - 1] == '0')
		out[--n] = '\0';
}

/* "HH:MM:SS[.ffffff]" of usecs since midnight (any non-negative count). */
static void
format_clock(char *out, size_t size, int64_t usecs)
{
	int64_t		secs = usecs / USECS_PER_SEC;
	int			n;

	n = snprintf(out, size, "%02lld:%02lld:%02lld",
				 (long long) (secs / 3600), (long long) (secs / 60 % 60),
				 (long long) (secs % 60));
	if (n > 0 && (size_t) n < size)
		format_fraction(out + n, size - (size_t) n, usecs % USECS_PER_SEC);
}

/* date_value: days since 1970-01-01; INT32_MIN/MAX are -infinity/infinity. */
void
w2e_format_date(char *out, int32_t days)
{
	if (days == INT32_MIN)
		strcpy(out, "-infinity");
	else if (days == INT32_MAX)
		strcpy(out, "infinity");
	else
		format_civil_date(out, W2E_DATETIME_MAX, days);
}

/* timestamp(tz)_value: usecs since 1970; with_zone appends "Z" (UTC). */
void
w2e_format_timestamp(char *out, int64_t usecs, int with_zone)
{
	int64_t		days = usecs / W2E_USECS_PER_DAY;
	int64_t		rest = usecs % W2E_USECS_PER_DAY;
	int			n;

	if (usecs == INT64_MIN || usecs == INT64_MAX)
	{
		strcpy(out, usecs == INT64_MIN ? "-infinity" : "infinity");
		return;
	}
	/* Floor, not truncate: 1969-12-31T23:59:59 is day -1 plus 86399 s. */
	if (rest < 0)
	{
		rest += W2E_USECS_PER_DAY;
		days--;
	}
	n = format_civil_date(out, W2E_DATETIME_MAX, days);
	if (n <= 0 || n >= W2E_DATETIME_MAX - 1)
		return;
	out[n++] = 'T';
	format_clock(out + n, (size_t) (W2E_DATETIME_MAX - n), rest);
	if (with_zone)
		strcat(out, "Z");
}

/* time_value: usecs since midnight, 0..24:00:00; -1 outside that. */
int
w2e_format_time(char *out, int64_t usecs)
{
	if (usecs < 0 || usecs > W2E_USECS_PER_DAY)
	{
		out[0] = '\0';
		return -1;
	}
	format_clock(out, W2E_DATETIME_MAX, usecs);
	return 0;
}
