/*
 * server_position.c
 *    The server's WAL position on a connection of its own: see
 *    server_position.h. A state machine over libpq's non-blocking calls;
 *    a failure closes the connection and tries again 10 s later, logged
 *    once until it works again (the lag then falls back to the replication
 *    stream's position).
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdlib.h>

#include "server_position.h"
#include "ship.h"

#define ASK_EVERY_MS 1000
#define ANSWER_WITHIN_MS 10000
#define RETRY_AFTER_MS 10000
#define POSITION_QUERY \
	"SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END"

void
server_position_init(ServerPosition *sp, const char *dbname, const char *application_name)
{
	sp->dbname = dbname;
	sp->application_name = application_name;
	sp->conn = NULL;
	sp->state = SP_DISCONNECTED;
	sp->polling = PGRES_POLLING_WRITING;
	sp->next_ms = 0;
	sp->deadline_ms = 0;
	sp->lsn = 0;
	sp->warned = 0;
}

void
server_position_close(ServerPosition *sp)
{
	if (sp->conn != NULL)
		PQfinish(sp->conn);
	sp->conn = NULL;
	sp->state = SP_DISCONNECTED;
}

static void
failed(ServerPosition *sp, const char *what, int64_t now)
{
	if (!sp->warned)
	{
		const char *why = sp->conn != NULL ? PQerrorMessage(sp->conn) : "out of memory";
		char		line[300];
		size_t		n = 0;

		for (; *why != '\0' && n < sizeof(line) - 1; why++)
			line[n++] = *why == '\n' ? ' ' : *why;
		while (n > 0 && line[n - 1] == ' ')
			n--;
		line[n] = '\0';
		ship_log("cannot read the server's WAL position for the lag (%s: %s); until it can, the lag is measured from the replication stream (retrying every %d s)",
				 what, line, RETRY_AFTER_MS / 1000);
		sp->warned = 1;
	}
	server_position_close(sp);
	sp->next_ms = now + RETRY_AFTER_MS;
}

static void
start_connect(ServerPosition *sp, int64_t now)
{
	const char *keys[3];
	const char *values[3];
	int			n = 0;

	if (sp->dbname != NULL)
	{
		keys[n] = "dbname";
		values[n++] = sp->dbname;
	}
	keys[n] = "fallback_application_name";
	values[n++] = sp->application_name;
	keys[n] = NULL;
	values[n] = NULL;
	sp->conn = PQconnectStartParams(keys, values, 1);
	if (sp->conn == NULL || PQstatus(sp->conn) == CONNECTION_BAD)
	{
		failed(sp, "connecting", now);
		return;
	}
	sp->state = SP_CONNECTING;
	sp->polling = PGRES_POLLING_WRITING;
	sp->deadline_ms = now + ANSWER_WITHIN_MS;
}

static void
read_answer(ServerPosition *sp, int64_t now)
{
	PGresult   *res;

	if (!PQconsumeInput(sp->conn))
	{
		failed(sp, "querying", now);
		return;
	}
	if (PQisBusy(sp->conn))
		return;
	while ((res = PQgetResult(sp->conn)) != NULL)
	{
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		{
			uint64_t	lsn;

			if (lsn_parse(PQgetvalue(res, 0, 0), &lsn) == 0)
			{
				sp->lsn = lsn;
				sp->warned = 0; /* works: log the next failure again */
			}
		}
		PQclear(res);
	}
	sp->state = SP_READY;
	sp->next_ms = now + ASK_EVERY_MS;
}

void
server_position_work(ServerPosition *sp, int64_t now)
{
	if (sp->state == SP_DISCONNECTED && now >= sp->next_ms)
		start_connect(sp, now);
	if (sp->state == SP_CONNECTING)
	{
		sp->polling = PQconnectPoll(sp->conn);
		if (sp->polling == PGRES_POLLING_FAILED || (sp->polling != PGRES_POLLING_OK && now > sp->deadline_ms))
		{
			failed(sp, "connecting", now);
			return;
		}
		if (sp->polling != PGRES_POLLING_OK)
			return;
		PQsetnonblocking(sp->conn, 1);
		sp->state = SP_READY;
		sp->next_ms = now;
	}
	if (sp->state == SP_READY && now >= sp->next_ms)
	{
		if (!PQsendQuery(sp->conn, POSITION_QUERY))
		{
			failed(sp, "querying", now);
			return;
		}
		sp->state = SP_ASKING;
		sp->deadline_ms = now + ANSWER_WITHIN_MS;
	}
	if (sp->state == SP_ASKING)
	{
		if (PQflush(sp->conn) < 0)
		{
			failed(sp, "querying", now);
			return;
		}
		read_answer(sp, now);
		if (sp->state == SP_ASKING && now > sp->deadline_ms)
			failed(sp, "no answer within 10 s", now);
	}
}

int
server_position_fd(const ServerPosition *sp, short *events)
{
	if (sp->state == SP_CONNECTING)
		*events = sp->polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	else if (sp->state == SP_ASKING)
		*events = POLLIN;
	else
		return -1;
	return PQsocket(sp->conn);
}

int64_t
server_position_timeout(const ServerPosition *sp, int64_t now)
{
	int64_t		at = sp->state == SP_CONNECTING || sp->state == SP_ASKING ? sp->deadline_ms : sp->next_ms;

	return at > now ? at - now : 0;
}
