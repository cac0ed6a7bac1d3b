/*
 * fuzz_frames.c
 *    libFuzzer target: arbitrary bytes through the whole client path,
 *    w2e_frame_next() -> w2e_transaction_parse() -> w2e_transaction_to_json()
 *    -> w2e_transaction_free(), and w2e_unframe() for the one-message path.
 *
 * Besides crashes, leaks and undefined behaviour (the sanitizers), it traps
 * when a promise is broken: a frame that claims more bytes than it was
 * given, a failure without a message, a parsed transaction that does not
 * render, or a rendering that is not one line of valid JSON.
 *
 *    make -C src/cli fuzz-run FUZZ_SECONDS=60
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROMISE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* The output is exactly one line of JSON. */
static void
check_json_line(const W2eBuffer *out)
{
	W2eBuffer	scratch;

	PROMISE(strlen(out->data) == out->len);
	PROMISE(memchr(out->data, '\n', out->len) == NULL);
	w2e_buffer_init(&scratch, NULL);
	PROMISE(w2e_json_append_compact(&scratch, out->data, out->len) == 1);
	PROMISE(scratch.len == out->len);	/* nothing to compact: no whitespace */
	w2e_buffer_free(&scratch);
}

/* One message, copied so that reading past its end is caught. */
static void
check_message(const uint8_t *message, size_t len)
{
	uint8_t    *copy = malloc(len > 0 ? len : 1);
	W2eTransaction *txn;
	W2eBuffer	out;
	W2eError	err;

	memcpy(copy, message, len);
	err.message[0] = '\0';
	txn = w2e_transaction_parse(copy, len, NULL, &err);
	free(copy);
	if (txn == NULL)
	{
		PROMISE(err.message[0] != '\0');
		return;
	}
	w2e_buffer_init(&out, NULL);
	PROMISE(w2e_transaction_to_json(txn, &out, &err) == 0);
	check_json_line(&out);
	w2e_buffer_free(&out);
	w2e_transaction_free(txn, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		pos = 0;
	const uint8_t *payload;
	size_t		payload_len;
	size_t		consumed;
	W2eError	err;
	W2eFrameResult r;

	/* As a stream of frames, the way `wal2events decode` reads it. */
	for (;;)
	{
		r = w2e_frame_next(data + pos, size - pos, &payload, &payload_len,
						   &consumed, &err);
		PROMISE(consumed <= size - pos);
		if (r != W2E_FRAME_OK)
			break;
		PROMISE(consumed > 0);
		PROMISE(payload >= data + pos && payload + payload_len == data + pos + consumed);
		check_message(payload, payload_len);
		pos += consumed;
	}

	/* As one message given whole, the way wal2events.decode() gets it. */
	if (w2e_unframe(data, size, &payload, &payload_len, &err) == 0)
	{
		PROMISE(payload >= data && payload + payload_len <= data + size);
		check_message(payload, payload_len);
	}
	return 0;
}
