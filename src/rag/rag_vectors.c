/*
 * rag_vectors.c - dense vectors in the index file (include/metagen/
 * rag.h): embedding the chunks that have none through an attached
 * embeddings client, loading them for search, and the dense and hybrid
 * search modes.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/util.h"

#define EMBED_GROUP 256 /* chunks per transaction of embed_pending */
#define RRF_K 60.0
#define FUSION_DEPTH 100
/* Most vector bytes read into memory for exact search (4 GiB: e.g.
 * 2.8 million 384-d or 700,000 1536-d vectors). */
#define MAX_VECTOR_BYTES ((double)4 * 1024 * 1024 * 1024)

void mgen__rag_vec_forget(mgen_rag *r)
{
	free(r->vec_ids);
	free(r->vec);
	r->vec_ids = NULL;
	r->vec = NULL;
	r->vec_count = 0;
	r->vec_loaded = 0;
}

int mgen_rag_mode_parse(const char *name)
{
	static const char *const names[] = {"bm25", "dense", "hybrid", "auto"};
	int i;

	for (i = 0; name && i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* rag_meta's value of `key` (owned) into *out, NULL when unset. */
static int meta_get(mgen_rag *r, const char *key, char **out, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int s, rc = 0;

	*out = NULL;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT value FROM rag_meta WHERE key = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    (*out = mgen__strdup((const char *)sqlite3_column_text(st, 0))) ==
		NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	else if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot read");
	sqlite3_finalize(st);
	return rc;
}

static int meta_put(mgen_rag *r, const char *key, const char *value,
		    mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(r->db,
			       "INSERT OR REPLACE INTO rag_meta"
			       " VALUES(?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot write");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot write");
	sqlite3_finalize(st);
	return rc;
}

/* One number of SQL `sql`, or -1 with `err` set. */
static long long count_of(mgen_rag *r, const char *sql, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		mgen__rag_db_err(r, err, "cannot read");
	sqlite3_finalize(st);
	return n;
}

int mgen_rag_set_embedder(mgen_rag *r, struct mgen_lm *lm, size_t batch,
			  mgen_err *err)
{
	char *model = NULL;
	long long n;
	int rc = 0;

	r->lm = NULL;
	if (lm == NULL)
		return 0;
	n = count_of(r, "SELECT count(*) FROM chunk_vectors", err);
	if (n < 0 || (rc = meta_get(r, "embed_model", &model, err)) != 0)
		return n < 0 ? MGEN_EDB : rc;
	if (n > 0 && model && strcmp(model, mgen_lm_model(lm)) != 0)
		rc = mgen_err_set(err, MGEN_ECONFIG,
				  "rag index '%s' holds "
				  "vectors of model '%s', not of '%s' "
				  "(rag.embeddings.model); use another index "
				  "file or remove this one to embed again",
				  r->path, model, mgen_lm_model(lm));
	free(model);
	if (rc == 0) {
		r->lm = lm;
		r->batch = batch ? batch : MGEN_LM_EMBED_BATCH;
	}
	return rc;
}

/* The stored dimension (0 when none yet). */
static int stored_dim(mgen_rag *r, int *dim, mgen_err *err)
{
	char *v = NULL, *end = NULL;
	int rc = meta_get(r, "embed_dim", &v, err);
	long d = v ? strtol(v, &end, 10) : 0;

	*dim = 0;
	if (rc == 0 && v && (*end || d < 1 || d > 65536))
		rc = mgen_err_set(err, MGEN_EDB,
				  "rag index '%s': bad "
				  "embed_dim '%.20s' in rag_meta",
				  r->path, v);
	else if (rc == 0)
		*dim = (int)d;
	free(v);
	return rc;
}

/* Up to EMBED_GROUP chunks without a vector: ids and "title\ntext". */
static int pending_group(mgen_rag *r, long long *ids, char **texts, size_t *n,
			 mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int s, rc = 0;

	*n = 0;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT c.id, f.title, f.text FROM"
			       " chunks c JOIN chunks_fts f ON f.rowid ="
			       " c.id LEFT JOIN chunk_vectors v ON v.id ="
			       " c.id WHERE v.id IS NULL ORDER BY c.id"
			       " LIMIT ?",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	sqlite3_bind_int(st, 1, EMBED_GROUP);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		mgen_buf b = MGEN_BUF_INIT;
		const char *t = (const char *)sqlite3_column_text(st, 1);
		const char *x = (const char *)sqlite3_column_text(st, 2);
		mgen_buf_printf(&b, "%s%s%s", t ? t : "", t && *t ? "\n" : "",
				x ? x : "");
		if ((texts[*n] = mgen_buf_detach(&b)) == NULL) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			break;
		}
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot read");
	sqlite3_finalize(st);
	return rc;
}

/* Normalises and writes `n` vectors, and the model and dimension. */
static int store_vectors(mgen_rag *r, const long long *ids, float *v, size_t n,
			 int dim, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	char d[16];
	size_t i;
	int rc = 0;

	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot begin");
	if (sqlite3_prepare_v2(r->db,
			       "INSERT OR REPLACE INTO chunk_vectors"
			       " VALUES(?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		rc = mgen__rag_db_err(r, err, "cannot write");
	for (i = 0; i < n && rc == 0; i++) {
		float *row = v + i * (size_t)dim;
		mgen__rag_normalize(row, dim);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_blob(st, 2, row, dim * (int)sizeof(float),
				  SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = mgen__rag_db_err(r, err, "cannot write");
	}
	sqlite3_finalize(st);
	snprintf(d, sizeof(d), "%d", dim);
	if (rc == 0)
		rc = meta_put(r, "embed_model", mgen_lm_model(r->lm), err);
	if (rc == 0)
		rc = meta_put(r, "embed_dim", d, err);
	if (sqlite3_exec(r->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
			 NULL) != SQLITE_OK &&
	    rc == 0)
		rc = mgen__rag_db_err(r, err, "cannot commit");
	mgen__rag_vec_forget(r);
	return rc;
}

int mgen_rag_embed_pending(mgen_rag *r, long long *embedded, mgen_err *err)
{
	long long ids[EMBED_GROUP];
	char *texts[EMBED_GROUP];
	float *v = NULL;
	size_t n = 0, i;
	int dim = 0, rc;

	*embedded = 0;
	if (r->lm == NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: no embeddings model "
				    "(rag.embeddings.model) to embed with");
	rc = stored_dim(r, &dim, err);
	while (rc == 0) {
		rc = pending_group(r, ids, texts, &n, err);
		if (rc == 0 && n > 0)
			rc = mgen_lm_embed(r->lm, (const char *const *)texts, n,
					   r->batch, &dim, &v, err);
		if (rc == 0 && n > 0)
			rc = store_vectors(r, ids, v, n, dim, err);
		for (i = 0; i < n; i++)
			free(texts[i]);
		free(v);
		v = NULL;
		if (rc != 0 || n == 0)
			break;
		*embedded += (long long)n;
	}
	return rc;
}

/* PRAGMA data_version: changes when another connection commits. */
static long long data_version(mgen_rag *r)
{
	mgen_err e = MGEN_ERR_INIT;
	return count_of(r, "PRAGMA data_version", &e);
}

/* Reads every vector into memory (again when the file changed). */
static int load_vectors(mgen_rag *r, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	long long n, ver = data_version(r);
	size_t k = 0;
	int rc, s;

	if (r->vec_loaded && ver == r->vec_version)
		return 0;
	mgen__rag_vec_forget(r);
	if ((rc = stored_dim(r, &r->dim, err)) != 0)
		return rc;
	n = count_of(r, "SELECT count(*) FROM chunk_vectors", err);
	if (n < 0)
		return MGEN_EDB;
	if ((double)n * r->dim * sizeof(float) > MAX_VECTOR_BYTES)
		return mgen_err_set(err, MGEN_ELIMIT,
				    "rag index '%s': %lld "
				    "vectors of %d floats are more than the "
				    "4 GiB exact search reads into memory",
				    r->path, n, r->dim);
	r->vec_ids = malloc(((size_t)n + 1) * sizeof(long long));
	r->vec = malloc(((size_t)n + 1) * (size_t)(r->dim + 1) * sizeof(float));
	if (r->vec_ids == NULL || r->vec == NULL)
		return mgen_err_set(err, MGEN_ENOMEM,
				    "out of memory loading %lld "
				    "vectors",
				    n);
	if (sqlite3_prepare_v2(r->db,
			       "SELECT id, v FROM chunk_vectors ORDER BY"
			       " id",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	while (rc == 0 && (size_t)k < (size_t)n &&
	       (s = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != r->dim * (int)sizeof(float))
			rc = mgen_err_set(err, MGEN_EDB,
					  "rag index '%s': the "
					  "vector of chunk %lld is not %d "
					  "floats",
					  r->path, sqlite3_column_int64(st, 0),
					  r->dim);
		else
			memcpy(r->vec + k * (size_t)r->dim,
			       sqlite3_column_blob(st, 1),
			       (size_t)r->dim * sizeof(float));
		r->vec_ids[k++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	r->vec_count = rc == 0 ? k : 0;
	r->vec_loaded = rc == 0;
	r->vec_version = ver;
	return rc;
}

int mgen__rag_fetch_hits(mgen_rag *r, const mgen__rag_scored *s, size_t m,
			 mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	mgen_rag_hit *h = calloc(m ? m : 1, sizeof(*h)), *one = NULL;
	size_t i, k = 0, got;
	int rc = 0;

	if (h == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(r->db,
			       "SELECT c.id, ?2, x.title, x.text, c.ref,"
			       " c.glossary, c.tokens, d.path FROM chunks"
			       " c JOIN chunks_fts x ON x.rowid = c.id"
			       " JOIN documents d ON d.id = c.doc WHERE"
			       " c.id = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		rc = mgen__rag_db_err(r, err, "cannot search");
	for (i = 0; i < m && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, s[i].id);
		sqlite3_bind_double(st, 2, s[i].score);
		rc = mgen__rag_collect(r, st, 1, &one, &got, err);
		if (rc == 0 && got == 1)
			h[k++] = one[0];
		free(one); /* its strings moved into h */
		one = NULL;
	}
	sqlite3_finalize(st);
	if (rc != 0 || k == 0) {
		mgen_rag_hits_free(h, k);
		h = NULL;
		k = 0;
	}
	*out = h;
	*n = k;
	return rc;
}

/* The ids of the BM25 hits of `q`, at most `depth`. */
static int bm25_ids(mgen_rag *r, const char *q, size_t depth, long long **ids,
		    size_t *n, mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	size_t i;
	int rc = mgen_rag_search(r, q, depth, &h, n, err);

	*ids = malloc((*n + 1) * sizeof(**ids));
	if (rc == 0 && *ids == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < *n; i++)
		(*ids)[i] = h[i].id;
	mgen_rag_hits_free(h, *n);
	return rc;
}

/* Dense (and, when `hybrid`, fused) ranking of `q` into s[0..*m). */
static int dense_rank(mgen_rag *r, const char *q, int hybrid, size_t top_k,
		      mgen__rag_scored *s, size_t *m, mgen_err *err)
{
	size_t depth = hybrid && top_k < FUSION_DEPTH ? FUSION_DEPTH : top_k;
	long long *dense = NULL, *bm = NULL;
	float *qv = NULL;
	size_t nb = 0, i;
	int dim = r->dim, rc;

	rc = mgen_lm_embed(r->lm, &q, 1, 1, &dim, &qv, err);
	if (rc != 0)
		return rc;
	mgen__rag_normalize(qv, dim);
	*m =
	    mgen__rag_topk(r->vec, r->vec_ids, r->vec_count, dim, qv, depth, s);
	free(qv);
	if (!hybrid)
		return 0;
	dense = malloc((*m + 1) * sizeof(*dense));
	if (dense == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; i < *m; i++)
		dense[i] = s[i].id;
	rc = bm25_ids(r, q, depth, &bm, &nb, err);
	if (rc == 0) {
		*m = mgen__rag_rrf(bm, nb, dense, *m, RRF_K, top_k, s);
		if (*m == (size_t)-1)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	free(dense);
	free(bm);
	return rc;
}

/* 1 when `q` has a letter, digit or byte >= 0x80 (a word to match). */
static int has_word(const char *q)
{
	for (; *q; q++)
		if ((*q >= '0' && *q <= '9') ||
		    ((*q | 32) >= 'a' && (*q | 32) <= 'z') ||
		    (unsigned char)*q >= 0x80)
			return 1;
	return 0;
}

int mgen_rag_search_mode(mgen_rag *r, const char *query, mgen_rag_mode mode,
			 size_t top_k, mgen_rag_hit **out, size_t *n,
			 mgen_err *err)
{
	mgen__rag_scored *s = NULL;
	size_t m = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (mode == MGEN_RAG_AUTO) {
		long long nv = r->lm ? count_of(r,
						"SELECT count(*) FROM"
						" chunk_vectors",
						err)
				     : 0;
		if (nv < 0)
			return MGEN_EDB;
		mode = nv > 0 ? MGEN_RAG_HYBRID : MGEN_RAG_BM25;
	}
	if (mode == MGEN_RAG_BM25)
		return mgen_rag_search(r, query, top_k, out, n, err);
	if (top_k < 1 || top_k > 10000)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: top_k must be between "
				    "1 and 10000, got %zu",
				    top_k);
	if (r->lm == NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: %s search needs an "
				    "embeddings model (rag.embeddings.model)",
				    mode == MGEN_RAG_DENSE ? "dense"
							   : "hybrid");
	if ((rc = load_vectors(r, err)) != 0)
		return rc;
	if (r->vec_count == 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag index '%s' has no "
				    "vectors yet (metagen index add with "
				    "rag.embeddings.model set embeds it)",
				    r->path);
	if (query == NULL || !has_word(query))
		return 0; /* no word: no hits, as in BM25 */
	s = malloc((top_k < FUSION_DEPTH ? FUSION_DEPTH : top_k) * sizeof(*s));
	if (s == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = dense_rank(r, query, mode == MGEN_RAG_HYBRID, top_k, s, &m, err);
	if (rc == 0)
		rc = mgen__rag_fetch_hits(r, s, m < top_k ? m : top_k, out, n,
					  err);
	free(s);
	return rc;
}

int mgen_rag_evaluate_mode(mgen_rag *r, mgen_rag_mode mode, const char *queries,
			   const char *qrels, mgen_rag_eval *out, mgen_err *err)
{
	mgen_rag_mode saved = r->eval_mode;
	int rc;

	r->eval_mode = mode;
	rc = mgen_rag_evaluate(r, queries, qrels, out, err);
	r->eval_mode = saved;
	return rc;
}
