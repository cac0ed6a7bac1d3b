/*
 * lake_store_dir.c
 *    The event lake in a local directory (see lake_store.h).
 *
 * A put writes ".<name>.tmp" beside its final name, fsyncs it, renames it
 * into place and fsyncs the directory: after a crash the object is either
 * absent or whole. Temporary files are hidden (a leading dot), so that
 * query engines' globs (every "*.ndjson.zst" below the root) never read half a file; the
 * lake writer removes those a crash left behind (lake_layout.h).
 * Directories are created as needed, and each new one is made durable by
 * an fsync of its parent.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake_store.h"

#define PATH_MAX_LEN 4096

typedef struct DirStore
{
	LakeStore	base;
	char		root[PATH_MAX_LEN];
	int			lock_fd;		/* the writer's claim (dir_claim), or -1 */
} DirStore;

/* dir + "/" + name into out: 0, or -1 when it does not fit (the caller names the key). */
static int
join_path(char *out, size_t out_size, const char *dir, const char *name)
{
	int			n = snprintf(out, out_size, "%s%s%s", dir, dir[0] && name[0] ? "/" : "", name);

	return n < 0 || (size_t) n >= out_size ? -1 : 0;
}

#define TOO_LONG(key) \
	(snprintf(error, size, "lake path too long: %.200s...", key), -1)

static int
fsync_path(const char *path, char *error, size_t size)
{
	int			fd = open(path, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || fsync(fd) != 0)
	{
		snprintf(error, size, "cannot sync directory %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Make every directory of path (up to its last '/'), durably. */
static int
make_parents(const char *path, char *error, size_t size)
{
	char		dir[PATH_MAX_LEN];
	char	   *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/'))
	{
		*slash = '\0';
		if (mkdir(dir, 0755) == 0)
		{
			char	   *up = strrchr(dir, '/');

			if (up != NULL && up != dir)
			{
				*up = '\0';
				if (fsync_path(dir, error, size) != 0)
					return -1;
				*up = '/';
			}
		}
		else if (errno != EEXIST)
		{
			snprintf(error, size, "cannot create directory %s: %s", dir, strerror(errno));
			return -1;
		}
		*slash = '/';
	}
	return 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0)
	{
		ssize_t		n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

static int
dir_put(LakeStore *store, const char *key, const void *data, size_t len, char *error, size_t size)
{
	DirStore   *ds = (DirStore *) store;
	char		path[PATH_MAX_LEN];
	char		tmp[PATH_MAX_LEN + 16];
	const char *name;
	int			fd;

	if (join_path(path, sizeof(path), ds->root, key) != 0)
		return TOO_LONG(key);
	name = strrchr(path, '/') + 1;
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp", (int) (name - path), path, name) >= (int) sizeof(tmp))
		return TOO_LONG(key);
	if (make_parents(path, error, size) != 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
	{
		snprintf(error, size, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
	{
		snprintf(error, size, "cannot write %s: %s%s", tmp, strerror(errno),
				 errno == ENOSPC ? " (the lake's file system is full: make room, then start the lake writer again)" : "");
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0)
	{
		snprintf(error, size, "cannot store %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	path[name - path - 1] = '\0';
	return fsync_path(path, error, size);
}

static int
dir_get(LakeStore *store, const char *key, W2eBuffer *out, char *error, size_t size)
{
	DirStore   *ds = (DirStore *) store;
	char		path[PATH_MAX_LEN];
	char		chunk[65536];
	int			fd;
	ssize_t		n;

	if (join_path(path, sizeof(path), ds->root, key) != 0)
		return TOO_LONG(key);
	fd = open(path, O_RDONLY);
	if (fd < 0)
	{
		if (errno == ENOENT)
			return 1;
		snprintf(error, size, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0)
	{
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || w2e_buffer_append(out, chunk, (size_t) n) != 0)
		{
			snprintf(error, size, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "out of memory");
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* Walk dir (relative rel) for keys starting with prefix. */
static int
walk(DirStore *ds, const char *rel, const char *prefix, LakeListFn fn, void *ctx,
	 char *error, size_t size)
{
	char		path[PATH_MAX_LEN];
	DIR		   *d;
	struct dirent *de;
	int			rc = 0;

	if (join_path(path, sizeof(path), ds->root, rel) != 0)
		return TOO_LONG(rel);
	d = opendir(path);
	if (d == NULL)
	{
		if (errno == ENOENT)
			return 0;
		snprintf(error, size, "cannot read directory %s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
	{
		char		key[PATH_MAX_LEN];
		struct stat st;
		size_t		klen;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (join_path(key, sizeof(key), rel, de->d_name) != 0)
			continue;			/* cannot be one of ours */
		klen = strlen(key);
		/* only what can still match the prefix */
		if (strncmp(key, prefix, klen < strlen(prefix) ? klen : strlen(prefix)) != 0)
			continue;
		if (join_path(path, sizeof(path), ds->root, key) != 0)
			continue;
		if (lstat(path, &st) != 0)
			continue;			/* removed meanwhile */
		if (S_ISDIR(st.st_mode))
			rc = walk(ds, key, prefix, fn, ctx, error, size);
		else if (S_ISREG(st.st_mode) && strncmp(key, prefix, strlen(prefix)) == 0)
			rc = fn(ctx, key, (uint64_t) st.st_size);
	}
	closedir(d);
	return rc;
}

static int
dir_list(LakeStore *store, const char *prefix, LakeListFn fn, void *ctx, char *error, size_t size)
{
	return walk((DirStore *) store, "", prefix, fn, ctx, error, size);
}

static int
dir_remove(LakeStore *store, const char *key, char *error, size_t size)
{
	DirStore   *ds = (DirStore *) store;
	char		path[PATH_MAX_LEN];

	if (join_path(path, sizeof(path), ds->root, key) != 0)
		return TOO_LONG(key);
	if (unlink(path) != 0 && errno != ENOENT)
	{
		snprintf(error, size, "cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
dir_close(LakeStore *store)
{
	DirStore   *ds = (DirStore *) store;

	if (ds->lock_fd >= 0)
		close(ds->lock_fd);
	free(store);
}

/*
 * A POSIX record lock on .wal2events-lake-STREAM.lock in the root (hidden,
 * outside every stream's folder: no query glob or listing sees it). The
 * kernel drops it when the process ends, however it ends.
 */
static int
dir_claim(LakeStore *store, const char *stream, char *error, size_t size)
{
	DirStore   *ds = (DirStore *) store;
	char		name[300];
	char		path[PATH_MAX_LEN];
	struct flock fl;
	int			fd;

	snprintf(name, sizeof(name), ".wal2events-lake-%s.lock", stream);
	if (join_path(path, sizeof(path), ds->root, name) != 0)
		return TOO_LONG(name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
	{
		snprintf(error, size, "cannot open the lake's lock file %s: %s", path, strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0)
	{
		int			e = errno;

		close(fd);
		if (e == EACCES || e == EAGAIN)
			snprintf(error, size,
					 "another `wal2events lake` is writing stream %s into %s (it holds %s): run one lake writer per stream and lake",
					 stream, ds->root, path);
		else
			snprintf(error, size, "cannot lock %s: %s", path, strerror(e));
		return -1;
	}
	if (ds->lock_fd >= 0)
		close(ds->lock_fd);
	ds->lock_fd = fd;
	return 0;
}

static const LakeStoreOps dir_ops = {dir_put, dir_get, dir_list, dir_remove, dir_close, dir_claim};

/* The store, not yet checked. NULL with error. */
static DirStore *
dir_store_new(const char *path, char *error, size_t size)
{
	DirStore   *ds;
	size_t		len = strlen(path);

	if (len == 0 || len >= PATH_MAX_LEN - 200)
	{
		snprintf(error, size, "invalid lake directory '%.200s' (empty or too long)", path);
		return NULL;
	}
	ds = calloc(1, sizeof(DirStore));
	if (ds == NULL)
	{
		snprintf(error, size, "out of memory");
		return NULL;
	}
	ds->base.ops = &dir_ops;
	ds->lock_fd = -1;
	memcpy(ds->root, path, len + 1);
	while (len > 1 && ds->root[len - 1] == '/')
		ds->root[--len] = '\0';
	memcpy(ds->base.shown, ds->root, len < sizeof(ds->base.shown) ? len + 1 : sizeof(ds->base.shown) - 1);
	return ds;
}

LakeStore *
lake_store_dir_open(const char *path, char *error, size_t size)
{
	DirStore   *ds = dir_store_new(path, error, size);
	char		probe[PATH_MAX_LEN + 8];

	if (ds == NULL)
		return NULL;
	if (join_path(probe, sizeof(probe), ds->root, "x") != 0 || make_parents(probe, error, size) != 0)
	{
		free(ds);
		return NULL;
	}
	if (access(ds->root, W_OK | X_OK) != 0)
	{
		snprintf(error, size, "cannot write to the lake directory %s: %s", ds->root, strerror(errno));
		free(ds);
		return NULL;
	}
	return &ds->base;
}

LakeStore *
lake_store_dir_read(const char *path, char *error, size_t size)
{
	DirStore   *ds = dir_store_new(path, error, size);
	struct stat st;

	if (ds == NULL)
		return NULL;
	errno = 0;
	if (stat(ds->root, &st) != 0 || !S_ISDIR(st.st_mode) || access(ds->root, R_OK | X_OK) != 0)
	{
		snprintf(error, size, "no lake at %s: %s (give the directory `wal2events lake --to` wrote)",
				 ds->root, errno != 0 ? strerror(errno) : "not a directory");
		free(ds);
		return NULL;
	}
	return &ds->base;
}
