/*
 * rag_dense.c - `rag_dense INDEX API_BASE N DIM QUERIES`: dense and
 * hybrid retrieval at scale. Builds INDEX with N synthetic chunks (one
 * BEIR JSONL document, Zipf-like words) whose vectors are random unit
 * vectors of DIM floats written straight into chunk_vectors (embedding N
 * texts through a test server would measure the server), attaches an
 * embeddings client for API_BASE (the test server: queries are embedded
 * as in use, uncached), and runs every line of QUERIES as a dense and as
 * a hybrid top-10 search. Also times the exact scan alone (the top-k
 * heap over the same N x DIM matrix in memory). Prints one JSON line:
 * load time, p50/p99 of dense, hybrid and scan, in ms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "metagen/rag.h"
#include "rag/rag_internal.h"
#include "util/hash.h"

#define MAXQ 2000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t seed = 7;

static float unit_rand(void)
{
	return (float)((double)(mgen__splitmix64_next(&seed) >> 11) /
			   9007199254740992.0 * 2.0 -
		       1.0);
}

/* N chunks of 40 words from a 5,000-word vocabulary (skewed to the
 * first words) as one JSONL document. */
static int add_corpus(mgen_rag *r, long n, mgen_err *err)
{
	static const char *const syl[] = {"ka", "lo", "mi", "ne", "su", "ta",
					  "ri", "po", "ve", "da", "zu", "gi"};
	mgen_buf b = MGEN_BUF_INIT;
	long i;
	int w, rc;

	mgen_buf_init(&b, (size_t)n * 512 + 1024);
	for (i = 0; i < n; i++) {
		mgen_buf_printf(&b,
				"{\"_id\": \"%ld\", \"title\": \"t%ld\", "
				"\"text\": \"",
				i, i);
		for (w = 0; w < 40; w++) {
			uint64_t x = mgen__splitmix64_next(&seed);
			unsigned word =
			    (unsigned)((x % 5000) * (x % 5000) / 5000);
			mgen_buf_printf(&b, "%s%s%s%s ", syl[word % 12],
					syl[(word / 12) % 12],
					syl[(word / 144) % 12],
					word > 1727 ? "ro" : "");
		}
		mgen_buf_puts(&b, "\"}\n");
	}
	rc = mgen_buf_error(&b)
		 ? mgen_err_set(err, MGEN_ENOMEM, "out of memory")
		 : mgen_rag_add_memory(r, "/bench/corpus.jsonl", b.data, b.len,
				       NULL, NULL, err);
	mgen_buf_release(&b);
	return rc;
}

/* Random unit vectors for chunk ids 1..n, into the file and `mat`. */
static int add_vectors(const char *path, long n, int dim, float *mat)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char d[16];
	long i;
	int j, rc = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < dim; j++)
			mat[i * dim + j] = unit_rand();
		mgen__rag_normalize(mat + i * dim, dim);
	}
	snprintf(d, sizeof(d), "%d", dim);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN; DELETE FROM chunk_vectors", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO chunk_vectors SELECT id, ?"
			       " FROM chunks WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK)
		rc = 1;
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_blob(st, 1, mat + i * dim, dim * 4, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, i + 1);
		rc = sqlite3_step(st) != SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc == 0) {
		char sql[200];
		snprintf(sql, sizeof(sql),
			 "INSERT OR REPLACE INTO rag_meta "
			 "VALUES('embed_model', 'emb'), ('embed_dim', '%s');"
			 "COMMIT",
			 d);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
	}
	if (rc)
		fprintf(stderr, "rag_dense: %s\n", sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

/* Times `mode` over the queries: ms[] sorted. */
static int run_mode(mgen_rag *r, char **q, size_t nq, mgen_rag_mode mode,
		    double *ms, mgen_err *err)
{
	size_t i, nh;

	for (i = 0; i < nq; i++) {
		mgen_rag_hit *h = NULL;
		double t0 = now_ms();
		if (mgen_rag_search_mode(r, q[i], mode, 10, &h, &nh, err) != 0)
			return 1;
		ms[i] = now_ms() - t0;
		mgen_rag_hits_free(h, nh);
	}
	qsort(ms, nq, sizeof(*ms), cmp);
	return 0;
}

static void scan(const float *mat, long n, int dim, size_t nq, double *ms)
{
	long long *ids = malloc((size_t)n * sizeof(*ids));
	mgen__rag_scored top[10];
	float *q = malloc((size_t)dim * sizeof(*q));
	size_t i;
	int j;

	for (i = 0; ids && i < (size_t)n; i++)
		ids[i] = (long long)i + 1;
	for (i = 0; ids && q && i < nq; i++) {
		double t0;
		for (j = 0; j < dim; j++)
			q[j] = unit_rand();
		mgen__rag_normalize(q, dim);
		t0 = now_ms();
		mgen__rag_topk(mat, ids, (size_t)n, dim, q, 10, top);
		ms[i] = now_ms() - t0;
	}
	qsort(ms, nq, sizeof(*ms), cmp);
	free(ids);
	free(q);
}

int main(int argc, char **argv)
{
	static double dense[MAXQ], hybrid[MAXQ], scanned[MAXQ];
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	mgen_lm *lm = NULL;
	char line[4096], *q[MAXQ];
	size_t nq = 0, nh;
	long n = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	int dim = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 0;
	float *mat =
	    n > 0 && dim > 0 ? malloc((size_t)n * (size_t)dim * 4) : NULL;
	double t0, load;
	mgen_rag_hit *h = NULL;
	FILE *f = argc > 5 ? fopen(argv[5], "r") : NULL;

	if (argc != 6 || mat == NULL || f == NULL) {
		fprintf(stderr,
			"usage: rag_dense INDEX API_BASE N DIM QUERIES\n");
		return 2;
	}
	while (nq < MAXQ && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		q[nq++] = strdup(line);
	}
	fclose(f);
	o.model = "emb";
	o.api_base = argv[2];
	if (mgen_rag_open(argv[1], 1, NULL, &r, &err) != 0 ||
	    add_corpus(r, n, &err) != 0 || add_vectors(argv[1], n, dim, mat) ||
	    mgen_lm_new(&o, &lm, &err) != 0 ||
	    mgen_rag_set_embedder(r, lm, 0, &err) != 0)
		goto fail;
	t0 = now_ms(); /* the first search reads the vectors into memory */
	if (mgen_rag_search_mode(r, q[0], MGEN_RAG_DENSE, 10, &h, &nh, &err))
		goto fail;
	load = now_ms() - t0;
	mgen_rag_hits_free(h, nh);
	if (run_mode(r, q, nq, MGEN_RAG_DENSE, dense, &err) ||
	    run_mode(r, q, nq, MGEN_RAG_HYBRID, hybrid, &err))
		goto fail;
	scan(mat, n, dim, nq, scanned);
	printf("{\"chunks\": %ld, \"dim\": %d, \"queries\": %zu, "
	       "\"first_search_ms\": %.1f, \"dense_p50_ms\": %.2f, "
	       "\"dense_p99_ms\": %.2f, \"hybrid_p50_ms\": %.2f, "
	       "\"hybrid_p99_ms\": %.2f, \"scan_p50_ms\": %.2f, "
	       "\"scan_p99_ms\": %.2f}\n",
	       n, dim, nq, load, dense[nq / 2], dense[nq * 99 / 100],
	       hybrid[nq / 2], hybrid[nq * 99 / 100], scanned[nq / 2],
	       scanned[nq * 99 / 100]);
	mgen_rag_close(r);
	mgen_lm_free(lm);
	return 0;
fail:
	fprintf(stderr, "rag_dense: %s\n", err.msg);
	return 2;
}
