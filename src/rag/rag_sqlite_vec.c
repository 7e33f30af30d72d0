/*
 * rag_sqlite_vec.c - the SQLite store's part of dense retrieval (the
 * store interface, rag_store.h): rag_meta, the chunks without a vector,
 * writing vectors (chunk_vectors: id, dim float32 in the host's byte
 * order), reading them into memory for exact search (again after any
 * commit: PRAGMA data_version) and the hits of ranked ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/util.h"

/* Most vector bytes read into memory for exact search (4 GiB: e.g.
 * 2.8 million 384-d or 700,000 1536-d vectors). */
#define MAX_VECTOR_BYTES ((double)4 * 1024 * 1024 * 1024)

/* rag_meta's value of `key` (owned) into *out, NULL when unset. */
int mgen__rag_sqlite_meta_get(mgen_rag *r, const char *key, char **out,
			      mgen_err *err)
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

int mgen__rag_sqlite_pending(mgen_rag *r, long long *ids, char **texts,
			     size_t max, size_t *n, mgen_err *err)
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
	sqlite3_bind_int64(st, 1, (long long)max);
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

int mgen__rag_sqlite_store_vectors(mgen_rag *r, const long long *ids, float *v,
				   size_t n, int dim, mgen_err *err)
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
	if ((rc = mgen__rag_stored_dim(r, &r->dim, err)) != 0)
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

long long mgen__rag_sqlite_count_vectors(mgen_rag *r, mgen_err *err)
{
	return count_of(r, "SELECT count(*) FROM chunk_vectors", err);
}

int mgen__rag_sqlite_dense_prepare(mgen_rag *r, long long *count, mgen_err *err)
{
	int rc = load_vectors(r, err);

	*count = rc == 0 ? (long long)r->vec_count : 0;
	return rc;
}
