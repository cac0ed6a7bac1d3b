/*
 * build.c
 *    Message builders for the tests (see build.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

#define MAX_ITEMS 64			/* events, relations or values per list */

typedef struct ArenaBlock
{
	struct ArenaBlock *next;
	max_align_t data[];
} ArenaBlock;

static ArenaBlock *arena;

void *
arena_alloc(size_t size)
{
	ArenaBlock *block = calloc(1, sizeof(ArenaBlock) + size);

	if (block == NULL)
		abort();				/* tests only */
	block->next = arena;
	arena = block;
	return block->data;
}

void
arena_free_all(void)
{
	while (arena != NULL)
	{
		ArenaBlock *next = arena->next;

		free(arena);
		arena = next;
	}
}

static void *
test_alloc(void *ctx, size_t size)
{
	TestAllocator *ta = ctx;

	if (ta->fail_after >= 0 && ta->allocs >= ta->fail_after)
		return NULL;
	ta->allocs++;
	return malloc(size);
}

static void
test_free(void *ctx, void *ptr)
{
	TestAllocator *ta = ctx;

	ta->frees++;
	free(ptr);
}

const W2eAllocator *
test_allocator(TestAllocator *ta, long fail_after)
{
	ta->base.alloc = test_alloc;
	ta->base.free = test_free;
	ta->base.ctx = ta;
	ta->allocs = 0;
	ta->frees = 0;
	ta->fail_after = fail_after;
	return &ta->base;
}

static char *
arena_strdup(const char *s)
{
	char	   *copy = arena_alloc(strlen(s) + 1);

	strcpy(copy, s);
	return copy;
}

static W2eValue *
new_value(int kind)
{
	W2eValue	init = WAL2EVENTS__V1__VALUE__INIT;
	W2eValue   *v = arena_alloc(sizeof(*v));

	*v = init;
	v->kind_case = kind;
	return v;
}

W2eValue *v_null(void) { W2eValue *v = new_value(W2E_KIND(NULL)); v->null = 1; return v; }
W2eValue *v_toast(void) { W2eValue *v = new_value(W2E_KIND(UNCHANGED_TOAST)); v->unchanged_toast = 1; return v; }
W2eValue *v_bool(int b) { W2eValue *v = new_value(W2E_KIND(BOOL_VALUE)); v->bool_value = b; return v; }
W2eValue *v_int(int64_t i) { W2eValue *v = new_value(W2E_KIND(INT_VALUE)); v->int_value = i; return v; }
W2eValue *v_f32(float f) { W2eValue *v = new_value(W2E_KIND(FLOAT32_VALUE)); v->float32_value = f; return v; }
W2eValue *v_f64(double d) { W2eValue *v = new_value(W2E_KIND(FLOAT64_VALUE)); v->float64_value = d; return v; }
W2eValue *v_text(const char *s) { W2eValue *v = new_value(W2E_KIND(TEXT_VALUE)); v->text_value = arena_strdup(s); return v; }
W2eValue *v_numeric(const char *s) { W2eValue *v = new_value(W2E_KIND(NUMERIC_VALUE)); v->numeric_value = arena_strdup(s); return v; }
W2eValue *v_date(int32_t d) { W2eValue *v = new_value(W2E_KIND(DATE_VALUE)); v->date_value = d; return v; }
W2eValue *v_ts(int64_t u) { W2eValue *v = new_value(W2E_KIND(TIMESTAMP_VALUE)); v->timestamp_value = u; return v; }
W2eValue *v_tstz(int64_t u) { W2eValue *v = new_value(W2E_KIND(TIMESTAMPTZ_VALUE)); v->timestamptz_value = u; return v; }
W2eValue *v_time(int64_t u) { W2eValue *v = new_value(W2E_KIND(TIME_VALUE)); v->time_value = u; return v; }
W2eValue *v_json(const char *s) { W2eValue *v = new_value(W2E_KIND(JSON_VALUE)); v->json_value = arena_strdup(s); return v; }
W2eValue *v_unset(void) { return new_value(W2E_KIND(_NOT_SET)); }

static ProtobufCBinaryData
binary(const void *data, size_t len)
{
	ProtobufCBinaryData b;

	b.data = arena_alloc(len);
	memcpy(b.data, data, len);
	b.len = len;
	return b;
}

W2eValue *v_bytes(const void *d, size_t n) { W2eValue *v = new_value(W2E_KIND(BYTES_VALUE)); v->bytes_value = binary(d, n); return v; }
W2eValue *v_uuid(const void *d, size_t n) { W2eValue *v = new_value(W2E_KIND(UUID_VALUE)); v->uuid_value = binary(d, n); return v; }

W2eValue *
v_interval(int32_t months, int32_t days, int64_t usecs)
{
	W2eInterval init = WAL2EVENTS__V1__INTERVAL__INIT;
	W2eValue   *v = new_value(W2E_KIND(INTERVAL_VALUE));

	v->interval_value = arena_alloc(sizeof(W2eInterval));
	*v->interval_value = init;
	v->interval_value->months = months;
	v->interval_value->days = days;
	v->interval_value->microseconds = usecs;
	return v;
}

/* A list of n pointers from varargs. */
static void **
collect(size_t n, va_list args)
{
	void	  **items = arena_alloc((n + 1) * sizeof(void *));
	size_t		i;

	for (i = 0; i < n; i++)
		items[i] = va_arg(args, void *);
	return items;
}

W2eValue *
v_array(size_t n,...)
{
	W2eArray	init = WAL2EVENTS__V1__ARRAY__INIT;
	W2eValue   *v = new_value(W2E_KIND(ARRAY_VALUE));
	va_list		args;

	v->array_value = arena_alloc(sizeof(W2eArray));
	*v->array_value = init;
	va_start(args, n);
	v->array_value->elements = (W2eValue **) collect(n, args);
	va_end(args);
	v->array_value->n_elements = n;
	return v;
}

/* depth arrays inside each other around innermost. */
W2eValue *
v_nested_array(int depth, W2eValue *innermost)
{
	W2eValue   *v = innermost;
	int			i;

	for (i = 0; i < depth; i++)
		v = v_array(1, v);
	return v;
}

W2eColumn *
column(const char *name, const char *type_name, int identity)
{
	W2eColumn	init = WAL2EVENTS__V1__COLUMN__INIT;
	W2eColumn  *c = arena_alloc(sizeof(*c));

	*c = init;
	c->name = arena_strdup(name);
	c->type_name = arena_strdup(type_name);
	c->identity = identity;
	c->partition_key = identity;
	return c;
}

W2eRelation *
relation(const char *schema, const char *table, size_t n,...)
{
	W2eRelation init = WAL2EVENTS__V1__RELATION__INIT;
	W2eRelation *r = arena_alloc(sizeof(*r));
	va_list		args;

	*r = init;
	r->oid = 16384;
	r->schema = arena_strdup(schema);
	r->table = arena_strdup(table);
	va_start(args, n);
	r->columns = (W2eColumn **) collect(n, args);
	va_end(args);
	r->n_columns = n;
	return r;
}

W2eRelation *
orders_relation(void)
{
	return relation("public", "orders", 3,
					column("id", "integer", 1),
					column("note", "text", 0),
					column("total", "numeric(12,2)", 0));
}

W2eRowChange *
row_change(int operation, uint32_t rel, int old_identity)
{
	W2eRowChange init = WAL2EVENTS__V1__ROW_CHANGE__INIT;
	W2eRowChange *row = arena_alloc(sizeof(*row));

	*row = init;
	row->operation = operation;
	row->relation = rel;
	row->old_identity = old_identity;
	return row;
}

void
row_new(W2eRowChange *row, size_t n,...)
{
	va_list		args;

	va_start(args, n);
	row->new_values = (W2eValue **) collect(n, args);
	va_end(args);
	row->n_new_values = n;
}

void
row_old(W2eRowChange *row, size_t n,...)
{
	va_list		args;

	va_start(args, n);
	row->old_values = (W2eValue **) collect(n, args);
	va_end(args);
	row->n_old_values = n;
}

static W2eEvent *
new_event(uint32_t position, const char *type, const char *key)
{
	W2eEvent	init = WAL2EVENTS__V1__EVENT__INIT;
	W2eEvent   *e = arena_alloc(sizeof(*e));

	*e = init;
	e->position = position;
	e->type = arena_strdup(type);
	e->partition_key = arena_strdup(key);
	e->lsn = 0x16B3E00 + position * 0x40;
	return e;
}

W2eEvent *
event_row(uint32_t position, const char *type, const char *key, W2eRowChange *row)
{
	W2eEvent   *e = new_event(position, type, key);

	e->body_case = W2E_BODY_ROW;
	e->row = row;
	return e;
}

W2eEvent *
event_domain(uint32_t position, const char *type, const char *key,
			 const char *payload, size_t n_tags,...)
{
	W2eDomainEvent init = WAL2EVENTS__V1__DOMAIN_EVENT__INIT;
	Wal2events__V1__DomainEvent__TagsEntry tag_init = WAL2EVENTS__V1__DOMAIN_EVENT__TAGS_ENTRY__INIT;
	W2eEvent   *e = new_event(position, type, key);
	W2eDomainEvent *d = arena_alloc(sizeof(*d));
	va_list		args;
	size_t		i;

	*d = init;
	d->payload = arena_strdup(payload);
	d->tags = arena_alloc((n_tags + 1) * sizeof(*d->tags));
	va_start(args, n_tags);
	for (i = 0; i < n_tags; i++)
	{
		d->tags[i] = arena_alloc(sizeof(*d->tags[i]));
		*d->tags[i] = tag_init;
		d->tags[i]->key = arena_strdup(va_arg(args, const char *));
		d->tags[i]->value = arena_strdup(va_arg(args, const char *));
	}
	va_end(args);
	d->n_tags = n_tags;
	e->body_case = W2E_BODY_DOMAIN;
	e->domain = d;
	return e;
}

W2eEvent *
event_message(uint32_t position, const char *prefix, const void *content, size_t len)
{
	W2eLogicalMessage init = WAL2EVENTS__V1__LOGICAL_MESSAGE__INIT;
	W2eEvent   *e = new_event(position, "message", "");
	W2eLogicalMessage *m = arena_alloc(sizeof(*m));

	*m = init;
	m->prefix = arena_strdup(prefix);
	m->content = binary(content, len);
	e->body_case = W2E_BODY_MESSAGE;
	e->message = m;
	return e;
}

W2eTransaction *
txn_example(void)
{
	W2eTransaction init = WAL2EVENTS__V1__TRANSACTION__INIT;
	W2eTransaction *t = arena_alloc(sizeof(*t));

	*t = init;
	t->xid = 744;
	t->commit_lsn = 0x16B3F28;
	t->commit_time = EXAMPLE_COMMIT_TIME;
	t->database = arena_strdup("db");
	t->system_identifier = UINT64_C(7312895063207461234);
	t->last_chunk = 1;
	t->events = arena_alloc(MAX_ITEMS * sizeof(W2eEvent *));
	t->relations = arena_alloc(MAX_ITEMS * sizeof(W2eRelation *));
	return t;
}

void
txn_add_relation(W2eTransaction *txn, W2eRelation *rel)
{
	if (txn->n_relations < MAX_ITEMS)
		txn->relations[txn->n_relations++] = rel;
}

void
txn_add_event(W2eTransaction *txn, W2eEvent *event)
{
	if (txn->n_events < MAX_ITEMS)
		txn->events[txn->n_events++] = event;
}

uint8_t *
pack_txn(const W2eTransaction *txn, size_t *len)
{
	uint8_t    *buf;

	*len = wal2events__v1__transaction__get_packed_size(txn);
	buf = arena_alloc(*len + 1);
	wal2events__v1__transaction__pack(txn, buf);
	return buf;
}

uint8_t *
frame(const uint8_t *message, size_t len, size_t *framed_len)
{
	uint8_t    *buf = arena_alloc(len + W2E_FRAME_HEADER_MAX);
	size_t		n = 0;
	size_t		v = len;

	buf[n++] = W2E_FRAME_MAGIC;
	do
	{
		buf[n++] = (uint8_t) ((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
		v >>= 7;
	} while (v > 0);
	memcpy(buf + n, message, len);
	*framed_len = n + len;
	return buf;
}

const char *
to_json(const W2eTransaction *txn, W2eError *err)
{
	W2eBuffer	out;
	char	   *copy = NULL;

	w2e_buffer_init(&out, NULL);
	if (w2e_transaction_to_json(txn, &out, err) == 0)
		copy = arena_strdup(out.data);
	w2e_buffer_free(&out);
	return copy;
}

const char *
value_json(const W2eValue *value)
{
	W2eBuffer	out;
	W2eError	err;
	char	   *copy;

	w2e_buffer_init(&out, NULL);
	if (w2e_json_append_value(&out, value, 0, &err) == 0)
		copy = arena_strdup(out.data);
	else
	{
		copy = arena_alloc(strlen(err.message) + 8);
		strcpy(copy, "ERROR: ");
		strcat(copy, err.message);
	}
	w2e_buffer_free(&out);
	return copy;
}

/* One value of every kind, as an "everything" relation's new row. */
static W2eRelation *
everything_relation(void)
{
	static const char *const names[] = {
		"id", "n", "b", "f4", "f8", "t", "by", "num", "d", "ts", "tstz", "tm",
		"iv", "u", "j", "arr", "big"
	};
	W2eRelation *rel = relation("app", "everything", 0);
	size_t		i;

	rel->n_columns = sizeof(names) / sizeof(names[0]);
	rel->columns = arena_alloc(rel->n_columns * sizeof(W2eColumn *));
	for (i = 0; i < rel->n_columns; i++)
		rel->columns[i] = column(names[i], "some type", i == 0);
	return rel;
}

static void
everything_values(W2eRowChange *row, int variant)
{
	static const uint8_t uuid[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
	0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};

	row_new(row, 17, v_int(variant), v_null(), v_bool(variant & 1),
			v_f32(1.1f * (float) variant), v_f64(-0.5 / (variant + 1)),
			v_text("caf\xc3\xa9 \"quoted\"\n"), v_bytes("\x00\x01\xfe", 3),
			v_numeric("-12.3400"), v_date(-2440550 + variant),
			v_ts(INT64_C(-1) - variant), v_tstz(EXAMPLE_COMMIT_TIME),
			v_time(INT64_C(86400000000) - variant), v_interval(14, -3, 1500000),
			v_uuid(uuid, 16), v_json(" {\"a\": [1, 2.5, \"x y\"]} "),
			v_array(3, v_int(1), v_null(), v_array(1, v_text("in"))), v_toast());
}

W2eTransaction *
txn_rich(int variant)
{
	W2eTransaction *txn = txn_example();
	W2eRowChange *ins = row_change(W2E_OP_INSERT, 1, W2E_OLD_NONE);
	W2eRowChange *upd = row_change(W2E_OP_UPDATE, 0, W2E_OLD_KEY);
	W2eRowChange *del = row_change(W2E_OP_DELETE, 0, W2E_OLD_FULL);
	W2eRowChange *trunc = row_change(W2E_OP_TRUNCATE, 0, W2E_OLD_NONE);

	txn->xid += variant;
	txn->commit_lsn += 0x100 * variant;
	txn->origin = variant % 2 ? "upstream" : "";
	txn->origin_lsn = 0x5;
	txn_add_relation(txn, orders_relation());
	txn_add_relation(txn, everything_relation());
	everything_values(ins, variant);
	row_new(upd, 3, v_int(2), v_toast(), v_numeric("1.00"));
	row_old(upd, 1, v_int(1));
	row_old(del, 3, v_int(2), v_null(), v_numeric("1.00"));
	trunc->cascade = 1;
	txn_add_event(txn, event_row(0, "everything-created", "0", ins));
	txn_add_event(txn, event_row(1, "orders-updated", "2", upd));
	txn_add_event(txn, event_row(2, "orders-deleted", "2", del));
	txn_add_event(txn, event_row(3, "orders-truncated", "", trunc));
	txn_add_event(txn, event_domain(4, "order-shipped", "2", "{\"carrier\": \"DHL\"}",
									1, "source", "app"));
	txn_add_event(txn, event_message(5, "audit", "text", 4));
	txn_add_event(txn, event_message(6, "audit", "\x00\xff", 2));
	return txn;
}
