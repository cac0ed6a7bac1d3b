/*
 * frame.c
 *    Splitting a byte stream into messages: the framing=delimited format.
 *
 * A frame is the byte W2E_FRAME_MAGIC, the message length as a base-128
 * varint, then the message. The magic byte is there so that a reader fed the
 * wrong thing (JSON output, a bare message, a file cut in the middle) fails
 * at once with a clear error instead of taking random bytes for a length.
 * Newlines between frames are skipped because pg_recvlogical -f writes one
 * after every message it receives.
 */
#include <stdio.h>

#include "internal.h"
#include "wire_fields.h"

/* What the bytes after the magic byte say, as far as they go. */
typedef enum HeaderResult
{
	HEADER_OK,
	HEADER_NEED_MORE,
	HEADER_ERROR
} HeaderResult;

/*
 * Read the varint length at p[0..avail). Rejects lengths over
 * W2E_MAX_MESSAGE_SIZE as soon as the bytes seen so far exceed it (later
 * bytes can only add to the value), so a corrupt length fails without waiting
 * for a gigabyte that will never come.
 */
static HeaderResult
read_length(const uint8_t *p, size_t avail, uint64_t *length, size_t *used,
			W2eError *err)
{
	uint64_t	value = 0;
	size_t		i;

	for (i = 0; i < avail && i < 10; i++)
	{
		if (i == 9 && p[i] > 1)
			break;				/* bits beyond 64: surely not a length */
		value |= (uint64_t) (p[i] & 0x7F) << (7 * i);
		if (value > W2E_MAX_MESSAGE_SIZE)
		{
			w2e_set_error(err, "frame length is over the %zu-byte limit",
						  W2E_MAX_MESSAGE_SIZE);
			return HEADER_ERROR;
		}
		if ((p[i] & 0x80) == 0)
		{
			*length = value;
			*used = i + 1;
			return HEADER_OK;
		}
	}
	if (i < 10 && i == avail)
		return HEADER_NEED_MORE;
	w2e_set_error(err, "frame length is not a valid varint (more than 64 bits)");
	return HEADER_ERROR;
}

/* A person-readable guess at what the input is when it is not a frame. */
static const char *
wrong_input_hint(uint8_t byte)
{
	if (byte == '{')
		return " (this looks like JSON: was the slot read with format=json?)";
	/* The tag of a Transaction field (1 byte): varint or length-delimited. */
	if (byte >= W2E_WIRE_TAG(W2E_FIELD_TXN_XID, W2E_WIRE_VARINT) &&
		byte <= W2E_WIRE_TAG(W2E_FIELD_TXN_OVERSIZED, W2E_WIRE_LEN) &&
		(W2E_WIRE_TAG_TYPE(byte) == W2E_WIRE_VARINT || W2E_WIRE_TAG_TYPE(byte) == W2E_WIRE_LEN))
		return " (this may be a bare message: was it written with framing=none?)";
	return "";
}

/* Read the header of the frame that starts at buf[0], magic byte included. */
static HeaderResult
frame_header(const uint8_t *buf, size_t len, size_t *header_len,
			 uint64_t *message_len, W2eError *err)
{
	size_t		used = 0;
	HeaderResult r;

	if (len == 0)
		return HEADER_NEED_MORE;
	if (buf[0] != W2E_FRAME_MAGIC)
	{
		w2e_set_error(err, "expected frame marker 0x%02X, found 0x%02X%s",
					  W2E_FRAME_MAGIC, buf[0], wrong_input_hint(buf[0]));
		return HEADER_ERROR;
	}
	r = read_length(buf + 1, len - 1, message_len, &used, err);
	*header_len = 1 + used;
	return r;
}

W2eFrameResult
w2e_frame_next(const uint8_t *buf, size_t len,
			   const uint8_t **payload, size_t *payload_len,
			   size_t *consumed, W2eError *err)
{
	size_t		skip = 0;
	size_t		header_len = 0;
	uint64_t	message_len = 0;
	HeaderResult r;

	while (skip < len && buf[skip] == '\n')
		skip++;
	*payload = NULL;
	*payload_len = 0;
	*consumed = skip;

	r = frame_header(buf + skip, len - skip, &header_len, &message_len, err);
	if (r == HEADER_ERROR)
		return W2E_FRAME_ERROR;
	if (r == HEADER_NEED_MORE || message_len > len - skip - header_len)
		return W2E_FRAME_NEED_MORE;

	*payload = buf + skip + header_len;
	*payload_len = (size_t) message_len;
	*consumed = skip + header_len + (size_t) message_len;
	return W2E_FRAME_OK;
}

int
w2e_unframe(const uint8_t *data, size_t len,
			const uint8_t **message, size_t *message_len,
			W2eError *err)
{
	size_t		header_len = 0;
	uint64_t	framed_len = 0;
	size_t		rest;
	HeaderResult r;

	/*
	 * A bare Transaction never starts with 0xE2: as a protobuf tag that byte
	 * begins a length-delimited field numbered 28 or more (12 + 16k, k >= 1),
	 * and Transaction's fields are 1..13. If the contract ever grows such a
	 * field, encoders must not write it first.
	 */
	if (len == 0 || data[0] != W2E_FRAME_MAGIC)
	{
		*message = data;
		*message_len = len;
		return 0;
	}
	r = frame_header(data, len, &header_len, &framed_len, err);
	if (r == HEADER_ERROR)
		return -1;
	if (r == HEADER_NEED_MORE)
	{
		w2e_set_error(err, "truncated frame: the data ends inside the frame header");
		return -1;
	}
	if (framed_len > len - header_len)
	{
		w2e_set_error(err, "truncated frame: header says %llu bytes, only %zu follow",
					  (unsigned long long) framed_len, len - header_len);
		return -1;
	}
	rest = len - header_len - (size_t) framed_len;
	if (rest > 1 || (rest == 1 && data[len - 1] != '\n'))
	{
		w2e_set_error(err, "%zu unexpected bytes after the frame (expected exactly one message)",
					  rest);
		return -1;
	}
	*message = data + header_len;
	*message_len = (size_t) framed_len;
	return 0;
}
