/*
 * test_lm_preflight.c - mgen_lm_preflight against tests/server/fake_llm.py:
 * a listed model passes with no chat request; a model the list lacks, or
 * an endpoint without /models, is decided by one request of one token; a
 * refused key, an unreachable endpoint, a provider without its key, a 200
 * carrying {"error": ...} each fail with the right code and message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metagen/lm.h"
#include "util/json.h"
#include "util/util.h"

#define FAKE_SERVER_TAG "pf"
#include "fake_server.h"

/* Runs the preflight for `model` at `base` with `key` (may be NULL);
 * returns its code, the message in `err`. */
static int preflight(const char *base, const char *model, const char *key,
		     mgen_err *err)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err fresh = MGEN_ERR_INIT;
	mgen_lm *lm = NULL;
	int rc;

	*err = fresh; /* the first error of a handle wins: start anew */
	o.model = model;
	o.api_base = base;
	o.api_key = key;
	o.timeout_ms = 10000;
	assert_int_equal(mgen_lm_new(&o, &lm, err), 0);
	rc = mgen_lm_preflight(lm, err);
	mgen_lm_free(lm);
	return rc;
}

static void test_lm_preflight__listed_model_makes_no_chat(void **st)
{
	mgen_err err = MGEN_ERR_INIT;
	srv *s = *st;

	srv_start(s, NULL, "--models", "a,m,b");
	assert_int_equal(preflight(s->base, "m", NULL, &err), 0);
	assert_int_equal(srv_count(s), 0);
	srv_stop(s);
}

static void test_lm_preflight__unlisted_model_one_token(void **st)
{
	mgen_err err = MGEN_ERR_INIT;
	srv *s = *st;
	cJSON *r;

	(void)st;
	/* the chat answers (an alias the list does not name): fine */
	srv_start(s, NULL, "--models", "a,b");
	assert_int_equal(preflight(s->base, "alias", NULL, &err), 0);
	r = srv_records(s);
	assert_int_equal(cJSON_GetArraySize(r), 1);
	assert_int_equal(mgen__json_num(cJSON_GetObjectItem(
					    cJSON_GetArrayItem(r, 0), "body"),
					"max_tokens", 0),
			 1);
	cJSON_Delete(r);
	srv_stop(s);
	/* the chat says 404: the provider's message and the list */
	srv_start(s, "{\"default\": [{\"fault\": \"404\"}]}", "--models",
		  "a,b");
	assert_int_equal(preflight(s->base, "gone", NULL, &err), MGEN_EHTTP);
	assert_non_null(strstr(err.msg, "model 'gone' is not available"));
	assert_non_null(strstr(err.msg, "HTTP 404: The model `gone` does "
					"not exist"));
	assert_non_null(strstr(err.msg, "names: a, b"));
	srv_stop(s);
}

static void test_lm_preflight__no_models_route(void **st)
{
	mgen_err err = MGEN_ERR_INIT;
	srv *s = *st;

	srv_start(s, NULL, "--models-fault", "404");
	assert_int_equal(preflight(s->base, "m", NULL, &err), 0);
	assert_int_equal(srv_count(s), 1);
	srv_stop(s);
	srv_start(s, "{\"default\": [{\"fault\": \"error200\"}]}",
		  "--models-fault", "404");
	assert_int_equal(preflight(s->base, "m", NULL, &err), MGEN_EHTTP);
	assert_non_null(strstr(err.msg, "upstream provider failed"));
	srv_stop(s);
	/* a list that is not JSON decides nothing either */
	srv_start(s, NULL, "--models-fault", "http_garbage");
	assert_int_equal(preflight(s->base, "m", NULL, &err), 0);
	assert_int_equal(srv_count(s), 1);
	srv_stop(s);
}

static void test_lm_preflight__refused_key(void **st)
{
	mgen_err err = MGEN_ERR_INIT;
	srv *s = *st;

	srv_start(s, NULL, "--require-key", "good-key");
	assert_int_equal(preflight(s->base, "m", "good-key", &err), 0);
	assert_int_equal(preflight(s->base, "m", "bad-key-XYZ", &err),
			 MGEN_EAUTH);
	assert_non_null(strstr(err.msg, "HTTP 401: invalid api key"));
	assert_non_null(strstr(err.msg, "check METAGEN_API_KEY"));
	assert_null(strstr(err.msg, "bad-key-XYZ"));
	assert_int_equal(preflight(s->base, "m", NULL, &err), MGEN_EAUTH);
	assert_non_null(strstr(err.msg, "without a key"));
	assert_int_equal(srv_count(s), 0);
	srv_stop(s);
}

static void test_lm_preflight__unreachable_and_missing_key(void **st)
{
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	assert_int_equal(preflight("http://127.0.0.1:9/v1", "m", NULL, &err),
			 MGEN_EHTTP);
	assert_non_null(strstr(err.msg, "is not reachable"));
	unsetenv("METAGEN_API_KEY");
	unsetenv("OPENAI_API_KEY");
	unsetenv("DATABRICKS_TOKEN");
	setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", 1);
	assert_int_equal(preflight(NULL, "openai/gpt-x", NULL, &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "set OPENAI_API_KEY"));
	setenv("DATABRICKS_HOST", "127.0.0.1:9", 1);
	assert_int_equal(preflight(NULL, "databricks/ep", NULL, &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, "set DATABRICKS_TOKEN"));
	/* an explicit api_base: the server decides whether it needs a key */
	assert_int_equal(preflight("http://127.0.0.1:9/v1", "openai/gpt-x",
				   NULL, &err),
			 MGEN_EHTTP);
	unsetenv("OPENAI_BASE_URL");
	unsetenv("DATABRICKS_HOST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SRV_TEST(test_lm_preflight__listed_model_makes_no_chat),
	    SRV_TEST(test_lm_preflight__unlisted_model_one_token),
	    SRV_TEST(test_lm_preflight__no_models_route),
	    SRV_TEST(test_lm_preflight__refused_key),
	    cmocka_unit_test(test_lm_preflight__unreachable_and_missing_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
