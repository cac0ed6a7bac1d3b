/*
 * ship_unit.c
 *    Unit tests of the shipper's pure parts: subject templates (subject.c,
 *    and their rules and the shortening of long values in libwal2events'
 *    subject_template.c), the flush-LSN rules of delivery tracking (delivery.c)
 *    and the header scan of --unit transaction (txn_message.c). Built and
 *    run by tests/ship/run.sh ("unit"); prints one line per check and
 *    "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "delivery.h"
#include "envelope.h"
#include "subject.h"

static int	passed;
static int	failed;

#define CHECK(name, cond) \
	do { if (cond) { passed++; printf("%s ... ok\n", name); } \
		 else { failed++; printf("%s ... FAILED (%s:%d)\n", name, __FILE__, __LINE__); } } while (0)

static int
check_ok(const char *tmpl)
{
	char		error[200];

	return subject_template_check(tmpl, error, sizeof(error)) == 0;
}

static void
test_templates(void)
{
	CHECK("template: default is valid", check_ok("events.{type}"));
	CHECK("template: every token", check_ok("cdc.{database}.{schema}.{table}.{partition_key}"));
	CHECK("template: token inside literal text", check_ok("ev.{type}-x"));
	CHECK("template: no token", check_ok("events.all"));
	CHECK("template: empty", !check_ok(""));
	CHECK("template: empty token", !check_ok("a..{type}"));
	CHECK("template: leading dot", !check_ok(".a"));
	CHECK("template: trailing dot", !check_ok("a."));
	CHECK("template: unknown token", !check_ok("a.{nope}"));
	CHECK("template: unclosed brace", !check_ok("a.{type"));
	CHECK("template: wildcard *", !check_ok("a.*"));
	CHECK("template: wildcard >", !check_ok("a.>"));
	CHECK("template: space", !check_ok("a b.{type}"));
}

static void
test_render(void)
{
	W2eBuffer	out;
	SubjectValues v = {"orders-created", "public", "odd.name tbl", "shop", "1,a*b>c"};
	SubjectValues empty = {"ping", "", NULL, "shop", ""};

	w2e_buffer_init(&out, NULL);
	subject_render("cdc.{database}.{schema}.{table}", &v, &out);
	CHECK("render: '.' and ' ' in a value become '_'", strcmp(out.data, "cdc.shop.public.odd_name_tbl") == 0);
	subject_render("k.{partition_key}", &v, &out);
	CHECK("render: '*' and '>' in a value become '_'", strcmp(out.data, "k.1,a_b_c") == 0);
	subject_render("e.{schema}.{table}.{partition_key}.{type}", &empty, &out);
	CHECK("render: empty values become '_'", strcmp(out.data, "e._._._.ping") == 0);
	subject_render("x-{type}-y.z", &v, &out);
	CHECK("render: literal text around a token", strcmp(out.data, "x-orders-created-y.z") == 0);
	w2e_buffer_free(&out);
}

/* A value of n bytes, each c. */
static char *
repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void
test_template_length(void)
{
	char		t[2048];

	CHECK("template length: 1018 literal bytes fit (with .claim, 1024)", check_ok(repeat(t, 'a', 1018)));
	CHECK("template length: 1019 do not", !check_ok(repeat(t, 'a', 1019)));
	strcpy(repeat(t, 'b', 244) + 244, ".{type}.{schema}.{table}.{database}.{partition_key}.{type}");
	CHECK("template length: 6 placeholders of 128 and 250 literal bytes fit", check_ok(t));
	strcpy(repeat(t, 'b', 245) + 245, ".{type}.{schema}.{table}.{database}.{partition_key}.{type}");
	CHECK("template length: one byte more does not", !check_ok(t));
	CHECK("template length: 8 placeholders never fit",
		  !check_ok("s.{type}.{type}.{type}.{type}.{type}.{type}.{type}.{type}"));
}

static void
test_shortening(void)
{
	W2eBuffer	out;
	W2eBuffer	again;
	char		key[4097];
	char		other[4097];
	char		suffix[W2E_HASH_SUFFIX_LEN + 1];
	char		accented[401];
	size_t		i;
	SubjectValues v = {"big", "", "", "shop", key};

	w2e_buffer_init(&out, NULL);
	w2e_buffer_init(&again, NULL);
	w2e_hash_suffix("", 0, suffix);
	CHECK("hash: FNV-1a 64 of the empty value", strcmp(suffix, "~cbf29ce484222325") == 0);
	w2e_hash_suffix("a", 1, suffix);
	CHECK("hash: FNV-1a 64 of \"a\"", strcmp(suffix, "~af63dc4c8601ec8c") == 0);

	repeat(key, 'k', 4096);
	w2e_hash_suffix(key, 4096, suffix);
	subject_render("pk.{type}.{partition_key}", &v, &out);
	CHECK("shorten: a 4096-byte key becomes a 128-byte token", out.len == strlen("pk.big.") + 128);
	CHECK("shorten: its first 111 bytes, '~', 16 hex digits of its hash",
		  strncmp(out.data, "pk.big.", 7) == 0 && strspn(out.data + 7, "k") == 111 &&
		  strcmp(out.data + 7 + 111, suffix) == 0);
	subject_render("pk.{type}.{partition_key}", &v, &again);
	CHECK("shorten: deterministic (the same key, the same subject)", strcmp(out.data, again.data) == 0);
	memcpy(other, key, sizeof(key));
	other[4000] = 'x';
	v.partition_key = other;
	subject_render("pk.{type}.{partition_key}", &v, &again);
	CHECK("shorten: keys differing after the prefix get different subjects",
		  again.len == out.len && strcmp(out.data, again.data) != 0);

	v.partition_key = repeat(key, 'k', 128);
	subject_render("{partition_key}", &v, &out);
	CHECK("shorten: a 128-byte value is kept whole", out.len == 128 && strspn(out.data, "k") == 128);
	v.partition_key = repeat(key, 'k', 129);
	subject_render("{partition_key}", &v, &out);
	CHECK("shorten: a 129-byte value is shortened to 128", out.len == 128 && out.data[111] == '~');

	for (i = 0; i < 200; i++)
		memcpy(accented + 2 * i, "\xc3\xa9", 2);	/* e acute, two bytes */
	accented[400] = '\0';
	v.partition_key = accented;
	subject_render("{partition_key}", &v, &out);
	CHECK("shorten: never half a UTF-8 character (110 bytes of e acute kept)",
		  out.len == 110 + W2E_HASH_SUFFIX_LEN && out.data[110] == '~' &&
		  (unsigned char) out.data[109] == 0xa9);
	v.partition_key = repeat(key, '.', 300);
	subject_render("{partition_key}", &v, &out);
	CHECK("shorten: the kept prefix is sanitised too", strspn(out.data, "_") == 111 && out.len == 128);
	w2e_buffer_free(&out);
	w2e_buffer_free(&again);
}

static void
test_stream_subjects(void)
{
	char		s[2][256];

	CHECK("stream subjects: literal prefix",
		  subject_stream_subjects("events.{type}", s) == 1 && strcmp(s[0], "events.>") == 0);
	CHECK("stream subjects: longer prefix",
		  subject_stream_subjects("a.b.{table}.c", s) == 1 && strcmp(s[0], "a.b.>") == 0);
	CHECK("stream subjects: no prefix",
		  subject_stream_subjects("{database}.x", s) == 2 && strcmp(s[0], "*.x") == 0 &&
		  strcmp(s[1], "*.x.claim") == 0);
	CHECK("stream subjects: no token",
		  subject_stream_subjects("all.events", s) == 2 && strcmp(s[0], "all.events") == 0 &&
		  strcmp(s[1], "all.events.claim") == 0);
	CHECK("patterns", subject_patterns("cdc.{table}-x.y", s) == 2 &&
		  strcmp(s[0], "cdc.*.y") == 0 && strcmp(s[1], "cdc.*.y.claim") == 0);
	CHECK("covers: > covers one token and more", subject_covers("events.>", "events.*") &&
		  subject_covers("events.>", "events.*.claim"));
	CHECK("covers: * covers one token only", subject_covers("events.*", "events.*") &&
		  !subject_covers("events.*", "events.*.claim"));
	CHECK("covers: literal does not cover a wildcard", !subject_covers("events.a", "events.*"));
	CHECK("covers: other prefix", !subject_covers("other.>", "events.*"));
	CHECK("covers: > does not cover nothing", !subject_covers("events.>", "events"));
	CHECK("stream name", subject_stream_name_valid("EVENTS_1-a") && !subject_stream_name_valid("a.b") &&
		  !subject_stream_name_valid(""));
}

static MsgKey
key(uint64_t lsn, uint32_t pos)
{
	MsgKey		k = {lsn, pos, KEY_PART_EVENT};

	return k;
}

static void
test_delivery(void)
{
	Delivery	d;
	MsgKey		k;
	uint64_t	t0, t1, t2;

	delivery_init(&d, 4, 100);
	CHECK("delivery: a confirmed transaction is a redelivery", delivery_begin_message(&d, 90, 0, 1, 0) == 0);
	/* transaction 200 in two chunks, transaction 300 in one */
	CHECK("delivery: new transaction", delivery_begin_message(&d, 200, 0, 0, 0) == 1);
	k = key(200, 0);
	t0 = delivery_hand(&d, &k);
	CHECK("delivery: a handed event is not wanted again", !delivery_wants(&d, &k));
	delivery_begin_message(&d, 200, 0, 1, 0);
	k = key(200, 1);
	t1 = delivery_hand(&d, &k);
	delivery_begin_message(&d, 300, 0, 1, 0);
	k = key(300, 0);
	t2 = delivery_hand(&d, &k);
	delivery_server_position(&d, 400);
	delivery_ack(&d, t2);
	delivery_ack(&d, t1);
	CHECK("delivery: nothing confirmed while an older event is unacknowledged",
		  !delivery_settle(&d) && d.confirmed_lsn == 100);
	delivery_ack(&d, t0);
	CHECK("delivery: acknowledged in any order, confirmed to the newest done transaction",
		  delivery_settle(&d) && d.confirmed_lsn == 400);
	CHECK("delivery: idle: the server position is confirmed", delivery_idle(&d));
	delivery_free(&d);

	delivery_init(&d, 2, 0);
	delivery_begin_message(&d, 500, 0, 0, 0);	/* first chunk only */
	k = key(500, 0);
	delivery_ack(&d, delivery_hand(&d, &k));
	delivery_server_position(&d, 600);
	CHECK("delivery: a transaction missing its last chunk is not confirmed",
		  !delivery_settle(&d) && d.confirmed_lsn == 0 && !delivery_idle(&d));
	k = key(500, 1);
	delivery_hand(&d, &k);
	CHECK("delivery: room while fewer tickets than the window are out", delivery_has_room(&d));
	k = key(500, 2);
	delivery_hand(&d, &k);
	CHECK("delivery: no room once the window is full", !delivery_has_room(&d) && delivery_in_flight(&d) == 2);
	delivery_free(&d);

	delivery_init(&d, 8, 0);
	k = key(700, 3);
	delivery_set_stored(&d, &k);
	delivery_begin_message(&d, 700, 0, 1, 0);
	k = key(700, 2);
	CHECK("delivery: events at or before the stored tail are skipped", !delivery_wants(&d, &k));
	k = key(700, 4);
	CHECK("delivery: events after it are wanted", delivery_wants(&d, &k));
	k.part = 0;
	CHECK("delivery: a claim chunk sorts before its event", msg_key_compare(&k, &(MsgKey) {700, 4, KEY_PART_EVENT}) < 0);
	delivery_settle(&d);
	CHECK("delivery: a transaction entirely stored already is confirmed", d.confirmed_lsn == 700);
	delivery_free(&d);
}

/*
 * Backfill windows: the flush LSN never passes the low mark of a window
 * that the last message received says is open (delivery.h).
 */
static void
test_backfill_window(void)
{
	Delivery	d;
	MsgKey		k;
	uint64_t	t0, t1, t2;

	delivery_init(&d, 16, 100);
	/* an ordinary transaction, then the low mark at 250 (no events) */
	delivery_begin_message(&d, 200, 0, 1, 0);
	k = key(200, 0);
	t0 = delivery_hand(&d, &k);
	CHECK("window: the low mark's message (no events) is taken in",
		  delivery_begin_message(&d, 250, 0, 1, 250) == 1 && d.window_lsn == 250);
	/* two transactions committed inside the window */
	delivery_begin_message(&d, 300, 0, 1, 250);
	k = key(300, 0);
	t1 = delivery_hand(&d, &k);
	delivery_begin_message(&d, 400, 0, 1, 250);
	k = key(400, 0);
	t2 = delivery_hand(&d, &k);
	delivery_ack(&d, t1);
	delivery_ack(&d, t2);
	CHECK("window: the low mark waits for the events before it",
		  !delivery_settle(&d) && d.confirmed_lsn == 100);
	delivery_ack(&d, t0);
	CHECK("window: acknowledged events inside the window confirm only the low mark",
		  delivery_settle(&d) && d.confirmed_lsn == 250);
	delivery_server_position(&d, 900);
	CHECK("window: idle, the server's position is capped at the low mark",
		  delivery_idle(&d) && !delivery_settle(&d) && d.confirmed_lsn == 250);
	/* the chunk's transaction closes the window */
	delivery_begin_message(&d, 500, 0, 1, 0);
	k = key(500, 0);
	t0 = delivery_hand(&d, &k);
	CHECK("window: closed by the next message, not before its events are acknowledged",
		  !delivery_settle(&d) && d.confirmed_lsn == 250 && d.window_lsn == 0);
	delivery_ack(&d, t0);
	CHECK("window: closed, the confirm moves on to the server's position",
		  delivery_settle(&d) && d.confirmed_lsn == 900);
	delivery_free(&d);

	/* chunks of one transaction: any chunk's window caps the whole transaction */
	delivery_init(&d, 16, 0);
	delivery_begin_message(&d, 700, 0, 0, 650);
	k = key(700, 0);
	t0 = delivery_hand(&d, &k);
	delivery_begin_message(&d, 700, 0, 1, 0);
	k = key(700, 1);
	t1 = delivery_hand(&d, &k);
	delivery_ack(&d, t0);
	delivery_ack(&d, t1);
	CHECK("window: a chunked transaction is capped by its chunks' window",
		  delivery_settle(&d) && d.confirmed_lsn == 650);
	/* a window at a lower LSN than already confirmed never moves the confirm back */
	delivery_begin_message(&d, 800, 0, 1, 600);
	delivery_settle(&d);
	CHECK("window: the confirm never goes back", d.confirmed_lsn == 650);
	delivery_free(&d);

	/* after a restart at the low mark: the redelivered low mark still opens the window */
	delivery_init(&d, 16, 250);
	CHECK("window: a redelivered low mark is skipped",
		  delivery_begin_message(&d, 250, 0, 1, 250) == 0 && d.window_lsn == 250);
	delivery_server_position(&d, 900);
	delivery_settle(&d);
	CHECK("window: ... and still holds the idle confirm", d.confirmed_lsn == 250);
	delivery_free(&d);

	/* --unit transaction and events alike: a zero-event message with no window settles in order */
	delivery_init(&d, 16, 0);
	delivery_begin_message(&d, 100, 0, 1, 0);
	k = key(100, 0);
	t0 = delivery_hand(&d, &k);
	delivery_begin_message(&d, 150, 0, 1, 0);
	CHECK("window: an empty message after an unacknowledged one waits",
		  !delivery_settle(&d) && d.confirmed_lsn == 0);
	delivery_ack(&d, t0);
	CHECK("window: ... and is confirmed with it", delivery_settle(&d) && d.confirmed_lsn == 150);
	delivery_free(&d);
}

static int
tx_check(const char *tmpl)
{
	char		error[200];

	return subject_template_transaction_check(tmpl, error, sizeof(error)) == 0;
}

/* --unit transaction: its subject tokens, and the header fields read without unpacking. */
static void
test_transaction_unit(void)
{
	W2eTransaction txn = WAL2EVENTS__V1__TRANSACTION__INIT;
	W2eTransaction got;
	W2eEvent	ev = WAL2EVENTS__V1__EVENT__INIT;
	W2eEvent   *events[3] = {&ev, &ev, &ev};
	uint8_t		packed[1024];
	size_t		len;
	char		db[8];
	W2eError	err;
	Envelope	e;

	CHECK("transaction template: {database}", tx_check("tx.{database}") && tx_check("transactions.all"));
	CHECK("transaction template: an event's token is refused",
		  !tx_check("tx.{table}") && !tx_check("tx.{database}.{type}") && !tx_check("{partition_key}"));

	txn.xid = 744;
	txn.commit_lsn = UINT64_C(0x16B3F28);
	txn.commit_time = INT64_C(1795726800123456);
	txn.database = "a-long-database-name";
	txn.system_identifier = UINT64_C(7312895063207461234);
	txn.chunk = 2;
	txn.origin = "o";
	txn.n_events = 3;
	txn.events = events;
	ev.type = "t";
	len = wal2events__v1__transaction__pack(&txn, packed);
	CHECK("transaction scan: reads the header fields",
		  txn_message_scan(packed, len, &got, db, sizeof(db), &err) == 0 &&
		  got.xid == 744 && got.commit_lsn == txn.commit_lsn && got.commit_time == txn.commit_time &&
		  got.system_identifier == txn.system_identifier && got.chunk == 2 && !got.last_chunk &&
		  got.n_events == 3 && strcmp(got.database, "a-long-") == 0);
	txn.last_chunk = 1;
	txn.non_transactional = 1;
	len = wal2events__v1__transaction__pack(&txn, packed);
	CHECK("transaction scan: last chunk, non-transactional",
		  txn_message_scan(packed, len, &got, db, sizeof(db), &err) == 0 && got.last_chunk &&
		  got.non_transactional);
	txn.backfill_window_lsn = UINT64_C(0x16B3F00);
	len = wal2events__v1__transaction__pack(&txn, packed);
	CHECK("transaction scan: backfill window",
		  txn_message_scan(packed, len, &got, db, sizeof(db), &err) == 0 &&
		  got.backfill_window_lsn == UINT64_C(0x16B3F00));
	CHECK("transaction scan: a message cut short is refused",
		  txn_message_scan(packed, len - 1, &got, db, sizeof(db), &err) != 0 &&
		  strstr(err.message, "not a Transaction message") != NULL);
	packed[0] = 0x0F;			/* wire type 7 */
	CHECK("transaction scan: an unknown wire type is refused",
		  txn_message_scan(packed, len, &got, db, sizeof(db), &err) != 0);

	envelope_init(&e);
	txn_message_build(&e, &txn, packed, len, "shop");
	CHECK("transaction message: its id, key and body",
		  strcmp(e.env.id, "7312895063207461234/00000000016B3F28/2/shop") == 0 &&
		  e.key.commit_lsn == txn.commit_lsn && e.key.position == 2 && e.key.part == KEY_PART_EVENT &&
		  e.data == packed && e.len == len && e.env.position == 2);
	envelope_free(&e);
}

int
main(void)
{
	test_transaction_unit();
	test_templates();
	test_render();
	test_template_length();
	test_shortening();
	test_stream_subjects();
	test_delivery();
	test_backfill_window();
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
