/*
 * test_adapter.c - ChatAdapter and JSONAdapter rendering and parsing.
 * The golden strings recreate DSPy 3.x's layout (dspy.md; the shapes of
 * stanfordnlp/dspy tests/adapters/test_chat_adapter.py and
 * test_json_adapter.py) byte for byte, trailing spaces included, with our
 * own field names and values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/signature.h"

#define STRUCT_INTRO                                                           \
	"All interactions will be structured in the following way, with the "  \
	"appropriate values filled in.\n\n"
#define OBJECTIVE "In adhering to this structure, your objective is: "
#define INCOMPLETE                                                             \
	"This is an example of the task, though some input or output fields "  \
	"are not supplied.\n\n"

static mgen_signature *sig_of(const char *spec)
{
	mgen_signature *sig = NULL;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_signature_parse(spec, NULL, &sig, &err), 0);
	return sig;
}

static mgen_example *ex_of(const char *json)
{
	mgen_example *ex = NULL;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_example_from_json(json, &ex, &err), 0);
	return ex;
}

static void check_msg(const mgen_sig_messages *m, size_t i, const char *role,
		      const char *content)
{
	assert_true(i < m->n);
	assert_string_equal(m->msgs[i].role, role);
	assert_string_equal(m->msgs[i].content, content);
}

static void test_adapter__chat_simple(void **state)
{
	mgen_signature *sig = sig_of("question -> answer");
	mgen_example *in = ex_of("{\"question\": \"Which table holds "
				 "admissions?\"}");
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_chat_adapter_render(sig, NULL, 0, in, &m, &err),
			 0);
	assert_int_equal(m.n, 2);
	check_msg(&m, 0, "system",
		  "Your input fields are:\n1. `question` (str):\n"
		  "Your output fields are:\n1. `answer` (str):\n" STRUCT_INTRO
		  "[[ ## question ## ]]\n{question}\n\n"
		  "[[ ## answer ## ]]\n{answer}\n\n"
		  "[[ ## completed ## ]]\n" OBJECTIVE
		  "\n        Given the fields `question`, produce the fields "
		  "`answer`.");
	check_msg(&m, 1, "user",
		  "[[ ## question ## ]]\nWhich table holds admissions?\n\n"
		  "Respond with the corresponding output fields, starting "
		  "with the field `[[ ## answer ## ]]`, and then ending with "
		  "the marker for `[[ ## completed ## ]]`.");
	mgen_sig_messages_release(&m);
	assert_null(m.msgs);
	assert_int_equal(m.n, 0);
	mgen_sig_messages_release(NULL);
	mgen_example_free(in);
	mgen_signature_free(sig);
}

/* dspy.md's ChainOfThought("question -> answer") example, one demo. */
static void test_adapter__chat_chain_of_thought_demo(void **state)
{
	mgen_signature *base = sig_of("question -> answer"), *sig = NULL;
	mgen_example *demo = ex_of("{\"augmented\": true, \"question\": "
				   "\"Q1\", \"reasoning\": \"R1\", "
				   "\"answer\": \"A1\"}");
	mgen_example *in = ex_of("{\"question\": \"Q2\"}");
	const mgen_example *demos[1];
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	demos[0] = demo;
	assert_int_equal(mgen_signature_chain_of_thought(base, &sig, &err), 0);
	assert_int_equal(mgen_chat_adapter_render(sig, demos, 1, in, &m, &err),
			 0);
	assert_int_equal(m.n, 4);
	check_msg(&m, 0, "system",
		  "Your input fields are:\n"
		  "1. `question` (str):\n"
		  "Your output fields are:\n"
		  "1. `reasoning` (str): \n"
		  "2. `answer` (str):\n" STRUCT_INTRO
		  "[[ ## question ## ]]\n{question}\n\n"
		  "[[ ## reasoning ## ]]\n{reasoning}\n\n"
		  "[[ ## answer ## ]]\n{answer}\n\n"
		  "[[ ## completed ## ]]\n"
		  "In adhering to this structure, your objective is: \n"
		  "        Given the fields `question`, produce the fields "
		  "`answer`.");
	check_msg(&m, 1, "user", "[[ ## question ## ]]\nQ1");
	check_msg(&m, 2, "assistant",
		  "[[ ## reasoning ## ]]\nR1\n\n[[ ## answer ## ]]\nA1\n\n"
		  "[[ ## completed ## ]]\n");
	check_msg(&m, 3, "user",
		  "[[ ## question ## ]]\nQ2\n\nRespond with the corresponding "
		  "output fields, starting with the field "
		  "`[[ ## reasoning ## ]]`, then `[[ ## answer ## ]]`, and "
		  "then ending with the marker for `[[ ## completed ## ]]`.");
	mgen_sig_messages_release(&m);
	mgen_example_free(demo);
	mgen_example_free(in);
	mgen_signature_free(sig);
	mgen_signature_free(base);
}

static void test_adapter__chat_typed_outputs_and_notes(void **state)
{
	mgen_signature *sig = sig_of("question -> count: int, tags: "
				     "list[str], meta: dict[str, Any]");
	mgen_example *demo = ex_of("{\"question\": \"Q1\", \"count\": 3, "
				   "\"tags\": [\"a\", \"b\"], \"meta\": "
				   "{\"k\": 1.0, \"ok\": true}}");
	mgen_example *in = ex_of("{\"question\": \"Q2\"}");
	const mgen_example *demos[1];
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;

	(void)state;
	demos[0] = demo;
	assert_int_equal(mgen_chat_adapter_render(sig, demos, 1, in, &m, NULL),
			 0);
	assert_int_equal(m.n, 4);
	check_msg(&m, 0, "system",
		  "Your input fields are:\n1. `question` (str):\n"
		  "Your output fields are:\n"
		  "1. `count` (int): \n"
		  "2. `tags` (list[str]): \n"
		  "3. `meta` (dict[str, Any]):\n" STRUCT_INTRO
		  "[[ ## question ## ]]\n{question}\n\n"
		  "[[ ## count ## ]]\n{count}        # note: the value you "
		  "produce must be a single int value\n\n"
		  "[[ ## tags ## ]]\n{tags}        # note: the value you "
		  "produce must adhere to the JSON schema: {\"type\": "
		  "\"array\", \"items\": {\"type\": \"string\"}}\n\n"
		  "[[ ## meta ## ]]\n{meta}        # note: the value you "
		  "produce must adhere to the JSON schema: {\"type\": "
		  "\"object\", \"additionalProperties\": true}\n\n"
		  "[[ ## completed ## ]]\n" OBJECTIVE
		  "\n        Given the fields `question`, produce the fields "
		  "`count`, `tags`, `meta`.");
	check_msg(&m, 2, "assistant",
		  "[[ ## count ## ]]\n3\n\n"
		  "[[ ## tags ## ]]\n[\"a\", \"b\"]\n\n"
		  "[[ ## meta ## ]]\n{\"k\": 1.0, \"ok\": true}\n\n"
		  "[[ ## completed ## ]]\n");
	check_msg(&m, 3, "user",
		  "[[ ## question ## ]]\nQ2\n\nRespond with the corresponding "
		  "output fields, starting with the field `[[ ## count ## ]]` "
		  "(must be formatted as a valid Python int), then "
		  "`[[ ## tags ## ]]` (must be formatted as a valid Python "
		  "list[str]), then `[[ ## meta ## ]]` (must be formatted as a "
		  "valid Python dict[str, Any]), and then ending with the "
		  "marker for `[[ ## completed ## ]]`.");
	mgen_sig_messages_release(&m);
	mgen_example_free(demo);
	mgen_example_free(in);
	mgen_signature_free(sig);
}

static void test_adapter__chat_bool_and_literal_notes(void **state)
{
	mgen_signature *sig = sig_of("text -> ok: bool, label: "
				     "Literal['pii', 'none'], score: float, "
				     "maybe: Optional[int]");
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;

	(void)state;
	assert_int_equal(mgen_chat_adapter_render(sig, NULL, 0, NULL, &m, NULL),
			 0);
	assert_non_null(strstr(m.msgs[0].content,
			       "{ok}        # note: the value you produce must "
			       "be True or False\n\n"));
	assert_non_null(strstr(m.msgs[0].content,
			       "{label}        # note: the value you produce "
			       "must exactly match (no extra characters) one "
			       "of: pii; none\n\n"));
	assert_non_null(strstr(m.msgs[0].content,
			       "{score}        # note: the value you produce "
			       "must be a single float value\n\n"));
	assert_non_null(strstr(m.msgs[0].content,
			       "{maybe}        # note: the value you produce "
			       "must adhere to the JSON schema: {\"anyOf\": "
			       "[{\"type\": \"integer\"}, {\"type\": "
			       "\"null\"}]}\n\n"));
	/* no inputs given: only the request is left */
	check_msg(&m, 1, "user",
		  "Respond with the corresponding output fields, starting "
		  "with the field `[[ ## ok ## ]]` (must be formatted as a "
		  "valid Python bool), then `[[ ## label ## ]]` (must be "
		  "formatted as a valid Python Literal['pii', 'none']), then "
		  "`[[ ## score ## ]]` (must be formatted as a valid Python "
		  "float), then `[[ ## maybe ## ]]` (must be formatted as a "
		  "valid Python Optional[int]), and then ending with the "
		  "marker for `[[ ## completed ## ]]`.");
	mgen_sig_messages_release(&m);
	mgen_signature_free(sig);
}

static void test_adapter__chat_incomplete_demos_first(void **state)
{
	mgen_signature *sig = sig_of("question, context -> answer, score: "
				     "float");
	mgen_example *d[4];
	const mgen_example *demos[4];
	mgen_example *in = ex_of("{\"context\": \"C2\", \"question\": \"Q2\"}");
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	size_t i;

	(void)state;
	d[0] = ex_of("{\"question\": \"Q0\", \"context\": \"C0\", "
		     "\"answer\": \"A0\", \"score\": 0.5, \"dspy_uuid\": "
		     "\"u\"}");
	d[1] = ex_of("{\"question\": \"Q1\", \"score\": 0.25}");
	d[2] = ex_of("{\"question\": \"Q3\", \"context\": \"C3\"}");
	d[3] = ex_of("{\"question\": \"Q4\", \"context\": null, "
		     "\"answer\": \"A4\", \"score\": 1}");
	for (i = 0; i < 4; i++)
		demos[i] = d[i];
	assert_int_equal(mgen_chat_adapter_render(sig, demos, 4, in, &m, NULL),
			 0);
	/* system, two incomplete pairs (d1, d3), one complete (d0), user;
	 * d2 has no output and is skipped */
	assert_int_equal(m.n, 1 + 2 * 3 + 1);
	check_msg(&m, 1, "user", INCOMPLETE "[[ ## question ## ]]\nQ1");
	check_msg(&m, 2, "assistant",
		  "[[ ## answer ## ]]\nNot supplied for this particular "
		  "example. \n\n[[ ## score ## ]]\n0.25\n\n"
		  "[[ ## completed ## ]]\n");
	check_msg(&m, 3, "user",
		  INCOMPLETE "[[ ## question ## ]]\nQ4\n\n"
			     "[[ ## context ## ]]\nNone");
	check_msg(&m, 4, "assistant",
		  "[[ ## answer ## ]]\nA4\n\n[[ ## score ## ]]\n1\n\n"
		  "[[ ## completed ## ]]\n");
	check_msg(&m, 5, "user",
		  "[[ ## question ## ]]\nQ0\n\n[[ ## context ## ]]\nC0");
	check_msg(&m, 6, "assistant",
		  "[[ ## answer ## ]]\nA0\n\n[[ ## score ## ]]\n0.5\n\n"
		  "[[ ## completed ## ]]\n");
	/* inputs follow the signature's order, not the example's */
	check_msg(&m, 7, "user",
		  "[[ ## question ## ]]\nQ2\n\n[[ ## context ## ]]\nC2\n\n"
		  "Respond with the corresponding output fields, starting "
		  "with the field `[[ ## answer ## ]]`, then "
		  "`[[ ## score ## ]]` (must be formatted as a valid Python "
		  "float), and then ending with the marker for "
		  "`[[ ## completed ## ]]`.");
	mgen_sig_messages_release(&m);
	for (i = 0; i < 4; i++)
		mgen_example_free(d[i]);
	mgen_example_free(in);
	mgen_signature_free(sig);
}

static void test_adapter__chat_value_formatting(void **state)
{
	mgen_signature *sig = sig_of("table: dict[str, Any], columns: "
				     "list[str], notes, a, b, c, d, e -> out");
	mgen_example *in =
	    ex_of("{\"table\": {\"name\": \"P\\u00e2tisserie\", \"rows\": "
		  "[1, 2.50, null, true]}, \"columns\": [\"id\",\"nom\"], "
		  "\"notes\": [\"first\", \"second\\nline\"], \"a\": 0.9, "
		  "\"b\": true, \"c\": null, \"d\": 1e16, \"e\": \"  text \"}");
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;

	(void)state;
	assert_int_equal(mgen_chat_adapter_render(sig, NULL, 0, in, &m, NULL),
			 0);
	assert_non_null(strstr(m.msgs[1].content,
			       "[[ ## table ## ]]\n{\"name\": \"P\xC3\xA2"
			       "tisserie\", \"rows\": [1, 2.5, null, true]}"
			       "\n\n[[ ## columns ## ]]\n[\"id\", \"nom\"]\n\n"
			       "[[ ## notes ## ]]\n[1] \xC2\xAB"
			       "first\xC2\xBB\n[2] \xC2\xAB\xC2\xAB\xC2\xAB\n"
			       "    second\n    line\n\xC2\xBB\xC2\xBB\xC2\xBB"
			       "\n\n[[ ## a ## ]]\n0.9\n\n[[ ## b ## ]]\n"
			       "True\n\n[[ ## c ## ]]\nNone\n\n"
			       "[[ ## d ## ]]\n1e+16\n\n[[ ## e ## ]]\n"
			       "  text \n\nRespond with"));
	mgen_sig_messages_release(&m);
	mgen_example_free(in);
	mgen_signature_free(sig);
}

static void test_adapter__chat_multiline_instructions(void **state)
{
	mgen_signature *sig = NULL;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_err err = MGEN_ERR_INIT;
	const char *s;

	(void)state;
	assert_int_equal(mgen_signature_parse("table_data -> comment",
					      "\n    Write a table comment.\n"
					      "      Be brief.\n   \n"
					      "    Use the data.\n",
					      &sig, &err),
			 0);
	assert_int_equal(mgen_signature_set_field_desc(sig, 0, "The profile"),
			 0);
	assert_int_equal(mgen_chat_adapter_render(sig, NULL, 0, NULL, &m, NULL),
			 0);
	s = m.msgs[0].content;
	assert_true(strncmp(s,
			    "Your input fields are:\n1. `table_data` "
			    "(str): The profile\nYour output fields are:\n"
			    "1. `comment` (str):\nAll",
			    100) == 0);
	s = strstr(s, "[[ ## completed ## ]]\n");
	assert_non_null(s);
	assert_string_equal(s, "[[ ## completed ## ]]\n" OBJECTIVE
			       "\n        Write a table comment."
			       "\n          Be brief."
			       "\n        "
			       "\n        Use the data.");
	mgen_sig_messages_release(&m);
	mgen_signature_free(sig);
}

/* ---- ChatAdapter.parse ---- */

static mgen_example *parse_ok(const mgen_signature *sig, const char *answer)
{
	mgen_example *out = NULL;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_chat_adapter_parse(sig, answer, &out, &err), 0);
	assert_non_null(out);
	return out;
}

static void test_adapter__chat_parse_sections(void **state)
{
	mgen_signature *base = sig_of("question -> answer"), *sig = NULL;
	mgen_example *out;

	(void)state;
	assert_int_equal(mgen_signature_chain_of_thought(base, &sig, NULL), 0);
	out = parse_ok(sig, "preamble\n[[ ## reasoning ## ]]\nStep one.\n\n"
			    "Step two.\n\n[[ ## answer ## ]]\nA1\n\n"
			    "[[ ## completed ## ]]\n");
	assert_string_equal(mgen_example_get_str(out, "reasoning"),
			    "Step one.\n\nStep two.");
	assert_string_equal(mgen_example_get_str(out, "answer"), "A1");
	assert_int_equal(mgen_example_count(out), 2);
	assert_string_equal(mgen_example_key(out, 0), "reasoning");
	mgen_example_free(out);

	/* text after the header on its line; CRLF; indented header;
	 * duplicate header: the first wins; unknown headers ignored */
	out = parse_ok(sig, "[[ ## notes ## ]]\nignored\r\n"
			    "  [[ ## answer ## ]]  It is 42\r\nreally\r\n"
			    "[[ ## reasoning ## ]] short\r\n"
			    "[[ ## answer ## ]]\r\nsecond\r\n");
	assert_string_equal(mgen_example_get_str(out, "answer"),
			    "It is 42\nreally");
	assert_string_equal(mgen_example_get_str(out, "reasoning"), "short");
	assert_false(mgen_example_has(out, "notes"));
	assert_string_equal(mgen_example_key(out, 0), "reasoning");
	mgen_example_free(out);
	mgen_signature_free(sig);
	mgen_signature_free(base);
}

static void test_adapter__chat_parse_missing_field(void **state)
{
	mgen_signature *base = sig_of("question -> answer"), *sig = NULL;
	mgen_example *out = (mgen_example *)1;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_signature_chain_of_thought(base, &sig, NULL), 0);
	assert_int_equal(mgen_chat_adapter_parse(sig,
						 "[[ ## reasoning ## ]]\n"
						 "R\n[[ ## answr ## ]]\nA",
						 &out, &err),
			 MGEN_EPARSE);
	assert_null(out);
	assert_string_equal(err.msg, "chat adapter: expected output fields "
				     "[reasoning, answer], parsed "
				     "[reasoning]");
	mgen_err_clear(&err);
	/* a header must start its line and be well-formed */
	assert_int_equal(mgen_chat_adapter_parse(sig,
						 "x [[ ## answer ## ]] A\n"
						 "[[ ##answer## ]]\nB",
						 &out, &err),
			 MGEN_EPARSE);
	assert_string_equal(err.msg, "chat adapter: expected output fields "
				     "[reasoning, answer], parsed []");
	mgen_signature_free(sig);
	mgen_signature_free(base);
}

static void test_adapter__chat_parse_typed(void **state)
{
	mgen_signature *sig = sig_of("q -> count: int, tags: list[str], "
				     "ok: bool, score: float, label: "
				     "Literal['pii', 'none'], meta: dict[str, "
				     "int]");
	mgen_example *out = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char *s = NULL;

	(void)state;
	out = parse_ok(sig, "[[ ## count ## ]]\n42\n[[ ## tags ## ]]\n"
			    "['a', \"b\"]\n[[ ## ok ## ]]\nTrue\n"
			    "[[ ## score ## ]]\n0.90\n[[ ## label ## ]]\n"
			    "'pii'\n[[ ## meta ## ]]\n```json\n{\"n\": 2}\n```"
			    "\n[[ ## completed ## ]]");
	assert_int_equal(mgen_example_get_json(out, "count", &s), 0);
	assert_string_equal(s, "42");
	free(s);
	assert_int_equal(mgen_example_get_json(out, "tags", &s), 0);
	assert_string_equal(s, "[\"a\", \"b\"]");
	free(s);
	assert_int_equal(mgen_example_get_json(out, "ok", &s), 0);
	assert_string_equal(s, "true");
	free(s);
	assert_int_equal(mgen_example_get_json(out, "score", &s), 0);
	assert_string_equal(s, "0.9");
	free(s);
	assert_string_equal(mgen_example_get_str(out, "label"), "pii");
	assert_int_equal(mgen_example_get_json(out, "meta", &s), 0);
	assert_string_equal(s, "{\"n\": 2}");
	free(s);
	mgen_example_free(out);

	out = (mgen_example *)1;
	assert_int_equal(mgen_chat_adapter_parse(sig,
						 "[[ ## count ## ]]\n"
						 "many\n",
						 &out, &err),
			 MGEN_EPARSE);
	assert_null(out);
	assert_string_equal(err.msg, "chat adapter: field `count` (int): "
				     "\"many\" is not a valid int");
	mgen_err_clear(&err);
	assert_int_equal(mgen_chat_adapter_parse(sig,
						 "[[ ## count ## ]]\n1\n"
						 "[[ ## tags ## ]]\n[1]",
						 &out, &err),
			 MGEN_EPARSE);
	assert_string_equal(err.msg, "chat adapter: field `tags` (list[str]): "
				     "\"1\" is not a valid str");
	mgen_signature_free(sig);
}

static void test_adapter__chat_no_outputs_and_bad_literal(void **state)
{
	mgen_signature *sig = sig_of("question ->");
	mgen_signature *lit = sig_of("q -> label: Literal['pii', 'none']");
	mgen_example *in = ex_of("{\"question\": \"Q\"}"), *out = NULL;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_chat_adapter_render(sig, NULL, 0, in, &m, NULL),
			 0);
	/* DSPy still asks for the (empty) list of outputs */
	check_msg(&m, 1, "user",
		  "[[ ## question ## ]]\nQ\n\nRespond with the corresponding "
		  "output fields, starting with the field , and then ending "
		  "with the marker for `[[ ## completed ## ]]`.");
	mgen_sig_messages_release(&m);
	out = parse_ok(lit, "[[ ## label ## ]]\nLiteral['none']");
	assert_string_equal(mgen_example_get_str(out, "label"), "none");
	mgen_example_free(out);
	out = NULL;
	assert_int_equal(mgen_chat_adapter_parse(lit,
						 "[[ ## label ## ]]\n"
						 "maybe",
						 &out, &err),
			 MGEN_EPARSE);
	assert_string_equal(err.msg, "chat adapter: field `label` "
				     "(Literal['pii', 'none']): \"maybe\" is "
				     "not a valid Literal['pii', 'none']");
	mgen_example_free(in);
	mgen_signature_free(sig);
	mgen_signature_free(lit);
}

/* ---- JSONAdapter ---- */

static void test_adapter__json_render(void **state)
{
	mgen_signature *sig = sig_of("question, context -> answer, score: "
				     "float");
	mgen_example *demo = ex_of("{\"question\": \"Q1\", \"answer\": "
				   "\"\\u00e9t\\u00e9\"}");
	mgen_example *full = ex_of("{\"question\": \"Q0\", \"context\": "
				   "\"C0\", \"answer\": \"A0\", \"score\": "
				   "1.0}");
	mgen_example *in = ex_of("{\"question\": \"Q2\", \"context\": \"C2\"}");
	const mgen_example *demos[2];
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;

	(void)state;
	demos[0] = full;
	demos[1] = demo;
	assert_int_equal(mgen_json_adapter_render(sig, demos, 2, in, &m, NULL),
			 0);
	assert_int_equal(m.n, 6);
	check_msg(&m, 0, "system",
		  "Your input fields are:\n1. `question` (str): \n"
		  "2. `context` (str):\nYour output fields are:\n"
		  "1. `answer` (str): \n2. `score` (float):\n" STRUCT_INTRO
		  "Inputs will have the following structure:\n\n"
		  "[[ ## question ## ]]\n{question}\n\n"
		  "[[ ## context ## ]]\n{context}\n\n"
		  "Outputs will be a JSON object with the following fields."
		  "\n\n{\n  \"answer\": \"{answer}\",\n  \"score\": "
		  "\"{score}        # note: the value you produce must be a "
		  "single float value\"\n}\n" OBJECTIVE
		  "\n        Given the fields `question`, `context`, produce "
		  "the fields `answer`, `score`.");
	check_msg(&m, 1, "user", INCOMPLETE "[[ ## question ## ]]\nQ1");
	check_msg(&m, 2, "assistant",
		  "{\n  \"answer\": \"\xC3\xA9t\xC3\xA9\",\n  \"score\": "
		  "\"Not supplied for this particular example. \"\n}");
	check_msg(&m, 3, "user",
		  "[[ ## question ## ]]\nQ0\n\n[[ ## context ## ]]\nC0");
	check_msg(&m, 4, "assistant",
		  "{\n  \"answer\": \"A0\",\n  \"score\": 1.0\n}");
	check_msg(&m, 5, "user",
		  "[[ ## question ## ]]\nQ2\n\n[[ ## context ## ]]\nC2\n\n"
		  "Respond with a JSON object in the following order of "
		  "fields: `answer`, then `score` (must be formatted as a "
		  "valid Python float).");
	mgen_sig_messages_release(&m);
	mgen_example_free(demo);
	mgen_example_free(full);
	mgen_example_free(in);
	mgen_signature_free(sig);
}

static void test_adapter__json_render_typed_placeholders(void **state)
{
	mgen_signature *sig = sig_of("question -> count: int, metadata: "
				     "dict[str, int]");
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	const char *s;

	(void)state;
	assert_int_equal(mgen_json_adapter_render(sig, NULL, 0, NULL, &m, NULL),
			 0);
	s = strstr(m.msgs[0].content, "fields.\n\n");
	assert_non_null(s);
	assert_true(strncmp(s,
			    "fields.\n\n{\n  \"count\": \"{count}        # "
			    "note: the value you produce must be a single "
			    "int value\",\n  \"metadata\": \"{metadata}     "
			    "   # note: the value you produce must adhere "
			    "to the JSON schema: {\\\"type\\\": "
			    "\\\"object\\\", \\\"additionalProperties\\\": "
			    "{\\\"type\\\": \\\"integer\\\"}}\"\n}\n" OBJECTIVE,
			    200) == 0);
	mgen_sig_messages_release(&m);
	mgen_signature_free(sig);
}

static void test_adapter__json_parse(void **state)
{
	mgen_signature *sig = sig_of("question -> answer, score: float");
	mgen_example *out = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char *s = NULL;

	(void)state;
	assert_int_equal(
	    mgen_json_adapter_parse(sig,
				    "Sure {not json}! Here it is:\n```json\n"
				    "{\"extra\": {\"x\": 1}, \"answer\": "
				    "\"A {curly} \\\"q\\\"\", \"score\": "
				    "\"0.75\"}\n```\nAnything else?",
				    &out, &err),
	    0);
	assert_string_equal(mgen_example_get_str(out, "answer"),
			    "A {curly} \"q\"");
	assert_int_equal(mgen_example_get_json(out, "score", &s), 0);
	assert_string_equal(s, "0.75");
	free(s);
	assert_false(mgen_example_has(out, "extra"));
	assert_int_equal(mgen_example_count(out), 2);
	mgen_example_free(out);

	/* a str output given a number gets Python's str() */
	assert_int_equal(mgen_json_adapter_parse(sig,
						 "{\"answer\": 5, "
						 "\"score\": 1}",
						 &out, &err),
			 0);
	assert_string_equal(mgen_example_get_str(out, "answer"), "5");
	assert_int_equal(mgen_example_get_json(out, "score", &s), 0);
	assert_string_equal(s, "1.0");
	free(s);
	mgen_example_free(out);

	assert_int_equal(
	    mgen_json_adapter_parse(sig, "{\"answer\": \"A\"}", &out, &err),
	    MGEN_EPARSE);
	assert_null(out);
	assert_string_equal(err.msg, "json adapter: expected output fields "
				     "[answer, score], parsed [answer]");
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_json_adapter_parse(sig, "no object { here", &out, &err),
	    MGEN_EPARSE);
	assert_string_equal(err.msg, "json adapter: no JSON object in the "
				     "answer");
	mgen_signature_free(sig);
}

static void test_adapter__json_response_format(void **state)
{
	mgen_signature *sig = sig_of("question -> table_comment, tags: "
				     "list[str]");
	mgen_signature *open = sig_of("question -> meta: dict[str, Any]");
	char *rf = NULL;

	(void)state;
	assert_int_equal(mgen_json_adapter_response_format(sig, &rf, NULL), 0);
	assert_string_equal(
	    rf, "{\"type\": \"json_schema\", \"json_schema\": {\"name\": "
		"\"DSPyProgramOutputs\", "
		"\"strict\": true, \"schema\": {\"properties\": "
		"{\"table_comment\": {\"type\": \"string\", \"title\": "
		"\"Table Comment\"}, \"tags\": {\"type\": \"array\", "
		"\"items\": {\"type\": \"string\"}, \"title\": \"Tags\"}}, "
		"\"title\": \"DSPyProgramOutputs\", \"type\": \"object\", "
		"\"required\": [\"table_comment\", \"tags\"], "
		"\"additionalProperties\": false}}}");
	free(rf);
	assert_int_equal(mgen_json_adapter_response_format(open, &rf, NULL), 0);
	assert_string_equal(rf, "{\"type\": \"json_object\"}");
	free(rf);
	mgen_signature_free(sig);
	mgen_signature_free(open);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_adapter__chat_simple),
	    cmocka_unit_test(test_adapter__chat_chain_of_thought_demo),
	    cmocka_unit_test(test_adapter__chat_typed_outputs_and_notes),
	    cmocka_unit_test(test_adapter__chat_bool_and_literal_notes),
	    cmocka_unit_test(test_adapter__chat_incomplete_demos_first),
	    cmocka_unit_test(test_adapter__chat_value_formatting),
	    cmocka_unit_test(test_adapter__chat_multiline_instructions),
	    cmocka_unit_test(test_adapter__chat_parse_sections),
	    cmocka_unit_test(test_adapter__chat_parse_missing_field),
	    cmocka_unit_test(test_adapter__chat_parse_typed),
	    cmocka_unit_test(test_adapter__chat_no_outputs_and_bad_literal),
	    cmocka_unit_test(test_adapter__json_render),
	    cmocka_unit_test(test_adapter__json_render_typed_placeholders),
	    cmocka_unit_test(test_adapter__json_parse),
	    cmocka_unit_test(test_adapter__json_response_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
