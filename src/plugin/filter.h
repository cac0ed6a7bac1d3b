/*
 * filter.h
 *    Name patterns for the tables, exclude-tables and message-prefixes
 *    options.
 *
 * A table pattern is "schema.table"; each half may use '*' for any run of
 * characters and may be double-quoted ("My.Schema".*) to keep dots, commas
 * and asterisks literal. A prefix pattern is a single such name.
 */
#ifndef W2E_FILTER_H
#define W2E_FILTER_H

#include "nodes/pg_list.h"

/* One name pattern; wild[i] marks text[i] as a '*' wildcard. */
typedef struct NamePattern
{
	char	   *text;
	bool	   *wild;
	int			len;
} NamePattern;

typedef struct TablePattern
{
	NamePattern schema;
	NamePattern table;
} TablePattern;

/* Parse a comma-separated list; ERROR naming the option on bad syntax. */
extern List *parse_table_patterns(const char *option, const char *value);
extern List *parse_name_patterns(const char *option, const char *value);

extern bool name_pattern_matches(const NamePattern *pattern, const char *name);
extern bool table_patterns_match(List *patterns, const char *schema, const char *table);
extern bool name_patterns_match(List *patterns, const char *name);

#endif							/* W2E_FILTER_H */
