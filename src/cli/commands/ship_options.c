/*
 * ship_options.c
 *    The command lines of `wal2events ship` and `wal2events tail`, and
 *    their --help.
 *
 * Strict like the plugin's options: an unknown flag, a flag given twice
 * (except -o), a missing or bad value is a one-line error and exit status 2,
 * before anything connects anywhere. Values are checked here; whether the
 * slot, the plugin or the hub exist is checked by the command at start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "ship.h"
#include "subject.h"

typedef enum OptId
{
	OPT_DBNAME, OPT_SLOT, OPT_CREATE_SLOT, OPT_CONFIRM, OPT_OPTION, OPT_TO,
	OPT_PAYLOAD, OPT_SUBJECT, OPT_STREAM, OPT_CREATE_STREAM, OPT_DUP_WINDOW,
	OPT_MAX_INFLIGHT, OPT_MAX_INFLIGHT_BYTES, OPT_ACK_TIMEOUT, OPT_RETRY_MAX,
	OPT_STATUS_INTERVAL, OPT_PROGRESS_INTERVAL, OPT_SHUTDOWN_TIMEOUT,
	OPT_METRICS, OPT_NATS_CREDS, OPT_NATS_USER, OPT_NATS_PASSWORD_FILE,
	OPT_NATS_TOKEN_FILE, OPT_REPLICAS, OPT_HELP, OPT_COUNT
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
	{OPT_SUBJECT, "subject", 0, 1, FOR_SHIP},
	{OPT_STREAM, "stream", 0, 1, FOR_SHIP},
	{OPT_CREATE_STREAM, "create-stream", 0, 1, FOR_SHIP},
	{OPT_DUP_WINDOW, "dup-window", 0, 1, FOR_SHIP},
	{OPT_REPLICAS, "replicas", 0, 1, FOR_SHIP},
	{OPT_MAX_INFLIGHT, "max-inflight", 0, 1, FOR_SHIP},
	{OPT_MAX_INFLIGHT_BYTES, "max-inflight-bytes", 0, 1, FOR_SHIP},
	{OPT_ACK_TIMEOUT, "ack-timeout", 0, 1, FOR_SHIP},
	{OPT_RETRY_MAX, "retry-max", 0, 1, FOR_SHIP},
	{OPT_STATUS_INTERVAL, "status-interval", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_PROGRESS_INTERVAL, "progress-interval", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_SHUTDOWN_TIMEOUT, "shutdown-timeout", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_METRICS, "metrics", 0, 1, FOR_SHIP | FOR_TAIL},
	{OPT_NATS_CREDS, "nats-creds", 0, 1, FOR_SHIP},
	{OPT_NATS_USER, "nats-user", 0, 1, FOR_SHIP},
	{OPT_NATS_PASSWORD_FILE, "nats-password-file", 0, 1, FOR_SHIP},
	{OPT_NATS_TOKEN_FILE, "nats-token-file", 0, 1, FOR_SHIP},
	{OPT_HELP, "help", 'h', 0, FOR_SHIP | FOR_TAIL},
};

#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

static void help_exit_statuses(void);

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
		   "  -o, --option=NAME=VALUE     plugin option for START_REPLICATION, repeatable:\n"
		   "                              tables, exclude-tables, actions, origins,\n"
		   "                              max-events, max-bytes, message-prefixes\n"
		   "\n"
		   "Event hub:\n"
		   "  -t, --to=TARGET             nats://HOST:PORT  NATS JetStream (credentials:\n"
		   "                                                the --nats-* flags below);\n"
		   "                              nats://H1:P1,nats://H2:P2,...  a cluster's servers\n"
		   "                                                (more are learnt from the cluster)\n"
		   "                              file:PATH         append to a file (fsync'ed)\n"
		   "                              -                 standard output\n"
		   "      --payload=FORMAT        protobuf (EventEnvelope; default) or json (one\n"
		   "                              line per event; the default on standard output);\n"
		   "                              in a file, protobuf is framed: 0xE2, varint length\n"
		   "      --subject=TEMPLATE      NATS subject (default events.{type}); tokens {type}\n"
		   "                              {schema} {table} {database} {partition_key}; in a\n"
		   "                              token's value '.', ' ', '*', '>' become '_', and an\n"
		   "                              empty value is '_'\n"
		   "      --stream=NAME           the JetStream stream that stores the subjects\n"
		   "                              (default: the one whose subjects cover them)\n"
		   "      --create-stream=NAME    create that stream when missing (subjects\n"
		   "                              <template prefix>.>, file storage), else check\n"
		   "                              that it covers the subjects\n"
		   "      --dup-window=DURATION   duplicate window of a created stream (default 2m)\n"
		   "      --replicas=N            with --create-stream: the stream's replicas in a\n"
		   "                              JetStream cluster, 1 to 5 (default 1); a stream\n"
		   "                              that exists with another count is an error\n"
		   "      --max-inflight=N        unacknowledged messages at most (default 4096)\n"
		   "      --max-inflight-bytes=SIZE  unacknowledged bytes at most (default 64MB)\n"
		   "      --ack-timeout=DURATION  wait this long for an acknowledgement before\n"
		   "                              retrying (default 10s)\n"
		   "      --retry-max=DURATION    longest wait between retries while the hub is\n"
		   "                              down or rejecting (default 30s)\n"
		   NATS_AUTH_HELP
		   "\n"
		   "Delivery and observability:\n"
		   "      --status-interval=DURATION    status update to PostgreSQL at least this\n"
		   "                                    often (default 10s)\n"
		   "      --progress-interval=DURATION  progress line on stderr (default 10s; 0: off)\n"
		   "      --shutdown-timeout=DURATION   on SIGINT/SIGTERM, wait this long for the\n"
		   "                                    hub's acknowledgements (default 30s)\n"
		   "      --metrics=[HOST:]PORT         serve Prometheus metrics on a loopback\n"
		   "                                    address (GET /metrics): PORT, 127.0.0.1:PORT\n"
		   "                                    or [::1]:PORT\n"
		   "  -h, --help                  show this help\n"
		   "\n"
		   "Durations: 500ms, 10s, 2m, 1h (a bare number is seconds). Sizes: 512KB, 64MB.\n");
	help_exit_statuses();
}

static void
help_exit_statuses(void)
{
	printf("\n"
		   "Exit status:\n"
		   "  0  stopped by SIGINT/SIGTERM, everything acknowledged was confirmed\n"
		   "  1  runtime failure (malformed message from the plugin, write error, out of\n"
		   "     memory, an invalid route subject template)\n"
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
		   "      --metrics=[HOST:]PORT         serve Prometheus metrics on loopback\n"
		   "  -h, --help                  show this help\n"
		   "\n"
		   "Exit status: 0 when stopped by SIGINT/SIGTERM or when the reader of the\n"
		   "output goes away; 1, 2, 3 as for `wal2events ship --help`.\n");
}

static void
set_defaults(ShipOptions *opts, const char *command)
{
	memset(opts, 0, sizeof(*opts));
	opts->command = command;
	opts->subject = "events.{type}";
	opts->dup_window_ms = 120000;
	opts->max_inflight = 4096;
	opts->max_inflight_bytes = 64 << 20;
	opts->ack_timeout_ms = 10000;
	opts->retry_max_ms = 30000;
	opts->status_interval_ms = 10000;
	opts->progress_interval_ms = strcmp(command, "tail") == 0 ? 0 : 10000;
	opts->shutdown_timeout_ms = 30000;
	opts->confirm = strcmp(command, "ship") == 0;
}

/* "500ms", "10s", "2m", "1h", "30" (seconds) -> milliseconds. */
static int
parse_duration(const char *text, int64_t *ms)
{
	char	   *end;
	double		v;
	double		unit = 1000;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || v < 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		unit = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else
		return -1;
	if (v * unit > 1e12)
		return -1;
	*ms = (int64_t) (v * unit + 0.5);
	return 0;
}

/* "65536", "512KB", "64MB", "1GB" (powers of 1024). */
static int
parse_size(const char *text, int64_t *bytes)
{
	char	   *end;
	long long	v;
	int64_t		unit = 1;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || v <= 0)
		return -1;
	if (strcmp(end, "KB") == 0 || strcmp(end, "kB") == 0 || strcmp(end, "K") == 0)
		unit = 1024;
	else if (strcmp(end, "MB") == 0 || strcmp(end, "M") == 0)
		unit = 1024 * 1024;
	else if (strcmp(end, "GB") == 0 || strcmp(end, "G") == 0)
		unit = 1024 * 1024 * 1024;
	else if (*end != '\0' && strcmp(end, "B") != 0)
		return -1;
	if (v > INT64_MAX / unit / 4)
		return -1;
	*bytes = v * unit;
	return 0;
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

static const char *
spec_name(OptId id)
{
	size_t		i;

	for (i = 0; i < N_SPECS; i++)
		if (specs[i].id == id)
			return specs[i].name;
	return "?";
}

#define USAGE_ERROR(...) do { cli_error(opts->command, __VA_ARGS__); return -1; } while (0)

static int
set_plugin_option(ShipOptions *opts, const char *value)
{
	static const char *const reserved[] = {"format", "framing"};
	const char *eq = strchr(value, '=');
	size_t		i;
	PluginOption *po;

	if (eq == NULL || eq == value)
		USAGE_ERROR("plugin option '%s' is not NAME=VALUE (for example -o tables=public.orders)", value);
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == (size_t) (eq - value) &&
			strncmp(value, reserved[i], (size_t) (eq - value)) == 0)
			USAGE_ERROR("plugin option '%s' is set by wal2events %s itself (it reads protobuf); leave it out",
						reserved[i], opts->command);
	if (opts->n_plugin_options == SHIP_MAX_PLUGIN_OPTIONS)
		USAGE_ERROR("more than %d plugin options", SHIP_MAX_PLUGIN_OPTIONS);
	po = &opts->plugin_options[opts->n_plugin_options++];
	po->name = value;
	po->name_len = (size_t) (eq - value);
	po->value = eq + 1;
	return 0;
}

static int
set_target(ShipOptions *opts, const char *value)
{
	opts->to = value;
	if (strcmp(value, "-") == 0)
		opts->sink = SINK_STDOUT;
	else if (strncmp(value, "nats://", 7) == 0 && value[7] != '\0')
		opts->sink = SINK_NATS;
	else if (strncmp(value, "file:", 5) == 0 && value[5] != '\0')
	{
		opts->sink = SINK_FILE;
		opts->target = value + 5;
		return 0;
	}
	else
	{
		char		shown[256];

		nats_url_redact(value, shown, sizeof(shown));
		USAGE_ERROR("unknown target '%s' for --to (give nats://HOST:PORT, file:PATH or -)", shown);
	}
	opts->target = value;
	return 0;
}

static int
set_payload(ShipOptions *opts, const char *value)
{
	if (strcmp(value, "protobuf") == 0)
		opts->payload = PAYLOAD_PROTOBUF;
	else if (strcmp(value, "json") == 0)
		opts->payload = PAYLOAD_JSON;
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
		char	   *end;
		long		n;

		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < 1 || n > 1000000)
			USAGE_ERROR("invalid value '%s' for --max-inflight (give a whole number from 1 to 1000000)", value);
		opts->max_inflight = (int) n;
		return 0;
	}
	if (spec->id == OPT_MAX_INFLIGHT_BYTES)
	{
		if (parse_size(value, &v) != 0 || v < 1024)
			USAGE_ERROR("invalid value '%s' for --max-inflight-bytes (give a size of at least 1KB, like 64MB)", value);
		opts->max_inflight_bytes = v;
		return 0;
	}
	ok = parse_duration(value, &v) == 0;
	if (!ok || (v == 0 && spec->id != OPT_PROGRESS_INTERVAL && spec->id != OPT_SHUTDOWN_TIMEOUT))
		USAGE_ERROR("invalid duration '%s' for --%s (give a positive duration like 500ms, 10s or 2m)",
					value, spec->name);
	switch (spec->id)
	{
		case OPT_DUP_WINDOW:
			opts->dup_window_ms = v;
			opts->dup_window_given = 1;
			break;
		case OPT_ACK_TIMEOUT: opts->ack_timeout_ms = v; break;
		case OPT_RETRY_MAX: opts->retry_max_ms = v; break;
		case OPT_STATUS_INTERVAL: opts->status_interval_ms = v; break;
		case OPT_PROGRESS_INTERVAL: opts->progress_interval_ms = v; break;
		case OPT_SHUTDOWN_TIMEOUT: opts->shutdown_timeout_ms = v; break;
		default: break;
	}
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
		case OPT_SUBJECT: opts->subject = value; return 0;
		case OPT_STREAM:
		case OPT_CREATE_STREAM:
			if (opts->stream != NULL)
				USAGE_ERROR("give only one of --stream and --create-stream");
			if (!subject_stream_name_valid(value))
				USAGE_ERROR("invalid stream name '%s' (letters, digits, '-' and '_' only)", value);
			opts->stream = value;
			opts->create_stream = spec->id == OPT_CREATE_STREAM;
			return 0;
		case OPT_REPLICAS:
			{
				char	   *end;
				long		n;

				errno = 0;
				n = strtol(value, &end, 10);
				if (errno != 0 || end == value || *end != '\0' || n < 1 || n > 5)
					USAGE_ERROR("invalid value '%s' for --replicas (give a whole number from 1 to 5, JetStream's limit)", value);
				opts->replicas = (int) n;
				return 0;
			}
		case OPT_METRICS: opts->metrics_addr = value; return 0;
		case OPT_NATS_CREDS: opts->nats_flags.creds_file = value; return 0;
		case OPT_NATS_USER: opts->nats_flags.user = value; return 0;
		case OPT_NATS_PASSWORD_FILE: opts->nats_flags.password_file = value; return 0;
		case OPT_NATS_TOKEN_FILE: opts->nats_flags.token_file = value; return 0;
		default: return set_number(opts, spec, value);
	}
}

/* After all flags: what only makes sense together. */
static int
check_combination(ShipOptions *opts, const int *seen)
{
	int			ship = strcmp(opts->command, "ship") == 0;
	char		error[256];

	if (ship && opts->slot == NULL)
		USAGE_ERROR("--slot is required (the logical replication slot to ship from)");
	if (ship && opts->to == NULL)
		USAGE_ERROR("--to is required (nats://HOST:PORT, file:PATH or -)");
	if (!ship)
		opts->sink = SINK_STDOUT;
	if (!ship && opts->slot == NULL)
		opts->confirm = 1;		/* tail's own temporary slot: retain no WAL */
	if (opts->create_slot && opts->slot == NULL)
		USAGE_ERROR("--create-slot needs --slot NAME");
	if (opts->replicas > 0 && !opts->create_stream)
		USAGE_ERROR("--replicas needs --create-stream NAME (the replicas of a stream it creates)");
	if (opts->sink != SINK_NATS)
	{
		static const OptId nats_only[] = {OPT_SUBJECT, OPT_STREAM, OPT_CREATE_STREAM,
			OPT_DUP_WINDOW, OPT_ACK_TIMEOUT, OPT_NATS_CREDS, OPT_NATS_USER,
		OPT_NATS_PASSWORD_FILE, OPT_NATS_TOKEN_FILE};
		size_t		i;

		for (i = 0; i < sizeof(nats_only) / sizeof(nats_only[0]); i++)
			if (seen[nats_only[i]])
				USAGE_ERROR("--%s only applies to --to nats://...", spec_name(nats_only[i]));
	}
	if (opts->payload == PAYLOAD_DEFAULT)
		opts->payload = opts->sink == SINK_STDOUT ? PAYLOAD_JSON : PAYLOAD_PROTOBUF;
	if (opts->sink == SINK_NATS && subject_template_check(opts->subject, error, sizeof(error)) != 0)
		USAGE_ERROR("bad --subject template '%s': %s", opts->subject, error);
	if (opts->metrics_addr != NULL && metrics_check_addr(opts->metrics_addr, error, sizeof(error)) != 0)
		USAGE_ERROR("%s", error);
	/* last: nothing fails after the credentials are read */
	if (opts->sink == SINK_NATS &&
		nats_auth_load(&opts->nats_auth, &opts->nats_flags, opts->target, "--to", error, sizeof(error)) != 0)
		USAGE_ERROR("%s", error);
	if (opts->sink == SINK_NATS)
		nats_url_mask_in_place((char *) opts->target);	/* it is argv's: ps shows it */
	return 0;
}

int
ship_options_parse(ShipOptions *opts, int argc, char **argv, int *status)
{
	int			seen[OPT_COUNT] = {0};
	int			which = strcmp(argv[0], "tail") == 0 ? FOR_TAIL : FOR_SHIP;
	int			i;

	set_defaults(opts, argv[0]);
	*status = CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++)
	{
		const char *value;
		const OptSpec *spec = find_spec(argv[i], &value);

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
		seen[spec->id] = 1;
		if (spec->has_value && value == NULL)
		{
			if (i + 1 >= argc)
			{
				cli_error(opts->command, "--%s needs a value (try 'wal2events %s --help')",
						  spec->name, opts->command);
				return 0;
			}
			value = argv[++i];
		}
		else if (!spec->has_value && value != NULL)
		{
			cli_error(opts->command, "--%s takes no value", spec->name);
			return 0;
		}
		if (apply(opts, spec, value) != 0)
			return 0;
	}
	return check_combination(opts, seen) == 0;
}
