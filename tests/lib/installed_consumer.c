/*
 * installed_consumer.c
 *    A C consumer built against the installed libwal2events (headers,
 *    library, pkg-config file): it builds a Transaction with protobuf-c,
 *    frames it, reads the frame back and renders it, as a consumer would;
 *    and reads an EventEnvelope, whose first byte is the tag wire_fields.h
 *    names.
 */
#include <stdio.h>
#include <string.h>

#include <wal2events.h>
#include <wire_fields.h>

/* An envelope as `wal2events ship` publishes it: parsed, rendered, freed. */
static int
read_envelope(void)
{
	W2eEventEnvelope env = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;
	W2eEvent	event = WAL2EVENTS__V1__EVENT__INIT;
	Wal2events__V1__LogicalMessage message = WAL2EVENTS__V1__LOGICAL_MESSAGE__INIT;
	uint8_t		packed[256];
	size_t		len;
	W2eEventEnvelope *parsed;
	W2eBuffer	json;
	W2eError	err;
	int			ok;

	message.prefix = "audit";
	event.body_case = WAL2EVENTS__V1__EVENT__BODY_MESSAGE;
	event.message = &message;
	env.id = "42/00000000016B3F28/0";
	env.event = &event;
	len = wal2events__v1__event_envelope__pack(&env, packed);
	if (packed[0] != W2E_WIRE_TAG(W2E_FIELD_ENV_ID, W2E_WIRE_LEN) ||
		(parsed = w2e_envelope_parse(packed, len, NULL, &err)) == NULL)
	{
		fprintf(stderr, "installed_consumer: envelope: %s\n", packed[0] == 0x0A ? err.message : "wrong first tag");
		return 1;
	}
	w2e_buffer_init(&json, NULL);
	ok = w2e_envelope_to_json(parsed, &json, &err) == 0 && strstr(json.data, "\"audit\"") != NULL;
	printf("%s\n", json.data);
	w2e_buffer_free(&json);
	w2e_envelope_free(parsed, NULL);
	return ok ? 0 : 1;
}

int
main(void)
{
	W2eTransaction txn = WAL2EVENTS__V1__TRANSACTION__INIT;
	uint8_t		packed[256];
	uint8_t		framed[270];
	size_t		len = wal2events__v1__transaction__get_packed_size(&txn);
	const uint8_t *payload;
	size_t		payload_len, consumed;
	W2eError	err;
	W2eTransaction *parsed;
	W2eBuffer	json;
	char		id[W2E_EVENT_ID_MAX];

	txn.xid = 7;
	txn.commit_lsn = 0x16B3F28;
	txn.database = "shop";
	txn.system_identifier = 42;
	txn.last_chunk = 1;
	len = wal2events__v1__transaction__pack(&txn, packed);
	framed[0] = W2E_FRAME_MAGIC;
	framed[1] = (uint8_t) len;	/* < 128: a one-byte varint */
	memcpy(framed + 2, packed, len);

	if (w2e_frame_next(framed, len + 2, &payload, &payload_len, &consumed, &err) != W2E_FRAME_OK ||
		(parsed = w2e_transaction_parse(payload, payload_len, NULL, &err)) == NULL)
	{
		fprintf(stderr, "installed_consumer: %s\n", err.message);
		return 1;
	}
	w2e_buffer_init(&json, NULL);
	if (w2e_transaction_to_json(parsed, &json, &err) != 0)
	{
		fprintf(stderr, "installed_consumer: %s\n", err.message);
		return 1;
	}
	w2e_event_id(id, parsed->system_identifier, parsed->commit_lsn, 3);
	printf("%s\n%s\n", json.data, id);
	if (strstr(json.data, "\"xid\":7") == NULL || strcmp(id, "42/00000000016B3F28/3") != 0)
		return 1;
	w2e_buffer_free(&json);
	w2e_transaction_free(parsed, NULL);
	return read_envelope();
}
