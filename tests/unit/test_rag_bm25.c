/*
 * test_rag_bm25.c - the pruned BM25 top-k (src/rag/rag_bm25*.c) against
 * FTS5's exhaustive bm25() (mgen__rag_search_fts) on randomized corpora:
 * the same ids in the same order with the same scores, for many seeds,
 * ties, a word in every chunk, stop-word and unknown-word queries, a
 * 10,000-word query, repeated words, hostile text; the impact index kept
 * right through adds, replacements and removals, built for an older file,
 * and a damaged block refused.
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
#include <unistd.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "metagen/rag.h"
#include "rag/rag_store.h"
#include "util/hash.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	mgen_rag *rag;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	mgen_err err = MGEN_ERR_INIT;

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mgen-test-bm25-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/rag.sqlite", f->dir);
	if (mgen_rag_open(f->path, 1, NULL, &f->rag, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[160];

	mgen_rag_close(f->rag);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Words: a few very common ones (ties, a word in half the chunks), a
 * long tail, stems that meet (run, running, runs), a stop word, and
 * non-ASCII ones. */
static const char *const words[] = {
    "alpha",  "beta",	   "gamma",   "delta",	   "run",	"running",
    "runs",   "the",	   "patient", "cohort",	   "dose",	"Dose",
    "café",   "cafe",	   "naïve",   "日本語",	   "x2",	"ZETA",
    "omega",  "kappa",	   "lambda",  "sigma",	   "tau",	"upsilon",
    "phi",    "chi",	   "psi",     "rho",	   "nu",	"mu",
    "fever",  "sepsis",	   "renal",   "hepatic",   "cardiac",	"lung",
    "mortal", "mortality", "admit",   "admission", "discharge", "icu"};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static const char *pick(uint64_t *s)
{
	uint64_t x = mgen__splitmix64_next(s) % (NWORDS * NWORDS);
	return words[(size_t)sqrt((double)x)]; /* skewed to the last words */
}

/* A BEIR JSONL document of `n` chunks; "omni" in every one when
 * `every`, and each fifth chunk a copy of the one before (ties). */
static void corpus(uint64_t *s, int n, int every, mgen_buf *b)
{
	char prev[2048] = "";
	int i, w, len;

	for (i = 0; i < n; i++) {
		mgen_buf line = MGEN_BUF_INIT;
		if (i % 5 == 4 && prev[0]) {
			mgen_buf_printf(b, "%s\n", prev);
			continue;
		}
		mgen_buf_printf(&line,
				"{\"_id\": \"d%d\", \"title\": \"%s %s\", "
				"\"text\": \"%s",
				i, pick(s), pick(s), every ? "omni " : "");
		len = 1 + (int)(mgen__splitmix64_next(s) % 30);
		for (w = 0; w < len; w++)
			mgen_buf_printf(&line, "%s ", pick(s));
		mgen_buf_puts(&line, "\"}");
		snprintf(prev, sizeof(prev), "%s", mgen_buf_str(&line));
		mgen_buf_printf(b, "%s\n", prev);
		mgen_buf_release(&line);
	}
}

/* Pruned and exhaustive results of `q` at depth k are the same. */
static void same(mgen_rag *r, const char *q, size_t k)
{
	mgen_err e1 = MGEN_ERR_INIT, e2 = MGEN_ERR_INIT;
	mgen_rag_hit *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;

	assert_int_equal(mgen_rag_search(r, q, k, &a, &na, &e1), 0);
	assert_int_equal(mgen__rag_search_fts(r, q, k, &b, &nb, &e2), 0);
	if (na != nb)
		fail_msg("query '%.60s' k %zu: %zu hits pruned, %zu FTS5", q, k,
			 na, nb);
	for (i = 0; i < na; i++) {
		if (a[i].id != b[i].id || a[i].score != b[i].score)
			fail_msg("query '%.60s' k %zu rank %zu: %lld %.17g "
				 "pruned, %lld %.17g FTS5",
				 q, k, i, a[i].id, a[i].score, b[i].id,
				 b[i].score);
		assert_string_equal(a[i].text, b[i].text);
	}
	mgen_rag_hits_free(a, na);
	mgen_rag_hits_free(b, nb);
}

/* Random queries of 1..6 words (repeats possible) at several depths. */
static void random_queries(mgen_rag *r, uint64_t *s, int nq)
{
	static const size_t ks[] = {1, 3, 10, 100};
	int i, w, len;
	size_t j;

	for (i = 0; i < nq; i++) {
		mgen_buf q = MGEN_BUF_INIT;
		len = 1 + (int)(mgen__splitmix64_next(s) % 6);
		for (w = 0; w < len; w++)
			mgen_buf_printf(&q, "%s ", pick(s));
		for (j = 0; j < sizeof(ks) / sizeof(ks[0]); j++)
			same(r, mgen_buf_str(&q), ks[j]);
		mgen_buf_release(&q);
	}
}

static void add_doc(mgen_rag *r, const char *name, const mgen_buf *b,
		    mgen_rag_status want)
{
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_status st;

	assert_int_equal(
	    mgen_rag_add_memory(r, name, b->data, b->len, &st, NULL, &err), 0);
	assert_int_equal(st, want);
}

static void test_rag_bm25__same_as_fts5_over_seeds(void **state)
{
	fixture *f = *state;
	uint64_t seed;

	for (seed = 1; seed <= 30; seed++) {
		uint64_t s = seed * 7919;
		char name[32];
		mgen_buf b = MGEN_BUF_INIT;
		corpus(&s, 20 + (int)(seed * 13 % 300), seed % 3 == 0, &b);
		snprintf(name, sizeof(name), "/seed%llu.jsonl",
			 (unsigned long long)seed);
		add_doc(f->rag, name, &b, MGEN_RAG_ADDED);
		mgen_buf_release(&b);
		random_queries(f->rag, &s, 8);
	}
}

static void test_rag_bm25__odd_queries(void **state)
{
	fixture *f = *state;
	static const char *const qs[] = {
	    "omni",	       /* in every chunk: idf floor */
	    "omni omni alpha", /* a repeated word */
	    "alpha alpha alpha beta",
	    "the of and", /* stop words only: searched */
	    "the alpha",  /* stop word dropped */
	    "qqqq zzzz",  /* unknown */
	    "qqqq alpha", /* unknown and known */
	    "running",	  /* stems to run */
	    "DOSE café naive 日本語",
	    "\"alpha\" NEAR(beta gamma) title:delta ^run* (((",
	    "alpha—beta_gamma-delta",
	    "\xff\xfe alpha \xc3\x28 beta",
	    "a\x01"
	    "b\x7f"
	    "alpha"};
	uint64_t s = 42;
	mgen_buf b = MGEN_BUF_INIT, big = MGEN_BUF_INIT;
	size_t i;
	int w;

	corpus(&s, 400, 1, &b);
	add_doc(f->rag, "/odd.jsonl", &b, MGEN_RAG_ADDED);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		same(f->rag, qs[i], 10);
		same(f->rag, qs[i], 100);
	}
	for (w = 0; w < 10000; w++) /* a 10,000-word query */
		mgen_buf_printf(&big, "%s%d ", pick(&s), w % 7);
	same(f->rag, mgen_buf_str(&big), 10);
	mgen_buf_release(&big);
	for (w = 0; w < 10000; w++)
		mgen_buf_printf(&big, "%s ", pick(&s));
	same(f->rag, mgen_buf_str(&big), 10);
	mgen_buf_release(&big);
	mgen_buf_release(&b);
}

/* The one number of `sql`. */
static long long count(mgen_rag *r, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(r->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* bm25_stats agrees with FTS5's own counts. */
static void stats_match(mgen_rag *r)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(
	    sqlite3_prepare_v2(r->db,
			       "SELECT (SELECT rows FROM bm25_stats), (SELECT"
			       " count(*) FROM chunks_fts), (SELECT sum(df)"
			       " FROM bm25_terms), (SELECT sum(n) FROM"
			       " bm25_blocks), (SELECT count(*) FROM bm25_terms"
			       " WHERE df <= 0)",
			       -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0),
			 sqlite3_column_int64(st, 1));
	assert_int_equal(sqlite3_column_int64(st, 2),
			 sqlite3_column_int64(st, 3));
	assert_int_equal(sqlite3_column_int64(st, 4), 0);
	sqlite3_finalize(st);
}

static void test_rag_bm25__add_replace_remove(void **state)
{
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	long long removed = 0;
	uint64_t s = 5;
	char name[32];
	int i;

	for (i = 0; i < 12; i++) { /* many documents, many blocks */
		mgen_buf b = MGEN_BUF_INIT;
		corpus(&s, 60 + i * 17, i % 2, &b);
		snprintf(name, sizeof(name), "/doc%d.jsonl", i);
		add_doc(f->rag, name, &b, MGEN_RAG_ADDED);
		mgen_buf_release(&b);
	}
	stats_match(f->rag);
	random_queries(f->rag, &s, 10);
	for (i = 0; i < 12; i += 3) { /* replace some: ids reused later */
		mgen_buf b = MGEN_BUF_INIT;
		corpus(&s, 30 + i, 1, &b);
		snprintf(name, sizeof(name), "/doc%d.jsonl", i);
		add_doc(f->rag, name, &b, MGEN_RAG_REPLACED);
		mgen_buf_release(&b);
		stats_match(f->rag);
		random_queries(f->rag, &s, 4);
	}
	for (i = 1; i < 12; i += 2) { /* remove others, last one included */
		snprintf(name, sizeof(name), "/doc%d.jsonl", i);
		assert_int_equal(mgen_rag_remove(f->rag, name, &removed, &err),
				 0);
		assert_int_equal(removed, 1);
		stats_match(f->rag);
		random_queries(f->rag, &s, 4);
	}
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "/doc%d.jsonl", i);
		assert_int_equal(mgen_rag_remove(f->rag, name, &removed, &err),
				 0);
	}
	stats_match(f->rag);
	same(f->rag, "alpha omni", 10);
	assert_int_equal(count(f->rag, "SELECT count(*) FROM bm25_blocks"), 0);
	assert_int_equal(count(f->rag, "SELECT count(*) FROM bm25_terms"), 0);
	assert_int_equal(count(f->rag, "SELECT tokens FROM bm25_stats"), 0);
}

/* A hostile document: FTS5 syntax, invalid UTF-8, NUL and control
 * bytes, a 100,000-byte word, scripts without spaces. */
static void test_rag_bm25__hostile_text(void **state)
{
	fixture *f = *state;
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	mgen_buf_puts(&b, "\"alpha\" NEAR(beta) title:x ^y* OR AND NOT "
			  "\xff\xfe\xc3\x28 caf\xc3\xa9 \x01\x02 ");
	mgen_buf_append(&b, "a\0b alpha\0beta ", 16);
	for (i = 0; i < 100000; i++)
		mgen_buf_putc(&b, (char)('a' + i % 26));
	mgen_buf_puts(&b, " 日本語のテキスト alpha—beta\n");
	add_doc(f->rag, "/hostile.txt", &b, MGEN_RAG_ADDED);
	mgen_buf_release(&b);
	same(f->rag, "alpha beta", 10);
	same(f->rag, "\"alpha\" NEAR(beta) title:x ^y*", 10);
	same(f->rag, "caf\xc3\xa9 \xff", 10);
	same(f->rag, "日本語のテキスト", 10);
	same(f->rag, "abcdefghijklmnopqrstuvwxyz", 10);
	stats_match(f->rag);
}

/* An index written before the impact index existed (no bm25 tables)
 * gets them when opened; the ranking is then the same. */
static void test_rag_bm25__built_for_an_older_file(void **state)
{
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_buf b = MGEN_BUF_INIT;
	uint64_t s = 77;

	corpus(&s, 500, 1, &b);
	add_doc(f->rag, "/old.jsonl", &b, MGEN_RAG_ADDED);
	mgen_buf_release(&b);
	assert_int_equal(sqlite3_exec(f->rag->db,
				      "DROP TABLE bm25_terms; DROP TABLE"
				      " bm25_blocks; DROP TABLE bm25_stats",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	mgen_rag_close(f->rag);
	f->rag = NULL;
	assert_int_equal(mgen_rag_open(f->path, 0, NULL, &f->rag, &err), 0);
	stats_match(f->rag);
	assert_true(count(f->rag, "SELECT count(*) FROM bm25_blocks") > 0);
	random_queries(f->rag, &s, 20);
}

/* A damaged block is an error naming the index, never a wrong answer
 * or a crash. */
static void test_rag_bm25__damaged_block_refused(void **state)
{
	fixture *f = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_rag_hit *h = NULL;
	mgen_buf b = MGEN_BUF_INIT;
	size_t n = 0;
	uint64_t s = 3;

	corpus(&s, 50, 1, &b);
	add_doc(f->rag, "/d.jsonl", &b, MGEN_RAG_ADDED);
	mgen_buf_release(&b);
	assert_int_equal(
	    sqlite3_exec(f->rag->db,
			 "UPDATE bm25_blocks SET data ="
			 " x'ffffffff' WHERE term = CAST('omni' AS BLOB)",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(mgen_rag_search(f->rag, "omni", 10, &h, &n, &err),
			 MGEN_EDB);
	assert_null(h);
	assert_non_null(strstr(err.msg, "damaged bm25 block"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_rag_bm25__same_as_fts5_over_seeds),
	    T(test_rag_bm25__odd_queries),
	    T(test_rag_bm25__add_replace_remove),
	    T(test_rag_bm25__hostile_text),
	    T(test_rag_bm25__built_for_an_older_file),
	    T(test_rag_bm25__damaged_block_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
