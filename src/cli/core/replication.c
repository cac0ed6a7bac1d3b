/*
 * replication.c
 *    libpq in replication=database mode: connect, check or create the slot,
 *    START_REPLICATION, then the CopyBoth stream (XLogData and keepalive
 *    messages in, standby status updates out), as pg_recvlogical does.
 *
 * The slot is checked with plain SQL on the same connection (a walsender in
 * database mode runs simple queries), so a wrong slot is reported as what
 * it is ("uses plugin test_decoding") rather than as the plugin's parse
 * error on the first message. Errors are one line: the server's message,
 * then the fix.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "replication.h"

#define PLUGIN "wal2events"
/* Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01. */
#define PG_EPOCH_OFFSET_US INT64_C(946684800000000)

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(Replication *r, int status, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, args);
	va_end(args);
	r->error_status = status;
	return -1;
}

/* libpq's message as one line: first line, no trailing newline. */
static void
one_line(char *out, size_t size, const char *message)
{
	size_t		n = strcspn(message, "\n");

	if (strncmp(message, "ERROR:  ", 8) == 0 || strncmp(message, "FATAL:  ", 8) == 0)
	{
		message += 8;
		n = strcspn(message, "\n");
	}
	snprintf(out, size, "%.*s", (int) n, message);
}

/* A failed command: its primary message and, when the server gave one, the hint. */
static void
result_error(PGresult *res, PGconn *conn, char *out, size_t size)
{
	const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *hint = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	char		line[300];

	if (primary == NULL)
	{
		one_line(line, sizeof(line), PQerrorMessage(conn));
		snprintf(out, size, "%s", line);
	}
	else if (hint != NULL)
		snprintf(out, size, "%s (%s)", primary, hint);
	else
		snprintf(out, size, "%s", primary);
}

static int
connect_db(Replication *r, const ShipOptions *opts)
{
	const char *keys[4];
	const char *values[4];
	int			n = 0;
	char		line[300];

	if (opts->dbname != NULL)
	{
		keys[n] = "dbname";
		values[n++] = opts->dbname;
	}
	keys[n] = "replication";
	values[n++] = "database";
	keys[n] = "fallback_application_name";
	values[n++] = opts->command[0] == 't' ? "wal2events tail" : "wal2events ship";
	keys[n] = NULL;
	values[n] = NULL;
	r->conn = PQconnectdbParams(keys, values, 1);
	if (r->conn != NULL && PQstatus(r->conn) == CONNECTION_OK)
		return 0;
	one_line(line, sizeof(line), r->conn != NULL ? PQerrorMessage(r->conn) : "out of memory");
	r->retryable = 1;
	return fail(r, SHIP_EXIT_POSTGRES,
				"cannot connect to PostgreSQL: %s (check --dbname or the PG* environment variables; the role needs the REPLICATION attribute)",
				line);
}

static int
identify(Replication *r)
{
	PGresult   *res = PQexec(r->conn, "IDENTIFY_SYSTEM");
	char		line[400];

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQnfields(res) < 4)
	{
		result_error(res, r->conn, line, sizeof(line));
		PQclear(res);
		return fail(r, SHIP_EXIT_POSTGRES, "IDENTIFY_SYSTEM failed: %s", line);
	}
	r->system_identifier = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(r->database, sizeof(r->database), "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	return 0;
}

/* A pg_lsn column: 0 when NULL. */
static uint64_t
lsn_value(const char *text)
{
	uint64_t	lsn = 0;

	lsn_parse(text, &lsn);
	return lsn;
}

/* Run a command that returns no rows; 0, or -1 with the server's message in line. */
static int
run(Replication *r, const char *sql, ExecStatusType expect, char *line, size_t size)
{
	PGresult   *res = PQexec(r->conn, sql);
	int			ok = PQresultStatus(res) == expect;

	if (!ok)
		result_error(res, r->conn, line, size);
	PQclear(res);
	return ok ? 0 : -1;
}

/* The server's reason for not creating or starting a slot, with the fix. */
static int
plugin_error(Replication *r, const char *what, const char *line)
{
	if (strstr(line, "could not access file") != NULL)
		return fail(r, SHIP_EXIT_POSTGRES,
					"%s: %s (the wal2events output plugin is not installed on the server: run `make install` there)",
					what, line);
	if (strstr(line, "may not be used as an output plugin") != NULL)
		return fail(r, SHIP_EXIT_POSTGRES,
					"%s: %s (add wal2events to output_plugin_libraries; see README.md)", what, line);
	if (strstr(line, "is active for PID") != NULL)
	{
		r->retryable = 1;
		return fail(r, SHIP_EXIT_POSTGRES,
					"%s: %s (another client is reading the slot: stop it or use another --slot)", what, line);
	}
	return fail(r, SHIP_EXIT_POSTGRES, "%s: %s", what, line);
}

static int
create_slot(Replication *r, int temporary)
{
	char	   *ident = PQescapeIdentifier(r->conn, r->slot, strlen(r->slot));
	char		sql[400];
	char		line[400];
	PGresult   *res;
	int			rc;

	if (ident == NULL)
		return fail(r, SHIP_EXIT_POSTGRES, "cannot quote slot name '%s'", r->slot);
	snprintf(sql, sizeof(sql), "CREATE_REPLICATION_SLOT %s %sLOGICAL " PLUGIN " (SNAPSHOT 'nothing')",
			 ident, temporary ? "TEMPORARY " : "");
	PQfreemem(ident);
	res = PQexec(r->conn, sql);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? 0 : -1;
	if (rc != 0)
		result_error(res, r->conn, line, sizeof(line));
	else
		r->start_lsn = lsn_value(PQgetvalue(res, 0, 1));
	PQclear(res);
	if (rc != 0)
		return plugin_error(r, "cannot create replication slot", line);
	r->created = !temporary;	/* announced once START_REPLICATION accepts it */
	return 0;
}

/* Is the existing slot one we can read? */
static int
check_slot_row(Replication *r, PGresult *res)
{
	const char *plugin = PQgetvalue(res, 0, 0);
	const char *type = PQgetvalue(res, 0, 1);
	const char *database = PQgetvalue(res, 0, 2);

	if (strcmp(type, "logical") != 0)
		return fail(r, SHIP_EXIT_POSTGRES,
					"replication slot \"%s\" is a %s slot (give a logical slot of the wal2events plugin, or a new name with --create-slot)",
					r->slot, type);
	if (strcmp(plugin, PLUGIN) != 0)
		return fail(r, SHIP_EXIT_POSTGRES,
					"replication slot \"%s\" uses plugin %s, not " PLUGIN " (give another --slot with --create-slot)",
					r->slot, plugin);
	if (strcmp(database, r->database) != 0)
		return fail(r, SHIP_EXIT_POSTGRES,
					"replication slot \"%s\" belongs to database \"%s\", not \"%s\" (connect to that database with --dbname)",
					r->slot, database, r->database);
	return 0;
}

static int
prepare_slot(Replication *r, const ShipOptions *opts)
{
	char	   *literal;
	char		sql[512];
	char		line[400];
	PGresult   *res;
	int			found;

	if (opts->slot == NULL)
	{
		snprintf(r->slot, sizeof(r->slot), "wal2events_tail_%ld", (long) getpid());
		r->temporary = 1;
		return create_slot(r, 1);
	}
	snprintf(r->slot, sizeof(r->slot), "%s", opts->slot);
	literal = PQescapeLiteral(r->conn, r->slot, strlen(r->slot));
	if (literal == NULL)
		return fail(r, SHIP_EXIT_POSTGRES, "cannot quote slot name '%s'", r->slot);
	snprintf(sql, sizeof(sql),
			 "SELECT plugin, slot_type, database, confirmed_flush_lsn FROM pg_catalog.pg_replication_slots WHERE slot_name = %s",
			 literal);
	PQfreemem(literal);
	res = PQexec(r->conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		result_error(res, r->conn, line, sizeof(line));
		PQclear(res);
		return fail(r, SHIP_EXIT_POSTGRES, "cannot look up replication slot \"%s\": %s", r->slot, line);
	}
	found = PQntuples(res) == 1;
	if (found && check_slot_row(r, res) != 0)
	{
		PQclear(res);
		return -1;
	}
	if (found)
		r->start_lsn = lsn_value(PQgetvalue(res, 0, 3));
	PQclear(res);
	if (found)
		return 0;
	if (!opts->create_slot)
		return fail(r, SHIP_EXIT_POSTGRES,
					"replication slot \"%s\" does not exist (add --create-slot, or SELECT pg_create_logical_replication_slot('%s', 'wal2events'))",
					r->slot, r->slot);
	return create_slot(r, 0);
}

/* START_REPLICATION SLOT "s" LOGICAL 0/0 ("name" 'value', ...) */
static int
start(Replication *r, const ShipOptions *opts)
{
	char		sql[8192];
	size_t		n;
	char	   *ident = PQescapeIdentifier(r->conn, r->slot, strlen(r->slot));
	char		line[400];
	int			i;

	if (ident == NULL)
		return fail(r, SHIP_EXIT_POSTGRES, "cannot quote slot name '%s'", r->slot);
	n = (size_t) snprintf(sql, sizeof(sql), "START_REPLICATION SLOT %s LOGICAL 0/0", ident);
	PQfreemem(ident);
	for (i = 0; i < opts->n_plugin_options; i++)
	{
		const PluginOption *po = &opts->plugin_options[i];
		char	   *name = PQescapeIdentifier(r->conn, po->name, po->name_len);
		char	   *value = PQescapeLiteral(r->conn, po->value, strlen(po->value));

		if (name != NULL && value != NULL && n < sizeof(sql))
			n += (size_t) snprintf(sql + n, sizeof(sql) - n, "%s%s %s",
								   i == 0 ? " (" : ", ", name, value);
		PQfreemem(name);
		PQfreemem(value);
	}
	if (opts->n_plugin_options > 0 && n < sizeof(sql))
		n += (size_t) snprintf(sql + n, sizeof(sql) - n, ")");
	if (n >= sizeof(sql))
		return fail(r, CLI_EXIT_USAGE, "plugin options are too long");
	if (run(r, sql, PGRES_COPY_BOTH, line, sizeof(line)) != 0)
		return plugin_error(r, "cannot start replication", line);
	r->streaming = 1;
	return 0;
}

/* Drop the slot this run created (START_REPLICATION refused it), saying so in the error. */
static void
drop_created_slot(Replication *r)
{
	char	   *ident = PQescapeIdentifier(r->conn, r->slot, strlen(r->slot));
	char		sql[400];
	char		line[400];
	size_t		n = strlen(r->error);

	if (ident == NULL)
		return;
	snprintf(sql, sizeof(sql), "DROP_REPLICATION_SLOT %s", ident);
	PQfreemem(ident);
	if (run(r, sql, PGRES_COMMAND_OK, line, sizeof(line)) == 0)
	{
		r->created = 0;
		snprintf(r->error + n, sizeof(r->error) - n, "; replication slot \"%s\" was not kept", r->slot);
	}
	else
		snprintf(r->error + n, sizeof(r->error) - n, "; could not drop the replication slot \"%s\" it created: %s",
				 r->slot, line);
}

int
repl_open(Replication *r, const ShipOptions *opts)
{
	memset(r, 0, sizeof(*r));
	if (connect_db(r, opts) != 0)
		return -1;
	r->retryable = 0;
	if (identify(r) != 0 || prepare_slot(r, opts) != 0)
		return -1;
	return 0;
}

int
repl_start(Replication *r, const ShipOptions *opts)
{
	if (start(r, opts) == 0)
	{
		if (r->created)
			ship_log("created replication slot \"%s\" (plugin " PLUGIN ")", r->slot);
		r->created = 0;
		return 0;
	}
	if (r->created)
		drop_created_slot(r);
	return -1;
}

static uint64_t
read_u64(const char *p)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | (uint8_t) p[i];
	return v;
}

static void
write_u64(char *p, uint64_t v)
{
	int			i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (char) (v & 0xFF);
}

/* The stream ended: why, from the command's final result. */
static ReplMessageKind
closed(Replication *r, int copy_done)
{
	PGresult   *res;
	char		line[400] = "";

	r->streaming = 0;
	while ((res = PQgetResult(r->conn)) != NULL)
	{
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && line[0] == '\0')
			result_error(res, r->conn, line, sizeof(line));
		PQclear(res);
		if (PQstatus(r->conn) == CONNECTION_BAD)
			break;
	}
	if (line[0] == '\0')
		one_line(line, sizeof(line), PQerrorMessage(r->conn));
	snprintf(r->error, sizeof(r->error), "PostgreSQL ended replication%s%s",
			 line[0] != '\0' ? ": " : (copy_done ? "" : " (connection lost)"), line);
	r->error_status = SHIP_EXIT_POSTGRES;
	return REPL_CLOSED;
}

ReplMessageKind
repl_read(Replication *r, ReplMessage *msg)
{
	int			len;

	memset(msg, 0, sizeof(*msg));
	if (r->copybuf != NULL)
	{
		PQfreemem(r->copybuf);
		r->copybuf = NULL;
	}
	if (!r->streaming)
		return msg->kind = REPL_CLOSED;
	len = PQgetCopyData(r->conn, &r->copybuf, 1);
	if (len == 0)
		return msg->kind = REPL_NONE;
	if (len < 0)
		return msg->kind = closed(r, len == -1);
	if (r->copybuf[0] == 'k' && len >= 18)
	{
		msg->wal_end = read_u64(r->copybuf + 1);
		msg->reply_requested = r->copybuf[17] != 0;
		return msg->kind = REPL_KEEPALIVE;
	}
	if (r->copybuf[0] == 'w' && len >= 25)
	{
		msg->wal_start = read_u64(r->copybuf + 1);
		msg->data = (const uint8_t *) r->copybuf + 25;
		msg->len = (size_t) len - 25;
		return msg->kind = REPL_DATA;
	}
	snprintf(r->error, sizeof(r->error), "unexpected replication message '%c' (%d bytes)",
			 r->copybuf[0], len);
	r->streaming = 0;
	return msg->kind = REPL_CLOSED;
}

int
repl_consume(Replication *r)
{
	char		line[300];

	if (PQconsumeInput(r->conn))
		return 0;
	one_line(line, sizeof(line), PQerrorMessage(r->conn));
	snprintf(r->error, sizeof(r->error), "lost the PostgreSQL connection: %s", line);
	r->streaming = 0;
	return -1;
}

int
repl_send_status(Replication *r, uint64_t write_lsn, uint64_t flush_lsn, int reply_requested)
{
	char		buf[34];
	char		line[300];

	if (!r->streaming)
		return -1;
	buf[0] = 'r';
	write_u64(buf + 1, write_lsn);
	write_u64(buf + 9, flush_lsn);
	write_u64(buf + 17, 0);		/* apply: not tracked */
	write_u64(buf + 25, (uint64_t) (ship_wall_us() - PG_EPOCH_OFFSET_US));
	buf[33] = reply_requested ? 1 : 0;
	if (PQputCopyData(r->conn, buf, sizeof(buf)) > 0 && PQflush(r->conn) == 0)
		return 0;
	one_line(line, sizeof(line), PQerrorMessage(r->conn));
	snprintf(r->error, sizeof(r->error), "cannot send a status update to PostgreSQL: %s", line);
	r->streaming = 0;
	return -1;
}

void
repl_close(Replication *r)
{
	if (r->copybuf != NULL)
		PQfreemem(r->copybuf);
	r->copybuf = NULL;
	if (r->conn != NULL && r->streaming)
	{
		PQputCopyEnd(r->conn, NULL);
		PQflush(r->conn);
	}
	if (r->conn != NULL)
		PQfinish(r->conn);
	r->conn = NULL;
	r->streaming = 0;
}

int
repl_socket(const Replication *r)
{
	return r->conn != NULL ? PQsocket(r->conn) : -1;
}
