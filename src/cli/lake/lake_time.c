/*
 * lake_time.c
 *    Formatting and parsing the lake's times (see lake_time.h).
 */
#define _DEFAULT_SOURCE			/* timegm */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lake_time.h"

void
lake_time_format(char *out, size_t size, int64_t time_us)
{
	int64_t		sec = time_us >= 0 ? time_us / 1000000 : -((-time_us + 999999) / 1000000);
	int64_t		frac = time_us - sec * 1000000;
	time_t		t = (time_t) sec;
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
	{
		snprintf(out, size, "invalid");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long) frac);
}

/* n digits at *p (advanced): 0, or -1. */
static int
number(const char **p, const char *end, int n, int *v)
{
	int			i;

	*v = 0;
	for (i = 0; i < n; i++, (*p)++)
	{
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

int
lake_time_parse(const char *text, size_t len, int64_t *time_us)
{
	const char *p = text;
	const char *end = text + len;
	struct tm	tm;
	int			y,
				mo,
				d,
				h = 0,
				mi = 0,
				s = 0,
				zh,
				zm;
	int64_t		frac = 0;
	int64_t		zone_s = 0;

	if (number(&p, end, 4, &y) != 0 || p >= end || *p++ != '-' || number(&p, end, 2, &mo) != 0 ||
		p >= end || *p++ != '-' || number(&p, end, 2, &d) != 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' '))
	{
		p++;
		if (number(&p, end, 2, &h) != 0 || h > 23)
			return -1;
		if (p < end && *p == ':')
		{
			p++;
			if (number(&p, end, 2, &mi) != 0 || mi > 59)
				return -1;
			if (p < end && *p == ':')
			{
				p++;
				if (number(&p, end, 2, &s) != 0 || s > 60)
					return -1;
				if (p < end && (*p == '.' || *p == ','))
				{
					int64_t		scale = 100000;

					p++;
					if (p >= end || *p < '0' || *p > '9')
						return -1;
					for (; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10)
						frac += (int64_t) (*p - '0') * scale;
				}
			}
		}
	}
	if (p < end && (*p == 'Z' || *p == 'z'))
		p++;
	else if (p < end && (*p == '+' || *p == '-'))
	{
		int			sign = *p++ == '-' ? -1 : 1;

		if (number(&p, end, 2, &zh) != 0 || zh > 23)
			return -1;
		if (p < end && *p == ':')
			p++;
		if (number(&p, end, 2, &zm) != 0 || zm > 59)
			return -1;
		zone_s = sign * (zh * 3600 + zm * 60);
	}
	if (p != end)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*time_us = ((int64_t) timegm(&tm) - zone_s) * 1000000 + frac;
	return 0;
}
