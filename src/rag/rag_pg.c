/*
 * rag_pg.c - the PostgreSQL store (include/metagen/rag.h,
 * mgen_rag_connect): one schema on a server reached through the
 * warehouse's ODBC layer, shared by every metagen process of a team.
 *
 * Tables (rag_pg_sql.c): rag_meta (format, generation, embedding model
 * and dimension), documents, chunks with a generated tsvector (title
 * weight A, text B) under a GIN index, and chunk_vectors once vectors
 * exist. The schema is created when missing, under an advisory lock so
 * two processes starting together do not race; a store of another
 * format is refused. A document is written in one transaction that
 * holds an advisory lock on its path and checks its hash again inside
 * it: two processes adding the same file write it once.
 *
 * Ranking (rag_pg_sql.c, mgen__rag_pg_search_sql) is BM25-like without
 * being FTS5's BM25: each word's ts_rank (its weighted frequency in the
 * chunk, saturating as 1 + 1/4 + 1/9 ..., divided by 1 + log(length))
 * times BM25's idf of the word, summed. FTS5 saturates with k1 = 1.2 and
 * normalises by the length against the average (b = 0.75); stemming is
 * PostgreSQL's english configuration (Snowball) and its stop words, not
 * Porter over unicode61. Words are OR-ed, as in the SQLite store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "metagen/warehouse.h"
#include "rag/rag_internal.h"
#include "rag/rag_pg.h"
#include "util/secret.h"
#include "util/util.h"

int mgen__rag_pg_run_sql(mgen_rag *r, mgen_buf *sql, const char *what,
			 const char *const *params, size_t n,
			 mgen_wh_rows **rows, mgen_err *err)
{
	mgen_buf w = MGEN_BUF_INIT;
	int rc;

	if (rows)
		*rows = NULL;
	mgen_buf_printf(&w, "rag store '%s': %s", r->path, what);
	if (mgen_buf_error(sql) || mgen_buf_error(&w))
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	else if (rows)
		rc = mgen_wh_query_params(r->pg->wh, mgen_buf_str(&w),
					  mgen_buf_str(sql), params, n, rows,
					  err);
	else
		rc = mgen_wh_exec_params(r->pg->wh, mgen_buf_str(&w),
					 mgen_buf_str(sql), params, n, err);
	mgen_buf_release(&w);
	mgen_buf_release(sql);
	return rc;
}

int mgen__rag_pg_run(mgen_rag *r, mgen__rag_pg_stmt which, const char *what,
		     const char *const *params, size_t n, mgen_wh_rows **rows,
		     mgen_err *err)
{
	mgen_buf sql = MGEN_BUF_INIT;

	mgen__rag_pg_sql(which, r->pg->schema, &sql);
	return mgen__rag_pg_run_sql(r, &sql, what, params, n, rows, err);
}

int mgen__rag_pg_number(mgen_rag *r, mgen__rag_pg_stmt which,
			const char *const *params, size_t n, long long dflt,
			long long *out, mgen_err *err)
{
	mgen_wh_rows *rows = NULL;
	char *v = NULL;
	int rc =
	    mgen__rag_pg_run(r, which, "cannot read", params, n, &rows, err);

	*out = dflt;
	if (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1)
		rc = mgen_wh_rows_text(rows, 0, &v, err);
	if (rc >= 0 && v)
		*out = strtoll(v, NULL, 10);
	free(v);
	mgen_wh_rows_free(rows);
	return rc < 0 ? rc : 0;
}

int mgen__rag_pg_begin(mgen_rag *r, mgen_err *err)
{
	if (mgen_wh_begin(r->pg->wh) != 0)
		return mgen_err_set(err, MGEN_EDB, "rag store '%s': %s",
				    r->path, mgen_wh_errmsg(r->pg->wh));
	return 0;
}

int mgen__rag_pg_end(mgen_rag *r, int rc, mgen_err *err)
{
	if (rc == 0) {
		if (mgen_wh_commit(r->pg->wh) != 0)
			rc = mgen_err_set(err, MGEN_EDB, "rag store '%s': %s",
					  r->path, mgen_wh_errmsg(r->pg->wh));
	} else {
		mgen_wh_rollback(r->pg->wh); /* the first error is kept */
	}
	return rc;
}

/* "metagen-rag:SCHEMA", the advisory lock key of the store. */
static int lock_key(mgen_rag *r, mgen_buf *k)
{
	mgen_buf_printf(k, "metagen-rag:%s", r->pg->schema);
	return mgen_buf_error(k) ? MGEN_ENOMEM : 0;
}

/* 1 when the store's tables exist, 0 when not. */
static int has_store(mgen_rag *r, long long *yes, mgen_err *err)
{
	mgen_buf name = MGEN_BUF_INIT;
	const char *p[1];
	int rc;

	mgen_dialect_quote_ident(MGEN_DIALECT_POSTGRESQL, r->pg->schema, &name);
	mgen_buf_puts(&name, ".rag_meta");
	if (mgen_buf_error(&name)) {
		mgen_buf_release(&name);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	p[0] = mgen_buf_str(&name);
	rc = mgen__rag_pg_number(r, MGEN__PG_HAS_STORE, p, 1, 0, yes, err);
	mgen_buf_release(&name);
	return rc;
}

/* Creates what is missing, in one transaction under the store's lock. */
static int create_schema(mgen_rag *r, mgen_err *err)
{
	static const mgen__rag_pg_stmt ddl[] = {
	    MGEN__PG_CREATE_SCHEMA,    MGEN__PG_CREATE_META,
	    MGEN__PG_CREATE_DOCUMENTS, MGEN__PG_CREATE_CHUNKS,
	    MGEN__PG_INDEX_DOC,	       MGEN__PG_INDEX_TSV,
	    MGEN__PG_INDEX_TERM,       MGEN__PG_INIT_GENERATION};
	mgen_buf k = MGEN_BUF_INIT;
	const char *p[1];
	size_t i;
	int rc;

	if (lock_key(r, &k) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	p[0] = mgen_buf_str(&k);
	if ((rc = mgen__rag_pg_begin(r, err)) != 0)
		goto done;
	rc = mgen__rag_pg_run(r, MGEN__PG_LOCK_SCHEMA, "cannot lock", p, 1,
			      NULL, err);
	for (i = 0; rc == 0 && i < sizeof(ddl) / sizeof(ddl[0]); i++)
		rc = mgen__rag_pg_run(r, ddl[i], "cannot create the store",
				      NULL, 0, NULL, err);
	p[0] = MGEN__RAG_PG_FORMAT;
	if (rc == 0)
		rc = mgen__rag_pg_run(r, MGEN__PG_INIT_FORMAT,
				      "cannot create the store", p, 1, NULL,
				      err);
	rc = mgen__rag_pg_end(r, rc, err);
done:
	mgen_buf_release(&k);
	return rc;
}

/* Refuses a store of another format. */
static int check_format(mgen_rag *r, mgen_err *err)
{
	char *v = NULL;
	int rc = mgen__rag_pg_meta_get(r, "format", &v, err);

	if (rc == 0 && (v == NULL || strcmp(v, MGEN__RAG_PG_FORMAT) != 0))
		rc = mgen_err_set(err, MGEN_EDB,
				  "rag store '%s': schema holds format "
				  "'%.40s', not '%s' (use another rag.schema)",
				  r->path, v ? v : "(none)",
				  MGEN__RAG_PG_FORMAT);
	free(v);
	return rc;
}

/* Connects and checks the server is PostgreSQL. */
static int pg_connect(mgen_rag *r, const char *conn, mgen_err *err)
{
	mgen_err e = MGEN_ERR_INIT;
	int rc = mgen_wh_connect(conn, MGEN_DIALECT_AUTO, &r->pg->wh, &e);

	if (rc != 0) /* the message is masked by mgen_wh_connect */
		return mgen_err_set(err, rc, "rag store '%s': %s", r->path,
				    e.msg);
	if (mgen_wh_dialect(r->pg->wh) != MGEN_DIALECT_POSTGRESQL)
		return mgen_err_set(
		    err, MGEN_ECONFIG,
		    "rag store '%s': rag.connection must "
		    "name a PostgreSQL server, not %s",
		    r->path, mgen_dialect_name(mgen_wh_dialect(r->pg->wh)));
	return 0;
}

/* "postgresql:MASKED (schema S)" into *label. */
static int store_label(const char *conn, const char *schema, char **label)
{
	mgen_buf b = MGEN_BUF_INIT;
	char *masked = mgen__mask_secrets(conn);

	mgen_buf_printf(&b, "postgresql:%s (schema %s)", masked ? masked : "",
			schema);
	free(masked);
	*label =
	    mgen_buf_error(&b) || masked == NULL ? NULL : mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return *label ? 0 : MGEN_ENOMEM;
}

int mgen_rag_connect(const char *conn, const char *schema, int create,
		     const mgen_rag_options *opt, mgen_rag **out, mgen_err *err)
{
	mgen_rag *r = NULL;
	char *label = NULL;
	long long yes = 0;
	int rc;

	*out = NULL;
	if (conn == NULL || conn[0] == '\0')
		return mgen_err_set(err, MGEN_ECONFIG,
				    "rag: no rag.connection");
	if (schema == NULL || schema[0] == '\0' || strlen(schema) > 63)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "rag: rag.schema must be 1 to 63 bytes");
	if (store_label(conn, schema, &label) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	rc = mgen__rag_new(label, opt, &mgen__rag_pg_ops, &r, err);
	free(label);
	if (rc != 0)
		return rc;
	r->pg = calloc(1, sizeof(*r->pg));
	if (r->pg == NULL || (r->pg->schema = mgen__strdup(schema)) == NULL) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = pg_connect(r, conn, err)) != 0 ||
	    (rc = has_store(r, &yes, err)) != 0)
		goto fail;
	if (!yes && !create) {
		rc = mgen_err_set(err, MGEN_ENOTFOUND,
				  "rag store '%s': no store yet (metagen "
				  "index add creates it)",
				  r->path);
		goto fail;
	}
	if (!yes && (rc = create_schema(r, err)) != 0)
		goto fail;
	if ((rc = check_format(r, err)) != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	mgen_rag_close(r);
	return rc;
}

static void pg_close(mgen_rag *r)
{
	if (r->pg == NULL)
		return;
	mgen_wh_close(r->pg->wh);
	free(r->pg->schema);
	free(r->pg);
	r->pg = NULL;
}

const mgen__rag_ops mgen__rag_pg_ops = {
    "postgresql",
    pg_close,
    mgen__rag_pg_find_doc,
    mgen__rag_pg_store_doc,
    mgen__rag_pg_drop_doc,
    mgen__rag_pg_list_docs,
    mgen__rag_pg_stats,
    mgen__rag_pg_search,
    mgen__rag_pg_glossary,
    mgen__rag_pg_meta_get,
    mgen__rag_pg_count_vectors,
    mgen__rag_pg_pending,
    mgen__rag_pg_store_vectors,
    mgen__rag_pg_dense_prepare,
    mgen__rag_pg_dense,
    mgen__rag_pg_fetch,
};
