/*
 * values.c
 *    Column values to protobuf Value messages, natively where the contract
 *    has an encoding for the type, as text output otherwise.
 *
 * Native encodings read the datum directly (no output function, no palloc
 * for fixed-width types), which is where wal2events saves the time that
 * text-based plugins spend in type output functions.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "oversize.h"
#include "pbwrite.h"
#include "values.h"
#include "wire_fields.h"

/* microseconds and days between 1970-01-01 and 2000-01-01 */
#define UNIX_TO_PG_USECS (INT64CONST(946684800000000))
#define UNIX_TO_PG_DAYS 10957

static bool convert_to_utf8;	/* the database encoding is neither UTF8 nor SQL_ASCII */
static bool check_utf8;			/* SQL_ASCII: text may be any bytes */

/*
 * Text output of dates, times, floats, bytea, money and reg* types depends
 * on the decoding session's settings, but the same WAL must decode to the
 * same bytes wherever and by whomever it is decoded: partition keys above
 * all, since the hub orders an entity's events by them. So output functions
 * run under fixed settings, set at a GUC nest level of their own the first
 * time a transaction needs them and restored at its commit (or by the
 * abort of the decoding transaction on error). Transactions that only
 * have natively encoded values never pay for it.
 */
static const struct
{
	const char *name;
	const char *value;
}			output_settings[] = {
	{"datestyle", "ISO, YMD"},
	{"intervalstyle", "postgres"},
	{"timezone", "UTC"},
	{"extra_float_digits", "1"},
	{"bytea_output", "hex"},
	{"lc_monetary", "C"},
	{"search_path", "pg_catalog"},
};
static int	output_settings_level = 0; /* GUC nest level, 0 when not set */

void
values_init(void)
{
	convert_to_utf8 = (GetDatabaseEncoding() != PG_UTF8 &&
					   GetDatabaseEncoding() != PG_SQL_ASCII);
	check_utf8 = (GetDatabaseEncoding() == PG_SQL_ASCII);
	output_settings_level = 0;
}

void
values_begin_txn(void)
{
	/* an ERROR in an earlier transaction left it set; its abort undid it */
	output_settings_level = 0;
}

void
values_end_txn(void)
{
	if (output_settings_level > 0)
		AtEOXact_GUC(true, output_settings_level);
	output_settings_level = 0;
}

/* Whether the type's text output can depend on session settings. */
static bool
output_depends_on_settings(ValueEncoding encoding)
{
	switch (encoding)
	{
		case ENC_BOOL:
		case ENC_INT2:
		case ENC_INT4:
		case ENC_INT8:
		case ENC_OID:
		case ENC_TEXT:
		case ENC_NAME:
		case ENC_NUMERIC:
		case ENC_UUID:
		case ENC_JSON:
		case ENC_JSONB:
		case ENC_ENUM:
			return false;
		default:
			return true;
	}
}

/* The value's text output, under the fixed settings where they matter. */
static char *
output_text(const TypeEncoder *encoder, Datum value)
{
	if (output_settings_level == 0 && output_depends_on_settings(encoder->encoding))
	{
		output_settings_level = NewGUCNestLevel();
		for (int i = 0; i < (int) lengthof(output_settings); i++)
			(void) set_config_option(output_settings[i].name, output_settings[i].value,
									 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
									 true, ERROR, false);
	}
	return OutputFunctionCall((FmgrInfo *) &encoder->output, value);
}

static ValueEncoding
native_encoding(Oid typid)
{
	switch (typid)
	{
		case BOOLOID:
			return ENC_BOOL;
		case INT2OID:
			return ENC_INT2;
		case INT4OID:
			return ENC_INT4;
		case INT8OID:
			return ENC_INT8;
		case OIDOID:
			return ENC_OID;
		case FLOAT4OID:
			return ENC_FLOAT4;
		case FLOAT8OID:
			return ENC_FLOAT8;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return ENC_TEXT;
		case NAMEOID:
			return ENC_NAME;
		case BYTEAOID:
			return ENC_BYTEA;
		case NUMERICOID:
			return ENC_NUMERIC;
		case DATEOID:
			return ENC_DATE;
		case TIMESTAMPOID:
			return ENC_TIMESTAMP;
		case TIMESTAMPTZOID:
			return ENC_TIMESTAMPTZ;
		case TIMEOID:
			return ENC_TIME;
		case INTERVALOID:
			return ENC_INTERVAL;
		case UUIDOID:
			return ENC_UUID;
		case JSONOID:
			return ENC_JSON;
		case JSONBOID:
			return ENC_JSONB;
		default:
			return type_is_enum(typid) ? ENC_ENUM : ENC_OUTPUT;
	}
}

void
type_encoder_init(TypeEncoder *encoder, Oid typid)
{
	Oid			base = getBaseType(typid);
	Oid			output;
	bool		varlena;
	Oid			element = get_element_type(base);

	memset(encoder, 0, sizeof(*encoder));
	encoder->base_type = base;
	encoder->typlen = get_typlen(base);
	getTypeOutputInfo(base, &output, &varlena);
	fmgr_info(output, &encoder->output);

	if (OidIsValid(element))
	{
		TypeEncoder *el = palloc(sizeof(TypeEncoder));

		type_encoder_init(el, element);
		/* arrays of arrays do not exist; arrays of text-output types go whole */
		if (el->encoding == ENC_OUTPUT || el->encoding == ENC_ARRAY)
		{
			pfree(el);
			encoder->encoding = ENC_OUTPUT;
			return;
		}
		encoder->encoding = ENC_ARRAY;
		encoder->element = el;
		get_typlenbyvalalign(element, &encoder->elmlen, &encoder->elmbyval,
							 &encoder->elmalign);
		return;
	}
	encoder->encoding = native_encoding(base);
}

void
encode_special_value(StringInfo out, int field, int kind)
{
	int			start = pb_begin_message(out, field);

	pb_bool(out, kind, true);
	pb_end_message(out, start);
}

/*
 * A SQL_ASCII database stores whatever bytes it is given, and a protobuf
 * string must be UTF-8 (strict decoders reject anything else). Only there
 * is text checked, by PostgreSQL's verifier, whose ASCII fast path makes
 * the usual case cheap.
 */
static inline bool
invalid_utf8(const char *data, int len)
{
	return check_utf8 && pg_encoding_verifymbstr(PG_UTF8, data, len) != len;
}

/*
 * Text that is not valid UTF-8 (SQL_ASCII only), as a string field with
 * each byte that does not start a valid UTF-8 character replaced by
 * U+FFFD: deterministic, and readable by every decoder.
 */
static void
put_replaced(StringInfo out, int field, const char *data, int len)
{
	StringInfoData utf8;

	initStringInfo(&utf8);
	while (len > 0)
	{
		int			valid = pg_encoding_verifymbstr(PG_UTF8, data, len);

		appendBinaryStringInfo(&utf8, data, valid);
		data += valid;
		len -= valid;
		if (len > 0)
		{
			appendBinaryStringInfo(&utf8, "\xEF\xBF\xBD", 3);
			data++;
			len--;
		}
	}
	pb_bytes(out, field, utf8.data, utf8.len);
	pfree(utf8.data);
}

/* Text in the server encoding, as a protobuf string (UTF-8). */
void
put_text(StringInfo out, int field, const char *data, int len)
{
	if (convert_to_utf8)
	{
		char	   *utf8 = pg_server_to_any(data, len, PG_UTF8);

		if (utf8 != data)
		{
			pb_bytes(out, field, utf8, strlen(utf8));
			pfree(utf8);
			return;
		}
	}
	else if (invalid_utf8(data, len))
	{
		put_replaced(out, field, data, len);
		return;
	}
	pb_bytes(out, field, data, len);
}

/*
 * A text-like value (text_value, json_value): values are lossless, so text
 * that is not valid UTF-8 (SQL_ASCII only) goes as its bytes, bytes_value,
 * rather than with replacements.
 */
static void
put_text_value(StringInfo out, int field, const char *data, int len)
{
	if (invalid_utf8(data, len))
		pb_bytes(out, W2E_FIELD_VAL_BYTES, data, len);
	else
		put_text(out, field, data, len);
}

static void
put_varlena(StringInfo out, int field, Datum value, bool text)
{
	struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

	if (text)
		put_text_value(out, field, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	else
		pb_bytes(out, field, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
}

static void
put_output(StringInfo out, int field, const TypeEncoder *encoder, Datum value)
{
	char	   *str = output_text(encoder, value);
	size_t		len = strlen(str);

	if (!oversize_replace_output(out, encoder, value, len))
		put_text_value(out, field, str, len);
	pfree(str);
}

/* timestamp/timestamptz: Unix microseconds, infinities kept, overflow as text */
static void
put_timestamp(StringInfo out, int field, const TypeEncoder *encoder, Timestamp ts)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		pb_sint(out, field, ts);	/* DT_NOBEGIN/DT_NOEND are INT64 min/max */
	else if (ts >= PG_INT64_MAX - UNIX_TO_PG_USECS)
		put_output(out, W2E_FIELD_VAL_TEXT, encoder, TimestampGetDatum(ts));
	else
		pb_sint(out, field, ts + UNIX_TO_PG_USECS);
}

static void
put_date(StringInfo out, DateADT d)
{
	if (DATE_NOT_FINITE(d))
		pb_sint(out, W2E_FIELD_VAL_DATE, d);	/* DATEVAL_NOBEGIN/NOEND are INT32 min/max */
	else
		pb_sint(out, W2E_FIELD_VAL_DATE, (int64) d + UNIX_TO_PG_DAYS);
}

static void
put_interval(StringInfo out, const Interval *iv)
{
	int			start = pb_begin_message(out, W2E_FIELD_VAL_INTERVAL);

	if (iv->month)
		pb_uint(out, W2E_FIELD_IV_MONTHS, (uint64) (int64) iv->month);
	if (iv->day)
		pb_uint(out, W2E_FIELD_IV_DAYS, (uint64) (int64) iv->day);
	if (iv->time)
		pb_uint(out, W2E_FIELD_IV_MICROSECONDS, (uint64) iv->time);
	pb_end_message(out, start);
}

static void
put_array(StringInfo out, const TypeEncoder *encoder, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			start;

	if (ARR_NDIM(array) > 1 || (ARR_NDIM(array) == 1 && ARR_LBOUND(array)[0] != 1))
	{
		put_output(out, W2E_FIELD_VAL_TEXT, encoder, value);
		return;
	}
	start = pb_begin_message(out, W2E_FIELD_VAL_ARRAY);
	if (ARR_NDIM(array) == 1)
	{
		deconstruct_array(array, ARR_ELEMTYPE(array), encoder->elmlen,
						  encoder->elmbyval, encoder->elmalign,
						  &elems, &nulls, &nelems);
		for (int i = 0; i < nelems; i++)
			encode_value(out, W2E_FIELD_ARR_ELEMENTS, encoder->element, elems[i], nulls[i]);
	}
	pb_end_message(out, start);
}

/* The kind member of a non-null value (inside the Value message). */
static void
put_kind(StringInfo out, const TypeEncoder *encoder, Datum value)
{
	switch (encoder->encoding)
	{
		case ENC_BOOL:
			pb_bool(out, W2E_FIELD_VAL_BOOL, DatumGetBool(value));
			break;
		case ENC_INT2:
			pb_sint(out, W2E_FIELD_VAL_INT, DatumGetInt16(value));
			break;
		case ENC_INT4:
			pb_sint(out, W2E_FIELD_VAL_INT, DatumGetInt32(value));
			break;
		case ENC_INT8:
			pb_sint(out, W2E_FIELD_VAL_INT, DatumGetInt64(value));
			break;
		case ENC_OID:
			pb_sint(out, W2E_FIELD_VAL_INT, DatumGetObjectId(value));
			break;
		case ENC_FLOAT4:
			pb_float(out, W2E_FIELD_VAL_FLOAT32, DatumGetFloat4(value));
			break;
		case ENC_FLOAT8:
			pb_double(out, W2E_FIELD_VAL_FLOAT64, DatumGetFloat8(value));
			break;
		case ENC_TEXT:
			put_varlena(out, W2E_FIELD_VAL_TEXT, value, true);
			break;
		case ENC_NAME:
			put_text_value(out, W2E_FIELD_VAL_TEXT, NameStr(*DatumGetName(value)),
						   strlen(NameStr(*DatumGetName(value))));
			break;
		case ENC_BYTEA:
			put_varlena(out, W2E_FIELD_VAL_BYTES, value, false);
			break;
		case ENC_NUMERIC:
			put_output(out, W2E_FIELD_VAL_NUMERIC, encoder, value);
			break;
		case ENC_DATE:
			put_date(out, DatumGetDateADT(value));
			break;
		case ENC_TIMESTAMP:
			put_timestamp(out, W2E_FIELD_VAL_TIMESTAMP, encoder, DatumGetTimestamp(value));
			break;
		case ENC_TIMESTAMPTZ:
			put_timestamp(out, W2E_FIELD_VAL_TIMESTAMPTZ, encoder, DatumGetTimestampTz(value));
			break;
		case ENC_TIME:
			/* time_value is a plain int64 in the contract: no zigzag */
			pb_uint(out, W2E_FIELD_VAL_TIME, (uint64) DatumGetTimeADT(value));
			break;
		case ENC_INTERVAL:
			put_interval(out, DatumGetIntervalP(value));
			break;
		case ENC_UUID:
			pb_bytes(out, W2E_FIELD_VAL_UUID, (const char *) DatumGetUUIDP(value)->data, UUID_LEN);
			break;
		case ENC_JSON:
			put_varlena(out, W2E_FIELD_VAL_JSON, value, true);
			break;
		case ENC_JSONB:
			put_output(out, W2E_FIELD_VAL_JSON, encoder, value);
			break;
		case ENC_ENUM:
		case ENC_OUTPUT:
			put_output(out, W2E_FIELD_VAL_TEXT, encoder, value);
			break;
		case ENC_ARRAY:
			put_array(out, encoder, value);
			break;
	}
}

void
encode_value(StringInfo out, int field, const TypeEncoder *encoder,
			 Datum value, bool isnull)
{
	int			start = pb_begin_message(out, field);

	if (isnull)
		pb_bool(out, W2E_FIELD_VAL_NULL, true);
	else if (!oversize_replace_value(out, encoder, value))
		put_kind(out, encoder, value);
	pb_end_message(out, start);
}

/* Escape the partition key separators: '\' -> "\\", ',' -> "\," */
static void
append_escaped(StringInfo out, const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (s[i] == '\\' || s[i] == ',')
			appendStringInfoCharMacro(out, '\\');
		appendStringInfoCharMacro(out, s[i]);
	}
}

void
append_value_text(StringInfo out, const TypeEncoder *encoder, Datum value)
{
	char		buf[MAXINT8LEN + 1];
	char	   *str;

	switch (encoder->encoding)
	{
		case ENC_INT2:
			pg_ltoa(DatumGetInt16(value), buf);
			appendStringInfoString(out, buf);
			return;
		case ENC_INT4:
			pg_ltoa(DatumGetInt32(value), buf);
			appendStringInfoString(out, buf);
			return;
		case ENC_INT8:
			pg_lltoa(DatumGetInt64(value), buf);
			appendStringInfoString(out, buf);
			return;
		case ENC_TEXT:
			{
				struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

				append_escaped(out, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
				return;
			}
		default:
			str = output_text(encoder, value);
			append_escaped(out, str, strlen(str));
			pfree(str);
			return;
	}
}

char *
value_text(const TypeEncoder *encoder, Datum value)
{
	if (encoder->encoding == ENC_TEXT)
		return TextDatumGetCString(value);
	return output_text(encoder, value);
}
