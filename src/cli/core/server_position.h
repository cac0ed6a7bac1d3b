/*
 * server_position.h
 *    The server's WAL position, for the lag ship reports, read on a
 *    connection of its own without ever blocking the caller.
 *
 * Why not the replication stream: its keepalives carry the walsender's
 * sent position, and while the hub is down the shipper stops reading the
 * stream (that is the backpressure), so neither moves while the WAL grows
 * and the lag looked smallest exactly when the slot could not advance.
 * Here a plain connection (the --dbname conninfo, without replication)
 * asks pg_current_wal_lsn() (on a standby, the replay position) once a
 * second, with libpq's asynchronous calls: the reporter thread (metrics.c)
 * drives it from its poll loop, so a slow server never holds up the
 * metrics endpoint or the progress line.
 */
#ifndef WAL2EVENTS_SERVER_POSITION_H
#define WAL2EVENTS_SERVER_POSITION_H

#include <libpq-fe.h>
#include <stdint.h>

typedef enum ServerPositionState
{
	SP_DISCONNECTED,			/* connect at next_ms */
	SP_CONNECTING,				/* PQconnectPoll says what to wait for */
	SP_READY,					/* ask at next_ms */
	SP_ASKING					/* a query in flight, answer by deadline_ms */
} ServerPositionState;

typedef struct ServerPosition
{
	const char *dbname;			/* conninfo or database name; NULL: PG* environment */
	const char *application_name;
	PGconn	   *conn;
	ServerPositionState state;
	PostgresPollingStatusType polling;
	int64_t		next_ms;
	int64_t		deadline_ms;
	uint64_t	lsn;			/* the newest position read, 0 before the first */
	int			warned;			/* a failure was logged (once is enough) */
} ServerPosition;

extern void server_position_init(ServerPosition *sp, const char *dbname,
								 const char *application_name);

/* The descriptor to wait on and for what (POLLIN, POLLOUT), or -1. */
extern int	server_position_fd(const ServerPosition *sp, short *events);

/* Milliseconds until server_position_work() has something to do. */
extern int64_t server_position_timeout(const ServerPosition *sp, int64_t now_ms);

/* Advance: connect, ask, read the answer; whatever can be done now. */
extern void server_position_work(ServerPosition *sp, int64_t now_ms);

extern void server_position_close(ServerPosition *sp);

#endif							/* WAL2EVENTS_SERVER_POSITION_H */
