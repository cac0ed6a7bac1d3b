/*
 * options.c
 *    Strict parsing of the output plugin's options.
 *
 * Every option is known, given once, and has a valid value, or the slot
 * refuses to start with an ERROR whose hint lists the valid choices: a typo
 * must never silently decode with defaults.
 */
#include "postgres.h"

#include <limits.h>

#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "filter.h"
#include "options.h"

#define VALID_OPTIONS "format, framing, tables, exclude-tables, actions, origins, max-events, max-bytes, max-event-bytes, message-prefixes, routes, publication"

static const char *
option_value(DefElem *elem)
{
	if (elem->arg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events option \"%s\" needs a value", elem->defname),
				 errhint("Write it as %s=VALUE.", elem->defname)));
	return strVal(elem->arg);
}

static int
parse_int_option(DefElem *elem, int min, int max)
{
	const char *value = option_value(elem);
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || n < min || n > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value \"%s\" for wal2events option \"%s\"", value, elem->defname),
				 errhint("Give a whole number from %d to %d.", min, max)));
	return (int) n;
}

static int
parse_actions(DefElem *elem)
{
	static const struct
	{
		const char *name;
		int			bit;
	}			names[] = {
		{"insert", ACTION_INSERT}, {"update", ACTION_UPDATE},
		{"delete", ACTION_DELETE}, {"truncate", ACTION_TRUNCATE},
		{"message", ACTION_MESSAGE},
	};
	char	   *copy = pstrdup(option_value(elem));
	List	   *items;
	ListCell   *lc;
	int			bits = 0;

	if (!SplitIdentifierString(copy, ',', &items) || items == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for wal2events option \"actions\": \"%s\"", option_value(elem)),
				 errhint("Give a comma-separated list of: insert, update, delete, truncate, message.")));
	foreach(lc, items)
	{
		const char *item = lfirst(lc);
		int			i;

		for (i = 0; i < (int) lengthof(names); i++)
			if (strcmp(item, names[i].name) == 0)
				break;
		if (i == (int) lengthof(names))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown action \"%s\" in wal2events option \"actions\"", item),
					 errhint("Valid actions are: insert, update, delete, truncate, message.")));
		bits |= names[i].bit;
	}
	return bits;
}

/* Map value to one of choices[], or ERROR listing them. */
static int
parse_choice(DefElem *elem, const char *const *choices, int nchoices)
{
	const char *value = option_value(elem);
	StringInfoData valid;
	int			i;

	for (i = 0; i < nchoices; i++)
		if (pg_strcasecmp(value, choices[i]) == 0)
			return i;

	initStringInfo(&valid);
	for (i = 0; i < nchoices; i++)
		appendStringInfo(&valid, "%s%s", i ? ", " : "", choices[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value \"%s\" for wal2events option \"%s\"", value, elem->defname),
			 errhint("Valid values are: %s.", valid.data)));
	return -1;					/* keep compiler quiet */
}

/* A publication name: checked for existence when first needed, in decoding. */
static char *
parse_publication(DefElem *elem)
{
	const char *value = option_value(elem);

	if (value[0] == '\0' || strlen(value) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value \"%s\" for wal2events option \"publication\"", value),
				 errhint("Give the name of a publication (CREATE PUBLICATION), at most %d bytes.",
						 NAMEDATALEN - 1)));
	return pstrdup(value);
}

void
parse_plugin_options(List *defels, PluginOptions *opts)
{
	static const char *const formats[] = {"protobuf", "json"};
	static const char *const framings[] = {"delimited", "none"};
	static const char *const origins[] = {"all", "local"};
	static const char *const routes[] = {"apply", "only", "ignore"};
	List	   *seen = NIL;
	ListCell   *lc;
	bool		framing_given = false;

	opts->format = FORMAT_PROTOBUF;
	opts->framed = true;
	opts->tables = NIL;
	opts->exclude_tables = NIL;
	opts->actions = ACTION_ALL;
	opts->local_only = false;
	opts->max_events = DEFAULT_MAX_EVENTS;
	opts->max_bytes = DEFAULT_MAX_BYTES;
	opts->max_event_bytes = DEFAULT_MAX_EVENT_BYTES;
	opts->message_prefixes = NIL;
	opts->routes = ROUTES_APPLY;
	opts->publication = NULL;

	foreach(lc, defels)
	{
		DefElem    *elem = lfirst(lc);
		const char *name = elem->defname;

		if (list_member(seen, makeString((char *) name)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wal2events option \"%s\" given more than once", name),
					 errhint("Give each option once.")));
		seen = lappend(seen, makeString((char *) name));

		if (strcmp(name, "format") == 0)
			opts->format = parse_choice(elem, formats, lengthof(formats)) == 0 ? FORMAT_PROTOBUF : FORMAT_JSON;
		else if (strcmp(name, "framing") == 0)
		{
			opts->framed = parse_choice(elem, framings, lengthof(framings)) == 0;
			framing_given = true;
		}
		else if (strcmp(name, "tables") == 0)
			opts->tables = parse_table_patterns(name, option_value(elem));
		else if (strcmp(name, "exclude-tables") == 0)
			opts->exclude_tables = parse_table_patterns(name, option_value(elem));
		else if (strcmp(name, "actions") == 0)
			opts->actions = parse_actions(elem);
		else if (strcmp(name, "origins") == 0)
			opts->local_only = parse_choice(elem, origins, lengthof(origins)) == 1;
		else if (strcmp(name, "max-events") == 0)
			opts->max_events = parse_int_option(elem, 1, INT_MAX);
		else if (strcmp(name, "max-bytes") == 0)
			opts->max_bytes = parse_int_option(elem, MIN_MAX_BYTES, MAX_MAX_BYTES);
		else if (strcmp(name, "max-event-bytes") == 0)
			opts->max_event_bytes = parse_int_option(elem, MIN_MAX_EVENT_BYTES, MAX_MAX_EVENT_BYTES);
		else if (strcmp(name, "message-prefixes") == 0)
			opts->message_prefixes = parse_name_patterns(name, option_value(elem));
		else if (strcmp(name, "routes") == 0)
			opts->routes = (RoutesMode) parse_choice(elem, routes, lengthof(routes));
		else if (strcmp(name, "publication") == 0)
			opts->publication = parse_publication(elem);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown wal2events option \"%s\"", name),
					 errhint("Valid options are: %s.", VALID_OPTIONS)));
	}

	if (opts->format == FORMAT_JSON && framing_given && opts->framed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events option \"framing=delimited\" applies to format=protobuf only"),
				 errhint("format=json writes one JSON object per message; drop the framing option.")));
	if (opts->format == FORMAT_JSON)
		opts->framed = false;
}
