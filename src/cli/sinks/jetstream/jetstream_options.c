/*
 * jetstream_options.c
 *    The NATS JetStream sink's flags: --subject, --stream, --create-stream,
 *    --dup-window, --ack-timeout and the credential flags, with their
 *    --help lines, checks and defaults, and its entry in the registry.
 *
 * Checked like every flag: a bad value is a one-line error before anything
 * connects. The credentials are read last (finish), so that nothing fails
 * after a secret was taken in, and the URL in argv is masked then (`ps`
 * shows argv).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jetstream_options.h"
#include "option_values.h"
#include "sink.h"
#include "subject.h"

static const SinkFlag jetstream_flags[] = {
	{"subject", 1},
	{"stream", 1},
	{"create-stream", 1},
	{"dup-window", 1},
	{"replicas", 1},
	{"ack-timeout", 1},
	{"nats-creds", 1},
	{"nats-user", 1},
	{"nats-password-file", 1},
	{"nats-token-file", 1},
	{"tls-ca", 1},
	{"tls-cert", 1},
	{"tls-key", 1},
	{NULL, 0}
};

static int
accepts(const char *to)
{
	return (strncmp(to, "nats://", 7) == 0 && to[7] != '\0') ||
		(strncmp(to, "tls://", 6) == 0 && to[6] != '\0');
}

static void *
options_new(const char *to)
{
	JetStreamOptions *o = calloc(1, sizeof(JetStreamOptions));

	if (o == NULL)
		return NULL;
	o->url = to;
	o->subject = "events.{type}";
	o->dup_window_ms = 120000;
	o->ack_timeout_ms = 10000;
	return o;
}

static int
option(void *options, const char *flag, const char *value, char *error, size_t size)
{
	JetStreamOptions *o = options;
	int64_t		v;

	if (strcmp(flag, "subject") == 0)
	{
		o->subject = value;
		o->subject_given = 1;
	}
	else if (strcmp(flag, "stream") == 0 || strcmp(flag, "create-stream") == 0)
	{
		if (o->stream != NULL)
		{
			snprintf(error, size, "give only one of --stream and --create-stream");
			return -1;
		}
		if (!subject_stream_name_valid(value))
		{
			snprintf(error, size, "invalid stream name '%s' (letters, digits, '-' and '_' only)", value);
			return -1;
		}
		o->stream = value;
		o->create_stream = flag[0] == 'c';
	}
	else if (strcmp(flag, "dup-window") == 0 || strcmp(flag, "ack-timeout") == 0)
	{
		if (parse_duration(value, &v) != 0 || v == 0)
		{
			snprintf(error, size, "invalid duration '%s' for --%s (give a positive duration like 500ms, 10s or 2m)",
					 value, flag);
			return -1;
		}
		if (flag[0] == 'd')
		{
			o->dup_window_ms = v;
			o->dup_window_given = 1;
		}
		else
			o->ack_timeout_ms = v;
	}
	else if (strcmp(flag, "replicas") == 0)
	{
		char	   *end;
		long		n;

		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < 1 || n > 5)
		{
			snprintf(error, size, "invalid value '%s' for --replicas (give a whole number from 1 to 5, JetStream's limit)", value);
			return -1;
		}
		o->replicas = (int) n;
	}
	else if (!nats_auth_flag(&o->auth_flags, flag, value))
	{
		snprintf(error, size, "--%s is not a flag of the NATS sink", flag);
		return -1;
	}
	return 0;
}

static int
finish(void *options, const SinkCommon *common, char *error, size_t size)
{
	JetStreamOptions *o = options;
	char		why[256];

	if (common->unit == UNIT_TRANSACTION && !o->subject_given)
		o->subject = "transactions.{database}";
	if (o->replicas > 0 && !o->create_stream)
	{
		snprintf(error, size, "--replicas needs --create-stream NAME (the replicas of a stream it creates)");
		return -1;
	}
	if (subject_template_check(o->subject, why, sizeof(why)) != 0)
	{
		snprintf(error, size, "bad --subject template '%s': %s", o->subject, why);
		return -1;
	}
	if (common->unit == UNIT_TRANSACTION &&
		subject_template_transaction_check(o->subject, why, sizeof(why)) != 0)
	{
		snprintf(error, size, "bad --subject template '%s' for --unit transaction: %s", o->subject, why);
		return -1;
	}
	/* last: nothing fails after the credentials are read */
	if (nats_auth_load(&o->auth, &o->auth_flags, o->url, "--to", error, size) != 0)
		return -1;
	nats_url_mask_in_place((char *) o->url);	/* it is argv's: ps shows it */
	return 0;
}

static void
options_free(void *options)
{
	JetStreamOptions *o = options;

	if (o == NULL)
		return;
	nats_auth_free(&o->auth);
	free(o);
}

const SinkType sink_type_jetstream = {
	.name = "NATS JetStream",
	.target = "nats://HOST:PORT or tls://HOST:PORT",
	.accepts = accepts,
	.flags = jetstream_flags,
	.takes_transactions = 1,
	.help =
	"      --subject=TEMPLATE      NATS subject (default events.{type}); tokens {type}\n"
	"                              {schema} {table} {database} {partition_key}; in a\n"
	"                              token's value '.', ' ', '*', '>' become '_', and an\n"
	"                              empty value is '_'; with --unit transaction only\n"
	"                              {database} (default transactions.{database})\n"
	"      --stream=NAME           the JetStream stream that stores the subjects\n"
	"                              (default: the one whose subjects cover them)\n"
	"      --create-stream=NAME    create that stream when missing (subjects\n"
	"                              <template prefix>.>, file storage), else check\n"
	"                              that it covers the subjects\n"
	"      --dup-window=DURATION   duplicate window of a created stream (default 2m)\n"
	"      --replicas=N            with --create-stream: the stream's replicas in a\n"
	"                              JetStream cluster, 1 to 5 (default 1); a stream\n"
	"                              that exists with another count is an error\n"
	"      --ack-timeout=DURATION  wait this long for an acknowledgement before\n"
	"                              retrying (default 10s)\n"
	NATS_AUTH_HELP,
	.options_new = options_new,
	.option = option,
	.finish = finish,
	.open = sink_nats_open,
	.options_free = options_free,
};
