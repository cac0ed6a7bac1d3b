/*
 * cmd_consume.c
 *    `wal2events consume --from nats://HOST:PORT --stream NAME`: the events
 *    `wal2events ship` stored in a JetStream stream, one JSON line each (the
 *    EventEnvelope rendered by w2e_envelope_to_json(), the same line as
 *    `ship --payload json` writes), in stream order, claim checks resolved.
 *
 * A transaction message (`ship --unit transaction`) is printed as its
 * events, one line each, the same lines its events would have had shipped
 * one by one; with --transactions as the whole Transaction (one line,
 * w2e_transaction_to_json()), and then an event message is an error: a
 * stream holding both kinds is read whole without --transactions, or its
 * transaction subjects with --subject.
 *
 * Without --follow it stops once everything stored (that the filter
 * selects) has been printed; with it, it waits for more until --count
 * events or a signal. It only reads: an ordered, ephemeral consumer that
 * acknowledges nothing, so it takes nothing away from other consumers.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "option_values.h"
#include "ship.h"
#include "stream_reader.h"
#include "subject.h"

#define COMMAND "consume"
#define WAIT_STEP_MS 250		/* how soon a signal or the end of the stream is noticed */

typedef struct ConsumeOptions
{
	const char *from;
	const char *stream;
	const char *subject;		/* NULL: every subject */
	int			deliver_new;
	int			follow;
	int			transactions;	/* print transaction messages whole */
	int64_t		count;			/* 0: no limit: events, or transactions */
	StreamPayload payload;
	NatsAuthFlags nats_flags;
	NatsAuth	nats_auth;		/* loaded once the flags are parsed */
} ConsumeOptions;

static volatile sig_atomic_t stop_requested;

static void
on_signal(int signo)
{
	stop_requested = 1;
}

static void
help(void)
{
	printf("Usage: wal2events consume --from nats://HOST:PORT --stream NAME [OPTIONS]\n"
		   "\n"
		   "Print the events that `wal2events ship` stored in a NATS JetStream stream,\n"
		   "one JSON line per event (the EventEnvelope, as `ship --payload json` renders\n"
		   "it), in stream order. Claim checks are resolved: an event that was stored\n"
		   "as chunks on <subject>.claim is printed whole, and the chunks themselves are\n"
		   "not printed. Reads with an ordered, ephemeral consumer that acknowledges\n"
		   "nothing: other consumers of the stream are not affected.\n"
		   "\n"
		   "Options:\n"
		   "      --from=URL          the NATS server, nats://HOST:PORT or, for TLS,\n"
		   "                          tls://HOST:PORT, or a cluster's servers, comma-\n"
		   "                          separated (required; credentials and TLS: the\n"
		   "                          --nats-* and --tls-* flags below)\n"
		   "      --stream=NAME       the JetStream stream to read (required)\n"
		   "      --subject=FILTER    only messages on subjects matching FILTER ('*' one\n"
		   "                          token, '>' the rest), for example 'shop.orders.>'\n"
		   "                          (default: every subject of the stream)\n"
		   "      --from-start        begin with the oldest message stored (the default)\n"
		   "      --new               begin with the messages stored from now on (needs\n"
		   "                          --follow)\n"
		   "      --follow            keep waiting for new events (until --count events\n"
		   "                          or SIGINT/SIGTERM); without it, stop once every\n"
		   "                          event stored has been printed\n"
		   "      --count=N           stop after N events (N transactions with\n"
		   "                          --transactions)\n"
		   "      --transactions      print the messages of `ship --unit transaction` as\n"
		   "                          whole transactions (one JSON line per Transaction\n"
		   "                          message, as `wal2events decode`); without it they\n"
		   "                          are printed as their events, one line each; a\n"
		   "                          message of one event is then an error\n"
		   "      --payload=FORMAT    how to read the message bodies: auto (default: by\n"
		   "                          their Content-Type header, protobuf without one),\n"
		   "                          protobuf (EventEnvelope) or json, as ship's --payload\n"
		   NATS_AUTH_HELP
		   "  -h, --help              show this help\n"
		   "\n"
		   "Exit status:\n"
		   "  0  every stored event printed (without --follow), --count events printed,\n"
		   "     stopped by SIGINT/SIGTERM, or the reader of the output went away\n"
		   "  1  a message that is not an event of wal2events ship (or whose claim check\n"
		   "     does not resolve), a write error, out of memory\n"
		   "  2  bad command line\n"
		   "  4  event hub: cannot connect, JetStream not enabled, the stream missing, a\n"
		   "     --subject the stream does not store, the connection lost for good\n");
}

/*
 * A subject filter: dot-separated non-empty tokens of printable characters
 * other than ' ', where '*' and '>' are whole tokens and '>' is the last.
 */
static int
filter_valid(const char *filter, const char **why)
{
	const char *p = filter;
	const char *token = filter;

	if (*p == '\0')
	{
		*why = "it is empty";
		return 0;
	}
	for (;; p++)
	{
		if (*p == '.' || *p == '\0')
		{
			size_t		len = (size_t) (p - token);

			if (len == 0)
			{
				*why = "it has an empty token";
				return 0;
			}
			if ((memchr(token, '*', len) != NULL && len != 1) ||
				(memchr(token, '>', len) != NULL && (len != 1 || *p != '\0')))
			{
				*why = "'*' and '>' must be whole tokens, and '>' the last one";
				return 0;
			}
			if (*p == '\0')
				return 1;
			token = p + 1;
		}
		else if ((unsigned char) *p <= ' ' || *p == 0x7F)
		{
			*why = "it has a space or a control character";
			return 0;
		}
	}
}

#define USAGE_ERROR(...) do { cli_error(COMMAND, __VA_ARGS__); return -1; } while (0)

/* One flag with its value: 0, or -1 after the error message. */
static int
apply(ConsumeOptions *opts, const char *name, const char *value)
{
	const char *why;

	if (strcmp(name, "from") == 0)
	{
		char		shown[256];

		nats_url_redact(value, shown, sizeof(shown));
		if (!nats_url_has_scheme(value))
			USAGE_ERROR("invalid --from '%s' (give the NATS server as nats://HOST:PORT or tls://HOST:PORT)", shown);
		opts->from = value;
	}
	else if (strcmp(name, "stream") == 0)
	{
		if (!subject_stream_name_valid(value))
			USAGE_ERROR("invalid stream name '%s' (letters, digits, '-' and '_' only)", value);
		opts->stream = value;
	}
	else if (strcmp(name, "subject") == 0)
	{
		if (!filter_valid(value, &why))
			USAGE_ERROR("bad --subject filter '%s': %s (for example shop.orders.> or shop.*.created)",
						value, why);
		opts->subject = value;
	}
	else if (strcmp(name, "count") == 0)
	{
		int64_t		n;

		if (parse_count(value, 1, INT64_MAX, &n) != 0)
			USAGE_ERROR("invalid value '%s' for --count (give a whole number of at least 1)", value);
		opts->count = n;
	}
	else if (strcmp(name, "payload") == 0)
	{
		if (strcmp(value, "auto") == 0)
			opts->payload = STREAM_PAYLOAD_AUTO;
		else if (strcmp(value, "protobuf") == 0)
			opts->payload = STREAM_PAYLOAD_PROTOBUF;
		else if (strcmp(value, "json") == 0)
			opts->payload = STREAM_PAYLOAD_JSON;
		else
			USAGE_ERROR("unknown payload format '%s' (give auto, protobuf or json)", value);
	}
	else
		nats_auth_flag(&opts->nats_flags, name, value);
	return 0;
}

static const char *const value_flags[] = {"from", "stream", "subject", "count", "payload",
"nats-creds", "nats-user", "nats-password-file", "nats-token-file", "tls-ca", "tls-cert", "tls-key"};
static const char *const switch_flags[] = {"from-start", "new", "follow", "help", "transactions"};

#define N_VALUE_FLAGS (sizeof(value_flags) / sizeof(value_flags[0]))
#define N_SWITCH_FLAGS (sizeof(switch_flags) / sizeof(switch_flags[0]))
#define N_FLAGS (N_VALUE_FLAGS + N_SWITCH_FLAGS)

/* The flag's index (values first, then switches), or -1. */
static int
find_flag(const char *arg, const char **inline_value)
{
	const char *name;
	const char *eq;
	size_t		len;
	size_t		i;

	*inline_value = NULL;
	if (strcmp(arg, "-h") == 0)
		return (int) (N_VALUE_FLAGS + 3);
	if (strncmp(arg, "--", 2) != 0)
		return -1;
	name = arg + 2;
	eq = strchr(name, '=');
	len = eq != NULL ? (size_t) (eq - name) : strlen(name);
	for (i = 0; i < N_FLAGS; i++)
	{
		const char *flag = i < N_VALUE_FLAGS ? value_flags[i] : switch_flags[i - N_VALUE_FLAGS];

		if (strlen(flag) == len && strncmp(flag, name, len) == 0)
		{
			*inline_value = eq != NULL ? eq + 1 : NULL;
			return (int) i;
		}
	}
	return -1;
}

/* 1 to go on; 0 to stop now with *status (help shown or a usage error). */
static int
parse_options(int argc, char **argv, ConsumeOptions *opts, int *status)
{
	int			seen[N_FLAGS] = {0};
	char		error[300];
	int			i;

	memset(opts, 0, sizeof(*opts));
	*status = CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++)
	{
		const char *value;
		int			f = find_flag(argv[i], &value);
		const char *name;

		if (f < 0)
		{
			cli_error(COMMAND, "unknown %s '%s' (try 'wal2events consume --help')",
					  argv[i][0] == '-' ? "option" : "argument", argv[i]);
			return 0;
		}
		name = (size_t) f < N_VALUE_FLAGS ? value_flags[f] : switch_flags[f - N_VALUE_FLAGS];
		if (strcmp(name, "help") == 0)
		{
			help();
			*status = CLI_EXIT_OK;
			return 0;
		}
		if (seen[f]++)
		{
			cli_error(COMMAND, "--%s given twice", name);
			return 0;
		}
		if ((size_t) f >= N_VALUE_FLAGS)
		{
			if (value != NULL)
			{
				cli_error(COMMAND, "--%s takes no value", name);
				return 0;
			}
			if (strcmp(name, "new") == 0)
				opts->deliver_new = 1;
			else if (strcmp(name, "follow") == 0)
				opts->follow = 1;
			else if (strcmp(name, "transactions") == 0)
				opts->transactions = 1;
			continue;
		}
		if (value == NULL)
		{
			if (i + 1 >= argc)
			{
				cli_error(COMMAND, "--%s needs a value (try 'wal2events consume --help')", name);
				return 0;
			}
			value = argv[++i];
		}
		if (apply(opts, name, value) != 0)
			return 0;
	}
	if (opts->from == NULL)
		cli_error(COMMAND, "--from is required (the NATS server ship publishes to, nats://HOST:PORT)");
	else if (opts->stream == NULL)
		cli_error(COMMAND, "--stream is required (the JetStream stream ship publishes to, as its --stream or --create-stream)");
	else if (opts->deliver_new && seen[N_VALUE_FLAGS + 0])
		cli_error(COMMAND, "give only one of --from-start and --new");
	else if (opts->deliver_new && !opts->follow)
		cli_error(COMMAND, "--new reads only the messages stored from now on: add --follow to wait for them");
	else if (nats_auth_load(&opts->nats_auth, &opts->nats_flags, opts->from, "--from", error, sizeof(error)) != 0)
		cli_error(COMMAND, "%s", error);
	else
	{
		nats_url_mask_in_place((char *) opts->from);	/* it is argv's: ps shows it */
		return 1;
	}
	return 0;
}

static void
log_line(const char *message)
{
	ship_log("%s", message);
}

static void
install_signals(void)
{
	cli_install_stop_signals(on_signal);
}

/* 0, or the exit status: a write error is a failure, a reader gone is not. */
static int
write_line(const W2eBuffer *line, int flush)
{
	errno = 0;
	if (fwrite(line->data, 1, line->len, stdout) == line->len && (!flush || fflush(stdout) == 0))
		return CLI_EXIT_OK;
	if (errno == EPIPE)
		return -1;
	cli_error(COMMAND, "cannot write output: %s", strerror(errno));
	return CLI_EXIT_FAILURE;
}

/*
 * A transaction message's events as lines in out (each with its newline),
 * at most limit (0: all): the EventEnvelope of each, as ship --unit event
 * would have published it with --payload json. *n: how many. 0, or -1.
 */
static int
transaction_events(const StreamMessage *m, int64_t limit, W2eBuffer *out, int64_t *n,
				   char *error, size_t error_size)
{
	W2eTransaction *txn = stream_message_transaction(m, error, error_size);
	Envelope	e;
	W2eError	err;
	size_t		i;
	int			rc = 0;

	*n = 0;
	if (txn == NULL)
		return -1;
	envelope_init(&e);
	for (i = 0; i < txn->n_events && (limit == 0 || *n < limit); i++, (*n)++)
	{
		if (envelope_build_at(&e, txn, i, PAYLOAD_JSON, &err) != 0)
			snprintf(error, error_size, "message %llu on %s (%.200s): %s", (unsigned long long) m->seq,
					 natsMsg_GetSubject(m->msg), m->id != NULL ? m->id : "", err.message);
		else if (w2e_buffer_append(out, e.data, e.len) == 0 && w2e_buffer_append(out, "\n", 1) == 0)
			continue;
		rc = -1;
		break;
	}
	envelope_free(&e);
	w2e_transaction_free(txn, NULL);
	return rc;
}

/* The lines of one message into line; *n: events (or transactions) in them. */
static int
message_lines(const StreamMessage *m, const ConsumeOptions *opts, int64_t printed,
			  W2eBuffer *line, int64_t *n, char *error, size_t error_size)
{
	int			is_txn = stream_message_is_transaction(m);

	*n = 1;
	if (is_txn && !opts->transactions)
		return transaction_events(m, opts->count > 0 ? opts->count - printed : 0, line, n,
								  error, error_size);
	if (!is_txn && opts->transactions)
	{
		snprintf(error, error_size,
				 "message %llu on %s is one event (ship --unit event), not a transaction: leave out --transactions, or select the transaction subjects with --subject",
				 (unsigned long long) m->seq, natsMsg_GetSubject(m->msg));
		return -1;
	}
	if (stream_message_json(m, opts->payload, line, error, error_size) != 0)
		return -1;
	return w2e_buffer_append(line, "\n", 1);
}

static int
consume(StreamReader *r, const ConsumeOptions *opts)
{
	W2eBuffer	line;
	StreamMessage m;
	char		error[600];
	int64_t		printed = 0;
	int64_t		n;
	int			status = CLI_EXIT_OK;

	w2e_buffer_init(&line, NULL);
	if (!opts->follow && stream_reader_drained(r))
		goto done;
	while (!stop_requested)
	{
		int			rc = stream_reader_next(r, WAIT_STEP_MS, &m, error, sizeof(error));

		if (rc < 0)
		{
			cli_error(COMMAND, "%s", error);
			status = CLI_EXIT_HUB;
			break;
		}
		if (rc == 0)
		{
			errno = 0;
			if (fflush(stdout) != 0)
			{
				status = errno == EPIPE ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
				if (status != CLI_EXIT_OK)
					cli_error(COMMAND, "cannot write output: %s", strerror(errno));
				break;
			}
			if (!opts->follow && stream_reader_drained(r))
				break;
			continue;
		}
		w2e_buffer_reset(&line);
		snprintf(error, sizeof(error), "out of memory");
		if (message_lines(&m, opts, printed, &line, &n, error, sizeof(error)) != 0)
		{
			cli_error(COMMAND, "%s", error);
			status = CLI_EXIT_FAILURE;
			break;
		}
		rc = write_line(&line, opts->follow);
		if (rc != CLI_EXIT_OK)
		{
			status = rc < 0 ? CLI_EXIT_OK : rc;
			break;
		}
		printed += n;
		if (opts->count > 0 && printed >= opts->count)
			break;
		if (!opts->follow && m.pending == 0)
			break;
	}
done:
	w2e_buffer_free(&line);
	errno = 0;
	if (fflush(stdout) != 0 && status == CLI_EXIT_OK && errno != EPIPE)
	{
		cli_error(COMMAND, "cannot write output: %s", strerror(errno));
		status = CLI_EXIT_FAILURE;
	}
	return status;
}

int
cmd_consume(int argc, char **argv)
{
	ConsumeOptions opts;
	StreamReaderOptions ro;
	StreamReader *r;
	char		error[600];
	int			status;

	if (!parse_options(argc, argv, &opts, &status))
		return status;
	ship_log_set_command(COMMAND);
	install_signals();
	memset(&ro, 0, sizeof(ro));
	ro.url = opts.from;
	ro.auth = &opts.nats_auth;
	ro.stream = opts.stream;
	ro.filter = opts.subject;
	ro.deliver_new = opts.deliver_new;
	ro.reconnect_forever = opts.follow;
	ro.log = log_line;
	r = stream_reader_open(&ro, error, sizeof(error));
	if (r == NULL)
	{
		cli_error(COMMAND, "%s", error);
		status = CLI_EXIT_HUB;
	}
	else
	{
		status = consume(r, &opts);
		stream_reader_close(r);
	}
	nats_CloseAndWait(2000);
	nats_auth_free(&opts.nats_auth);
	return status;
}
