/*
 * ship_unit.c
 *    Unit tests of the shipper's pure parts: subject templates (subject.c)
 *    and the flush-LSN rules of delivery tracking (delivery.c). Built and
 *    run by tests/ship/run.sh ("unit"); prints one line per check and
 *    "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "delivery.h"
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
	CHECK("delivery: a confirmed transaction is a redelivery", delivery_begin_message(&d, 90, 0, 1) == 0);
	/* transaction 200 in two chunks, transaction 300 in one */
	CHECK("delivery: new transaction", delivery_begin_message(&d, 200, 0, 0) == 1);
	k = key(200, 0);
	t0 = delivery_hand(&d, &k);
	CHECK("delivery: a handed event is not wanted again", !delivery_wants(&d, &k));
	delivery_begin_message(&d, 200, 0, 1);
	k = key(200, 1);
	t1 = delivery_hand(&d, &k);
	delivery_begin_message(&d, 300, 0, 1);
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
	delivery_begin_message(&d, 500, 0, 0);	/* first chunk only */
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
	delivery_begin_message(&d, 700, 0, 1);
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

int
main(void)
{
	test_templates();
	test_render();
	test_stream_subjects();
	test_delivery();
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
