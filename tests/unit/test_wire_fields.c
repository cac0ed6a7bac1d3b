/*
 * test_wire_fields.c
 *    src/lib/wire_fields.h against the .proto: every field number, enum
 *    value and wire type in the header is compared with the descriptors
 *    protoc-c generates from proto/wal2events.proto, and every field of a
 *    message the hand writers emit (the plugin, the shipper's envelope
 *    writer) must have its constant here. A typo or a renumbered field fails
 *    these tests instead of writing messages no consumer can read.
 *
 * The table also says which protobuf type the hand writers encode each
 * field as (pb_sint for sint64, pb_uint for uint64, ...): a .proto change
 * of a field's type (int64 to sint64, say) changes its bytes, and fails.
 */
#include <stdio.h>

#include "build.h"
#include "harness.h"
#include "wire_fields.h"

typedef struct FieldCase
{
	const char *constant;		/* its name in wire_fields.h */
	int			number;			/* its value there */
	const ProtobufCMessageDescriptor *message;
	const char *field;			/* the field's name in the .proto */
	ProtobufCType type;			/* how the hand writers encode it */
	int			repeated;
} FieldCase;

#define D(m) (&wal2events__v1__##m##__descriptor)
#define F(m, c, name, t) {#c, c, D(m), name, PROTOBUF_C_TYPE_##t, 0}
#define R(m, c, name, t) {#c, c, D(m), name, PROTOBUF_C_TYPE_##t, 1}

static const FieldCase fields[] = {
	F(transaction, W2E_FIELD_TXN_XID, "xid", UINT32),
	F(transaction, W2E_FIELD_TXN_COMMIT_LSN, "commit_lsn", UINT64),
	F(transaction, W2E_FIELD_TXN_COMMIT_TIME, "commit_time", INT64),
	F(transaction, W2E_FIELD_TXN_ORIGIN, "origin", STRING),
	F(transaction, W2E_FIELD_TXN_ORIGIN_LSN, "origin_lsn", UINT64),
	F(transaction, W2E_FIELD_TXN_DATABASE, "database", STRING),
	F(transaction, W2E_FIELD_TXN_SYSTEM_IDENTIFIER, "system_identifier", UINT64),
	F(transaction, W2E_FIELD_TXN_CHUNK, "chunk", UINT32),
	F(transaction, W2E_FIELD_TXN_LAST_CHUNK, "last_chunk", BOOL),
	R(transaction, W2E_FIELD_TXN_EVENTS, "events", MESSAGE),
	R(transaction, W2E_FIELD_TXN_RELATIONS, "relations", MESSAGE),
	F(transaction, W2E_FIELD_TXN_NON_TRANSACTIONAL, "non_transactional", BOOL),
	F(transaction, W2E_FIELD_TXN_OVERSIZED, "oversized", UINT32),
	F(transaction, W2E_FIELD_TXN_BACKFILL_WINDOW_LSN, "backfill_window_lsn", UINT64),

	F(event, W2E_FIELD_EVENT_POSITION, "position", UINT32),
	F(event, W2E_FIELD_EVENT_TYPE, "type", STRING),
	F(event, W2E_FIELD_EVENT_PARTITION_KEY, "partition_key", STRING),
	F(event, W2E_FIELD_EVENT_LSN, "lsn", UINT64),
	F(event, W2E_FIELD_EVENT_ROW, "row", MESSAGE),
	F(event, W2E_FIELD_EVENT_DOMAIN, "domain", MESSAGE),
	F(event, W2E_FIELD_EVENT_MESSAGE, "message", MESSAGE),
	F(event, W2E_FIELD_EVENT_SUBJECT, "subject", STRING),
	F(event, W2E_FIELD_EVENT_ID_OVERRIDE, "id_override", STRING),
	F(event, W2E_FIELD_EVENT_OVERSIZED, "oversized", MESSAGE),

	F(relation, W2E_FIELD_REL_OID, "oid", UINT32),
	F(relation, W2E_FIELD_REL_SCHEMA, "schema", STRING),
	F(relation, W2E_FIELD_REL_TABLE, "table", STRING),
	R(relation, W2E_FIELD_REL_COLUMNS, "columns", MESSAGE),
	F(relation, W2E_FIELD_REL_REPLICA_IDENTITY, "replica_identity", ENUM),

	F(column, W2E_FIELD_COL_NAME, "name", STRING),
	F(column, W2E_FIELD_COL_TYPE_OID, "type_oid", UINT32),
	F(column, W2E_FIELD_COL_TYPE_NAME, "type_name", STRING),
	F(column, W2E_FIELD_COL_IDENTITY, "identity", BOOL),
	F(column, W2E_FIELD_COL_PARTITION_KEY, "partition_key", BOOL),

	F(row_change, W2E_FIELD_ROW_OPERATION, "operation", ENUM),
	F(row_change, W2E_FIELD_ROW_RELATION, "relation", UINT32),
	R(row_change, W2E_FIELD_ROW_NEW_VALUES, "new_values", MESSAGE),
	R(row_change, W2E_FIELD_ROW_OLD_VALUES, "old_values", MESSAGE),
	F(row_change, W2E_FIELD_ROW_OLD_IDENTITY, "old_identity", ENUM),
	F(row_change, W2E_FIELD_ROW_CASCADE, "cascade", BOOL),
	F(row_change, W2E_FIELD_ROW_RESTART_IDENTITY, "restart_identity", BOOL),
	R(row_change, W2E_FIELD_ROW_TAGS, "tags", MESSAGE),

	F(domain_event, W2E_FIELD_DOMAIN_PAYLOAD, "payload", STRING),
	R(domain_event, W2E_FIELD_DOMAIN_TAGS, "tags", MESSAGE),

	/* one pair of constants for the entries of every map<string, string> */
	F(row_change__tags_entry, W2E_FIELD_MAP_KEY, "key", STRING),
	F(row_change__tags_entry, W2E_FIELD_MAP_VALUE, "value", STRING),
	F(domain_event__tags_entry, W2E_FIELD_MAP_KEY, "key", STRING),
	F(domain_event__tags_entry, W2E_FIELD_MAP_VALUE, "value", STRING),
	F(event_envelope__tags_entry, W2E_FIELD_MAP_KEY, "key", STRING),
	F(event_envelope__tags_entry, W2E_FIELD_MAP_VALUE, "value", STRING),

	F(logical_message, W2E_FIELD_MSG_PREFIX, "prefix", STRING),
	F(logical_message, W2E_FIELD_MSG_CONTENT, "content", BYTES),

	F(value, W2E_FIELD_VAL_NULL, "null", BOOL),
	F(value, W2E_FIELD_VAL_UNCHANGED_TOAST, "unchanged_toast", BOOL),
	F(value, W2E_FIELD_VAL_BOOL, "bool_value", BOOL),
	F(value, W2E_FIELD_VAL_INT, "int_value", SINT64),
	F(value, W2E_FIELD_VAL_FLOAT32, "float32_value", FLOAT),
	F(value, W2E_FIELD_VAL_FLOAT64, "float64_value", DOUBLE),
	F(value, W2E_FIELD_VAL_TEXT, "text_value", STRING),
	F(value, W2E_FIELD_VAL_BYTES, "bytes_value", BYTES),
	F(value, W2E_FIELD_VAL_NUMERIC, "numeric_value", STRING),
	F(value, W2E_FIELD_VAL_DATE, "date_value", SINT32),
	F(value, W2E_FIELD_VAL_TIMESTAMP, "timestamp_value", SINT64),
	F(value, W2E_FIELD_VAL_TIMESTAMPTZ, "timestamptz_value", SINT64),
	F(value, W2E_FIELD_VAL_TIME, "time_value", INT64),
	F(value, W2E_FIELD_VAL_INTERVAL, "interval_value", MESSAGE),
	F(value, W2E_FIELD_VAL_UUID, "uuid_value", BYTES),
	F(value, W2E_FIELD_VAL_JSON, "json_value", STRING),
	F(value, W2E_FIELD_VAL_ARRAY, "array_value", MESSAGE),
	F(value, W2E_FIELD_VAL_OVERSIZED, "oversized", MESSAGE),

	F(oversized, W2E_FIELD_OVERSIZED_BYTES, "bytes", UINT64),
	F(oversized, W2E_FIELD_OVERSIZED_SHA256, "sha256", BYTES),

	F(interval, W2E_FIELD_IV_MONTHS, "months", INT32),
	F(interval, W2E_FIELD_IV_DAYS, "days", INT32),
	F(interval, W2E_FIELD_IV_MICROSECONDS, "microseconds", INT64),

	R(array, W2E_FIELD_ARR_ELEMENTS, "elements", MESSAGE),

	F(event_envelope, W2E_FIELD_ENV_ID, "id", STRING),
	F(event_envelope, W2E_FIELD_ENV_TYPE, "type", STRING),
	F(event_envelope, W2E_FIELD_ENV_PARTITION_KEY, "partition_key", STRING),
	F(event_envelope, W2E_FIELD_ENV_COMMIT_TIME, "commit_time", INT64),
	F(event_envelope, W2E_FIELD_ENV_DATABASE, "database", STRING),
	F(event_envelope, W2E_FIELD_ENV_SCHEMA, "schema", STRING),
	F(event_envelope, W2E_FIELD_ENV_TABLE, "table", STRING),
	F(event_envelope, W2E_FIELD_ENV_XID, "xid", UINT32),
	F(event_envelope, W2E_FIELD_ENV_COMMIT_LSN, "commit_lsn", UINT64),
	F(event_envelope, W2E_FIELD_ENV_POSITION, "position", UINT32),
	R(event_envelope, W2E_FIELD_ENV_TAGS, "tags", MESSAGE),
	F(event_envelope, W2E_FIELD_ENV_EVENT, "event", MESSAGE),
	R(event_envelope, W2E_FIELD_ENV_RELATIONS, "relations", MESSAGE),
	F(event_envelope, W2E_FIELD_ENV_SYSTEM_IDENTIFIER, "system_identifier", UINT64),
	F(event_envelope, W2E_FIELD_ENV_ORIGIN, "origin", STRING),
	F(event_envelope, W2E_FIELD_ENV_NON_TRANSACTIONAL, "non_transactional", BOOL),
	F(event_envelope, W2E_FIELD_ENV_ORIGIN_LSN, "origin_lsn", UINT64),
};

typedef struct EnumCase
{
	const char *constant;
	int			value;
	const ProtobufCEnumDescriptor *type;
	const char *name;			/* the value's name in the .proto */
} EnumCase;

#define E(t, c, name) {#c, c, D(t), name}

static const EnumCase enums[] = {
	E(replica_identity, W2E_ENUM_RI_DEFAULT, "REPLICA_IDENTITY_DEFAULT"),
	E(replica_identity, W2E_ENUM_RI_NOTHING, "REPLICA_IDENTITY_NOTHING"),
	E(replica_identity, W2E_ENUM_RI_FULL, "REPLICA_IDENTITY_FULL"),
	E(replica_identity, W2E_ENUM_RI_INDEX, "REPLICA_IDENTITY_INDEX"),
	E(operation, W2E_ENUM_OP_UNSPECIFIED, "OPERATION_UNSPECIFIED"),
	E(operation, W2E_ENUM_OP_INSERT, "OPERATION_INSERT"),
	E(operation, W2E_ENUM_OP_UPDATE, "OPERATION_UPDATE"),
	E(operation, W2E_ENUM_OP_DELETE, "OPERATION_DELETE"),
	E(operation, W2E_ENUM_OP_TRUNCATE, "OPERATION_TRUNCATE"),
	E(operation, W2E_ENUM_OP_READ, "OPERATION_READ"),
	E(old_identity, W2E_ENUM_OLD_NONE, "OLD_IDENTITY_NONE"),
	E(old_identity, W2E_ENUM_OLD_KEY, "OLD_IDENTITY_KEY"),
	E(old_identity, W2E_ENUM_OLD_FULL, "OLD_IDENTITY_FULL"),
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))
#define N_ENUMS (sizeof(enums) / sizeof(enums[0]))

/* Each constant names the field of that number, of the type the writers use. */
static void
test_field_numbers(void)
{
	size_t		i;

	for (i = 0; i < N_FIELDS; i++)
	{
		const FieldCase *c = &fields[i];
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(c->message, c->field);

		if (f == NULL)
		{
			unit_fail(__FILE__, __LINE__, "%s: %s has no field \"%s\"",
					  c->constant, c->message->name, c->field);
			continue;
		}
		if ((int) f->id != c->number)
			unit_fail(__FILE__, __LINE__, "%s is %d, but %s.%s is field %u in the .proto",
					  c->constant, c->number, c->message->name, c->field, f->id);
		if (f->type != c->type)
			unit_fail(__FILE__, __LINE__, "%s.%s changed its type in the .proto (protobuf-c type %d, the writers encode %d)",
					  c->message->name, c->field, (int) f->type, (int) c->type);
		if ((f->label == PROTOBUF_C_LABEL_REPEATED) != c->repeated)
			unit_fail(__FILE__, __LINE__, "%s.%s: repeated in the .proto is %d, the writers assume %d",
					  c->message->name, c->field, f->label == PROTOBUF_C_LABEL_REPEATED, c->repeated);
		if (f->label == PROTOBUF_C_LABEL_REPEATED && (f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) != 0)
			unit_fail(__FILE__, __LINE__, "%s.%s is packed: the writers write one element per tag",
					  c->message->name, c->field);
	}
}

/* Every field of every message in the table has exactly one constant. */
static void
test_every_field_named(void)
{
	size_t		i,
				j,
				k;

	for (i = 0; i < N_FIELDS; i++)
	{
		const ProtobufCMessageDescriptor *m = fields[i].message;
		unsigned	named = 0;

		for (j = 0; j < i; j++)
			if (fields[j].message == m)
				break;
		if (j < i)
			continue;			/* message seen */
		for (k = 0; k < m->n_fields; k++)
		{
			unsigned	count = 0;

			for (j = 0; j < N_FIELDS; j++)
				if (fields[j].message == m && strcmp(fields[j].field, m->fields[k].name) == 0)
					count++;
			if (count != 1)
				unit_fail(__FILE__, __LINE__, "%s.%s (field %u) has %u constants in wire_fields.h and this table, want 1",
						  m->name, m->fields[k].name, m->fields[k].id, count);
			named += count;
		}
		for (j = 0; j < N_FIELDS; j++)
			if (fields[j].message == m)
				named -= 1;
		CHECK_INT(named, 0);	/* no entry for a field the .proto lacks */
	}
}

/* Enum values: each constant, and every value of the enums the plugin writes. */
static void
test_enum_values(void)
{
	size_t		i,
				j;

	for (i = 0; i < N_ENUMS; i++)
	{
		const EnumCase *c = &enums[i];
		const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(c->type, c->name);
		unsigned	of_type = 0;

		if (v == NULL)
			unit_fail(__FILE__, __LINE__, "%s: %s has no value %s", c->constant, c->type->name, c->name);
		else if (v->value != c->value)
			unit_fail(__FILE__, __LINE__, "%s is %d, but %s is %d in the .proto",
					  c->constant, c->value, c->name, v->value);
		for (j = 0; j < N_ENUMS; j++)
			of_type += enums[j].type == c->type;
		if (of_type != c->type->n_values)
			unit_fail(__FILE__, __LINE__, "%s has %u values in the .proto, %u constants in wire_fields.h",
					  c->type->name, c->type->n_values, of_type);
	}
}

/* Wire types are protobuf's; a tag packs number and type as the writers expect. */
static void
test_wire_types(void)
{
	CHECK_INT(W2E_WIRE_VARINT, PROTOBUF_C_WIRE_TYPE_VARINT);
	CHECK_INT(W2E_WIRE_FIXED64, PROTOBUF_C_WIRE_TYPE_64BIT);
	CHECK_INT(W2E_WIRE_LEN, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
	CHECK_INT(W2E_WIRE_FIXED32, PROTOBUF_C_WIRE_TYPE_32BIT);
	CHECK_INT(W2E_WIRE_TAG(W2E_FIELD_ENV_ID, W2E_WIRE_LEN), 0x0A);
	CHECK_INT(W2E_WIRE_TAG(W2E_FIELD_TXN_EVENTS, W2E_WIRE_LEN), 0x52);
	CHECK_INT(W2E_WIRE_TAG_FIELD(W2E_WIRE_TAG(W2E_FIELD_ENV_ORIGIN_LSN, W2E_WIRE_VARINT)), 17);
	CHECK_INT(W2E_WIRE_TAG_TYPE(W2E_WIRE_TAG(W2E_FIELD_VAL_FLOAT32, W2E_WIRE_FIXED32)), W2E_WIRE_FIXED32);
}

/*
 * The bytes themselves: a Transaction packed by protobuf-c starts its
 * events with the tag W2E_FIELD_TXN_EVENTS/LEN, and an envelope's first
 * byte is the tag of its id.
 */
static void
test_packed_tags(void)
{
	W2eTransaction *txn = txn_example();
	Wal2events__V1__EventEnvelope env = WAL2EVENTS__V1__EVENT_ENVELOPE__INIT;
	uint8_t		buf[64];
	size_t		len,
				pos = 0;
	uint64_t	tag = 0;
	int			saw_events = 0;
	uint8_t    *packed;

	txn_add_event(txn, event_message(0, "p", "c", 1));
	packed = pack_txn(txn, &len);
	while (pos < len && w2e_read_varint(packed, len, &pos, &tag))
	{
		uint64_t	v;

		if (W2E_WIRE_TAG_TYPE(tag) == W2E_WIRE_LEN)
		{
			if (!w2e_read_varint(packed, len, &pos, &v))
				break;
			pos += (size_t) v;
		}
		else if (W2E_WIRE_TAG_TYPE(tag) == W2E_WIRE_VARINT)
			w2e_read_varint(packed, len, &pos, &v);
		else
			break;
		if (tag == W2E_WIRE_TAG(W2E_FIELD_TXN_EVENTS, W2E_WIRE_LEN))
			saw_events++;
	}
	CHECK_INT(pos, len);
	CHECK_INT(saw_events, 1);
	env.id = "x";
	CHECK_INT(wal2events__v1__event_envelope__pack(&env, buf), 3);
	CHECK_INT(buf[0], W2E_WIRE_TAG(W2E_FIELD_ENV_ID, W2E_WIRE_LEN));
}

const UnitTest wire_field_tests[] = {
	{"wire fields: every constant matches the .proto", test_field_numbers},
	{"wire fields: every field of the hand-written messages is named", test_every_field_named},
	{"wire fields: enum values match the .proto", test_enum_values},
	{"wire fields: wire types and tags", test_wire_types},
	{"wire fields: tags in protobuf-c's bytes", test_packed_tags},
	{NULL, NULL}
};
