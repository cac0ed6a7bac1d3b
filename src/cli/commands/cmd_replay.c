/*
 * cmd_replay.c
 *    `wal2events replay --from DIR|s3://... --stream EVENTS --to nats://...`:
 *    the selected events of the lake, in their original order with their
 *    original ids, into a stream of their own, a file or standard output
 *    (lake/lake_reader.h reads, lake/replay_hub.h publishes).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_flags.h"
#include "lake_reader.h"
#include "lake_time.h"
#include "option_values.h"
#include "replay_hub.h"
#include "ship_common.h"
#include "subject.h"

#define COMMAND "replay"
#define DEFAULT_MAX_INFLIGHT 4096

typedef struct ReplayOptions
{
	const char *from;
	LakeS3Settings s3;
	const char *stream;
	const char *to;
	const char *create_stream;
	const char *target_stream;
	const char *subject;
	char		default_subject[300];
	LakeSelection sel;
	int			dry_run;
	int			max_inflight;
	int64_t		progress_interval_ms;
	NatsAuthFlags nats_flags;
	NatsAuth	nats_auth;
	int			have_auth;
} ReplayOptions;

static volatile sig_atomic_t stop_requested;

static void
on_signal(int signo)
{
	stop_requested = 1;
}

static void
help(void)
{
	printf("Usage: wal2events replay --from DIR|s3://BUCKET[/PREFIX] --stream NAME --to TARGET [OPTIONS]\n"
		   "\n"
		   "Send events kept in the event lake (by `wal2events lake`) again: the selected\n"
		   "events, in the lake's order, each with its original id as Nats-Msg-Id, so a\n"
		   "retried replay is deduplicated by the stream. Into a stream of its own, never\n"
		   "into one a shipper writes (to rebuild or repair a consumer), or to a file.\n"
		   "\n"
		   "Options:\n"
		   "      --from=LAKE         the lake: a directory or s3://BUCKET[/PREFIX] (required)\n"
		   "      --stream=NAME       the lake's stream (its stream=NAME folder; required)\n"
		   "      --to=TARGET         nats://HOST:PORT (or tls://, or a server list) with\n"
		   "                          --create-stream or --target-stream; file:PATH (the\n"
		   "                          records as the lake holds them: JSON lines, or framed\n"
		   "                          envelopes); - for standard output (required)\n"
		   "      --create-stream=NAME  publish into stream NAME, created if missing\n"
		   "      --target-stream=NAME  publish into stream NAME, which must exist\n"
		   "      --subject=TEMPLATE  the subject of each event: tokens {type} {schema}\n"
		   "                          {table} {database} {partition_key} (default:\n"
		   "                          <stream NAME>.{type})\n"
		   "      --since=TIME        only events committed at or after TIME (RFC 3339,\n"
		   "                          or 2026-11-30, 2026-11-30T16, 2026-11-30T16:05; UTC\n"
		   "                          unless a zone is given)\n"
		   "      --until=TIME        only events committed before TIME\n"
		   "      --type=PATTERN      only events whose type matches ('*': any run of\n"
		   "                          characters), for example 'orders-*'\n"
		   "      --key=KEY           only events of this partition key\n"
		   "      --dry-run           count what would be sent, send nothing\n"
		   "      --max-inflight=N    messages awaiting their acknowledgement at most\n"
		   "                          (default 4096)\n"
		   "      --progress-interval=DURATION  a progress line on stderr this often\n"
		   "                          (default 10s; 0: none)\n"
		   "      --s3-endpoint=URL, --s3-region=REGION, --s3-credentials-file=FILE,\n"
		   "      --s3-profile=NAME   an S3 lake, as `wal2events lake` takes them\n"
		   NATS_AUTH_HELP
		   "  -h, --help              show this help\n"
		   "\n"
		   "Exit status:\n"
		   "  0  every selected event sent and acknowledged (or counted, --dry-run)\n"
		   "  1  the lake unreadable, a damaged file, a write error; stopped by a signal\n"
		   "  2  bad command line\n"
		   "  4  event hub: cannot connect, a stream that does not exist or one a\n"
		   "     shipper writes, a message refused, the connection lost for good\n");
}

static const CommandFlag flags[] = {
	{"from", 1}, {"stream", 1}, {"to", 1}, {"create-stream", 1}, {"target-stream", 1},
	{"subject", 1}, {"since", 1}, {"until", 1}, {"type", 1}, {"key", 1}, {"dry-run", 0},
	{"max-inflight", 1}, {"progress-interval", 1}, {"s3-endpoint", 1}, {"s3-region", 1},
	{"s3-credentials-file", 1}, {"s3-profile", 1}, {"nats-creds", 1}, {"nats-user", 1},
	{"nats-password-file", 1}, {"nats-token-file", 1}, {"tls-ca", 1}, {"tls-cert", 1},
	{"tls-key", 1}, {NULL, 0}
};

#define USAGE_ERROR(...) do { command_usage_error(COMMAND, __VA_ARGS__); return -1; } while (0)

static int
apply(void *ctx, const char *name, const char *value)
{
	ReplayOptions *o = ctx;
	char		error[300];
	int			taken;

	if (strcmp(name, "from") == 0)
		o->from = value;
	else if (strcmp(name, "stream") == 0)
	{
		if (!lake_stream_name_valid(value))
			USAGE_ERROR("invalid stream name '%s' (letters, digits, '-' and '_' only)", value);
		o->stream = value;
	}
	else if (strcmp(name, "to") == 0)
	{
		char		shown[256];

		nats_url_redact(value, shown, sizeof(shown));
		if (!nats_url_has_scheme(value) && strcmp(value, "-") != 0 && (strncmp(value, "file:", 5) != 0 || value[5] == '\0'))
			USAGE_ERROR("invalid --to '%s' (give nats://HOST:PORT, tls://HOST:PORT, file:PATH or -)", shown);
		o->to = value;
	}
	else if (strcmp(name, "create-stream") == 0 || strcmp(name, "target-stream") == 0)
	{
		if (!subject_stream_name_valid(value))
			USAGE_ERROR("invalid stream name '%s' for --%s (letters, digits, '-' and '_' only)", value, name);
		*(name[0] == 'c' ? &o->create_stream : &o->target_stream) = value;
	}
	else if (strcmp(name, "subject") == 0)
	{
		if (subject_template_check(value, error, sizeof(error)) != 0)
			USAGE_ERROR("bad --subject '%s': %s", value, error);
		o->subject = value;
	}
	else if (strcmp(name, "since") == 0 || strcmp(name, "until") == 0)
	{
		if (lake_time_parse(value, strlen(value), name[0] == 's' ? &o->sel.since_us : &o->sel.until_us) != 0)
			USAGE_ERROR("invalid --%s '%s' (give a time such as 2026-11-30T16:05:00Z or 2026-11-30)", name, value);
	}
	else if (strcmp(name, "type") == 0)
		o->sel.type_glob = value;
	else if (strcmp(name, "key") == 0)
		o->sel.key = value;
	else if (strcmp(name, "dry-run") == 0)
		o->dry_run = 1;
	else if (strcmp(name, "max-inflight") == 0)
	{
		int64_t		n;

		if (parse_count(value, 1, 1000000, &n) != 0)
			USAGE_ERROR("invalid value '%s' for --max-inflight (give a whole number from 1 to 1000000)", value);
		o->max_inflight = (int) n;
	}
	else if (strcmp(name, "progress-interval") == 0)
	{
		if (parse_duration(value, &o->progress_interval_ms) != 0 || o->progress_interval_ms < 0)
			USAGE_ERROR("invalid value '%s' for --progress-interval (give a duration such as 10s, or 0)", value);
	}
	else if ((taken = lake_s3_flag(&o->s3, name, value, error, sizeof(error))) != 0)
	{
		if (taken < 0)
			USAGE_ERROR("%s", error);
	}
	else
		nats_auth_flag(&o->nats_flags, name, value);
	return 0;
}

/* What is missing or contradicts: a usage error printed, 0; else 1. */
static int
consistent(ReplayOptions *o)
{
	char		error[300];

	if (o->from == NULL)
		cli_error(COMMAND, "--from is required (the lake: the directory or s3:// location `wal2events lake --to` wrote)");
	else if (o->stream == NULL)
		cli_error(COMMAND, "--stream is required (the stream the lake holds: its stream=NAME folder)");
	else if (o->to == NULL && !o->dry_run)
		cli_error(COMMAND, "--to is required (nats://HOST:PORT with --create-stream NAME, file:PATH or -), or give --dry-run");
	else if (o->to != NULL && nats_url_has_scheme(o->to) && (o->create_stream != NULL) == (o->target_stream != NULL))
		cli_error(COMMAND, "give one of --create-stream NAME and --target-stream NAME: the stream the events go to");
	else if ((o->to == NULL || !nats_url_has_scheme(o->to)) && (o->create_stream || o->target_stream || o->subject))
		cli_error(COMMAND, "--create-stream, --target-stream and --subject need --to nats://HOST:PORT");
	else if (o->sel.since_us >= o->sel.until_us)
		cli_error(COMMAND, "--since must be before --until");
	else if (!lake_store_is_s3(o->from) && lake_s3_given(&o->s3))
		cli_error(COMMAND, "the --s3-* flags need --from s3://BUCKET[/PREFIX]");
	else if (o->to != NULL && nats_url_has_scheme(o->to) &&
			 nats_auth_load(&o->nats_auth, &o->nats_flags, o->to, "--to", error, sizeof(error)) != 0)
		cli_error(COMMAND, "%s", error);
	else
	{
		if (o->to != NULL && nats_url_has_scheme(o->to))
		{
			o->have_auth = 1;
			nats_url_mask_in_place((char *) o->to);
			if (o->subject == NULL)
			{
				snprintf(o->default_subject, sizeof(o->default_subject), "%s.{type}",
						 o->create_stream != NULL ? o->create_stream : o->target_stream);
				o->subject = o->default_subject;
			}
		}
		return 1;
	}
	return 0;
}

/* Where the records go: the hub, a file, standard output, or nowhere (dry run). */
typedef struct Target
{
	ReplayHub  *hub;
	FILE	   *out;
} Target;

static int
open_target(ReplayOptions *o, Target *t, char *error, size_t size, int *status)
{
	memset(t, 0, sizeof(*t));
	if (o->dry_run)
		return 0;
	if (o->have_auth)
	{
		ReplayHubOptions ho = {&o->nats_auth, o->create_stream ? o->create_stream : o->target_stream,
		o->create_stream != NULL, o->subject, o->stream, o->max_inflight};

		t->hub = replay_hub_open(&ho, error, size);
		*status = CLI_EXIT_HUB;
		return t->hub != NULL ? 0 : -1;
	}
	t->out = strcmp(o->to, "-") == 0 ? stdout : fopen(o->to + 5, "w");
	if (t->out == NULL)
	{
		snprintf(error, size, "cannot open %s: %s", o->to + 5, strerror(errno));
		*status = CLI_EXIT_FAILURE;
		return -1;
	}
	return 0;
}

static int
close_target(Target *t, char *error, size_t size)
{
	int			rc = 0;

	if (t->out != NULL && t->out != stdout)
		rc = fclose(t->out);
	else if (t->out == stdout)
		rc = fflush(stdout);
	if (rc != 0)
		snprintf(error, size, "cannot write the output: %s", strerror(errno));
	replay_hub_close(t->hub);
	return rc != 0 ? -1 : 0;
}

static void
progress(const ReplayOptions *o, LakeReader *r, Target *t, int64_t *next, int force)
{
	const LakeReadStats *s = lake_reader_stats(r);
	int64_t		now = ship_now_ms();

	if (o->progress_interval_ms <= 0 || (!force && now < *next))
		return;
	*next = now + o->progress_interval_ms;
	ship_log("%llu events selected of %llu read, %llu of %llu files read (%llu skipped by their index)%s",
			 (unsigned long long) s->events_selected, (unsigned long long) s->events_read,
			 (unsigned long long) s->files_read, (unsigned long long) s->files,
			 (unsigned long long) s->files_skipped, t->hub != NULL ? ", sent to the hub" : "");
}

static int
replay(ReplayOptions *o, LakeReader *r, Target *t, char *error, size_t size)
{
	const LakeEvent *e;
	int64_t		next = ship_now_ms() + o->progress_interval_ms;
	int			rc = 0;

	while (!stop_requested && (rc = lake_reader_next(r, &e, error, size)) > 0)
	{
		if (t->hub != NULL && replay_hub_publish(t->hub, e, error, size) != 0)
			return CLI_EXIT_HUB;
		if (t->out != NULL && fwrite(e->record.data, 1, e->record.len, t->out) != e->record.len)
		{
			snprintf(error, size, "cannot write the output: %s", strerror(errno));
			return CLI_EXIT_FAILURE;
		}
		progress(o, r, t, &next, 0);
	}
	if (stop_requested)
	{
		snprintf(error, size, "stopped by a signal before the end of the selection");
		return CLI_EXIT_FAILURE;
	}
	if (rc < 0)
		return CLI_EXIT_FAILURE;
	if (t->hub != NULL && replay_hub_finish(t->hub, error, size) != 0)
		return CLI_EXIT_HUB;
	return CLI_EXIT_OK;
}

int
cmd_replay(int argc, char **argv)
{
	ReplayOptions o;
	LakeStore  *store = NULL;
	LakeReader *r = NULL;
	Target		t;
	char		error[1024] = "";
	int			status;

	memset(&o, 0, sizeof(o));
	o.sel.since_us = INT64_MIN;
	o.sel.until_us = INT64_MAX;
	o.max_inflight = DEFAULT_MAX_INFLIGHT;
	o.progress_interval_ms = 10000;
	memset(&t, 0, sizeof(t));
	if (!command_flags_parse(COMMAND, argc, argv, flags, apply, &o, help, 0, &status))
		return status;
	if (!consistent(&o))
		return CLI_EXIT_USAGE;
	ship_log_set_command(COMMAND);
	cli_install_stop_signals(on_signal);
	status = CLI_EXIT_FAILURE;
	store = lake_store_open_existing(o.from, &o.s3, error, sizeof(error));
	if (store == NULL || (r = lake_reader_open(store, o.stream, &o.sel, error, sizeof(error))) == NULL ||
		open_target(&o, &t, error, sizeof(error), &status) != 0)
		cli_error(COMMAND, "%s", error);
	else
	{
		int64_t		next = 0;

		status = replay(&o, r, &t, error, sizeof(error));
		if (status == CLI_EXIT_OK)
			progress(&o, r, &t, &next, 1);
		if (status == CLI_EXIT_OK && t.hub != NULL)
		{
			const ReplayHubStats *hs = replay_hub_stats(t.hub);

			ship_log("%llu events sent to stream %s and acknowledged (%llu of them were there already), %llu sent again after a failure",
					 (unsigned long long) hs->acked, o.create_stream ? o.create_stream : o.target_stream,
					 (unsigned long long) hs->duplicates, (unsigned long long) hs->resent);
		}
		if (status == CLI_EXIT_OK && o.dry_run)
		{
			const LakeReadStats *s = lake_reader_stats(r);

			printf("%llu events selected of %llu read, from %llu of %llu files (%llu skipped by their index)\n",
				   (unsigned long long) s->events_selected, (unsigned long long) s->events_read,
				   (unsigned long long) s->files_read, (unsigned long long) s->files,
				   (unsigned long long) s->files_skipped);
		}
		if (close_target(&t, error, sizeof(error)) != 0 && status == CLI_EXIT_OK)
			status = CLI_EXIT_FAILURE;
		if (status != CLI_EXIT_OK)
			cli_error(COMMAND, "%s", error);
	}
	lake_reader_close(r);
	lake_store_close(store);
	if (o.have_auth)
	{
		nats_CloseAndWait(2000);
		nats_auth_free(&o.nats_auth);
	}
	return status;
}
