/*
 * lake_resume.c
 *    Where a lake writer resumes (see lake_writer.h): the whole stream's
 *    folder is listed once at start, because an event's hour is its commit
 *    time and not the order of the stream (with several sources, the
 *    newest file need not be in the newest hour).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake_writer.h"

typedef struct Scan
{
	uint64_t	last_seq;
	uint64_t	files;
	char	  **indexes;		/* index keys, to match with data files */
	size_t		n_indexes;
	size_t		cap_indexes;
	char	  **data;			/* data keys' index keys */
	size_t		n_data;
	size_t		cap_data;
	char	  **junk;			/* temporary files a crash left */
	size_t		n_junk;
	size_t		cap_junk;
	int			oom;
} Scan;

static void
keep(Scan *s, char ***list, size_t *n, size_t *cap, const char *key)
{
	if (*n == *cap)
	{
		size_t		c = *cap == 0 ? 64 : *cap * 2;
		char	  **l = realloc(*list, c * sizeof(char *));

		if (l == NULL)
		{
			s->oom = 1;
			return;
		}
		*list = l;
		*cap = c;
	}
	if (((*list)[*n] = malloc(strlen(key) + 1)) == NULL)
	{
		s->oom = 1;
		return;
	}
	strcpy((*list)[(*n)++], key);
}

static int
found(void *ctx, const char *key, uint64_t size)
{
	Scan	   *s = ctx;
	const char *name = strrchr(key, '/');
	LakeKey		k;
	char		index[LAKE_KEY_MAX];
	size_t		len;

	name = name != NULL ? name + 1 : key;
	len = strlen(name);
	if (name[0] == '.' && len > 4 && strcmp(name + len - 4, ".tmp") == 0)
	{
		keep(s, &s->junk, &s->n_junk, &s->cap_junk, key);
		return s->oom ? -1 : 0;
	}
	lake_parse_key(key, &k);
	if (k.kind == LAKE_OBJECT_DATA)
	{
		s->files++;
		if (k.last_seq > s->last_seq)
			s->last_seq = k.last_seq;
		if (lake_index_key_of(&k, index, sizeof(index)) == 0)
			keep(s, &s->data, &s->n_data, &s->cap_data, index);
	}
	else if (k.kind == LAKE_OBJECT_INDEX)
		keep(s, &s->indexes, &s->n_indexes, &s->cap_indexes, key);
	return s->oom ? -1 : 0;
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
free_list(char **list, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
lake_resume_point(LakeStore *store, const char *stream, uint64_t *last_seq, uint64_t *files,
				  char *error, size_t size)
{
	Scan		s;
	char		prefix[LAKE_KEY_MAX];
	size_t		i;
	int			rc = 0;

	memset(&s, 0, sizeof(s));
	if (lake_stream_prefix(prefix, sizeof(prefix), stream) != 0 ||
		lake_store_list(store, prefix, found, &s, error, size) != 0)
	{
		if (s.oom)
			snprintf(error, size, "out of memory listing the lake");
		rc = -1;
	}
	/* an index whose data is not there: the writer died between the two */
	if (s.n_data > 0)
		qsort(s.data, s.n_data, sizeof(char *), compare_keys);
	for (i = 0; rc == 0 && i < s.n_indexes; i++)
		if (s.n_data == 0 ||
			bsearch(&s.indexes[i], s.data, s.n_data, sizeof(char *), compare_keys) == NULL)
			rc = lake_store_remove(store, s.indexes[i], error, size);
	for (i = 0; rc == 0 && i < s.n_junk; i++)
		rc = lake_store_remove(store, s.junk[i], error, size);
	*last_seq = s.last_seq;
	*files = s.files;
	free_list(s.indexes, s.n_indexes);
	free_list(s.data, s.n_data);
	free_list(s.junk, s.n_junk);
	return rc;
}
