/*
 * filter.c
 *    Parse and match the name patterns of the table and prefix filters.
 *
 * Matching runs once per relation (the result is cached with the relation)
 * and once per logical message, so clarity wins over speed here.
 */
#include "postgres.h"

#include "filter.h"

/* Examples for the hint of an empty name, by kind of pattern list. */
#define TABLE_PATTERNS_EXAMPLE "\"public.orders, sales.*\""
#define PREFIX_PATTERNS_EXAMPLE "\"app, audit*\""

/*
 * Read one name (up to an unquoted '.', ',' or the end) starting at *p.
 * Quoted parts are literal; "" inside quotes is one quote character.
 * example shows a valid list of the option's kind in the hint.
 */
static void
read_name(const char *option, const char *whole, const char *example,
		  const char **p, NamePattern *out)
{
	const char *s = *p;
	int			cap = strlen(s) + 1;
	bool		quoted = false;
	bool		blank_inside = false;	/* a blank after part of the name */

	out->text = palloc(cap);
	out->wild = palloc0(cap * sizeof(bool));
	out->len = 0;

	for (; *s; s++)
	{
		if (quoted)
		{
			if (*s == '"' && s[1] == '"')
				out->text[out->len++] = *s++;
			else if (*s == '"')
				quoted = false;
			else
				out->text[out->len++] = *s;
			continue;
		}
		if (*s == '"')
			quoted = true;
		else if (*s == '.' || *s == ',')
			break;
		else if (*s == ' ' || *s == '\t')
		{
			/* blanks around a name are layout; inside one they are a mistake */
			blank_inside = out->len > 0;
			continue;
		}
		else
		{
			if (blank_inside)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unquoted space inside a name in option \"%s\": \"%s\"", option, whole),
						 errhint("Double-quote a name that contains spaces: \"my schema\".orders.")));
			out->wild[out->len] = (*s == '*');
			out->text[out->len++] = *s;
		}
	}
	if (quoted)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unterminated quoted name in option \"%s\": \"%s\"", option, whole),
				 errhint("Close the double quote; write \"\" for a quote inside a quoted name.")));
	if (out->len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("empty name in option \"%s\": \"%s\"", option, whole),
				 errhint("Give comma-separated patterns such as %s.", example)));
	out->text[out->len] = '\0';
	*p = s;
}

List *
parse_table_patterns(const char *option, const char *value)
{
	List	   *result = NIL;
	const char *p = value;

	for (;;)
	{
		TablePattern *pattern = palloc(sizeof(TablePattern));

		read_name(option, value, TABLE_PATTERNS_EXAMPLE, &p, &pattern->schema);
		if (*p != '.')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("table pattern \"%s\" in option \"%s\" has no schema", pattern->schema.text, option),
					 errhint("Write patterns as schema.table, for example \"public.orders\" or \"*.orders\"; '*' matches any characters.")));
		p++;
		read_name(option, value, TABLE_PATTERNS_EXAMPLE, &p, &pattern->table);
		if (*p == '.')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("table pattern in option \"%s\" has more than one dot: \"%s\"", option, value),
					 errhint("Write patterns as schema.table; double-quote names that contain a dot.")));
		result = lappend(result, pattern);
		if (*p == '\0')
			break;
		p++;					/* the comma */
	}
	return result;
}

List *
parse_name_patterns(const char *option, const char *value)
{
	List	   *result = NIL;
	const char *p = value;

	for (;;)
	{
		NamePattern *pattern = palloc(sizeof(NamePattern));

		read_name(option, value, PREFIX_PATTERNS_EXAMPLE, &p, pattern);
		if (*p == '.')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unexpected dot in option \"%s\": \"%s\"", option, value),
					 errhint("Double-quote a name that contains a dot.")));
		result = lappend(result, pattern);
		if (*p == '\0')
			break;
		p++;
	}
	return result;
}

/* Glob match with '*' only; iterative with one backtrack point. */
bool
name_pattern_matches(const NamePattern *pattern, const char *name)
{
	int			pi = 0;
	int			star = -1;
	const char *mark = NULL;
	const char *s = name;

	while (*s)
	{
		if (pi < pattern->len && pattern->wild[pi])
		{
			star = pi++;
			mark = s;
		}
		else if (pi < pattern->len && pattern->text[pi] == *s)
		{
			pi++;
			s++;
		}
		else if (star >= 0)
		{
			pi = star + 1;
			s = ++mark;
		}
		else
			return false;
	}
	while (pi < pattern->len && pattern->wild[pi])
		pi++;
	return pi == pattern->len;
}

bool
table_patterns_match(List *patterns, const char *schema, const char *table)
{
	ListCell   *lc;

	foreach(lc, patterns)
	{
		TablePattern *pattern = lfirst(lc);

		if (name_pattern_matches(&pattern->schema, schema) &&
			name_pattern_matches(&pattern->table, table))
			return true;
	}
	return false;
}

bool
name_patterns_match(List *patterns, const char *name)
{
	ListCell   *lc;

	foreach(lc, patterns)
	{
		if (name_pattern_matches(lfirst(lc), name))
			return true;
	}
	return false;
}
