/*
 * oversize.c
 *    The max-event-bytes budget of the event being encoded, and the
 *    Oversized marker written for what does not fit.
 *
 * Why: an ERROR in a decoding callback comes back on every retry, so one
 * committed transaction with a huge value or message would stop the slot
 * for good ("Cannot enlarge string buffer"). Instead, every variable-length
 * value is weighed before it is encoded, against what is left of the
 * event's budget: one that would take the event past max-event-bytes goes
 * out as its size and SHA-256. An event still past the budget at its end
 * (many small values, a big domain event or logical message) has its body
 * replaced the same way. Each marker is counted in Transaction.oversized
 * and logged as a WARNING with sizes only, never data.
 *
 * For format=json the budget counts the JSON rendering's worst case, since
 * that is what has to fit in PostgreSQL's 1 GB buffers: text and json may
 * grow sixfold (\u00XX escapes), bytea twofold (hex), arrays eightfold.
 * The hash reads only what the walsender already holds (the value as
 * decoded from the WAL, or the message); nothing is fetched from a table.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "mb/pg_wchar.h"

#include "internal.h"
#include "oversize.h"
#include "pbwrite.h"
#include "wire_fields.h"

#define JSON_TEXT_GROWTH 6		/* a control character as \u00XX */
#define JSON_BYTES_GROWTH 2		/* bytea as hex */
#define ARRAY_GROWTH 4			/* a 1-byte element as a 4-byte Value */
#define JSON_ARRAY_GROWTH 8

static struct
{
	Size		limit;			/* max-event-bytes */
	bool		json;			/* format=json: weigh the JSON rendering */
	bool		convert;		/* text is converted to UTF-8 (up to 4x) */
	StringInfo	buf;			/* the event being encoded */
	int			start;			/* where its body starts in buf */
	Size		json_extra;		/* its JSON rendering beyond its bytes */
	uint32		event_markers;	/* markers inside it */
	uint32		count;			/* markers since oversize_take_count() */
}			budget;

void
oversize_init(const PluginOptions *opts)
{
	memset(&budget, 0, sizeof(budget));
	budget.limit = opts->max_event_bytes;
	budget.json = opts->format == FORMAT_JSON;
	budget.convert = GetDatabaseEncoding() != PG_UTF8 &&
		GetDatabaseEncoding() != PG_SQL_ASCII;
}

void
oversize_begin_event(StringInfo buf, int start)
{
	budget.buf = buf;
	budget.start = start;
	budget.json_extra = 0;
	budget.event_markers = 0;
}

uint32
oversize_take_count(void)
{
	uint32		n = budget.count;

	budget.count = 0;
	return n;
}

/* What the event takes so far, as counted against the limit. */
static Size
event_cost(void)
{
	return (Size) (budget.buf->len - budget.start) + budget.json_extra;
}

/* Whether `cost` more fits the event; if it does, it is counted. */
static bool
take(Size bytes, Size cost)
{
	Size		used = event_cost();

	if (used > budget.limit || cost > budget.limit - used)
		return false;
	/* protobuf: what the value takes will be in the buffer itself */
	if (budget.json && cost > bytes)
		budget.json_extra += cost - bytes;
	return true;
}

static void
sha256(const char *data, Size len, uint8 *digest)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, digest, PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute a SHA-256 hash: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
}

/* An Oversized message as field `field`, counted and logged. */
static void
put_marker(StringInfo out, int field, Size bytes, const uint8 *digest,
		   const char *what)
{
	int			start = pb_begin_message(out, field);

	pb_uint(out, W2E_FIELD_OVERSIZED_BYTES, bytes);
	pb_bytes(out, W2E_FIELD_OVERSIZED_SHA256, (const char *) digest, PG_SHA256_DIGEST_LENGTH);
	pb_end_message(out, start);
	budget.event_markers++;
	budget.count++;
	ereport(WARNING,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("wal2events: %s of %zu bytes does not fit max-event-bytes (%zu) and is sent as an oversized marker",
					what, bytes, budget.limit),
			 errhint("Consumers get its size and SHA-256 instead; to send it whole, raise the slot's max-event-bytes option (at most %d).",
					 MAX_MAX_EVENT_BYTES)));
}

/*
 * The value's bytes as the database stores them, uncompressed, hashed; their
 * count returned. An indirect pointer (a TOASTed value decoded from the WAL)
 * is followed, so a value held in memory uncompressed is hashed in place.
 */
static Size
value_digest(Datum value, uint8 *digest)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);
	struct varlena *plain;
	Size		bytes;

	if (VARATT_IS_EXTERNAL_INDIRECT(v))
	{
		struct varatt_indirect redirect;

		VARATT_EXTERNAL_GET_POINTER(redirect, v);
		v = (struct varlena *) redirect.pointer;
	}
	plain = pg_detoast_datum_packed(v);
	bytes = VARSIZE_ANY_EXHDR(plain);
	sha256(VARDATA_ANY(plain), bytes, digest);
	if (plain != v)
		pfree(plain);
	return bytes;
}

static void
put_value_marker(StringInfo out, Datum value)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	Size		bytes = value_digest(value, digest);

	put_marker(out, W2E_FIELD_VAL_OVERSIZED, bytes, digest, "a value");
}

/* '~' and the digest in lower-case hex. */
static void
append_digest(StringInfo out, const uint8 *digest)
{
	static const char hex[] = "0123456789abcdef";

	appendStringInfoChar(out, '~');
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
	{
		appendStringInfoChar(out, hex[digest[i] >> 4]);
		appendStringInfoChar(out, hex[digest[i] & 15]);
	}
}

#define DIGEST_TEXT_LEN (1 + 2 * PG_SHA256_DIGEST_LENGTH)

const char *
oversize_header_text(const char *text, int len, int *out_len)
{
	StringInfoData cut;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	*out_len = len;
	if (len <= HEADER_TEXT_MAX)
		return text;
	sha256(text, len, digest);
	initStringInfo(&cut);
	appendBinaryStringInfo(&cut, text,
						   pg_mbcliplen(text, len, HEADER_TEXT_MAX - DIGEST_TEXT_LEN));
	append_digest(&cut, digest);
	*out_len = cut.len;
	return cut.data;
}

bool
oversize_value_exceeds(const TypeEncoder *encoder, Datum value, Size limit)
{
	/* fixed-length values are small; on-disk TOAST is never read here */
	if (encoder->typlen != -1 || VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value)))
		return false;
	return toast_raw_datum_size(value) - VARHDRSZ > (limit > 0 ? limit : budget.limit);
}

void
oversize_append_value_digest(StringInfo out, Datum value)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	value_digest(value, digest);
	append_digest(out, digest);
}

void
oversize_put_value_body(StringInfo buf, Datum value)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	Size		bytes = value_digest(value, digest);

	put_marker(buf, W2E_FIELD_EVENT_OVERSIZED, bytes, digest, "an outbox payload");
}

/* Worst-case output bytes per stored byte of a value encoded natively. */
static Size
growth(const TypeEncoder *encoder)
{
	switch (encoder->encoding)
	{
		case ENC_TEXT:
		case ENC_JSON:
			return budget.json ? JSON_TEXT_GROWTH : budget.convert ? MAX_CONVERSION_GROWTH : 1;
		case ENC_BYTEA:
			return budget.json ? JSON_BYTES_GROWTH : 1;
		case ENC_ARRAY:
			return budget.json ? JSON_ARRAY_GROWTH : ARRAY_GROWTH;
		default:
			/* text output: weighed again once its length is known */
			return 1;
	}
}

bool
oversize_replace_value(StringInfo out, const TypeEncoder *encoder, Datum value)
{
	Size		bytes;

	/* fixed-length values are small; on-disk TOAST is never read here */
	if (encoder->typlen != -1 || VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value)))
		return false;
	bytes = toast_raw_datum_size(value) - VARHDRSZ;
	if (take(bytes, bytes * growth(encoder)))
		return false;
	put_value_marker(out, value);
	return true;
}

bool
oversize_replace_output(StringInfo out, const TypeEncoder *encoder, Datum value,
						Size len)
{
	Size		growth = budget.json ? JSON_TEXT_GROWTH : budget.convert ? MAX_CONVERSION_GROWTH : 1;

	if (encoder->typlen != -1 || take(len, len * growth))
		return false;
	put_value_marker(out, value);
	return true;
}

bool
oversize_message_fits(Size size)
{
	return take(size, budget.json ? size * JSON_TEXT_GROWTH : size);
}

void
oversize_put_message(StringInfo buf, const char *content, Size size)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	sha256(content, size, digest);
	put_marker(buf, W2E_FIELD_EVENT_OVERSIZED, size, digest, "a logical message");
}

/* The last body field (row, domain, message) of the event: its tag's offset. */
static bool
find_body(StringInfo buf, size_t *tag_at, size_t *payload_at, size_t *payload_len)
{
	const uint8_t *p = (const uint8_t *) buf->data + budget.start;
	size_t		len = buf->len - budget.start;
	size_t		pos = 0;
	bool		found = false;

	while (pos < len)
	{
		size_t		at = pos;
		uint64_t	tag;
		uint64_t	n;

		if (!w2e_read_varint(p, len, &pos, &tag))
			return false;
		if (W2E_WIRE_TAG_TYPE(tag) == W2E_WIRE_VARINT)
		{
			if (!w2e_read_varint(p, len, &pos, &n))
				return false;
			continue;
		}
		if (W2E_WIRE_TAG_TYPE(tag) != W2E_WIRE_LEN ||
			!w2e_read_varint(p, len, &pos, &n) || n > len - pos)
			return false;
		if (W2E_WIRE_TAG_FIELD(tag) == W2E_FIELD_EVENT_ROW ||
			W2E_WIRE_TAG_FIELD(tag) == W2E_FIELD_EVENT_DOMAIN ||
			W2E_WIRE_TAG_FIELD(tag) == W2E_FIELD_EVENT_MESSAGE)
		{
			*tag_at = budget.start + at;
			*payload_at = budget.start + pos;
			*payload_len = n;
			found = true;
		}
		pos += n;
	}
	return found;
}

/* Replace the event's body by a marker over the body as encoded. */
static void
replace_body(StringInfo buf)
{
	size_t		tag_at;
	size_t		payload_at;
	size_t		payload_len;
	size_t		body_end;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (!find_body(buf, &tag_at, &payload_at, &payload_len))
		elog(ERROR, "wal2events cannot find the body of the event it encoded");
	sha256(buf->data + payload_at, payload_len, digest);
	body_end = payload_at + payload_len;
	memmove(buf->data + tag_at, buf->data + body_end, buf->len - body_end);
	buf->len -= body_end - tag_at;
	budget.count -= budget.event_markers;
	budget.event_markers = 0;
	budget.json_extra = 0;
	put_marker(buf, W2E_FIELD_EVENT_OVERSIZED, payload_len, digest, "an event");
}

Size
oversize_end_event(StringInfo buf)
{
	if (event_cost() > budget.limit)
		replace_body(buf);
	return budget.json_extra;
}
