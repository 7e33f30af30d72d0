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
#include "lm_chat.h"
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
	/* a query on the host stays last (libcurl's URL API joins them) */
	setenv("DATABRICKS_HOST", "https://adb-1.net/?o=123", 1);
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	assert_string_equal(mgen_lm_api_base(lm),
			    "https://adb-1.net/serving-endpoints?o=123");
	mgen_lm_free(lm);
	/* a key that would split its header is refused */
	o.api_key = "sk-1\r\nX-Evil: 1";
	assert_int_equal(mgen_lm_new(&o, &lm, &err), MGEN_ECONFIG);
	assert_null(lm);
	assert_non_null(strstr(err.msg, "line break"));
	assert_null(strstr(err.msg, "sk-1"));
	mgen_err_clear(&err);
	o.api_key = NULL;
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

#define T(f) SRV_TEST(f)

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
