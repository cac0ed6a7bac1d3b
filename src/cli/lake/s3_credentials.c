/*
 * s3_credentials.c
 *    Where the S3 lake's credentials and region come from, in the order
 *    the AWS CLI uses, so that what works for `aws s3` works here.
 *
 * Credentials are never flags (they would show in `ps`):
 * AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else
 * the shared credentials file (--s3-credentials-file, else
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), section [PROFILE]
 * (--s3-profile, else AWS_PROFILE, else "default"). Region: --s3-region,
 * AWS_REGION, AWS_DEFAULT_REGION, us-east-1. An error names where the
 * credentials were looked for, never a value.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_client.h"

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Trim s in place (both ends); returns s. */
static char *
trim(char *s)
{
	size_t		n;

	while (isspace((unsigned char) *s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char) s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Is line (trimmed) the header of section profile: "[p]" or "[profile p]"? */
static int
is_section(const char *line, const char *profile)
{
	size_t		n = strlen(line),
				plen = strlen(profile);
	const char *name = line + 1;

	if (n < 2 || line[0] != '[' || line[n - 1] != ']')
		return -1;				/* not a section line */
	n -= 2;
	if (strncmp(name, "profile ", 8) == 0)
	{
		name += 8;
		n -= 8;
		while (n > 0 && *name == ' ')
			name++, n--;
	}
	return n == plen && strncmp(name, profile, plen) == 0;
}

static int
set_value(char **slot, const char *value)
{
	free(*slot);
	*slot = strdup(value);
	return *slot == NULL ? -1 : 0;
}

/* Read [profile] of path into cred: 1 found, 0 no such section, -1 error (a file named that cannot be read). */
static int
read_profile(const char *path, const char *profile, int named, S3Credentials *cred,
			 char *error, size_t size)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	int			in = 0,
				found = 0;

	if (f == NULL)
	{
		if (!named && errno == ENOENT)
			return 0;
		snprintf(error, size, "cannot read the AWS credentials file %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *l = trim(line),
				   *eq;
		int			section;

		if (l[0] == '#' || l[0] == ';' || l[0] == '\0')
			continue;
		if ((section = is_section(l, profile)) >= 0)
		{
			in = section;
			found |= section;
			continue;
		}
		if (!in || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		l = trim(l);
		if ((strcmp(l, "aws_access_key_id") == 0 && set_value(&cred->access_key, trim(eq + 1)) != 0) ||
			(strcmp(l, "aws_secret_access_key") == 0 && set_value(&cred->secret_key, trim(eq + 1)) != 0) ||
			(strcmp(l, "aws_session_token") == 0 && set_value(&cred->session_token, trim(eq + 1)) != 0))
		{
			fclose(f);
			snprintf(error, size, "out of memory");
			return -1;
		}
	}
	fclose(f);
	return found;
}

/* The credentials file's path into path, and whether it was named (not the default). */
static void
credentials_path(const LakeS3Settings *settings, char *path, size_t path_size, int *named)
{
	const char *p = settings != NULL && settings->credentials_file != NULL ? settings->credentials_file
		: env("AWS_SHARED_CREDENTIALS_FILE");
	const char *home = env("HOME");

	*named = p != NULL;
	if (p != NULL)
		snprintf(path, path_size, "%s", p);
	else if (home != NULL)
		snprintf(path, path_size, "%s/.aws/credentials", home);
	else
		path[0] = '\0';
}

static int
load_region(const LakeS3Settings *settings, S3Credentials *cred, char *error, size_t size)
{
	const char *r = settings != NULL && settings->region != NULL ? settings->region : NULL;
	size_t		i;

	if (r == NULL)
		r = env("AWS_REGION");
	if (r == NULL)
		r = env("AWS_DEFAULT_REGION");
	if (r == NULL)
		r = "us-east-1";
	for (i = 0; r[i] != '\0'; i++)
		if (!(islower((unsigned char) r[i]) || isdigit((unsigned char) r[i]) || r[i] == '-'))
			break;
	if (r[i] != '\0' || i == 0 || i >= sizeof(cred->region))
	{
		snprintf(error, size, "invalid S3 region '%.80s' (like us-east-1: lowercase letters, digits and '-')", r);
		return -1;
	}
	snprintf(cred->region, sizeof(cred->region), "%s", r);
	return 0;
}

static int
from_environment(S3Credentials *cred, char *error, size_t size)
{
	const char *key = env("AWS_ACCESS_KEY_ID");
	const char *secret = env("AWS_SECRET_ACCESS_KEY");
	const char *token = env("AWS_SESSION_TOKEN");

	if (key == NULL && secret == NULL)
		return 0;
	if (key == NULL || secret == NULL)
	{
		snprintf(error, size, "%s is set but %s is not: set both, or neither to use the credentials file",
				 key != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
				 key != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return -1;
	}
	if (set_value(&cred->access_key, key) != 0 || set_value(&cred->secret_key, secret) != 0 ||
		(token != NULL && set_value(&cred->session_token, token) != 0))
	{
		snprintf(error, size, "out of memory");
		return -1;
	}
	snprintf(cred->source, sizeof(cred->source), "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
	return 1;
}

static int
from_file(const LakeS3Settings *settings, S3Credentials *cred, char *error, size_t size)
{
	char		path[4096];
	int			named,
				rc;
	const char *profile = settings != NULL && settings->profile != NULL ? settings->profile : env("AWS_PROFILE");
	int			profile_named = profile != NULL;

	if (profile == NULL)
		profile = "default";
	credentials_path(settings, path, sizeof(path), &named);
	if (path[0] == '\0')
		rc = 0;
	else if ((rc = read_profile(path, profile, named, cred, error, size)) < 0)
		return -1;
	if (rc == 0 && profile_named)
	{
		snprintf(error, size, "no profile [%.100s] in the AWS credentials file %.200s (--s3-profile, AWS_PROFILE)",
				 profile, path[0] ? path : "~/.aws/credentials (HOME is not set)");
		return -1;
	}
	if (rc == 1 && (cred->access_key == NULL || cred->secret_key == NULL))
	{
		snprintf(error, size, "profile [%.100s] of %.200s has no %s", profile, path,
				 cred->access_key == NULL ? "aws_access_key_id" : "aws_secret_access_key");
		return -1;
	}
	if (rc == 1)
		snprintf(cred->source, sizeof(cred->source), "profile [%.60s] of %.200s", profile, path);
	else
		snprintf(error, size, "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
				 "or aws_access_key_id and aws_secret_access_key under [%.60s] in %.200s "
				 "(--s3-credentials-file, --s3-profile)",
				 profile, path[0] ? path : "~/.aws/credentials (HOME is not set)");
	return rc == 1 ? 1 : -1;
}

int
s3_credentials_load(const LakeS3Settings *settings, S3Credentials *out, char *error, size_t size)
{
	int			rc;

	memset(out, 0, sizeof(*out));
	if (load_region(settings, out, error, size) != 0)
		return -1;
	rc = from_environment(out, error, size);
	if (rc == 0)
		rc = from_file(settings, out, error, size);
	if (rc > 0 && strchr(out->access_key, ':') != NULL)
	{
		snprintf(error, size, "the AWS access key id from %s holds a ':' (it cannot be one)", out->source);
		rc = -1;
	}
	if (rc < 0)
	{
		s3_credentials_free(out);
		return -1;
	}
	return 0;
}

/* Forget a secret: overwrite it before the memory is freed. */
static void
wipe(char **s)
{
	if (*s != NULL)
	{
		volatile char *p = *s;

		while (*p != '\0')
			*p++ = '\0';
		free(*s);
		*s = NULL;
	}
}

void
s3_credentials_free(S3Credentials *cred)
{
	wipe(&cred->access_key);
	wipe(&cred->secret_key);
	wipe(&cred->session_token);
}
