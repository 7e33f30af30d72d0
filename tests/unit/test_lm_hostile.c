/*
 * test_lm_hostile.c - the LM client against a hostile endpoint
 * (tests/server/fake_llm.py steps "usage_raw" and "content_hex"): usage
 * numbers that are not token counts (1e308, 1e999, -5, 1.5, "12") are
 * replaced by estimates with a logged reason and never wrap the totals;
 * a NUL in the answer is refused; invalid UTF-8 in it becomes U+FFFD;
 * a cut-off answer is not cached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

#define FAKE_SERVER_TAG "lmhostile"
#include "fake_server.h"
#include "lm_chat.h"

static char last_log[512];
static int nlog;

static void cap_log(void *ud, mgen_log_level lvl, const char *msg)
{
	(void)ud;
	(void)lvl;
	nlog++;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static mgen_lm *new_lm(const srv *s, const char *cache_path)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm = NULL;

	o.model = "test-model";
	o.api_base = s->base;
	o.backoff_base_ms = 50;
	o.cache_path = cache_path;
	o.log = cap_log;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	return lm;
}

/* One step with usage `usage` (raw JSON) per call, in order. */
static const char USAGE_SCRIPT[] =
	"{\"tables\": {\"t1\": ["
	"{\"content\": \"abcdefgh\", \"usage_raw\": "
	"\"{\\\"prompt_tokens\\\": 1e308, \\\"completion_tokens\\\": 3}\"},"
	"{\"content\": \"abcdefgh\", \"usage_raw\": "
	"\"{\\\"prompt_tokens\\\": 10, \\\"completion_tokens\\\": -5}\"},"
	"{\"content\": \"abcdefgh\", \"usage_raw\": "
	"\"{\\\"prompt_tokens\\\": 1e999, \\\"completion_tokens\\\": 1.5}\"},"
	"{\"content\": \"abcdefgh\", \"usage_raw\": "
	"\"{\\\"prompt_tokens\\\": \\\"12\\\", \\\"completion_tokens\\\": "
	"9.3e18}\"},"
	"{\"content\": \"abcdefgh\", \"usage_raw\": \"[1, 2]\"},"
	"{\"content\": \"abcdefgh\", \"usage_raw\": "
	"\"{\\\"prompt_tokens\\\": 10, \\\"completion_tokens\\\": 1000000000}\"}"
	"]}}";

static void test_lm_hostile__usage_validated(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;
	long long pt, ct, sum_pt = 0, sum_ct = 0;
	static const char *const why[] = {
	    "usage.prompt_tokens is over the bound",
	    "usage.completion_tokens is negative",
	    "usage.prompt_tokens is not finite",
	    "usage.prompt_tokens is not a number",
	    "usage is not an object",
	    NULL};
	int i;

	srv_start(s, USAGE_SCRIPT, NULL, NULL);
	lm = new_lm(s, NULL);
	for (i = 0; i < 6; i++) {
		nlog = 0;
		last_log[0] = '\0';
		assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
		assert_string_equal(r.content, "abcdefgh");
		assert_true(r.prompt_tokens >= 0 && r.prompt_tokens < 1000);
		assert_true(r.completion_tokens >= 0);
		assert_true(r.completion_tokens <= 1000000000L);
		if (why[i] != NULL) {
			assert_int_equal(nlog, 1);
			assert_non_null(strstr(last_log, why[i]));
			assert_non_null(strstr(last_log, "estimated"));
		} else {
			assert_int_equal(nlog, 0); /* 1e9 is still a count */
			assert_int_equal(r.completion_tokens, 1000000000L);
		}
		if (i == 1) /* the valid one of the pair is kept */
			assert_int_equal(r.prompt_tokens, 10);
		if (i == 1 || i == 2) /* estimated from 8 bytes */
			assert_int_equal(r.completion_tokens, 3);
		sum_pt += r.prompt_tokens;
		sum_ct += r.completion_tokens;
		mgen_lm_response_release(&r);
	}
	mgen_lm_usage(lm, &pt, &ct, NULL);
	assert_int_equal(pt, sum_pt);
	assert_int_equal(ct, sum_ct);
	mgen_lm_free(lm);
}

/* A NUL, raw in the body's string as \u0000 or as a NUL byte after
 * invalid UTF-8, is refused instead of cutting the content. */
static void test_lm_hostile__nul_refused(void **state)
{
	srv *s = *state;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s,
		  "{\"tables\": {\"t1\": [{\"content\": \"{\\\"table\\\": "
		  "\\\"ok\\u0000 and the rest\\\"}\"},"
		  "{\"content_hex\": \"7bff00\"},"
		  "{\"content_hex\": \"41ff42\"}]}}",
		  NULL, NULL);
	lm = new_lm(s, NULL);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "NUL"));
	assert_null(r.content);
	mgen_err_clear(&err);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "NUL"));
	mgen_err_clear(&err);
	/* invalid UTF-8 is mended where it enters: U+FFFD */
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_string_equal(r.content, "A\xEF\xBF\xBD" "B");
	mgen_lm_response_release(&r);
	mgen_lm_free(lm);
}

/* finish_reason "length": answered, but not stored; the same request
 * asks the endpoint again. A "stop" answer is stored. */
static void test_lm_hostile__truncated_not_cached(void **state)
{
	srv *s = *state;
	char path[160];
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	srv_start(s,
		  "{\"tables\": {\"t1\": [{\"content\": \"{\\\"table\\\": "
		  "\\\"cut\", \"finish_reason\": \"length\"}]}}",
		  NULL, NULL);
	snprintf(path, sizeof(path), "%s/cache.sqlite", s->dir);
	lm = new_lm(s, path);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_string_equal(r.finish_reason, "length");
	assert_int_equal(r.cache_hit, 0);
	mgen_lm_response_release(&r);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_int_equal(r.cache_hit, 0); /* asked again: AUTO answer */
	assert_string_equal(r.finish_reason, "stop");
	mgen_lm_response_release(&r);
	assert_int_equal(chat_table(lm, "t1", &r, &err), 0);
	assert_int_equal(r.cache_hit, 1);
	mgen_lm_response_release(&r);
	assert_int_equal(srv_count(s), 2);
	mgen_lm_free(lm);
	unlink(path);
}

/* An answer bigger than the body cap for max_tokens (at least 4 MiB) is
 * refused while it is read, naming the bound. */
static void test_lm_hostile__body_capped(void **state)
{
	srv *s = *state;
	size_t n = (size_t)5 << 20, i;
	mgen_buf script = MGEN_BUF_INIT;
	mgen_lm *lm;
	mgen_lm_response r;
	mgen_err err = MGEN_ERR_INIT;

	mgen_buf_puts(&script, "{\"tables\": {\"t1\": [{\"content\": \"");
	for (i = 0; i < n; i++)
		mgen_buf_putc(&script, 'x');
	mgen_buf_puts(&script, "\"}]}}");
	assert_int_equal(mgen_buf_error(&script), 0);
	srv_start(s, mgen_buf_str(&script), NULL, NULL);
	mgen_buf_release(&script);
	lm = new_lm(s, NULL);
	assert_int_equal(chat_table(lm, "t1", &r, &err), MGEN_EHTTP);
	assert_non_null(strstr(err.msg, "larger than 4194304 bytes"));
	assert_null(r.content);
	mgen_lm_free(lm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SRV_TEST(test_lm_hostile__usage_validated),
		SRV_TEST(test_lm_hostile__nul_refused),
		SRV_TEST(test_lm_hostile__truncated_not_cached),
		SRV_TEST(test_lm_hostile__body_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
