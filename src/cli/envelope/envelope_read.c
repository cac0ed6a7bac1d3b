/*
 * envelope_read.c
 *    Reading back what `wal2events ship` writes: one EventEnvelope (bare
 *    protobuf, or its JSON rendering) as one line of JSON. Shared by
 *    `decode --envelope` (files of the file: sink) and `consume` (messages
 *    of the hub).
 *
 * A protobuf envelope goes through the same guards as a Transaction in
 * w2e_transaction_parse(): the nesting of its event is bounded before
 * protobuf-c unpacks it (a crafted message must not overflow the stack),
 * and w2e_envelope_to_json() checks it is consistent before rendering.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"

#define ENVELOPE_EVENT_FIELD 12			/* EventEnvelope.event */
#define TRANSACTION_EVENTS_TAG 0x52		/* Transaction.events: field 10, length-delimited */

/*
 * w2e_wire_check_depth() walks a Transaction; an envelope's event is
 * checked as the one event of a Transaction made of it alone.
 */
static int
check_event_depth(const uint8_t *event, size_t len, W2eError *err)
{
	uint8_t    *wrapped = malloc(len + 11);
	size_t		n = 0;
	uint64_t	v = len;
	int			rc;

	if (wrapped == NULL)
	{
		w2e_set_error(err, "out of memory");
		return -1;
	}
	wrapped[n++] = TRANSACTION_EVENTS_TAG;
	do
	{
		wrapped[n++] = (uint8_t) ((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
		v >>= 7;
	} while (v > 0);
	memcpy(wrapped + n, event, len);
	rc = w2e_wire_check_depth(wrapped, n + len, err);
	free(wrapped);
	return rc;
}

/* 0 when every event field nests within limits (or the message is malformed). */
static int
check_depth(const uint8_t *p, size_t len, W2eError *err)
{
	size_t		pos = 0;
	uint64_t	tag;
	uint64_t	n;

	while (pos < len)
	{
		if (!w2e_read_varint(p, len, &pos, &tag))
			return 0;
		switch (tag & 7)
		{
			case 0:
				if (!w2e_read_varint(p, len, &pos, &n))
					return 0;
				continue;
			case 1:
				n = 8;
				break;
			case 5:
				n = 4;
				break;
			case 2:
				if (!w2e_read_varint(p, len, &pos, &n))
					return 0;
				break;
			default:
				return 0;
		}
		if (n > len - pos)
			return 0;
		if ((tag & 7) == 2 && (tag >> 3) == ENVELOPE_EVENT_FIELD &&
			check_event_depth(p + pos, (size_t) n, err) != 0)
			return -1;
		pos += (size_t) n;
	}
	return 0;
}

int
envelope_protobuf_to_json(const uint8_t *data, size_t len, W2eBuffer *out, W2eError *err)
{
	W2eEventEnvelope *env;
	int			rc;

	if (check_depth(data, len, err) != 0)
		return -1;
	env = wal2events__v1__event_envelope__unpack(NULL, len, data);
	if (env == NULL)
	{
		w2e_set_error(err, "not a valid EventEnvelope message (%zu bytes)", len);
		return -1;
	}
	rc = w2e_envelope_to_json(env, out, err);
	wal2events__v1__event_envelope__free_unpacked(env, NULL);
	return rc;
}

int
envelope_json_line(const uint8_t *data, size_t len, W2eBuffer *out, W2eError *err)
{
	size_t		start = out->len;
	int			r;

	if (len == 0 || data[0] != '{')
	{
		w2e_set_error(err, "not a JSON object (%zu bytes%s)", len,
					  len > 0 && data[0] == 0x0A ? "; this looks like a protobuf EventEnvelope" : "");
		return -1;
	}
	r = w2e_json_append_compact(out, (const char *) data, len);
	if (r < 0)
	{
		w2e_set_error(err, "out of memory");
		return -1;
	}
	if (r == 0 || out->data[start] != '{')
	{
		out->len = start;
		if (out->cap > 0)
			out->data[start] = '\0';
		w2e_set_error(err, "not valid JSON (%zu bytes)", len);
		return -1;
	}
	return 0;
}
