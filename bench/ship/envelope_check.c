/*
 * envelope_check.c
 *    Does the shipper's envelope, built from the plugin's own bytes
 *    (src/cli/envelope/envelope.c, envelope_set_message), say exactly what
 *    protobuf-c's packing of the same envelope says? For every event of
 *    every Transaction in framed streams (pg_recvlogical -o format=protobuf
 *    -o framing=delimited -f FILE): the same bytes, or else both decode to
 *    the same JSON and the copy packs back to protobuf-c's bytes.
 *
 *   make -C src/cli test_envelope_check
 *   src/cli/test_envelope_check STREAM...
 *
 * Prints "events N, byte-identical N, different N"; exit status 1 when any
 * differs. Runs in the unit suite on the samples (tests/unit/run.sh) and in
 * the ship suite on the plugin's own output (tests/ship/run.sh
 * envelope_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "wal2events.h"

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf = NULL;
	size_t		cap = 0;

	*len = 0;
	if (f == NULL)
		return NULL;
	for (;;)
	{
		size_t		n;

		if (*len == cap)
		{
			cap = cap == 0 ? 1 << 20 : cap * 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				break;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

/* 0 when the two encodings carry the same envelope. */
static int
same_envelope(const Envelope *copied, const Envelope *packed)
{
	W2eEventEnvelope *x = wal2events__v1__event_envelope__unpack(NULL, copied->len, copied->data);
	W2eEventEnvelope *y = wal2events__v1__event_envelope__unpack(NULL, packed->len, packed->data);
	W2eBuffer	jx,
				jy;
	W2eError	err;
	int			r = -1;

	w2e_buffer_init(&jx, NULL);
	w2e_buffer_init(&jy, NULL);
	if (x != NULL && y != NULL &&
		w2e_envelope_to_json(x, &jx, &err) == 0 && w2e_envelope_to_json(y, &jy, &err) == 0 &&
		strcmp(jx.data, jy.data) == 0)
	{
		size_t		size = wal2events__v1__event_envelope__get_packed_size(x);
		uint8_t    *again = malloc(size);

		if (again != NULL)
		{
			wal2events__v1__event_envelope__pack(x, again);
			r = size == packed->len && memcmp(again, packed->data, size) == 0 ? 0 : -1;
		}
		free(again);
	}
	if (r != 0)
		printf("different:\n  %s\n  %s\n", jx.data, jy.data);
	w2e_buffer_free(&jx);
	w2e_buffer_free(&jy);
	if (x != NULL)
		wal2events__v1__event_envelope__free_unpacked(x, NULL);
	if (y != NULL)
		wal2events__v1__event_envelope__free_unpacked(y, NULL);
	return r;
}

int
main(int argc, char **argv)
{
	long		events = 0,
				identical = 0,
				different = 0;
	int			a;

	for (a = 1; a < argc; a++)
	{
		size_t		len,
					off = 0;
		uint8_t    *buf = read_file(argv[a], &len);

		if (buf == NULL)
		{
			fprintf(stderr, "envelope_check: cannot read %s\n", argv[a]);
			return 2;
		}
		while (off < len)
		{
			const uint8_t *payload;
			size_t		plen,
						consumed;
			W2eError	err;
			W2eTransaction *txn;
			Envelope	copied,
						packed;
			size_t		i;

			if (w2e_frame_next(buf + off, len - off, &payload, &plen, &consumed, &err) != W2E_FRAME_OK)
				break;
			off += consumed;
			if ((txn = w2e_transaction_parse(payload, plen, NULL, &err)) == NULL)
				continue;		/* not a Transaction (another plugin message) */
			envelope_init(&copied);
			envelope_init(&packed);
			envelope_set_message(&copied, payload, plen, txn);
			if (!copied.raw_ok)
				printf("message at byte %zu: its events and relations were not found\n", off);
			for (i = 0; i < txn->n_events; i++)
			{
				if (envelope_build_at(&copied, txn, i, PAYLOAD_PROTOBUF, &err) != 0 ||
					envelope_build_at(&packed, txn, i, PAYLOAD_PROTOBUF, &err) != 0)
				{
					printf("event %zu: %s\n", i, err.message);
					different++;
					continue;
				}
				events++;
				if (copied.len == packed.len && memcmp(copied.data, packed.data, copied.len) == 0)
					identical++;
				else if (same_envelope(&copied, &packed) != 0)
					different++;
			}
			envelope_free(&copied);
			envelope_free(&packed);
			w2e_transaction_free(txn, NULL);
		}
		free(buf);
	}
	printf("events %ld, byte-identical %ld, different %ld\n", events, identical, different);
	return different != 0;
}
