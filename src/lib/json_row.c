/*
 * json_row.c
 *    The body of a row change event as JSON members.
 *
 *   "operation":"update","schema":"public","table":"orders",
 *   "new":{"id":1,"note":"x"},"unchanged_toast":["big"],
 *   "old":{"id":2},"old_identity":"key"
 *
 * Column names come from the relation, values line up with its columns.
 * An unchanged TOAST value is not a value (PostgreSQL did not log it), so
 * the column is left out of "new" rather than shown as null, and named in
 * "unchanged_toast" so that a consumer can tell "unchanged" from "NULL".
 * Old values under old_identity "key" belong to the identity columns only.
 * The transaction has been validated, so counts and indexes match.
 */
#include "internal.h"

static const char *const operation_names[] = {
	"unspecified", "insert", "update", "delete", "truncate", "read"
};

/* "name":value, after a comma unless it is the first member. */
static int
append_member(W2eBuffer *out, int first, const W2eColumn *column,
			  const W2eValue *value)
{
	if ((!first && w2e_buffer_append_char(out, ',') != 0) ||
		w2e_json_append_cstring(out, column->name) != 0 ||
		w2e_buffer_append_char(out, ':') != 0)
		return -1;
	return w2e_json_render_value(out, value);
}

static int
is_toast(const W2eValue *value)
{
	return value->kind_case == W2E_KIND(UNCHANGED_TOAST);
}

/* "unchanged_toast":["col",...], only when some column is. */
static int
append_unchanged_toast(W2eBuffer *out, const W2eRelation *rel,
					   const W2eRowChange *row)
{
	size_t		i;
	int			first = 1;

	for (i = 0; i < rel->n_columns; i++)
	{
		if (!is_toast(row->new_values[i]))
			continue;
		if (w2e_buffer_append_str(out, first ? ",\"unchanged_toast\":[" : ",") != 0 ||
			w2e_json_append_cstring(out, rel->columns[i]->name) != 0)
			return -1;
		first = 0;
	}
	return first ? 0 : w2e_buffer_append_char(out, ']');
}

static int
append_new(W2eBuffer *out, const W2eRelation *rel, const W2eRowChange *row)
{
	size_t		i;
	int			first = 1;

	if (w2e_buffer_append_str(out, ",\"new\":{") != 0)
		return -1;
	for (i = 0; i < rel->n_columns; i++)
	{
		if (is_toast(row->new_values[i]))
			continue;
		if (append_member(out, first, rel->columns[i], row->new_values[i]) != 0)
			return -1;
		first = 0;
	}
	if (w2e_buffer_append_char(out, '}') != 0)
		return -1;
	return append_unchanged_toast(out, rel, row);
}

static int
append_old(W2eBuffer *out, const W2eRelation *rel, const W2eRowChange *row)
{
	int			key_only = row->old_identity == W2E_OLD_KEY;
	size_t		i;
	size_t		k = 0;

	if (w2e_buffer_append_str(out, ",\"old\":{") != 0)
		return -1;
	for (i = 0; i < rel->n_columns; i++)
	{
		if (key_only && !rel->columns[i]->identity)
			continue;
		if (append_member(out, k == 0, rel->columns[i], row->old_values[k]) != 0)
			return -1;
		k++;
	}
	return w2e_buffer_append_str(out, key_only ? "},\"old_identity\":\"key\"" :
								 "},\"old_identity\":\"full\"");
}

static int
append_truncate_options(W2eBuffer *out, const W2eRowChange *row)
{
	if (row->cascade && w2e_buffer_append_str(out, ",\"cascade\":true") != 0)
		return -1;
	if (row->restart_identity &&
		w2e_buffer_append_str(out, ",\"restart_identity\":true") != 0)
		return -1;
	return 0;
}

int
w2e_json_append_row(W2eBuffer *out, const W2eTransaction *txn,
					const W2eRowChange *row)
{
	const W2eRelation *rel = txn->relations[row->relation];

	if (w2e_buffer_append_fmt(out, ",\"operation\":\"%s\",\"schema\":",
							  operation_names[row->operation]) != 0 ||
		w2e_json_append_cstring(out, rel->schema) != 0 ||
		w2e_buffer_append_str(out, ",\"table\":") != 0 ||
		w2e_json_append_cstring(out, rel->table) != 0)
		return -1;
	if ((row->operation == W2E_OP_INSERT || row->operation == W2E_OP_UPDATE ||
		 row->operation == W2E_OP_READ) &&
		append_new(out, rel, row) != 0)
		return -1;
	if (row->old_identity != W2E_OLD_NONE && append_old(out, rel, row) != 0)
		return -1;
	if (row->operation == W2E_OP_TRUNCATE)
		return append_truncate_options(out, row);
	return 0;
}
