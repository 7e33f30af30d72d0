/*
 * rag.h - the retrieval store: files chunked into token windows and
 * indexed for BM25 search in one SQLite file (FTS5).
 *
 * The file holds three tables: documents (path, SHA-256 of the content,
 * mtime, kind), chunks (id, document, ref, title, token count, glossary
 * flag) and an FTS5 table chunks_fts(title, text) with
 * tokenize = 'porter unicode61' (SQLite FTS5, https://sqlite.org/fts5.html,
 * sections 4.3 and 5.1). A chunk's FTS5 rowid is its id. Beside them, an
 * impact index for fast BM25 (src/rag/rag_bm25.h): bm25_terms,
 * bm25_blocks (each token's postings - chunk id, title/text frequency,
 * chunk length - in blocks of 128 with their bounds) and bm25_stats,
 * written in the same transactions as chunks_fts. A file written before
 * these tables existed gets them built once, when it is opened.
 *
 * Tokens. A "token" here is a word: a maximal run of bytes that are not
 * ASCII whitespace. Chunk sizes and context budgets count words; a word
 * is never split, and since text is valid UTF-8 before it is cut (see
 * below) no UTF-8 sequence is split either.
 *
 * Files (the kind is chosen by the name's extension, case-insensitive):
 *   .md .markdown   split on ATX headings ("#" to "######" outside ```
 *                   fences) first; each section's chunks carry the heading
 *                   path "Top > Sub > Leaf" as their title
 *   .csv .tsv       glossary: one chunk per row "term,definition" (more
 *                   cells are appended to the definition); title and ref
 *                   are the term; a first row "term,definition" (any
 *                   case) is a header and skipped. CSV as RFC 4180
 *                   (quoted cells, "" inside quotes); TSV splits on tabs.
 *   .jsonl          one object per line in BEIR's corpus shape
 *                   {"_id", "title", "text"} (Thakur et al., BEIR, 2021);
 *                   ref = _id; a line that is not such an object is
 *                   counted in `skipped`
 *   .html .htm      text through libxml2's HTML parser (script and style
 *                   dropped, <title> as the title)
 *   anything else   plain text (title = the file's base name)
 * Hostile input: bytes that are not valid UTF-8 become U+FFFD, NUL and
 * other C0 control bytes (but tab, newline, carriage return, form feed)
 * become spaces. A file whose first 64 KiB hold more than 1% NUL/control
 * bytes (and at least 4) is binary and refused (MGEN_EINVAL, "FILE: binary
 * file, not indexed"), whatever its name. A file larger than max_file_bytes is
 * refused (MGEN_ELIMIT, naming the file and the limit): files are read
 * whole, so memory is bounded by that cap (default 32 MiB).
 *
 * Dense vectors (rag_dense.c). With an embeddings client attached
 * (mgen_rag_set_embedder), mgen_rag_embed_pending embeds every chunk that
 * has no vector yet - the text "title\ntext" - in batches (a cached
 * text makes no request, an unchanged document has nothing pending), L2-
 * normalises each vector and stores it in chunk_vectors(id = the chunk's
 * id, v = dim float32 in the host's byte order, little-endian on every
 * supported host). rag_meta keeps the model name and dimension: an index
 * embedded with one model refuses another (MGEN_ECONFIG). Dense search
 * is exact: the dot product of the normalised query with every vector
 * (= cosine similarity), best `top_k` kept in a heap; the vectors are
 * read into memory once per handle (n x dim x 4 bytes, at most 4 GiB:
 * more is MGEN_ELIMIT) and again after any write. Hybrid is reciprocal rank
 * fusion (Cormack, Clarke and Buettcher, SIGIR 2009): score(d) = sum over the
 * BM25 and the dense lists of 1 / (60 + rank of d), ranks from 1, each list
 * max(top_k, 100) deep.
 *
 * Ownership: handles from mgen_rag_open are freed by mgen_rag_close
 * (NULL is harmless); hit arrays by mgen_rag_hits_free. Errors: every
 * function returns 0 or a negative mgen_error_code and writes one line
 * into `err` (SQLite's own errmsg kept for MGEN_EDB). A handle is used by
 * one thread at a time.
 */
#ifndef METAGEN_RAG_H
#define METAGEN_RAG_H

#include <stddef.h>

#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_rag mgen_rag;

/* Chunking and limits. Defaults: 200 words per chunk, 40 words shared by
 * neighbouring chunks, files up to 32 MiB. */
typedef struct mgen_rag_options {
	int version;	       /* MGEN_RAG_OPTIONS_VERSION */
	int chunk_tokens;      /* words per chunk, >= 8 */
	int chunk_overlap;     /* words repeated from the previous chunk,
				  0 <= overlap < chunk_tokens / 2 */
	size_t max_file_bytes; /* larger files are refused */
} mgen_rag_options;

#define MGEN_RAG_OPTIONS_VERSION 1
#define MGEN_RAG_CHUNK_TOKENS 200
#define MGEN_RAG_CHUNK_OVERLAP 40
#define MGEN_RAG_MAX_FILE_BYTES ((size_t)32 * 1024 * 1024)
#define MGEN_RAG_OPTIONS_INIT                                                  \
	{                                                                      \
		MGEN_RAG_OPTIONS_VERSION, MGEN_RAG_CHUNK_TOKENS,               \
		    MGEN_RAG_CHUNK_OVERLAP, MGEN_RAG_MAX_FILE_BYTES            \
	}

/*
 * Opens (creating when `create` is nonzero, with its folder) the index
 * file at `path`. `opt` NULL = the defaults. Returns 0, MGEN_EINVAL (bad
 * options), MGEN_ENOTFOUND (no file and !create), MGEN_EDB (SQLite, FTS5
 * missing or a file that is not a metagen index) or MGEN_ENOMEM.
 */
int mgen_rag_open(const char *path, int create, const mgen_rag_options *opt,
		  mgen_rag **out, mgen_err *err);

/*
 * Opens the PostgreSQL store in schema `schema` (1..63 bytes; quoted as
 * an identifier, any name works) of the server that ODBC connection
 * string `conn` names (psqlODBC: "Driver=PostgreSQL Unicode;Server=..").
 * With `create` the schema and its tables are made when missing (under
 * an advisory lock: processes may start together); without, a missing
 * store is MGEN_ENOTFOUND. The store holds the same documents, chunks
 * and vectors as an index file and answers every function of this
 * header; where it differs:
 *  - full text: a tsvector of each chunk (to_tsvector 'english': Snowball
 *    stemming and PostgreSQL's stop words; title weight A, text B) under
 *    a GIN index; each query word goes to its own plainto_tsquery, OR-ed
 *    (no tsquery syntax is built from the query); a chunk's score is
 *    the sum over matched words of BM25's idf of the word times its
 *    ts_rank (weights A 1.0, B 0.5; normalisation 1: divided by 1 +
 *    log of the length). ts_rank saturates the term frequency and
 *    normalises the length otherwise than BM25's k1 and b, so scores
 *    and order differ from FTS5's (SciFact nDCG@10 in the README);
 *  - glossary terms match by lower() (PostgreSQL's locale), not ASCII
 *    case folding;
 *  - dense: where the pgvector extension is installed (or can be), a
 *    vector(dim) column ranked by the server (<#>, exact); else real[]
 *    vectors ranked exactly in memory as in an index file;
 *  - stats' file_bytes is the schema's size (pg_total_relation_size).
 * Documents are written in one transaction each, under an advisory lock
 * on the path: processes may index into one store at once. Messages name
 * the store by mgen_rag_name (the connection string masked). Returns 0,
 * MGEN_ECONFIG (no connection, bad schema, not PostgreSQL), MGEN_EDB
 * (the driver's message; a schema holding another store format),
 * MGEN_ENOTFOUND, MGEN_EINVAL (options) or MGEN_ENOMEM.
 */
int mgen_rag_connect(const char *conn, const char *schema, int create,
		     const mgen_rag_options *opt, mgen_rag **out,
		     mgen_err *err);

struct mgen_config;

/* The options named by cfg's rag.chunk_tokens, rag.chunk_overlap and
 * rag.max_file_mb (config.h). */
void mgen_rag_options_from_config(const struct mgen_config *cfg,
				  mgen_rag_options *o);

/* Opens cfg's rag.index with those options, or, when rag.connection is
 * set, the PostgreSQL store it names in rag.schema (mgen_rag_connect).
 * With `create` 0, an unset rag.index, a missing file or a store not
 * made yet is not an error: 0 with *out = NULL (no index configured).
 * Errors as mgen_rag_open and mgen_rag_connect. */
int mgen_rag_open_config(const struct mgen_config *cfg, int create,
			 mgen_rag **out, mgen_err *err);

/* Closes the file (or the connection) and frees the handle; NULL is
 * harmless. */
void mgen_rag_close(mgen_rag *rag);

/* What the handle reads: the index file's path, or "postgresql:" and
 * the store's masked connection string and schema (borrowed, lives as
 * long as the handle). For messages and `metagen index stats`. */
const char *mgen_rag_name(const mgen_rag *rag);

/* What adding one file did. */
typedef enum mgen_rag_status {
	MGEN_RAG_ADDED = 0,	/* new document */
	MGEN_RAG_UNCHANGED = 1, /* same content hash: nothing written */
	MGEN_RAG_REPLACED = 2,	/* content changed: its chunks replaced */
	MGEN_RAG_REFUSED = 3	/* not indexed; the reason is in `err` */
} mgen_rag_status;

/* Called once per file by mgen_rag_add_path. `chunks` is the number of
 * chunks written (0 when unchanged or refused), `skipped` the glossary
 * rows / JSONL lines that could not be read, `reason` the refusal (NULL
 * otherwise). */
typedef void (*mgen_rag_report_fn)(void *userdata, const char *path,
				   mgen_rag_status status, long long chunks,
				   long long skipped, const char *reason);

/*
 * Indexes one file, or every regular file under a folder (recursively;
 * names starting with '.' skipped, symbolic links not followed), in one
 * transaction per file. Documents are keyed by the path as given joined
 * to nothing: pass the same spelling to find them again (the CLI passes
 * realpath()s). A refused file (binary, too large, unreadable, not a
 * regular file) is reported and the walk goes on; the return value is
 * then MGEN_EINVAL and `err` holds the first refusal. Other failures
 * (SQLite, memory) stop at once.
 */
int mgen_rag_add_path(mgen_rag *rag, const char *path, mgen_rag_report_fn fn,
		      void *userdata, mgen_err *err);

/* Indexes `len` bytes of `data` as the document `path` of the given kind
 * (by extension as above, from `path`). For tests and callers that hold
 * the text. `*status` receives what happened. */
int mgen_rag_add_memory(mgen_rag *rag, const char *path, const char *data,
			size_t len, mgen_rag_status *status, long long *chunks,
			mgen_err *err);

/* One entry of a document the caller builds (mgen_rag_add_entries);
 * strings borrowed. */
typedef struct mgen_rag_entry {
	const char *title; /* e.g. "main.patients.dob" */
	const char *ref;   /* NULL = "" */
	const char *text;  /* NULL or "" = the entry is left out */
} mgen_rag_entry;

/*
 * Indexes the `n` entries as the document `key` (a path, or any name
 * such as "warehouse:..."): each entry's text (sanitized as a file's)
 * cut into windows titled by its title. The content hash covers every
 * title, ref and text, so the same entries again are UNCHANGED and
 * nothing is written; others replace the document's chunks. Same
 * returns as mgen_rag_add_memory.
 */
int mgen_rag_add_entries(mgen_rag *rag, const char *key,
			 const mgen_rag_entry *e, size_t n,
			 mgen_rag_status *status, long long *chunks,
			 mgen_err *err);

/* Drops the document `path` and its chunks; `*removed` = 1 or 0 (was not
 * indexed). Returns 0 or MGEN_EDB. */
int mgen_rag_remove(mgen_rag *rag, const char *path, long long *removed,
		    mgen_err *err);

/* Drops every document whose file no longer exists (keys that are not
 * absolute paths, such as "warehouse:...", are kept); `*removed` counts
 * them. Returns 0, MGEN_ENOMEM, or MGEN_EDB with the index path and
 * SQLite's message in `err`. */
int mgen_rag_prune(mgen_rag *rag, long long *removed, mgen_err *err);

/* Counts for `metagen index stats`. */
typedef struct mgen_rag_stats {
	long long documents;
	long long chunks;
	long long tokens;     /* words over all chunks */
	long long glossary;   /* glossary chunks */
	long long embedded;   /* chunks with a dense vector */
	long long file_bytes; /* size of the index file on disk */
} mgen_rag_stats;

/* Fills `*st` (zeroed first) with the index's counts in one query and the
 * index file's size from stat(2) (0 when it cannot be read). Returns 0 or
 * MGEN_EDB with the index path and SQLite's message in `err`. */
int mgen_rag_stats_get(mgen_rag *rag, mgen_rag_stats *st, mgen_err *err);

/* One search result; every string is owned by the hit array. */
typedef struct mgen_rag_hit {
	long long id; /* chunk id (stable until its document changes) */
	char *source; /* document path */
	char *ref;    /* BEIR _id or glossary term; "" for other chunks */
	char *title;
	char *text;
	int glossary; /* 1 for a glossary entry */
	int tokens;   /* words in text */
	double score; /* BM25 (higher is better; -bm25() of FTS5) */
} mgen_rag_hit;

/*
 * BM25 search. Any `query` is safe: it is cut into words by FTS5's own
 * tokenizer (porter over unicode61, as the index), and no character of it
 * reaches a parser: FTS5 operators, quotes, column filters and
 * parentheses are separators or plain words; a query with no word gives
 * no hits. Words of Lucene's English stop set (the, of, and, ...) are
 * left out unless the query has no other word; at most 256 words count,
 * a repeated word counts each time (as in FTS5). Ranked by FTS5's bm25()
 * with the title weighted 2.0 and the text 1.0 (k1 = 1.2, b = 0.75: FTS5's
 * constants): the same hits, scores and order (ties to the lower id) as
 * ORDER BY bm25(chunks_fts, 2.0, 1.0), rowid over every matching chunk,
 * found with MaxScore pruning (Turtle and Flood 1995) and block-max
 * bounds (Ding and Suel 2011) so that only chunks that can still reach
 * the top k are scored. At most `top_k` (1..10000) hits into `*out` (NULL
 * when none), `*n` their number. MGEN_EDB also for a damaged posting block.
 */
int mgen_rag_search(mgen_rag *rag, const char *query, size_t top_k,
		    mgen_rag_hit **out, size_t *n, mgen_err *err);

/* Glossary chunks whose term equals `term` (ASCII case-insensitive), at
 * most `max`; same ownership as mgen_rag_search, score 0. */
int mgen_rag_glossary_lookup(mgen_rag *rag, const char *term, size_t max,
			     mgen_rag_hit **out, size_t *n, mgen_err *err);

/* Frees `n` hits and the array; NULL is harmless. */
void mgen_rag_hits_free(mgen_rag_hit *hits, size_t n);

struct mgen_lm;

/* Search modes. AUTO = HYBRID when the index has vectors and an
 * embedder is attached, else BM25. */
typedef enum mgen_rag_mode {
	MGEN_RAG_BM25 = 0,
	MGEN_RAG_DENSE = 1,
	MGEN_RAG_HYBRID = 2,
	MGEN_RAG_AUTO = 3
} mgen_rag_mode;

/* The mode named `name` ("bm25", "dense", "hybrid", "auto"); -1 when
 * none. */
int mgen_rag_mode_parse(const char *name);

/*
 * Attaches the embeddings client `lm` (include/metagen/lm.h; borrowed:
 * it must outlive its use through `rag`), `batch` texts per request (0 =
 * MGEN_LM_EMBED_BATCH). MGEN_ECONFIG when the index holds vectors of
 * another model than mgen_lm_model(lm) (the message names both),
 * MGEN_EDB. `lm` NULL detaches.
 */
int mgen_rag_set_embedder(mgen_rag *rag, struct mgen_lm *lm, size_t batch,
			  mgen_err *err);

/*
 * The embeddings client of cfg's rag.embeddings.model (the chat model's
 * endpoint, key, retries, rate limits and cache with that model; see
 * mgen_lm_new_from_config) attached to `rag` with rag.embeddings.
 * batch_size (mgen_rag_set_embedder). *lm is the client (caller frees
 * with mgen_lm_free after closing or detaching `rag`), NULL with 0 when
 * no model is set. Errors of both functions; *lm NULL on error.
 */
int mgen_rag_embedder_from_config(const struct mgen_config *cfg, mgen_rag *rag,
				  mgen_log_fn log, void *log_ud,
				  struct mgen_lm **lm, mgen_err *err);

/*
 * Embeds and stores the vectors of every chunk without one (see above),
 * 256 chunks per transaction; `*embedded` counts the vectors written.
 * MGEN_EINVAL without an embedder; mgen_lm_embed's errors (vectors of
 * the batches before the failure are kept); MGEN_EPARSE when the
 * dimension differs from the index's; MGEN_EDB; MGEN_ENOMEM.
 */
int mgen_rag_embed_pending(mgen_rag *rag, long long *embedded, mgen_err *err);

/*
 * mgen_rag_search in the given mode. Dense and hybrid embed the query
 * (cached like chunks) and need an embedder and vectors: else
 * MGEN_EINVAL saying which is missing. Scores: BM25 as mgen_rag_search,
 * dense the cosine similarity, hybrid the fused RRF score. Ties go to
 * the lower chunk id. Same ownership as mgen_rag_search.
 */
int mgen_rag_search_mode(mgen_rag *rag, const char *query, mgen_rag_mode mode,
			 size_t top_k, mgen_rag_hit **out, size_t *n,
			 mgen_err *err);

/* Retrieval quality on a BEIR-format set. */
typedef struct mgen_rag_eval {
	size_t queries;	  /* queries with at least one relevant document */
	double ndcg10;	  /* mean nDCG@10 (graded gains, log2 discount) */
	double recall100; /* mean recall@100 */
	double ms;	  /* wall time of the searches, in milliseconds */
} mgen_rag_eval;

/*
 * Reads `queries` (BEIR queries.jsonl: {"_id","text"} per line) and
 * `qrels` (TSV "query-id corpus-id score", a header line, CRLF allowed),
 * searches each query that has a relevant document (score > 0) with
 * top_k 100 over chunks, ranks documents by their best chunk (ref = the
 * corpus _id), and averages nDCG@10 (Jarvelin & Kekalainen 2002, the
 * BEIR/pytrec_eval formula: gain = score, discount log2(rank + 1)) and
 * recall@100. MGEN_EIO / MGEN_EPARSE naming the file and line.
 */
int mgen_rag_evaluate(mgen_rag *rag, const char *queries, const char *qrels,
		      mgen_rag_eval *out, mgen_err *err);

/* mgen_rag_evaluate with every query searched in `mode`
 * (mgen_rag_search_mode); errors of both. */
int mgen_rag_evaluate_mode(mgen_rag *rag, mgen_rag_mode mode,
			   const char *queries, const char *qrels,
			   mgen_rag_eval *out, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
