/*
 * rag_search.c - BM25 search over the FTS5 table with every query made
 * safe (each word one quoted string, OR-ed), and glossary lookup by term.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "rag/rag_bm25.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/util.h"

/* The FTS5 expression of the phrases: "w1" OR "w2" ..., each word the
 * span of the query FTS5's tokenizer cut it from (letters and digits
 * only, so it is one token again; a '"' would be doubled). */
static int fts_expr(const char *q, const mgen__bm25_phrase *p, size_t np,
		    mgen_buf *out)
{
	size_t i;
	int j;

	for (i = 0; i < np; i++) {
		mgen_buf_puts(out, i ? " OR \"" : "\"");
		for (j = p[i].start; j < p[i].end; j++) {
			if (q[j] == '"')
				mgen_buf_putc(out, '"');
			mgen_buf_putc(out, q[j]);
		}
		mgen_buf_putc(out, '"');
	}
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
}

/* The query's phrases (none for a query without a word). */
static int phrases_of(mgen_rag *r, const char *query, mgen__bm25_phrase **p,
		      size_t *np, mgen_err *err)
{
	int rc = mgen__bm25_phrases(r->bm25, query ? query : "", p, np);

	if (rc != 0)
		return mgen_err_set(err, rc,
				    "rag index '%s': cannot read the "
				    "query: %s",
				    r->path, mgen_strerror(rc));
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return mgen__strdup(s ? s : "");
}

int mgen__rag_collect(mgen_rag *r, sqlite3_stmt *st, size_t max,
		      mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	size_t k = 0;
	int s, rc = 0;

	h = calloc(max ? max : 1, sizeof(*h));
	if (h == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	while (k < max && (s = sqlite3_step(st)) == SQLITE_ROW) {
		mgen_rag_hit *x = &h[k++];
		x->id = sqlite3_column_int64(st, 0);
		x->score = sqlite3_column_double(st, 1);
		x->title = col_dup(st, 2);
		x->text = col_dup(st, 3);
		x->ref = col_dup(st, 4);
		x->glossary = sqlite3_column_int(st, 5);
		x->tokens = sqlite3_column_int(st, 6);
		x->source = col_dup(st, 7);
		if (!x->title || !x->text || !x->ref || !x->source) {
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
			break;
		}
	}
	if (rc == 0 && k < max && s != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot search");
	if (rc != 0 || k == 0) {
		mgen_rag_hits_free(h, k);
		h = NULL;
		k = rc ? 0 : k;
	}
	*out = h;
	*n = k;
	return rc;
}

int mgen__rag_search_fts(mgen_rag *r, const char *query, size_t top_k,
			 mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	static const char sql[] =
	    "SELECT f.id, -f.s, x.title, x.text, c.ref, c.glossary,"
	    " c.tokens, d.path FROM (SELECT rowid AS id,"
	    " bm25(chunks_fts, 2.0, 1.0) AS s FROM chunks_fts"
	    " WHERE chunks_fts MATCH ?1 ORDER BY s, rowid LIMIT ?2) AS f"
	    " JOIN chunks_fts x ON x.rowid = f.id"
	    " JOIN chunks c ON c.id = f.id JOIN documents d ON d.id = c.doc"
	    " ORDER BY f.s, f.id";
	mgen__bm25_phrase *p = NULL;
	mgen_buf q = MGEN_BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t np = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mgen__rag_check_top_k(top_k, err)) != 0 ||
	    (rc = phrases_of(r, query, &p, &np, err)) != 0 || np == 0)
		return rc;
	if (fts_expr(query, p, np, &q) != 0) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = mgen__rag_db_err(r, err, "cannot search");
		goto done;
	}
	sqlite3_bind_text(st, 1, mgen_buf_str(&q), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (long long)top_k);
	rc = mgen__rag_collect(r, st, top_k, out, n, err);
done:
	sqlite3_finalize(st);
	mgen_buf_release(&q);
	mgen__bm25_phrases_free(p, np);
	return rc;
}

int mgen__rag_sqlite_search(mgen_rag *r, const char *query, size_t top_k,
			    mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	mgen__bm25_phrase *p = NULL;
	mgen__rag_scored *s = NULL;
	size_t np = 0, m = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mgen__rag_check_top_k(top_k, err)) != 0 ||
	    (rc = phrases_of(r, query, &p, &np, err)) != 0 || np == 0)
		return rc;
	if ((s = malloc(top_k * sizeof(*s))) == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = mgen__bm25_topk(r, p, np, top_k, s, &m, err);
	if (rc == 0 && m > 0)
		rc = mgen__rag_fetch_hits(r, s, m, out, n, err);
	free(s);
	mgen__bm25_phrases_free(p, np);
	return rc;
}

int mgen__rag_sqlite_glossary(mgen_rag *r, const char *term, size_t max,
			      mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	static const char sql[] =
	    "SELECT c.id, 0.0, c.title, f.text, c.ref, c.glossary, c.tokens,"
	    " d.path FROM chunks c JOIN chunks_fts f ON f.rowid = c.id"
	    " JOIN documents d ON d.id = c.doc WHERE c.glossary = 1"
	    " AND c.ref = ?1 COLLATE NOCASE ORDER BY c.id LIMIT ?2";
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot search");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (long long)max);
	rc = mgen__rag_collect(r, st, max, out, n, err);
	sqlite3_finalize(st);
	return rc;
}

void mgen_rag_hits_free(mgen_rag_hit *h, size_t n)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(h[i].source);
		free(h[i].ref);
		free(h[i].title);
		free(h[i].text);
	}
	free(h);
}
