/*
 * rag_store.h - the index handle, shared by the files of src/rag that
 * talk to its SQLite file.
 */
#ifndef METAGEN_RAG_STORE_H
#define METAGEN_RAG_STORE_H

#include <sqlite3.h>

#include "metagen/rag.h"

struct mgen_rag {
	sqlite3 *db;
	char *path;
	mgen_rag_options opt;
	/* dense retrieval (rag_dense.c) */
	struct mgen_lm *lm;	 /* embeddings client (borrowed) or NULL */
	size_t batch;		 /* texts per embeddings request */
	mgen_rag_mode eval_mode; /* mode of mgen_rag_evaluate's searches */
	long long *vec_ids;	 /* the vectors loaded for search: ids, */
	float *vec;		 /* vec_count x dim floats (normalised), */
	size_t vec_count;
	int dim;
	int vec_loaded;		 /* 0 = load again before the next search */
	long long vec_version;	 /* PRAGMA data_version when loaded */
	struct mgen__bm25 *bm25; /* FTS5's tokenizer, pending postings */
};

/* Rows of `st` (id, score, title, text, ref, glossary, tokens, path),
 * at most `max`, into a new hit array (rag_search.c). */
int mgen__rag_collect(mgen_rag *r, sqlite3_stmt *st, size_t max,
		      mgen_rag_hit **out, size_t *n, mgen_err *err);

/* The hits of the ranked ids s[0..m), in order, with their scores
 * (rag_vectors.c). */
struct mgen__rag_scored;
int mgen__rag_fetch_hits(mgen_rag *r, const struct mgen__rag_scored *s,
			 size_t m, mgen_rag_hit **out, size_t *n,
			 mgen_err *err);

/* BM25 ranked by FTS5's bm25() over every matching row (the exhaustive
 * reference of mgen_rag_search: same words, same hits, no pruning;
 * rag_search.c). */
int mgen__rag_search_fts(mgen_rag *r, const char *query, size_t top_k,
			 mgen_rag_hit **out, size_t *n, mgen_err *err);

/* Forgets the loaded vectors (after a write). */
void mgen__rag_vec_forget(mgen_rag *r);

/* What adding one document did. */
typedef struct mgen__rag_added {
	mgen_rag_status status;
	long long chunks, skipped;
} mgen__rag_added;

struct mgen__rag_chunks;

/* The id and hash of document `path`: 1 found, 0 not, <0 error. */
int mgen__rag_find_doc(mgen_rag *r, const char *path, long long *id,
		       char hash[65], mgen_err *err);

/* Replaces document `old` (> 0) or creates document `path` with the
 * chunks `c`, in one transaction. */
int mgen__rag_store_doc(mgen_rag *r, const char *path, long long old,
			const char *hash, long long mtime, size_t bytes,
			const struct mgen__rag_chunks *c, mgen_err *err);

/* Ends the open transaction: COMMIT when rc is 0, else ROLLBACK; returns
 * rc, or MGEN_EDB when the commit fails. */
int mgen__rag_end(mgen_rag *r, int rc, mgen_err *err);

/* Records "rag index 'PATH': WHAT: <sqlite errmsg>"; returns MGEN_EDB. */
int mgen__rag_db_err(mgen_rag *r, mgen_err *err, const char *what);

/* Indexes `len` bytes as document `path` (hash compared first). A binary
 * file is MGEN_EINVAL with res->status = MGEN_RAG_REFUSED. */
int mgen__rag_add(mgen_rag *r, const char *path, const char *data, size_t len,
		  long long mtime, mgen__rag_added *res, mgen_err *err);

#endif
