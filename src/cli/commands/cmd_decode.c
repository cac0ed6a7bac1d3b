/*
 * cmd_decode.c
 *    `wal2events decode [--bare] [--envelope] [FILE|-]`: messages in, JSON
 *    lines out.
 *
 * The input is what the plugin writes with framing=delimited, typically a
 * file from `pg_recvlogical -f`, or a pipe from it while it runs; with
 * --bare it is one message with no framing (framing=none). Every message
 * becomes one line of w2e_transaction_to_json(). With --envelope the
 * messages are EventEnvelopes, one per event, as `wal2events ship --to
 * file:PATH` writes them (the same framing), and every one becomes a line of
 * w2e_envelope_to_json(). The first malformed message stops the command
 * with its byte offset, after the lines of the messages before it have been
 * written.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wal2events.h"
#include "wire_fields.h"

#define COMMAND "decode"

typedef struct DecodeOptions
{
	int			bare;
	int			envelope;		/* EventEnvelopes (ship's file: sink), not Transactions */
	const char *path;			/* NULL or "-": standard input */
} DecodeOptions;

static void
help(void)
{
	printf("Usage: wal2events decode [--bare] [--envelope] [FILE|-]\n"
		   "\n"
		   "Print each Transaction message in FILE (default: standard input) as one\n"
		   "line of JSON. The input is what the wal2events plugin writes with\n"
		   "framing=delimited (the default for format=protobuf), for example a file\n"
		   "written by `pg_recvlogical --start -f FILE`; newlines between messages\n"
		   "are skipped.\n"
		   "\n"
		   "Options:\n"
		   "  --envelope  the messages are EventEnvelopes, one per event, as written by\n"
		   "              `wal2events ship --to file:PATH` (the default --payload\n"
		   "              protobuf; same framing): print each as one JSON line, the\n"
		   "              same line `ship --payload json` and `consume` print\n"
		   "  --bare      the input is exactly one message without framing\n"
		   "              (framing=none, a bytea from pg_logical_slot_*_binary_changes,\n"
		   "              or with --envelope the body of one message on the hub)\n"
		   "  -h, --help  show this help\n"
		   "\n"
		   "Exit status: 0 on success, 1 when the input is malformed or cannot be\n"
		   "read (the message says at which byte offset), 2 on bad usage.\n");
}

/* 1 to go on; 0 to stop now and exit with *status (after --help, or an error). */
static int
parse_options(int argc, char **argv, DecodeOptions *opts, int *status)
{
	int			i;
	int			only_paths = 0;

	for (i = 1; i < argc; i++)
	{
		const char *arg = argv[i];

		if (!only_paths && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0))
		{
			help();
			*status = CLI_EXIT_OK;
			return 0;
		}
		if (!only_paths && strcmp(arg, "--bare") == 0)
			opts->bare = 1;
		else if (!only_paths && strcmp(arg, "--envelope") == 0)
			opts->envelope = 1;
		else if (!only_paths && strcmp(arg, "--") == 0)
			only_paths = 1;
		else if (!only_paths && arg[0] == '-' && arg[1] != '\0')
		{
			cli_error(COMMAND, "unknown option '%s' (try 'wal2events decode --help')", arg);
			*status = CLI_EXIT_USAGE;
			return 0;
		}
		else if (opts->path != NULL)
		{
			cli_error(COMMAND, "more than one input given ('%s' and '%s')", opts->path, arg);
			*status = CLI_EXIT_USAGE;
			return 0;
		}
		else
			opts->path = arg;
	}
	return 1;
}

/*
 * What a message that is not a Transaction looks like: an EventEnvelope
 * starts with its id (a string: tag 0x0A), a Transaction with its xid or
 * commit LSN (varints: tags 0x08, 0x10).
 */
static const char *
transaction_hint(const uint8_t *message, size_t len)
{
	if (len > 0 && message[0] == W2E_WIRE_TAG(W2E_FIELD_ENV_ID, W2E_WIRE_LEN))
		return " (this looks like an EventEnvelope from `wal2events ship --to file:`: add --envelope)";
	return "";
}

/* A Transaction as one line of JSON. */
static int
transaction_json(const uint8_t *message, size_t len, W2eBuffer *line, W2eError *err)
{
	W2eTransaction *txn;
	int			r;

	txn = w2e_transaction_parse(message, len, NULL, err);
	if (txn == NULL)
		return -1;
	r = w2e_transaction_to_json(txn, line, err);
	w2e_transaction_free(txn, NULL);
	return r;
}

/* Parse one message and write its JSON line; line is reused between calls. */
static int
print_message(const uint8_t *message, size_t len, uint64_t offset, int envelope,
			  W2eBuffer *line)
{
	W2eError	err;
	int			r;

	w2e_buffer_reset(line);
	r = envelope ? envelope_protobuf_to_json(message, len, line, &err)
		: transaction_json(message, len, line, &err);
	if (r != 0)
	{
		cli_error(COMMAND, "message at byte offset %llu: %s%s",
				  (unsigned long long) offset, err.message,
				  envelope ? "" : transaction_hint(message, len));
		return CLI_EXIT_FAILURE;
	}
	if (w2e_buffer_append(line, "\n", 1) != 0)
	{
		cli_error(COMMAND, "message at byte offset %llu: out of memory",
				  (unsigned long long) offset);
		return CLI_EXIT_FAILURE;
	}
	if (fwrite(line->data, 1, line->len, stdout) != line->len)
	{
		cli_error(COMMAND, "cannot write output: %s", strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static void
flush_stdout(void *ctx)
{
	fflush(stdout);
}

/*
 * The frame reader's guess for input that starts with '{' is about the
 * plugin's format=json; for envelopes it is ship's --payload json.
 */
static void
envelope_frame_error(char *error, size_t size)
{
	char	   *hint = strstr(error, " (this looks like JSON");

	if (hint != NULL)
		snprintf(hint, size - (size_t) (hint - error), " (this looks like JSON lines, as `ship --payload json` writes them: they need no decoding)");
}

static int
decode_frames(int fd, int envelope, W2eBuffer *line)
{
	FrameReader reader;
	char		error[512];
	const uint8_t *message;
	size_t		len;
	uint64_t	offset;
	int			r;
	int			status = CLI_EXIT_OK;

	if (frame_reader_init(&reader, fd) != 0)
	{
		cli_error(COMMAND, "out of memory");
		return CLI_EXIT_FAILURE;
	}
	reader.before_wait = flush_stdout;
	while (status == CLI_EXIT_OK &&
		   (r = frame_reader_next(&reader, &message, &len, &offset,
								  error, sizeof(error))) != 0)
	{
		if (r < 0)
		{
			if (envelope)
				envelope_frame_error(error, sizeof(error));
			cli_error(COMMAND, "%s", error);
			status = CLI_EXIT_FAILURE;
		}
		else
			status = print_message(message, len, offset, envelope, line);
	}
	frame_reader_free(&reader);
	return status;
}

/* --bare: the whole input is one message. */
static int
decode_bare(int fd, int envelope, W2eBuffer *line)
{
	W2eBuffer	input;
	uint8_t		chunk[65536];
	ssize_t		n;
	int			status;

	w2e_buffer_init(&input, NULL);
	for (;;)
	{
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (input.len + (size_t) n > W2E_MAX_MESSAGE_SIZE ||
			w2e_buffer_append(&input, chunk, (size_t) n) != 0)
		{
			cli_error(COMMAND, "input is larger than the %zu-byte message limit",
					  W2E_MAX_MESSAGE_SIZE);
			w2e_buffer_free(&input);
			return CLI_EXIT_FAILURE;
		}
	}
	if (n < 0)
	{
		cli_error(COMMAND, "cannot read input: %s", strerror(errno));
		status = CLI_EXIT_FAILURE;
	}
	else
		status = print_message((const uint8_t *) input.data, input.len, 0, envelope, line);
	w2e_buffer_free(&input);
	return status;
}

int
cmd_decode(int argc, char **argv)
{
	DecodeOptions opts = {0, 0, NULL};
	W2eBuffer	line;
	int			fd = STDIN_FILENO;
	int			status = CLI_EXIT_OK;

	if (!parse_options(argc, argv, &opts, &status))
		return status;
	if (opts.path != NULL && strcmp(opts.path, "-") != 0)
	{
		fd = open(opts.path, O_RDONLY);
		if (fd < 0)
		{
			cli_error(COMMAND, "cannot open '%s': %s", opts.path, strerror(errno));
			return CLI_EXIT_FAILURE;
		}
	}
	w2e_buffer_init(&line, NULL);
	status = opts.bare ? decode_bare(fd, opts.envelope, &line)
		: decode_frames(fd, opts.envelope, &line);
	w2e_buffer_free(&line);
	if (fd != STDIN_FILENO)
		close(fd);
	if (fflush(stdout) != 0 && status == CLI_EXIT_OK)
	{
		cli_error(COMMAND, "cannot write output: %s", strerror(errno));
		status = CLI_EXIT_FAILURE;
	}
	return status;
}
