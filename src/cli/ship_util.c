/*
 * ship_util.c
 *    Small things every part of `ship` uses: message keys and ids, clocks,
 *    the runtime log line and capped exponential backoff.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ship.h"

static const char *log_command = "ship";

int
msg_key_compare(const MsgKey *a, const MsgKey *b)
{
	if (a->commit_lsn != b->commit_lsn)
		return a->commit_lsn < b->commit_lsn ? -1 : 1;
	if (a->position != b->position)
		return a->position < b->position ? -1 : 1;
	if (a->part != b->part)
		return a->part < b->part ? -1 : 1;
	return 0;
}

/* Digits only, no sign, no overflow: *end set past them. */
static int
parse_u64(const char *s, int base, uint64_t *out, const char **end)
{
	uint64_t	v = 0;
	const char *p = s;

	for (;; p++)
	{
		int			d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t) d) / (uint64_t) base)
			return -1;
		v = v * (uint64_t) base + (uint64_t) d;
	}
	if (p == s)
		return -1;
	*out = v;
	*end = p;
	return 0;
}

int
msg_id_parse(const char *id, uint64_t *system_identifier, MsgKey *key)
{
	const char *p;
	uint64_t	lsn;
	uint64_t	pos;
	uint64_t	part;

	if (id == NULL || parse_u64(id, 10, system_identifier, &p) != 0 || *p != '/')
		return -1;
	if (parse_u64(p + 1, 16, &lsn, &p) != 0 || *p != '/')
		return -1;
	if (parse_u64(p + 1, 10, &pos, &p) != 0 || pos > UINT32_MAX)
		return -1;
	key->commit_lsn = lsn;
	key->position = (uint32_t) pos;
	key->part = KEY_PART_EVENT;
	if (*p == '\0')
		return 0;
	if (strncmp(p, "/claim/", 7) != 0 || parse_u64(p + 7, 10, &part, &p) != 0 ||
		*p != '\0' || part >= KEY_PART_EVENT)
		return -1;
	key->part = (uint32_t) part;
	return 0;
}

int64_t
ship_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ship_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
ship_log_set_command(const char *command)
{
	log_command = command;
}

void
ship_log(const char *fmt,...)
{
	char		stamp[32];
	time_t		now = time(NULL);
	struct tm	tm;
	va_list		args;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s wal2events %s: ", stamp, log_command);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
}

void
backoff_init(Backoff *b, int64_t initial_ms, int64_t max_ms)
{
	b->initial_ms = initial_ms;
	b->max_ms = max_ms < initial_ms ? initial_ms : max_ms;
	b->current_ms = 0;
}

int64_t
backoff_next(Backoff *b)
{
	if (b->current_ms == 0)
		b->current_ms = b->initial_ms;
	else if (b->current_ms < b->max_ms)
		b->current_ms = b->current_ms * 2 > b->max_ms ? b->max_ms : b->current_ms * 2;
	return b->current_ms;
}

void
backoff_reset(Backoff *b)
{
	b->current_ms = 0;
}
