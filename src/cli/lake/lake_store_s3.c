/*
 * lake_store_s3.c
 *    The event lake in S3 (being written: until then s3:// is refused).
 */
#include <stdio.h>

#include "lake_store.h"

LakeStore *
lake_store_s3_open(const char *url, const LakeS3Settings *s3, char *error, size_t size)
{
	snprintf(error, size, "S3 lakes are not supported by this build of wal2events");
	return NULL;
}
