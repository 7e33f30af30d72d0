/*
 * test_lm.c - the LM client against tests/server/fake_llm.py, started as a
 * subprocess per test (python3; script found under $METAGEN_SRCDIR or the
 * current directory): answers, usage, retries on 429/500/timeouts,
 * Retry-After, no retry on 400/401, key never in messages, model-string
 * resolution checked through the server's request record, concurrency.
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

#define FAKE_SERVER_TAG "lm"
#include "fake_server.h"

typedef struct logcap {
	pthread_mutex_t mu;
	int count;
	char last[512];
} logcap;

static void cap_log(void *ud, mgen_log_level lvl, const char *msg)
{
	logcap *c = ud;

	(void)lvl;
	pthread_mutex_lock(&c->mu);
	c->count++;
	snprintf(c->last, sizeof(c->last), "%s", msg);
	pthread_mutex_unlock(&c->mu);
}


static const char SYS[] = "You write comments for SQL tables.";

/* One comment request about `table` with columns a and b. */
static int chat_table(mgen_lm *lm, const char *table, mgen_lm_response *r,
		      mgen_err *err)
{
	char user[256];
	mgen_message m[2] = {{"system", SYS}, {"user", user}};

	snprintf(user, sizeof(user),
		 "Describe this table:\n{\"table_name\": \"%s\", "
		 "\"columns\": [\"a\", \"b\"]}\n",
		 table);
	return mgen_lm_chat(lm, m, 2, NULL, r, err);
}

static mgen_lm *new_lm(const char *base, long timeout_ms, logcap *cap)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm = NULL;

	o.model = "test-model";
	o.api_base = base;
	o.api_key = "test-key-123";
	o.backoff_base_ms = 50;
	o.backoff_max_ms = 5000;
	if (timeout_ms)
		o.timeout_ms = timeout_ms;
	if (cap) {
		o.log = cap_log;
		o.log_userdata = cap;
	}
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	return lm;
}

static void test_lm__normal_call_and_usage(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	long long pt, ct, nreq;
	long want_pt, sum_pt = 0, sum_ct = 0;
	cJSON *rec, *body;
	mgen_message m[1] = {{"user", "{\"table_name\": \"t2\", "
				      "\"columns\": [\"x\"]}"}};

	srv_start(s, NULL, NULL, NULL);
	lm = new_lm(s->base, 0, NULL);
	assert_string_equal(mgen_lm_model(lm), "test-model");
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_string_equal(r.content,
			    "{\"table\": \"Auto comment for table t1.\", "
			    "\"columns\": [\"a\", \"b\"], \"column_contents\": "
			    "[\"Auto comment for t1.a.\", "
			    "\"Auto comment for t1.b.\"]}");
	assert_string_equal(r.finish_reason, "stop");
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.attempts, 1);
	want_pt = (long)(strlen(SYS) +
			 strlen("Describe this table:\n{\"table_name\": "
				"\"t1\", \"columns\": [\"a\", \"b\"]}\n")) /
		      4 +
		  1;
	assert_int_equal(r.prompt_tokens, want_pt);
	assert_int_equal(r.completion_tokens, (long)strlen(r.content) / 4 + 1);
	sum_pt += r.prompt_tokens;
	sum_ct += r.completion_tokens;
	mgen_lm_response_release(&r);
	assert_null(r.content);
	assert_int_equal(
	    mgen_lm_chat(lm, m, 1, "{\"type\": \"json_object\"}", &r, &err), 0);
	assert_non_null(strstr(r.content, "Auto comment for t2.x."));
	sum_pt += r.prompt_tokens;
	sum_ct += r.completion_tokens;
	mgen_lm_response_release(&r);
	mgen_lm_usage(lm, &pt, &ct, &nreq);
	assert_int_equal(pt, sum_pt);
	assert_int_equal(ct, sum_ct);
	assert_int_equal(nreq, 2);
	rec = srv_records(s);
	assert_int_equal(cJSON_GetArraySize(rec), 2);
	body = cJSON_GetObjectItem(cJSON_GetArrayItem(rec, 0), "body");
	assert_string_equal(mgen__json_str(body, "model"), "test-model");
	assert_true(mgen__json_num(body, "max_tokens", 0) == 8192);
	assert_true(mgen__json_num(body, "temperature", 0) == 0.1);
	assert_null(cJSON_GetObjectItem(body, "response_format"));
	assert_string_equal(mgen__json_str(cJSON_GetArrayItem(rec, 0), "auth"),
			    "Bearer test-key-123");
	body = cJSON_GetObjectItem(cJSON_GetArrayItem(rec, 1), "body");
	assert_string_equal(
	    mgen__json_str(cJSON_GetObjectItem(body, "response_format"),
			   "type"),
	    "json_object");
	cJSON_Delete(rec);
	mgen_lm_free(lm);
}

static void test_lm__429_waits_retry_after(void **state)
{
	srv *s = *state;
	logcap cap = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	long long nreq;

	srv_start(s,
		  "{\"tables\": {\"t1\": [{\"fault\": \"429\", "
		  "\"retry_after\": 1}]}}",
		  NULL, NULL);
	lm = new_lm(s->base, 0, &cap);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.http_status, 200);
	assert_true(r.latency_ms >= 1000.0);
	assert_non_null(strstr(r.content, "Auto comment for t1.b."));
	assert_int_equal(cap.count, 1);
	assert_string_equal(cap.last,
			    "retrying after HTTP 429 in 1.0 s (attempt 2/4)");
	mgen_lm_usage(lm, NULL, NULL, &nreq);
	assert_int_equal(nreq, 2);
	assert_int_equal(srv_count(s), 2);
	mgen_lm_response_release(&r);
	mgen_lm_free(lm);
}

static void test_lm__500_then_success(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s, "{\"tables\": {\"t*\": [{\"fault\": \"500\"}]}}", NULL,
		  NULL);
	lm = new_lm(s->base, 0, NULL);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(err.code, 0);
	mgen_lm_response_release(&r);
	mgen_lm_free(lm);
}

static void test_lm__gives_up_after_max_retries(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s,
		  "{\"default\": [{\"fault\": \"503\"}, {\"fault\": "
		  "\"503\"}, {\"fault\": \"503\"}, {\"fault\": \"503\"}]}",
		  NULL, NULL);
	o.model = "m";
	o.api_base = s->base;
	o.max_retries = 2;
	o.backoff_base_ms = 10;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EHTTP);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.http_status, 503);
	assert_null(r.content);
	assert_non_null(strstr(err.msg, "HTTP 503"));
	assert_non_null(strstr(err.msg, "service unavailable (injected)"));
	assert_int_equal(srv_count(s), 3);
	mgen_lm_free(lm);
}

static void test_lm__timeout_then_success(void **state)
{
	srv *s = *state;
	logcap cap = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s,
		  "{\"tables\": {\"t1\": [{\"fault\": \"hang\", "
		  "\"seconds\": 5}]}}",
		  NULL, NULL);
	lm = new_lm(s->base, 1000, &cap);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_int_equal(r.attempts, 2);
	assert_true(r.latency_ms >= 1000.0 && r.latency_ms < 4000.0);
	assert_non_null(strstr(cap.last, "retrying after"));
	assert_non_null(strstr(cap.last, "(attempt 2/4)"));
	assert_int_equal(srv_count(s), 2);
	mgen_lm_response_release(&r);
	mgen_lm_free(lm);
}

static void test_lm__400_not_retried(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s, "{\"default\": [{\"fault\": \"400\"}]}", NULL, NULL);
	lm = new_lm(s->base, 0, NULL);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EHTTP);
	assert_int_equal(err.code, MGEN_EHTTP);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.http_status, 400);
	assert_non_null(strstr(err.msg, "HTTP 400"));
	assert_non_null(strstr(err.msg, "bad request (injected)"));
	assert_int_equal(srv_count(s), 1);
	mgen_lm_free(lm);
}

static void test_lm__401_is_auth_and_hides_key(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	cJSON *rec;

	srv_start(s, NULL, "--require-key", "right-key");
	o.model = "m";
	o.api_base = s->base;
	o.api_key = "sk-wrong-secret-4242";
	o.backoff_base_ms = 50;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EAUTH);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.http_status, 401);
	assert_non_null(strstr(err.msg, "endpoint refused the credentials "
					"(HTTP 401): invalid api key"));
	assert_non_null(strstr(err.msg, "METAGEN_API_KEY"));
	assert_null(strstr(err.msg, "wrong-secret"));
	rec = srv_records(s);
	assert_int_equal(cJSON_GetArraySize(rec), 1);
	assert_string_equal(mgen__json_str(cJSON_GetArrayItem(rec, 0), "auth"),
			    "Bearer sk-wrong-secret-4242");
	cJSON_Delete(rec);
	mgen_lm_free(lm);
}

static void test_lm__databricks_model_string(void **state)
{
	srv *s = *state;
	char host[64];
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	cJSON *rec, *one;

	srv_start(s, NULL, NULL, NULL);
	snprintf(host, sizeof(host), "http://127.0.0.1:%d//", s->port);
	setenv("DATABRICKS_HOST", host, 1);
	setenv("DATABRICKS_TOKEN", "dapi-token-xyz", 1);
	unsetenv("METAGEN_API_KEY");
	o.model = "databricks/my-endpoint";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	unsetenv("DATABRICKS_HOST");
	unsetenv("DATABRICKS_TOKEN");
	snprintf(host, sizeof(host), "http://127.0.0.1:%d/serving-endpoints",
		 s->port);
	assert_string_equal(mgen_lm_api_base(lm), host);
	assert_string_equal(mgen_lm_model(lm), "my-endpoint");
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	mgen_lm_response_release(&r);
	rec = srv_records(s);
	one = cJSON_GetArrayItem(rec, 0);
	assert_string_equal(mgen__json_str(one, "path"),
			    "/serving-endpoints/chat/completions");
	assert_string_equal(mgen__json_str(one, "auth"),
			    "Bearer dapi-token-xyz");
	assert_string_equal(
	    mgen__json_str(cJSON_GetObjectItem(one, "body"), "model"),
	    "my-endpoint");
	assert_string_equal(mgen__json_str(one, "table"), "t1");
	cJSON_Delete(rec);
	mgen_lm_free(lm);
}

/* Explicit api_key beats METAGEN_API_KEY, which beats the provider's. */
static void test_lm__key_precedence(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *a = NULL, *b = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	cJSON *rec;

	srv_start(s, NULL, NULL, NULL);
	setenv("METAGEN_API_KEY", "generic-key", 1);
	setenv("OPENAI_API_KEY", "openai-key", 1);
	setenv("OPENAI_BASE_URL", s->base, 1);
	o.model = "openai/gpt-x";
	o.api_key = "explicit-key";
	assert_int_equal(mgen_lm_new(&o, &a, &err), 0);
	o.api_key = NULL;
	assert_int_equal(mgen_lm_new(&o, &b, &err), 0);
	unsetenv("METAGEN_API_KEY");
	unsetenv("OPENAI_API_KEY");
	unsetenv("OPENAI_BASE_URL");
	assert_string_equal(mgen_lm_api_base(a), s->base);
	assert_int_equal(chat_table(a, "t1", &r, &err), 0);
	mgen_lm_response_release(&r);
	assert_int_equal(chat_table(b, "t1", &r, &err), 0);
	mgen_lm_response_release(&r);
	rec = srv_records(s);
	assert_string_equal(mgen__json_str(cJSON_GetArrayItem(rec, 0), "auth"),
			    "Bearer explicit-key");
	assert_string_equal(mgen__json_str(cJSON_GetArrayItem(rec, 1), "auth"),
			    "Bearer generic-key");
	assert_string_equal(
	    mgen__json_str(
		cJSON_GetObjectItem(cJSON_GetArrayItem(rec, 1), "body"),
		"model"),
	    "gpt-x");
	cJSON_Delete(rec);
	mgen_lm_free(a);
	mgen_lm_free(b);
}

static void test_lm__resolution_without_server(void **state)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_err err = MGEN_ERR_INIT;

	unsetenv("DATABRICKS_HOST");
	unsetenv("OPENAI_BASE_URL");
	o.model = "my-model";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), MGEN_ECONFIG);
	assert_null(lm);
	assert_non_null(strstr(err.msg, "api_base"));
	mgen_err_clear(&err);
	o.model = "databricks/ep";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "DATABRICKS_HOST"));
	mgen_err_clear(&err);
	o.model = NULL;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), MGEN_ECONFIG);
	mgen_err_clear(&err);
	setenv("DATABRICKS_HOST", "adb-123.azuredatabricks.net/", 1);
	o.model = "databricks/ep";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_string_equal(mgen_lm_api_base(lm),
			    "https://adb-123.azuredatabricks.net/"
			    "serving-endpoints");
	mgen_lm_free(lm);
	unsetenv("DATABRICKS_HOST");
	o.model = "openai/gpt-4o-mini";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_string_equal(mgen_lm_api_base(lm), "https://api.openai.com/v1");
	assert_string_equal(mgen_lm_model(lm), "gpt-4o-mini");
	mgen_lm_free(lm);
	o.model = "meta-llama/Llama-3.1-8B";
	o.api_base = "http://localhost:8000/v1/";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_string_equal(mgen_lm_api_base(lm), "http://localhost:8000/v1");
	assert_string_equal(mgen_lm_model(lm), "meta-llama/Llama-3.1-8B");
	mgen_lm_free(lm);
}

static void test_lm__http_garbage_is_parse_error(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	long long pt, nreq;

	srv_start(s, "{\"default\": [{\"fault\": \"http_garbage\"}]}", NULL,
		  NULL);
	lm = new_lm(s->base, 0, NULL);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EPARSE);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.http_status, 200);
	assert_null(r.content);
	assert_non_null(strstr(err.msg, "not json"));
	mgen_lm_usage(lm, &pt, NULL, &nreq);
	assert_int_equal(pt, 0);
	assert_int_equal(nreq, 1);
	mgen_lm_free(lm);
}

static void test_lm__null_content_is_parse_error(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s, "{\"default\": [{\"fault\": \"tool_calls\"}]}", NULL,
		  NULL);
	lm = new_lm(s->base, 0, NULL);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EPARSE);
	assert_int_equal(r.attempts, 1);
	assert_null(r.content);
	assert_non_null(strstr(err.msg, "tool calls"));
	mgen_lm_free(lm);
}

static void test_lm__bad_options_rejected(void **state)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_err err = MGEN_ERR_INIT;

	o.model = "m";
	o.api_base = "http://127.0.0.1:9/v1";
	o.version = 99;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), MGEN_EINVAL);
	assert_null(lm);
	assert_non_null(strstr(err.msg, "version"));
}

static void test_lm__connection_refused_is_retried(void **state)
{
	srv *s = *state;
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_lm *lm = NULL;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	char base[64];

	srv_start(s, NULL, NULL, NULL); /* find a port, then free it */
	snprintf(base, sizeof(base), "%s", s->base);
	srv_stop(s);
	o.model = "m";
	o.api_base = base;
	o.max_retries = 1;
	o.backoff_base_ms = 10;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EHTTP);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.http_status, 0);
	assert_non_null(strstr(err.msg, "failed after 2 attempt(s)"));
	mgen_lm_free(lm);
}

typedef struct worker {
	mgen_lm *lm;
	int id;
	int ok;
	long pt, ct;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	char table[32], want[64];
	int i;

	snprintf(table, sizeof(table), "w%d", w->id);
	snprintf(want, sizeof(want), "Auto comment for %s.b.", table);
	for (i = 0; i < 5; i++) {
		if (chat_table(w->lm, table, &r, &err) == 0 &&
		    strstr(r.content, want) != NULL)
			w->ok++;
		w->pt += r.prompt_tokens;
		w->ct += r.completion_tokens;
		mgen_lm_response_release(&r);
	}
	return NULL;
}

static void test_lm__concurrent_calls(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	worker w[8];
	pthread_t th[8];
	long long pt, ct, nreq, sum_pt = 0, sum_ct = 0;
	int i;

	srv_start(s, NULL, "--latency-ms", "20");
	lm = new_lm(s->base, 0, NULL);
	for (i = 0; i < 8; i++) {
		w[i] = (worker){lm, i, 0, 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 5);
		sum_pt += w[i].pt;
		sum_ct += w[i].ct;
	}
	mgen_lm_usage(lm, &pt, &ct, &nreq);
	assert_int_equal(nreq, 40);
	assert_int_equal(pt, sum_pt);
	assert_int_equal(ct, sum_ct);
	assert_true(pt > 0 && ct > 0);
	assert_int_equal(srv_count(s), 40);
	mgen_lm_free(lm);
}

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
	assert_true(mgen__now_ms() - t0 < 4000.0);
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

static int setup(void **state)
{
	srv *s = calloc(1, sizeof(*s));

	*state = s;
	return s ? 0 : -1;
}

/* Stops the server even when a test failed half-way. */
static int teardown(void **state)
{
	srv *s = *state;

	if (s->dir[0])
		srv_stop(s);
	free(s);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lm__normal_call_and_usage),
		T(test_lm__429_waits_retry_after),
		T(test_lm__500_then_success),
		T(test_lm__gives_up_after_max_retries),
		T(test_lm__timeout_then_success),
		T(test_lm__400_not_retried),
		T(test_lm__401_is_auth_and_hides_key),
		T(test_lm__databricks_model_string),
		T(test_lm__key_precedence),
		T(test_lm__resolution_without_server),
		T(test_lm__http_garbage_is_parse_error),
		T(test_lm__null_content_is_parse_error),
		T(test_lm__bad_options_rejected),
		T(test_lm__connection_refused_is_retried),
		T(test_lm__concurrent_calls),
		T(test_lm__cache_hit_makes_no_request),
		T(test_lm__no_cache_calls_every_time),
		T(test_lm__cache_keeps_only_successes),
		T(test_lm__cache_path_unusable),
		T(test_lm__requests_per_minute),
		T(test_lm__requests_per_minute_across_threads),
		T(test_lm__tokens_per_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
