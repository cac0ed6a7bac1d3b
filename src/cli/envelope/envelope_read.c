/*
 * envelope_read.c
 *    Reading back what `wal2events ship` writes: one EventEnvelope (bare
 *    protobuf, or its JSON rendering) as one line of JSON. Shared by
 *    `decode --envelope` (files of the file: sink) and `consume` (messages
 *    of the hub).
 *
 * A protobuf envelope goes through the library's guards
 * (w2e_envelope_parse: the nesting of its event is bounded before
 * protobuf-c unpacks it, so a crafted message cannot overflow the stack;
 * then it is checked for consistency).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "wire_fields.h"

int
envelope_protobuf_to_json(const uint8_t *data, size_t len, W2eBuffer *out, W2eError *err)
{
	W2eEventEnvelope *env = w2e_envelope_parse(data, len, NULL, err);
	int			rc;

	if (env == NULL)
		return -1;
	rc = w2e_envelope_to_json(env, out, err);
	w2e_envelope_free(env, NULL);
	return rc;
}

int
envelope_json_line(const uint8_t *data, size_t len, W2eBuffer *out, W2eError *err)
{
	size_t		start = out->len;
	int			r;

	if (len == 0 || data[0] != '{')
	{
		snprintf(err->message, sizeof(err->message), "not a JSON object (%zu bytes%s)", len,
				 len > 0 && data[0] == W2E_WIRE_TAG(W2E_FIELD_ENV_ID, W2E_WIRE_LEN) ?
				 "; this looks like a protobuf EventEnvelope" : "");
		return -1;
	}
	r = w2e_json_append_compact(out, (const char *) data, len);
	if (r < 0)
	{
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	if (r == 0 || out->data[start] != '{')
	{
		out->len = start;
		if (out->cap > 0)
			out->data[start] = '\0';
		snprintf(err->message, sizeof(err->message), "not valid JSON (%zu bytes)", len);
		return -1;
	}
	return 0;
}
