/*
 * jetstream_options.h
 *    The flags only the NATS JetStream sink takes, parsed into a struct of
 *    its own (the command line hands them over through the sink registry,
 *    sink.h, without knowing them).
 */
#ifndef WAL2EVENTS_JETSTREAM_OPTIONS_H
#define WAL2EVENTS_JETSTREAM_OPTIONS_H

#include <stdint.h>

#include "nats_auth.h"
#include "sink.h"

typedef struct JetStreamOptions
{
	const char *url;			/* --to as given: argv (masked once read; never print it) */
	NatsAuthFlags auth_flags;	/* --nats-creds, --nats-user, ... */
	NatsAuth	auth;			/* the hub's credentials and URL, loaded by finish */
	const char *subject;		/* subject template */
	int			subject_given;	/* --subject on the command line */
	const char *stream;			/* --stream or --create-stream */
	int			create_stream;
	int			replicas;		/* --replicas (with --create-stream), 0: not given */
	int64_t		dup_window_ms;
	int			dup_window_given;	/* --dup-window on the command line */
	int64_t		ack_timeout_ms;
} JetStreamOptions;

/* The sink's constructor (sink_nats.c), for its entry in the registry. */
extern Sink *sink_nats_open(const void *options, const SinkCommon *common,
							const SinkSource *source, char *error, size_t size, int *status);

#endif							/* WAL2EVENTS_JETSTREAM_OPTIONS_H */
