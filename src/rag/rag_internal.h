/*
 * rag_internal.h - what the files of src/rag share: the chunk list a
 * parser fills (rag_chunk.c, rag_parse.c) and the store writes
 * (rag_store.c).
 */
#ifndef METAGEN_RAG_INTERNAL_H
#define METAGEN_RAG_INTERNAL_H

#include <stddef.h>

#include "metagen/rag.h"

/* One chunk before it is stored; strings owned. */
typedef struct mgen__rag_chunk {
	char *title;
	char *ref;
	char *text;
	int tokens;
	int glossary;
} mgen__rag_chunk;

/* The chunks of one document, and what could not be read. */
typedef struct mgen__rag_chunks {
	mgen__rag_chunk *v;
	size_t n, cap;
	long long skipped;
} mgen__rag_chunks;

/* Document kinds, from the file name's extension. */
typedef enum mgen__rag_kind {
	MGEN__RAG_TEXT = 0,
	MGEN__RAG_MARKDOWN,
	MGEN__RAG_CSV,
	MGEN__RAG_TSV,
	MGEN__RAG_JSONL,
	MGEN__RAG_HTML
} mgen__rag_kind;

mgen__rag_kind mgen__rag_kind_of(const char *path);

/* Copy of `s` (`len` bytes) as valid UTF-8: invalid sequences become
 * U+FFFD, NUL and C0 controls other than \t \n \r \f become spaces.
 * NULL on out of memory. */
char *mgen__rag_sanitize(const char *s, size_t len, size_t *outlen);

/* 1 when the first 64 KiB of `s` hold at least 4 NUL/control bytes and
 * more than 1% of them. */
int mgen__rag_is_binary(const char *s, size_t len);

/* Appends one chunk (copies the strings; `ref` NULL = ""). MGEN_ENOMEM. */
int mgen__rag_push(mgen__rag_chunks *c, const char *title, const char *ref,
		   const char *text, size_t len, int tokens, int glossary);

/* Cuts `len` bytes of sanitized text into windows of `size` words that
 * share `overlap` words, each titled `title`. */
int mgen__rag_windows(mgen__rag_chunks *c, const char *title, const char *ref,
		      const char *text, size_t len, int size, int overlap);

/* Words in `len` bytes of text. */
int mgen__rag_count_words(const char *s, size_t len);

/* The parsers: sanitized text of a whole file into chunks. */
int mgen__rag_parse_markdown(mgen__rag_chunks *c, const char *text, size_t len,
			     const char *name, const mgen_rag_options *o);
int mgen__rag_parse_table(mgen__rag_chunks *c, const char *text, size_t len,
			  char sep);
int mgen__rag_parse_jsonl(mgen__rag_chunks *c, const char *text, size_t len,
			  const mgen_rag_options *o);
int mgen__rag_parse_html(mgen__rag_chunks *c, const char *text, size_t len,
			 const char *name, const mgen_rag_options *o);

/* Runs the parser for `kind`. */
int mgen__rag_parse(mgen__rag_chunks *c, mgen__rag_kind kind, const char *text,
		    size_t len, const char *name, const mgen_rag_options *o);

void mgen__rag_chunks_release(mgen__rag_chunks *c);

/* A chunk id with a score (dense search, fusion). */
typedef struct mgen__rag_scored {
	long long id;
	double score;
} mgen__rag_scored;

/* Scales `v` (dim floats) to length 1 (sum in double). Returns 0, or 1
 * for a zero vector (left as zeros: it matches nothing). */
int mgen__rag_normalize(float *v, int dim);

/* The dot product of two dim-float vectors. */
float mgen__rag_dot(const float *a, const float *b, int dim);

/* The best `k` rows of the n x dim matrix `mat` by dot product with `q`,
 * found with a k-entry min-heap (O(n log k)), into out[0..k) sorted by
 * score descending, then id ascending; returns how many (min(n, k)). */
size_t mgen__rag_topk(const float *mat, const long long *ids, size_t n, int dim,
		      const float *q, size_t k, mgen__rag_scored *out);

/* Reciprocal rank fusion of the ranked id lists a and b: score(id) =
 * sum of 1 / (k + rank), rank from 1; the best `top` into `out` (score
 * descending, then id ascending), count returned; (size_t)-1 on out of
 * memory. */
size_t mgen__rag_rrf(const long long *a, size_t na, const long long *b,
		     size_t nb, double k, size_t top, mgen__rag_scored *out);

/* Most words of a query that reach the full-text search (bounds the
 * cost of a query). */
#define MGEN__RAG_QUERY_WORDS 256

/* One word of a query: bytes [start, start + len) of it. */
typedef struct mgen__rag_word {
	size_t start, len;
} mgen__rag_word;

/* 1 when the `n` bytes at `w` are a word of Lucene's English stop set
 * (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET: the, of, and ...; ASCII case
 * folded), which both stores leave out of a query (rag_words.c). */
int mgen__rag_is_stop(const char *w, size_t n);

/*
 * The words of query `q` (NULL = ""), at most `max`, into `w`: maximal
 * runs of ASCII letters, digits and bytes >= 0x80, so no operator,
 * quote or bracket of any search syntax is part of a word. Words of
 * Lucene's English stop set are left out unless the query has no other
 * word. Returns their number (rag_words.c).
 */
size_t mgen__rag_query_words(const char *q, mgen__rag_word *w, size_t max);

#endif
