/*
 * test_program_layouts.c - saved programs in the layouts Python DSPy
 * writes (dspy/primitives/base_module.py, dspy/predict/predict.py) load as
 * the comment program: a dspy.Predict saved flat, a ChainOfThought under
 * "<name>.predict" with its reasoning field, a module whose one predictor
 * has another name, fields in another order; each renders the same
 * messages as the {"comment": ...} form (the ChainOfThought one adds the
 * reasoning output). Files that do not fit are refused naming the field.
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

#include "metagen/buf.h"
#include "metagen/comment_program.h"
#include "util/util.h"

/* The six fields as a Python signature with metagen's field names saves
 * them: prefix infer_prefix(name) + ":", description as declared. */
static const char *const field_text[6][2] = {
    {"Table Name:", "the table's name"},
    {"Table Data:", "${table_data}"},
    {"Column Metadata:", "per-column statistics"},
    {"Abbreviations:", "${abbreviations}"},
    {"Context:", "retrieved notes"},
    {"Comments:", "the answer object"},
};

static const char demo[] =
    "{\"augmented\": true, \"table_name\": \"demo.t\", \"table_data\": "
    "{\"table_name\": \"demo.t\", \"columns\": [\"k\"]}, "
    "\"column_metadata\": {}, \"abbreviations\": {}, \"context\": \"\", "
    "%s\"comments\": {\"table\": \"DemoTableText\", \"columns\": [\"k\"], "
    "\"column_contents\": [\"DemoColText\"]}}";

/* One predictor's state with the fields in `order` (indices into
 * field_text; -1 = the reasoning field), `n` of them. */
static void put_state(mgen_buf *b, const int *order, size_t n)
{
	int cot = 0;
	size_t i;

	for (i = 0; i < n; i++)
		cot |= order[i] < 0;
	mgen_buf_puts(b, "\"traces\": [], \"train\": [], \"demos\": [");
	mgen_buf_printf(b, demo, cot ? "\"reasoning\": \"DemoWhy\", " : "");
	mgen_buf_puts(b, "], \"signature\": {\"instructions\": \"Describe "
			 "the table XYZ.\", \"fields\": [");
	for (i = 0; i < n; i++) {
		if (order[i] < 0)
			mgen_buf_printf(b,
					"%s{\"prefix\": \"Reasoning: Let's "
					"think step by step in order to\", "
					"\"description\": \"${reasoning}\"}",
					i ? ", " : "");
		else
			mgen_buf_printf(
			    b,
			    "%s{\"prefix\": \"%s\", \"description\": "
			    "\"%s\"}",
			    i ? ", " : "", field_text[order[i]][0],
			    field_text[order[i]][1]);
	}
	mgen_buf_puts(b, "]}, \"lm\": null");
}

static const char meta[] =
    "\"metadata\": {\"dependency_versions\": {\"python\": \"3.12\", "
    "\"dspy\": \"3.3.1\", \"cloudpickle\": \"3.1\"}}";

#include "temp_text.h"

/* Writes a program file: `key` NULL = the flat layout. */
static char *write_file(const char *key, const int *order, size_t n,
			const char *extra)
{
	mgen_buf b = MGEN_BUF_INIT;

	mgen_buf_puts(&b, "{");
	if (key)
		mgen_buf_printf(&b, "\"%s\": {", key);
	put_state(&b, order, n);
	mgen_buf_printf(&b, "%s, %s%s}\n", key ? "}" : "", extra ? extra : "",
			meta);
	return temp_file(&b);
}

static const int straight[6] = {0, 1, 2, 3, 4, 5};

static void render(const char *path, mgen_sig_messages *m, int json)
{
	mgen_comment_program *cp = NULL;
	mgen_example *ex = NULL;
	mgen_err e = MGEN_ERR_INIT;

	if (mgen_comment_program_load(path, &cp, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(mgen_comment_program_demo_count(cp), 1);
	assert_int_equal(mgen_example_new(&ex), 0);
	assert_int_equal(mgen_example_set_str(ex, "table_name", "shop.x"), 0);
	assert_int_equal(mgen_example_set_json(ex, "table_data",
					       "{\"columns\": [\"a\"]}", NULL),
			 0);
	assert_int_equal(mgen_comment_program_render(cp, ex, json, m, NULL), 0);
	mgen_example_free(ex);
	mgen_comment_program_free(cp);
	unlink(path);
}

static void assert_same(const mgen_sig_messages *a, const mgen_sig_messages *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->msgs[i].role, b->msgs[i].role);
		assert_string_equal(a->msgs[i].content, b->msgs[i].content);
	}
}

/* The reference: {"comment": ...}; the file's texts reach the prompt. */
static void reference(mgen_sig_messages *m, int json)
{
	char *p = write_file("comment", straight, 6, NULL);

	render(p, m, json);
	free(p);
	assert_int_equal(m->n, 4);
	assert_non_null(strstr(m->msgs[0].content, "Describe the table XYZ."));
	assert_non_null(strstr(m->msgs[0].content, "per-column statistics"));
	assert_non_null(strstr(m->msgs[2].content, "DemoColText"));
}

static void check_layout(const char *key, const int *order, size_t n,
			 const char *extra)
{
	mgen_sig_messages want = MGEN_SIG_MESSAGES_INIT;
	mgen_sig_messages got = MGEN_SIG_MESSAGES_INIT;
	char *p;
	int json;

	for (json = 0; json <= 1; json++) {
		reference(&want, json);
		p = write_file(key, order, n, extra);
		render(p, &got, json);
		free(p);
		assert_same(&want, &got);
		mgen_sig_messages_release(&want);
		mgen_sig_messages_release(&got);
	}
}

static void test_layouts__flat_predict_renders_the_same(void **st)
{
	(void)st;
	check_layout(NULL, straight, 6, NULL);
}

static void test_layouts__other_predictor_name_renders_the_same(void **st)
{
	(void)st;
	check_layout("describe", straight, 6, NULL);
	/* a module with one predictor and other non-predictor state */
	check_layout("gen.describe", straight, 6, "\"k\": {\"k\": 3}, ");
}

static void test_layouts__fields_matched_by_name_not_position(void **st)
{
	static const int shuffled[6] = {4, 0, 3, 1, 2, 5};

	(void)st;
	check_layout("comment", shuffled, 6, NULL);
}

static void test_layouts__chain_of_thought_adds_reasoning(void **st)
{
	static const int cot[7] = {0, 1, 2, 3, 4, -1, 5};
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_comment_program *cp = NULL;
	char *p = write_file("describe.predict", cot, 7, NULL), *out = NULL;

	(void)st;
	assert_int_equal(mgen_comment_program_load(p, &cp, NULL), 0);
	mgen_comment_program_free(cp);
	render(p, &m, 0);
	free(p);
	assert_int_equal(m.n, 4);
	assert_non_null(
	    strstr(m.msgs[0].content,
		   "Your output fields are:\n1. `reasoning` (str)"));
	assert_non_null(strstr(m.msgs[0].content, "2. `comments`"));
	assert_non_null(strstr(m.msgs[2].content,
			       "[[ ## reasoning ## ]]\nDemoWhy\n\n"
			       "[[ ## comments ## ]]"));
	assert_non_null(
	    strstr(m.msgs[3].content,
		   "starting with the field `[[ ## reasoning ## ]]`,"
		   " then `[[ ## comments ## ]]`"));
	mgen_sig_messages_release(&m);
	/* an answer with both outputs gives the comments */
	p = write_file("describe.predict", cot, 7, NULL);
	assert_int_equal(mgen_comment_program_load(p, &cp, NULL), 0);
	unlink(p);
	free(p);
	assert_int_equal(
	    mgen_comment_program_parse(
		cp,
		"[[ ## reasoning ## ]]\nbecause\n\n[[ ## comments ## ]]\n"
		"{\"table\": \"T\", \"columns\": [\"a\"], \"column_contents\": "
		"[\"A\"]}\n\n[[ ## completed ## ]]",
		0, &out, NULL),
	    0);
	assert_non_null(strstr(out, "\"column_contents\""));
	assert_null(strstr(out, "because"));
	free(out);
	mgen_comment_program_free(cp);
}

static void refused(const char *key, const int *order, size_t n,
		    const char *extra, const char *want)
{
	char *p = write_file(key, order, n, extra);
	mgen_comment_program *cp = NULL;
	mgen_err e = MGEN_ERR_INIT;

	assert_int_equal(mgen_comment_program_load(p, &cp, &e), MGEN_EINVAL);
	assert_null(cp);
	if (strstr(e.msg, want) == NULL || strstr(e.msg, p) == NULL)
		fail_msg("message '%s' lacks '%s' or the path", e.msg, want);
	unlink(p);
	free(p);
}

static void test_layouts__misfits_refused_naming_the_field(void **st)
{
	static const int missing[5] = {0, 1, 2, 3, 5};
	static const int twice[6] = {0, 0, 2, 3, 4, 5};
	static const int cot_in[7] = {0, -1, 1, 2, 3, 4, 5};
	static const int two_cot[8] = {0, 1, 2, 3, 4, -1, -1, 5};

	(void)st;
	refused("comment", missing, 5, NULL, "the file has no field 'context'");
	refused("comment", twice, 6, NULL,
		"fields 0 and 1 are both 'table_name'");
	refused("x.predict", cot_in, 7, NULL,
		"field 1 is a reasoning field among the inputs");
	refused("x.predict", two_cot, 8, NULL, "reasoning field twice");
	/* two predictors, neither called comment: which one is unknowable */
	refused("a", straight, 6,
		"\"b\": {\"signature\": {\"instructions\": \"\", "
		"\"fields\": []}}, ",
		"no predictor 'comment' and 2 others ('a', 'b')");
}

/* {"comment": ...} whose fields have the prefixes `pre` (descriptions
 * "d0", "d1", ...). */
static char *write_prefixes(const char *const *pre, size_t n)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	mgen_buf_puts(&b, "{\"comment\": {\"signature\": {\"instructions\": "
			  "\"I\", \"fields\": [");
	for (i = 0; i < n; i++)
		mgen_buf_printf(&b,
				"%s{\"prefix\": \"%s\", \"description\": "
				"\"d%zu\"}",
				i ? ", " : "", pre[i], i);
	mgen_buf_puts(&b, "]}}, \"metadata\": {\"dependency_versions\": {}}}");
	return temp_file(&b);
}

static void test_layouts__unnamed_fields_only_by_unambiguous_position(void **st)
{
	static const char *const in_place[6] = {"Table Name:", "table_data",
						"Stats Blob:", "ABBREVIATIONS",
						"Context:",    "Comments:"};
	static const char *const moved[6] = {
	    "Table Data:",    "Table Name:", "Stats Blob:",
	    "Abbreviations:", "Context:",    "Comments:"};
	mgen_comment_program *cp = NULL;
	mgen_err e = MGEN_ERR_INIT;
	mgen_sig_field f;
	char *p = write_prefixes(in_place, 6);

	(void)st;
	/* field 2 renamed out of recognition, the rest in place (names
	 * matched without case, a bare name too): by position */
	assert_int_equal(mgen_comment_program_load(p, &cp, NULL), 0);
	assert_int_equal(
	    mgen_signature_field(mgen_comment_program_signature(cp), 2, &f), 0);
	assert_string_equal(f.name, "column_metadata");
	assert_string_equal(f.desc, "d2");
	mgen_comment_program_free(cp);
	unlink(p);
	free(p);
	/* the same unknown field while the named ones moved: refused */
	p = write_prefixes(moved, 6);
	assert_int_equal(mgen_comment_program_load(p, &cp, &e), MGEN_EINVAL);
	assert_null(cp);
	assert_non_null(strstr(e.msg, "field 2 (prefix 'Stats Blob:'"));
	assert_non_null(strstr(e.msg, "matches no field"));
	unlink(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layouts__flat_predict_renders_the_same),
	    cmocka_unit_test(
		test_layouts__other_predictor_name_renders_the_same),
	    cmocka_unit_test(test_layouts__fields_matched_by_name_not_position),
	    cmocka_unit_test(test_layouts__chain_of_thought_adds_reasoning),
	    cmocka_unit_test(test_layouts__misfits_refused_naming_the_field),
	    cmocka_unit_test(
		test_layouts__unnamed_fields_only_by_unambiguous_position),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
