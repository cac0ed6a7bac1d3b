/*
 * sink.c
 *    Opening the sink --to names: the one place that knows the kinds.
 */
#include <stdio.h>

#include "sink.h"

Sink *
sink_open(const ShipOptions *opts, const SinkSource *source, SinkAckFn on_ack,
		  void *ack_ctx, char *error, size_t error_size, int *status)
{
	Sink	   *sink;

	if (opts->sink == SINK_NATS)
		sink = sink_nats_open(opts, source, error, error_size, status);
	else
		sink = sink_file_open(opts, error, error_size, status);
	if (sink != NULL)
	{
		sink->on_ack = on_ack;
		sink->ack_ctx = ack_ctx;
	}
	return sink;
}
