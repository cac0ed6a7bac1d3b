/*
 * test_frame.c
 *    w2e_frame_next() and w2e_unframe(): newlines between frames, frames cut
 *    anywhere, bad markers, bad lengths.
 */
#include <stdio.h>

#include "build.h"
#include "harness.h"

/* Two framed example transactions as pg_recvlogical -f writes them. */
static uint8_t *
two_frames(size_t *len, size_t *first_end, size_t *second_start)
{
	W2eTransaction *txn = txn_example();
	size_t		mlen;
	size_t		flen;
	uint8_t    *msg = pack_txn(txn, &mlen);
	uint8_t    *f = frame(msg, mlen, &flen);
	uint8_t    *buf = arena_alloc(2 * flen + 4);

	buf[0] = '\n';
	memcpy(buf + 1, f, flen);
	buf[1 + flen] = '\n';
	buf[2 + flen] = '\n';
	memcpy(buf + 3 + flen, f, flen);
	buf[3 + 2 * flen] = '\n';
	*len = 2 * flen + 4;
	*first_end = 1 + flen;
	*second_start = 3 + flen;
	return buf;
}

static void
test_frames_with_newlines(void)
{
	size_t		len;
	size_t		first_end;
	size_t		second_start;
	uint8_t    *buf = two_frames(&len, &first_end, &second_start);
	const uint8_t *payload;
	size_t		plen;
	size_t		consumed;
	size_t		pos = 0;
	int			frames = 0;
	W2eError	err;
	W2eFrameResult r;

	while ((r = w2e_frame_next(buf + pos, len - pos, &payload, &plen,
							   &consumed, &err)) == W2E_FRAME_OK)
	{
		W2eTransaction *txn = w2e_transaction_parse(payload, plen, NULL, &err);

		CHECK(txn != NULL);
		if (txn != NULL)
			CHECK_INT(txn->xid, 744);
		w2e_transaction_free(txn, NULL);
		pos += consumed;
		frames++;
	}
	CHECK_INT(r, W2E_FRAME_NEED_MORE);
	CHECK_INT(frames, 2);
	CHECK_INT(pos, len - 1);
	CHECK_INT(consumed, 1);		/* the trailing newline can be dropped */
}

/* Every prefix of the stream: NEED_MORE until the first frame is whole. */
static void
test_frames_cut_everywhere(void)
{
	size_t		len;
	size_t		first_end;
	size_t		second_start;
	uint8_t    *buf = two_frames(&len, &first_end, &second_start);
	const uint8_t *payload;
	size_t		plen;
	size_t		consumed;
	size_t		cut;
	W2eError	err;
	W2eFrameResult r;

	for (cut = 0; cut <= len; cut++)
	{
		r = w2e_frame_next(buf, cut, &payload, &plen, &consumed, &err);
		if (cut < first_end)
		{
			CHECK_INT(r, W2E_FRAME_NEED_MORE);
			CHECK_INT(consumed, cut == 0 ? 0 : 1);
			CHECK(payload == NULL);
		}
		else
		{
			CHECK_INT(r, W2E_FRAME_OK);
			CHECK_INT(consumed, first_end);
		}
		/* and the same for the second frame, from after the first */
		if (cut >= first_end)
		{
			r = w2e_frame_next(buf + first_end, cut - first_end, &payload,
							   &plen, &consumed, &err);
			CHECK_INT(r, cut < len - 1 ? W2E_FRAME_NEED_MORE : W2E_FRAME_OK);
		}
	}
}

static void
test_frame_empty_and_newlines_only(void)
{
	const uint8_t nl[] = "\n\n\n";
	const uint8_t empty_frame[] = {0xE2, 0x00};
	const uint8_t *payload;
	size_t		plen;
	size_t		consumed = 99;
	W2eError	err;

	CHECK_INT(w2e_frame_next(nl, 0, &payload, &plen, &consumed, &err), W2E_FRAME_NEED_MORE);
	CHECK_INT(consumed, 0);
	CHECK_INT(w2e_frame_next(nl, 3, &payload, &plen, &consumed, &err), W2E_FRAME_NEED_MORE);
	CHECK_INT(consumed, 3);
	CHECK_INT(w2e_frame_next(empty_frame, 2, &payload, &plen, &consumed, &err), W2E_FRAME_OK);
	CHECK_INT(plen, 0);
	CHECK_INT(consumed, 2);
}

static void
test_frame_bad_marker(void)
{
	const uint8_t json[] = "\n{\"xid\":1}";
	const uint8_t bare[] = {0x08, 0x05};
	const uint8_t junk[] = {0xFF};
	const uint8_t *payload;
	size_t		plen;
	size_t		consumed;
	W2eError	err;

	CHECK_INT(w2e_frame_next(json, sizeof(json) - 1, &payload, &plen, &consumed, &err),
			  W2E_FRAME_ERROR);
	CHECK_INT(consumed, 1);
	CHECK_STR(err.message, "expected frame marker 0xE2, found 0x7B (this looks like JSON: was the slot read with format=json?)");
	CHECK_INT(w2e_frame_next(bare, 2, &payload, &plen, &consumed, &err), W2E_FRAME_ERROR);
	CHECK_STR(err.message, "expected frame marker 0xE2, found 0x08 (this may be a bare message: was it written with framing=none?)");
	CHECK_INT(w2e_frame_next(junk, 1, &payload, &plen, &consumed, &err), W2E_FRAME_ERROR);
	CHECK_STR(err.message, "expected frame marker 0xE2, found 0xFF");
}

static void
test_frame_bad_lengths(void)
{
	/* 2^30 + 1: one byte over the limit, rejected without the payload */
	const uint8_t over[] = {0xE2, 0x81, 0x80, 0x80, 0x80, 0x04};
	/* exactly 2^30: allowed, so it waits for the payload */
	const uint8_t at_limit[] = {0xE2, 0x80, 0x80, 0x80, 0x80, 0x04};
	/* already over the limit after 5 varint bytes, more announced */
	const uint8_t early[] = {0xE2, 0xFF, 0xFF, 0xFF, 0xFF, 0x84};
	/* eleven-byte varint of zeros: longer than any 64-bit value */
	const uint8_t too_long[] = {0xE2, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	const uint8_t *payload;
	size_t		plen;
	size_t		consumed;
	W2eError	err;

	CHECK_INT(w2e_frame_next(over, sizeof(over), &payload, &plen, &consumed, &err), W2E_FRAME_ERROR);
	CHECK_STR(err.message, "frame length is over the 1073741824-byte limit");
	CHECK_INT(w2e_frame_next(at_limit, sizeof(at_limit), &payload, &plen, &consumed, &err),
			  W2E_FRAME_NEED_MORE);
	CHECK_INT(w2e_frame_next(early, sizeof(early), &payload, &plen, &consumed, &err), W2E_FRAME_ERROR);
	CHECK_INT(w2e_frame_next(too_long, sizeof(too_long), &payload, &plen, &consumed, &err),
			  W2E_FRAME_ERROR);
	CHECK_STR(err.message, "frame length is not a valid varint (more than 64 bits)");
	/* ten bytes of continuation: still need more? no, ten is the maximum */
	CHECK_INT(w2e_frame_next(too_long, 11, &payload, &plen, &consumed, &err), W2E_FRAME_ERROR);
	CHECK_INT(w2e_frame_next(too_long, 10, &payload, &plen, &consumed, &err), W2E_FRAME_NEED_MORE);
}

static void
test_unframe(void)
{
	W2eTransaction *txn = txn_example();
	size_t		mlen;
	size_t		flen;
	uint8_t    *msg = pack_txn(txn, &mlen);
	uint8_t    *f = frame(msg, mlen, &flen);
	uint8_t    *with_nl = arena_alloc(flen + 2);
	const uint8_t *out;
	size_t		out_len;
	W2eError	err;

	memcpy(with_nl, f, flen);
	with_nl[flen] = '\n';
	with_nl[flen + 1] = '\n';

	CHECK_INT(w2e_unframe(msg, mlen, &out, &out_len, &err), 0);	/* bare */
	CHECK(out == msg && out_len == mlen);
	CHECK_INT(w2e_unframe(f, flen, &out, &out_len, &err), 0);
	CHECK(out == f + 2 && out_len == mlen);
	CHECK_INT(w2e_unframe(with_nl, flen + 1, &out, &out_len, &err), 0);
	CHECK(out_len == mlen);
	CHECK_INT(w2e_unframe(with_nl, flen + 2, &out, &out_len, &err), -1);
	CHECK_STR(err.message, "2 unexpected bytes after the frame (expected exactly one message)");
	CHECK_INT(w2e_unframe(f, flen - 1, &out, &out_len, &err), -1);
	CHECK_STR(err.message, "truncated frame: header says 33 bytes, only 32 follow");
	CHECK_INT(w2e_unframe(f, 1, &out, &out_len, &err), -1);
	CHECK_STR(err.message, "truncated frame: the data ends inside the frame header");
	CHECK_INT(w2e_unframe(f, 0, &out, &out_len, &err), 0);	/* empty: bare, empty */
	CHECK_INT(out_len, 0);
	CHECK_INT(mlen, 33);
}

const UnitTest frame_tests[] = {
	{"frame: newlines between frames are skipped", test_frames_with_newlines},
	{"frame: NEED_MORE at every cut point", test_frames_cut_everywhere},
	{"frame: empty input, newlines only, empty frame", test_frame_empty_and_newlines_only},
	{"frame: bad marker says what the input looks like", test_frame_bad_marker},
	{"frame: oversized and overlong varint lengths", test_frame_bad_lengths},
	{"frame: unframe bare, framed, trailing newline, truncated", test_unframe},
	{NULL, NULL}
};
