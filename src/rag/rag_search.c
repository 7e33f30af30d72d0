/*
 * rag_search.c - BM25 search over the FTS5 table with every query made
 * safe (each word one quoted string, OR-ed), and glossary lookup by term.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "rag/rag_store.h"
#include "util/util.h"

/* Most words of a query that reach FTS5 (bounds the cost of a query). */
#define MAX_QUERY_WORDS 256

static int is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Lucene's English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET),
 * left out of queries: they match nearly every chunk and cost time for
 * almost no ranking signal. A query of stop words only keeps them. */
static int is_stop(const char *w, size_t n)
{
	static const char *const stop[] = {
	    "a",    "an",  "and",   "are",  "as",    "at",    "be",
	    "but",  "by",  "for",   "if",   "in",    "into",  "is",
	    "it",   "no",  "not",   "of",   "on",    "or",    "such",
	    "that", "the", "their", "then", "there", "these", "they",
	    "this", "to",  "was",   "will", "with"};
	char low[8];
	size_t i;

	if (n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (strcmp(low, stop[i]) == 0)
			return 1;
	return 0;
}

/* The FTS5 expression for `q`: "w1" OR "w2" ...; empty when no word.
 * Words hold only letters, digits and bytes >= 0x80, so no quote, star,
 * caret, colon or parenthesis of the user reaches FTS5's parser. */
static int fts_query(const char *q, mgen_buf *out, int stops)
{
	const unsigned char *u = (const unsigned char *)q;
	size_t i = 0, start;
	int words = 0;

	while (u[i] && words < MAX_QUERY_WORDS) {
		while (u[i] && !is_word_byte(u[i]))
			i++;
		start = i;
		while (u[i] && is_word_byte(u[i]))
			i++;
		if (i == start)
			break;
		if (!stops && is_stop(q + start, i - start))
			continue;
		mgen_buf_printf(out, "%s\"%.*s\"", words ? " OR " : "",
				(int)(i - start), q + start);
		words++;
	}
	return mgen_buf_error(out) ? MGEN_ENOMEM : 0;
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

int mgen_rag_search(mgen_rag *r, const char *query, size_t top_k,
		    mgen_rag_hit **out, size_t *n, mgen_err *err)
{
	static const char sql[] =
	    "SELECT f.id, -f.s, x.title, x.text, c.ref, c.glossary,"
	    " c.tokens, d.path FROM (SELECT rowid AS id,"
	    " bm25(chunks_fts, 2.0, 1.0) AS s FROM chunks_fts"
	    " WHERE chunks_fts MATCH ?1 ORDER BY s LIMIT ?2) AS f"
	    " JOIN chunks_fts x ON x.rowid = f.id"
	    " JOIN chunks c ON c.id = f.id JOIN documents d ON d.id = c.doc"
	    " ORDER BY f.s, f.id";
	mgen_buf q = MGEN_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (top_k < 1 || top_k > 10000)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag: top_k must be between "
				    "1 and 10000, got %zu",
				    top_k);
	rc = fts_query(query ? query : "", &q, 0);
	if (rc == 0 && q.len == 0)
		rc = fts_query(query ? query : "", &q, 1);
	if (rc != 0)
		return mgen_err_set(err, rc, "out of memory");
	if (q.len == 0)
		goto done; /* no word: no hits */
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
	return rc;
}

int mgen_rag_glossary_lookup(mgen_rag *r, const char *term, size_t max,
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
