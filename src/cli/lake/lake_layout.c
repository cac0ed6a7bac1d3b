/*
 * lake_layout.c
 *    Keys of the event lake (see lake_layout.h).
 */
#define _DEFAULT_SOURCE		/* timegm */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lake_layout.h"

#define DATA_SUFFIX_NDJSON ".ndjson.zst"
#define DATA_SUFFIX_PROTOBUF ".envelopes.zst"
#define INDEX_SUFFIX ".index.json"
#define SEQ_DIGITS 20

int64_t
lake_hour_of(int64_t time_us)
{
	/* floor division: a time before 1970 belongs to the hour that starts before it */
	return time_us >= 0 ? time_us / LAKE_HOUR_US : -((-time_us + LAKE_HOUR_US - 1) / LAKE_HOUR_US);
}

static int
fits(int n, size_t size)
{
	return n >= 0 && (size_t) n < size ? 0 : -1;
}

int
lake_partition(char *out, size_t size, const char *stream, int64_t hour)
{
	time_t		t = (time_t) (hour * 3600);
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	return fits(snprintf(out, size, "stream=%s/date=%04d-%02d-%02d/hour=%02d", stream,
						 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour), size);
}

static int
file_key(char *out, size_t size, const char *stream, int64_t hour, uint64_t first_seq,
		 uint64_t last_seq, const char *suffix)
{
	char		partition[LAKE_KEY_MAX];

	if (lake_partition(partition, sizeof(partition), stream, hour) != 0)
		return -1;
	return fits(snprintf(out, size, "%s/%0*llu-%0*llu%s", partition,
						 SEQ_DIGITS, (unsigned long long) first_seq,
						 SEQ_DIGITS, (unsigned long long) last_seq, suffix), size);
}

int
lake_data_key(char *out, size_t size, const char *stream, int64_t hour, uint64_t first_seq,
			  uint64_t last_seq, LakeFormat format)
{
	return file_key(out, size, stream, hour, first_seq, last_seq,
					format == LAKE_FORMAT_PROTOBUF ? DATA_SUFFIX_PROTOBUF : DATA_SUFFIX_NDJSON);
}

int
lake_index_key(char *out, size_t size, const char *stream, int64_t hour, uint64_t first_seq,
			   uint64_t last_seq)
{
	return file_key(out, size, stream, hour, first_seq, last_seq, INDEX_SUFFIX);
}

int
lake_index_key_of(const LakeKey *data, char *out, size_t size)
{
	return lake_index_key(out, size, data->stream, data->hour, data->first_seq, data->last_seq);
}

int
lake_stream_prefix(char *out, size_t size, const char *stream)
{
	return fits(snprintf(out, size, "stream=%s/", stream), size);
}

int
lake_stream_name_valid(const char *name)
{
	const char *p;

	if (name[0] == '\0' || strlen(name) > 200)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* n digits at p into *v: 0, or -1. */
static int
digits(const char *p, int n, uint64_t *v)
{
	int			i;

	*v = 0;
	for (i = 0; i < n; i++)
	{
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t) (p[i] - '0');
	}
	return 0;
}

/* "date=YYYY-MM-DD/hour=HH/" at p: the hour since the epoch; -1 on mismatch. */
static int
parse_partition(const char *p, int64_t *hour, const char **rest)
{
	uint64_t	y,
				mo,
				d,
				h;
	struct tm	tm;

	if (strncmp(p, "date=", 5) != 0 || digits(p + 5, 4, &y) != 0 || p[9] != '-' ||
		digits(p + 10, 2, &mo) != 0 || p[12] != '-' || digits(p + 13, 2, &d) != 0 ||
		strncmp(p + 15, "/hour=", 6) != 0 || digits(p + 21, 2, &h) != 0 || p[23] != '/' ||
		mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int) y - 1900;
	tm.tm_mon = (int) mo - 1;
	tm.tm_mday = (int) d;
	*hour = (int64_t) (timegm(&tm) / 3600) + (int64_t) h;
	*rest = p + 24;
	return 0;
}

void
lake_parse_key(const char *key, LakeKey *k)
{
	const char *slash;
	const char *name;
	const char *suffix;
	size_t		len;

	memset(k, 0, sizeof(*k));
	if (strncmp(key, "stream=", 7) != 0 || (slash = strchr(key + 7, '/')) == NULL ||
		(size_t) (slash - key - 7) >= sizeof(k->stream) ||
		parse_partition(slash + 1, &k->hour, &name) != 0)
		return;
	memcpy(k->stream, key + 7, (size_t) (slash - key - 7));
	len = strlen(name);
	if (len < 2 * SEQ_DIGITS + 1 || name[SEQ_DIGITS] != '-' ||
		digits(name, SEQ_DIGITS, &k->first_seq) != 0 ||
		digits(name + SEQ_DIGITS + 1, SEQ_DIGITS, &k->last_seq) != 0 ||
		k->first_seq > k->last_seq)
		return;
	suffix = name + 2 * SEQ_DIGITS + 1;
	if (strcmp(suffix, DATA_SUFFIX_NDJSON) == 0)
		k->kind = LAKE_OBJECT_DATA;
	else if (strcmp(suffix, DATA_SUFFIX_PROTOBUF) == 0)
	{
		k->kind = LAKE_OBJECT_DATA;
		k->format = LAKE_FORMAT_PROTOBUF;
	}
	else if (strcmp(suffix, INDEX_SUFFIX) == 0)
		k->kind = LAKE_OBJECT_INDEX;
}
