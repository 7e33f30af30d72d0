/*
 * test_program.c - the saved-program file: DSPy's layout read and written,
 * byte-identical round trips, the declared load (by name, fields by
 * position, all or nothing), secrets never written, parse errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metagen/program.h"
#include "util/util.h"

/*
 * A file in the layout Python DSPy 3.x writes for a ChainOfThought saved
 * under the attribute "comment" (orjson indent 2, final newline): one
 * bootstrapped (augmented) demo, one labeled demo with dspy_uuid, an lm.
 */
static const char DSPY_FILE[] =
    "{\n"
    "  \"comment.predict\": {\n"
    "    \"traces\": [],\n"
    "    \"train\": [],\n"
    "    \"demos\": [\n"
    "      {\n"
    "        \"augmented\": true,\n"
    "        \"table_name\": \"mimiciii.patients\",\n"
    "        \"columns\": \"subject_id, gender\",\n"
    "        \"reasoning\": \"Patient table.\\nOne row each.\",\n"
    "        \"table_comment\": \"Patients – demographics (é).\",\n"
    "        \"column_comments\": \"{\\\"subject_id\\\": \\\"Patient "
    "id\\\"}\"\n"
    "      },\n"
    "      {\n"
    "        \"table_name\": \"mimiciii.d_items\",\n"
    "        \"table_comment\": \"Item dictionary.\",\n"
    "        \"dspy_uuid\": \"5b1f6e0a-1c2d-4e3f-9a8b-7c6d5e4f3a2b\",\n"
    "        \"dspy_split\": \"train\"\n"
    "      }\n"
    "    ],\n"
    "    \"signature\": {\n"
    "      \"instructions\": \"Write a comment for the table and each "
    "column.\",\n"
    "      \"fields\": [\n"
    "        {\n"
    "          \"prefix\": \"Table Name:\",\n"
    "          \"description\": \"${table_name}\"\n"
    "        },\n"
    "        {\n"
    "          \"prefix\": \"Columns:\",\n"
    "          \"description\": \"${columns}\"\n"
    "        },\n"
    "        {\n"
    "          \"prefix\": \"Reasoning: Let's think step by step in order "
    "to\",\n"
    "          \"description\": \"${reasoning}\"\n"
    "        },\n"
    "        {\n"
    "          \"prefix\": \"Table Comment:\",\n"
    "          \"description\": \"${table_comment}\"\n"
    "        },\n"
    "        {\n"
    "          \"prefix\": \"Column Comments:\",\n"
    "          \"description\": \"JSON object: column name -> comment\"\n"
    "        }\n"
    "      ]\n"
    "    },\n"
    "    \"lm\": {\n"
    "      \"model\": \"openai/gpt-4o-mini\",\n"
    "      \"model_type\": \"chat\",\n"
    "      \"cache\": true,\n"
    "      \"num_retries\": 3,\n"
    "      \"temperature\": 1.0,\n"
    "      \"max_tokens\": 4000\n"
    "    }\n"
    "  },\n"
    "  \"metadata\": {\n"
    "    \"dependency_versions\": {\n"
    "      \"python\": \"3.11\",\n"
    "      \"dspy\": \"3.0.3\",\n"
    "      \"cloudpickle\": \"3.1\"\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char *const COT_PREFIXES[] = {
    "Table Name:", "Columns:", "Reasoning:", "Table Comment:",
    "Column Comments:"};

/* The declaration a signature would build: `nfields` default fields. */
static mgen_program *declared(const char *name, size_t nfields)
{
	mgen_program *p = NULL;
	size_t f;

	assert_int_equal(mgen_program_new(&p), 0);
	assert_int_equal(mgen_program_add_predictor(p, name, "Original.", NULL),
			 0);
	for (f = 0; f < nfields; f++)
		assert_int_equal(
		    mgen_program_add_field(
			p, 0, f < 5 ? COT_PREFIXES[f] : "X:", "${x}"),
		    0);
	return p;
}

static char *to_json(const mgen_program *p)
{
	char *s = NULL;

	assert_int_equal(mgen_program_to_json(p, &s, NULL), 0);
	return s;
}

static void test_program__dspy_file_loads_demos_and_instructions(void **st)
{
	mgen_program *p = declared("comment.predict", 5);
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	assert_int_equal(mgen_program_load_json(p, DSPY_FILE, strlen(DSPY_FILE),
						"cot.json", NULL, &err),
			 0);
	assert_string_equal(mgen_program_instructions(p, 0),
			    "Write a comment for the table and each column.");
	assert_int_equal(mgen_program_field_count(p, 0), 5);
	assert_string_equal(mgen_program_field_prefix(p, 0, 2),
			    "Reasoning: Let's think step by step in order to");
	assert_string_equal(mgen_program_field_description(p, 0, 4),
			    "JSON object: column name -> comment");
	assert_int_equal(mgen_program_demo_count(p, 0), 2);
	assert_non_null(strstr(mgen_program_demo(p, 0, 0),
			       "{\"augmented\":true,\"table_name\":"));
	assert_non_null(strstr(mgen_program_demo(p, 0, 0),
			       "\"Patient table.\\nOne row each.\""));
	assert_non_null(strstr(mgen_program_demo(p, 0, 0), "(é)"));
	assert_null(strstr(mgen_program_demo(p, 0, 1), "augmented"));
	assert_non_null(strstr(mgen_program_demo(p, 0, 1),
			       "\"dspy_uuid\":\"5b1f6e0a-1c2d-4e3f-9a8b-"
			       "7c6d5e4f3a2b\",\"dspy_split\":\"train\"}"));
	assert_non_null(strstr(mgen_program_lm(p, 0), "\"temperature\":1.0,"));
	assert_string_equal(mgen_program_dependency_version(p, "python"),
			    "3.11");
	assert_int_equal(mgen_program_meta(p, NULL, NULL, NULL), 0);
	mgen_program_free(p);
}

static void test_program__dspy_file_round_trips_byte_identical(void **st)
{
	mgen_program *p = declared("comment.predict", 5);
	char *out;

	(void)st;
	assert_int_equal(mgen_program_load_json(p, DSPY_FILE, strlen(DSPY_FILE),
						NULL, NULL, NULL),
			 0);
	out = to_json(p);
	assert_string_equal(out, DSPY_FILE);
	free(out);
	mgen_program_free(p);
}

/* A program built from scratch, with the awkward values. */
static mgen_program *built(void)
{
	mgen_program *p = NULL;

	assert_int_equal(mgen_program_new(&p), 0);
	assert_int_equal(mgen_program_add_predictor(p, "self",
						    "Say \"hi\"\n\t"
						    "twice\\.",
						    NULL),
			 0);
	assert_int_equal(mgen_program_add_field(p, 0, "Question:", "${q}"), 0);
	assert_int_equal(mgen_program_add_field(p, 0, "Answer:", "ünï"), 0);
	assert_int_equal(mgen_program_add_demo(
			     p, 0,
			     "{ \"augmented\" : true, \"q\": \"a\\u001fb\","
			     " \"n\": [1.0, -0, 2.5e-7, {}], \"e\": "
			     "\"\\ud83d\\ude00 \\/\" }",
			     NULL),
			 0);
	assert_int_equal(
	    mgen_program_add_predictor(p, "answer.predict", NULL, NULL), 0);
	assert_int_equal(mgen_program_add_field(p, 1, "Context:", ""), 0);
	assert_int_equal(mgen_program_set_lm(p, 1,
					     "{\"model\": \"databricks/x\","
					     " \"temperature\": 0.0}",
					     NULL),
			 0);
	assert_int_equal(mgen_program_set_meta(p, "BootstrapFewShot", 120, 97),
			 0);
	return p;
}

static void test_program__save_load_save_byte_identical(void **st)
{
	char path[] = "/tmp/test_program_XXXXXX";
	mgen_program *p = built(), *q = NULL, *r = NULL;
	char *first = NULL, *second, *third;
	size_t len;
	int fd;

	(void)st;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mgen_program_save(p, path, NULL), 0);
	assert_int_equal(mgen__read_file(path, &first, &len), 0);
	/* the escapes and literals as orjson writes them */
	assert_non_null(strstr(first, "\"q\": \"a\\u001fb\""));
	assert_non_null(strstr(first, "1.0,\n"));
	assert_non_null(strstr(first, "\"e\": \"😀 /\""));
	assert_non_null(strstr(first, "\"instructions\": \"Say \\\"hi\\\"\\n"
				      "\\ttwice\\\\.\""));
	assert_non_null(strstr(first, "\"lm_calls_estimate\": 120,"));
	/* no dependency version metagen did not run under; metagen named */
	assert_non_null(strstr(first, "\"dependency_versions\": {},"));
	assert_null(strstr(first, "\"dspy\":"));
	assert_non_null(strstr(first, "\"metagen\": {\n      \"version\": "));
	/* declared load: a fresh declaration of the same predictors */
	assert_int_equal(mgen_program_new(&q), 0);
	assert_int_equal(mgen_program_add_predictor(q, "self", NULL, NULL), 0);
	mgen_program_add_field(q, 0, "Q:", "");
	mgen_program_add_field(q, 0, "A:", "");
	assert_int_equal(
	    mgen_program_add_predictor(q, "answer.predict", NULL, NULL), 0);
	mgen_program_add_field(q, 1, "C:", "");
	assert_int_equal(mgen_program_load(q, path, NULL, NULL), 0);
	second = to_json(q);
	assert_string_equal(second, first);
	/* undeclared read */
	assert_int_equal(mgen_program_read(path, NULL, &r, NULL), 0);
	assert_int_equal(mgen_program_count(r), 2);
	third = to_json(r);
	assert_string_equal(third, first);
	unlink(path);
	free(first);
	free(second);
	free(third);
	mgen_program_free(p);
	mgen_program_free(q);
	mgen_program_free(r);
}

static void test_program__wrong_field_count_leaves_program_unchanged(void **s)
{
	mgen_program *p = declared("comment.predict", 6);
	mgen_err err = MGEN_ERR_INIT;
	char *before, *after;

	(void)s;
	assert_int_equal(mgen_program_add_demo(p, 0, "{\"x\": 1}", NULL), 0);
	before = to_json(p);
	assert_int_equal(mgen_program_load_json(p, DSPY_FILE, strlen(DSPY_FILE),
						"cot.json", NULL, &err),
			 MGEN_EINVAL);
	assert_string_equal(err.msg,
			    "cot.json: predictor 'comment.predict': file has 5 "
			    "fields, the signature declares 6");
	after = to_json(p);
	assert_string_equal(after, before);
	assert_string_equal(mgen_program_instructions(p, 0), "Original.");
	free(before);
	free(after);
	mgen_program_free(p);
}

static void test_program__later_failure_changes_nothing(void **st)
{
	/* the first predictor loads, the second one is bad: neither moves */
	mgen_program *p = declared("comment.predict", 5);
	mgen_err err = MGEN_ERR_INIT;
	char *before, *after;
	char *text;
	size_t n = strlen(DSPY_FILE) + 256;

	(void)st;
	assert_int_equal(mgen_program_add_predictor(p, "self", NULL, NULL), 0);
	mgen_program_add_field(p, 1, "A:", "");
	before = to_json(p);
	text = malloc(n);
	assert_non_null(text);
	snprintf(text, n,
		 "%.*s, \"self\": {\"signature\": {\"instructions\": "
		 "\"\", \"fields\": [{\"prefix\": \"A:\", "
		 "\"description\": 7}]}}}",
		 (int)(strrchr(DSPY_FILE, '}') - DSPY_FILE), DSPY_FILE);
	assert_int_equal(
	    mgen_program_load_json(p, text, strlen(text), "f.json", NULL, &err),
	    MGEN_EINVAL);
	assert_string_equal(err.msg, "f.json: predictor 'self': field 0 is "
				     "not an object with string prefix and "
				     "description");
	after = to_json(p);
	assert_string_equal(after, before);
	free(text);
	free(before);
	free(after);
	mgen_program_free(p);
}

static void test_program__missing_predictor_rejected(void **st)
{
	mgen_program *p = declared("self", 2);
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	assert_int_equal(mgen_program_load_json(p, DSPY_FILE, strlen(DSPY_FILE),
						"cot.json", NULL, &err),
			 MGEN_EINVAL);
	assert_string_equal(err.msg, "cot.json: predictor 'self' is missing "
				     "from the file");
	mgen_program_free(p);
}

static void test_program__extra_keys_ignored(void **st)
{
	static const char text[] =
	    "{\"other\": {\"k\": 3}, \"junk\": [1, 2],\n"
	    " \"self\": {\"traces\": [], \"train\": [], \"demos\": [],"
	    " \"future_key\": {\"a\": 1}, \"signature\": {\"instructions\":"
	    " \"Do it.\", \"fields\": [{\"prefix\": \"In:\", "
	    "\"description\": \"d1\", \"name\": \"extra\"},"
	    " {\"prefix\": \"Out:\", \"description\": \"d2\"}]},"
	    " \"lm\": null}}";
	mgen_program *p = declared("self", 2);

	(void)st;
	assert_int_equal(
	    mgen_program_load_json(p, text, strlen(text), NULL, NULL, NULL), 0);
	assert_string_equal(mgen_program_instructions(p, 0), "Do it.");
	assert_string_equal(mgen_program_field_prefix(p, 0, 1), "Out:");
	assert_string_equal(mgen_program_field_description(p, 0, 0), "d1");
	assert_null(mgen_program_lm(p, 0));
	/* no metadata in the file: the default (no versions) stays */
	assert_null(mgen_program_dependency_version(p, "dspy"));
	mgen_program_free(p);
}

static void test_program__api_key_never_written(void **st)
{
	static const char file[] =
	    "{\"self\": {\"demos\": [], \"signature\": {\"instructions\":"
	    " \"\", \"fields\": []}, \"lm\": {\"model\": \"openai/x\","
	    " \"api_key\": \"sk-SECRET1\", \"api_base\": \"http://evil\","
	    " \"base_url\": \"http://evil2\", \"max_tokens\": 10}}}";
	mgen_program *p = declared("self", 0);
	mgen_program_load_options trust = MGEN_PROGRAM_LOAD_OPTIONS_INIT;
	char *out;

	(void)st;
	assert_int_equal(mgen_program_set_lm(
			     p, 0,
			     "{\"model\": \"m\", \"api_key\": \"sk-SECRET0\","
			     " \"extra\": {\"api_key\": \"sk-SECRET2\"}}",
			     NULL),
			 0);
	out = to_json(p);
	assert_null(strstr(out, "api_key"));
	assert_null(strstr(out, "SECRET"));
	assert_non_null(strstr(out, "\"model\": \"m\""));
	free(out);
	/* loaded: api_key always dropped, endpoints only when untrusted */
	assert_int_equal(
	    mgen_program_load_json(p, file, strlen(file), NULL, NULL, NULL), 0);
	assert_string_equal(mgen_program_lm(p, 0),
			    "{\"model\":\"openai/x\",\"max_tokens\":10}");
	trust.trust_lm_base = 1;
	assert_int_equal(
	    mgen_program_load_json(p, file, strlen(file), NULL, &trust, NULL),
	    0);
	assert_string_equal(mgen_program_lm(p, 0),
			    "{\"model\":\"openai/x\",\"api_base\":"
			    "\"http://evil\",\"base_url\":\"http://evil2\","
			    "\"max_tokens\":10}");
	out = to_json(p);
	assert_null(strstr(out, "SECRET"));
	free(out);
	mgen_program_free(p);
}

static void test_program__malformed_json_rejected(void **st)
{
	static const char *const bad[] = {"{\"self\": {",
					  "{\"a\": 1,}",
					  "{\"a\": 01}",
					  "{\"a\": \"x\\u0000\"}",
					  "{\"a\": \"\\ud800\"}",
					  "{\"a\": \"\x80\"}",
					  "[1] 2",
					  "",
					  "{\"a\": tru}"};
	mgen_program *p = declared("self", 0);
	mgen_err err = MGEN_ERR_INIT;
	size_t i;
	char *before = to_json(p), *after;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mgen_err_clear(&err);
		assert_int_equal(mgen_program_load_json(p, bad[i],
							strlen(bad[i]),
							"b.json", NULL, &err),
				 MGEN_EPARSE);
		assert_true(mgen__startswith(err.msg, "b.json:1:"));
	}
	mgen_err_clear(&err);
	assert_int_equal(mgen_program_load_json(p, "{\n  \"self\": [1,\n 2 3]}",
						21, "m.json", NULL, &err),
			 MGEN_EPARSE);
	assert_string_equal(err.msg, "m.json:3:4: expected ',' or ']'");
	/* nesting is bounded: no stack overflow on hostile files */
	{
		char deep[2001];

		memset(deep, '[', 2000);
		deep[2000] = '\0';
		mgen_err_clear(&err);
		assert_int_equal(
		    mgen_program_load_json(p, deep, 2000, "d.json", NULL, &err),
		    MGEN_EPARSE);
		assert_non_null(strstr(err.msg, "nesting too deep"));
	}
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_program_load_json(p, "[]", 2, "a.json", NULL, &err),
	    MGEN_EINVAL);
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_program_load(p, "/nonexistent/p.json", NULL, &err), MGEN_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/p.json"));
	after = to_json(p);
	assert_string_equal(after, before);
	free(before);
	free(after);
	mgen_program_free(p);
}

static void test_program__copy_is_deep(void **st)
{
	mgen_program *p = built(), *c = NULL;
	char *a, *b;

	(void)st;
	assert_int_equal(mgen_program_copy(p, &c), 0);
	a = to_json(p);
	b = to_json(c);
	assert_string_equal(a, b);
	mgen_program_clear_demos(c, 0);
	assert_int_equal(mgen_program_demo_count(p, 0), 1);
	assert_int_equal(mgen_program_add_predictor(c, "self", NULL, NULL),
			 MGEN_EINVAL);
	assert_int_equal(mgen_program_find(c, "answer.predict"), 1);
	assert_int_equal(mgen_program_find(c, "nope"), -1);
	free(a);
	free(b);
	mgen_program_free(p);
	mgen_program_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		test_program__dspy_file_loads_demos_and_instructions),
	    cmocka_unit_test(
		test_program__dspy_file_round_trips_byte_identical),
	    cmocka_unit_test(test_program__save_load_save_byte_identical),
	    cmocka_unit_test(
		test_program__wrong_field_count_leaves_program_unchanged),
	    cmocka_unit_test(test_program__later_failure_changes_nothing),
	    cmocka_unit_test(test_program__missing_predictor_rejected),
	    cmocka_unit_test(test_program__extra_keys_ignored),
	    cmocka_unit_test(test_program__api_key_never_written),
	    cmocka_unit_test(test_program__malformed_json_rejected),
	    cmocka_unit_test(test_program__copy_is_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
