/*
 * test_rag_dense.c - dense retrieval: the top-k heap against a full
 * sort, reciprocal rank fusion by hand, normalisation, the embeddings
 * client against the test server (batches, cache, each hostile answer a
 * clear error) and the index's dense and hybrid search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "metagen/rag.h"
#include "rag/rag_internal.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/util.h"

#define FAKE_SERVER_TAG "ragdense"
#include "fake_server.h"

static int by_score_then_id(const void *a, const void *b)
{
	const mgen__rag_scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The heap's answer equals the first k of a full sort, ties (repeated
 * rows) broken by the lower id, for k below, at and above n. */
static void test_rag_dense__topk_matches_sort(void **state)
{
	enum { N = 1000, D = 19 };
	static const size_t ks[] = {1, 2, 10, 999, 1000, 1500};
	float *mat = malloc(N * D * sizeof(float)), q[D];
	long long ids[N];
	mgen__rag_scored all[N], got[1500];
	uint64_t seed = 42;
	size_t i, j, m;

	(void)state;
	for (i = 0; i < N; i++) {
		ids[i] = (long long)(N - i) * 3; /* not in row order */
		for (j = 0; j < D; j++)
			mat[i * D + j] = i % 7 == 3 && i > 7
					     ? mat[(i - 7) * D + j] /* a tie */
					     : (float)((double)(mgen__splitmix64_next(
							   &seed) % 2001) / 1000.0 - 1.0);
	}
	for (j = 0; j < D; j++)
		q[j] = (float)((double)(mgen__splitmix64_next(&seed) % 2001) /
			       1000.0 - 1.0);
	for (i = 0; i < N; i++) {
		all[i].id = ids[i];
		all[i].score = mgen__rag_dot(mat + i * D, q, D);
	}
	qsort(all, N, sizeof(all[0]), by_score_then_id);
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		m = mgen__rag_topk(mat, ids, N, D, q, ks[i], got);
		assert_int_equal(m, ks[i] < N ? ks[i] : N);
		for (j = 0; j < m; j++) {
			assert_int_equal(got[j].id, all[j].id);
			assert_true(got[j].score == all[j].score);
		}
	}
	assert_int_equal(mgen__rag_topk(mat, ids, N, D, q, 0, got), 0);
	assert_int_equal(mgen__rag_topk(mat, ids, 0, D, q, 5, got), 0);
	free(mat);
}

/* The 8-way dot product equals the plain sum for every length. */
static void test_rag_dense__dot_every_length(void **state)
{
	float a[40], b[40];
	int d, i;

	(void)state;
	for (i = 0; i < 40; i++)
		a[i] = (float)(i % 5) - 2.0f, b[i] = (float)(i % 3) + 0.5f;
	for (d = 0; d <= 40; d++) {
		double want = 0;
		for (i = 0; i < d; i++)
			want += (double)a[i] * b[i];
		assert_true(fabs(mgen__rag_dot(a, b, d) - want) < 1e-4);
	}
}

/* RRF k = 60: an id in both lists sums 1/(60+r1) + 1/(60+r2) and beats
 * ids ranked first in only one; equal scores go to the lower id. */
static void test_rag_dense__rrf_by_hand(void **state)
{
	const long long bm[] = {10, 20, 30}, de[] = {40, 30, 10};
	mgen__rag_scored out[8];
	size_t n;

	(void)state;
	n = mgen__rag_rrf(bm, 3, de, 3, 60.0, 8, out);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].id, 10); /* 1/61 + 1/63 */
	assert_true(fabs(out[0].score - (1.0 / 61 + 1.0 / 63)) < 1e-12);
	assert_int_equal(out[1].id, 30); /* 1/63 + 1/62 */
	assert_true(fabs(out[1].score - (1.0 / 63 + 1.0 / 62)) < 1e-12);
	assert_int_equal(out[2].id, 40); /* 1/61, tie with none */
	assert_int_equal(out[3].id, 20); /* 1/62 */
	n = mgen__rag_rrf(bm, 3, de, 3, 60.0, 2, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].id, 30);
	/* same rank in two disjoint lists: equal scores, lower id first */
	n = mgen__rag_rrf((const long long[]){7}, 1, (const long long[]){5},
			  1, 60.0, 8, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].id, 5);
	assert_true(out[0].score == out[1].score);
	assert_int_equal(mgen__rag_rrf(NULL, 0, NULL, 0, 60.0, 8, out), 0);
	n = mgen__rag_rrf(bm, 3, NULL, 0, 60.0, 8, out); /* one list */
	assert_int_equal(n, 3);
	assert_int_equal(out[2].id, 30);
}

static void test_rag_dense__normalize(void **state)
{
	float v[4] = {3, 0, 4, 0}, z[3] = {0, 0, 0};
	float big[2] = {3e30f, 4e30f}, tiny[2] = {3e-30f, 4e-30f};

	(void)state;
	assert_int_equal(mgen__rag_normalize(v, 4), 0);
	assert_true(fabs(v[0] - 0.6) < 1e-6 && fabs(v[2] - 0.8) < 1e-6);
	assert_int_equal(mgen__rag_normalize(z, 3), 1); /* left as zeros */
	assert_true(z[0] == 0 && z[1] == 0 && z[2] == 0);
	/* summed in double: neither overflows nor underflows */
	assert_int_equal(mgen__rag_normalize(big, 2), 0);
	assert_true(fabs(big[1] - 0.8) < 1e-6);
	assert_int_equal(mgen__rag_normalize(tiny, 2), 0);
	assert_true(fabs(tiny[0] - 0.6) < 1e-6);
}

static mgen_lm *new_lm(const srv *s, const char *model, const char *cache)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm = NULL;

	o.model = model;
	o.api_base = s->base;
	o.backoff_base_ms = 20;
	o.max_retries = 2;
	o.cache_path = cache;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	return lm;
}

/* Ten texts in batches of 4: three requests of 4, 4 and 2 inputs, rows
 * in input order (texts sharing words point the same way); asked again,
 * every vector comes from the cache and no request is made. */
static void test_rag_dense__embed_batched_and_cached(void **state)
{
	srv *s = *state;
	const char *texts[10] = {"alpha beta", "gamma", "alpha beta", "delta",
				 "epsilon", "zeta", "eta", "theta", "iota",
				 "alpha beta gamma"};
	char cache[200];
	mgen_err err = MGEN_ERR_INIT;
	float *v = NULL, *w = NULL;
	cJSON *rec, *it;
	long long req;
	int dim = 0, dim2 = 0, k = 0;
	static const int sizes[] = {4, 4, 2};
	mgen_lm *lm;

	srv_start(s, NULL, "--embed-dim", "32");
	snprintf(cache, sizeof(cache), "%s/cache.sqlite", s->dir);
	lm = new_lm(s, "openai/emb-test", cache);
	assert_int_equal(mgen_lm_embed(lm, texts, 10, 4, &dim, &v, &err), 0);
	assert_int_equal(dim, 32);
	assert_memory_equal(v, v + 2 * 32, 32 * sizeof(float));
	assert_memory_not_equal(v, v + 32, 32 * sizeof(float));
	rec = srv_records(s);
	assert_int_equal(cJSON_GetArraySize(rec), 3);
	cJSON_ArrayForEach(it, rec) {
		cJSON *body = cJSON_GetObjectItem(it, "body");
		assert_string_equal(mgen__json_str(it, "path"), "/v1/embeddings");
		assert_string_equal(mgen__json_str(body, "model"), "emb-test");
		assert_int_equal(cJSON_GetObjectItem(it, "inputs")->valueint,
				 sizes[k++]);
	}
	cJSON_Delete(rec);
	assert_int_equal(mgen_lm_embed(lm, texts, 10, 4, &dim2, &w, &err), 0);
	assert_int_equal(dim2, 32);
	assert_memory_equal(v, w, 10 * 32 * sizeof(float));
	assert_int_equal(srv_count(s), 3);
	assert_int_equal(mgen_lm_cache_hits(lm), 10);
	mgen_lm_usage(lm, NULL, NULL, &req);
	assert_int_equal(req, 3);
	/* a dimension asked for that the cache and endpoint do not give */
	dim2 = 16;
	free(w);
	mgen_err_clear(&err);
	assert_int_equal(mgen_lm_embed(lm, texts, 1, 4, &dim2, &w, &err),
			 MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "expected 16"));
	assert_null(w);
	free(v);
	mgen_lm_free(lm);
	unlink(cache);
}

/* Each hostile answer is refused with a message naming what is wrong;
 * a 500 is retried. */
static void test_rag_dense__hostile_answers(void **state)
{
	static const struct {
		const char *fault;
		int rc;
		const char *msg;
	} cases[] = {
	    {"wrong_dim", MGEN_EPARSE, "vector 2 has 31 numbers, expected 32"},
	    {"nan", MGEN_EPARSE, "is not json"},
	    {"inf", MGEN_EPARSE, "vector 0, number 0 is not a finite number"},
	    {"few", MGEN_EPARSE, "holds 2 vectors for 3 inputs"},
	    {"bad_index", MGEN_EPARSE, "repeated or out-of-range index"},
	    {"huge", MGEN_EHTTP, "is larger than 1835008 bytes"},
	    {"http_garbage", MGEN_EPARSE, "is not json"},
	    {"400", MGEN_EHTTP, "answered HTTP 400"},
	};
	srv *s = *state;
	const char *texts[3] = {"one word", "two words", "three words"};
	mgen_buf script = MGEN_BUF_INIT;
	mgen_err err = MGEN_ERR_INIT;
	float *v = NULL;
	size_t i;
	int dim;
	mgen_lm *lm;

	mgen_buf_puts(&script, "{\"embeddings\": [");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mgen_buf_printf(&script, "{\"fault\": \"%s\"}, ", cases[i].fault);
	mgen_buf_puts(&script, "{\"fault\": \"500\"}]}");
	srv_start(s, mgen_buf_str(&script), "--embed-dim", "32");
	mgen_buf_release(&script);
	lm = new_lm(s, "emb", NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dim = 0;
		mgen_err_clear(&err);
		assert_int_equal(mgen_lm_embed(lm, texts, 3, 3, &dim, &v, &err),
				 cases[i].rc);
		if (strstr(err.msg, cases[i].msg) == NULL)
			print_error("%s: %s\n", cases[i].fault, err.msg);
		assert_non_null(strstr(err.msg, cases[i].msg));
		assert_non_null(strstr(err.msg, "127.0.0.1"));
		assert_null(v);
	}
	dim = 0; /* the 500 is retried, then the answer is whole */
	assert_int_equal(mgen_lm_embed(lm, texts, 3, 3, &dim, &v, &err), 0);
	assert_int_equal(dim, 32);
	free(v);
	mgen_lm_free(lm);
}

/* The huge case above reads 1 MiB + 256 KiB for one batch of three. */
static const char DOCS[] =
    "# Patients\n\nA patient has a medical record number.\n\n"
    "# Wards\n\nThe intensive care unit keeps beds.\n\n"
    "# Drugs\n\nPrescriptions name a drug and a dose.\n";

/* An index embedded through the server: stats count the vectors, a
 * second pass makes no request, dense search puts the matching chunk
 * first with cosine 1 for its own text, hybrid fuses, and the modes
 * that need vectors say what is missing. */
static void test_rag_dense__index_dense_and_hybrid(void **state)
{
	srv *s = *state;
	char path[200];
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag *r = NULL;
	mgen_rag_stats st;
	mgen_rag_hit *h = NULL;
	size_t n = 0;
	long long emb = 0;
	mgen_lm *lm, *other;

	srv_start(s, NULL, NULL, NULL);
	snprintf(path, sizeof(path), "%s/idx.sqlite", s->dir);
	lm = new_lm(s, "emb", NULL);
	assert_int_equal(mgen_rag_open(path, 1, NULL, &r, &err), 0);
	assert_int_equal(mgen_rag_add_memory(r, "/d/a.md", DOCS, strlen(DOCS),
					     NULL, NULL, &err), 0);
	assert_int_equal(mgen_rag_search_mode(r, "patient", MGEN_RAG_DENSE, 5,
					      &h, &n, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "rag.embeddings.model"));
	/* AUTO without an embedder is BM25 */
	assert_int_equal(mgen_rag_search_mode(r, "patient", MGEN_RAG_AUTO, 5,
					      &h, &n, &err), 0);
	assert_int_equal(n, 1);
	mgen_rag_hits_free(h, n);
	assert_int_equal(mgen_rag_set_embedder(r, lm, 2, &err), 0);
	mgen_err_clear(&err);
	assert_int_equal(mgen_rag_search_mode(r, "patient", MGEN_RAG_HYBRID, 5,
					      &h, &n, &err), MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "no vectors yet"));
	assert_int_equal(mgen_rag_embed_pending(r, &emb, &err), 0);
	assert_int_equal(emb, 3);
	assert_int_equal(srv_count(s), 2); /* batches of 2: 2 + 1 */
	assert_int_equal(mgen_rag_stats_get(r, &st, &err), 0);
	assert_int_equal(st.embedded, 3);
	assert_int_equal(mgen_rag_embed_pending(r, &emb, &err), 0);
	assert_int_equal(emb, 0);
	assert_int_equal(srv_count(s), 2);
	assert_int_equal(mgen_rag_search_mode(r, "Wards\nThe intensive care "
					      "unit keeps beds.",
					      MGEN_RAG_DENSE, 5, &h, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(h[0].title, "Wards");
	assert_true(fabs(h[0].score - 1.0) < 1e-5); /* normalised both */
	assert_true(h[1].score < 0.5);
	mgen_rag_hits_free(h, n);
	assert_int_equal(mgen_rag_search_mode(r, "drug dose", MGEN_RAG_AUTO, 2,
					      &h, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].title, "Drugs"); /* first in both lists */
	assert_true(fabs(h[0].score - 2.0 / 61.0) < 1e-9);
	mgen_rag_hits_free(h, n);
	assert_int_equal(mgen_rag_search_mode(r, "\"*:()", MGEN_RAG_HYBRID, 2,
					      &h, &n, &err), 0);
	assert_int_equal(n, 0); /* no word: no hits, no error */
	/* vectors of "emb" refuse another model */
	other = new_lm(s, "other-emb", NULL);
	mgen_err_clear(&err);
	assert_int_equal(mgen_rag_set_embedder(r, other, 0, &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "'emb'"));
	/* a changed document drops its vectors; only new chunks are sent */
	assert_int_equal(mgen_rag_add_memory(r, "/d/a.md", DOCS, 30, NULL,
					     NULL, &err), 0);
	assert_int_equal(mgen_rag_stats_get(r, &st, &err), 0);
	assert_int_equal(st.embedded, 0);
	mgen_rag_close(r);
	mgen_lm_free(lm);
	mgen_lm_free(other);
	unlink(path);
}

/* Entries: empty texts left out, invalid UTF-8 and control bytes
 * sanitized, the same entries unchanged, a changed one replaces, a key
 * that is not a file survives --prune. */
static void test_rag_dense__entries(void **state)
{
	mgen_rag_entry e[3] = {{"main.t", NULL, "Table \xff of\x01 rows."},
			       {"main.t.a", "main.t.a", ""},
			       {"main.t.b", "main.t.b", "Column b."}};
	char path[] = "/tmp/mgen-ragdense-entries-XXXXXX";
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;
	mgen_rag_hit *h = NULL;
	mgen_rag *r = NULL;
	long long chunks = 0, pruned = 0;
	size_t n = 0;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(mgen_rag_open(path, 1, NULL, &r, &err), 0);
	assert_int_equal(mgen_rag_add_entries(r, "warehouse:x", e, 3, &st,
					      &chunks, &err), 0);
	assert_int_equal(st, MGEN_RAG_ADDED);
	assert_int_equal(chunks, 2);
	assert_int_equal(mgen_rag_search(r, "table rows", 5, &h, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].text, "Table \xef\xbf\xbd of  rows.");
	assert_string_equal(h[0].source, "warehouse:x");
	mgen_rag_hits_free(h, n);
	assert_int_equal(mgen_rag_add_entries(r, "warehouse:x", e, 3, &st,
					      &chunks, &err), 0);
	assert_int_equal(st, MGEN_RAG_UNCHANGED);
	e[1].text = "Column a.";
	assert_int_equal(mgen_rag_add_entries(r, "warehouse:x", e, 3, &st,
					      &chunks, &err), 0);
	assert_int_equal(st, MGEN_RAG_REPLACED);
	assert_int_equal(chunks, 3);
	assert_int_equal(mgen_rag_prune(r, &pruned, &err), 0);
	assert_int_equal(pruned, 0);
	mgen_rag_close(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rag_dense__topk_matches_sort),
		cmocka_unit_test(test_rag_dense__dot_every_length),
		cmocka_unit_test(test_rag_dense__rrf_by_hand),
		cmocka_unit_test(test_rag_dense__normalize),
		cmocka_unit_test(test_rag_dense__entries),
		SRV_TEST(test_rag_dense__embed_batched_and_cached),
		SRV_TEST(test_rag_dense__hostile_answers),
		SRV_TEST(test_rag_dense__index_dense_and_hybrid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
