/*
 * rag_walk.c - files and folders into the index: a capped read of each
 * regular file (memory bounded by max_file_bytes) and a recursive walk
 * that reports every file and goes on after a refusal.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metagen/buf.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/util.h"

/* Reads at most max bytes of `path`; MGEN_ELIMIT when it is larger. */
static int read_capped(const char *path, size_t max, char **out, size_t *len,
		       mgen_err *err)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *data = NULL;
	size_t n;

	*out = NULL;
	if (f == NULL)
		return mgen_err_set(err, MGEN_EIO, "%s: cannot read: %s", path,
				    strerror(errno));
	if (fstat(fileno(f), &sb) != 0 || (size_t)sb.st_size > max) {
		fclose(f);
		return mgen_err_set(err, MGEN_ELIMIT,
				    "%s: %lld bytes, over the "
				    "limit of %zu bytes (rag.max_file_mb); "
				    "not indexed",
				    path, (long long)sb.st_size, max);
	}
	data = malloc((size_t)sb.st_size + 1);
	if (data == NULL) {
		fclose(f);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	n = fread(data, 1, (size_t)sb.st_size + 1, f);
	if (ferror(f) || n > (size_t)sb.st_size) {
		/* an error, or a file that grew while we read it */
		fclose(f);
		free(data);
		return mgen_err_set(err, MGEN_EIO,
				    "%s: cannot read (error, or "
				    "changed while read)",
				    path);
	}
	fclose(f);
	data[n] = '\0';
	*out = data;
	*len = n;
	return 0;
}

/* A refusal: reported, remembered as the first one, the walk goes on. */
static int refuse(const char *path, int code, mgen_err *one, mgen_err *err,
		  int *first, mgen_rag_report_fn fn, void *ud)
{
	if (fn)
		fn(ud, path, MGEN_RAG_REFUSED, 0, 0, one->msg);
	if (*first == 0) {
		*first = code;
		mgen_err_set(err, code, "%s", one->msg);
	}
	return 0;
}

static int is_fatal(int rc)
{
	return rc == MGEN_EDB || rc == MGEN_ENOMEM;
}

static int add_one(mgen_rag *r, const char *path, mgen_rag_report_fn fn,
		   void *ud, int *first, mgen_err *err)
{
	mgen_err one = MGEN_ERR_INIT;
	mgen__rag_added res;
	struct stat sb;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (lstat(path, &sb) != 0) {
		mgen_err_set(&one, MGEN_EIO, "%s: %s", path, strerror(errno));
		return refuse(path, MGEN_EINVAL, &one, err, first, fn, ud);
	}
	if (!S_ISREG(sb.st_mode)) {
		mgen_err_set(&one, MGEN_EINVAL,
			     "%s: not a regular file, not "
			     "indexed",
			     path);
		return refuse(path, MGEN_EINVAL, &one, err, first, fn, ud);
	}
	rc = read_capped(path, r->opt.max_file_bytes, &data, &len, &one);
	if (rc == 0)
		rc = mgen__rag_add(r, path, data, len, (long long)sb.st_mtime,
				   &res, &one);
	free(data);
	if (is_fatal(rc)) {
		mgen_err_set(err, rc, "%s", one.msg);
		return rc;
	}
	if (rc != 0)
		return refuse(path, MGEN_EINVAL, &one, err, first, fn, ud);
	if (fn)
		fn(ud, path, res.status, res.chunks, res.skipped, NULL);
	return 0;
}

static int walk(mgen_rag *r, const char *path, int depth, mgen_rag_report_fn fn,
		void *ud, int *first, mgen_err *err)
{
	struct stat sb;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return add_one(r, path, fn, ud, first, err);
	if (depth > 64 || (d = opendir(path)) == NULL) {
		mgen_err one = MGEN_ERR_INIT;
		mgen_err_set(&one, MGEN_EIO, "%s: cannot read the folder%s",
			     path, depth > 64 ? " (nested too deep)" : "");
		return refuse(path, MGEN_EINVAL, &one, err, first, fn, ud);
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		mgen_buf sub = MGEN_BUF_INIT;
		if (e->d_name[0] == '.')
			continue;
		mgen_buf_printf(&sub, "%s%s%s", path,
				path[strlen(path) - 1] == '/' ? "" : "/",
				e->d_name);
		rc = mgen_buf_error(&sub)
			 ? mgen_err_set(err, MGEN_ENOMEM, "out of memory")
			 : walk(r, mgen_buf_str(&sub), depth + 1, fn, ud, first,
				err);
		mgen_buf_release(&sub);
	}
	closedir(d);
	return rc;
}

int mgen_rag_add_path(mgen_rag *r, const char *path, mgen_rag_report_fn fn,
		      void *userdata, mgen_err *err)
{
	int first = 0;
	int rc = walk(r, path, 0, fn, userdata, &first, err);

	return rc != 0 ? rc : first;
}
