/*
 * rag_store.h - the index handle and the store interface behind it: the
 * operations a store (the SQLite file: rag_store.c, rag_search.c,
 * rag_sqlite_vec.c; a PostgreSQL server: rag_pg*.c) gives the code that
 * adds, removes, prunes, counts and searches (rag_iface.c,
 * rag_vectors.c, rag_walk.c, rag_entries.c), which never asks which
 * store it talks to.
 */
#ifndef METAGEN_RAG_STORE_H
#define METAGEN_RAG_STORE_H

#include <sqlite3.h>

#include "metagen/rag.h"
#include "rag/rag_internal.h"

struct mgen__rag_ops;
struct mgen__rag_pg;

struct mgen_rag {
	const struct mgen__rag_ops *ops; /* the store behind the handle */
	sqlite3 *db;			 /* SQLite store: the file */
	struct mgen__rag_pg *pg;	 /* PostgreSQL store (rag_pg.c) */
	char *path; /* the file, or the masked connection string */
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
 * (rag_sqlite_vec.c; the SQLite store's fetch). */
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
 * chunks `c`, in one transaction. 1 when another process stored the same
 * content meanwhile (nothing written). */
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

/* A document of the store, for mgen_rag_prune: 0 to go on, else an
 * error code (the walk stops). */
typedef int (*mgen__rag_doc_fn)(void *ud, long long id, const char *path);

/*
 * The store interface. Every operation returns 0 or a negative
 * mgen_error_code with one line in `err` naming the store (r->path).
 * Ids are the store's chunk and document ids (positive int64).
 */
typedef struct mgen__rag_ops {
	const char *kind; /* "sqlite" or "postgresql" */
	/* frees what the store holds (not the handle's common parts) */
	void (*close)(mgen_rag *r);
	/* mgen__rag_find_doc, mgen__rag_store_doc (one transaction; 1 when
	 * the same content is found stored meanwhile: nothing written) */
	int (*find_doc)(mgen_rag *r, const char *path, long long *id,
			char hash[65], mgen_err *err);
	int (*store_doc)(mgen_rag *r, const char *path, long long old,
			 const char *hash, long long mtime, size_t bytes,
			 const struct mgen__rag_chunks *c, mgen_err *err);
	/* drops document `id`, its chunks and their vectors */
	int (*drop_doc)(mgen_rag *r, long long id, mgen_err *err);
	/* calls fn for every document */
	int (*list_docs)(mgen_rag *r, mgen__rag_doc_fn fn, void *ud,
			 mgen_err *err);
	int (*stats)(mgen_rag *r, mgen_rag_stats *st, mgen_err *err);
	/* full-text search and glossary lookup as mgen_rag_search and
	 * mgen_rag_glossary_lookup (argument checks done) */
	int (*search)(mgen_rag *r, const char *query, size_t top_k,
		      mgen_rag_hit **out, size_t *n, mgen_err *err);
	int (*glossary)(mgen_rag *r, const char *term, size_t max,
			mgen_rag_hit **out, size_t *n, mgen_err *err);
	/* rag_meta's value of `key` (owned; NULL when unset) */
	int (*meta_get)(mgen_rag *r, const char *key, char **out,
			mgen_err *err);
	/* number of stored vectors, or -1 with `err` set */
	long long (*count_vectors)(mgen_rag *r, mgen_err *err);
	/* up to `max` chunks without a vector: ids and "title\ntext"
	 * (owned by the caller) */
	int (*pending)(mgen_rag *r, long long *ids, char **texts, size_t max,
		       size_t *n, mgen_err *err);
	/* normalises and writes `n` vectors of `dim` floats, with the
	 * model (mgen_lm_model(r->lm)) and dimension, in one transaction */
	int (*store_vectors)(mgen_rag *r, const long long *ids, float *v,
			     size_t n, int dim, mgen_err *err);
	/* makes the vectors ready for dense searches: r->dim set,
	 * *count the vectors searched */
	int (*dense_prepare)(mgen_rag *r, long long *count, mgen_err *err);
	/* the best `k` chunks by dot product with the normalised `q` (r->dim
	 * floats), score descending then id ascending */
	int (*dense)(mgen_rag *r, const float *q, size_t k,
		     mgen__rag_scored *out, size_t *m, mgen_err *err);
	/* the hits of ranked ids, in order, with their scores */
	int (*fetch)(mgen_rag *r, const mgen__rag_scored *s, size_t m,
		     mgen_rag_hit **out, size_t *n, mgen_err *err);
} mgen__rag_ops;

/* The SQLite store (rag_sqlite_ops.c). */
extern const mgen__rag_ops mgen__rag_sqlite_ops;

/* The handle's common parts (rag_iface.c): a zeroed handle with `path`
 * copied and options checked; freed by mgen_rag_close. */
int mgen__rag_new(const char *path, const mgen_rag_options *opt,
		  const mgen__rag_ops *ops, mgen_rag **out, mgen_err *err);

/* The SQLite parts of the interface (rag_store.c, rag_search.c,
 * rag_sqlite_vec.c). */
int mgen__rag_sqlite_find_doc(mgen_rag *r, const char *path, long long *id,
			      char hash[65], mgen_err *err);
int mgen__rag_sqlite_store_doc(mgen_rag *r, const char *path, long long old,
			       const char *hash, long long mtime, size_t bytes,
			       const struct mgen__rag_chunks *c, mgen_err *err);
int mgen__rag_sqlite_drop_doc(mgen_rag *r, long long id, mgen_err *err);
int mgen__rag_sqlite_list_docs(mgen_rag *r, mgen__rag_doc_fn fn, void *ud,
			       mgen_err *err);
int mgen__rag_sqlite_stats(mgen_rag *r, mgen_rag_stats *st, mgen_err *err);
int mgen__rag_sqlite_search(mgen_rag *r, const char *query, size_t top_k,
			    mgen_rag_hit **out, size_t *n, mgen_err *err);
int mgen__rag_sqlite_glossary(mgen_rag *r, const char *term, size_t max,
			      mgen_rag_hit **out, size_t *n, mgen_err *err);
int mgen__rag_sqlite_meta_get(mgen_rag *r, const char *key, char **out,
			      mgen_err *err);
long long mgen__rag_sqlite_count_vectors(mgen_rag *r, mgen_err *err);
int mgen__rag_sqlite_pending(mgen_rag *r, long long *ids, char **texts,
			     size_t max, size_t *n, mgen_err *err);
int mgen__rag_sqlite_store_vectors(mgen_rag *r, const long long *ids, float *v,
				   size_t n, int dim, mgen_err *err);
int mgen__rag_sqlite_dense_prepare(mgen_rag *r, long long *count,
				   mgen_err *err);
void mgen__rag_sqlite_close(mgen_rag *r);

/* The exact dense ranking both stores use over vectors held in memory
 * (r->vec, r->vec_ids, r->vec_count, r->dim). */
int mgen__rag_dense_memory(mgen_rag *r, const float *q, size_t k,
			   mgen__rag_scored *out, size_t *m, mgen_err *err);

/* The dimension in rag_meta's embed_dim (0 when none yet); MGEN_EDB for
 * a value that is no dimension (rag_vectors.c). */
int mgen__rag_stored_dim(mgen_rag *r, int *dim, mgen_err *err);

/* Checks top_k (1..10000) for the searches; MGEN_EINVAL. */
int mgen__rag_check_top_k(size_t top_k, mgen_err *err);

#endif
