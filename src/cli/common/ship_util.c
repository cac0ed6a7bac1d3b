/*
 * ship_util.c
 *    Small things every part of `ship` uses: message keys, LSNs, clocks,
 *    the runtime log line and capped exponential backoff.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ship_common.h"

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

int
lsn_parse(const char *text, uint64_t *lsn)
{
	unsigned int hi;
	unsigned int lo;
	int			n = 0;

	if (text == NULL || sscanf(text, "%X/%X%n", &hi, &lo, &n) != 2 || text[n] != '\0')
		return -1;
	*lsn = ((uint64_t) hi << 32) | lo;
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
	flockfile(stderr);			/* one whole line, whichever thread logs */
	fprintf(stderr, "%s wal2events %s: ", stamp, log_command);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
	funlockfile(stderr);
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

/* v in decimal at p, no NUL (hot path: no snprintf); returns its length */
size_t
ship_put_decimal(char *p, uint64_t v)
{
	char		tmp[24];
	size_t		n = 0,
				i;

	do
		tmp[n++] = (char) ('0' + v % 10);
	while ((v /= 10) != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

size_t
frame_header(uint8_t header[W2E_FRAME_HEADER_MAX], uint64_t len)
{
	size_t		n = 0;

	header[n++] = W2E_FRAME_MAGIC;
	do
	{
		header[n++] = (uint8_t) ((len & 0x7F) | (len > 0x7F ? 0x80 : 0));
		len >>= 7;
	} while (len > 0);
	return n;
}
