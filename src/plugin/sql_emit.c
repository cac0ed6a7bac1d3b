/*
 * sql_emit.c
 *    wal2events.emit(type, partition_key, payload, tags) RETURNS pg_lsn:
 *    a domain event written into the caller's transaction.
 *
 * The event is a transactional logical message with the prefix
 * "wal2events": it is decoded at its place in the transaction and only if
 * the transaction commits, like a row in an outbox table, but with no table
 * to clean up. Its content is an encoded Event (type, partition key,
 * DomainEvent) that message.c reads back.
 */
#include "postgres.h"

#include "access/xlog.h"
#include "fmgr.h"
#include "replication/message.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/pg_lsn.h"

#include "pbwrite.h"
#include "plugin.h"
#include "wire_fields.h"

PG_FUNCTION_INFO_V1(wal2events_emit);

#define MAX_TYPE_LEN 256
#define MAX_KEY_LEN 4096

static text *
required_text(FunctionCallInfo fcinfo, int arg, const char *name, const char *hint)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wal2events.emit(): %s must not be NULL", name),
				 errhint("%s", hint)));
	return PG_GETARG_TEXT_PP(arg);
}

static void
check_type(const char *type, int len)
{
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events.emit(): type must not be empty"),
				 errhint("Name the event, for example 'order-placed'.")));
	if (len > MAX_TYPE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events.emit(): type is %d bytes long, the limit is %d", len, MAX_TYPE_LEN),
				 errhint("Event types are names such as 'order-placed'; put data in the payload.")));

	/*
	 * type is not NUL-terminated, and printing the control character itself
	 * would garble the message: name the byte and where it is.
	 */
	for (int i = 0; i < len; i++)
		if ((unsigned char) type[i] < 0x20 || type[i] == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wal2events.emit(): type contains a control character (0x%02X at byte %d)",
							(unsigned char) type[i], i + 1),
					 errhint("Event types become subjects and headers; use letters, digits, '-', '_' and '.'.")));
}

/*
 * The event goes into the WAL and out of every slot: bounded, so that no
 * slot has to replace it with an oversized marker (max-event-bytes).
 */
static void
check_size(const char *what, size_t len)
{
	if (len > EMIT_MAX_CONTENT_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("wal2events.emit(): the %s is %zu bytes long, the limit is %d",
						what, len, EMIT_MAX_CONTENT_BYTES),
				 errhint("Keep large data in a table and put its key in the payload.")));
}

/* One tag value as text: strings as they are, numbers and booleans printed. */
static char *
tag_value_text(const char *key, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wal2events.emit(): tag \"%s\" is not a string, number or boolean", key),
					 errhint("tags is a flat JSON object of strings, for example '{\"source\": \"checkout\"}'.")));
	}
	return NULL;				/* keep compiler quiet */
}

static void
encode_tags(StringInfo buf, Jsonb *tags)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(tags) || JB_ROOT_IS_SCALAR(tags))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events.emit(): tags must be a JSON object"),
				 errhint("Pass '{}' for no tags, or for example '{\"source\": \"checkout\"}'.")));

	it = JsonbIteratorInit(&tags->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (token == WJB_VALUE)
		{
			char	   *value = tag_value_text(key, &v);
			int			entry = pb_begin_message(buf, W2E_FIELD_DOMAIN_TAGS);

			pb_string(buf, W2E_FIELD_MAP_KEY, key);
			pb_string(buf, W2E_FIELD_MAP_VALUE, value);
			pb_end_message(buf, entry);
		}
	}
}

Datum
wal2events_emit(PG_FUNCTION_ARGS)
{
	text	   *type = required_text(fcinfo, 0, "type",
									 "Name the event, for example 'order-placed'.");
	text	   *key = required_text(fcinfo, 1, "partition_key",
									"Pass '' for an event that belongs to no particular entity.");
	Jsonb	   *payload;
	Jsonb	   *tags;
	StringInfoData content;
	char	   *payload_text;
	int			domain;
	XLogRecPtr	lsn;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wal2events.emit(): payload must not be NULL"),
				 errhint("Pass a JSON value, for example '{}' or 'null'::jsonb.")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wal2events.emit(): tags must not be NULL"),
				 errhint("Pass '{}' for no tags.")));
	payload = PG_GETARG_JSONB_P(2);
	tags = PG_GETARG_JSONB_P(3);

	check_type(VARDATA_ANY(type), VARSIZE_ANY_EXHDR(type));
	if (VARSIZE_ANY_EXHDR(key) > MAX_KEY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events.emit(): partition_key is %d bytes long, the limit is %d",
						(int) VARSIZE_ANY_EXHDR(key), MAX_KEY_LEN),
				 errhint("Use the entity's identifier as the key, or a hash of a longer one.")));
	if (!XLogLogicalInfoActive())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("wal2events.emit() requires wal_level = logical"),
				 errhint("Set wal_level = logical in postgresql.conf and restart the server; otherwise the event could never be decoded.")));

	initStringInfo(&content);
	pb_bytes(&content, W2E_FIELD_EVENT_TYPE, VARDATA_ANY(type), VARSIZE_ANY_EXHDR(type));
	if (VARSIZE_ANY_EXHDR(key) > 0)
		pb_bytes(&content, W2E_FIELD_EVENT_PARTITION_KEY, VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
	domain = pb_begin_message(&content, W2E_FIELD_EVENT_DOMAIN);
	payload_text = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	check_size("payload", strlen(payload_text));
	pb_string(&content, W2E_FIELD_DOMAIN_PAYLOAD, payload_text);
	encode_tags(&content, tags);
	pb_end_message(&content, domain);
	check_size("event", content.len);

	lsn = LogLogicalMessage(WAL2EVENTS_MESSAGE_PREFIX, content.data, content.len, true);
	PG_RETURN_LSN(lsn);
}
