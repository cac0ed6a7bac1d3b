/*
 * make_samples.c
 *    Writes sample inputs for the CLI tests (cli_test.sh) and the fuzzers'
 *    seed corpora, built with the same builders as the unit tests, and the
 *    JSON lines `wal2events decode` must print for the good ones. env_*.bin
 *    and env_*.json are EventEnvelopes, one per event, as `ship` writes them
 *    (the seeds of tests/fuzz/fuzz_envelope.c).
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

/* Each event of txn as an EventEnvelope: protobuf, its JSON line, and all framed. */
static void
write_envelopes(const W2eTransaction *txn, FILE *framed)
{
	size_t		i;

	for (i = 0; i < txn->n_events; i++)
	{
		W2eEventEnvelope env = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;
		W2eEvent	event = *txn->events[i];
		W2eRowChange row;
		W2eRelation *rel[1];
		W2eBuffer	json;
		W2eError	err;
		char		id[W2E_EVENT_ID_MAX];
		char		name[64];
		size_t		len;
		uint8_t    *packed;
		uint8_t    *framed_msg;
		size_t		framed_len;
		FILE	   *f;

		w2e_event_id(id, txn->system_identifier, txn->commit_lsn, event.position);
		env.id = id;
		env.type = event.type;
		env.partition_key = event.partition_key;
		env.commit_time = txn->commit_time;
		env.database = txn->database;
		env.xid = txn->xid;
		env.commit_lsn = txn->commit_lsn;
		env.position = event.position;
		env.system_identifier = txn->system_identifier;
		env.event = &event;
		if (event.body_case == WAL2EVENTS__V1__EVENT__BODY_ROW)
		{
			row = *event.row;
			rel[0] = txn->relations[row.relation];
			row.relation = 0;
			event.row = &row;
			env.n_relations = 1;
			env.relations = rel;
			env.schema = rel[0]->schema;
			env.table = rel[0]->table;
		}
		len = wal2events__v1__event_envelope__get_packed_size(&env);
		packed = arena_alloc(len + 1);
		wal2events__v1__event_envelope__pack(&env, packed);
		snprintf(name, sizeof(name), "env_%u_%zu.bin", (unsigned) txn->xid, i);
		f = create(name);
		put(f, packed, len);
		fclose(f);
		framed_msg = frame(packed, len, &framed_len);
		put(framed, framed_msg, framed_len);
		w2e_buffer_init(&json, NULL);
		if (w2e_envelope_to_json(&env, &json, &err) != 0)
		{
			fprintf(stderr, "make_samples: envelope %s: %s\n", id, err.message);
			exit(1);
		}
		snprintf(name, sizeof(name), "env_%u_%zu.json", (unsigned) txn->xid, i);
		f = create(name);
		put(f, json.data, json.len);
		fclose(f);
		w2e_buffer_free(&json);
	}
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
	{
		FILE	   *framed = create("envelopes.bin");

		write_envelopes(txn_rich(1), framed);
		write_envelopes(txn_rich(2), framed);
		fclose(framed);
	}
	arena_free_all();
	return 0;
}
