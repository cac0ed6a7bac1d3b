/*
 * ship_options.c
 *    The command lines of `wal2events ship` and `wal2events tail`, and
 *    their --help.
 *
 * Strict like the plugin's options: an unknown flag, a flag given twice
 * (except -o), a missing or bad value is a one-line error and exit status 2,
 * before anything connects anywhere. Values are checked here; whether the
 * slot, the plugin or the hub exist is checked by the command at start.
 *
 * ship also reads every flag from the environment (option_env.h), its
 * sinks' flags included: after the command line, each flag it did not give
 * is looked up as its WAL2EVENTS_ variable and goes through the same
 * checks, an error naming the variable. tail does not: it is for a person
 * at a terminal, and an environment exported for the service (its slot,
 * its --metrics port) must not change what tail reads or where it listens.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "nats_auth.h"
#include "option_env.h"
#include "command_flags.h"
#include "option_values.h"
#include "ship.h"

typedef enum OptId
{
	OPT_DBNAME, OPT_SLOT, OPT_CREATE_SLOT, OPT_CONFIRM, OPT_OPTION, OPT_TO,
	OPT_PAYLOAD, OPT_MAX_INFLIGHT, OPT_MAX_INFLIGHT_BYTES, OPT_RETRY_MAX,
	OPT_STATUS_INTERVAL, OPT_PROGRESS_INTERVAL, OPT_SHUTDOWN_TIMEOUT,
	OPT_METRICS, OPT_READY_MAX_LAG, OPT_UNIT, OPT_BACKFILL, OPT_BACKFILL_RATE, OPT_HELP, OPT_COUNT
} OptId;

#define FOR_SHIP 1
#define FOR_TAIL 2

typedef struct OptSpec
{
	OptId		id;
	const char *name;			/* long name without "--" */
	char		short_name;		/* 0: none */
	int			has_value;
	int			commands;		/* FOR_SHIP | FOR_TAIL */
} OptSpec;

static const OptSpec specs[] = {
	{OPT_DBNAME, "dbname", 'd', 1, FOR_SHIP | FOR_TAIL},
	{OPT_SLOT, "slot", 'S', 1, FOR_SHIP | FOR_TAIL},
	{OPT_CREATE_SLOT, "create-slot", 0, 0, FOR_SHIP | FOR_TAIL},
	{OPT_CONFIRM, "confirm", 0, 0, FOR_TAIL},
	{OPT_OPTION, "option", 'o', 1, FOR_SHIP | FOR_TAIL},
	{OPT_TO, "to", 't', 1, FOR_SHIP},
	{OPT_PAYLOAD, "payload", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_MAX_INFLIGHT, "max-inflight", 0, 1, FOR_SHIP},
	{OPT_MAX_INFLIGHT_BYTES, "max-inflight-bytes", 0, 1, FOR_SHIP},
	{OPT_RETRY_MAX, "retry-max", 0, 1, FOR_SHIP},
	{OPT_STATUS_INTERVAL, "status-interval", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_PROGRESS_INTERVAL, "progress-interval", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_SHUTDOWN_TIMEOUT, "shutdown-timeout", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_METRICS, "metrics", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_READY_MAX_LAG, "ready-max-lag", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_UNIT, "unit", 0, 1, FOR_SHIP},
	{OPT_BACKFILL, "backfill", 0, 1, FOR_SHIP},
	{OPT_BACKFILL_RATE, "backfill-rate", 0, 1, FOR_SHIP},
	{OPT_HELP, "help", 'h', 0, FOR_SHIP | FOR_TAIL},
};

#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

static const char *
spec_name(OptId id)
{
	size_t		i;

	for (i = 0; i < N_SPECS; i++)
		if (specs[i].id == id)
			return specs[i].name;
	return "?";
}

static void help_exit_statuses(void);

/* Each kind of sink's own flags, from the registry. */
static void
help_sink_flags(void)
{
	int			i;

	for (i = 0; sink_types[i] != NULL; i++)
		if (sink_types[i]->help[0] != '\0')
			printf("\nOnly with --to %s (%s):\n%s", sink_types[i]->target, sink_types[i]->name,
				   sink_types[i]->help);
}

static void
help_ship(void)
{
	printf("Usage: wal2events ship --slot NAME --to TARGET [OPTIONS]\n"
		   "\n"
		   "Stream every event of a logical replication slot that uses the wal2events\n"
		   "plugin to an event hub, one EventEnvelope per event, until stopped with\n"
		   "SIGINT or SIGTERM. The slot's position is confirmed to PostgreSQL only for\n"
		   "transactions whose events the hub has acknowledged: at-least-once, in\n"
		   "commit order, with deterministic event ids for deduplication.\n"
		   "\n"
		   "PostgreSQL:\n"
		   "  -d, --dbname=CONNINFO       connection string or database name (default: the\n"
		   "                              PG* environment variables); replication=database\n"
		   "                              is added\n"
		   "  -S, --slot=NAME             the slot to read, from its confirmed position\n"
		   "      --create-slot           create the slot (plugin wal2events) if missing\n"
		   "      --backfill=TABLES       with --create-slot: when this run creates the slot,\n"
		   "                              backfill these tables (SCHEMA.TABLE,... or routed:\n"
		   "                              every table of wal2events.routes but outboxes)\n"
		   "                              one after another while shipping, so their\n"
		   "                              existing rows are shipped as read events (the\n"
		   "                              tables are checked first, the backfills registered\n"
		   "                              once the slot is created); when the slot exists\n"
		   "                              already, no backfill is registered, but unfinished\n"
		   "                              ones of these tables are continued\n"
		   "      --backfill-rate=ROWS    --backfill's rows per second at most (default: no\n"
		   "                              limit)\n"
		   "  -o, --option=NAME=VALUE     plugin option for START_REPLICATION, repeatable:\n"
		   "                              tables, exclude-tables, actions, origins,\n"
		   "                              max-events, max-bytes, message-prefixes\n"
		   "\n"
		   "Event hub:\n"
		   "  -t, --to=TARGET             nats://HOST:PORT  NATS JetStream (tls://HOST:PORT:\n"
		   "                                                TLS; credentials and TLS: the\n"
		   "                                                --nats-* and --tls-* flags below)\n"
		   "                              URL,URL,...       a cluster's servers (more are\n"
		   "                                                learnt from the cluster)\n"
		   "                              file:PATH         append to a file (fsync'ed)\n"
		   "                              -                 standard output\n"
		   "      --payload=FORMAT        protobuf (EventEnvelope; default) or json (one\n"
		   "                              line per event; the default on standard output);\n"
		   "                              in a file, protobuf is framed: 0xE2, varint length\n"
		   "      --unit=UNIT             event (default): one message per event;\n"
		   "                              transaction (NATS only): one message per\n"
		   "                              transaction (per chunk of a chunked one), the\n"
		   "                              plugin's Transaction message (protobuf), Nats-Msg-Id\n"
		   "                              <system id>/<commit LSN>/<chunk>/<slot>\n"
		   "      --max-inflight=N        unacknowledged messages at most (default 4096)\n"
		   "      --max-inflight-bytes=SIZE  unacknowledged bytes at most (default 64MB)\n"
		   "      --retry-max=DURATION    longest wait between retries while the hub is\n"
		   "                              down or rejecting (default 30s)\n");
	help_sink_flags();
	printf("\n"
		   "Delivery and observability:\n"
		   "      --status-interval=DURATION    status update to PostgreSQL at least this\n"
		   "                                    often (default 10s)\n"
		   "      --progress-interval=DURATION  progress line on stderr (default 10s; 0: off)\n"
		   "      --shutdown-timeout=DURATION   on SIGINT/SIGTERM, wait this long for the\n"
		   "                                    hub's acknowledgements (default 30s)\n"
		   "      --metrics=[HOST:]PORT         serve Prometheus metrics on a loopback\n"
		   "                                    address (GET /metrics): PORT, 127.0.0.1:PORT\n"
		   "                                    or [::1]:PORT; also GET /healthz (200\n"
		   "                                    while the process runs) and GET /readyz\n"
		   "                                    (200 when connected to PostgreSQL and the\n"
		   "                                    hub and the lag is under --ready-max-lag,\n"
		   "                                    else 503 with the reason)\n"
		   "      --ready-max-lag=DURATION      the oldest unconfirmed transaction's age\n"
		   "                                    above which /readyz says 503 (default 5m;\n"
		   "                                    0: no limit)\n"
		   "  -h, --help                  show this help\n"
		   "\n"
		   "Durations: 500ms, 10s, 2m, 1h (a bare number is seconds). Sizes: 512KB, 64MB.\n"
		   "\n"
		   "Environment:\n"
		   "  Every flag has a variable: WAL2EVENTS_ and the flag's long name in upper\n"
		   "  case, '-' as '_' (--max-inflight: WAL2EVENTS_MAX_INFLIGHT, --to:\n"
		   "  WAL2EVENTS_TO); -o NAME=VALUE is WAL2EVENTS_OPTION_<NAME>, for example\n"
		   "  WAL2EVENTS_OPTION_TABLES=public.orders. A flag without value takes 1 or 0\n"
		   "  (true, false). The command line wins; an empty variable is unset; an\n"
		   "  unknown WAL2EVENTS_ variable is an error. Secrets never come from flags:\n"
		   "  NATS_PASSWORD, NATS_TOKEN or the --nats-* files; PostgreSQL's from\n"
		   "  PGPASSWORD or a PGPASSFILE (libpq reads every PG* variable).\n");
	help_exit_statuses();
}

static void
help_exit_statuses(void)
{
	printf("\n"
		   "Exit status:\n"
		   "  0  stopped by SIGINT/SIGTERM, everything acknowledged was confirmed\n"
		   "  1  runtime failure (malformed message from the plugin, write error, out of\n"
		   "     memory, an invalid route subject template, a --backfill table that\n"
		   "     does not exist or a database without backfills)\n"
		   "  2  bad command line (unknown flag, bad value, bad subject template, a\n"
		   "     --metrics address not on loopback or in use)\n"
		   "  3  PostgreSQL: cannot connect, slot missing (use --create-slot), slot of\n"
		   "     another plugin or database, plugin not installed or not allowed, a -o\n"
		   "     plugin option the plugin refuses (nothing is left created)\n"
		   "  4  event hub: unreachable at start, JetStream not enabled, no stream for\n"
		   "     the subjects, a route subject the stream does not store, a message\n"
		   "     the stream rejects for good (larger than its max_msg_size, stream\n"
		   "     full with discard new): nothing after that event is confirmed\n"
		   "  5  stopped by a signal but the shutdown timeout passed with events still\n"
		   "     unacknowledged (they are sent again on the next start)\n");
}

static void
help_tail(void)
{
	printf("Usage: wal2events tail [OPTIONS]\n"
		   "\n"
		   "Print events as they are committed, one JSON line (EventEnvelope) per event,\n"
		   "for a person watching. Without --slot, tail reads a temporary slot created\n"
		   "for it, which starts at the current end of the WAL, is confirmed as events\n"
		   "are printed and vanishes when tail exits. With --slot it reads that slot\n"
		   "from its confirmed position and does not move it (the slot keeps its\n"
		   "events for the real consumer) unless --confirm is given.\n"
		   "\n"
		   "Options:\n"
		   "  -d, --dbname=CONNINFO       connection string or database name (default: the\n"
		   "                              PG* environment variables)\n"
		   "  -S, --slot=NAME             read this slot instead of a temporary one\n"
		   "      --create-slot           create the slot (plugin wal2events) if missing\n"
		   "      --confirm               confirm the position of printed events to the slot\n"
		   "  -o, --option=NAME=VALUE     plugin option (tables, exclude-tables, actions,\n"
		   "                              origins, max-events, max-bytes, message-prefixes)\n"
		   "      --payload=FORMAT        json (default) or protobuf (framed EventEnvelope)\n"
		   "      --status-interval=DURATION    status update to PostgreSQL (default 10s)\n"
		   "      --progress-interval=DURATION  progress line on stderr (default 0: off)\n"
		   "      --shutdown-timeout=DURATION   wait on SIGINT/SIGTERM (default 30s)\n"
		   "      --metrics=[HOST:]PORT         serve Prometheus metrics on loopback, and\n"
		   "                                    /healthz and /readyz as ship does\n"
		   "      --ready-max-lag=DURATION      as for ship (default 5m)\n"
		   "  -h, --help                  show this help\n"
		   "\n"
		   "Exit status: 0 when stopped by SIGINT/SIGTERM or when the reader of the\n"
		   "output goes away; 1, 2, 3 as for `wal2events ship --help`. Unlike ship,\n"
		   "tail reads no WAL2EVENTS_ variables: it is for a terminal, not a service.\n");
}

static void
set_defaults(ShipOptions *opts, const char *command)
{
	memset(opts, 0, sizeof(*opts));
	opts->command = command;
	opts->sink_common.max_inflight = 4096;
	opts->sink_common.max_inflight_bytes = 64 << 20;
	opts->sink_common.retry_max_ms = 30000;
	opts->status_interval_ms = 10000;
	opts->progress_interval_ms = strcmp(command, "tail") == 0 ? 0 : 10000;
	opts->shutdown_timeout_ms = 30000;
	opts->ready_max_lag_ms = 300000;
	opts->confirm = strcmp(command, "ship") == 0;
}

static const OptSpec *
find_spec(const char *arg, const char **inline_value)
{
	size_t		i;

	*inline_value = NULL;
	if (arg[0] == '-' && arg[1] == '-')
	{
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t		len = eq != NULL ? (size_t) (eq - name) : strlen(name);

		for (i = 0; i < N_SPECS; i++)
			if (strlen(specs[i].name) == len && strncmp(specs[i].name, name, len) == 0)
			{
				*inline_value = eq != NULL ? eq + 1 : NULL;
				return &specs[i];
			}
		return NULL;
	}
	if (arg[0] == '-' && arg[1] != '\0')
		for (i = 0; i < N_SPECS; i++)
			if (specs[i].short_name != 0 && specs[i].short_name == arg[1])
			{
				*inline_value = arg[2] != '\0' ? arg + 2 : NULL;
				return &specs[i];
			}
	return NULL;
}

/* Where a flag's value came from (the seen[] array of ship_options_parse). */
enum
{
	FROM_NOWHERE, FROM_COMMAND_LINE, FROM_ENVIRONMENT
};

#define USAGE_ERROR(...) do { command_usage_error(opts->command, __VA_ARGS__); return -1; } while (0)

/* One plugin option NAME=VALUE (name is name_len bytes long, not NUL-terminated). */
static int
add_plugin_option(ShipOptions *opts, const char *name, size_t name_len, const char *value)
{
	static const char *const reserved[] = {"format", "framing"};
	size_t		i;
	PluginOption *po;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == name_len && strncmp(name, reserved[i], name_len) == 0)
			USAGE_ERROR("plugin option '%s' is set by wal2events %s itself (it reads protobuf); leave it out",
						reserved[i], opts->command);
	if (opts->n_plugin_options == SHIP_MAX_PLUGIN_OPTIONS)
		USAGE_ERROR("more than %d plugin options", SHIP_MAX_PLUGIN_OPTIONS);
	po = &opts->plugin_options[opts->n_plugin_options++];
	po->name = name;
	po->name_len = name_len;
	po->value = value;
	return 0;
}

static int
set_plugin_option(ShipOptions *opts, const char *value)
{
	const char *eq = strchr(value, '=');

	if (eq == NULL || eq == value)
		USAGE_ERROR("plugin option '%s' is not NAME=VALUE (for example -o tables=public.orders)", value);
	return add_plugin_option(opts, value, (size_t) (eq - value), eq + 1);
}

static int
set_target(ShipOptions *opts, const char *value)
{
	opts->to = value;
	opts->sink = sink_type_for(value);
	if (opts->sink == NULL)
	{
		char		shown[256];

		nats_url_redact(value, shown, sizeof(shown));
		USAGE_ERROR("unknown target '%s' for --to (give nats://HOST:PORT, file:PATH or -)", shown);
	}
	return 0;
}

static int
set_payload(ShipOptions *opts, const char *value)
{
	if (strcmp(value, "protobuf") == 0)
		opts->sink_common.payload = PAYLOAD_PROTOBUF;
	else if (strcmp(value, "json") == 0)
		opts->sink_common.payload = PAYLOAD_JSON;
	else
		USAGE_ERROR("unknown payload format '%s' (give protobuf or json)", value);
	return 0;
}

static int
set_number(ShipOptions *opts, const OptSpec *spec, const char *value)
{
	int64_t		v;
	int			ok;

	if (spec->id == OPT_MAX_INFLIGHT)
	{
		int64_t		n;

		if (parse_count(value, 1, 1000000, &n) != 0)
			USAGE_ERROR("invalid value '%s' for --max-inflight (give a whole number from 1 to 1000000)", value);
		opts->sink_common.max_inflight = (int) n;
		return 0;
	}
	if (spec->id == OPT_MAX_INFLIGHT_BYTES)
	{
		if (parse_size(value, &v) != 0 || v < 1024)
			USAGE_ERROR("invalid value '%s' for --max-inflight-bytes (give a size of at least 1KB, like 64MB)", value);
		opts->sink_common.max_inflight_bytes = v;
		return 0;
	}
	ok = parse_duration(value, &v) == 0;
	if (!ok || (v == 0 && spec->id != OPT_PROGRESS_INTERVAL && spec->id != OPT_SHUTDOWN_TIMEOUT &&
				spec->id != OPT_READY_MAX_LAG))
		USAGE_ERROR("invalid duration '%s' for --%s (give a positive duration like 500ms, 10s or 2m)",
					value, spec->name);
	switch (spec->id)
	{
		case OPT_RETRY_MAX: opts->sink_common.retry_max_ms = v; break;
		case OPT_STATUS_INTERVAL: opts->status_interval_ms = v; break;
		case OPT_PROGRESS_INTERVAL: opts->progress_interval_ms = v; break;
		case OPT_SHUTDOWN_TIMEOUT: opts->shutdown_timeout_ms = v; break;
		case OPT_READY_MAX_LAG: opts->ready_max_lag_ms = v; break;
		default: break;
	}
	return 0;
}

/* --backfill: "routed", or SCHEMA.TABLE,... with no empty name. */
static int
set_backfill(ShipOptions *opts, const char *value)
{
	const char *p = value;

	if (strcmp(value, "routed") != 0)
		for (;;)
		{
			size_t		len = strcspn(p, ",");

			if (len == 0)
				USAGE_ERROR("--backfill '%s' has an empty table name (give SCHEMA.TABLE,... or routed)", value);
			if (len >= 512)
				USAGE_ERROR("--backfill: a table name longer than 511 bytes");
			p += len;
			if (*p == '\0')
				break;
			p++;
		}
	opts->backfill = value;
	return 0;
}

/* One flag with its value: 0, or -1 after an error message. */
static int
apply(ShipOptions *opts, const OptSpec *spec, const char *value)
{
	switch (spec->id)
	{
		case OPT_DBNAME: opts->dbname = value; return 0;
		case OPT_SLOT:
			if (value[0] == '\0')
				USAGE_ERROR("--slot needs a name");
			opts->slot = value;
			return 0;
		case OPT_CREATE_SLOT: opts->create_slot = 1; return 0;
		case OPT_CONFIRM: opts->confirm = 1; return 0;
		case OPT_OPTION: return set_plugin_option(opts, value);
		case OPT_TO: return set_target(opts, value);
		case OPT_PAYLOAD: return set_payload(opts, value);
		case OPT_UNIT:
			if (strcmp(value, "event") == 0)
				opts->sink_common.unit = UNIT_EVENT;
			else if (strcmp(value, "transaction") == 0)
				opts->sink_common.unit = UNIT_TRANSACTION;
			else
				USAGE_ERROR("unknown --unit '%s' (give event or transaction)", value);
			return 0;
		case OPT_METRICS: opts->metrics_addr = value; return 0;
		case OPT_BACKFILL: return set_backfill(opts, value);
		case OPT_BACKFILL_RATE:
			{
				char	   *end;

				errno = 0;
				opts->backfill_rate = strtod(value, &end);
				if (errno != 0 || end == value || *end != '\0' || !(opts->backfill_rate > 0) ||
					opts->backfill_rate > 1e12)
					USAGE_ERROR("--backfill-rate '%s' is not a positive number of rows per second", value);
				return 0;
			}
		default: return set_number(opts, spec, value);
	}
}

/* A flag of some kind of sink, kept until the kind --to names is known. */
typedef struct SinkFlagGiven
{
	const SinkType *type;
	const char *name;
	const char *value;
	const char *variable;		/* its WAL2EVENTS_ variable; NULL: the command line */
} SinkFlagGiven;

#define MAX_SINK_FLAGS 64

/* Hand the sink's flags to the kind --to named: 0, or -1 after an error. */
static int
apply_sink_flags(ShipOptions *opts, const SinkFlagGiven *given, int n)
{
	char		error[512];
	int			i;

	for (i = 0; i < n; i++)
	{
		if (given[i].type != opts->sink && given[i].variable != NULL)
			USAGE_ERROR("%s only applies to --to %s", given[i].variable, given[i].type->target);
		if (given[i].type != opts->sink)
			USAGE_ERROR("--%s only applies to --to %s", given[i].name, given[i].type->target);
		command_usage_variable(given[i].variable);
		if (opts->sink->option(opts->sink_options, given[i].name, given[i].value, error, sizeof(error)) != 0)
			USAGE_ERROR("%s", error);
		command_usage_variable(NULL);
	}
	return 0;
}

/* The flag as the user gave it, for messages: --metrics, or WAL2EVENTS_METRICS. */
static const char *
flag_label(OptId id, const int *seen, char *buf, size_t size)
{
	if (seen[id] == FROM_ENVIRONMENT)
		option_env_name(spec_name(id), buf, size);
	else
		snprintf(buf, size, "--%s", spec_name(id));
	return buf;
}

/*
 * A sink's finish() error names the flag (--subject, --nats-password-file):
 * when that flag came from the environment, the error names the variable.
 */
static void
blame_sink_flag(const char *error, const SinkFlagGiven *given, int n_given)
{
	char		flag[80];
	int			i;

	command_usage_variable(NULL);
	for (i = 0; i < n_given; i++)
	{
		snprintf(flag, sizeof(flag), "--%s", given[i].name);
		if (given[i].variable != NULL && strstr(error, flag) != NULL)
			command_usage_variable(given[i].variable);
	}
}

/* After all flags: what only makes sense together. */
static int
check_combination(ShipOptions *opts, const int *seen, const SinkFlagGiven *given, int n_given)
{
	int			ship = strcmp(opts->command, "ship") == 0;
	char		error[512];
	char		label[OPTION_ENV_NAME_MAX];

	command_usage_variable(NULL);
	if (ship && opts->slot == NULL)
		USAGE_ERROR("--slot is required (the logical replication slot to ship from; or WAL2EVENTS_SLOT)");
	if (ship && opts->to == NULL)
		USAGE_ERROR("--to is required (nats://HOST:PORT, file:PATH or -; or WAL2EVENTS_TO)");
	if (!ship)
	{
		opts->to = "-";
		opts->sink = &sink_type_stdout;
	}
	if (!ship && opts->slot == NULL)
		opts->confirm = 1;		/* tail's own temporary slot: retain no WAL */
	if (opts->create_slot && opts->slot == NULL)
		USAGE_ERROR("--create-slot needs --slot NAME");
	if (seen[OPT_BACKFILL_RATE] && opts->backfill == NULL)
		USAGE_ERROR("%s needs --backfill", flag_label(OPT_BACKFILL_RATE, seen, label, sizeof(label)));
	if (opts->backfill != NULL && !opts->create_slot)
		USAGE_ERROR("%s needs --create-slot (backfills start when ship creates its slot; to backfill for a slot that exists, run wal2events backfill)",
					flag_label(OPT_BACKFILL, seen, label, sizeof(label)));
	opts->sink_options = opts->sink->options_new(opts->to);
	if (opts->sink_options == NULL)
		USAGE_ERROR("out of memory");
	if (apply_sink_flags(opts, given, n_given) != 0)
		return -1;
	/* --unit transaction: the plugin's message as it is (protobuf), where a sink takes it */
	if (opts->sink_common.unit == UNIT_TRANSACTION && !opts->sink->takes_transactions)
		USAGE_ERROR("--unit transaction only applies to --to nats://... (%s takes events)", opts->sink->name);
	if (opts->sink_common.unit == UNIT_TRANSACTION && opts->sink_common.payload == PAYLOAD_JSON)
		USAGE_ERROR("--unit transaction publishes the plugin's Transaction message as protobuf: leave out --payload json");
	if (opts->sink_common.payload == PAYLOAD_DEFAULT)
		opts->sink_common.payload = opts->sink == &sink_type_stdout ? PAYLOAD_JSON : PAYLOAD_PROTOBUF;
	if (seen[OPT_READY_MAX_LAG] && opts->metrics_addr == NULL)
		USAGE_ERROR("%s needs --metrics (it is the lag /readyz accepts)",
					flag_label(OPT_READY_MAX_LAG, seen, label, sizeof(label)));
	if (seen[OPT_METRICS] == FROM_ENVIRONMENT)
		command_usage_variable(flag_label(OPT_METRICS, seen, label, sizeof(label)));
	if (opts->metrics_addr != NULL && metrics_check_addr(opts->metrics_addr, error, sizeof(error)) != 0)
		USAGE_ERROR("%s", error);
	command_usage_variable(NULL);
	/* last: the sink may read credentials, and nothing fails after that */
	if (opts->sink->finish(opts->sink_options, &opts->sink_common, error, sizeof(error)) != 0)
	{
		blame_sink_flag(error, given, n_given);
		USAGE_ERROR("%s", error);
	}
	return 0;
}

void
ship_options_free(ShipOptions *opts)
{
	if (opts->sink != NULL && opts->sink_options != NULL)
		opts->sink->options_free(opts->sink_options);
	opts->sink_options = NULL;
}

/* The value of argv[*i]'s flag (inline or the next argument): 0, or -1 after an error. */
static int
flag_value(ShipOptions *opts, const char *name, int has_value, int argc, char **argv, int *i,
		   const char **value)
{
	if (has_value && *value == NULL)
	{
		if (*i + 1 >= argc)
			USAGE_ERROR("--%s needs a value (try 'wal2events %s --help')", name, opts->command);
		*value = argv[++*i];
	}
	else if (!has_value && *value != NULL)
		USAGE_ERROR("--%s takes no value", name);
	return 0;
}

/*
 * --stream and --create-stream are one setting: either on the command line
 * hides both variables (the only such pair).
 */
static int
sink_setting_given(const char *name, const SinkFlagGiven *given, int n_given)
{
	int			stream = strcmp(name, "stream") == 0 || strcmp(name, "create-stream") == 0;
	int			i;

	for (i = 0; i < n_given; i++)
		if (strcmp(given[i].name, name) == 0 ||
			(stream && (strcmp(given[i].name, "stream") == 0 || strcmp(given[i].name, "create-stream") == 0)))
			return 1;
	return 0;
}

/* One of ship's own flags from its variable, if set and not given on the command line. 0 or -1. */
static int
apply_variable(ShipOptions *opts, const OptSpec *spec, int *seen)
{
	char		name[OPTION_ENV_NAME_MAX];
	const char *value;
	int			on = 1;
	int			r = 0;

	if (spec->id == OPT_HELP || spec->id == OPT_OPTION || seen[spec->id] ||
		(value = option_env_get(spec->name, name, sizeof(name))) == NULL)
		return 0;
	command_usage_variable(name);
	if (!spec->has_value && (on = option_env_switch(value)) < 0)
	{
		command_usage_error(opts->command, "invalid value '%s' (give 1 or 0, true or false)", value);
		r = -1;
	}
	else if (on)
	{
		seen[spec->id] = FROM_ENVIRONMENT;
		r = apply(opts, spec, spec->has_value ? value : NULL);
	}
	command_usage_variable(NULL);
	return r;
}

/* The sinks' flags from their variables, added to given[] (checked with the command line's). 0 or -1. */
static int
apply_sink_variables(ShipOptions *opts, SinkFlagGiven *given, int *n_given)
{
	static char names[MAX_SINK_FLAGS][OPTION_ENV_NAME_MAX];
	int			n_from_command_line = *n_given;
	int			t;
	const SinkFlag *f;

	for (t = 0; sink_types[t] != NULL; t++)
		for (f = sink_types[t]->flags; f->name != NULL; f++)
		{
			const char *value;
			int			on = 1;

			if (sink_setting_given(f->name, given, n_from_command_line) || *n_given == MAX_SINK_FLAGS ||
				(value = option_env_get(f->name, names[*n_given], sizeof(names[0]))) == NULL)
				continue;
			command_usage_variable(names[*n_given]);
			if (!f->has_value && (on = option_env_switch(value)) < 0)
				USAGE_ERROR("invalid value '%s' (give 1 or 0, true or false)", value);
			command_usage_variable(NULL);
			if (!on)
				continue;
			given[*n_given].type = sink_types[t];
			given[*n_given].name = f->name;
			given[*n_given].value = f->has_value ? value : NULL;
			given[*n_given].variable = names[*n_given];
			(*n_given)++;
		}
	return 0;
}

/*
 * WAL2EVENTS_OPTION_<NAME>=VALUE is -o name=value (NAME in lower case, '_'
 * as '-': WAL2EVENTS_OPTION_MAX_EVENTS is -o max-events=...), unless the
 * command line gave -o for that name. The names are kept here: the
 * options point to them for the life of the process.
 */
static int
apply_plugin_variable(ShipOptions *opts, const char *entry, int n_from_command_line)
{
	static char names[SHIP_MAX_PLUGIN_OPTIONS][OPTION_ENV_NAME_MAX];
	static char variable[OPTION_ENV_NAME_MAX + 32];
	const char *eq = strchr(entry, '=');
	const char *p = entry + strlen(OPTION_ENV_PREFIX "OPTION_");
	char	   *name;
	size_t		len = (size_t) (eq - p);
	int			i;
	int			r;

	if (eq[1] == '\0')
		return 0;				/* empty: unset */
	snprintf(variable, sizeof(variable), "%.*s", (int) (eq - entry), entry);
	command_usage_variable(variable);
	if (len == 0 || len >= OPTION_ENV_NAME_MAX)
		USAGE_ERROR("not a plugin option (give WAL2EVENTS_OPTION_<NAME>, like WAL2EVENTS_OPTION_TABLES)");
	if (opts->n_plugin_options == SHIP_MAX_PLUGIN_OPTIONS)
		USAGE_ERROR("more than %d plugin options", SHIP_MAX_PLUGIN_OPTIONS);
	name = names[opts->n_plugin_options];
	for (i = 0; i < (int) len; i++)
		name[i] = p[i] == '_' ? '-' : (char) tolower((unsigned char) p[i]);
	name[len] = '\0';
	r = 0;
	for (i = 0; i < n_from_command_line; i++)
		if (opts->plugin_options[i].name_len == len && strncmp(opts->plugin_options[i].name, name, len) == 0)
			r = 1;				/* the command line wins */
	r = r ? 0 : add_plugin_option(opts, name, len, eq + 1);
	command_usage_variable(NULL);
	return r;
}

/* Is the variable in entry ("NAME=VALUE") a flag of ship's or of one of its sinks? */
static int
known_variable(const char *entry)
{
	char		name[OPTION_ENV_NAME_MAX];
	size_t		len = (size_t) (strchr(entry, '=') - entry);
	size_t		i;
	int			t;
	const SinkFlag *f;

	for (i = 0; i < N_SPECS; i++)
	{
		if (!(specs[i].commands & FOR_SHIP) || specs[i].id == OPT_HELP || specs[i].id == OPT_OPTION)
			continue;
		option_env_name(specs[i].name, name, sizeof(name));
		if (strlen(name) == len && strncmp(entry, name, len) == 0)
			return 1;
	}
	for (t = 0; sink_types[t] != NULL; t++)
		for (f = sink_types[t]->flags; f->name != NULL; f++)
		{
			option_env_name(f->name, name, sizeof(name));
			if (strlen(name) == len && strncmp(entry, name, len) == 0)
				return 1;
		}
	return 0;
}

extern char **environ;

/*
 * ship's flags from the environment, after the command line. A
 * WAL2EVENTS_ variable that is no flag is an error: a misspelt setting in
 * an env file must not be ignored in silence.
 */
static int
apply_environment(ShipOptions *opts, int *seen, SinkFlagGiven *given, int *n_given)
{
	int			n_from_command_line = opts->n_plugin_options;
	char	  **e;
	size_t		i;

	for (i = 0; i < N_SPECS; i++)
		if ((specs[i].commands & FOR_SHIP) && apply_variable(opts, &specs[i], seen) != 0)
			return -1;
	if (apply_sink_variables(opts, given, n_given) != 0)
		return -1;
	for (e = environ; *e != NULL; e++)
	{
		const char *eq = strchr(*e, '=');

		if (eq == NULL || strncmp(*e, OPTION_ENV_PREFIX, strlen(OPTION_ENV_PREFIX)) != 0)
			continue;
		if (strncmp(*e, OPTION_ENV_PREFIX "OPTION_", strlen(OPTION_ENV_PREFIX "OPTION_")) == 0)
		{
			if (apply_plugin_variable(opts, *e, n_from_command_line) != 0)
				return -1;
		}
		else if (!known_variable(*e))
			USAGE_ERROR("unknown environment variable %.*s (no flag of wal2events ship has that name; see 'wal2events ship --help')",
						(int) (eq - *e), *e);
	}
	return 0;
}

int
ship_options_parse(ShipOptions *opts, int argc, char **argv, int *status)
{
	int			seen[OPT_COUNT] = {0};
	int			which = strcmp(argv[0], "tail") == 0 ? FOR_TAIL : FOR_SHIP;
	SinkFlagGiven given[MAX_SINK_FLAGS];
	int			n_given = 0;
	int			i,
				j;

	set_defaults(opts, argv[0]);
	*status = CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++)
	{
		const char *value;
		const OptSpec *spec = find_spec(argv[i], &value);
		const SinkFlag *flag = NULL;
		const SinkType *type = NULL;

		if (spec == NULL && which == FOR_SHIP && argv[i][0] == '-' && argv[i][1] == '-')
		{
			char		name[64];
			size_t		len = strcspn(argv[i] + 2, "=");

			snprintf(name, sizeof(name), "%.*s", (int) (len < sizeof(name) ? len : sizeof(name) - 1), argv[i] + 2);
			type = sink_type_with_flag(name, &flag);
			value = argv[i][2 + len] == '=' ? argv[i] + 3 + len : NULL;
		}
		if (type != NULL)
		{
			for (j = 0; j < n_given; j++)
				if (strcmp(given[j].name, flag->name) == 0)
				{
					cli_error(opts->command, "--%s given twice", flag->name);
					return 0;
				}
			if (n_given == MAX_SINK_FLAGS ||
				flag_value(opts, flag->name, flag->has_value, argc, argv, &i, &value) != 0)
				return 0;
			given[n_given].type = type;
			given[n_given].name = flag->name;
			given[n_given].value = value;
			given[n_given].variable = NULL;
			n_given++;
			continue;
		}
		if (spec == NULL || (spec->commands & which) == 0)
		{
			cli_error(opts->command, "unknown option '%s' (try 'wal2events %s --help')",
					  argv[i], opts->command);
			return 0;
		}
		if (spec->id == OPT_HELP)
		{
			which == FOR_TAIL ? help_tail() : help_ship();
			*status = CLI_EXIT_OK;
			return 0;
		}
		if (seen[spec->id] && spec->id != OPT_OPTION)
		{
			cli_error(opts->command, "--%s given twice", spec->name);
			return 0;
		}
		seen[spec->id] = FROM_COMMAND_LINE;
		if (flag_value(opts, spec->name, spec->has_value, argc, argv, &i, &value) != 0)
			return 0;
		if (apply(opts, spec, value) != 0)
			return 0;
	}
	if ((which == FOR_SHIP && apply_environment(opts, seen, given, &n_given) != 0) ||
		check_combination(opts, seen, given, n_given) != 0)
	{
		ship_options_free(opts);
		return 0;
	}
	return 1;
}
