/*
 * oversize.h
 *    Events and values too large to encode: the max-event-bytes budget of
 *    the event being encoded, and the Oversized marker (size and SHA-256)
 *    written in their place.
 *
 * No committed transaction may stop a slot: an ERROR in a decoding callback
 * repeats on every retry, so a value or an event that cannot be encoded
 * (PostgreSQL's 1 GB limit on a buffer, or max-event-bytes) goes out as a
 * marker instead, counted in Transaction.oversized and logged as a WARNING
 * that holds no data.
 */
#ifndef W2E_OVERSIZE_H
#define W2E_OVERSIZE_H

#include "lib/stringinfo.h"

#include "options.h"
#include "values.h"

/* Once per decoding session. */
extern void oversize_init(const PluginOptions *opts);

/* The event being encoded starts at buf->data + start (its body). */
extern void oversize_begin_event(StringInfo buf, int start);

/*
 * Inside a Value message: when the non-NULL value would take the event past
 * the budget, write the oversized kind and return true. Only variable-length
 * values can be large; others are left alone (false).
 */
extern bool oversize_replace_value(StringInfo out, const TypeEncoder *encoder,
								   Datum value);

/*
 * The same for a value whose text output (len bytes, server encoding) is
 * about to be written: when it does not fit, the marker goes out instead.
 */
extern bool oversize_replace_output(StringInfo out, const TypeEncoder *encoder,
									Datum value, Size len);

/*
 * Whether a logical message whose content is `size` bytes fits the event
 * being encoded; when it does not, oversize_put_message() writes the event's
 * body as a marker over the content.
 */
extern bool oversize_message_fits(Size size);
extern void oversize_put_message(StringInfo buf, const char *content, Size size);

/*
 * At the end of the event (before its length is written): when it is past
 * the budget all the same, replace its body (the last field) with a marker
 * over the encoded body. Returns the event's output size, as counted against
 * the chunk's limit (its JSON rendering's bound for format=json).
 */
extern Size oversize_end_event(StringInfo buf);

/*
 * Texts of an event's header (its type, its partition key, an outbox row's
 * id) are part of every message, NATS header and subject that carries the
 * event: each is kept to HEADER_TEXT_MAX bytes. A longer one is cut at a
 * character boundary and followed by '~' and the SHA-256 of the whole text
 * in hex, so the same text always gives the same header.
 */
#define HEADER_TEXT_MAX 4096

/* The header text to write for text (len bytes), its length in *out_len. */
extern const char *oversize_header_text(const char *text, int len, int *out_len);

/*
 * Whether a column value's text may be larger than limit bytes, known
 * without converting it (a variable-length value stored larger): such a
 * value is never converted to text whole, since a 1 GB one would not fit a
 * buffer. limit 0: the event's own limit (max-event-bytes).
 */
extern bool oversize_value_exceeds(const TypeEncoder *encoder, Datum value, Size limit);

/* '~' and the SHA-256 (hex) of the value's bytes as stored, uncompressed. */
extern void oversize_append_value_digest(StringInfo out, Datum value);

/* The event's body as a marker over a value too large for it (an outbox payload). */
extern void oversize_put_value_body(StringInfo buf, Datum value);

/* Markers written since the last call (the count of the chunk). */
extern uint32 oversize_take_count(void);

#endif							/* W2E_OVERSIZE_H */
