/*
 * pbwrite.h
 *    Minimal protobuf encoding straight into a StringInfo.
 *
 * The plugin writes protobuf by hand instead of building protobuf-c structs:
 * values go from the tuple to the output buffer with no intermediate
 * allocation. Nested messages are written in place; their length prefix is
 * fixed up afterwards (pb_end_message), moving the body only when the length
 * needs more bytes than were reserved, which for typical events is never.
 *
 * Field numbers and wire types live in src/lib/wire_fields.h, checked against
 * the .proto by the unit tests; proto/wal2events.proto is the contract and
 * the library's parser (protobuf-c, generated from the .proto) checks every
 * message the regression tests produce.
 */
#ifndef W2E_PBWRITE_H
#define W2E_PBWRITE_H

#include "postgres.h"
#include "lib/stringinfo.h"

#include "wire_fields.h"

static inline int
pb_varint_size(uint64 v)
{
	int			n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* Caller guarantees 10 free bytes at p; returns bytes written. */
static inline int
pb_put_varint_raw(char *p, uint64 v)
{
	int			n = 0;

	while (v >= 0x80)
	{
		p[n++] = (char) ((v & 0x7F) | 0x80);
		v >>= 7;
	}
	p[n++] = (char) v;
	return n;
}

static inline void
pb_varint(StringInfo out, uint64 v)
{
	enlargeStringInfo(out, 10);
	out->len += pb_put_varint_raw(out->data + out->len, v);
}

static inline void
pb_uint(StringInfo out, int field, uint64 v)
{
	enlargeStringInfo(out, 12);
	out->len += pb_put_varint_raw(out->data + out->len, W2E_WIRE_TAG(field, W2E_WIRE_VARINT));
	out->len += pb_put_varint_raw(out->data + out->len, v);
}

/* sint32/sint64: zigzag */
static inline void
pb_sint(StringInfo out, int field, int64 v)
{
	pb_uint(out, field, ((uint64) v << 1) ^ (uint64) (v >> 63));
}

static inline void
pb_bool(StringInfo out, int field, bool v)
{
	enlargeStringInfo(out, 3);
	out->len += pb_put_varint_raw(out->data + out->len, W2E_WIRE_TAG(field, W2E_WIRE_VARINT));
	out->data[out->len++] = v ? 1 : 0;
}

static inline void
pb_bytes(StringInfo out, int field, const char *data, Size len)
{
	enlargeStringInfo(out, 12 + len);
	out->len += pb_put_varint_raw(out->data + out->len, W2E_WIRE_TAG(field, W2E_WIRE_LEN));
	out->len += pb_put_varint_raw(out->data + out->len, len);
	memcpy(out->data + out->len, data, len);
	out->len += len;
	out->data[out->len] = '\0';
}

static inline void
pb_string(StringInfo out, int field, const char *str)
{
	pb_bytes(out, field, str, strlen(str));
}

/* fixed32/fixed64 are little-endian on the wire, whatever the host is */
static inline void
pb_put_le(char *p, const void *v, int n)
{
#ifdef WORDS_BIGENDIAN
	for (int i = 0; i < n; i++)
		p[i] = ((const char *) v)[n - 1 - i];
#else
	memcpy(p, v, n);
#endif
}

static inline void
pb_double(StringInfo out, int field, double v)
{
	enlargeStringInfo(out, 10);
	out->len += pb_put_varint_raw(out->data + out->len, W2E_WIRE_TAG(field, W2E_WIRE_FIXED64));
	pb_put_le(out->data + out->len, &v, 8);
	out->len += 8;
}

static inline void
pb_float(StringInfo out, int field, float v)
{
	enlargeStringInfo(out, 6);
	out->len += pb_put_varint_raw(out->data + out->len, W2E_WIRE_TAG(field, W2E_WIRE_FIXED32));
	pb_put_le(out->data + out->len, &v, 4);
	out->len += 4;
}

/*
 * Start a nested message: writes the tag and reserves one length byte.
 * Returns the offset to pass to pb_end_message.
 */
static inline int
pb_begin_message(StringInfo out, int field)
{
	enlargeStringInfo(out, 3);
	out->len += pb_put_varint_raw(out->data + out->len, W2E_WIRE_TAG(field, W2E_WIRE_LEN));
	out->data[out->len++] = 0;
	return out->len;
}

/* Close a nested message: write its length, shifting the body if needed. */
static inline void
pb_end_message(StringInfo out, int body_start)
{
	Size		body_len = out->len - body_start;
	int			need = pb_varint_size(body_len);

	if (need > 1)
	{
		enlargeStringInfo(out, need - 1);
		memmove(out->data + body_start + need - 1, out->data + body_start, body_len);
		out->len += need - 1;
	}
	pb_put_varint_raw(out->data + body_start - 1, body_len);
	out->data[out->len] = '\0';
}

#endif							/* W2E_PBWRITE_H */
