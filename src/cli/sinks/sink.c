/*
 * sink.c
 *    The registry of sinks: the one place that lists the kinds. The command
 *    line asks it which kind --to names and whose flag a flag is; the
 *    shipper opens what it chose.
 */
#include <stdio.h>
#include <string.h>

#include "sink.h"

const SinkType *const sink_types[] = {
	&sink_type_jetstream,
	&sink_type_file,
	&sink_type_stdout,
	NULL
};

const SinkType *
sink_type_for(const char *to)
{
	int			i;

	for (i = 0; sink_types[i] != NULL; i++)
		if (sink_types[i]->accepts(to))
			return sink_types[i];
	return NULL;
}

const SinkType *
sink_type_with_flag(const char *name, const SinkFlag **flag)
{
	int			i;
	const SinkFlag *f;

	for (i = 0; sink_types[i] != NULL; i++)
		for (f = sink_types[i]->flags; f != NULL && f->name != NULL; f++)
			if (strcmp(f->name, name) == 0)
			{
				*flag = f;
				return sink_types[i];
			}
	return NULL;
}

Sink *
sink_open(const SinkType *type, const void *options, const SinkCommon *common,
		  const SinkSource *source, SinkAckFn on_ack, void *ack_ctx,
		  char *error, size_t error_size, int *status)
{
	Sink	   *sink = type->open(options, common, source, error, error_size, status);

	if (sink != NULL)
	{
		sink->on_ack = on_ack;
		sink->ack_ctx = ack_ctx;
	}
	return sink;
}
