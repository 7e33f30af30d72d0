/*
 * rag_pg_vec.c - dense vectors in the PostgreSQL store (rag_pg.h).
 *
 * The vector table is created by the first write of vectors, when their
 * dimension is known: with the pgvector extension installed in the
 * database (pg_extension; or installable, pg_available_extensions, and
 * CREATE EXTENSION allowed), a vector(dim) column that the server ranks
 * with <#> (negative inner product = -cosine of normalised vectors)
 * ORDER BY ... LIMIT k, an exact scan (no approximate index is made); else
 * a real[] column whose vectors are read into memory and ranked exactly
 * here, as the SQLite store does (again after any write: rag_meta's
 * generation moved). The choice is kept in rag_meta (embed_type) and
 * never changes for a store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "rag/rag_internal.h"
#include "rag/rag_pg.h"
#include "util/util.h"

/* Most vector bytes read into memory for exact search. */
#define MAX_VECTOR_BYTES ((double)4 * 1024 * 1024 * 1024)

int mgen__rag_pg_meta_get(mgen_rag *r, const char *key, char **out,
			  mgen_err *err)
{
	mgen_wh_rows *rows = NULL;
	const char *p[1] = {key};
	int rc = mgen__rag_pg_run(r, MGEN__PG_META_GET, "cannot read", p, 1,
				  &rows, err);

	*out = NULL;
	if (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1)
		rc = mgen_wh_rows_text(rows, 0, out, err);
	mgen_wh_rows_free(rows);
	return rc < 0 ? rc : 0;
}

static int meta_put(mgen_rag *r, const char *key, const char *value,
		    mgen_err *err)
{
	const char *p[2] = {key, value};
	return mgen__rag_pg_run(r, MGEN__PG_META_PUT, "cannot write", p, 2,
				NULL, err);
}

long long mgen__rag_pg_count_vectors(mgen_rag *r, mgen_err *err)
{
	long long n = 0;
	int dim = 0;

	if (mgen__rag_stored_dim(r, &dim, err) != 0)
		return -1;
	if (dim == 0)
		return 0; /* no vector table yet */
	if (mgen__rag_pg_number(r, MGEN__PG_COUNT_VECTORS, NULL, 0, 0, &n,
				err) != 0)
		return -1;
	return n;
}

int mgen__rag_pg_pending(mgen_rag *r, long long *ids, char **texts, size_t max,
			 size_t *n, mgen_err *err)
{
	mgen_wh_rows *rows = NULL;
	char lim[24];
	const char *p[1] = {lim};
	int dim = 0, rc = mgen__rag_stored_dim(r, &dim, err);

	*n = 0;
	snprintf(lim, sizeof(lim), "%zu", max);
	if (rc == 0)
		rc = mgen__rag_pg_run(
		    r, dim ? MGEN__PG_PENDING : MGEN__PG_PENDING_ALL,
		    "cannot read", p, 1, &rows, err);
	while (rc == 0 && *n < max &&
	       (rc = mgen_wh_rows_next(rows, err)) == 1) {
		char *c[3] = {NULL, NULL, NULL};
		mgen_buf b = MGEN_BUF_INIT;
		int i;
		for (rc = 0, i = 0; i < 3 && rc == 0; i++)
			rc = mgen_wh_rows_text(rows, i, &c[i], err);
		if (rc == 0) {
			mgen_buf_printf(&b, "%s%s%s", c[1] ? c[1] : "",
					c[1] && c[1][0] ? "\n" : "",
					c[2] ? c[2] : "");
			ids[*n] = c[0] ? strtoll(c[0], NULL, 10) : 0;
			if ((texts[*n] = mgen_buf_detach(&b)) == NULL)
				rc = mgen_err_set(err, MGEN_ENOMEM,
						  "out of memory");
			else
				(*n)++;
		}
		mgen_buf_release(&b);
		for (i = 0; i < 3; i++)
			free(c[i]);
	}
	mgen_wh_rows_free(rows);
	if (rc < 0) {
		while (*n > 0)
			free(texts[--*n]);
		return rc;
	}
	return 0;
}

/* 1 when pgvector is installed in the database (installed now when it
 * is available and this role may); 0 otherwise. */
static int want_pgvector(mgen_rag *r, mgen_err *err)
{
	mgen_err ignored = MGEN_ERR_INIT;
	long long n = 0;

	if (mgen__rag_pg_number(r, MGEN__PG_HAS_PGVECTOR, NULL, 0, 0, &n,
				err) != 0)
		return MGEN_EDB;
	if (n > 0)
		return 1;
	if (mgen__rag_pg_number(r, MGEN__PG_PGVECTOR_AVAILABLE, NULL, 0, 0, &n,
				err) != 0)
		return MGEN_EDB;
	if (n == 0)
		return 0;
	/* outside any transaction: a refusal (no privilege) only means
	 * real[] vectors */
	return mgen__rag_pg_run(r, MGEN__PG_CREATE_PGVECTOR,
				"cannot create extension", NULL, 0, NULL,
				&ignored) == 0;
}

/* Under the store's lock: creates the vector table of `dim` floats
 * when there is none (type `pgv`), checks the dimension when there is
 * one, and records model, dimension and type. */
static int vector_table(mgen_rag *r, int dim, int pgv, mgen_err *err)
{
	mgen_buf sql = MGEN_BUF_INIT;
	char d[16];
	int have = 0, rc;

	rc = mgen__rag_stored_dim(r, &have, err);
	if (rc == 0 && have != 0 && have != dim)
		rc = mgen_err_set(err, MGEN_EPARSE,
				  "rag store '%s' holds vectors of %d "
				  "numbers, the model gave %d",
				  r->path, have, dim);
	if (rc != 0 || have != 0)
		return rc;
	snprintf(d, sizeof(d), "%d", dim);
	if (mgen__rag_pg_vector_table_sql(r->pg->schema, pgv, dim, &sql) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = mgen__rag_pg_run_sql(r, &sql, "cannot create the vector table",
				  NULL, 0, NULL, err);
	if (rc == 0)
		rc =
		    meta_put(r, "embed_type", pgv ? "pgvector" : "real[]", err);
	if (rc == 0)
		rc = meta_put(r, "embed_dim", d, err);
	return rc;
}

/* The vectors, normalised, one INSERT each. */
static int insert_vectors(mgen_rag *r, const long long *ids, float *v, size_t n,
			  int dim, int pgv, mgen_err *err)
{
	mgen_buf text = MGEN_BUF_INIT;
	char id[24];
	const char *p[2];
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		float *row = v + i * (size_t)dim;
		mgen__rag_normalize(row, dim);
		mgen_buf_reset(&text);
		snprintf(id, sizeof(id), "%lld", ids[i]);
		if (mgen__rag_pg_vector_text(row, dim, pgv, &text) != 0) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			break;
		}
		p[0] = mgen_buf_str(&text);
		p[1] = id;
		rc = mgen__rag_pg_run(
		    r, pgv ? MGEN__PG_INSERT_PGVECTOR : MGEN__PG_INSERT_REAL,
		    "cannot write", p, 2, NULL, err);
	}
	mgen_buf_release(&text);
	return rc;
}

/* The store's embed_type: 1 pgvector, 0 real[] (or none yet). */
static int stored_type(mgen_rag *r, int *pgv, mgen_err *err)
{
	char *t = NULL;
	int rc = mgen__rag_pg_meta_get(r, "embed_type", &t, err);

	*pgv = t && strcmp(t, "pgvector") == 0;
	free(t);
	return rc;
}

int mgen__rag_pg_store_vectors(mgen_rag *r, const long long *ids, float *v,
			       size_t n, int dim, mgen_err *err)
{
	mgen_buf k = MGEN_BUF_INIT;
	const char *p[1];
	int have = 0, pgv = 0, rc;

	rc = mgen__rag_stored_dim(r, &have, err);
	if (rc == 0 && have == 0 && (pgv = want_pgvector(r, err)) < 0)
		rc = pgv;
	mgen_buf_printf(&k, "metagen-rag:%s", r->pg->schema);
	if (rc == 0 && mgen_buf_error(&k))
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = mgen__rag_pg_begin(r, err);
	if (rc != 0) {
		mgen_buf_release(&k);
		return rc;
	}
	p[0] = mgen_buf_str(&k);
	rc = mgen__rag_pg_run(r, MGEN__PG_LOCK_SCHEMA, "cannot lock", p, 1,
			      NULL, err);
	if (rc == 0)
		rc = vector_table(r, dim, pgv, err);
	if (rc == 0)
		rc = stored_type(r, &pgv, err);
	if (rc == 0)
		rc = insert_vectors(r, ids, v, n, dim, pgv, err);
	if (rc == 0)
		rc = meta_put(r, "embed_model", mgen_lm_model(r->lm), err);
	if (rc == 0)
		rc = mgen__rag_pg_run(r, MGEN__PG_BUMP_GENERATION,
				      "cannot write", NULL, 0, NULL, err);
	mgen_buf_release(&k);
	return mgen__rag_pg_end(r, rc, err);
}

/* Appends one loaded row to r->vec (grown as needed). */
static int keep_row(mgen_rag *r, size_t *cap, const char *id, const char *v,
		    mgen_err *err)
{
	if (r->vec_count == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		long long *ni;
		float *nv;
		if ((double)nc * r->dim * sizeof(float) > MAX_VECTOR_BYTES)
			return mgen_err_set(err, MGEN_ELIMIT,
					    "rag store '%s': more vectors "
					    "than the 4 GiB exact search reads "
					    "into memory",
					    r->path);
		ni = realloc(r->vec_ids, nc * sizeof(*ni));
		if (ni)
			r->vec_ids = ni;
		nv = ni ? realloc(r->vec, nc * (size_t)r->dim * sizeof(*nv))
			: NULL;
		if (nv == NULL)
			return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		r->vec = nv;
		*cap = nc;
	}
	if (mgen__rag_pg_parse_vector(v, r->dim,
				      r->vec + r->vec_count * (size_t)r->dim))
		return mgen_err_set(err, MGEN_EDB,
				    "rag store '%s': the vector of chunk %.20s "
				    "is not %d numbers",
				    r->path, id, r->dim);
	r->vec_ids[r->vec_count++] = strtoll(id, NULL, 10);
	return 0;
}

/* Reads every real[] vector into memory. */
static int load_vectors(mgen_rag *r, mgen_err *err)
{
	mgen_wh_rows *rows = NULL;
	size_t cap = 0;
	int rc = mgen__rag_pg_run(r, MGEN__PG_LOAD_VECTORS, "cannot read", NULL,
				  0, &rows, err);

	while (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1) {
		char *id = NULL, *v = NULL;
		rc = mgen_wh_rows_text(rows, 0, &id, err);
		if (rc == 0)
			rc = mgen_wh_rows_text(rows, 1, &v, err);
		if (rc == 0)
			rc = keep_row(r, &cap, id ? id : "0", v, err);
		free(id);
		free(v);
	}
	mgen_wh_rows_free(rows);
	return rc < 0 ? rc : 0;
}

int mgen__rag_pg_dense_prepare(mgen_rag *r, long long *count, mgen_err *err)
{
	long long gen = 0;
	char *g = NULL;
	int dim = 0, rc;

	*count = 0;
	if ((rc = mgen__rag_stored_dim(r, &dim, err)) != 0 || dim == 0)
		return rc;
	if ((rc = stored_type(r, &r->pg->pgvector, err)) != 0)
		return rc;
	if (r->pg->pgvector) {
		r->dim = dim;
		*count = mgen__rag_pg_count_vectors(r, err);
		return *count < 0 ? MGEN_EDB : 0;
	}
	if ((rc = mgen__rag_pg_meta_get(r, "generation", &g, err)) != 0)
		return rc;
	gen = g ? strtoll(g, NULL, 10) : 0;
	free(g);
	if (!r->vec_loaded || gen != r->pg->loaded_gen || dim != r->dim) {
		mgen__rag_vec_forget(r);
		r->dim = dim;
		rc = load_vectors(r, err);
		r->vec_loaded = rc == 0;
		r->pg->loaded_gen = gen;
	}
	*count = (long long)r->vec_count;
	return rc;
}

/* pgvector's ranking of `q` by the server. */
static int dense_pgvector(mgen_rag *r, const float *q, size_t k,
			  mgen__rag_scored *out, size_t *m, mgen_err *err)
{
	mgen_buf text = MGEN_BUF_INIT;
	mgen_wh_rows *rows = NULL;
	char lim[24];
	const char *p[3];
	int rc;

	*m = 0;
	snprintf(lim, sizeof(lim), "%zu", k);
	if (mgen__rag_pg_vector_text(q, r->dim, 1, &text) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	p[0] = p[1] = mgen_buf_str(&text);
	p[2] = lim;
	rc = mgen__rag_pg_run(r, MGEN__PG_DENSE_PGVECTOR, "cannot search", p, 3,
			      &rows, err);
	while (rc == 0 && *m < k && (rc = mgen_wh_rows_next(rows, err)) == 1) {
		char *id = NULL, *s = NULL;
		rc = mgen_wh_rows_text(rows, 0, &id, err);
		if (rc == 0)
			rc = mgen_wh_rows_text(rows, 1, &s, err);
		if (rc == 0) {
			out[*m].id = id ? strtoll(id, NULL, 10) : 0;
			out[(*m)++].score = s ? strtod(s, NULL) : 0;
		}
		free(id);
		free(s);
	}
	mgen_wh_rows_free(rows);
	mgen_buf_release(&text);
	return rc < 0 ? rc : 0;
}

int mgen__rag_pg_dense(mgen_rag *r, const float *q, size_t k,
		       mgen__rag_scored *out, size_t *m, mgen_err *err)
{
	if (r->pg->pgvector)
		return dense_pgvector(r, q, k, out, m, err);
	return mgen__rag_dense_memory(r, q, k, out, m, err);
}
