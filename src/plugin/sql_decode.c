/*
 * sql_decode.c
 *    wal2events.decode(bytea) RETURNS jsonb: one message as JSON, through
 *    the same library code as format=json and the CLI.
 *
 * Input comes from users, so it is untrusted: the library bounds-checks
 * everything and reports problems as values; here they become ERRORs.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pg_allocator.h"
#include "wal2events.h"

PG_FUNCTION_INFO_V1(wal2events_decode);

/*
 * No bytes (or an empty frame) would parse as a Transaction with every
 * field at its default, which the plugin never writes (a message has a
 * commit LSN at least): most likely the caller passed the wrong value.
 */
static bool
not_empty(size_t message_len, W2eError *err)
{
	if (message_len > 0)
		return true;
	strlcpy(err->message, "no message (empty input or empty frame)", sizeof(err->message));
	return false;
}

Datum
wal2events_decode(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	W2eAllocator allocator = {pg_allocator_alloc, pg_allocator_free, NULL};
	W2eError	err;
	const uint8_t *message;
	size_t		message_len;
	W2eTransaction *txn;
	W2eBuffer	json;

	if (w2e_unframe((const uint8_t *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data),
					&message, &message_len, &err) != 0 ||
		!not_empty(message_len, &err) ||
		(txn = w2e_transaction_parse(message, message_len, &allocator, &err)) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid wal2events message: %s", err.message),
				 errhint("decode() takes one message written by the wal2events plugin with format=protobuf, "
						 "such as the data column of pg_logical_slot_peek_binary_changes().")));

	w2e_buffer_init(&json, &allocator);
	if (w2e_transaction_to_json(txn, &json, &err) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot render wal2events message as JSON: %s", err.message)));

	/*
	 * The rendering is UTF-8, like everything the plugin writes; jsonb_in
	 * reads the server encoding. Without the conversion a LATIN1 database
	 * would show "é" as "Ã©".
	 */
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in,
										CStringGetDatum(pg_any_to_server(json.data, (int) json.len,
																		 PG_UTF8))));
}
