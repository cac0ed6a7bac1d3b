/*
 * lake_glob.c
 *    replay --type PATTERN: '*' matches any run of characters (see
 *    lake_reader.h). Backtracks only to the last '*', so a pattern costs at
 *    most its length times the text's.
 */
#include "lake_reader.h"

int
lake_glob_match(const char *glob, const char *text)
{
	const char *star = NULL;
	const char *resume = NULL;

	while (*text)
	{
		if (*glob == '*')
		{
			star = glob++;
			resume = text;
		}
		else if (*glob == *text)
		{
			glob++;
			text++;
		}
		else if (star != NULL)
		{
			glob = star + 1;
			text = ++resume;
		}
		else
			return 0;
	}
	while (*glob == '*')
		glob++;
	return *glob == '\0';
}
