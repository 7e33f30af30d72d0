/*
 * rag_pg_docs.c - documents in the PostgreSQL store (rag_pg.h): find,
 * store (one transaction, an advisory lock on the path, the hash checked
 * again under it), drop, list and the stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "rag/rag_internal.h"
#include "rag/rag_pg.h"
#include "util/util.h"

int mgen__rag_pg_find_doc(mgen_rag *r, const char *path, long long *id,
			  char hash[65], mgen_err *err)
{
	mgen_wh_rows *rows = NULL;
	char *v = NULL, *h = NULL;
	const char *p[1] = {path};
	int rc = mgen__rag_pg_run(r, MGEN__PG_FIND_DOC, "cannot read", p, 1,
				  &rows, err);

	if (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1 &&
	    (rc = mgen_wh_rows_text(rows, 0, &v, err)) == 0 &&
	    (rc = mgen_wh_rows_text(rows, 1, &h, err)) == 0) {
		*id = v ? strtoll(v, NULL, 10) : 0;
		snprintf(hash, 65, "%s", h ? h : "");
		rc = 1;
	}
	free(v);
	free(h);
	mgen_wh_rows_free(rows);
	return rc;
}

/* Bumps the generation (readers of vectors in memory load again). */
static int bump(mgen_rag *r, mgen_err *err)
{
	return mgen__rag_pg_run(r, MGEN__PG_BUMP_GENERATION, "cannot write",
				NULL, 0, NULL, err);
}

/* The new document row's id. */
static int insert_doc(mgen_rag *r, const char *path, const char *hash,
		      long long mtime, size_t bytes, long long *id,
		      mgen_err *err)
{
	char m[24], k[16], b[24];
	const char *p[5] = {path, hash, m, k, b};
	mgen_wh_rows *rows = NULL;
	char *v = NULL;
	int rc;

	snprintf(m, sizeof(m), "%lld", mtime);
	snprintf(k, sizeof(k), "%d", (int)mgen__rag_kind_of(path));
	snprintf(b, sizeof(b), "%zu", bytes);
	rc = mgen__rag_pg_run(r, MGEN__PG_INSERT_DOC, "cannot write", p, 5,
			      &rows, err);
	if (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1)
		rc = mgen_wh_rows_text(rows, 0, &v, err);
	else if (rc == 0)
		rc = mgen_err_set(err, MGEN_EDB,
				  "rag store '%s': no id for "
				  "the new document",
				  r->path);
	*id = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	mgen_wh_rows_free(rows);
	return rc;
}

static int insert_chunks(mgen_rag *r, long long doc, const mgen__rag_chunks *c,
			 mgen_err *err)
{
	char d[24], t[16];
	size_t i;
	int rc = 0;

	snprintf(d, sizeof(d), "%lld", doc);
	for (i = 0; i < c->n && rc == 0; i++) {
		const mgen__rag_chunk *k = &c->v[i];
		const char *p[6] = {d,	     k->ref, k->title,
				    k->text, t,	     k->glossary ? "1" : "0"};
		snprintf(t, sizeof(t), "%d", k->tokens);
		rc = mgen__rag_pg_run(r, MGEN__PG_INSERT_CHUNK, "cannot write",
				      p, 6, NULL, err);
	}
	return rc;
}

/* Inside the transaction: the document under its lock. 1 when the same
 * content is there already (another process wrote it). */
static int store_locked(mgen_rag *r, const char *path, const char *hash,
			long long mtime, size_t bytes,
			const mgen__rag_chunks *c, mgen_err *err)
{
	mgen_buf k = MGEN_BUF_INIT;
	char old_hash[65] = "", id[24];
	const char *p[2];
	long long old = 0, doc = 0;
	int rc, found;

	mgen_buf_printf(&k, "metagen-rag:%s", r->pg->schema);
	if (mgen_buf_error(&k))
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	p[0] = mgen_buf_str(&k);
	p[1] = path;
	rc = mgen__rag_pg_run(r, MGEN__PG_LOCK_DOC, "cannot lock", p, 2, NULL,
			      err);
	mgen_buf_release(&k);
	if (rc != 0)
		return rc;
	found = mgen__rag_pg_find_doc(r, path, &old, old_hash, err);
	if (found < 0)
		return found;
	if (found && strcmp(old_hash, hash) == 0)
		return 1;
	snprintf(id, sizeof(id), "%lld", old);
	p[0] = id;
	if (found &&
	    (rc = mgen__rag_pg_run(r, MGEN__PG_DROP_DOC, "cannot write", p, 1,
				   NULL, err)) != 0)
		return rc;
	rc = insert_doc(r, path, hash, mtime, bytes, &doc, err);
	if (rc == 0)
		rc = insert_chunks(r, doc, c, err);
	if (rc == 0)
		rc = bump(r, err);
	return rc;
}

int mgen__rag_pg_store_doc(mgen_rag *r, const char *path, long long old,
			   const char *hash, long long mtime, size_t bytes,
			   const mgen__rag_chunks *c, mgen_err *err)
{
	int rc = mgen__rag_pg_begin(r, err);

	(void)old; /* looked up again under the lock */
	if (rc != 0)
		return rc;
	rc = store_locked(r, path, hash, mtime, bytes, c, err);
	if (rc == 1) /* nothing written */
		return mgen__rag_pg_end(r, 0, err) == 0 ? 1 : MGEN_EDB;
	return mgen__rag_pg_end(r, rc, err);
}

int mgen__rag_pg_drop_doc(mgen_rag *r, long long id, mgen_err *err)
{
	char v[24];
	const char *p[1] = {v};
	int rc = mgen__rag_pg_begin(r, err);

	if (rc != 0)
		return rc;
	snprintf(v, sizeof(v), "%lld", id);
	rc = mgen__rag_pg_run(r, MGEN__PG_DROP_DOC, "cannot write", p, 1, NULL,
			      err);
	if (rc == 0)
		rc = bump(r, err);
	return mgen__rag_pg_end(r, rc, err);
}

int mgen__rag_pg_list_docs(mgen_rag *r, mgen__rag_doc_fn fn, void *ud,
			   mgen_err *err)
{
	mgen_wh_rows *rows = NULL;
	int rc = mgen__rag_pg_run(r, MGEN__PG_LIST_DOCS, "cannot read", NULL, 0,
				  &rows, err);

	while (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1) {
		char *id = NULL, *path = NULL;
		rc = mgen_wh_rows_text(rows, 0, &id, err);
		if (rc == 0)
			rc = mgen_wh_rows_text(rows, 1, &path, err);
		if (rc == 0 && id && path &&
		    (rc = fn(ud, strtoll(id, NULL, 10), path)) != 0)
			mgen_err_set(err, rc, "out of memory");
		free(id);
		free(path);
	}
	mgen_wh_rows_free(rows);
	return rc < 0 ? rc : 0;
}

/* The numbers of the STATS row into st. */
static int stats_row(mgen_rag *r, mgen_rag_stats *st, mgen_err *err)
{
	long long *dst[4] = {&st->documents, &st->chunks, &st->tokens,
			     &st->glossary};
	mgen_wh_rows *rows = NULL;
	int rc = mgen__rag_pg_run(r, MGEN__PG_STATS, "cannot read", NULL, 0,
				  &rows, err);
	int i;

	if (rc == 0 && (rc = mgen_wh_rows_next(rows, err)) == 1)
		for (rc = 0, i = 0; i < 4 && rc == 0; i++) {
			char *v = NULL;
			rc = mgen_wh_rows_text(rows, i, &v, err);
			*dst[i] = v ? strtoll(v, NULL, 10) : 0;
			free(v);
		}
	mgen_wh_rows_free(rows);
	return rc < 0 ? rc : 0;
}

int mgen__rag_pg_stats(mgen_rag *r, mgen_rag_stats *st, mgen_err *err)
{
	const char *p[1] = {r->pg->schema};
	int rc = stats_row(r, st, err);

	if (rc == 0 && (st->embedded = mgen__rag_pg_count_vectors(r, err)) < 0)
		rc = MGEN_EDB;
	if (rc == 0)
		rc = mgen__rag_pg_number(r, MGEN__PG_SIZE, p, 1, 0,
					 &st->file_bytes, err);
	return rc;
}
