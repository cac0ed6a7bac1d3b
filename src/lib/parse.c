/*
 * parse.c
 *    Bytes to a checked W2eTransaction, and back to free memory.
 *
 * protobuf-c does the decoding. Its allocator interface has the same shape
 * as W2eAllocator, so the caller's allocator (palloc in the server) is handed
 * through as is. Before unpacking, the nesting depth is bounded
 * (wire_depth.c); after it, the message is checked for consistency
 * (validate.c), so a parsed transaction can always be rendered.
 */
#include "internal.h"

/* NULL (protobuf-c's malloc/free) for the default allocator. */
ProtobufCAllocator *
w2e_protobuf_allocator(const W2eAllocator *allocator, ProtobufCAllocator *pc)
{
	if (allocator == NULL)
		return NULL;
	pc->alloc = allocator->alloc;
	pc->free = allocator->free;
	pc->allocator_data = allocator->ctx;
	return pc;
}

/*
 * The checks of every message before it is unpacked: data for len bytes
 * (an empty message may come as NULL), at most W2E_MAX_MESSAGE_SIZE. The
 * bytes to unpack, or NULL with err set.
 */
const uint8_t *
w2e_parse_input(const uint8_t *data, size_t len, W2eError *err)
{
	static const uint8_t empty[1] = {0};

	if (data == NULL)
	{
		if (len > 0)
		{
			w2e_set_error(err, "no message data");
			return NULL;
		}
		return empty;
	}
	if (len > W2E_MAX_MESSAGE_SIZE)
	{
		w2e_set_error(err, "message of %zu bytes is over the %zu-byte limit",
					  len, W2E_MAX_MESSAGE_SIZE);
		return NULL;
	}
	return data;
}

W2eTransaction *
w2e_transaction_parse(const uint8_t *data, size_t len,
					  const W2eAllocator *allocator, W2eError *err)
{
	ProtobufCAllocator pc;
	W2eTransaction *txn;

	if ((data = w2e_parse_input(data, len, err)) == NULL)
		return NULL;
	if (w2e_wire_check_depth(data, len, err) != 0)
		return NULL;

	txn = wal2events__v1__transaction__unpack(w2e_protobuf_allocator(allocator, &pc),
											  len, data);
	if (txn == NULL)
	{
		w2e_set_error(err, "not a valid Transaction message (%zu bytes; protobuf decoding failed or out of memory)",
					  len);
		return NULL;
	}
	if (w2e_transaction_validate(txn, err) != 0)
	{
		w2e_transaction_free(txn, allocator);
		return NULL;
	}
	return txn;
}

/* Must get the allocator the transaction was parsed with. */
void
w2e_transaction_free(W2eTransaction *txn, const W2eAllocator *allocator)
{
	ProtobufCAllocator pc;

	if (txn == NULL)
		return;
	wal2events__v1__transaction__free_unpacked(txn,
											   w2e_protobuf_allocator(allocator, &pc));
}
