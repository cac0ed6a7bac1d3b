/*
 * lake_time.h
 *    Times of the lake: commit times as the JSON lines write them
 *    ("2026-11-30T16:05:00.123456Z"), and the --since/--until values of
 *    replay, both in microseconds since 1970-01-01 00:00 UTC.
 */
#ifndef WAL2EVENTS_LAKE_TIME_H
#define WAL2EVENTS_LAKE_TIME_H

#include <stddef.h>
#include <stdint.h>

#define LAKE_TIME_TEXT_MAX 40

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC). */
extern void lake_time_format(char *out, size_t size, int64_t time_us);

/*
 * RFC 3339 and its shorter forms: "2026-11-30", "2026-11-30T16",
 * "2026-11-30T16:05", "2026-11-30 16:05:00", with optional fraction and
 * zone ("Z", "+01:00"; none: UTC). 0 with *time_us, or -1.
 */
extern int	lake_time_parse(const char *text, size_t len, int64_t *time_us);

#endif							/* WAL2EVENTS_LAKE_TIME_H */
