/*
 * lake_store.c
 *    Which store a lake location names (see lake_store.h).
 */
#include <string.h>

#include "lake_store.h"

int
lake_store_is_s3(const char *to)
{
	return strncmp(to, "s3://", 5) == 0;
}

LakeStore *
lake_store_open(const char *to, const LakeS3Settings *s3, char *error, size_t size)
{
	if (lake_store_is_s3(to))
		return lake_store_s3_open(to, s3, error, size);
	return lake_store_dir_open(to, error, size);
}
