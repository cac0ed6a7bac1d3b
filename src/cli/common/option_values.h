/*
 * option_values.h
 *    The value syntaxes of the command lines, shared by the commands and
 *    the sinks' own flags so that every flag reads a duration or a size
 *    the same way.
 */
#ifndef WAL2EVENTS_OPTION_VALUES_H
#define WAL2EVENTS_OPTION_VALUES_H

#include <stdint.h>

/* "500ms", "10s", "2m", "1h", "30" (seconds) -> milliseconds. 0 or -1. */
extern int	parse_duration(const char *text, int64_t *ms);

/* "65536", "512KB", "64MB", "1GB" (powers of 1024), more than 0. 0 or -1. */
extern int	parse_size(const char *text, int64_t *bytes);

/* "1000": a whole decimal number from min to max. 0 or -1. */
extern int	parse_count(const char *text, int64_t min, int64_t max, int64_t *count);

#endif							/* WAL2EVENTS_OPTION_VALUES_H */
