/*
 * test_cache.c - the LM answer cache (include/metagen/cache.h): open
 * (folders created), put/get/delete, hit counts, stats, clear, reopen,
 * canonical JSON, the request key (stable, sensitive to every field, not
 * to what is left out), and puts/gets from 8 threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metagen/cache.h"

typedef struct fixture {
	char dir[64];
	char path[128];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mgen-test-cache-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/a/b/cache.sqlite", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static const char KEY1[] =
	"1111111111111111111111111111111111111111111111111111111111111111";
static const char KEY2[] =
	"2222222222222222222222222222222222222222222222222222222222222222";

static void test_cache__put_get_stats_clear(void **state)
{
	fixture *f = *state;
	mgen_cache *c = NULL;
	mgen_cache_entry e = {"{\"table\": \"x\"}\n\"quoted\" \xc3\xa9", "stop",
			      12, 7};
	mgen_cache_entry got;
	mgen_cache_stats st;
	mgen_err err = MGEN_ERR_INIT;
	long long removed = -1, t0 = (long long)time(NULL);

	assert_int_equal(mgen_cache_open(f->path, &c, &err), 0);
	assert_int_equal(mgen_cache_get(c, KEY1, &got, &err), MGEN_ENOTFOUND);
	assert_int_equal(err.code, 0);
	assert_null(got.content);
	assert_int_equal(mgen_cache_put(c, KEY1, "m1", &e, &err), 0);
	e.finish_reason = NULL;
	e.content = "second";
	assert_int_equal(mgen_cache_put(c, KEY2, "m2", &e, &err), 0);
	assert_int_equal(mgen_cache_get(c, KEY1, &got, &err), 0);
	assert_string_equal(got.content,
			    "{\"table\": \"x\"}\n\"quoted\" \xc3\xa9");
	assert_string_equal(got.finish_reason, "stop");
	assert_int_equal(got.prompt_tokens, 12);
	assert_int_equal(got.completion_tokens, 7);
	mgen_cache_entry_release(&got);
	assert_null(got.content);
	assert_int_equal(mgen_cache_get(c, KEY1, &got, &err), 0);
	mgen_cache_entry_release(&got);
	assert_int_equal(mgen_cache_get(c, KEY2, &got, &err), 0);
	assert_string_equal(got.content, "second");
	assert_null(got.finish_reason);
	mgen_cache_entry_release(&got);
	assert_int_equal(mgen_cache_stats_get(c, &st, &err), 0);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.hits, 3);
	assert_true(st.bytes > 128 && st.file_bytes > 0);
	assert_true(st.oldest >= t0 && st.newest >= st.oldest);
	assert_true(st.newest <= (long long)time(NULL));
	/* survives a reopen */
	mgen_cache_close(c);
	assert_int_equal(mgen_cache_open(f->path, &c, &err), 0);
	assert_int_equal(mgen_cache_delete(c, KEY2, &err), 0);
	assert_int_equal(mgen_cache_get(c, KEY2, &got, &err), MGEN_ENOTFOUND);
	assert_int_equal(mgen_cache_clear(c, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(mgen_cache_get(c, KEY1, &got, &err), MGEN_ENOTFOUND);
	assert_int_equal(mgen_cache_stats_get(c, &st, &err), 0);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.oldest, 0);
	assert_int_equal(err.code, 0);
	mgen_cache_close(c);
	mgen_cache_close(NULL);
}

static void test_cache__open_errors(void **state)
{
	fixture *f = *state;
	mgen_cache *c = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/not-a-db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a sqlite database, just text. ", fp);
	fputs("this is not a sqlite database, just text.\n", fp);
	fclose(fp);
	assert_int_equal(mgen_cache_open(path, &c, &err), MGEN_EIO);
	assert_null(c);
	assert_non_null(strstr(err.msg, "cache"));
	mgen_err_clear(&err);
	snprintf(path, sizeof(path), "%s/not-a-db/sub/cache.sqlite", f->dir);
	assert_int_equal(mgen_cache_open(path, &c, &err), MGEN_EIO);
	assert_null(c);
}

static void canon_is(const char *in, const char *want)
{
	mgen_err err = MGEN_ERR_INIT;
	char *out = NULL;

	assert_int_equal(mgen_cache_canonical_json(in, &out, &err), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_cache__canonical_json(void **state)
{
	mgen_err err = MGEN_ERR_INIT;
	char *out = NULL;

	(void)state;
	canon_is("{ \"b\" : 1, \"a\" : [ true, false, null ], \"A\": {} }",
		 "{\"A\":{},\"a\":[true,false,null],\"b\":1}");
	canon_is("{\"z\": {\"y\": 2, \"x\": {\"d\": 1, \"c\": 0}}}",
		 "{\"z\":{\"x\":{\"c\":0,\"d\":1},\"y\":2}}");
	canon_is("[8192, 8192.0, 0.1, -0.0, 1e300, 2.5e-7, -3, 1.0e2]",
		 "[8192,8192,0.1,0,1e+300,2.5e-07,-3,100]");
	canon_is("0.30000000000000004", "0.30000000000000004");
	canon_is("\"tab\\there \\u00e9 \\\"q\\\" \\\\ \\u0001 \\/\"",
		 "\"tab\\there \xc3\xa9 \\\"q\\\" \\\\ \\u0001 /\"");
	canon_is("{\"b\":\"x\",\"a\":\"line\\nbreak\"}",
		 "{\"a\":\"line\\nbreak\",\"b\":\"x\"}");
	assert_int_equal(mgen_cache_canonical_json("{\"a\":", &out, &err),
			 MGEN_EPARSE);
	assert_null(out);
}

static const mgen_message MSGS[2] = {{"system", "You write comments."},
				     {"user", "Describe t1."}};

static mgen_cache_request base_req(void)
{
	mgen_cache_request r;

	memset(&r, 0, sizeof(r));
	r.model = "openai/gpt-x";
	r.msgs = MSGS;
	r.message_count = 2;
	r.temperature = 0.1;
	r.max_tokens = 8192;
	return r;
}

static void key_of(const mgen_cache_request *r, char hex[65])
{
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_cache_key(r, hex, &err), 0);
	assert_int_equal(strlen(hex), 64);
}

static void test_cache__key_stable_and_sensitive(void **state)
{
	mgen_cache_request r = base_req();
	mgen_message other[2] = {{"system", "You write comments."},
				 {"user", "Describe t2."}};
	mgen_message role[2] = {{"system", "You write comments."},
				{"assistant", "Describe t1."}};
	mgen_err err = MGEN_ERR_INIT;
	char k0[65], k[65], seen[8][65];
	int n = 0, i, j;

	(void)state;
	key_of(&r, k0);
	key_of(&r, k);
	assert_string_equal(k0, k);
	/* response_format: key order and spacing do not matter */
	r.response_format_json = "{\"type\": \"json_object\", \"x\": 1}";
	key_of(&r, k0);
	r.response_format_json = "{\"x\":1.0,\"type\":\"json_object\"}";
	key_of(&r, k);
	assert_string_equal(k0, k);
	r = base_req();
	key_of(&r, seen[n++]);
	r.model = "openai/gpt-y";
	key_of(&r, seen[n++]);
	r = base_req();
	r.msgs = other;
	key_of(&r, seen[n++]);
	r.msgs = role;
	key_of(&r, seen[n++]);
	r = base_req();
	r.message_count = 1;
	key_of(&r, seen[n++]);
	r = base_req();
	r.temperature = 0.2;
	key_of(&r, seen[n++]);
	r = base_req();
	r.max_tokens = 100;
	key_of(&r, seen[n++]);
	r = base_req();
	r.rollout_id = "1";
	key_of(&r, seen[n++]);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(seen[i], seen[j]);
	r = base_req();
	r.response_format_json = "{\"type\": \"json_object\"}";
	key_of(&r, k);
	assert_string_not_equal(k, seen[0]);
	r.response_format_json = "{not json";
	assert_int_equal(mgen_cache_key(&r, k, &err), MGEN_EINVAL);
}

/* The key is the SHA-256 of exactly the canonical request (no API key,
 * no base URL: test_lm checks that clients differing only in those share
 * answers). A fixed digest, so the key format cannot drift silently: a
 * changed key would orphan every user's cache. */
static void test_cache__key_is_sha256_of_canonical_request(void **state)
{
	mgen_cache_request r = base_req();
	char k[65];

	(void)state;
	key_of(&r, k);
	/* sha256 of {"max_tokens":8192,"messages":[{"content":"You write
	 * comments.","role":"system"},{"content":"Describe t1.","role":
	 * "user"}],"model":"openai/gpt-x","temperature":0.1} */
	assert_string_equal(
		k, "6cef74dbdf12e2e8a0360fe64a717a8ae847a501315430e465435abb78508a86");
}

typedef struct worker {
	mgen_cache *c;
	int id;
	int ok;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	mgen_err err = MGEN_ERR_INIT;
	char key[65], text[64];
	mgen_cache_entry e = {text, "stop", 1, 2}, got;
	int i;

	for (i = 0; i < 25; i++) {
		snprintf(key, sizeof(key), "%02d%062d", w->id, i);
		snprintf(text, sizeof(text), "answer %d/%d", w->id, i);
		if (mgen_cache_put(w->c, key, "m", &e, &err) != 0)
			continue;
		if (mgen_cache_get(w->c, key, &got, &err) == 0 &&
		    strcmp(got.content, text) == 0)
			w->ok++;
		mgen_cache_entry_release(&got);
		/* everyone also reads one shared key */
		if (mgen_cache_get(w->c, KEY1, &got, &err) == 0)
			mgen_cache_entry_release(&got);
	}
	return NULL;
}

static void test_cache__concurrent_threads(void **state)
{
	fixture *f = *state;
	mgen_cache *c = NULL;
	mgen_cache_entry e = {"shared", "stop", 0, 0};
	mgen_cache_stats st;
	mgen_err err = MGEN_ERR_INIT;
	worker w[8];
	pthread_t th[8];
	int i;

	assert_int_equal(mgen_cache_open(f->path, &c, &err), 0);
	assert_int_equal(mgen_cache_put(c, KEY1, "m", &e, &err), 0);
	for (i = 0; i < 8; i++) {
		w[i] = (worker){c, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 25);
	}
	assert_int_equal(mgen_cache_stats_get(c, &st, &err), 0);
	assert_int_equal(st.entries, 8 * 25 + 1);
	assert_int_equal(st.hits, 8 * 25 * 2);
	mgen_cache_close(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cache__put_get_stats_clear),
		T(test_cache__open_errors),
		T(test_cache__canonical_json),
		T(test_cache__key_stable_and_sensitive),
		T(test_cache__key_is_sha256_of_canonical_request),
		T(test_cache__concurrent_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
