/*
 * wire_depth.c
 *    Bound the nesting of a message before protobuf-c unpacks it.
 *
 * protobuf-c unpacks nested messages recursively and has no depth limit.
 * Value and Array contain each other, so a crafted message of a few
 * megabytes could nest arrays deep enough to overflow the stack, inside the
 * server too (wal2events.decode()). This walks the wire format along the
 * only path that can nest without bound (Transaction or EventEnvelope >
 * Event > RowChange > Value > Array > Value ...) and rejects more than
 * W2E_MAX_ARRAY_DEPTH arrays inside each other. Its own recursion is
 * bounded by that limit.
 *
 * Anything malformed is left alone: protobuf-c rejects it with the rest.
 */
#include "internal.h"
#include "wire_fields.h"

typedef enum WireKind
{
	WIRE_ENVELOPE,				/* EventEnvelope > Event > ... */
	WIRE_TRANSACTION,
	WIRE_EVENT,
	WIRE_ROW,
	WIRE_VALUE,
	WIRE_ARRAY,
	WIRE_LEAF					/* nothing below it can nest arrays */
} WireKind;

/* Which message a length-delimited field of `kind` holds. */
static WireKind
child_kind(WireKind kind, uint64_t field)
{
	switch (kind)
	{
		case WIRE_ENVELOPE:
			return field == W2E_FIELD_ENV_EVENT ? WIRE_EVENT : WIRE_LEAF;
		case WIRE_TRANSACTION:
			return field == W2E_FIELD_TXN_EVENTS ? WIRE_EVENT : WIRE_LEAF;
		case WIRE_EVENT:
			return field == W2E_FIELD_EVENT_ROW ? WIRE_ROW : WIRE_LEAF;
		case WIRE_ROW:
			return (field == W2E_FIELD_ROW_NEW_VALUES ||
					field == W2E_FIELD_ROW_OLD_VALUES) ? WIRE_VALUE : WIRE_LEAF;
		case WIRE_VALUE:
			return field == W2E_FIELD_VAL_ARRAY ? WIRE_ARRAY : WIRE_LEAF;
		case WIRE_ARRAY:
			return field == W2E_FIELD_ARR_ELEMENTS ? WIRE_VALUE : WIRE_LEAF;
		case WIRE_LEAF:
			break;
	}
	return WIRE_LEAF;
}

/* A varint at p[*pos..len); 0 when malformed or cut short. */
int
w2e_read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *value)
{
	uint64_t	v = 0;
	int			shift;

	for (shift = 0; shift < 64 && *pos < len; shift += 7)
	{
		uint8_t		b = p[(*pos)++];

		v |= (uint64_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			*value = v;
			return 1;
		}
	}
	return 0;
}

/* Skip one field's payload of the given wire type; 0 when malformed. */
static int
skip_field(const uint8_t *p, size_t len, size_t *pos, int wire_type)
{
	uint64_t	n;

	switch (wire_type)
	{
		case W2E_WIRE_VARINT:
			return w2e_read_varint(p, len, pos, &n);
		case W2E_WIRE_FIXED64:
			n = 8;
			break;
		case W2E_WIRE_FIXED32:
			n = 4;
			break;
		default:
			return 0;
	}
	if (n > len - *pos)
		return 0;
	*pos += (size_t) n;
	return 1;
}

static int
scan(const uint8_t *p, size_t len, WireKind kind, int depth, W2eError *err)
{
	size_t		pos = 0;
	uint64_t	tag;
	uint64_t	n;
	WireKind	child;

	if (kind == WIRE_ARRAY && ++depth > W2E_MAX_ARRAY_DEPTH)
	{
		w2e_set_error(err, "arrays are nested more than %d deep", W2E_MAX_ARRAY_DEPTH);
		return -1;
	}
	while (pos < len)
	{
		if (!w2e_read_varint(p, len, &pos, &tag))
			return 0;
		if (W2E_WIRE_TAG_TYPE(tag) != W2E_WIRE_LEN)
		{
			if (!skip_field(p, len, &pos, W2E_WIRE_TAG_TYPE(tag)))
				return 0;
			continue;
		}
		if (!w2e_read_varint(p, len, &pos, &n) || n > len - pos)
			return 0;
		child = child_kind(kind, W2E_WIRE_TAG_FIELD(tag));
		if (child != WIRE_LEAF && scan(p + pos, (size_t) n, child, depth, err) != 0)
			return -1;
		pos += (size_t) n;
	}
	return 0;
}

/* 0 when the message nests within limits (or is malformed), -1 with err. */
int
w2e_wire_check_depth(const uint8_t *data, size_t len, W2eError *err)
{
	return scan(data, len, WIRE_TRANSACTION, 0, err);
}

/* The same for an EventEnvelope, whose event nests as a Transaction's do. */
int
w2e_wire_check_envelope_depth(const uint8_t *data, size_t len, W2eError *err)
{
	return scan(data, len, WIRE_ENVELOPE, 0, err);
}
