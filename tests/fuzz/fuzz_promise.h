/*
 * fuzz_promise.h
 *    What the fuzz targets (tests/fuzz/fuzz_*.c) share: PROMISE(), which
 *    traps when a promise of the code under test is broken, and the check
 *    that a rendering is one line of compact, valid JSON.
 */
#ifndef W2E_FUZZ_PROMISE_H
#define W2E_FUZZ_PROMISE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wal2events.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROMISE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* The output is exactly one line of JSON. */
static inline void
check_json_line(const W2eBuffer *out)
{
	W2eBuffer	scratch;

	PROMISE(out->data != NULL && strlen(out->data) == out->len);
	PROMISE(memchr(out->data, '\n', out->len) == NULL);
	w2e_buffer_init(&scratch, NULL);
	PROMISE(w2e_json_append_compact(&scratch, out->data, out->len) == 1);
	PROMISE(scratch.len == out->len);	/* nothing to compact: no whitespace */
	w2e_buffer_free(&scratch);
}

/* A copy of len bytes in a block of exactly that size: reading past its end is caught. */
static inline uint8_t *
fuzz_copy(const uint8_t *data, size_t len)
{
	uint8_t    *copy = malloc(len > 0 ? len : 1);

	PROMISE(copy != NULL);
	if (len > 0)
		memcpy(copy, data, len);
	return copy;
}

#endif							/* W2E_FUZZ_PROMISE_H */
