/*
 * rag_pg_search.c - searching the PostgreSQL store (rag_pg.h): full text
 * (every word of the query bound to its own plainto_tsquery, so no
 * tsquery syntax is ever built from the user's text), glossary lookup,
 * and the hits of ranked ids for dense and hybrid search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "rag/rag_internal.h"
#include "rag/rag_pg.h"
#include "util/util.h"

/* One row (id, score, title, text, ref, glossary, tokens, path) into h. */
static int read_hit(mgen_wh_rows *rows, mgen_rag_hit *h, mgen_err *err)
{
	char *cell[8] = {NULL};
	int i, rc = 0;

	for (i = 0; i < 8 && rc == 0; i++)
		rc = mgen_wh_rows_text(rows, i, &cell[i], err);
	if (rc == 0) {
		h->id = cell[0] ? strtoll(cell[0], NULL, 10) : 0;
		h->score = cell[1] ? strtod(cell[1], NULL) : 0;
		h->glossary = cell[5] && cell[5][0] == '1';
		h->tokens = cell[6] ? (int)strtol(cell[6], NULL, 10) : 0;
		h->title = cell[2] ? cell[2] : mgen__strdup("");
		h->text = cell[3] ? cell[3] : mgen__strdup("");
		h->ref = cell[4] ? cell[4] : mgen__strdup("");
		h->source = cell[7] ? cell[7] : mgen__strdup("");
		cell[2] = cell[3] = cell[4] = cell[7] = NULL;
		if (!h->title || !h->text || !h->ref || !h->source)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	for (i = 0; i < 8; i++)
		free(cell[i]); /* the strings moved into h are NULL here */
	return rc;
}

/* Up to `max` rows of `rows` into a new hit array. */
static int collect(mgen_wh_rows *rows, size_t max, mgen_rag_hit **out,
		   size_t *n, mgen_err *err)
{
	mgen_rag_hit *h = calloc(max ? max : 1, sizeof(*h));
	size_t k = 0;
	int rc = 0;

	if (h == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	while (k < max && (rc = mgen_wh_rows_next(rows, err)) == 1) {
		rc = read_hit(rows, &h[k++], err);
		if (rc != 0)
			break;
	}
	if (rc < 0 || k == 0) {
		mgen_rag_hits_free(h, k);
		h = NULL;
		k = 0;
	}
	*out = h;
	*n = k;
	return rc < 0 ? rc : 0;
}

int mgen__rag_pg_search(mgen_rag *r, const char *query, size_t top_k,
			mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	mgen__rag_word w[MGEN__RAG_QUERY_WORDS];
	char *words[MGEN__RAG_QUERY_WORDS + 1] = {NULL};
	char lim[24];
	size_t nw = mgen__rag_query_words(query, w, MGEN__RAG_QUERY_WORDS), i;
	mgen_buf sql = MGEN_BUF_INIT;
	mgen_wh_rows *rows = NULL;
	int rc = 0;

	if (nw == 0)
		return 0; /* no word: no hits */
	for (i = 0; i < nw && rc == 0; i++)
		if ((words[i] = mgen__strndup(query + w[i].start, w[i].len)) ==
		    NULL)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	snprintf(lim, sizeof(lim), "%zu", top_k);
	words[nw] = lim;
	if (rc == 0 && mgen__rag_pg_search_sql(r->pg->schema, nw, &sql) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		rc = mgen__rag_pg_run_sql(r, &sql, "cannot search",
					  (const char *const *)words, nw + 1,
					  &rows, err);
	if (rc == 0)
		rc = collect(rows, top_k, out, n, err);
	mgen_wh_rows_free(rows);
	mgen_buf_release(&sql);
	for (i = 0; i < nw; i++)
		free(words[i]);
	return rc;
}

int mgen__rag_pg_glossary(mgen_rag *r, const char *term, size_t max,
			  mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	char lim[24];
	const char *p[2] = {term, lim};
	mgen_wh_rows *rows = NULL;
	int rc;

	snprintf(lim, sizeof(lim), "%zu", max);
	rc = mgen__rag_pg_run(r, MGEN__PG_GLOSSARY, "cannot search", p, 2,
			      &rows, err);
	if (rc == 0)
		rc = collect(rows, max, out, n, err);
	mgen_wh_rows_free(rows);
	return rc;
}

/* Puts the fetched hits into the order of `s`, with its scores. */
static void order_hits(const mgen__rag_scored *s, size_t m, mgen_rag_hit *h,
		       size_t nh, mgen_rag_hit *dst, size_t *n)
{
	size_t i, j;

	*n = 0;
	for (i = 0; i < m; i++)
		for (j = 0; j < nh; j++)
			if (h[j].id == s[i].id && h[j].source) {
				dst[*n] = h[j];
				dst[(*n)++].score = s[i].score;
				memset(&h[j], 0, sizeof(h[j]));
				break;
			}
}

int mgen__rag_pg_fetch(mgen_rag *r, const mgen__rag_scored *s, size_t m,
		       mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	mgen_buf ids = MGEN_BUF_INIT;
	const char *p[1];
	mgen_wh_rows *rows = NULL;
	mgen_rag_hit *h = NULL, *dst = NULL;
	size_t nh = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if (m == 0)
		return 0;
	mgen_buf_putc(&ids, '{');
	for (i = 0; i < m; i++)
		mgen_buf_printf(&ids, "%s%lld", i ? "," : "", s[i].id);
	mgen_buf_putc(&ids, '}');
	if (mgen_buf_error(&ids) || (dst = calloc(m, sizeof(*dst))) == NULL) {
		mgen_buf_release(&ids);
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	p[0] = mgen_buf_str(&ids);
	rc = mgen__rag_pg_run(r, MGEN__PG_FETCH, "cannot search", p, 1, &rows,
			      err);
	if (rc == 0)
		rc = collect(rows, m, &h, &nh, err);
	if (rc == 0)
		order_hits(s, m, h, nh, dst, n);
	mgen_rag_hits_free(h, nh); /* what order_hits did not take */
	if (rc != 0 || *n == 0) {
		free(dst);
		dst = NULL;
		*n = 0;
	}
	*out = dst;
	mgen_wh_rows_free(rows);
	mgen_buf_release(&ids);
	return rc;
}
