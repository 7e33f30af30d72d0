/*
 * test_signature.c - signatures (string form, builder, DSPy defaults,
 * infer_prefix, cleandoc'ed instructions, ChainOfThought) and examples
 * (JSON in and out, Python number spelling, the augmented flag).
 * Expected values follow DSPy 3.x dspy/signatures/signature.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/signature.h"

static mgen_signature *parse_ok(const char *spec)
{
	mgen_signature *sig = NULL;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_signature_parse(spec, NULL, &sig, &err), 0);
	assert_non_null(sig);
	return sig;
}

static void check_field(const mgen_signature *sig, size_t i, const char *name,
			const char *type, int is_output)
{
	mgen_sig_field f;

	assert_int_equal(mgen_signature_field(sig, i, &f), 0);
	assert_string_equal(f.name, name);
	assert_string_equal(f.type, type);
	assert_int_equal(f.is_output, is_output);
}

static void test_signature__string_form_with_types(void **state)
{
	mgen_signature *sig =
	    parse_ok("  context,question : str->answer: List[ str ],\n"
		     "  meta: Dict[str,Any], pick: Literal['a, b', 'c'] ");
	char *s = NULL;

	(void)state;
	assert_int_equal(mgen_signature_n_inputs(sig), 2);
	assert_int_equal(mgen_signature_n_outputs(sig), 3);
	assert_int_equal(mgen_signature_n_fields(sig), 5);
	check_field(sig, 0, "context", "str", 0);
	check_field(sig, 1, "question", "str", 0);
	check_field(sig, 2, "answer", "list[str]", 1);
	check_field(sig, 3, "meta", "dict[str, Any]", 1);
	check_field(sig, 4, "pick", "Literal['a, b', 'c']", 1);
	assert_int_equal(mgen_signature_find(sig, "meta"), 3);
	mgen_signature_free(sig);
	/* Literal strings re-quoted the way DSPy prints them */
	sig = parse_ok("a -> b: Literal[\"x\", \"it's\"], c: "
		       "Optional[ Literal[ 'y' ] ]");
	check_field(sig, 1, "b", "Literal['x', \"it's\"]", 1);
	check_field(sig, 2, "c", "Optional[Literal['y']]", 1);
	mgen_signature_free(sig);
	sig = parse_ok("  context,question : str->answer: List[ str ],\n"
		       "  meta: Dict[str,Any], pick: Literal['a, b', 'c'] ");
	assert_int_equal(mgen_signature_find(sig, "nope"), -1);
	assert_string_equal(mgen_signature_instructions(sig),
			    "Given the fields `context`, `question`, produce "
			    "the fields `answer`, `meta`, `pick`.");
	assert_int_equal(mgen_signature_to_string(sig, &s), 0);
	assert_string_equal(s, "context, question -> answer: list[str], "
			       "meta: dict[str, Any], pick: Literal['a, b', "
			       "'c']");
	free(s);
	mgen_signature_free(sig);
}

static void expect_parse_error(const char *spec, const char *msg)
{
	mgen_signature *sig = (mgen_signature *)1;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_signature_parse(spec, NULL, &sig, &err),
			 MGEN_EINVAL);
	assert_null(sig);
	assert_int_equal(err.code, MGEN_EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_signature__string_form_errors(void **state)
{
	(void)state;
	expect_parse_error("a -> b -> c", "signature \"a -> b -> c\": "
					  "expected exactly one \"->\", found "
					  "more");
	expect_parse_error("a, b", "signature \"a, b\": expected exactly one "
				   "\"->\", found none");
	expect_parse_error("a, b c -> d", "signature \"a, b c -> d\": bad "
					  "field name \"b c\" at column 4");
	expect_parse_error("a, , b -> d", "signature \"a, , b -> d\": empty "
					  "field \"\" at column 4");
	expect_parse_error("a -> b:", "signature \"a -> b:\": empty type for "
				      "\"b\" at column 8");
	expect_parse_error("a -> a", "duplicate field name \"a\"");
	expect_parse_error("a -> b: list[str", "bad type \"list[str\" for "
					       "field \"b\": unbalanced "
					       "brackets or quotes");
}

static void test_signature__empty_side_is_allowed(void **state)
{
	mgen_signature *sig = parse_ok("-> answer");

	(void)state;
	assert_int_equal(mgen_signature_n_inputs(sig), 0);
	assert_int_equal(mgen_signature_n_outputs(sig), 1);
	assert_string_equal(mgen_signature_instructions(sig),
			    "Given the fields , produce the fields `answer`.");
	mgen_signature_free(sig);
}

static void test_signature__defaults_desc_and_prefix(void **state)
{
	mgen_signature *sig = parse_ok("table_name, HTMLParser -> answer");
	mgen_sig_field f;

	(void)state;
	assert_int_equal(mgen_signature_field(sig, 0, &f), 0);
	assert_string_equal(f.desc, "${table_name}");
	assert_string_equal(f.prefix, "Table Name:");
	assert_int_equal(mgen_signature_field(sig, 1, &f), 0);
	assert_string_equal(f.prefix, "HTML Parser:");
	assert_int_equal(mgen_signature_field(sig, 2, &f), 0);
	assert_string_equal(f.prefix, "Answer:");
	assert_int_equal(mgen_signature_field(sig, 3, &f), MGEN_EINVAL);
	mgen_signature_free(sig);
}

static void check_prefix(const char *name, const char *want)
{
	char *p = NULL;

	assert_int_equal(mgen_signature_infer_prefix(name, &p), 0);
	assert_string_equal(p, want);
	free(p);
}

static void test_signature__infer_prefix(void **state)
{
	(void)state;
	check_prefix("question", "Question");
	check_prefix("table_name", "Table Name");
	check_prefix("camelCaseField", "Camel Case Field");
	check_prefix("camelCaseText", "Camel Case Text");
	check_prefix("field2value", "Field 2 Value");
	check_prefix("text2number", "Text 2 Number");
	check_prefix("HTMLParser", "HTML Parser");
	check_prefix("getHTTPResponseCode", "Get HTTP Response Code");
	check_prefix("userID", "User ID");
	check_prefix("ABC", "ABC");
	check_prefix("v2", "V 2");
	check_prefix("_private", " Private");
	check_prefix("column_contents", "Column Contents");
}

static void test_signature__builder_and_instructions(void **state)
{
	mgen_signature *sig = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_sig_field f;

	(void)state;
	assert_int_equal(mgen_signature_new(&sig), 0);
	assert_int_equal(mgen_signature_add_output(sig, "comment", NULL,
						   "One sentence.",
						   "Comment:", &err),
			 0);
	assert_int_equal(
	    mgen_signature_add_input(sig, "table", "str", NULL, NULL, &err), 0);
	/* inputs stay before outputs whatever the order of calls */
	check_field(sig, 0, "table", "str", 0);
	check_field(sig, 1, "comment", "str", 1);
	assert_string_equal(mgen_signature_instructions(sig),
			    "Given the fields `table`, produce the fields "
			    "`comment`.");
	assert_int_equal(
	    mgen_signature_add_input(sig, "bad name", NULL, NULL, NULL, &err),
	    MGEN_EINVAL);
	assert_string_equal(err.msg, "bad field name \"bad name\": not an "
				     "identifier");

	assert_int_equal(mgen_signature_set_instructions(
			     sig, "\n    Write a comment.\n      Be brief."
				  "\n\n    Use the data.\n  "),
			 0);
	assert_string_equal(mgen_signature_instructions(sig),
			    "Write a comment.\n  Be brief.\n\nUse the data.");
	/* custom instructions do not follow new fields */
	assert_int_equal(
	    mgen_signature_add_input(sig, "rows", NULL, NULL, NULL, NULL), 0);
	assert_string_equal(mgen_signature_instructions(sig),
			    "Write a comment.\n  Be brief.\n\nUse the data.");
	assert_int_equal(mgen_signature_set_instructions(sig, "\tTabbed\n"), 0);
	assert_string_equal(mgen_signature_instructions(sig), "Tabbed");
	assert_int_equal(mgen_signature_set_instructions(sig, NULL), 0);
	assert_string_equal(mgen_signature_instructions(sig),
			    "Given the fields `table`, `rows`, produce the "
			    "fields `comment`.");

	/* by-position overlay, NULL restores the default */
	assert_int_equal(mgen_signature_set_field_desc(sig, 0, "The table"), 0);
	assert_int_equal(mgen_signature_set_field_prefix(sig, 0, "T:"), 0);
	assert_int_equal(mgen_signature_field(sig, 0, &f), 0);
	assert_string_equal(f.desc, "The table");
	assert_string_equal(f.prefix, "T:");
	assert_int_equal(mgen_signature_set_field_desc(sig, 0, NULL), 0);
	assert_int_equal(mgen_signature_set_field_prefix(sig, 0, NULL), 0);
	assert_int_equal(mgen_signature_field(sig, 0, &f), 0);
	assert_string_equal(f.desc, "${table}");
	assert_string_equal(f.prefix, "Table:");
	assert_int_equal(mgen_signature_set_field_desc(sig, 9, "x"),
			 MGEN_EINVAL);
	mgen_signature_free(sig);
}

static void test_signature__chain_of_thought(void **state)
{
	mgen_signature *sig = parse_ok("question -> answer, score: float");
	mgen_signature *cot = NULL, *again = NULL, *copy = NULL;
	mgen_err err = MGEN_ERR_INIT;
	mgen_sig_field f;

	(void)state;
	assert_int_equal(mgen_signature_chain_of_thought(sig, &cot, &err), 0);
	assert_int_equal(mgen_signature_n_outputs(cot), 3);
	check_field(cot, 0, "question", "str", 0);
	check_field(cot, 1, "reasoning", "str", 1);
	check_field(cot, 2, "answer", "str", 1);
	check_field(cot, 3, "score", "float", 1);
	assert_int_equal(mgen_signature_field(cot, 1, &f), 0);
	assert_string_equal(f.prefix,
			    "Reasoning: Let's think step by step in order to");
	assert_string_equal(f.desc, "${reasoning}");
	assert_string_equal(mgen_signature_instructions(cot),
			    "Given the fields `question`, produce the fields "
			    "`answer`, `score`.");
	assert_int_equal(mgen_signature_chain_of_thought(cot, &again, &err),
			 MGEN_EINVAL);
	assert_null(again);
	/* the original is untouched; a copy is independent */
	assert_int_equal(mgen_signature_n_outputs(sig), 2);
	assert_int_equal(mgen_signature_copy(cot, &copy), 0);
	mgen_signature_free(cot);
	check_field(copy, 1, "reasoning", "str", 1);
	mgen_signature_free(copy);
	mgen_signature_free(sig);
	mgen_signature_free(NULL);
}

static void check_json(const mgen_example *ex, const char *name,
		       const char *want)
{
	char *s = NULL;

	assert_int_equal(mgen_example_get_json(ex, name, &s), 0);
	assert_string_equal(s, want);
	free(s);
}

static void test_signature__example_json_round_trip(void **state)
{
	mgen_example *ex = NULL, *copy = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char *s = NULL;

	(void)state;
	assert_int_equal(
	    mgen_example_from_json(
		"{\"question\":\"Q1\",\"augmented\":true,\"n\":1.0,"
		"\"m\":-0,\"big\":12345678901234567890,\"e\":1e16,"
		"\"x\":{\"k\":[1,2.50,null,false,\"caf\\u00e9\"]}}",
		&ex, &err),
	    0);
	assert_true(mgen_example_augmented(ex));
	assert_false(mgen_example_has(ex, "augmented"));
	assert_int_equal(mgen_example_count(ex), 6);
	assert_string_equal(mgen_example_key(ex, 0), "question");
	assert_null(mgen_example_key(ex, 6));
	assert_string_equal(mgen_example_get_str(ex, "question"), "Q1");
	assert_null(mgen_example_get_str(ex, "n"));
	check_json(ex, "n", "1.0");
	check_json(ex, "m", "0");
	check_json(ex, "big", "12345678901234567890");
	check_json(ex, "e", "1e+16");
	check_json(ex, "x", "{\"k\": [1, 2.5, null, false, \"caf\xC3\xA9\"]}");
	assert_int_equal(mgen_example_get_json(ex, "zz", &s), MGEN_ENOTFOUND);
	assert_null(s);

	assert_int_equal(mgen_example_set_str(ex, "question", "Q2\n\"x\""), 0);
	assert_int_equal(mgen_example_set_json(ex, "n", "[true]", &err), 0);
	assert_int_equal(mgen_example_remove(ex, "x"), 0);
	assert_int_equal(mgen_example_remove(ex, "x"), MGEN_ENOTFOUND);
	assert_int_equal(mgen_example_copy(ex, &copy), 0);
	assert_int_equal(mgen_example_to_json(copy, &s), 0);
	assert_string_equal(s, "{\"augmented\": true, \"question\": "
			       "\"Q2\\n\\\"x\\\"\", \"n\": [true], \"m\": 0, "
			       "\"big\": 12345678901234567890, \"e\": 1e+16}");
	free(s);
	mgen_example_set_augmented(copy, 0);
	assert_int_equal(mgen_example_to_json(copy, &s), 0);
	assert_true(strncmp(s, "{\"question\"", 11) == 0);
	free(s);
	mgen_example_free(copy);
	mgen_example_free(ex);
}

static void test_signature__example_errors(void **state)
{
	mgen_example *ex = NULL;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_example_from_json("[1, 2]", &ex, &err),
			 MGEN_EPARSE);
	assert_null(ex);
	assert_string_equal(err.msg, "example: not a JSON object");
	mgen_err_clear(&err);
	assert_int_equal(mgen_example_from_json("{\"a\": 1} x", &ex, &err),
			 MGEN_EPARSE);
	assert_string_equal(err.msg, "example: not valid JSON");
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_example_from_json("{\"a\": 1, \"a\": 2}", &ex, &err), 0);
	assert_int_equal(mgen_example_count(ex), 1);
	check_json(ex, "a", "2");
	assert_int_equal(mgen_example_set_json(ex, "b", "{oops", &err),
			 MGEN_EPARSE);
	assert_string_equal(err.msg, "example: value of \"b\" is not valid "
				     "JSON");
	assert_int_equal(mgen_example_set_str(ex, NULL, "x"), MGEN_EINVAL);
	mgen_example_free(ex);
	mgen_example_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signature__string_form_with_types),
	    cmocka_unit_test(test_signature__string_form_errors),
	    cmocka_unit_test(test_signature__empty_side_is_allowed),
	    cmocka_unit_test(test_signature__defaults_desc_and_prefix),
	    cmocka_unit_test(test_signature__infer_prefix),
	    cmocka_unit_test(test_signature__builder_and_instructions),
	    cmocka_unit_test(test_signature__chain_of_thought),
	    cmocka_unit_test(test_signature__example_json_round_trip),
	    cmocka_unit_test(test_signature__example_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
