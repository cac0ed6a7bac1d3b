/*
 * cli.h
 *    What the wal2events command's source files share: exit statuses, the
 *    subcommand table's shape, error reporting, the framed-input reader and
 *    reading back the envelopes `ship` writes.
 *
 * Adding a subcommand: write cmd_<name>.c with an `int cmd_<name>(int argc,
 * char **argv)` that takes argv[0] = "<name>" and returns an exit status
 * below, declare it here and add a row to the table in main.c. Nothing else
 * needs to change.
 */
#ifndef WAL2EVENTS_CLI_H
#define WAL2EVENTS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "wal2events.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1		/* malformed input, unreadable file, write error */
#define CLI_EXIT_USAGE 2		/* bad command line */
#define CLI_EXIT_HUB 4			/* event hub: unreachable, no JetStream, no stream
								 * (the same status as ship's SHIP_EXIT_HUB) */

typedef struct CliCommand
{
	const char *name;
	const char *summary;		/* one line for `wal2events --help` */
	int			(*run) (int argc, char **argv);
} CliCommand;

/* Subcommands. */
extern int	cmd_backfill(int argc, char **argv);	/* cmd_backfill.c */
extern int	cmd_decode(int argc, char **argv);
extern int	cmd_consume(int argc, char **argv);	/* cmd_consume.c */
extern int	cmd_lake(int argc, char **argv);	/* cmd_lake.c */
extern int	cmd_replay(int argc, char **argv);	/* cmd_replay.c */
extern int	cmd_ship(int argc, char **argv);	/* cmd_ship.c: ship and tail */
extern int	cmd_tail(int argc, char **argv);

/* "wal2events <command>: <message>" on stderr. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
extern void cli_error(const char *command, const char *fmt,...);

/* SIGINT and SIGTERM call handler (a clean stop); SIGPIPE is ignored. */
extern void cli_install_stop_signals(void (*handler) (int));

/*
 * Reads frames from a file descriptor as they arrive, holding at most one
 * frame (plus one read's worth) in memory. before_wait, if set, runs before
 * each read that may block: `decode` flushes its output there, so a live
 * stream (pg_recvlogical -f - | wal2events decode) shows up line by line.
 */
typedef struct FrameReader
{
	int			fd;
	uint8_t    *buf;
	size_t		cap;
	size_t		start;			/* first unconsumed byte */
	size_t		end;			/* end of the bytes read */
	uint64_t	offset;			/* input offset of buf[start] */
	int			eof;
	void		(*before_wait) (void *ctx);
	void	   *ctx;
} FrameReader;

extern int	frame_reader_init(FrameReader *reader, int fd);

/*
 * 1: *message (valid until the next call) holds the next message and
 * *frame_offset where its frame starts in the input; 0: clean end of input;
 * -1: malformed or unreadable input, error says so and where.
 */
extern int	frame_reader_next(FrameReader *reader, const uint8_t **message,
							  size_t *message_len, uint64_t *frame_offset,
							  char *error, size_t error_size);
extern void frame_reader_free(FrameReader *reader);

/*
 * envelope_read.c: one EventEnvelope, as `wal2events ship` writes it, as one
 * line of JSON (no newline) appended to out. protobuf: the bare message,
 * rendered by w2e_envelope_to_json(); json: the line ship wrote, checked
 * and compacted. 0, or -1 with err set (out is left as it was).
 */
extern int	envelope_protobuf_to_json(const uint8_t *data, size_t len, W2eBuffer *out,
									  W2eError *err);
extern int	envelope_json_line(const uint8_t *data, size_t len, W2eBuffer *out,
							   W2eError *err);

#endif							/* WAL2EVENTS_CLI_H */
