/*
 * ship_common.h
 *    The smallest things every layer of the shipper shares (commands, the
 *    core, the sinks, the NATS client): exit statuses, payload formats,
 *    message keys, LSNs, clocks, the runtime log line and backoff. It knows
 *    nothing of options, PostgreSQL or any hub; implemented in ship_util.c.
 */
#ifndef WAL2EVENTS_SHIP_COMMON_H
#define WAL2EVENTS_SHIP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "wal2events.h"

/*
 * Exit statuses beyond cli.h's 0 (success), 1 (failure) and 2 (usage).
 * Documented in `wal2events ship --help` and README.md.
 */
#define SHIP_EXIT_POSTGRES 3	/* PostgreSQL: connection, slot, plugin */
#define SHIP_EXIT_HUB 4			/* event hub: unreachable, stream problem */
#define SHIP_EXIT_UNACKED 5		/* stopped with events still unacknowledged */

typedef enum PayloadFormat
{
	PAYLOAD_DEFAULT,			/* protobuf, except JSON on stdout */
	PAYLOAD_PROTOBUF,
	PAYLOAD_JSON
} PayloadFormat;

/* What one hub message carries (--unit). */
typedef enum ShipUnit
{
	UNIT_EVENT,					/* one EventEnvelope per event */
	UNIT_TRANSACTION			/* the plugin's Transaction message, one per chunk */
} ShipUnit;

/*
 * Where a published message sits in the slot's event sequence. Messages
 * compare by commit LSN, then position, then part: the claim-check chunks
 * of an event (part 0, 1, ...) come before the event itself
 * (KEY_PART_EVENT). Every sink stores messages in this order.
 */
typedef struct MsgKey
{
	uint64_t	commit_lsn;
	uint32_t	position;
	uint32_t	part;
} MsgKey;

#define KEY_PART_EVENT UINT32_MAX
#define MSG_ID_MAX 256			/* a Nats-Msg-Id: event id, or "<id>/claim/<n>" */
#define EVENT_ID_HEADER_MAX 200 /* longer outbox ids: the log-derived id instead */

extern int	msg_key_compare(const MsgKey *a, const MsgKey *b);

/* "16/B374D848" -> LSN. 0, or -1 when text is not an LSN. */
extern int	lsn_parse(const char *text, uint64_t *lsn);

/* The frame header (W2E_FRAME_MAGIC, varint length) of a message of len bytes: its size. */
extern size_t frame_header(uint8_t header[W2E_FRAME_HEADER_MAX], uint64_t len);

/* Monotonic milliseconds, and wall-clock microseconds since 1970. */
extern int64_t ship_now_ms(void);

/* v in decimal at p, no NUL; its length (the hot path's snprintf-free form) */
extern size_t ship_put_decimal(char *p, uint64_t v);
extern int64_t ship_wall_us(void);

/*
 * Runtime log line on stderr: "<UTC time> wal2events <command>: <message>".
 * Start-up errors use cli_error() (no time: they are the last line).
 */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 1, 2)))
#endif
extern void ship_log(const char *fmt,...);
extern void ship_log_set_command(const char *command);

/* Capped exponential backoff. */
typedef struct Backoff
{
	int64_t		initial_ms;
	int64_t		max_ms;
	int64_t		current_ms;
} Backoff;

extern void backoff_init(Backoff *b, int64_t initial_ms, int64_t max_ms);
extern int64_t backoff_next(Backoff *b);	/* the delay to wait now */
extern void backoff_reset(Backoff *b);

#endif							/* WAL2EVENTS_SHIP_COMMON_H */
