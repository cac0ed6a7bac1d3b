/*
 * fuzz_envelope.c
 *    libFuzzer target: arbitrary bytes through the envelope reader
 *    (src/cli/envelope_read.c), the three ways it is given them: as a hub
 *    message's protobuf body and as its JSON body (`consume`), and as a
 *    file of framed envelopes (`decode --envelope`).
 *
 * Besides crashes, leaks and undefined behaviour (the sanitizers), it traps
 * when a promise is broken: a failure without a message or that leaves
 * output behind, a rendering that is not one line of
 * compact valid JSON, or one that envelope_json_line() does not take back
 * unchanged.
 *
 *    make -C src/cli fuzz-run FUZZ_SECONDS=60
 */
#include "fuzz_promise.h"
#include "cli.h"

/* ok: out holds one more JSON line after start; not: why, and out as it was (cli.h). */
static void
check_result(int rc, const W2eBuffer *out, size_t start, const W2eError *err)
{
	W2eBuffer	line;

	if (rc != 0)
	{
		PROMISE(rc == -1);
		PROMISE(err->message[0] != '\0');
		PROMISE(out->len == start);
		return;
	}
	PROMISE(out->len > start);
	w2e_buffer_init(&line, NULL);
	PROMISE(w2e_buffer_append(&line, out->data + start, out->len - start) == 0);
	check_json_line(&line);
	w2e_buffer_free(&line);
}

/* A hub message's JSON body (--payload json): taken as it is, compacted. */
static void
check_json_body(const uint8_t *body, size_t len)
{
	uint8_t    *copy = fuzz_copy(body, len);
	W2eBuffer	out;
	W2eError	err;
	int			rc;

	w2e_buffer_init(&out, NULL);
	PROMISE(w2e_buffer_append(&out, "prefix", 6) == 0);
	err.message[0] = '\0';
	rc = envelope_json_line(copy, len, &out, &err);
	free(copy);
	check_result(rc, &out, 6, &err);
	PROMISE(memcmp(out.data, "prefix", 6) == 0);
	w2e_buffer_free(&out);
}

/* A protobuf EventEnvelope: rendered, and the rendering read back unchanged as a JSON body. */
static void
check_protobuf_body(const uint8_t *body, size_t len)
{
	uint8_t    *copy = fuzz_copy(body, len);
	W2eBuffer	out;
	W2eBuffer	again;
	W2eError	err;
	int			rc;

	w2e_buffer_init(&out, NULL);
	PROMISE(w2e_buffer_append(&out, "prefix", 6) == 0);
	err.message[0] = '\0';
	rc = envelope_protobuf_to_json(copy, len, &out, &err);
	free(copy);
	check_result(rc, &out, 6, &err);
	PROMISE(memcmp(out.data, "prefix", 6) == 0);
	if (rc == 0)
	{
		w2e_buffer_init(&again, NULL);
		PROMISE(envelope_json_line((const uint8_t *) out.data + 6, out.len - 6, &again, &err) == 0);
		PROMISE(again.len == out.len - 6 && memcmp(again.data, out.data + 6, again.len) == 0);
		w2e_buffer_free(&again);
	}
	w2e_buffer_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		pos = 0;
	const uint8_t *payload;
	size_t		payload_len;
	size_t		consumed;
	W2eError	err;

	/* one message of the hub, either payload */
	check_protobuf_body(data, size);
	check_json_body(data, size);

	/* a file written by ship --to file: */
	while (w2e_frame_next(data + pos, size - pos, &payload, &payload_len, &consumed, &err) == W2E_FRAME_OK)
	{
		PROMISE(consumed > 0 && consumed <= size - pos);
		check_protobuf_body(payload, payload_len);
		pos += consumed;
	}
	return 0;
}
