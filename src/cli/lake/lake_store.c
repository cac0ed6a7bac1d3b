/*
 * lake_store.c
 *    Which store a lake location names (see lake_store.h).
 */
#include <stdio.h>
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

LakeStore *
lake_store_open_existing(const char *from, const LakeS3Settings *s3, char *error, size_t size)
{
	if (lake_store_is_s3(from))
		return lake_store_s3_open(from, s3, error, size);
	return lake_store_dir_read(from, error, size);
}

int
lake_s3_flag(LakeS3Settings *s3, const char *name, const char *value, char *error, size_t size)
{
	if (strcmp(name, "s3-endpoint") == 0)
	{
		if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
		{
			snprintf(error, size, "invalid --s3-endpoint '%.200s' (give http://HOST:PORT or https://HOST)", value);
			return -1;
		}
		s3->endpoint = value;
	}
	else if (strcmp(name, "s3-region") == 0)
		s3->region = value;
	else if (strcmp(name, "s3-credentials-file") == 0)
		s3->credentials_file = value;
	else if (strcmp(name, "s3-profile") == 0)
		s3->profile = value;
	else
		return 0;
	return 1;
}

int
lake_s3_given(const LakeS3Settings *s3)
{
	return s3->endpoint != NULL || s3->region != NULL || s3->credentials_file != NULL ||
		s3->profile != NULL;
}
