/*
 * rag_bm25_post.h - postings of the impact index (rag_bm25.h): the
 * in-memory map of a transaction's postings, the block codec, and
 * merging into / removing from the bm25_blocks rows.
 */
#ifndef METAGEN_RAG_BM25_POST_H
#define METAGEN_RAG_BM25_POST_H

#include <stddef.h>

#include "metagen/metagen.h"

struct mgen_rag;

/* One posting: chunk id, weighted frequency, row length. */
typedef struct mgen__bm25_post {
	long long id;
	int f, d;
} mgen__bm25_post;

/* A token and its postings (id order). */
typedef struct mgen__bm25_list {
	char *tok;
	int n;
	unsigned hash;
	mgen__bm25_post *v;
	size_t len, cap;
} mgen__bm25_list;

/* Token -> postings; zero-initialised is empty. */
typedef struct mgen__bm25_map {
	mgen__bm25_list *lists;
	size_t nlists, lcap;
	size_t *slots; /* open addressing: list index + 1, 0 = free */
	size_t nslots;
	size_t *touched; /* lists given a posting by the current row */
	size_t ntouched, tcap;
	size_t postings;
} mgen__bm25_map;

/* Adds weight `w` to the posting of row `id` for token tok[0..n) (a new
 * posting when the list's last one is another row). MGEN_ENOMEM. */
int mgen__bm25_map_add(mgen__bm25_map *m, const char *tok, int n, long long id,
		       int w);

/* Ends the current row: its postings get the row length `d`. */
void mgen__bm25_map_end_row(mgen__bm25_map *m, int d);

void mgen__bm25_map_release(mgen__bm25_map *m);

/* Largest encoded size of `n` postings. */
#define MGEN__BM25_ENCODED_MAX(n) ((n)*20 + 10)

/* Encodes n postings (ids ascending) into `out` (ENCODED_MAX bytes);
 * returns the bytes written. */
size_t mgen__bm25_encode(const mgen__bm25_post *p, size_t n,
			 unsigned char *out);

/* Decodes exactly `n` postings from `len` bytes: 0, or -1 when the bytes
 * are not such a block (ids not ascending, varint overrun, bytes left). */
int mgen__bm25_decode(const unsigned char *d, size_t len, size_t n,
		      mgen__bm25_post *out);

/* Merges every list of `m` into its term's blocks (and df, bounds). */
int mgen__bm25_post_merge(struct mgen_rag *r, mgen__bm25_map *m, mgen_err *err);

/* Removes the ids of every list of `m` from its term's blocks. */
int mgen__bm25_post_remove(struct mgen_rag *r, mgen__bm25_map *m,
			   mgen_err *err);

#endif
