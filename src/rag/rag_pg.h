/*
 * rag_pg.h - the PostgreSQL store (rag_pg.c, rag_pg_vec.c) and the SQL
 * texts it runs (rag_pg_sql.c, golden-tested in tests/unit/test_rag_pg.c).
 *
 * The store lives in one schema (rag.schema, default "metagen_rag"),
 * quoted by the dialect's identifier rule wherever it appears; every
 * value is a bound parameter (include/metagen/wh_query.h).
 */
#ifndef METAGEN_RAG_PG_H
#define METAGEN_RAG_PG_H

#include "metagen/buf.h"
#include "metagen/wh_query.h"
#include "rag/rag_store.h"

/* The schema version a store records in rag_meta ('format'); another
 * value is refused, never written over. */
#define MGEN__RAG_PG_FORMAT "metagen-rag-pg-1"

/* The text search configuration of to_tsvector and plainto_tsquery
 * (Snowball English stemming, PostgreSQL's english stop words). */
#define MGEN__RAG_PG_TSCONFIG "english"

/* The statements of the store, by name. */
typedef enum mgen__rag_pg_stmt {
	MGEN__PG_LOCK_SCHEMA = 0, /* advisory lock for schema DDL */
	MGEN__PG_CREATE_SCHEMA,
	MGEN__PG_CREATE_META,
	MGEN__PG_CREATE_DOCUMENTS,
	MGEN__PG_CREATE_CHUNKS,
	MGEN__PG_INDEX_DOC,
	MGEN__PG_INDEX_TSV,
	MGEN__PG_INDEX_TERM,
	MGEN__PG_INIT_FORMAT,
	MGEN__PG_INIT_GENERATION,
	MGEN__PG_META_GET,
	MGEN__PG_META_PUT,
	MGEN__PG_BUMP_GENERATION,
	MGEN__PG_HAS_STORE, /* 1 row: the meta table's regclass or NULL */
	MGEN__PG_LOCK_DOC,  /* advisory lock of one document path */
	MGEN__PG_FIND_DOC,
	MGEN__PG_INSERT_DOC,
	MGEN__PG_INSERT_CHUNK,
	MGEN__PG_DROP_DOC,
	MGEN__PG_LIST_DOCS,
	MGEN__PG_STATS,
	MGEN__PG_SIZE,
	MGEN__PG_GLOSSARY,
	MGEN__PG_FETCH,
	MGEN__PG_HAS_PGVECTOR,	     /* installed in this database */
	MGEN__PG_PGVECTOR_AVAILABLE, /* can be installed */
	MGEN__PG_CREATE_PGVECTOR,
	MGEN__PG_COUNT_VECTORS,
	MGEN__PG_PENDING,
	MGEN__PG_PENDING_ALL, /* before the vector table exists */
	MGEN__PG_INSERT_REAL,
	MGEN__PG_INSERT_PGVECTOR,
	MGEN__PG_LOAD_VECTORS,
	MGEN__PG_DENSE_PGVECTOR,
	MGEN__PG_NSTMT
} mgen__rag_pg_stmt;

/* Appends statement `which` with every "$S" of its text replaced by
 * `schema` quoted as a PostgreSQL identifier. 0 or MGEN_ENOMEM. */
int mgen__rag_pg_sql(mgen__rag_pg_stmt which, const char *schema,
		     mgen_buf *out);

/* The vector table of a store whose vectors are `dim` floats: pgvector's
 * vector(dim) column when `pgvector`, else real[]. */
int mgen__rag_pg_vector_table_sql(const char *schema, int pgvector, int dim,
				  mgen_buf *out);

/*
 * The full-text search of `nwords` words (1..MGEN__RAG_QUERY_WORDS),
 * each bound to its own plainto_tsquery (a stop word gives an empty
 * query, left out by numnode), then the limit. Score of a chunk: the sum
 * over the words it matches of idf(w) * ts_rank(weights {D 0.1, C 0.2,
 * B 0.5, A 1.0}: title A, text B; normalisation 1: divided by 1 + log
 * of the chunk's length), idf(w) = ln(1 + (N - df + 0.5) / (df + 0.5))
 * (BM25's, as Lucene computes it; N the chunks, df those the GIN index
 * finds for w, counted at query time in the same pass that ranks them).
 * Ties to the lower id.
 */
int mgen__rag_pg_search_sql(const char *schema, size_t nwords, mgen_buf *out);

/* A vector as the text input of real[] ("{f,f,...}") or pgvector's
 * vector ("[f,f,...]"), each float as %.9g (float32 round-trips). */
int mgen__rag_pg_vector_text(const float *v, int dim, int pgvector,
			     mgen_buf *out);

/* Parses real[] or vector text of exactly `dim` floats into v.
 * 0 or MGEN_EPARSE. */
int mgen__rag_pg_parse_vector(const char *s, int dim, float *v);

/* The PostgreSQL store's interface (rag_pg.c). */
extern const mgen__rag_ops mgen__rag_pg_ops;

/* The store's connection state. */
struct mgen__rag_pg {
	mgen_wh *wh;
	char *schema;
	long long loaded_gen; /* rag_meta generation of r->vec */
	int pgvector;	      /* vectors in a pgvector column (the SQL
				 ranks), else real[] ranked in memory */
};

/* Runs statement `which` with `n` parameters; *rows as
 * mgen_wh_query_params (NULL `rows`: not read). Errors name the store. */
int mgen__rag_pg_run(mgen_rag *r, mgen__rag_pg_stmt which, const char *what,
		     const char *const *params, size_t n, mgen_wh_rows **rows,
		     mgen_err *err);

/* Runs a statement whose text is in `sql` (released after). */
int mgen__rag_pg_run_sql(mgen_rag *r, mgen_buf *sql, const char *what,
			 const char *const *params, size_t n,
			 mgen_wh_rows **rows, mgen_err *err);

/* The first column of the first row of `which` as a number (`dflt`
 * when there is no row or it is NULL). */
int mgen__rag_pg_number(mgen_rag *r, mgen__rag_pg_stmt which,
			const char *const *params, size_t n, long long dflt,
			long long *out, mgen_err *err);

/* Begins a transaction; mgen__rag_pg_end commits when rc is 0, else
 * rolls back, and returns rc (or the commit's error). */
int mgen__rag_pg_begin(mgen_rag *r, mgen_err *err);
int mgen__rag_pg_end(mgen_rag *r, int rc, mgen_err *err);

/* The document parts of the interface (rag_pg_docs.c). store_doc
 * returns 1 when the same content was there already (written by another
 * process meanwhile): nothing written. */
int mgen__rag_pg_find_doc(mgen_rag *r, const char *path, long long *id,
			  char hash[65], mgen_err *err);
int mgen__rag_pg_store_doc(mgen_rag *r, const char *path, long long old,
			   const char *hash, long long mtime, size_t bytes,
			   const struct mgen__rag_chunks *c, mgen_err *err);
int mgen__rag_pg_drop_doc(mgen_rag *r, long long id, mgen_err *err);
int mgen__rag_pg_list_docs(mgen_rag *r, mgen__rag_doc_fn fn, void *ud,
			   mgen_err *err);
int mgen__rag_pg_stats(mgen_rag *r, mgen_rag_stats *st, mgen_err *err);

/* The search parts (rag_pg_search.c). */
int mgen__rag_pg_search(mgen_rag *r, const char *query, size_t top_k,
			mgen_rag_hit **out, size_t *n, mgen_err *err);
int mgen__rag_pg_glossary(mgen_rag *r, const char *term, size_t max,
			  mgen_rag_hit **out, size_t *n, mgen_err *err);
int mgen__rag_pg_fetch(mgen_rag *r, const mgen__rag_scored *s, size_t m,
		       mgen_rag_hit **out, size_t *n, mgen_err *err);

/* The vector parts of the interface (rag_pg_vec.c). */
int mgen__rag_pg_meta_get(mgen_rag *r, const char *key, char **out,
			  mgen_err *err);
long long mgen__rag_pg_count_vectors(mgen_rag *r, mgen_err *err);
int mgen__rag_pg_pending(mgen_rag *r, long long *ids, char **texts, size_t max,
			 size_t *n, mgen_err *err);
int mgen__rag_pg_store_vectors(mgen_rag *r, const long long *ids, float *v,
			       size_t n, int dim, mgen_err *err);
int mgen__rag_pg_dense_prepare(mgen_rag *r, long long *count, mgen_err *err);
int mgen__rag_pg_dense(mgen_rag *r, const float *q, size_t k,
		       mgen__rag_scored *out, size_t *m, mgen_err *err);

#endif
