/*
 * rag_bm25.c - the impact index beside FTS5 (rag_bm25.h): FTS5's own
 * tokenizer, the postings of rows being written (kept in memory per
 * transaction, then merged into the term's last blocks), the removal of
 * a document's postings, and the one-time build for an older file.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rag/rag_bm25.h"
#include "rag/rag_bm25_post.h"
#include "rag/rag_store.h"
#include "util/util.h"

/* Postings kept in memory before they are written. */
#define FLUSH_POSTINGS 1000000

const char mgen__bm25_schema[] =
    "CREATE TABLE IF NOT EXISTS bm25_terms(term BLOB PRIMARY KEY,"
    " df INTEGER NOT NULL, maxf INTEGER NOT NULL, mind INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS bm25_blocks(term BLOB NOT NULL,"
    " last INTEGER NOT NULL, n INTEGER NOT NULL, maxf INTEGER NOT NULL,"
    " mind INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(term, last))"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS bm25_stats(id INTEGER PRIMARY KEY"
    " CHECK (id = 1), rows INTEGER NOT NULL, tokens INTEGER NOT NULL);";

struct mgen__bm25 {
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
	mgen__bm25_map pending; /* postings of rows written, not flushed */
	long long rows, tokens; /* their counts */
};

/* FTS5's API object of the connection (https://sqlite.org/fts5.html,
 * "Extending FTS5": SELECT fts5(?1) with a bound pointer). */
static fts5_api *fts5_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

/* The tokenizer chunks_fts declares: porter over unicode61. */
static int tokenizer_new(mgen_rag *r, mgen__bm25 **out, mgen_err *err)
{
	const char *args[] = {"unicode61"};
	fts5_api *api = fts5_of(r->db);
	void *ud = NULL;
	mgen__bm25 *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (b == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (api == NULL ||
	    api->xFindTokenizer(api, "porter", &ud, &b->api) != SQLITE_OK ||
	    b->api.xCreate(ud, args, 1, &b->tok) != SQLITE_OK) {
		free(b);
		return mgen_err_set(err, MGEN_EDB,
				    "rag index '%s': FTS5's porter tokenizer "
				    "is not available",
				    r->path);
	}
	*out = b;
	return 0;
}

void mgen__bm25_free(mgen__bm25 *b)
{
	if (b == NULL)
		return;
	if (b->tok)
		b->api.xDelete(b->tok);
	mgen__bm25_map_release(&b->pending);
	free(b);
}

typedef struct tok_ctx {
	mgen__bm25_token_fn fn;
	void *ctx;
	const char *text;
} tok_ctx;

static int on_token(void *p, int tflags, const char *tok, int n, int start,
		    int end)
{
	tok_ctx *c = p;

	(void)tflags; /* porter and unicode61 emit no colocated tokens */
	if (n > MGEN__BM25_MAX_TOKEN)
		n = MGEN__BM25_MAX_TOKEN;
	return c->fn(c->ctx, tok, n, start, end) ? SQLITE_ABORT : SQLITE_OK;
}

int mgen__bm25_tokenize(mgen__bm25 *b, int query, const char *text, int len,
			mgen__bm25_token_fn fn, void *ctx)
{
	tok_ctx c;
	int rc;

	c.fn = fn;
	c.ctx = ctx;
	c.text = text;
	rc = b->api.xTokenize(
	    b->tok, &c, query ? FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT,
	    text, len, on_token);
	return rc == SQLITE_OK	    ? 0
	       : rc == SQLITE_NOMEM ? MGEN_ENOMEM
				    : MGEN_EDB;
}

/* Tokens of one row into a map: f weighted by column, D counted. */
typedef struct row_ctx {
	mgen__bm25_map *m;
	long long id;
	int w, d, failed;
} row_ctx;

static int row_token(void *p, const char *tok, int n, int start, int end)
{
	row_ctx *c = p;

	(void)start;
	(void)end;
	c->d++;
	if (mgen__bm25_map_add(c->m, tok, n, c->id, c->w) != 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

/* The postings of one row into `m`; its length into *d. */
static int row_postings(mgen__bm25 *b, mgen__bm25_map *m, long long id,
			const char *title, const char *text, int *d)
{
	row_ctx c = {m, id, 2, 0, 0};
	int rc =
	    mgen__bm25_tokenize(b, 0, title, (int)strlen(title), row_token, &c);

	c.w = 1;
	if (rc == 0)
		rc = mgen__bm25_tokenize(b, 0, text, (int)strlen(text),
					 row_token, &c);
	if (c.failed)
		rc = MGEN_ENOMEM;
	mgen__bm25_map_end_row(m, c.d);
	*d = c.d;
	return rc;
}

int mgen__bm25_note(mgen_rag *r, long long id, const char *title,
		    const char *text, mgen_err *err)
{
	mgen__bm25 *b = r->bm25;
	int d = 0, rc = row_postings(b, &b->pending, id, title ? title : "",
				     text ? text : "", &d);

	if (rc != 0)
		return mgen_err_set(err, rc,
				    "rag index '%s': cannot tokenize "
				    "chunk %lld: %s",
				    r->path, id, mgen_strerror(rc));
	b->rows++;
	b->tokens += d;
	if (b->pending.postings >= FLUSH_POSTINGS)
		return mgen__bm25_flush(r, err);
	return 0;
}

static int stats_add(mgen_rag *r, long long rows, long long tokens,
		     mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(r->db,
			       "INSERT INTO bm25_stats VALUES(1, ?1, ?2)"
			       " ON CONFLICT(id) DO UPDATE SET rows = rows +"
			       " excluded.rows, tokens = tokens +"
			       " excluded.tokens",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot write");
	sqlite3_bind_int64(st, 1, rows);
	sqlite3_bind_int64(st, 2, tokens);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot write");
	sqlite3_finalize(st);
	return rc;
}

int mgen__bm25_flush(mgen_rag *r, mgen_err *err)
{
	mgen__bm25 *b = r->bm25;
	int rc = mgen__bm25_post_merge(r, &b->pending, err);

	if (rc == 0)
		rc = stats_add(r, b->rows, b->tokens, err);
	mgen__bm25_discard(r);
	return rc;
}

void mgen__bm25_discard(mgen_rag *r)
{
	mgen__bm25 *b = r->bm25;

	mgen__bm25_map_release(&b->pending);
	memset(&b->pending, 0, sizeof(b->pending));
	b->rows = b->tokens = 0;
}

int mgen__bm25_drop_doc(mgen_rag *r, long long doc, mgen_err *err)
{
	mgen__bm25_map gone = {0};
	sqlite3_stmt *st = NULL;
	long long rows = 0, tokens = 0;
	int rc = 0, s, d;

	if (sqlite3_prepare_v2(r->db,
			       "SELECT rowid, title, text FROM chunks_fts"
			       " WHERE rowid IN (SELECT id FROM chunks WHERE"
			       " doc = ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	sqlite3_bind_int64(st, 1, doc);
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 1);
		const char *x = (const char *)sqlite3_column_text(st, 2);
		rc = row_postings(r->bm25, &gone, sqlite3_column_int64(st, 0),
				  t ? t : "", x ? x : "", &d);
		if (rc != 0)
			rc = mgen_err_set(err, rc,
					  "rag index '%s': cannot "
					  "tokenize: %s",
					  r->path, mgen_strerror(rc));
		rows++;
		tokens += d;
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot read");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = mgen__bm25_post_remove(r, &gone, err);
	if (rc == 0 && rows > 0)
		rc = stats_add(r, -rows, -tokens, err);
	mgen__bm25_map_release(&gone);
	return rc;
}

/* Every row of chunks_fts into the impact index. */
static int build_all(mgen_rag *r, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, s;

	if (sqlite3_prepare_v2(r->db,
			       "SELECT rowid, title, text FROM chunks_fts"
			       " ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot read");
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
		rc = mgen__bm25_note(r, sqlite3_column_int64(st, 0),
				     (const char *)sqlite3_column_text(st, 1),
				     (const char *)sqlite3_column_text(st, 2),
				     err);
	if (rc == 0 && s != SQLITE_DONE)
		rc = mgen__rag_db_err(r, err, "cannot read");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = mgen__bm25_flush(r, err);
	return rc;
}

/* 1 when bm25_stats has its row, 0 when not, <0 on error. */
static int built(mgen_rag *r, mgen_err *err)
{
	sqlite3_stmt *st = NULL;
	int s = SQLITE_ERROR;

	if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM bm25_stats", -1, &st,
			       NULL) == SQLITE_OK)
		s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s == SQLITE_ROW || s == SQLITE_DONE)
		return s == SQLITE_ROW;
	return mgen__rag_db_err(r, err, "cannot read");
}

int mgen__bm25_open(mgen_rag *r, mgen_err *err)
{
	char *msg = NULL;
	int rc = tokenizer_new(r, &r->bm25, err);

	if (rc == 0 && sqlite3_exec(r->db, mgen__bm25_schema, NULL, NULL,
				    &msg) != SQLITE_OK)
		rc = mgen_err_set(err, MGEN_EDB,
				  "rag index '%s': cannot set up: %s", r->path,
				  msg ? msg : "unknown error");
	sqlite3_free(msg);
	if (rc != 0 || (rc = built(r, err)) != 0)
		return rc < 0 ? rc : 0;
	if (sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return mgen__rag_db_err(r, err, "cannot begin");
	rc = built(r, err); /* another process may have built it */
	if (rc == 0)
		rc = build_all(r, err);
	rc = rc > 0 ? 0 : rc;
	if (rc != 0)
		mgen__bm25_discard(r);
	return mgen__rag_end(r, rc, err);
}
