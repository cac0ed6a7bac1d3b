/*
 * envelope_parse.c
 *    Bytes to a checked W2eEventEnvelope (what `wal2events ship` publishes
 *    per event), and back to free memory.
 *
 * The same guards as a Transaction's (parse.c): the size limit, the nesting
 * of its event bounded before protobuf-c unpacks it (a crafted message must
 * not overflow the stack), the consistency rules after.
 */
#include "internal.h"

W2eEventEnvelope *
w2e_envelope_parse(const uint8_t *data, size_t len,
				   const W2eAllocator *allocator, W2eError *err)
{
	ProtobufCAllocator pc;
	W2eEventEnvelope *env;

	if ((data = w2e_parse_input(data, len, err)) == NULL)
		return NULL;
	if (w2e_wire_check_envelope_depth(data, len, err) != 0)
		return NULL;
	env = wal2events__v1__event_envelope__unpack(w2e_protobuf_allocator(allocator, &pc),
												 len, data);
	if (env == NULL)
	{
		w2e_set_error(err, "not a valid EventEnvelope message (%zu bytes; protobuf decoding failed or out of memory)", len);
		return NULL;
	}
	if (w2e_envelope_validate(env, err) != 0)
	{
		w2e_envelope_free(env, allocator);
		return NULL;
	}
	return env;
}

/* Must get the allocator the envelope was parsed with. */
void
w2e_envelope_free(W2eEventEnvelope *env, const W2eAllocator *allocator)
{
	ProtobufCAllocator pc;

	if (env == NULL)
		return;
	wal2events__v1__event_envelope__free_unpacked(env, w2e_protobuf_allocator(allocator, &pc));
}
