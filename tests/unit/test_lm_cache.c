/*
 * test_lm_cache.c - the LM client's answer cache and rate limits against
 * tests/server/fake_llm.py (started per test, like test_lm.c): a cached
 * answer makes no request, --no-cache calls every time, only successes
 * are kept, an unusable cache path is an error; requests_per_minute and
 * tokens_per_minute spacing, also across threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metagen/buf.h"
#include "metagen/lm.h"
#include "util/json.h"
#include "util/util.h"

#define FAKE_SERVER_TAG "lmcache"
#include "fake_server.h"
#include "lm_chat.h"

/* A client with a cache file in the server's temp folder. */
static mgen_lm *new_cached_lm(const srv *s, const char *key,
			      const char *cache_path)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm = NULL;

	o.model = "test-model";
	o.api_base = s->base;
	o.api_key = key;
	o.backoff_base_ms = 50;
	o.cache_path = cache_path;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	return lm;
}

static void cache_file(const srv *s, char *path, size_t n)
{
	snprintf(path, n, "%s/c/cache.sqlite", s->dir);
}

static void rm_cache(const srv *s)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/c/cache.sqlite", s->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/c/cache.sqlite-wal", s->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/c/cache.sqlite-shm", s->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/c", s->dir);
	rmdir(p);
}

static void test_lm__cache_hit_makes_no_request(void **state)
{
	srv *s = *state;
	char path[160];
	mgen_lm *lm, *other;
	mgen_lm_response r1, r2;
	mgen_err err = MGEN_ERR_INIT;
	long long pt, ct, nreq;

	srv_start(s, NULL, NULL, NULL);
	cache_file(s, path, sizeof(path));
	lm = new_cached_lm(s, "key-one", path);
	assert_int_equal(chat_table(lm, "t1", &r1, &err), 0);
	assert_int_equal(r1.cache_hit, 0);
	assert_int_equal(r1.attempts, 1);
	assert_true(r1.prompt_tokens > 0);
	assert_int_equal(srv_count(s), 1);
	assert_int_equal(chat_table(lm, "t1", &r2, &err), 0);
	assert_int_equal(srv_count(s), 1);
	assert_int_equal(r2.cache_hit, 1);
	assert_int_equal(r2.attempts, 0);
	assert_int_equal(r2.prompt_tokens, 0);
	assert_int_equal(r2.completion_tokens, 0);
	assert_string_equal(r2.content, r1.content);
	assert_string_equal(r2.finish_reason, "stop");
	mgen_lm_response_release(&r2);
	mgen_lm_usage(lm, &pt, &ct, &nreq);
	assert_int_equal(nreq, 1);
	assert_int_equal(pt, r1.prompt_tokens);
	assert_int_equal(ct, r1.completion_tokens);
	assert_int_equal(mgen_lm_cache_hits(lm), 1);
	/* another table is another request */
	assert_int_equal(chat_table(lm, "t2", &r2, &err), 0);
	assert_int_equal(r2.cache_hit, 0);
	assert_int_equal(srv_count(s), 2);
	mgen_lm_response_release(&r2);
	/* a new client with another key shares the answers */
	other = new_cached_lm(s, "key-two", path);
	assert_int_equal(chat_table(other, "t1", &r2, &err), 0);
	assert_int_equal(r2.cache_hit, 1);
	assert_string_equal(r2.content, r1.content);
	assert_int_equal(srv_count(s), 2);
	mgen_lm_response_release(&r2);
	/* dropped: the next identical call asks the endpoint */
	{
		char user[256];
		mgen_message m[2] = {{"system", SYS}, {"user", user}};
		snprintf(user, sizeof(user),
			 "Describe this table:\n{\"table_name\": \"%s\", "
			 "\"columns\": [\"a\", \"b\"]}\n", "t1");
		assert_int_equal(mgen_lm_cache_drop(other, m, 2, NULL, &err),
				 0);
	}
	assert_int_equal(chat_table(lm, "t1", &r2, &err), 0);
	assert_int_equal(r2.cache_hit, 0);
	assert_int_equal(srv_count(s), 3);
	mgen_lm_response_release(&r2);
	mgen_lm_response_release(&r1);
	mgen_lm_free(other);
	mgen_lm_free(lm);
	rm_cache(s);
}

static void test_lm__no_cache_calls_every_time(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	int i;

	srv_start(s, NULL, NULL, NULL);
	lm = new_cached_lm(s, "k", NULL);
	for (i = 0; i < 2; i++) {
		assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
		assert_int_equal(r.cache_hit, 0);
		mgen_lm_response_release(&r);
	}
	assert_int_equal(srv_count(s), 2);
	assert_int_equal(mgen_lm_cache_hits(lm), 0);
	assert_int_equal(mgen_lm_cache_drop(lm, NULL, 0, NULL, &err), 0);
	mgen_lm_free(lm);
}

/* Failures and tool-call answers are not stored. */
static void test_lm__cache_keeps_only_successes(void **state)
{
	srv *s = *state;
	char path[160];
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s, "{\"tables\": {\"t1\": [{\"fault\": \"400\"}], "
		      "\"t2\": [{\"fault\": \"tool_calls\"}]}}", NULL, NULL);
	cache_file(s, path, sizeof(path));
	lm = new_cached_lm(s, "k", path);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EHTTP);
	mgen_err_clear(&err);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_int_equal(r.cache_hit, 0);
	mgen_lm_response_release(&r);
	assert_int_equal(chat_table(lm, "t2", &r, &err), MGEN_EPARSE);
	mgen_err_clear(&err);
	assert_int_equal(chat_table(lm, "t2", &r, &err), 0);
	assert_int_equal(r.cache_hit, 0);
	mgen_lm_response_release(&r);
	assert_int_equal(srv_count(s), 4);
	assert_int_equal(chat_table(lm, "t2", &r, &err), 0);
	assert_int_equal(r.cache_hit, 1);
	mgen_lm_response_release(&r);
	assert_int_equal(srv_count(s), 4);
	mgen_lm_free(lm);
	rm_cache(s);
}

static void test_lm__cache_path_unusable(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_err err = MGEN_ERR_INIT;

	o.model = "m";
	o.api_base = "http://127.0.0.1:9/v1";
	o.cache_path = "/proc/self/no/such/dir/cache.sqlite";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), MGEN_EIO);
	assert_null(lm);
	assert_non_null(strstr(err.msg, "cache"));
	/* version 1 options still work and ignore the newer fields */
	mgen_err_clear(&err);
	o.version = 1;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	mgen_lm_free(lm);
	(void)s;
}

static void test_lm__requests_per_minute(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	double t0;
	int i;

	srv_start(s, NULL, NULL, NULL);
	o.model = "m";
	o.api_base = s->base;
	o.requests_per_minute = 120; /* one every 0.5 s */
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	t0 = mgen__now_ms();
	for (i = 0; i < 5; i++) {
		assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
		mgen_lm_response_release(&r);
	}
	assert_true(mgen__now_ms() - t0 >= 1950.0);
	/* not a minute's wait (loose: valgrind and a loaded machine) */
	assert_true(mgen__now_ms() - t0 < 10000.0);
	assert_int_equal(srv_count(s), 5);
	mgen_lm_free(lm);
}

typedef struct rl_worker {
	mgen_lm *lm;
	int id;
	int ok;
} rl_worker;

static void *rl_work(void *arg)
{
	rl_worker *w = arg;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	char table[16];

	snprintf(table, sizeof(table), "r%d", w->id);
	if (chat_table(w->lm, table, &r, &err) == 0)
		w->ok = 1;
	mgen_lm_response_release(&r);
	return NULL;
}

/* The limit is shared by threads: 6 threads at 240/min take >= 1.25 s. */
static void test_lm__requests_per_minute_across_threads(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_err err = MGEN_ERR_INIT;
	rl_worker w[6];
	pthread_t th[6];
	double t0;
	int i;

	srv_start(s, NULL, NULL, NULL);
	o.model = "m";
	o.api_base = s->base;
	o.requests_per_minute = 240;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	t0 = mgen__now_ms();
	for (i = 0; i < 6; i++) {
		w[i] = (rl_worker){lm, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, rl_work, &w[i]),
				 0);
	}
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 1);
	}
	assert_true(mgen__now_ms() - t0 >= 1200.0);
	assert_int_equal(srv_count(s), 6);
	mgen_lm_free(lm);
}

/*
 * tokens_per_minute 600 (10 tokens/s, bucket of ten seconds = 100): each
 * call is estimated at prompt/4 + max_tokens (10) and corrected to its
 * real usage (~48 tokens), so 8 calls must take about (usage - 100) / 10
 * seconds, not counting the last call's tokens (charged after it).
 */
static void test_lm__tokens_per_minute(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	long long pt, ct;
	double t0, need, took;
	int i;

	srv_start(s, NULL, NULL, NULL);
	o.model = "m";
	o.api_base = s->base;
	o.max_tokens = 10;
	o.tokens_per_minute = 600;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	t0 = mgen__now_ms();
	for (i = 0; i < 8; i++) {
		assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
		mgen_lm_response_release(&r);
	}
	took = mgen__now_ms() - t0;
	mgen_lm_usage(lm, &pt, &ct, NULL);
	/* everything beyond the bucket (100) waits at 10 tokens/s; the last
	 * call's own correction comes after it, so leave it out */
	need = ((double)(pt + ct) * 7.0 / 8.0 - 100.0) / 10.0 * 1000.0;
	assert_true(need > 1000.0);
	assert_true(took >= need * 0.9);
	assert_true(took < need * 2.0 + 2000.0);
	mgen_lm_free(lm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SRV_TEST(test_lm__cache_hit_makes_no_request),
		SRV_TEST(test_lm__no_cache_calls_every_time),
		SRV_TEST(test_lm__cache_keeps_only_successes),
		SRV_TEST(test_lm__cache_path_unusable),
		SRV_TEST(test_lm__requests_per_minute),
		SRV_TEST(test_lm__requests_per_minute_across_threads),
		SRV_TEST(test_lm__tokens_per_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
