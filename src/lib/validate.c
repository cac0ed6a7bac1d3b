/*
 * validate.c
 *    Is a Transaction consistent enough to use?
 *
 * protobuf-c only checks the wire format. These are the rules of the
 * contract that it cannot know: row changes point at a relation in the same
 * message, carry one new value per column and the old values their
 * old_identity promises, every value has exactly one known kind that can be
 * rendered, and arrays do not nest without bound. Parsing applies them to
 * what comes off the wire; rendering applies them again to messages built in
 * memory (format=json in the plugin), so neither can crash on a bad one.
 */
#include <stdio.h>

#include "internal.h"

/* One value; depth is the number of arrays it sits in. */
/* An Oversized marker: present, with a whole SHA-256 digest. */
int
w2e_oversized_check(const W2eOversized *oversized, W2eError *err)
{
	if (oversized == NULL)
	{
		w2e_set_error(err, "oversized marker is missing");
		return -1;
	}
	if (oversized->sha256.len != W2E_SHA256_LEN)
	{
		w2e_set_error(err, "oversized marker has a %zu-byte sha256, expected %d",
					  oversized->sha256.len, W2E_SHA256_LEN);
		return -1;
	}
	return 0;
}

int
w2e_value_check(const W2eValue *value, int depth, W2eError *err)
{
	size_t		i;

	if (value == NULL)
	{
		w2e_set_error(err, "value is missing");
		return -1;
	}
	switch (value->kind_case)
	{
		case W2E_KIND(NULL):
		case W2E_KIND(BOOL_VALUE):
		case W2E_KIND(INT_VALUE):
		case W2E_KIND(FLOAT32_VALUE):
		case W2E_KIND(FLOAT64_VALUE):
		case W2E_KIND(TEXT_VALUE):
		case W2E_KIND(BYTES_VALUE):
		case W2E_KIND(NUMERIC_VALUE):
		case W2E_KIND(DATE_VALUE):
		case W2E_KIND(TIMESTAMP_VALUE):
		case W2E_KIND(TIMESTAMPTZ_VALUE):
		case W2E_KIND(JSON_VALUE):
			return 0;
		case W2E_KIND(TIME_VALUE):
			if (value->time_value < 0 || value->time_value > W2E_USECS_PER_DAY)
			{
				w2e_set_error(err, "time_value %lld is outside 00:00:00..24:00:00",
							  (long long) value->time_value);
				return -1;
			}
			return 0;
		case W2E_KIND(UUID_VALUE):
			if (value->uuid_value.len != 16)
			{
				w2e_set_error(err, "uuid_value has %zu bytes, expected 16",
							  value->uuid_value.len);
				return -1;
			}
			return 0;
		case W2E_KIND(INTERVAL_VALUE):
			if (value->interval_value == NULL)
			{
				w2e_set_error(err, "interval_value is missing");
				return -1;
			}
			return 0;
		case W2E_KIND(ARRAY_VALUE):
			if (value->array_value == NULL ||
				(value->array_value->n_elements > 0 && value->array_value->elements == NULL))
			{
				w2e_set_error(err, "array_value is missing");
				return -1;
			}
			if (depth + 1 > W2E_MAX_ARRAY_DEPTH)
			{
				w2e_set_error(err, "arrays are nested more than %d deep",
							  W2E_MAX_ARRAY_DEPTH);
				return -1;
			}
			for (i = 0; i < value->array_value->n_elements; i++)
			{
				if (w2e_value_check(value->array_value->elements[i], depth + 1, err) != 0)
				{
					w2e_prefix_error(err, "array element %zu", i);
					return -1;
				}
			}
			return 0;
		case W2E_KIND(OVERSIZED):
			return w2e_oversized_check(value->oversized, err);
		case W2E_KIND(UNCHANGED_TOAST):
			w2e_set_error(err, "unchanged TOAST value where only a real value can be");
			return -1;
		case W2E_KIND(_NOT_SET):
			w2e_set_error(err, "value has no kind");
			return -1;
		default:
			break;
	}
	w2e_set_error(err, "value has unknown kind %d", (int) value->kind_case);
	return -1;
}

/* The column old or new value i belongs to (key_only: the i-th identity column). */
static const char *
value_column_name(const W2eRelation *rel, size_t i, int key_only)
{
	size_t		col;

	for (col = 0; col < rel->n_columns; col++)
	{
		if (key_only && !rel->columns[col]->identity)
			continue;
		if (i-- == 0)
			return W2E_STR(rel->columns[col]->name);
	}
	return "?";
}

/* A row's values; an unchanged TOAST value is allowed among new ones only. */
static int
check_values(W2eValue *const *values, size_t n, const W2eRelation *rel,
			 const char *what, int key_only, int toast_ok, W2eError *err)
{
	size_t		i;

	if (n > 0 && values == NULL)
	{
		w2e_set_error(err, "%s values are missing", what);
		return -1;
	}
	for (i = 0; i < n; i++)
	{
		if (toast_ok && values[i] != NULL &&
			values[i]->kind_case == W2E_KIND(UNCHANGED_TOAST))
			continue;
		if (w2e_value_check(values[i], 0, err) != 0)
		{
			w2e_prefix_error(err, "%s value %zu (column \"%s\")", what, i,
							 value_column_name(rel, i, key_only));
			return -1;
		}
	}
	return 0;
}

static const char *
operation_name(Wal2events__V1__Operation op)
{
	switch (op)
	{
		case W2E_OP_INSERT:
			return "insert";
		case W2E_OP_UPDATE:
			return "update";
		case W2E_OP_DELETE:
			return "delete";
		case W2E_OP_TRUNCATE:
			return "truncate";
		case W2E_OP_READ:
			return "read";
		default:
			break;
	}
	return "row change";
}

static size_t
identity_columns(const W2eRelation *rel)
{
	size_t		i;
	size_t		n = 0;

	for (i = 0; i < rel->n_columns; i++)
		n += rel->columns[i]->identity ? 1 : 0;
	return n;
}

/* Old values must be what old_identity promises. */
static int
check_old(const W2eRowChange *row, const W2eRelation *rel, W2eError *err)
{
	size_t		want;
	const char *what;

	switch (row->old_identity)
	{
		case W2E_OLD_NONE:
			want = 0;
			what = "none";
			break;
		case W2E_OLD_KEY:
			want = identity_columns(rel);
			what = "key (one per identity column)";
			break;
		case W2E_OLD_FULL:
			want = rel->n_columns;
			what = "full (one per column)";
			break;
		default:
			w2e_set_error(err, "%s has unknown old_identity %d",
						  operation_name(row->operation), (int) row->old_identity);
			return -1;
	}
	if (row->n_old_values != want)
	{
		w2e_set_error(err, "%s has %zu old values but old_identity %s needs %zu for relation %u (%s.%s)",
					  operation_name(row->operation), row->n_old_values, what, want,
					  row->relation, W2E_STR(rel->schema), W2E_STR(rel->table));
		return -1;
	}
	return 0;
}

/* New values: one per column for INSERT and UPDATE, none otherwise. */
static int
check_new(const W2eRowChange *row, const W2eRelation *rel, W2eError *err)
{
	int			has_new = row->operation == W2E_OP_INSERT ||
		row->operation == W2E_OP_UPDATE || row->operation == W2E_OP_READ;
	size_t		want = has_new ? rel->n_columns : 0;

	if (row->n_new_values != want)
	{
		if (has_new)
			w2e_set_error(err, "%s has %zu new values but relation %u (%s.%s) has %zu columns",
						  operation_name(row->operation), row->n_new_values,
						  row->relation, W2E_STR(rel->schema), W2E_STR(rel->table),
						  rel->n_columns);
		else
			w2e_set_error(err, "%s has %zu new values but carries none",
						  operation_name(row->operation), row->n_new_values);
		return -1;
	}
	return 0;
}

static int
check_row(const W2eTransaction *txn, const W2eRowChange *row, W2eError *err)
{
	const W2eRelation *rel;

	if (row->relation >= txn->n_relations)
	{
		w2e_set_error(err, "row change refers to relation %u but the message has %zu",
					  row->relation, txn->n_relations);
		return -1;
	}
	rel = txn->relations[row->relation];
	if (row->operation < W2E_OP_INSERT || row->operation > W2E_OP_READ)
	{
		w2e_set_error(err, "row change has unknown operation %d", (int) row->operation);
		return -1;
	}
	if ((row->operation == W2E_OP_INSERT || row->operation == W2E_OP_TRUNCATE ||
		 row->operation == W2E_OP_READ) &&
		(row->old_identity != W2E_OLD_NONE || row->n_old_values > 0))
	{
		w2e_set_error(err, "%s has old values (old_identity %d, %zu values) but carries none",
					  operation_name(row->operation), (int) row->old_identity,
					  row->n_old_values);
		return -1;
	}
	if (check_new(row, rel, err) != 0 || check_old(row, rel, err) != 0)
		return -1;
	if (check_values(row->new_values, row->n_new_values, rel, "new", 0, 1, err) != 0 ||
		check_values(row->old_values, row->n_old_values, rel, "old",
					 row->old_identity == W2E_OLD_KEY, 0, err) != 0)
		return -1;
	return 0;
}

static int
check_event(const W2eTransaction *txn, const W2eEvent *event, W2eError *err)
{
	size_t		i;

	switch (event->body_case)
	{
		case W2E_BODY_ROW:
			if (event->row == NULL)
				break;
			return check_row(txn, event->row, err);
		case W2E_BODY_DOMAIN:
			if (event->domain == NULL ||
				(event->domain->n_tags > 0 && event->domain->tags == NULL))
				break;
			for (i = 0; i < event->domain->n_tags; i++)
			{
				if (event->domain->tags[i] == NULL)
				{
					w2e_set_error(err, "domain event tag %zu is missing", i);
					return -1;
				}
			}
			return 0;
		case W2E_BODY_MESSAGE:
			if (event->message == NULL)
				break;
			return 0;
		case W2E_BODY_OVERSIZED:
			return w2e_oversized_check(event->oversized, err);
		case W2E_BODY_NOT_SET:
			w2e_set_error(err, "event has no body (row, domain or message)");
			return -1;
		default:
			w2e_set_error(err, "event has unknown body %d", (int) event->body_case);
			return -1;
	}
	w2e_set_error(err, "event body is missing");
	return -1;
}

static int
check_relation(const W2eRelation *rel, W2eError *err)
{
	size_t		i;

	if (rel == NULL || (rel->n_columns > 0 && rel->columns == NULL))
	{
		w2e_set_error(err, "relation is missing");
		return -1;
	}
	for (i = 0; i < rel->n_columns; i++)
	{
		if (rel->columns[i] == NULL)
		{
			w2e_set_error(err, "column %zu is missing", i);
			return -1;
		}
	}
	return 0;
}

int
w2e_transaction_validate(const W2eTransaction *txn, W2eError *err)
{
	size_t		i;

	if (txn == NULL ||
		(txn->n_relations > 0 && txn->relations == NULL) ||
		(txn->n_events > 0 && txn->events == NULL))
	{
		w2e_set_error(err, txn == NULL ? "no transaction" : "transaction lists are missing");
		return -1;
	}
	for (i = 0; i < txn->n_relations; i++)
	{
		if (check_relation(txn->relations[i], err) != 0)
		{
			w2e_prefix_error(err, "relation %zu", i);
			return -1;
		}
	}
	for (i = 0; i < txn->n_events; i++)
	{
		if (txn->events[i] == NULL)
		{
			w2e_set_error(err, "event %zu is missing", i);
			return -1;
		}
		if (check_event(txn, txn->events[i], err) != 0)
		{
			w2e_prefix_error(err, "event %zu", i);
			return -1;
		}
	}
	return 0;
}
