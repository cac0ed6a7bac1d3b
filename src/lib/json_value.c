/*
 * json_value.c
 *    One Value as JSON.
 *
 * Each kind has one rendering, chosen so that a consumer gets the value
 * without loss and without knowing PostgreSQL's text formats:
 *   null, bool, int            -> null, true/false, a JSON integer
 *   float32, float64           -> the shortest number that reads back as the
 *                                 same float; "NaN", "Infinity", "-Infinity"
 *   text, numeric              -> a string (numeric stays exact: "12.30")
 *   bytes                      -> "\\x0a0b", as PostgreSQL prints bytea
 *   date, timestamp(tz), time  -> ISO 8601 strings (datetime.c)
 *   interval                   -> {"months":m,"days":d,"microseconds":us}
 *   uuid                       -> "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
 *   json                       -> the JSON itself, compacted (json_text.c)
 *   array                      -> [v,...]
 *   oversized                  -> {"oversized":{"bytes":n,"sha256":"<hex>"}}
 * An unchanged TOAST value has no rendering: the row renderer leaves such
 * columns out of "new" and names them in "unchanged_toast".
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char hex_digits[] = "0123456789abcdef";

/* JSON has no NaN or Infinity: they become strings. */
static const char *
non_finite_name(double value)
{
	if (isnan(value))
		return "\"NaN\"";
	if (isinf(value))
		return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
	return NULL;
}

/*
 * The shortest %g form that reads back as the same value: 1.1f is "1.1",
 * not "1.10000002384". At most 9 significant digits always suffice for a
 * float and 17 for a double. A number whose shortest form has a small
 * positive exponent (below FLT_DIG/DBL_DIG, as in PostgreSQL's output) is
 * written out in full: "100", not "1e+02". %g never writes "1." or ".5", so the result is a valid JSON
 * number; only a decimal comma from a foreign LC_NUMERIC (never set by the
 * server or the CLI) would not be, hence the fix-up.
 */
int
w2e_json_append_float(W2eBuffer *out, double value, int is_float32)
{
	char		tmp[40];
	const char *special = non_finite_name(value);
	int			precision;
	int			max = is_float32 ? 9 : 17;
	int			fixed_below = is_float32 ? FLT_DIG : DBL_DIG;
	char	   *p;
	int			exponent;

	if (special != NULL)
		return w2e_buffer_append_str(out, special);
	for (precision = 1; precision <= max; precision++)
	{
		snprintf(tmp, sizeof(tmp), "%.*g", precision, value);
		if (is_float32 ? strtof(tmp, NULL) == (float) value : strtod(tmp, NULL) == value)
			break;
	}
	p = strchr(tmp, 'e');
	exponent = p != NULL ? atoi(p + 1) : -1;
	if (exponent >= 0 && exponent < fixed_below)
		snprintf(tmp, sizeof(tmp), "%.*g", exponent + 1 > precision ? exponent + 1 : precision,
				 value);
	for (p = tmp; *p != '\0'; p++)
		if (*p == ',')
			*p = '.';
	return w2e_buffer_append_str(out, tmp);
}

/* Lower-case hex digits of data, two per byte, written in chunks. */
int
w2e_buffer_append_hex(W2eBuffer *out, const uint8_t *data, size_t len)
{
	char		chunk[64];
	size_t		i;
	size_t		n = 0;

	for (i = 0; i < len; i++)
	{
		chunk[n++] = hex_digits[data[i] >> 4];
		chunk[n++] = hex_digits[data[i] & 0x0F];
		if (n == sizeof(chunk))
		{
			if (w2e_buffer_append(out, chunk, n) != 0)
				return -1;
			n = 0;
		}
	}
	return w2e_buffer_append(out, chunk, n);
}

/* bytea as PostgreSQL's hex output, inside a JSON string: "\\x..." */
static int
append_bytes(W2eBuffer *out, const uint8_t *data, size_t len)
{
	if (w2e_buffer_append(out, "\"\\\\x", 4) != 0 ||
		w2e_buffer_append_hex(out, data, len) != 0)
		return -1;
	return w2e_buffer_append_char(out, '"');
}

static int
append_uuid(W2eBuffer *out, const uint8_t *b)
{
	char		text[40];
	size_t		n = 0;
	int			i;

	text[n++] = '"';
	for (i = 0; i < 16; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			text[n++] = '-';
		text[n++] = hex_digits[b[i] >> 4];
		text[n++] = hex_digits[b[i] & 0x0F];
	}
	text[n++] = '"';
	return w2e_buffer_append(out, text, n);
}

static int
append_interval(W2eBuffer *out, const W2eInterval *iv)
{
	return w2e_buffer_append_fmt(out, "{\"months\":%d,\"days\":%d,\"microseconds\":%lld}",
								 (int) iv->months, (int) iv->days,
								 (long long) iv->microseconds);
}

static int
append_array(W2eBuffer *out, const W2eArray *array)
{
	size_t		i;

	if (w2e_buffer_append_char(out, '[') != 0)
		return -1;
	for (i = 0; i < array->n_elements; i++)
	{
		if ((i > 0 && w2e_buffer_append_char(out, ',') != 0) ||
			w2e_json_render_value(out, array->elements[i]) != 0)
			return -1;
	}
	return w2e_buffer_append_char(out, ']');
}

/*
 * {"bytes":n,"sha256":"<64 hex digits>"}: a value or an event too large to
 * encode (Oversized). Also the "oversized" member of such an event (json.c).
 */
int
w2e_json_append_oversized(W2eBuffer *out, const W2eOversized *oversized)
{
	if (w2e_buffer_append_fmt(out, "{\"bytes\":%llu,\"sha256\":\"",
							  (unsigned long long) oversized->bytes) != 0 ||
		w2e_buffer_append_hex(out, oversized->sha256.data, oversized->sha256.len) != 0)
		return -1;
	return w2e_buffer_append_str(out, "\"}");
}

/* Kinds rendered as an ISO 8601 string. */
static int
append_datetime(W2eBuffer *out, const W2eValue *value)
{
	char		text[W2E_DATETIME_MAX];

	switch (value->kind_case)
	{
		case W2E_KIND(DATE_VALUE):
			w2e_format_date(text, value->date_value);
			break;
		case W2E_KIND(TIMESTAMP_VALUE):
			w2e_format_timestamp(text, value->timestamp_value, 0);
			break;
		case W2E_KIND(TIMESTAMPTZ_VALUE):
			w2e_format_timestamp(text, value->timestamptz_value, 1);
			break;
		default:
			w2e_format_time(text, value->time_value);	/* range checked */
			break;
	}
	return w2e_buffer_append_fmt(out, "\"%s\"", text);
}

/* A checked value (w2e_value_check); fails only when out of memory. */
int
w2e_json_render_value(W2eBuffer *out, const W2eValue *value)
{
	switch (value->kind_case)
	{
		case W2E_KIND(NULL):
			return w2e_buffer_append(out, "null", 4);
		case W2E_KIND(BOOL_VALUE):
			return w2e_buffer_append_str(out, value->bool_value ? "true" : "false");
		case W2E_KIND(INT_VALUE):
			return w2e_buffer_append_fmt(out, "%lld", (long long) value->int_value);
		case W2E_KIND(FLOAT32_VALUE):
			return w2e_json_append_float(out, value->float32_value, 1);
		case W2E_KIND(FLOAT64_VALUE):
			return w2e_json_append_float(out, value->float64_value, 0);
		case W2E_KIND(TEXT_VALUE):
			return w2e_json_append_cstring(out, value->text_value);
		case W2E_KIND(NUMERIC_VALUE):
			return w2e_json_append_cstring(out, value->numeric_value);
		case W2E_KIND(BYTES_VALUE):
			return append_bytes(out, value->bytes_value.data, value->bytes_value.len);
		case W2E_KIND(UUID_VALUE):
			return append_uuid(out, value->uuid_value.data);
		case W2E_KIND(JSON_VALUE):
			return w2e_json_append_embedded(out, W2E_STR(value->json_value),
											strlen(W2E_STR(value->json_value)));
		case W2E_KIND(INTERVAL_VALUE):
			return append_interval(out, value->interval_value);
		case W2E_KIND(ARRAY_VALUE):
			return append_array(out, value->array_value);
		case W2E_KIND(OVERSIZED):
			return w2e_buffer_append_str(out, "{\"oversized\":") != 0 ||
				w2e_json_append_oversized(out, value->oversized) != 0 ||
				w2e_buffer_append_char(out, '}') != 0 ? -1 : 0;
		default:
			return append_datetime(out, value);
	}
}

/*
 * depth: the number of arrays the value sits in. The value is checked
 * first (validate.c), whole, so what is rendered is known to be renderable
 * and the only failure left is running out of memory.
 */
int
w2e_json_append_value(W2eBuffer *out, const W2eValue *value, int depth,
					  W2eError *err)
{
	if (w2e_value_check(value, depth, err) != 0)
		return -1;
	if (w2e_json_render_value(out, value) != 0)
	{
		w2e_set_error(err, "out of memory");
		return -1;
	}
	return 0;
}
