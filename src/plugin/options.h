/*
 * options.h
 *    The output plugin's options, as given to the slot at start.
 */
#ifndef W2E_OPTIONS_H
#define W2E_OPTIONS_H

#include "nodes/pg_list.h"

typedef enum OutputFormat
{
	FORMAT_PROTOBUF,			/* binary Transaction messages */
	FORMAT_JSON					/* the same, rendered as one JSON object each */
} OutputFormat;

/* Bits of the actions option. */
#define ACTION_INSERT	0x01
#define ACTION_UPDATE	0x02
#define ACTION_DELETE	0x04
#define ACTION_TRUNCATE 0x08
#define ACTION_MESSAGE	0x10
#define ACTION_ALL		0x1F

/* The routes option: how wal2events.routes selects and shapes tables. */
typedef enum RoutesMode
{
	ROUTES_APPLY,				/* every table; routed ones as their route says */
	ROUTES_ONLY,				/* routed tables only (and messages) */
	ROUTES_IGNORE				/* routes are not read: defaults everywhere */
} RoutesMode;

typedef struct PluginOptions
{
	OutputFormat format;
	bool		framed;			/* framing=delimited (protobuf only) */
	List	   *tables;			/* TablePattern list; NIL = every table */
	List	   *exclude_tables; /* TablePattern list */
	int			actions;		/* ACTION_* bits */
	bool		local_only;		/* origins=local: skip replicated changes */
	int			max_events;		/* events per message before a new chunk */
	int			max_bytes;		/* bytes per message before a new chunk */
	int			max_event_bytes;	/* larger events and values: a marker */
	List	   *message_prefixes;	/* NamePattern list for raw messages */
	RoutesMode	routes;
	char	   *publication;	/* selects tables, actions, columns; NULL: none */
} PluginOptions;

#define DEFAULT_MAX_EVENTS 10000
#define DEFAULT_MAX_BYTES (8 * 1024 * 1024)
#define MIN_MAX_BYTES 1024
#define MAX_MAX_BYTES (256 * 1024 * 1024)

/*
 * An event (or, for format=json, its rendering) past max-event-bytes goes
 * out as an Oversized marker. A chunk holds less than max-bytes before its
 * last event, so MAX_MAX_BYTES + MAX_MAX_EVENT_BYTES stays well below
 * PostgreSQL's 1 GB limit on a buffer (MaxAllocSize), framing included.
 */
#define DEFAULT_MAX_EVENT_BYTES (256 * 1024 * 1024)
#define MIN_MAX_EVENT_BYTES 1024
#define MAX_MAX_EVENT_BYTES (512 * 1024 * 1024)

extern void parse_plugin_options(List *defels, PluginOptions *opts);

#endif							/* W2E_OPTIONS_H */
