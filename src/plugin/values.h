/*
 * values.h
 *    Encoding of column values as protobuf Value messages.
 *
 * The encoding of a column is chosen once per relation (type_encoder_init)
 * from its type, looking through domains; the per-row path is then a switch
 * on that choice, with no catalog access for native types.
 */
#ifndef W2E_VALUES_H
#define W2E_VALUES_H

#include "fmgr.h"
#include "lib/stringinfo.h"

typedef enum ValueEncoding
{
	ENC_BOOL,
	ENC_INT2,
	ENC_INT4,
	ENC_INT8,
	ENC_OID,
	ENC_FLOAT4,
	ENC_FLOAT8,
	ENC_TEXT,					/* text, varchar, bpchar: varlena bytes */
	ENC_NAME,
	ENC_BYTEA,
	ENC_NUMERIC,
	ENC_DATE,
	ENC_TIMESTAMP,
	ENC_TIMESTAMPTZ,
	ENC_TIME,
	ENC_INTERVAL,
	ENC_UUID,
	ENC_JSON,					/* json: varlena bytes */
	ENC_JSONB,					/* jsonb: through its output function */
	ENC_ENUM,					/* the label, through enum_out */
	ENC_ARRAY,					/* 1-D array of a native element type */
	ENC_OUTPUT					/* anything else: text output */
} ValueEncoding;

typedef struct TypeEncoder
{
	ValueEncoding encoding;
	Oid			base_type;		/* the type after looking through domains */
	int16		typlen;			/* -1 for variable-length (varlena) types */
	FmgrInfo	output;			/* base type's output function */
	/* arrays only */
	struct TypeEncoder *element;
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
} TypeEncoder;

/*
 * Whether a column's datum is only a pointer into the table's TOAST data:
 * the new row of an UPDATE that left an out-of-line value unchanged, which
 * PostgreSQL does not write to the WAL. Decoding never follows it: the
 * TOAST rows may be vacuumed away by the time the change is decoded, and a
 * walsender has no snapshot to read them with.
 */
static inline bool
value_not_in_wal(int16 attlen, Datum value)
{
	return attlen == -1 && VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(value));
}

/* Fill in the encoder for a column of type typid (allocates in CurrentMemoryContext). */
extern void type_encoder_init(TypeEncoder *encoder, Oid typid);

/* Write a Value message as field `field` of the message being built. */
extern void encode_value(StringInfo out, int field, const TypeEncoder *encoder,
						 Datum value, bool isnull);
extern void encode_special_value(StringInfo out, int field, int kind);

/* A string field from text in the server encoding, converted to UTF-8. */
extern void put_text(StringInfo out, int field, const char *data, int len);

/* Text form of a value for the partition key, appended to out. */
extern void append_value_text(StringInfo out, const TypeEncoder *encoder, Datum value);

/* Text form of a value, as is (palloc'd; server encoding). */
extern char *value_text(const TypeEncoder *encoder, Datum value);

/* Whether text must be converted to UTF-8 (server encoding is not UTF8). */
extern void values_init(void);

/*
 * Around each decoded transaction: text output runs under fixed settings
 * (DateStyle, TimeZone, ...) from the first value that needs them to the
 * commit, so output does not depend on the decoding session.
 */
extern void values_begin_txn(void);
extern void values_end_txn(void);

#endif							/* W2E_VALUES_H */
