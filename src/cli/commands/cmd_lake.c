/*
 * cmd_lake.c
 *    `wal2events lake --from nats://... --stream EVENTS --to DIR|s3://...`:
 *    the command line of the lake writer (lake/lake_writer.h does the work).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_flags.h"
#include "lake_writer.h"
#include "metrics.h"
#include "option_values.h"
#include "ship_common.h"

#define COMMAND "lake"
#define DEFAULT_DURABLE "wal2events-lake"
#define DEFAULT_MAX_EVENTS 100000
#define DEFAULT_MAX_BYTES (64 * 1024 * 1024)
#define DEFAULT_MAX_AGE_MS 60000
#define DEFAULT_PROGRESS_MS 10000
#define DEFAULT_ZSTD_LEVEL 3

typedef struct LakeCommand
{
	LakeOptions lake;
	NatsAuthFlags nats_flags;
	NatsAuth	nats_auth;
} LakeCommand;

static volatile sig_atomic_t stop_requested;

static void
on_signal(int signo)
{
	stop_requested = 1;
}

static void
help(void)
{
	printf("Usage: wal2events lake --from nats://HOST:PORT --stream NAME --to DIR|s3://BUCKET[/PREFIX] [OPTIONS]\n"
		   "\n"
		   "Keep every event of a JetStream stream in the event lake: immutable files,\n"
		   "partitioned by the events' commit hour (UTC), queryable as they are (DuckDB,\n"
		   "any engine that reads Hive partitions and zstd JSON lines):\n"
		   "  DIR/stream=NAME/date=YYYY-MM-DD/hour=HH/<FIRST>-<LAST>.ndjson.zst\n"
		   "FIRST and LAST are the stream sequence numbers of the file's first and last\n"
		   "message; <FIRST>-<LAST>.index.json beside it says what the file holds. A\n"
		   "durable consumer reads the stream; a message is acknowledged only once its\n"
		   "file is stored (fsync of the file and its directory, or a complete S3 PUT).\n"
		   "A restart resumes after the newest file: no event is lost or stored twice,\n"
		   "whenever the writer stops. Run one writer per stream and lake.\n"
		   "\n"
		   "Options:\n"
		   "      --from=URL          the NATS server, nats://HOST:PORT or tls://HOST:PORT,\n"
		   "                          or a cluster's servers, comma-separated (required)\n"
		   "      --stream=NAME       the JetStream stream to keep (required; limits\n"
		   "                          retention, as ship --create-stream makes it)\n"
		   "      --to=DIR            the lake: a directory (created if missing), or\n"
		   "      --to=s3://BUCKET[/PREFIX]  an S3 bucket (required)\n"
		   "      --durable=NAME      the durable consumer's name (default " DEFAULT_DURABLE ")\n"
		   "      --format=FORMAT     ndjson (default: one JSON line per event, the line\n"
		   "                          `wal2events consume` prints) or protobuf (framed\n"
		   "                          EventEnvelopes, .envelopes.zst, read by `wal2events\n"
		   "                          decode --envelope`)\n"
		   "      --max-events=N      a file holds at most N events (default 100000)\n"
		   "      --max-bytes=SIZE    and at most SIZE compressed bytes (default 64MB);\n"
		   "                          a file is held in memory until it is stored\n"
		   "      --max-age=DURATION  a file is stored at the latest DURATION after its\n"
		   "                          first message came (default 60s): a quiet stream\n"
		   "                          still reaches the lake\n"
		   "      --zstd-level=N      zstd compression level, 1 to 19 (default 3)\n"
		   "      --drain             stop once every message stored in the stream so far\n"
		   "                          is in the lake (a one-off copy; default: follow)\n"
		   "      --progress-interval=DURATION  a progress line on stderr this often\n"
		   "                          (default 10s; 0: none)\n"
		   "      --metrics=ADDR      serve Prometheus metrics on http://ADDR/metrics\n"
		   "                          (loopback only; /healthz answers while it runs)\n"
		   "S3 (credentials only from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
		   "AWS_SESSION_TOKEN, or the shared credentials file):\n"
		   "      --s3-endpoint=URL   an S3-compatible server, http(s)://HOST[:PORT]\n"
		   "                          (default: AWS, https://s3.REGION.amazonaws.com)\n"
		   "      --s3-region=REGION  (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)\n"
		   "      --s3-credentials-file=FILE  an AWS shared credentials file (default:\n"
		   "                          AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials)\n"
		   "      --s3-profile=NAME   its section (default: AWS_PROFILE, default)\n"
		   NATS_AUTH_HELP
		   "  -h, --help              show this help\n"
		   "\n"
		   "Every flag can be given as an environment variable instead: WAL2EVENTS_ and\n"
		   "its name in upper case, '-' as '_' (--max-age: WAL2EVENTS_MAX_AGE; a flag\n"
		   "without value takes 1 or 0); the command line wins.\n"
		   "\n"
		   "Exit status:\n"
		   "  0  stopped by SIGINT/SIGTERM (the open file stored first), or --drain done\n"
		   "  1  the lake cannot store a file (full disk, S3 refused it: nothing of it\n"
		   "     was acknowledged), out of memory\n"
		   "  2  bad command line, or the lake cannot be opened\n"
		   "  4  event hub, at start: cannot connect, no JetStream, no such stream, a\n"
		   "     stream without limits retention (once running, the writer waits for\n"
		   "     the hub to come back)\n");
}

static const CommandFlag flags[] = {
	{"from", 1}, {"stream", 1}, {"to", 1}, {"durable", 1}, {"format", 1}, {"max-events", 1},
	{"max-bytes", 1}, {"max-age", 1}, {"zstd-level", 1}, {"drain", 0}, {"progress-interval", 1},
	{"metrics", 1}, {"s3-endpoint", 1}, {"s3-region", 1}, {"s3-credentials-file", 1},
	{"s3-profile", 1}, {"nats-creds", 1}, {"nats-user", 1}, {"nats-password-file", 1},
	{"nats-token-file", 1}, {"tls-ca", 1}, {"tls-cert", 1}, {"tls-key", 1}, {NULL, 0}
};

#define USAGE_ERROR(...) do { command_usage_error(COMMAND, __VA_ARGS__); return -1; } while (0)

static int
name_valid(const char *name)
{
	const char *p;

	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  *p == '-' || *p == '_'))
			return 0;
	return name[0] != '\0' && p - name <= 200;
}

static int
apply(void *ctx, const char *name, const char *value)
{
	LakeCommand *c = ctx;
	LakeOptions *o = &c->lake;
	int64_t		n;
	char		error[300];
	int			taken;

	if (strcmp(name, "from") == 0)
	{
		char		shown[256];

		nats_url_redact(value, shown, sizeof(shown));
		if (!nats_url_has_scheme(value))
			USAGE_ERROR("invalid --from '%s' (give the NATS server as nats://HOST:PORT or tls://HOST:PORT)", shown);
		o->from = value;
	}
	else if (strcmp(name, "stream") == 0)
	{
		if (!lake_stream_name_valid(value))
			USAGE_ERROR("invalid stream name '%s' (letters, digits, '-' and '_' only)", value);
		o->stream = value;
	}
	else if (strcmp(name, "to") == 0)
	{
		if (value[0] == '\0')
			USAGE_ERROR("--to is empty (give a directory or s3://BUCKET[/PREFIX])");
		o->to = value;
	}
	else if (strcmp(name, "durable") == 0)
	{
		if (!name_valid(value))
			USAGE_ERROR("invalid --durable '%s' (letters, digits, '-' and '_' only)", value);
		o->durable = value;
	}
	else if (strcmp(name, "format") == 0)
	{
		if (strcmp(value, "ndjson") == 0)
			o->format = LAKE_FORMAT_NDJSON;
		else if (strcmp(value, "protobuf") == 0)
			o->format = LAKE_FORMAT_PROTOBUF;
		else
			USAGE_ERROR("unknown --format '%s' (give ndjson or protobuf)", value);
	}
	else if (strcmp(name, "max-events") == 0)
	{
		if (parse_count(value, 1, 100000000, &n) != 0)
			USAGE_ERROR("invalid value '%s' for --max-events (give a whole number from 1 to 100000000)", value);
		o->max_events = (uint64_t) n;
	}
	else if (strcmp(name, "max-bytes") == 0)
	{
		if (parse_size(value, &o->max_bytes) != 0 || o->max_bytes < 1024 || o->max_bytes > (INT64_C(1) << 30))
			USAGE_ERROR("invalid value '%s' for --max-bytes (give a size from 1kB to 1GB, such as 64MB)", value);
	}
	else if (strcmp(name, "max-age") == 0)
	{
		if (parse_duration(value, &o->max_age_ms) != 0 || o->max_age_ms < 100 || o->max_age_ms > 86400000)
			USAGE_ERROR("invalid value '%s' for --max-age (give a duration from 100ms to 24h, such as 60s)", value);
	}
	else if (strcmp(name, "zstd-level") == 0)
	{
		if (parse_count(value, 1, 19, &n) != 0)
			USAGE_ERROR("invalid value '%s' for --zstd-level (give a whole number from 1 to 19)", value);
		o->zstd_level = (int) n;
	}
	else if (strcmp(name, "drain") == 0)
		o->drain = 1;
	else if (strcmp(name, "progress-interval") == 0)
	{
		if (parse_duration(value, &o->progress_interval_ms) != 0 || o->progress_interval_ms < 0)
			USAGE_ERROR("invalid value '%s' for --progress-interval (give a duration such as 10s, or 0)", value);
	}
	else if (strcmp(name, "metrics") == 0)
	{
		if (metrics_check_addr(value, error, sizeof(error)) != 0)
			USAGE_ERROR("%s", error);
		o->metrics_addr = value;
	}
	else if ((taken = lake_s3_flag(&o->s3, name, value, error, sizeof(error))) != 0)
	{
		if (taken < 0)
			USAGE_ERROR("%s", error);
	}
	else
		nats_auth_flag(&c->nats_flags, name, value);
	return 0;
}

/* 1 to go on; 0 to stop with *status. */
static int
parse(int argc, char **argv, LakeCommand *c, int *status)
{
	LakeOptions *o = &c->lake;
	char		error[300];

	memset(c, 0, sizeof(*c));
	o->durable = DEFAULT_DURABLE;
	o->max_events = DEFAULT_MAX_EVENTS;
	o->max_bytes = DEFAULT_MAX_BYTES;
	o->max_age_ms = DEFAULT_MAX_AGE_MS;
	o->zstd_level = DEFAULT_ZSTD_LEVEL;
	o->progress_interval_ms = DEFAULT_PROGRESS_MS;
	if (!command_flags_parse(COMMAND, argc, argv, flags, apply, c, help, 1, status))
		return 0;
	*status = CLI_EXIT_USAGE;
	if (o->from == NULL)
		cli_error(COMMAND, "--from is required (the NATS server holding the stream, nats://HOST:PORT)");
	else if (o->stream == NULL)
		cli_error(COMMAND, "--stream is required (the JetStream stream to keep, as ship's --stream or --create-stream)");
	else if (o->to == NULL)
		cli_error(COMMAND, "--to is required (the lake: a directory, or s3://BUCKET[/PREFIX])");
	else if (!lake_store_is_s3(o->to) && lake_s3_given(&o->s3))
		cli_error(COMMAND, "the --s3-* flags need --to s3://BUCKET[/PREFIX]");
	else if (nats_auth_load(&c->nats_auth, &c->nats_flags, o->from, "--from", error, sizeof(error)) != 0)
		cli_error(COMMAND, "%s", error);
	else
	{
		nats_url_mask_in_place((char *) o->from);	/* it is argv's: ps shows it */
		o->auth = &c->nats_auth;
		return 1;
	}
	return 0;
}

int
cmd_lake(int argc, char **argv)
{
	LakeCommand c;
	int			status;

	if (!parse(argc, argv, &c, &status))
		return status;
	ship_log_set_command(COMMAND);
	cli_install_stop_signals(on_signal);
	status = lake_run(&c.lake, &stop_requested);
	nats_auth_free(&c.nats_auth);
	return status;
}
