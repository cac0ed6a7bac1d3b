/*
 * test_envelope_parse.c
 *    w2e_envelope_parse(): what `wal2events consume` and `decode --envelope`
 *    read, with the guards of a Transaction's parse (nesting bounded before
 *    unpacking, consistency checked after), and the caller's allocator.
 */
#include <stdio.h>

#include "build.h"
#include "harness.h"
#include "wire_fields.h"

static uint8_t *
pack_envelope(const W2eEventEnvelope *env, size_t *len)
{
	uint8_t    *buf;

	*len = wal2events__v1__event_envelope__get_packed_size(env);
	buf = arena_alloc(*len + 1);
	wal2events__v1__event_envelope__pack(env, buf);
	return buf;
}

static const char *
envelope_json(const W2eEventEnvelope *env)
{
	W2eBuffer	out;
	W2eError	err;
	char	   *copy;

	w2e_buffer_init(&out, NULL);
	if (w2e_envelope_to_json(env, &out, &err) != 0)
	{
		w2e_buffer_free(&out);
		return "ERROR";
	}
	copy = arena_alloc(out.len + 1);
	memcpy(copy, out.data, out.len + 1);
	w2e_buffer_free(&out);
	return copy;
}

/* An orders row change in an envelope, with its one relation. */
static W2eEventEnvelope *
orders_envelope(uint32_t relation_index)
{
	W2eEventEnvelope init = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;
	W2eEventEnvelope *env = arena_alloc(sizeof(*env));
	W2eRowChange *row = row_change(W2E_OP_INSERT, relation_index, W2E_OLD_NONE);
	W2eRelation **rels = arena_alloc(sizeof(W2eRelation *));

	row_new(row, 3, v_int(1), v_text("x"), v_numeric("2.50"));
	rels[0] = orders_relation();
	*env = init;
	env->id = "7/0000000000000001/0";
	env->type = "orders.created";
	env->event = event_row(0, "orders.created", "1", row);
	env->n_relations = 1;
	env->relations = rels;
	return env;
}

static void
test_round_trip(void)
{
	W2eEventEnvelope *env = orders_envelope(0);
	size_t		len;
	uint8_t    *packed = pack_envelope(env, &len);
	W2eEventEnvelope *parsed;
	W2eError	err;

	CHECK_INT(packed[0], W2E_WIRE_TAG(W2E_FIELD_ENV_ID, W2E_WIRE_LEN));
	parsed = w2e_envelope_parse(packed, len, NULL, &err);
	CHECK(parsed != NULL);
	if (parsed != NULL)
		CHECK_STR(envelope_json(parsed), envelope_json(env));
	w2e_envelope_free(parsed, NULL);
	w2e_envelope_free(NULL, NULL);
}

static void
test_refused(void)
{
	const uint8_t junk[] = {0xFF, 0xFF, 0xFF};
	W2eEventEnvelope *env = orders_envelope(1);	/* one relation: index 1 is out of range */
	size_t		len;
	uint8_t    *packed = pack_envelope(env, &len);
	W2eError	err;

	CHECK(w2e_envelope_parse(packed, len, NULL, &err) == NULL);
	CHECK_STR(err.message, "envelope 7/0000000000000001/0: event 0: row change refers to relation 1 but the message has 1");
	env->event = NULL;
	packed = pack_envelope(env, &len);
	CHECK(w2e_envelope_parse(packed, len, NULL, &err) == NULL);
	CHECK_STR(err.message, "envelope 7/0000000000000001/0 has no event");
	CHECK(w2e_envelope_parse(junk, sizeof(junk), NULL, &err) == NULL);
	CHECK_STR(err.message, "not a valid EventEnvelope message (3 bytes; protobuf decoding failed or out of memory)");
	CHECK(w2e_envelope_parse(NULL, 5, NULL, &err) == NULL);
	CHECK_STR(err.message, "no message data");
	CHECK(w2e_envelope_parse(NULL, 0, NULL, &err) == NULL);	/* empty: no event */
}

/* An event nesting arrays 9 deep, in an envelope: refused before unpacking. */
static void
test_depth(void)
{
	W2eEventEnvelope *env = orders_envelope(0);
	size_t		len;
	uint8_t    *packed;
	W2eError	err;

	env->event->row->new_values[1] = v_nested_array(9, v_int(1));
	packed = pack_envelope(env, &len);
	CHECK(w2e_envelope_parse(packed, len, NULL, &err) == NULL);
	CHECK_STR(err.message, "arrays are nested more than 8 deep");
	env->event->row->new_values[1] = v_nested_array(8, v_int(1));
	packed = pack_envelope(env, &len);
	w2e_envelope_free(w2e_envelope_parse(packed, len, NULL, &err), NULL);
}

static void
test_parse_allocator(void)
{
	size_t		len;
	uint8_t    *packed = pack_envelope(orders_envelope(0), &len);
	TestAllocator ta;
	const W2eAllocator *a;
	W2eEventEnvelope *env = NULL;
	W2eError	err;
	long		fail_after;

	a = test_allocator(&ta, -1);
	env = w2e_envelope_parse(packed, len, a, &err);
	CHECK(env != NULL && ta.allocs > 5);
	w2e_envelope_free(env, a);
	CHECK_INT(ta.frees, ta.allocs);
	env = NULL;
	for (fail_after = 0; env == NULL && fail_after < 1000; fail_after++)
	{
		a = test_allocator(&ta, fail_after);
		env = w2e_envelope_parse(packed, len, a, &err);
		if (env == NULL)
			CHECK_INT(ta.frees, ta.allocs);
	}
	CHECK(env != NULL);
	w2e_envelope_free(env, a);
	CHECK_INT(ta.frees, ta.allocs);
}

const UnitTest envelope_parse_tests[] = {
	{"envelope parse: round trip gives the same JSON", test_round_trip},
	{"envelope parse: inconsistent, eventless, garbage, no data", test_refused},
	{"envelope parse: arrays nested too deep are refused before unpacking", test_depth},
	{"envelope parse: caller's allocator, and failure at every allocation", test_parse_allocator},
	{NULL, NULL}
};
