/*
 * rag_bm25.h - the impact index beside FTS5 (rag_bm25.c) and the BM25
 * top-k search over it with MaxScore pruning (rag_bm25_query.c).
 *
 * Why: FTS5's bm25() scores every row that matches any query word (no
 * top-k pruning), so a query with a frequent word costs time linear in
 * the corpus. The same scores, computed from posting lists we can skip
 * through, let the search stop looking at documents that cannot reach
 * the top k.
 *
 * Tables (in the index file, written in the transactions that write
 * chunks_fts, so they always describe the same rows):
 *   bm25_terms(term, df, maxf, mind)  per token: rows holding it, the
 *       largest weighted frequency and the smallest row length of its
 *       postings (both only loosen after a removal: still bounds)
 *   bm25_blocks(term, last, n, maxf, mind, data)  the token's postings
 *       in chunk id order, up to MGEN__BM25_BLOCK per row keyed by the
 *       last id; data = LEB128 varints (id, f, D) per posting, ids as
 *       deltas after the first; maxf/mind bound the block's postings
 *   bm25_stats(id = 1, rows, tokens)  FTS5's row count and token total
 * f = 2 x (occurrences in the title) + (occurrences in the text), D = the
 * row's tokens in both columns: the weighted frequency and length of
 * bm25(chunks_fts, 2.0, 1.0). Tokens come from FTS5's own tokenizer
 * ("porter unicode61", through fts5_api.xFindTokenizer), so they are the
 * tokens FTS5 indexed.
 */
#ifndef METAGEN_RAG_BM25_H
#define METAGEN_RAG_BM25_H

#include <stddef.h>

#include "metagen/metagen.h"

struct mgen_rag;
struct mgen__rag_scored;

typedef struct mgen__bm25 mgen__bm25;

#define MGEN__BM25_BLOCK 128 /* postings per block row */
#define MGEN__BM25_MAX_TOKEN                                                   \
	32768			   /* FTS5_MAX_TOKEN_SIZE: longer tokens cut   \
				    */
#define MGEN__BM25_MAX_PHRASES 256 /* query words searched, at most */

/* The CREATE statements of the three tables. */
extern const char mgen__bm25_schema[];

/* Finds FTS5's tokenizer on the handle's connection and, when the index
 * has no bm25_stats row yet (a new file, or one written before the
 * impact index existed), builds the tables from chunks_fts in one
 * transaction. MGEN_EDB, MGEN_ENOMEM. */
int mgen__bm25_open(struct mgen_rag *r, mgen_err *err);

/* Frees the tokenizer and anything pending; NULL is harmless. */
void mgen__bm25_free(mgen__bm25 *b);

/* Called for each token: its bytes (after folding and stemming) and the
 * byte span [start, end) of the input it came from. Nonzero stops. */
typedef int (*mgen__bm25_token_fn)(void *ctx, const char *tok, int n, int start,
				   int end);

/* Runs FTS5's tokenizer over `len` bytes (FTS5_TOKENIZE_QUERY when
 * `query`, else _DOCUMENT). MGEN_EDB when the tokenizer fails. */
int mgen__bm25_tokenize(mgen__bm25 *b, int query, const char *text, int len,
			mgen__bm25_token_fn fn, void *ctx);

/* Inside the caller's write transaction: notes the row `id` just written
 * to chunks_fts (its postings are kept in memory and written by
 * mgen__bm25_flush, or sooner when many are pending). */
int mgen__bm25_note(struct mgen_rag *r, long long id, const char *title,
		    const char *text, mgen_err *err);

/* Writes the pending postings and the row and token counts. */
int mgen__bm25_flush(struct mgen_rag *r, mgen_err *err);

/* Forgets pending postings (the transaction is rolled back). */
void mgen__bm25_discard(struct mgen_rag *r);

/* Inside the caller's write transaction, before the rows leave
 * chunks_fts: removes the postings of the chunks of document `doc`. */
int mgen__bm25_drop_doc(struct mgen_rag *r, long long doc, mgen_err *err);

/* One query word: its token (owned) and the span of the query it came
 * from. */
typedef struct mgen__bm25_phrase {
	char *tok;
	int n, start, end;
} mgen__bm25_phrase;

/* The words of `query` as FTS5 tokenizes them, at most
 * MGEN__BM25_MAX_PHRASES, Lucene's English stop words left out unless
 * nothing else is left; *out NULL when none. MGEN_ENOMEM, MGEN_EDB. */
int mgen__bm25_phrases(mgen__bm25 *b, const char *query,
		       mgen__bm25_phrase **out, size_t *n);

void mgen__bm25_phrases_free(mgen__bm25_phrase *p, size_t n);

/*
 * The best `k` chunks for the phrases, by FTS5's bm25() with weights
 * 2.0 (title) and 1.0 (text), into out[0..*n) score descending then id
 * ascending: the ranking of `SELECT ... ORDER BY bm25(...), rowid`
 * exactly (every score summed in the same order with the same
 * operations, so equal to the bit), found with MaxScore (Turtle and
 * Flood, "Query evaluation: strategies and optimizations", IP&M 1995)
 * over the posting blocks, with the per-block bounds of block-max
 * indexes (Ding and Suel, "Faster top-k document retrieval using
 * block-max indexes", SIGIR 2011) to skip a candidate before decoding.
 * `out` holds k entries. MGEN_EDB (also for a damaged block), MGEN_ENOMEM.
 */
int mgen__bm25_topk(struct mgen_rag *r, const mgen__bm25_phrase *p, size_t np,
		    size_t k, struct mgen__rag_scored *out, size_t *n,
		    mgen_err *err);

#endif
