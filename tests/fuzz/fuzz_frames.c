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
#include "fuzz_promise.h"

/* One message, copied so that reading past its end is caught. */
static void
check_message(const uint8_t *message, size_t len)
{
	uint8_t    *copy = fuzz_copy(message, len);
	W2eTransaction *txn;
	W2eBuffer	out;
	W2eError	err;

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
