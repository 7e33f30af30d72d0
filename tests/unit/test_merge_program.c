/*
 * test_merge_program.c - the comment program's second predictor, the
 * merge call of wide tables (src/comment/comment_program.c,
 * src/comment/merge_train.c): a program file with both predictors round
 * trips byte for byte in DSPy's layout and loads them; a file with only
 * the comment predictor (every layout that loaded before) gets the merge
 * defaults; a malformed merge state is refused naming the field; the
 * rendered merge messages (ChatAdapter and JSONAdapter) are golden; merge
 * answers parse; the merge metric and which examples make merge
 * examples.
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
#include "metagen/train.h"
#include "util/util.h"

/* The comment predictor's state as DSPy saves it (prefixes from
 * infer_prefix, descriptions the "${name}" placeholders). */
static const char comment_state[] =
    "{\"traces\": [], \"train\": [], \"demos\": [], \"signature\": "
    "{\"instructions\": \"Comment ABC.\", \"fields\": ["
    "{\"prefix\": \"Table Name:\", \"description\": \"${table_name}\"}, "
    "{\"prefix\": \"Table Data:\", \"description\": \"${table_data}\"}, "
    "{\"prefix\": \"Column Metadata:\", \"description\": "
    "\"${column_metadata}\"}, "
    "{\"prefix\": \"Abbreviations:\", \"description\": "
    "\"${abbreviations}\"}, "
    "{\"prefix\": \"Context:\", \"description\": \"${context}\"}, "
    "%s"
    "{\"prefix\": \"Comments:\", \"description\": \"${comments}\"}]}, "
    "\"lm\": null}";

static const char reasoning_field[] =
    "{\"prefix\": \"Reasoning: Let's think step by step in order to\", "
    "\"description\": \"${reasoning}\"}, ";

/* The merge predictor's state: %s = its fields. */
static const char merge_state[] =
    "{\"traces\": [], \"train\": [], \"demos\": [{\"table_name\": \"d.t\", "
    "\"table_descriptions\": [\"DemoPartOne\", \"DemoPartTwo\"], "
    "\"abbreviations\": {}, \"table\": \"DemoMerged\"}], \"signature\": "
    "{\"instructions\": \"Merge XYZ.\", \"fields\": [%s]}, \"lm\": null}";

static const char merge_fields[] =
    "{\"prefix\": \"Table Name:\", \"description\": \"${table_name}\"}, "
    "{\"prefix\": \"Table Descriptions:\", \"description\": "
    "\"${table_descriptions}\"}, "
    "{\"prefix\": \"Abbreviations:\", \"description\": "
    "\"${abbreviations}\"}, "
    "{\"prefix\": \"Table:\", \"description\": \"${table}\"}";

#include "temp_text.h"

/* A file {"<ckey>": comment, "<mkey>": merge with `mfields`} (either
 * key NULL: left out; ckey "" = the comment predictor saved flat). */
static char *write_file(const char *ckey, int cot, const char *mkey,
			const char *mfields)
{
	mgen_buf b = MGEN_BUF_INIT;
	int flat = ckey && !ckey[0];

	if (flat) { /* the state at the top level, no room for merge */
		mgen_buf s = MGEN_BUF_INIT;
		mgen_buf_printf(&s, comment_state, cot ? reasoning_field : "");
		/* the state without its closing brace, then the metadata */
		mgen_buf_printf(&b,
				"%.*s, \"metadata\": "
				"{\"dependency_versions\": {}}}\n",
				(int)(s.len - 1), mgen_buf_str(&s));
		mgen_buf_release(&s);
		return temp_file(&b);
	}
	mgen_buf_puts(&b, "{");
	if (ckey) {
		mgen_buf_printf(&b, "\"%s\": ", ckey);
		mgen_buf_printf(&b, comment_state, cot ? reasoning_field : "");
		mgen_buf_puts(&b, ", ");
	}
	if (mkey) {
		mgen_buf_printf(&b, "\"%s\": ", mkey);
		mgen_buf_printf(&b, merge_state, mfields);
		mgen_buf_puts(&b, ", ");
	}
	mgen_buf_puts(&b, "\"metadata\": {\"dependency_versions\": {}}}\n");
	return temp_file(&b);
}

static const char *default_merge_instructions(void)
{
	static char text[4096];
	mgen_signature *sig = NULL;

	assert_int_equal(mgen_merge_signature(&sig, NULL), 0);
	snprintf(text, sizeof(text), "%s", mgen_signature_instructions(sig));
	mgen_signature_free(sig);
	return text;
}

/* The merge inputs of the golden: two parts, one abbreviation. */
static mgen_example *golden_inputs(void)
{
	static const char *const parts[] = {
	    "Rows of \"orders\".", "Each row is one order; amt in EUR."};
	mgen_kvlist ab = {NULL, 0, 0};
	mgen_example *in = NULL;

	assert_int_equal(mgen_kvlist_add(&ab, "amt", "amount"), 0);
	assert_int_equal(
	    mgen_merge_inputs("shop.sales.orders", parts, 2, &ab, &in, NULL),
	    0);
	mgen_kvlist_release(&ab);
	return in;
}

static void test_merge_program__two_predictor_file_round_trip(void **st)
{
	mgen_program *prog = NULL, *back = NULL;
	mgen_comment_program *cp = NULL;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	const mgen_example *const *demos = NULL;
	mgen_example *in = golden_inputs();
	char *text = NULL, *again = NULL, *path, *rf = NULL;
	const char *c, *mg, *md;
	mgen_buf b = MGEN_BUF_INIT;
	size_t n = 0;
	long i;

	(void)st;
	assert_int_equal(mgen_comment_program_declare(&prog, NULL), 0);
	assert_int_equal(mgen_program_count(prog), 2);
	i = mgen_program_find(prog, MGEN_MERGE_PREDICTOR);
	assert_int_equal(i, 1);
	assert_int_equal(mgen_program_field_count(prog, 1), 4);
	assert_int_equal(mgen_program_set_instructions(prog, 1, "Merge XYZ."),
			 0);
	assert_int_equal(
	    mgen_program_add_demo(prog, 1,
				  "{\"table_name\": \"d.t\", "
				  "\"table_descriptions\": [\"DemoPartOne\", "
				  "\"DemoPartTwo\"], \"abbreviations\": {}, "
				  "\"table\": \"DemoMerged\"}",
				  NULL),
	    0);
	assert_int_equal(mgen_program_set_meta(prog, "labeled_few_shot", 7, 5),
			 0);
	assert_int_equal(mgen_program_to_json(prog, &text, NULL), 0);
	/* DSPy's layout: one key per predictor, then metadata */
	c = strstr(text, "\n  \"comment\": {\n    \"traces\": [],");
	mg = strstr(text, "\n  \"merge\": {\n    \"traces\": [],\n    "
			  "\"train\": [],\n    \"demos\": [\n");
	md = strstr(text, "\n  \"metadata\": {\n    \"dependency_versions\": "
			  "{},\n    \"metagen\": {");
	assert_non_null(c);
	assert_non_null(mg);
	assert_non_null(md);
	assert_true(c < mg && mg < md);
	assert_non_null(strstr(mg, "\"prefix\": \"Table Descriptions:\""));
	assert_non_null(strstr(mg, "\"instructions\": \"Merge XYZ.\""));
	mgen_buf_puts(&b, text);
	path = temp_file(&b);
	/* read back and written again: the same bytes */
	assert_int_equal(mgen_program_read(path, NULL, &back, NULL), 0);
	assert_int_equal(mgen_program_to_json(back, &again, NULL), 0);
	assert_string_equal(again, text);
	/* and the comment program takes both predictors */
	assert_int_equal(mgen_comment_program_load(path, &cp, NULL), 0);
	assert_string_equal(mgen_signature_instructions(
				mgen_comment_program_merge(cp, &demos, &n)),
			    "Merge XYZ.");
	assert_int_equal(n, 1);
	assert_non_null(demos);
	assert_int_equal(
	    mgen_comment_program_merge_request(cp, in, 0, &m, &rf, NULL), 0);
	assert_null(rf);
	assert_int_equal(m.n, 4);
	assert_non_null(strstr(m.msgs[0].content, "Merge XYZ."));
	assert_non_null(strstr(m.msgs[1].content, "[\"DemoPartOne\", "
						  "\"DemoPartTwo\"]"));
	assert_string_equal(m.msgs[2].content, "[[ ## table ## ]]\nDemoMerged"
					       "\n\n[[ ## completed ## ]]\n");
	assert_non_null(strstr(m.msgs[3].content, "shop.sales.orders"));
	mgen_sig_messages_release(&m);
	mgen_comment_program_free(cp);
	mgen_example_free(in);
	mgen_program_free(prog);
	mgen_program_free(back);
	free(text);
	free(again);
	unlink(path);
	free(path);
}

/* Loads `path`: the comment instructions must be "Comment ABC."; the
 * merge predictor `merge_instr` with `ndemos` demos. */
static void loads(char *path, const char *merge_instr, size_t ndemos)
{
	mgen_comment_program *cp = NULL;
	mgen_err e = MGEN_ERR_INIT;
	size_t n = 99;

	if (mgen_comment_program_load(path, &cp, &e) != 0)
		fail_msg("%s", e.msg);
	assert_string_equal(
	    mgen_signature_instructions(mgen_comment_program_signature(cp)),
	    "Comment ABC.");
	assert_string_equal(mgen_signature_instructions(
				mgen_comment_program_merge(cp, NULL, &n)),
			    merge_instr);
	assert_int_equal(n, ndemos);
	mgen_comment_program_free(cp);
	unlink(path);
	free(path);
}

static void test_merge_program__comment_only_files_get_merge_defaults(void **st)
{
	const char *dflt = default_merge_instructions();

	(void)st;
	/* every layout that loaded before the merge predictor existed */
	loads(write_file("comment", 0, NULL, NULL), dflt, 0);
	loads(write_file("", 0, NULL, NULL), dflt, 0);
	loads(write_file("gen", 0, NULL, NULL), dflt, 0);
	loads(write_file("comment.predict", 1, NULL, NULL), dflt, 0);
	/* with a merge predictor beside a comment predictor of any name */
	loads(write_file("comment", 0, "merge", merge_fields), "Merge XYZ.", 1);
	loads(write_file("gen", 0, "merge", merge_fields), "Merge XYZ.", 1);
	loads(write_file("comment.predict", 1, "merge", merge_fields),
	      "Merge XYZ.", 1);
}

/* The file with merge fields `mfields` (key `mkey`) is refused with a
 * message holding the path and `want`. */
static void refused(const char *ckey, const char *mkey, const char *mfields,
		    const char *want)
{
	char *path = write_file(ckey, 0, mkey, mfields);
	mgen_comment_program *cp = NULL;
	mgen_err e = MGEN_ERR_INIT;

	assert_int_equal(mgen_comment_program_load(path, &cp, &e), MGEN_EINVAL);
	assert_null(cp);
	if (strstr(e.msg, want) == NULL || strstr(e.msg, path) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, want);
	unlink(path);
	free(path);
}

static void
test_merge_program__malformed_merge_refused_naming_the_field(void **st)
{
	(void)st;
	refused("comment", "merge",
		"{\"prefix\": \"Table Name:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Abbreviations:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Table:\", \"description\": \"x\"}",
		"predictor 'merge': the file has no field "
		"'table_descriptions'");
	/* an unknown field while the named ones moved: not placed */
	refused("comment", "merge",
		"{\"prefix\": \"Abbreviations:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Bogus Parts:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Table Name:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Table:\", \"description\": \"x\"}",
		"predictor 'merge': field 1 (prefix 'Bogus Parts:'");
	refused("comment", "merge", "1, 2, 3, 4",
		"predictor 'merge': field 0 is not an object with string "
		"prefix and description");
	refused("comment", "merge",
		"{\"prefix\": \"Table Name:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Table Name:\", \"description\": \"y\"}, "
		"{\"prefix\": \"Abbreviations:\", \"description\": \"x\"}, "
		"{\"prefix\": \"Table:\", \"description\": \"x\"}",
		"predictor 'merge': fields 0 and 1 are both 'table_name'");
	/* a merge predictor alone is no comment program */
	refused(NULL, "merge", merge_fields, "only the merge predictor");
}

/* The merge call of golden_inputs() with the default program, as DSPy
 * 3.3.1's ChatAdapter and JSONAdapter render it (docs/reference/dspy.md). */
/* The field list both adapters open the system message with, and the
 * objective they close it with; the inputs both user messages hold. */
#define FIELDS_HEAD                                                            \
	"Your input fields are:\n"                                             \
	"1. `table_name` (str): fully qualified name catalog.schema.table\n"   \
	"2. `table_descriptions` (list[str]): descriptions of the table, "     \
	"each "                                                                \
	"written from a part of its columns\n"                                 \
	"3. `abbreviations` (dict[str, str]): abbreviation -> expansion used " \
	"in "                                                                  \
	"this warehouse's names\n"                                             \
	"Your output fields are:\n"                                            \
	"1. `table` (str): one description of the whole table\n"               \
	"All interactions will be structured in the following way, with the "  \
	"appropriate values filled in.\n"
#define OBJECTIVE                                                              \
	"In adhering to this structure, your objective is: \n"                 \
	"        You are a data steward documenting a SQL table for "          \
	"analysts.\n"                                                          \
	"        The table has too many columns for one call, so it was "      \
	"described "                                                           \
	"in parts: each part saw some of its columns and wrote its own "       \
	"description "                                                         \
	"of the table (`table_descriptions`).\n"                               \
	"        Merge those descriptions into one description of the whole "  \
	"table: "                                                              \
	"keep every fact the parts agree on or that only one part states, "    \
	"drop "                                                                \
	"repetition, and where parts contradict each other prefer the more "   \
	"general "                                                             \
	"statement. Say what the table holds and what one row stands for, "    \
	"expand "                                                              \
	"the `abbreviations`, and never add data values or facts the parts "   \
	"do not "                                                              \
	"state. Keep it to one to four sentences.\n"                           \
	"        Answer `table` with the description text only."
#define INPUTS                                                                 \
	"[[ ## table_name ## ]]\n"                                             \
	"shop.sales.orders\n"                                                  \
	"\n"                                                                   \
	"[[ ## table_descriptions ## ]]\n"                                     \
	"[\"Rows of \\\"orders\\\".\", \"Each row is one order; amt in "       \
	"EUR.\"]\n"                                                            \
	"\n"                                                                   \
	"[[ ## abbreviations ## ]]\n"                                          \
	"{\"amt\": \"amount\"}\n"                                              \
	"\n"

#define STRUCTURE                                                              \
	"[[ ## table_name ## ]]\n{table_name}\n\n"                             \
	"[[ ## table_descriptions ## ]]\n{table_descriptions}\n\n"             \
	"[[ ## abbreviations ## ]]\n{abbreviations}\n\n"

static const char chat_system[] =
    FIELDS_HEAD "\n" STRUCTURE "[[ ## table ## ]]\n"
		"{table}\n"
		"\n"
		"[[ ## completed ## ]]\n" OBJECTIVE;

static const char chat_user[] = INPUTS
    "Respond with the corresponding output fields, starting with the field `[[ "
    "## table ## ]]`, and then ending with the marker for `[[ ## completed ## "
    "]]`.";

static const char json_system[] = FIELDS_HEAD
    "\n"
    "Inputs will have the following structure:\n"
    "\n" STRUCTURE "Outputs will be a JSON object with the following fields.\n"
    "\n"
    "{\n"
    "  \"table\": \"{table}\"\n"
    "}\n" OBJECTIVE;

static const char json_user[] = INPUTS
    "Respond with a JSON object in the following order of fields: `table`.";

static const char json_response_format[] =
    "{\"type\": \"json_schema\", \"json_schema\": {\"name\": "
    "\"DSPyProgramOutputs\", \"strict\": true, \"schema\": {\"properties\": "
    "{\"table\": {\"type\": \"string\", \"title\": \"Table\"}}, \"title\": "
    "\"DSPyProgramOutputs\", \"type\": \"object\", \"required\": [\"table\"], "
    "\"additionalProperties\": false}}}";

static void test_merge_program__rendered_messages_golden(void **st)
{
	mgen_comment_program *cp = NULL;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_example *in = golden_inputs();
	char *rf = NULL;

	(void)st;
	assert_int_equal(mgen_comment_program_new(&cp, NULL), 0);
	assert_int_equal(
	    mgen_comment_program_merge_request(cp, in, 0, &m, &rf, NULL), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.msgs[0].content, chat_system);
	assert_string_equal(m.msgs[1].content, chat_user);
	assert_null(rf);
	mgen_sig_messages_release(&m);
	assert_int_equal(
	    mgen_comment_program_merge_request(cp, in, 1, &m, &rf, NULL), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.msgs[0].content, json_system);
	assert_string_equal(m.msgs[1].content, json_user);
	/* a str output: DSPy's structured-output schema */
	assert_string_equal(rf, json_response_format);
	mgen_sig_messages_release(&m);
	free(rf);
	mgen_example_free(in);
	mgen_comment_program_free(cp);
}

/* Parses `answer` with adapter `json`: want NULL = refused. */
static void parses(const mgen_comment_program *cp, const char *answer, int json,
		   const char *want)
{
	char *out = NULL;
	mgen_err e = MGEN_ERR_INIT;
	int rc = mgen_comment_program_merge_parse(cp, answer, json, &out, &e);

	if (want == NULL) {
		assert_int_equal(rc, MGEN_EPARSE);
		assert_null(out);
		assert_true(e.msg[0] != '\0');
		return;
	}
	if (rc != 0)
		fail_msg("%s: %s", answer, e.msg);
	assert_string_equal(out, want);
	free(out);
}

static void test_merge_program__answers_parse(void **st)
{
	mgen_comment_program *cp = NULL;

	(void)st;
	assert_int_equal(mgen_comment_program_new(&cp, NULL), 0);
	parses(cp,
	       "[[ ## table ## ]]\nOne merged text.\n\n[[ ## completed ## ]]",
	       0, "One merged text.");
	parses(cp, "{\"table\": \"From JSON.\"}", 1, "From JSON.");
	/* the legacy merge shape inside the field, or bare */
	parses(cp,
	       "[[ ## table ## ]]\n{\"table\": \"Inner.\", \"columns\": [], "
	       "\"column_contents\": []}\n\n[[ ## completed ## ]]",
	       0, "Inner.");
	parses(cp,
	       "{\"table\": \"Bare.\", \"columns\": [], "
	       "\"column_contents\": []}",
	       0, "Bare.");
	/* refused: no field, an empty one, an empty bare object */
	parses(cp, "I cannot help with that.", 0, NULL);
	parses(cp, "[[ ## table ## ]]\n  \n\n[[ ## completed ## ]]", 0, NULL);
	parses(cp, "{\"table\": \"\"}", 1, NULL);
	/* an answer object with an empty description, inside the field */
	parses(cp,
	       "[[ ## table ## ]]\n{\"table\": \"\", \"columns\": [], "
	       "\"column_contents\": []}\n\n[[ ## completed ## ]]",
	       0, NULL);
	parses(cp, NULL, 0, NULL);
	mgen_comment_program_free(cp);
}

static void test_merge_program__metric_and_feedback(void **st)
{
	mgen_example *gold = NULL, *pred = NULL;
	char *fb = NULL;

	(void)st;
	assert_int_equal(mgen_example_new(&gold), 0);
	assert_int_equal(mgen_example_set_str(gold, "table",
					      "One row per "
					      "hospital admission."),
			 0);
	assert_int_equal(mgen_example_new(&pred), 0);
	assert_true(mgen_merge_metric(NULL, gold, pred, 0) == 0.0);
	assert_true(mgen_merge_metric(NULL, gold, NULL, 0) == 0.0);
	assert_int_equal(mgen_example_set_str(pred, "table",
					      "One row per hospital "
					      "admission."),
			 0);
	assert_true(mgen_merge_metric(NULL, gold, pred, 0) > 0.999);
	/* the legacy shape is taken as generate takes it */
	assert_int_equal(mgen_example_set_str(
			     pred, "table",
			     "{\"table\": \"One row per hospital admission.\", "
			     "\"columns\": [], \"column_contents\": []}"),
			 0);
	assert_true(mgen_merge_metric(NULL, gold, pred, 0) > 0.999);
	assert_int_equal(mgen_example_set_str(pred, "table", "Patients."), 0);
	assert_true(mgen_merge_metric(NULL, gold, pred, 0) == 0.0);
	assert_int_equal(mgen_merge_feedback(NULL, gold, pred, &fb), 0);
	assert_non_null(strstr(fb, "Score 0.00"));
	assert_non_null(strstr(fb, "One row per hospital admission."));
	assert_non_null(strstr(fb, "\"Patients.\""));
	free(fb);
	mgen_example_free(gold);
	mgen_example_free(pred);
}

/* A comment example of `ncols` columns, gold table comment `table`. */
static mgen_example *comment_example(size_t ncols, const char *table)
{
	mgen_buf b = MGEN_BUF_INIT;
	mgen_example *ex = NULL;
	size_t i;

	mgen_buf_puts(&b, "{\"table_name\": \"c.s.t\", \"table_data\": "
			  "{\"table_name\": \"c.s.t\", \"columns\": [");
	for (i = 0; i < ncols; i++)
		mgen_buf_printf(&b, "%s\"c%zu\"", i ? ", " : "", i);
	mgen_buf_printf(&b,
			"], \"index\": [], \"data\": []}, "
			"\"column_metadata\": {}, \"abbreviations\": {}, "
			"\"context\": \"\", \"comments\": {\"table\": "
			"\"%s\", \"columns\": [], \"column_contents\": "
			"[]}}",
			table);
	assert_int_equal(mgen_example_from_json(mgen_buf_str(&b), &ex, NULL),
			 0);
	mgen_buf_release(&b);
	return ex;
}

static void test_merge_program__wide_tables_make_merge_examples(void **st)
{
	mgen_example *ex[3];
	size_t i;

	(void)st;
	ex[0] = comment_example(5, "Gold.");
	ex[1] = comment_example(4, "Gold.");
	ex[2] = comment_example(5, "");
	assert_int_equal(mgen_merge_chunks(ex[0], 2), 3);
	assert_int_equal(mgen_merge_chunks(ex[0], 5), 0); /* one chunk */
	assert_int_equal(mgen_merge_chunks(ex[1], 2), 2);
	assert_int_equal(mgen_merge_chunks(ex[2], 2), 0); /* no gold */
	assert_int_equal(mgen_merge_chunks(ex[0], 0), 0);
	/* 2 calls per chunk (ChatAdapter + JSONAdapter), 1 without */
	assert_int_equal(mgen_merge_trace_bound(ex, 3, 2, 0), 10);
	assert_int_equal(mgen_merge_trace_bound(ex, 3, 2, 1), 5);
	for (i = 0; i < 3; i++)
		mgen_example_free(ex[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_program__two_predictor_file_round_trip),
	    cmocka_unit_test(
		test_merge_program__comment_only_files_get_merge_defaults),
	    cmocka_unit_test(
		test_merge_program__malformed_merge_refused_naming_the_field),
	    cmocka_unit_test(test_merge_program__rendered_messages_golden),
	    cmocka_unit_test(test_merge_program__answers_parse),
	    cmocka_unit_test(test_merge_program__metric_and_feedback),
	    cmocka_unit_test(
		test_merge_program__wide_tables_make_merge_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
