/*
 * fuzz_lake.c
 *    libFuzzer target: what `wal2events replay` reads back from a lake
 *    file, which may have been damaged or written by someone else: a JSON
 *    line as an event (src/cli/lake/lake_event.c over lake_json.c), and
 *    the same bytes as a --since time and a --type pattern.
 *
 * Besides crashes and undefined behaviour, it traps when a promise is
 * broken: a member's value outside the line; an event accepted without an
 * id or a type, or whose record is not the line and its newline; a time
 * that parses differently twice.
 *
 *    make -C src/cli fuzz-run FUZZ_SECONDS=60
 */
#include <stdio.h>

#include "fuzz_promise.h"
#include "lake_event.h"
#include "lake_json.h"
#include "lake_reader.h"
#include "lake_time.h"

typedef struct Bounds
{
	const char *start;
	size_t		len;
} Bounds;

static int
member_inside(void *ctx, const char *name, size_t name_len, const LakeJsonValue *v)
{
	const Bounds *b = ctx;
	W2eBuffer	s;

	PROMISE(name >= b->start && name + name_len <= b->start + b->len);
	PROMISE(v->text >= b->start && v->text + v->len <= b->start + b->len);
	if (v->kind == 's')
	{
		w2e_buffer_init(&s, NULL);
		(void) lake_json_string(v, &s);
		w2e_buffer_free(&s);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	Bounds		b = {text, size};
	LakeEvent	e;
	W2eError	err;
	int64_t		t1,
				t2;
	char	   *glob;

	(void) lake_json_members(text, size, member_inside, &b);
	lake_event_init(&e);
	if (lake_event_from_json(&e, text, size, &err) == 0)
	{
		PROMISE(e.id.len > 0 && e.type.len > 0);
		PROMISE(e.record.len == size + 1 && memcmp(e.record.data, text, size) == 0);
		PROMISE(e.record.data[size] == '\n' && e.body_len == size && e.body_offset == 0);
	}
	else
		PROMISE(err.message[0] != '\0' && strchr(err.message, '\n') == NULL);
	lake_event_free(&e);
	if (lake_time_parse(text, size, &t1) == 0)
		PROMISE(lake_time_parse(text, size, &t2) == 0 && t1 == t2);
	glob = malloc(size + 1);
	if (glob != NULL)
	{
		memcpy(glob, data, size);
		glob[size] = '\0';
		(void) lake_glob_match(glob, glob);
		(void) lake_glob_match("*a*b*", glob);
		free(glob);
	}
	return 0;
}
