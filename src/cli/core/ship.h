/*
 * ship.h
 *    What the files of `wal2events ship` and `wal2events tail` share: the
 *    command line, exit statuses, message keys, clocks and logging.
 *
 * The pieces, one job each:
 *   ship_options.c   command line of ship and tail, and their --help
 *   cmd_ship.c       the two commands: set up, run, tear down
 *   ship_loop.c      the main loop: read PostgreSQL, hand events to the
 *                    sink, confirm, keep the connection alive
 *   replication.c    libpq replication protocol (slot, CopyBoth, status)
 *   arena.c          memory of the Transaction message being handed
 *   delivery.c       which tickets are acknowledged -> the flush LSN
 *   envelope.c       Transaction event -> EventEnvelope bytes
 *   sink.h, sink.c   the interface every sink implements, and opening one
 *   sink_nats.c      NATS JetStream sink: start-up checks, window, recovery
 *   nats_message.c   an event as JetStream messages: subject, headers, claim check
 *   nats_acks.c      publish acknowledgements and the messages in flight
 *   nats_stream.c    the stream: find, create, check, read its newest message
 *   nats_auth.c      NATS credentials (files, environment, URL), for both
 *                    connections; nkey.c signs with an NKey
 *   nats_url.c       NATS URLs without their secrets, for messages
 *   nats_scan.c      which messages of one source the stream holds after a sequence
 *   nats_position.c  the source (W2e-Source) and its high-water mark (key-value bucket)
 *   subject.c        subject templates
 *   sink_file.c, file_resume.c   file: and stdout sinks; resuming a file
 *   metrics.c        progress line and Prometheus endpoint
 *   ship_util.c      keys, LSNs, clocks, log lines, backoff
 */
#ifndef WAL2EVENTS_SHIP_H
#define WAL2EVENTS_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "nats_auth.h"
#include "wal2events.h"

/*
 * Exit statuses beyond cli.h's 0 (success), 1 (failure) and 2 (usage).
 * Documented in `wal2events ship --help` and README.md.
 */
#define SHIP_EXIT_POSTGRES 3	/* PostgreSQL: connection, slot, plugin */
#define SHIP_EXIT_HUB 4			/* event hub: unreachable, stream problem */
#define SHIP_EXIT_UNACKED 5		/* stopped with events still unacknowledged */

typedef enum SinkKind
{
	SINK_NATS,
	SINK_FILE,
	SINK_STDOUT
} SinkKind;

typedef enum PayloadFormat
{
	PAYLOAD_DEFAULT,			/* protobuf, except JSON on stdout */
	PAYLOAD_PROTOBUF,
	PAYLOAD_JSON
} PayloadFormat;

#define SHIP_MAX_PLUGIN_OPTIONS 32

/* -o NAME=VALUE: name points into argv, name_len bytes long. */
typedef struct PluginOption
{
	const char *name;
	size_t		name_len;
	const char *value;
} PluginOption;

/* The command line, parsed and checked; strings point into argv. */
typedef struct ShipOptions
{
	const char *command;		/* "ship" or "tail" */
	const char *dbname;			/* conninfo; NULL: PG* environment */
	const char *slot;			/* NULL: tail's temporary slot */
	int			create_slot;
	int			confirm;		/* report the flush LSN to the slot */
	PluginOption plugin_options[SHIP_MAX_PLUGIN_OPTIONS];
	int			n_plugin_options;

	const char *to;				/* as given (may hold credentials: never print it) */
	SinkKind	sink;
	const char *target;			/* nats URL (ditto) or file path */
	NatsAuthFlags nats_flags;	/* --nats-creds, --nats-user, ... */
	NatsAuth	nats_auth;		/* the hub's credentials and URL, loaded */
	PayloadFormat payload;

	const char *subject;		/* subject template */
	const char *stream;			/* --stream or --create-stream */
	int			create_stream;
	int			replicas;		/* --replicas (with --create-stream), 0: not given */
	int64_t		dup_window_ms;
	int			dup_window_given;	/* --dup-window on the command line */
	int			max_inflight;
	int64_t		max_inflight_bytes;
	int64_t		ack_timeout_ms;
	int64_t		retry_max_ms;

	int64_t		status_interval_ms;
	int64_t		progress_interval_ms;	/* 0: no progress lines */
	int64_t		shutdown_timeout_ms;
	const char *metrics_addr;	/* NULL: no endpoint */
} ShipOptions;

/* The commands (cmd_ship.c), each taking argv[0] = "ship" or "tail". */
extern int	cmd_ship(int argc, char **argv);
extern int	cmd_tail(int argc, char **argv);

/* 1 to go on, 0 to stop with *status (help shown or usage error). */
extern int	ship_options_parse(ShipOptions *opts, int argc, char **argv, int *status);

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

#endif							/* WAL2EVENTS_SHIP_H */
