/*
 * wal2events.h
 *    libwal2events: read what the wal2events output plugin writes.
 *
 * Frames, Transaction messages, event ids and the JSON rendering. The same
 * code runs in client programs (the CLI, consumers) and inside the server
 * (wal2events.decode()), so it never exits, never longjmps and never reads
 * past the buffer it was given: every failure is a return value plus a
 * message in a W2eError. It knows nothing of PostgreSQL's server or of any
 * event hub.
 *
 * Written in the common subset of C11 and PostgreSQL's C dialect
 * (declarations first in a block) so the server can compile it too.
 */
#ifndef WAL2EVENTS_H
#define WAL2EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "wal2events.pb-c.h"

#define W2E_VERSION "1.0.0"

/* Short names for the generated message types. */
typedef Wal2events__V1__Transaction W2eTransaction;
typedef Wal2events__V1__Event W2eEvent;
typedef Wal2events__V1__Relation W2eRelation;
typedef Wal2events__V1__RowChange W2eRowChange;
typedef Wal2events__V1__Value W2eValue;
typedef Wal2events__V1__EventEnvelope W2eEventEnvelope;

/* Memory: NULL means malloc/free. The server passes palloc/pfree. */
typedef struct W2eAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} W2eAllocator;

/* Why a call failed, as one line meant for a person. */
typedef struct W2eError
{
	char		message[256];
} W2eError;

/* A growable byte buffer, always NUL-terminated after data[len]. */
typedef struct W2eBuffer
{
	char	   *data;
	size_t		len;
	size_t		cap;
	const W2eAllocator *allocator;
} W2eBuffer;

extern void w2e_buffer_init(W2eBuffer *buf, const W2eAllocator *allocator);
extern int	w2e_buffer_append(W2eBuffer *buf, const void *data, size_t len);
extern int	w2e_buffer_append_str(W2eBuffer *buf, const char *str);
extern void w2e_buffer_reset(W2eBuffer *buf);
extern void w2e_buffer_free(W2eBuffer *buf);

/*
 * Framing (plugin option framing=delimited): the byte W2E_FRAME_MAGIC, the
 * message length as a base-128 varint, the message. Newlines between frames
 * (pg_recvlogical writes one after each message) are skipped.
 */
#define W2E_FRAME_MAGIC 0xE2
#define W2E_FRAME_HEADER_MAX 11 /* magic + 10-byte varint */
#define W2E_MAX_MESSAGE_SIZE ((size_t) 1 << 30)

/* Result of w2e_frame_next(). */
typedef enum W2eFrameResult
{
	W2E_FRAME_OK = 1,			/* a whole frame: *payload, *payload_len set */
	W2E_FRAME_NEED_MORE = 0,	/* buffer ends inside a frame (or is empty) */
	W2E_FRAME_ERROR = -1		/* not a frame: err says why */
} W2eFrameResult;

/*
 * Find the next frame in buf[0..len). On W2E_FRAME_OK *consumed is the
 * number of bytes used (leading newlines, header and payload) and the payload
 * points into buf. On W2E_FRAME_NEED_MORE *consumed is the number of leading
 * newlines that can be dropped. On W2E_FRAME_ERROR *consumed is the number
 * of leading newlines too, so buf + *consumed is where the bad frame starts.
 */
extern W2eFrameResult w2e_frame_next(const uint8_t *buf, size_t len,
									 const uint8_t **payload, size_t *payload_len,
									 size_t *consumed, W2eError *err);

/*
 * One message given whole, framed or bare (framing=none): returns the bare
 * message inside it. A framed message must be exactly one frame, optionally
 * followed by one newline. Returns 0 on success, -1 with err set.
 */
extern int	w2e_unframe(const uint8_t *data, size_t len,
						const uint8_t **message, size_t *message_len,
						W2eError *err);

/*
 * Parse one bare Transaction message and check it is consistent (every
 * RowChange.relation in range, value counts match the relation's columns,
 * nested arrays bounded). NULL with err set on failure. Free with
 * w2e_transaction_free().
 */
extern W2eTransaction *w2e_transaction_parse(const uint8_t *data, size_t len,
											 const W2eAllocator *allocator,
											 W2eError *err);
extern void w2e_transaction_free(W2eTransaction *txn, const W2eAllocator *allocator);

/*
 * The consistency rules w2e_transaction_parse() applies, for a Transaction
 * built in memory. w2e_transaction_to_json() applies them too. Returns 0, or
 * -1 with err set ("event 3: row change refers to relation 5 but the message
 * has 2").
 */
extern int	w2e_transaction_validate(const W2eTransaction *txn, W2eError *err);

/*
 * Event id: "<system_identifier>/<commit_lsn, 16 upper-case hex>/<position>".
 * Writes at most W2E_EVENT_ID_MAX bytes including the NUL.
 */
#define W2E_EVENT_ID_MAX 49		/* 20 digits + '/' + 16 + '/' + 10 + NUL */
extern void w2e_event_id(char *out, uint64_t system_identifier,
						 uint64_t commit_lsn, uint32_t position);

/* An LSN as PostgreSQL writes it: "16/B374D848". out needs 18 bytes. */
#define W2E_LSN_MAX 18
extern void w2e_lsn_format(char *out, uint64_t lsn);

/*
 * Render a Transaction as one line of JSON (no newline inside or at the end)
 * appended to out. The rendering is documented in README.md ("JSON
 * rendering"); it is shared by format=json, wal2events.decode() and the CLI.
 * Returns 0, or -1 with err set (out of memory, inconsistent message).
 */
extern int	w2e_transaction_to_json(const W2eTransaction *txn, W2eBuffer *out,
									W2eError *err);

/*
 * Render an EventEnvelope (what `wal2events ship` publishes per event) as
 * one line of JSON appended to out: the transaction's context (id, commit
 * LSN and time, database, system identifier, xid, origin) followed by the
 * same members as the event has in w2e_transaction_to_json(). Its row
 * change's relation index must point into env->relations. Returns 0, or -1
 * with err set (out of memory, inconsistent envelope).
 */
extern int	w2e_envelope_to_json(const W2eEventEnvelope *env, W2eBuffer *out,
								 W2eError *err);

/*
 * Parse one bare EventEnvelope message with the guards of
 * w2e_transaction_parse() (size limit, nesting bounded before unpacking)
 * and check it is consistent (w2e_envelope_validate). NULL with err set on
 * failure. Free with w2e_envelope_free() and the same allocator.
 */
extern W2eEventEnvelope *w2e_envelope_parse(const uint8_t *data, size_t len,
											const W2eAllocator *allocator,
											W2eError *err);
extern void w2e_envelope_free(W2eEventEnvelope *env, const W2eAllocator *allocator);

/*
 * The consistency rules of an envelope: it has an event, and that event
 * follows w2e_transaction_validate()'s rules as the one event of a
 * transaction with the envelope's relations. 0, or -1 with err set.
 */
extern int	w2e_envelope_validate(const W2eEventEnvelope *env, W2eError *err);

/*
 * JSON text, the way the library writes it. w2e_json_append_string() appends
 * s[0..len) as a quoted JSON string (invalid UTF-8 becomes U+FFFD);
 * w2e_json_append_cstring() the same for a NUL-terminated string (NULL is
 * ""). 0, or -1 out of memory. w2e_json_append_compact() appends the JSON
 * value text[0..len) without its insignificant whitespace: 1 appended, 0 not
 * valid JSON (nothing appended), -1 out of memory.
 */
extern int	w2e_json_append_string(W2eBuffer *out, const char *s, size_t len);
extern int	w2e_json_append_cstring(W2eBuffer *out, const char *s);
extern int	w2e_json_append_compact(W2eBuffer *out, const char *text, size_t len);

/*
 * Subjects: the rules of a subject template (`wal2events ship --subject`,
 * `wal2events.route(subject => ...)`): dot-separated non-empty tokens of
 * printable characters other than ' ', '*', '>', with the placeholders
 * {type} {schema} {table} {database} {partition_key}, whose longest
 * rendering (each placeholder W2E_SUBJECT_VALUE_MAX bytes, plus ".claim")
 * is at most W2E_SUBJECT_MAX bytes. 0; or -1 (not a template) or
 * W2E_SUBJECT_TOO_LONG (its subjects could be too long), with err saying why.
 */
#define W2E_SUBJECT_MAX 1024	/* a rendered subject, ".claim" included */
#define W2E_SUBJECT_TOO_LONG (-2)
#define W2E_SUBJECT_VALUE_MAX 128	/* a placeholder's value in a subject */
extern int	w2e_subject_template_check(const char *tmpl, W2eError *err);

/* The placeholder named name[0..len): 0 type ... 4 partition_key; -1 if none. */
extern int	w2e_subject_placeholder(const char *name, size_t len);

/*
 * Shortening a value that is too long for a subject token or a header
 * (W2e-Partition-Key, W2e-Type): its first bytes, then '~' and the 64-bit
 * FNV-1a hash of the whole value as 16 lower-case hex digits, so the same
 * value always gives the same short form. w2e_shortened_prefix() is how
 * many of the first keep bytes to take (keep < the value's length) without
 * cutting a UTF-8 character; w2e_hash_suffix() writes the '~' and the
 * digits, and a NUL, into out (W2E_HASH_SUFFIX_LEN + 1 bytes).
 */
#define W2E_HASH_SUFFIX_LEN 17
#define W2E_HEADER_VALUE_MAX 256	/* a W2e-Type or W2e-Partition-Key value, encoded */
extern size_t w2e_shortened_prefix(const char *value, size_t keep);
extern void w2e_hash_suffix(const char *value, size_t len, char *out);

#endif							/* WAL2EVENTS_H */
