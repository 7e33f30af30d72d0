/*
 * rag_iface.c - the public operations of include/metagen/rag.h that
 * every store shares, through the store interface (rag_store.h): the
 * handle's common parts, finding and storing documents, remove, prune,
 * stats, search and glossary lookup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/util.h"

static int check_options(const mgen_rag_options *o, mgen_err *err)
{
	if (o->chunk_tokens < 8 || o->chunk_tokens > 100000)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: chunk_tokens must be "
				    "between 8 and 100000, got %d",
				    o->chunk_tokens);
	if (o->chunk_overlap < 0 || o->chunk_overlap >= o->chunk_tokens / 2)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: chunk_overlap must be "
				    "between 0 and chunk_tokens/2 - 1, got %d",
				    o->chunk_overlap);
	return 0;
}

int mgen__rag_new(const char *path, const mgen_rag_options *opt,
		  const mgen__rag_ops *ops, mgen_rag **out, mgen_err *err)
{
	static const mgen_rag_options dflt = MGEN_RAG_OPTIONS_INIT;
	mgen_rag *r;
	int rc;

	*out = NULL;
	if (opt == NULL)
		opt = &dflt;
	if ((rc = check_options(opt, err)) != 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->path = mgen__strdup(path)) == NULL) {
		free(r);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	r->opt = *opt;
	r->ops = ops;
	*out = r;
	return 0;
}

void mgen_rag_close(mgen_rag *r)
{
	if (r == NULL)
		return;
	if (r->ops && r->ops->close)
		r->ops->close(r);
	mgen__rag_vec_forget(r);
	free(r->path);
	free(r);
}

const char *mgen_rag_name(const mgen_rag *r)
{
	return r->path;
}

int mgen__rag_check_top_k(size_t top_k, mgen_err *err)
{
	if (top_k < 1 || top_k > 10000)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: top_k must be between "
				    "1 and 10000, got %zu",
				    top_k);
	return 0;
}

int mgen__rag_find_doc(mgen_rag *r, const char *path, long long *id,
		       char hash[65], mgen_err *err)
{
	return r->ops->find_doc(r, path, id, hash, err);
}

int mgen__rag_store_doc(mgen_rag *r, const char *path, long long old,
			const char *hash, long long mtime, size_t bytes,
			const mgen__rag_chunks *c, mgen_err *err)
{
	int rc = r->ops->store_doc(r, path, old, hash, mtime, bytes, c, err);

	mgen__rag_vec_forget(r);
	return rc;
}

int mgen_rag_remove(mgen_rag *r, const char *path, long long *removed,
		    mgen_err *err)
{
	char hash[65];
	long long id = 0;
	int found = mgen__rag_find_doc(r, path, &id, hash, err), rc;

	*removed = 0;
	if (found <= 0)
		return found;
	mgen__rag_vec_forget(r);
	rc = r->ops->drop_doc(r, id, err);
	if (rc == 0)
		*removed = 1;
	return rc;
}

/* The ids of the documents whose files are gone. */
typedef struct gone_ids {
	long long *v;
	size_t n, cap;
} gone_ids;

static int note_gone(void *ud, long long id, const char *path)
{
	gone_ids *g = ud;
	struct stat sb;

	if (path[0] != '/' || stat(path, &sb) == 0 || errno != ENOENT)
		return 0; /* a key that is no file name is kept */
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		long long *v = realloc(g->v, cap * sizeof(*v));
		if (v == NULL)
			return MGEN_ENOMEM;
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = id;
	return 0;
}

int mgen_rag_prune(mgen_rag *r, long long *removed, mgen_err *err)
{
	gone_ids g = {NULL, 0, 0};
	size_t i;
	int rc;

	*removed = 0;
	rc = r->ops->list_docs(r, note_gone, &g, err);
	if (g.n > 0)
		mgen__rag_vec_forget(r);
	for (i = 0; i < g.n && rc == 0; i++)
		rc = r->ops->drop_doc(r, g.v[i], err);
	if (rc == 0)
		*removed = (long long)g.n;
	free(g.v);
	return rc;
}

int mgen_rag_stats_get(mgen_rag *r, mgen_rag_stats *st, mgen_err *err)
{
	memset(st, 0, sizeof(*st));
	return r->ops->stats(r, st, err);
}

int mgen_rag_search(mgen_rag *r, const char *query, size_t top_k,
		    mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mgen__rag_check_top_k(top_k, err)) != 0)
		return rc;
	return r->ops->search(r, query, top_k, out, n, err);
}

int mgen_rag_glossary_lookup(mgen_rag *r, const char *term, size_t max,
			     mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	*out = NULL;
	*n = 0;
	if (max == 0 || term == NULL)
		return 0;
	return r->ops->glossary(r, term, max, out, n, err);
}
