/*
 * message.c
 *    Logical messages as events.
 *
 * Transactional messages with the prefix "wal2events" are domain events
 * written by wal2events.emit(): their content is an encoded Event carrying
 * the type, the partition key and a DomainEvent body, text in the server
 * encoding (converted to UTF-8 here, like every other text). Messages with other
 * prefixes go out as raw LogicalMessage events when the message-prefixes
 * option names them. Non-transactional messages are not part of any
 * transaction and go out at once, each as a message of its own.
 */
#include "postgres.h"

#include "replication/logical.h"
#include "utils/memutils.h"

#include "backfill.h"
#include "filter.h"
#include "oversize.h"
#include "pbwrite.h"
#include "pg_allocator.h"
#include "plugin.h"
#include "values.h"
#include "wal2events.h"
#include "wire_fields.h"

/* Parse emit()'s content; NULL when it is not a well-formed domain event. */
static Wal2events__V1__Event *
parse_domain_event(Size size, const char *content)
{
	ProtobufCAllocator allocator = {
		.alloc = (void *(*) (void *, size_t)) pg_allocator_alloc,
		.free = pg_allocator_free,
	};
	Wal2events__V1__Event *event;

	event = wal2events__v1__event__unpack(&allocator, size, (const uint8_t *) content);
	if (event == NULL)
		return NULL;
	if (event->body_case != WAL2EVENTS__V1__EVENT__BODY_DOMAIN ||
		event->type == NULL || event->type[0] == '\0' ||
		event->position != 0 || event->lsn != 0)
		return NULL;
	return event;
}

static void
write_domain_body(StringInfo buf, const Wal2events__V1__DomainEvent *domain)
{
	int			start = pb_begin_message(buf, W2E_FIELD_EVENT_DOMAIN);

	if (domain->payload && domain->payload[0])
		put_text(buf, W2E_FIELD_DOMAIN_PAYLOAD, domain->payload, strlen(domain->payload));
	for (size_t i = 0; i < domain->n_tags; i++)
	{
		int			entry = pb_begin_message(buf, W2E_FIELD_DOMAIN_TAGS);

		const char *key = domain->tags[i]->key ? domain->tags[i]->key : "";
		const char *value = domain->tags[i]->value ? domain->tags[i]->value : "";

		put_text(buf, W2E_FIELD_MAP_KEY, key, strlen(key));
		put_text(buf, W2E_FIELD_MAP_VALUE, value, strlen(value));
		pb_end_message(buf, entry);
	}
	pb_end_message(buf, start);
}

static void
write_raw_body(StringInfo buf, const char *prefix, Size size, const char *content)
{
	int			start = pb_begin_message(buf, W2E_FIELD_EVENT_MESSAGE);

	put_text(buf, W2E_FIELD_MSG_PREFIX, prefix, strlen(prefix));
	pb_bytes(buf, W2E_FIELD_MSG_CONTENT, content, size);
	pb_end_message(buf, start);
}

void
wal2events_message(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
				   XLogRecPtr message_lsn, bool transactional,
				   const char *prefix, Size message_size, const char *message)
{
	PluginState *state = ctx->output_plugin_private;
	TxnWriter  *w = &state->writer;
	bool		ours = strcmp(prefix, WAL2EVENTS_MESSAGE_PREFIX) == 0;
	MemoryContext old;
	Wal2events__V1__Event *domain = NULL;
	int			start;

	if (strcmp(prefix, BACKFILL_MESSAGE_PREFIX) == 0)
	{
		Relation	relation;
		HeapTupleData tuple;

		if (transactional)
			writer_begin_change(w);
		old = MemoryContextSwitchTo(state->change_cxt);
		switch (backfill_message(ctx, txn, message_lsn, transactional, message_size, message,
								 &relation, &tuple))
		{
			case BACKFILL_READ:
				encode_read_event(state, relation, &tuple, message_lsn);
				RelationClose(relation);
				break;
			case BACKFILL_SKIPPED:
				note_skipped_change(ctx, state);
				break;
			case BACKFILL_NOTHING:
				break;
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(state->change_cxt);
		return;
	}
	if (transactional)
		writer_begin_change(w);
	if (!(state->opts.actions & ACTION_MESSAGE) ||
		(!ours && !name_patterns_match(state->opts.message_prefixes, prefix)))
	{
		if (transactional)
			note_skipped_change(ctx, state);
		return;
	}

	old = MemoryContextSwitchTo(state->change_cxt);
	/* emit() keeps its events smaller; a bigger one is not parsed (copied) */
	if (ours && message_size <= EMIT_MAX_CONTENT_BYTES)
	{
		domain = parse_domain_event(message_size, message);
		/* the decoding's error context line names the message's LSN */
		if (domain == NULL)
			ereport(WARNING,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("logical message with prefix \"%s\" is not a wal2events domain event",
							prefix),
					 errdetail("It is passed on as a raw message event."),
					 errhint("Write domain events with wal2events.emit(), not pg_logical_emit_message().")));
	}

	if (!transactional)
		writer_begin_standalone(w, ctx->reader->EndRecPtr);
	if (domain)
	{
		start = writer_begin_event(w, NULL, NULL, domain->type, domain->partition_key,
								   domain->partition_key ? strlen(domain->partition_key) : 0,
								   message_lsn);
		write_domain_body(&w->buf, domain->domain);
	}
	else
	{
		start = writer_begin_event(w, NULL, NULL, prefix, NULL, 0, message_lsn);
		if (oversize_message_fits(message_size))
			write_raw_body(&w->buf, prefix, message_size, message);
		else
			oversize_put_message(&w->buf, message, message_size);
	}
	writer_end_event(w, start);
	if (!transactional)
		writer_end_standalone(w);

	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_cxt);
}
