/*
 * replication.h
 *    The PostgreSQL side of ship and tail: a libpq connection in
 *    replication=database mode, the slot (checked, created, or temporary),
 *    START_REPLICATION and the CopyBoth stream with its status updates.
 */
#ifndef WAL2EVENTS_REPLICATION_H
#define WAL2EVENTS_REPLICATION_H

#include <stdint.h>

#include "ship.h"

typedef struct pg_conn PGconn;

typedef struct Replication
{
	PGconn	   *conn;
	char	   *copybuf;		/* last message from PQgetCopyData */
	uint64_t	system_identifier;
	char		database[128];
	char		slot[128];
	int			temporary;		/* tail's slot, dropped by the server at exit */
	int			created;		/* --create-slot created it, START_REPLICATION not yet accepted */
	uint64_t	start_lsn;		/* the slot's confirmed_flush_lsn when opened */
	int			streaming;		/* inside CopyBoth */
	char		error[512];		/* why the last call failed, one line */
	int			error_status;	/* exit status that error deserves */
	int			retryable;		/* the failure may go away by itself */
} Replication;

/* What repl_read() found. */
typedef enum ReplMessageKind
{
	REPL_NONE,					/* nothing complete buffered: wait for the socket */
	REPL_DATA,					/* XLogData: one plugin message */
	REPL_KEEPALIVE,
	REPL_CLOSED					/* stream or connection ended: error says why */
} ReplMessageKind;

typedef struct ReplMessage
{
	ReplMessageKind kind;
	uint64_t	wal_start;		/* XLogData: where the data starts */
	uint64_t	wal_end;		/* keepalive: the server's position */
	int			reply_requested;	/* keepalive asks for a status update now */
	const uint8_t *data;		/* XLogData payload, valid until the next read */
	size_t		len;
} ReplMessage;

/*
 * Connect, IDENTIFY_SYSTEM and make sure the slot is usable (create it with
 * --create-slot, or a temporary one for tail). 0, or -1 with error and
 * error_status set (retryable when waiting may help).
 */
extern int	repl_open(Replication *r, const ShipOptions *opts);

/*
 * START_REPLICATION from the slot's confirmed position, with -o options
 * (the plugin checks them here). When it fails on a slot this run created,
 * the slot is dropped again: a refused command line leaves nothing behind.
 */
extern int	repl_start(Replication *r, const ShipOptions *opts);

/* The next message without blocking. */
extern ReplMessageKind repl_read(Replication *r, ReplMessage *msg);

/* Read what the socket has into libpq's buffer. 0, or -1 (connection lost). */
extern int	repl_consume(Replication *r);

/* Standby status update: write and flush positions (0: not reported). */
extern int	repl_send_status(Replication *r, uint64_t write_lsn, uint64_t flush_lsn,
							 int reply_requested);

/* End the stream politely (CopyDone) and close. */
extern void repl_close(Replication *r);

extern int	repl_socket(const Replication *r);

#endif							/* WAL2EVENTS_REPLICATION_H */
