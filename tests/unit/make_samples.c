/*
 * make_samples.c
 *    Writes sample inputs for the CLI tests (cli_test.sh) and the fuzzer's
 *    seed corpus, built with the same builders as the unit tests, and the
 *    JSON lines `wal2events decode` must print for the good ones.
 *
 *    test_make_samples DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

static const char *dir;

static FILE *
create(const char *name)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	return f;
}

static void
put(FILE *f, const void *data, size_t len)
{
	if (len > 0 && fwrite(data, 1, len, f) != len)
	{
		perror("write");
		exit(1);
	}
}

/* txn framed, followed by a newline as pg_recvlogical -f writes it. */
static void
put_frame(FILE *f, const W2eTransaction *txn, int newline)
{
	size_t		mlen;
	size_t		flen;
	uint8_t    *msg = pack_txn(txn, &mlen);
	uint8_t    *framed = frame(msg, mlen, &flen);

	put(f, framed, flen);
	if (newline)
		put(f, "\n", 1);
}

static void
put_json(FILE *f, const W2eTransaction *txn)
{
	W2eError	err;
	const char *json = to_json(txn, &err);

	if (json == NULL)
	{
		fprintf(stderr, "make_samples: %s\n", err.message);
		exit(1);
	}
	fprintf(f, "%s\n", json);
}

/* A transaction whose one message is bigger than the reader's first buffer. */
static W2eTransaction *
big_txn(void)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *row = row_change(W2E_OP_INSERT, 0, W2E_OLD_NONE);
	size_t		n = 300 * 1000;
	char	   *text = arena_alloc(n + 1);

	memset(text, 'x', n);
	txn_add_relation(txn, orders_relation());
	row_new(row, 3, v_int(1), v_text(text), v_null());
	txn_add_event(txn, event_row(0, "orders-created", "1", row));
	return txn;
}

static void
write_stream(void)
{
	FILE	   *bin = create("stream.bin");
	FILE	   *json = create("stream.jsonl");
	int			i;

	for (i = 0; i < 4; i++)
	{
		put_frame(bin, txn_rich(i), 1);
		put_json(json, txn_rich(i));
	}
	fclose(bin);
	fclose(json);

	bin = create("big.bin");
	json = create("big.jsonl");
	put_frame(bin, big_txn(), 1);
	put_frame(bin, txn_rich(2), 1);
	put_json(json, big_txn());
	put_json(json, txn_rich(2));
	fclose(bin);
	fclose(json);
}

static void
write_single(void)
{
	FILE	   *bin = create("bare.bin");
	FILE	   *json = create("bare.jsonl");
	size_t		len;
	uint8_t    *msg = pack_txn(txn_rich(1), &len);

	put(bin, msg, len);
	put_json(json, txn_rich(1));
	fclose(bin);
	fclose(json);
	bin = create("one_frame.bin");
	put_frame(bin, txn_rich(1), 0);
	fclose(bin);
	fclose(create("empty.bin"));
}

/* Broken inputs: each has one good frame first, so the error offset is > 0. */
static void
write_broken(void)
{
	const uint8_t garbage[] = {0xE2, 0x03, 0xFF, 0xFF, 0xFF};
	W2eTransaction *bad = txn_example();
	FILE	   *f;
	size_t		len;
	uint8_t    *msg = pack_txn(txn_rich(0), &len);
	uint8_t    *framed = frame(msg, len, &len);

	txn_add_event(bad, event_row(0, "x", "", row_change(W2E_OP_TRUNCATE, 3, W2E_OLD_NONE)));

	f = create("truncated.bin");
	put_frame(f, txn_rich(0), 1);
	put(f, framed, len - 10);
	fclose(f);
	f = create("bad_marker.bin");
	put_frame(f, txn_rich(0), 1);
	put(f, "{\"xid\":1}\n", 10);
	fclose(f);
	f = create("bad_message.bin");
	put_frame(f, txn_rich(0), 1);
	put(f, garbage, sizeof(garbage));
	fclose(f);
	f = create("inconsistent.bin");
	put_frame(f, txn_rich(0), 1);
	put_frame(f, bad, 1);
	fclose(f);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: test_make_samples DIR\n");
		return 2;
	}
	dir = argv[1];
	write_stream();
	write_single();
	write_broken();
	arena_free_all();
	return 0;
}
