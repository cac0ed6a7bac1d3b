/*
 * lake_json.h
 *    Reading the few top-level fields the lake needs out of one JSON
 *    object (an event's line, a file's index) without building a tree:
 *    each member is handed over as its raw value text; nested objects and
 *    arrays are skipped whole (strings in them included), so a line of any
 *    depth costs one pass.
 */
#ifndef WAL2EVENTS_LAKE_JSON_H
#define WAL2EVENTS_LAKE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "wal2events.h"

typedef struct LakeJsonValue
{
	const char *text;			/* the value as written; a string without its quotes */
	size_t		len;
	char		kind;			/* 's' string, 'n' number, 'o' object, 'a' array,
								 * 't' true, 'f' false, 'z' null */
	int			escaped;		/* a string with a backslash in it */
} LakeJsonValue;

/* One member: 0 to go on, 1 to stop early (not an error). */
typedef int (*LakeJsonMemberFn) (void *ctx, const char *name, size_t name_len,
								 const LakeJsonValue *value);

/* Hand each member of the object in text to fn. 0, or -1: not a JSON object. */
extern int	lake_json_members(const char *text, size_t len, LakeJsonMemberFn fn, void *ctx);

/* Does the member's name equal literal? */
#define LAKE_JSON_IS(name, len, literal) \
	((len) == sizeof(literal) - 1 && memcmp((name), (literal), (len)) == 0)

/* A string value, unescaped, appended to out (NUL-terminated). 0, or -1. */
extern int	lake_json_string(const LakeJsonValue *v, W2eBuffer *out);

/* A whole number, written as a number or as a string of digits. 0, or -1. */
extern int	lake_json_u64(const LakeJsonValue *v, uint64_t *out);
extern int	lake_json_i64(const LakeJsonValue *v, int64_t *out);

#endif							/* WAL2EVENTS_LAKE_JSON_H */
