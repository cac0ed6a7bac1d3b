/*
 * option_values.c
 *    Durations, sizes and counts as the command lines write them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "option_values.h"

/* "500ms", "10s", "2m", "1h", "30" (seconds) -> milliseconds. */
int
parse_duration(const char *text, int64_t *ms)
{
	char	   *end;
	double		v;
	double		unit = 1000;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || !(v >= 0))	/* also refuses "nan" */
		return -1;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		unit = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else
		return -1;
	if (v * unit > 1e12)
		return -1;
	*ms = (int64_t) (v * unit + 0.5);
	return 0;
}

/* "65536", "512KB", "64MB", "1GB" (powers of 1024). */
int
parse_size(const char *text, int64_t *bytes)
{
	char	   *end;
	long long	v;
	int64_t		unit = 1;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || v <= 0)
		return -1;
	if (strcmp(end, "KB") == 0 || strcmp(end, "kB") == 0 || strcmp(end, "K") == 0)
		unit = 1024;
	else if (strcmp(end, "MB") == 0 || strcmp(end, "M") == 0)
		unit = 1024 * 1024;
	else if (strcmp(end, "GB") == 0 || strcmp(end, "G") == 0)
		unit = 1024 * 1024 * 1024;
	else if (*end != '\0' && strcmp(end, "B") != 0)
		return -1;
	if (v > INT64_MAX / unit / 4)
		return -1;
	*bytes = v * unit;
	return 0;
}

/* A whole decimal number from min to max. */
int
parse_count(const char *text, int64_t min, int64_t max, int64_t *count)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*count = v;
	return 0;
}
