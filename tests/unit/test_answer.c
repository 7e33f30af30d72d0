/*
 * test_answer.c - parsing and aligning the LM's comment answer
 * (src/comment/answer.c, src/comment/align.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/answer.h"
#include "metagen/buf.h"

#define STD_JSON                                                          \
	"{\"table\": \"Hospital admissions.\", \"columns\": [\"row_id\", " \
	"\"hadm_id\"], \"column_contents\": [\"Row identifier.\", "        \
	"\"Admission identifier.\"]}"

static void assert_pair(const mgen_answer *a, size_t i, const char *col,
			const char *text)
{
	assert_true(i < a->n);
	assert_string_equal(a->columns[i], col);
	assert_string_equal(a->contents[i], text);
}

/* Parses `text`, expects success and the two STD_JSON pairs. */
static void expect_std(const char *text, int repaired)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_parse(text, 0, &a, &err), 0);
	assert_string_equal(a.table_comment, "Hospital admissions.");
	assert_int_equal(a.n, 2);
	assert_pair(&a, 0, "row_id", "Row identifier.");
	assert_pair(&a, 1, "hadm_id", "Admission identifier.");
	assert_int_equal(a.repaired, repaired);
	mgen_answer_release(&a);
	assert_null(a.columns);
}

static void test_answer__plain(void **state)
{
	(void)state;
	expect_std(STD_JSON, 0);
	expect_std("  \n" STD_JSON "\n ", 0);
}

static void test_answer__fenced(void **state)
{
	(void)state;
	expect_std("```json\n" STD_JSON "\n```", 1);
	expect_std("```\n" STD_JSON "\n```\n", 1);
}

static void test_answer__chatter_around(void **state)
{
	(void)state;
	expect_std("Here is the JSON: " STD_JSON " Let me know if you need "
		   "anything {else}.", 1);
	/* a brace in the prose before the object is not the object */
	expect_std("Sure {as asked}, here it is:\n" STD_JSON, 1);
}

static void test_answer__stringified_arrays(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "{\"table\": \"T.\", \"columns\": \"[\\\"a\\\", "
			"\\\"b\\\"]\", \"column_contents\": \"[\\\"A.\\\", "
			"\\\"B.\\\"]\"}";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), 0);
	assert_int_equal(a.n, 2);
	assert_pair(&a, 0, "a", "A.");
	assert_pair(&a, 1, "b", "B.");
	assert_int_equal(a.repaired, 1);
	mgen_answer_release(&a);

	t = "{\"columns\": \"not an array\", \"column_contents\": []}";
	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), MGEN_EVALIDATE);
	assert_non_null(strstr(err.msg, "columns"));
}

static void test_answer__object_form_and_aliases(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "{\"table_comment\": \"T.\", \"columns\": "
			"{\"c1\": \"One.\", \"c2\": \"Two.\"}}";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), 0);
	assert_string_equal(a.table_comment, "T.");
	assert_int_equal(a.n, 2);
	assert_pair(&a, 0, "c1", "One.");
	assert_pair(&a, 1, "c2", "Two.");
	mgen_answer_release(&a);

	t = "{\"columns\": [\"x\"], \"comments\": [\"X.\"]}";
	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), 0);
	assert_null(a.table_comment);
	assert_pair(&a, 0, "x", "X.");
	mgen_answer_release(&a);

	t = "{\"columns\": {\"c1\": 5}}";
	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), MGEN_EVALIDATE);
	assert_non_null(strstr(err.msg, "c1"));
}

static void test_answer__braces_and_escapes_in_strings(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t =
		"Answer: {\"table\": \"Uses {json} like \\\"{a: [1}\\\" }}\", "
		"\"columns\": [\"c}\"], \"column_contents\": "
		"[\"Line one.\\nLine {two}\\\\\"]} trailing }";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), 0);
	assert_string_equal(a.table_comment, "Uses {json} like \"{a: [1}\" }}");
	assert_pair(&a, 0, "c}", "Line one.\nLine {two}\\");
	mgen_answer_release(&a);
}

static void test_answer__unicode(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "{\"columns\": [\"caf\\u00e9\", \"na\xc3\xafve\"], "
			"\"column_contents\": [\"\\ud83d\\ude00 smile\", "
			"\"Gr\xc3\xb6\xc3\x9f" "e \xe2\x82\xac\"]}";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), 0);
	assert_pair(&a, 0, "caf\xc3\xa9", "\xf0\x9f\x98\x80 smile");
	assert_pair(&a, 1, "na\xc3\xafve", "Gr\xc3\xb6\xc3\x9f" "e \xe2\x82\xac");
	mgen_answer_release(&a);
}

static void test_answer__truncated_salvage(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "```json\n{\"table\": \"Admissions.\", \"columns\": "
			"[\"a\", \"b\", \"c\"], \"column_contents\": "
			"[\"Comment A.\", \"Comment B.\", \"Comment C is cu";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "unterminated"));
	mgen_err_clear(&err);

	assert_int_equal(mgen_answer_parse(t, 1, &a, &err), 0);
	assert_string_equal(a.table_comment, "Admissions.");
	assert_int_equal(a.n, 2);
	assert_pair(&a, 0, "a", "Comment A.");
	assert_pair(&a, 1, "b", "Comment B.");
	assert_int_equal(a.repaired, 1);
	mgen_answer_release(&a);

	/* cut inside an escape, after a comma, in the columns array */
	t = "{\"table\": \"T.\", \"columns\": [\"a\", \"b\\";
	assert_int_equal(mgen_answer_parse(t, 1, &a, &err), 0);
	assert_string_equal(a.table_comment, "T.");
	assert_int_equal(a.n, 0);
	mgen_answer_release(&a);

	t = "{\"columns\": {\"c1\": \"One.\", \"c2\": \"Tw";
	assert_int_equal(mgen_answer_parse(t, 1, &a, &err), 0);
	assert_int_equal(a.n, 1);
	assert_pair(&a, 0, "c1", "One.");
	mgen_answer_release(&a);

	/* complete but unequal arrays: common prefix when truncated */
	t = "{\"columns\": [\"a\", \"b\"], \"column_contents\": [\"A.\"]}";
	assert_int_equal(mgen_answer_parse(t, 1, &a, &err), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.repaired, 1);
	mgen_answer_release(&a);
}

static void test_answer__length_mismatch(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "{\"columns\": [\"a\", \"b\", \"c\"], "
			"\"column_contents\": [\"A.\", \"B.\"]}";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), MGEN_EVALIDATE);
	assert_non_null(strstr(err.msg, "3"));
	assert_non_null(strstr(err.msg, "2"));
	assert_int_equal(a.n, 0);
	assert_null(a.columns);
}

static void test_answer__non_string_entry(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "{\"columns\": [\"a\", \"b\", \"c\", \"d\"], "
			"\"column_contents\": [\"A.\", \"B.\", \"C.\", 42]}";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), MGEN_EVALIDATE);
	assert_string_equal(err.msg, "column_contents[3] is not a string");
}

static void test_answer__trailing_commas(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	const char *t = "{\"columns\": [\"a\",], \"column_contents\": "
			"[\"x, ]\",],}";

	assert_int_equal(mgen_answer_parse(t, 0, &a, &err), 0);
	assert_pair(&a, 0, "a", "x, ]");
	assert_int_equal(a.repaired, 1);
	mgen_answer_release(&a);
}

static void test_answer__garbage(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_parse("I cannot help with\tthat.\n", 0,
					   &a, &err), MGEN_EPARSE);
	assert_string_equal(err.msg, "no json object in answer at offset 0: "
				     "\"I cannot help with\\tthat.\\n\"");
	mgen_err_clear(&err);

	/* a balanced object that is not JSON: offset points into it */
	assert_int_equal(mgen_answer_parse("xx {\"a\": nope}", 0, &a, &err),
			 MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "does not parse at offset"));
	mgen_err_clear(&err);

	/* excerpt bounded to 60 bytes */
	assert_int_equal(mgen_answer_parse(
				 "0123456789012345678901234567890123456789"
				 "0123456789012345678901234567890123456789",
				 0, &a, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "\"0123456789012345678901234567890"
					"12345678901234567890123456789\""));
	mgen_err_clear(&err);

	/* json, but not an answer */
	assert_int_equal(mgen_answer_parse("{\"error\": \"busy\"}", 0, &a,
					   &err), MGEN_EVALIDATE);
}

static void test_answer__empty(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_parse("", 0, &a, &err), MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "empty answer at offset 0"));
	mgen_err_clear(&err);
	assert_int_equal(mgen_answer_parse("", 1, &a, &err), MGEN_EPARSE);
	mgen_err_clear(&err);
	assert_int_equal(mgen_answer_parse(NULL, 0, &a, &err), MGEN_EPARSE);
}

/* ---- alignment ---- */

/* Builds an answer from parallel string arrays (borrowed: not released). */
static mgen_answer mk(char **cols, char **texts, size_t n)
{
	mgen_answer a;

	memset(&a, 0, sizeof(a));
	a.columns = cols;
	a.contents = texts;
	a.n = n;
	return a;
}

static const char *const four[] = {"subject_id", "hadm_id", "admittime",
				   "dischtime"};

static void test_answer__align_exact(void **state)
{
	char *c[] = {"subject_id", "hadm_id", "admittime", "dischtime"};
	char *t[] = {" Patient. ", "Admission.", "Admit\ntime.", "Discharge."};
	mgen_answer a = mk(c, t, 4);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, "adm", four, 4, &al, &err), 0);
	assert_int_equal(al.asked_count, 4);
	assert_string_equal(al.comments[0], "Patient.");
	assert_string_equal(al.comments[2], "Admit\ntime.");
	assert_null(al.problems[0]);
	assert_int_equal(al.missing_count + al.duplicated_count + al.unknown_count, 0);
	assert_null(al.unknown);
	mgen_alignment_release(&al);
	assert_null(al.comments);
}

static void test_answer__align_case_and_quotes(void **state)
{
	char *c[] = {"\"SUBJECT_ID\"", " `Hadm_Id` ", "[admittime]",
		     "\"`DischTime`\""};
	char *t[] = {"P.", "H.", "A.", "D."};
	mgen_answer a = mk(c, t, 4);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, "adm", four, 4, &al, &err), 0);
	assert_string_equal(al.comments[0], "P.");
	assert_string_equal(al.comments[1], "H.");
	assert_string_equal(al.comments[2], "A.");
	assert_string_equal(al.comments[3], "D.");
	mgen_alignment_release(&al);
}

static void test_answer__align_reordered(void **state)
{
	char *c[] = {"dischtime", "admittime", "subject_id", "hadm_id"};
	char *t[] = {"D.", "A.", "P.", "H."};
	mgen_answer a = mk(c, t, 4);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, "adm", four, 4, &al, &err), 0);
	assert_string_equal(al.comments[0], "P.");
	assert_string_equal(al.comments[1], "H.");
	assert_string_equal(al.comments[2], "A.");
	assert_string_equal(al.comments[3], "D.");
	mgen_alignment_release(&al);
}

/* dbxmetagen #194: a dropped entry must not shift later comments. */
static void test_answer__align_missing_no_shift(void **state)
{
	char *c[] = {"subject_id", "admittime", "dischtime"};
	char *t[] = {"P.", "A.", "D."};
	mgen_answer a = mk(c, t, 3);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, "adm", four, 4, &al, &err),
			 MGEN_EVALIDATE);
	assert_string_equal(err.msg, "adm.hadm_id: missing from answer");
	assert_string_equal(al.comments[0], "P.");
	assert_null(al.comments[1]);
	assert_string_equal(al.problems[1], "missing from answer");
	assert_string_equal(al.comments[2], "A.");
	assert_string_equal(al.comments[3], "D.");
	assert_null(al.problems[3]);
	assert_int_equal(al.missing_count, 1);
	mgen_alignment_release(&al);
}

static void test_answer__align_duplicated(void **state)
{
	char *c[] = {"subject_id", "hadm_id", "HADM_ID", "admittime",
		     "dischtime", "dischtime"};
	char *t[] = {"P.", "H one.", "H two.", "A.", "D.", " D. "};
	mgen_answer a = mk(c, t, 6);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, NULL, four, 4, &al, &err),
			 MGEN_EVALIDATE);
	assert_string_equal(err.msg, "hadm_id: duplicated in answer");
	assert_null(al.comments[1]);
	assert_string_equal(al.problems[1], "duplicated in answer");
	assert_string_equal(al.comments[3], "D.");
	assert_null(al.problems[3]);
	assert_string_equal(al.comments[2], "A.");
	assert_int_equal(al.duplicated_count, 1);
	assert_int_equal(al.missing_count, 0);
	mgen_alignment_release(&al);
}

static void test_answer__align_unknown_extra(void **state)
{
	char *c[] = {"subject_id", "bogus", "hadm_id", "admittime",
		     "dischtime", "other "};
	char *t[] = {"P.", "?", "H.", "A.", "D.", "?"};
	mgen_answer a = mk(c, t, 6);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, "adm", four, 4, &al, &err), 0);
	assert_int_equal(al.unknown_count, 2);
	assert_string_equal(al.unknown, "bogus, other");
	assert_string_equal(al.comments[1], "H.");
	mgen_alignment_release(&al);
}

static void test_answer__align_empty_comment(void **state)
{
	char *c[] = {"subject_id", "hadm_id", "admittime", "dischtime"};
	char *t[] = {"P.", " \n\t", "A.", ""};
	mgen_answer a = mk(c, t, 4);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(mgen_answer_align(&a, "adm", four, 4, &al, &err),
			 MGEN_EVALIDATE);
	assert_string_equal(err.msg, "adm.hadm_id: empty comment");
	assert_null(al.comments[1]);
	assert_string_equal(al.problems[1], "empty comment");
	assert_string_equal(al.problems[3], "empty comment");
	assert_string_equal(al.comments[2], "A.");
	mgen_alignment_release(&al);
}

static void test_answer__align_qualified(void **state)
{
	char *c[] = {"adm.subject_id", "main.adm.hadm_id", "`adm`.`admittime`",
		     "x.y"};
	char *t[] = {"P.", "H.", "A.", "?"};
	const char *const asked[] = {"subject_id", "hadm_id", "admittime",
				     "x.y", "y"};
	mgen_answer a = mk(c, t, 4);
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;

	/* "x.y" names the asked column "x.y" as a whole, not "y" */
	assert_int_equal(mgen_answer_align(&a, "adm", asked, 5, &al, &err),
			 MGEN_EVALIDATE);
	assert_string_equal(al.comments[0], "P.");
	assert_string_equal(al.comments[1], "H.");
	assert_string_equal(al.comments[2], "A.");
	assert_string_equal(al.comments[3], "?");
	assert_null(al.comments[4]);
	assert_string_equal(al.problems[4], "missing from answer");
	mgen_alignment_release(&al);
}

static void test_answer__parse_then_align(void **state)
{
	mgen_answer a;
	mgen_alignment al;
	mgen_err err = MGEN_ERR_INIT;
	const char *const asked[] = {"row_id", "hadm_id"};

	assert_int_equal(mgen_answer_parse("```json\n{\"columns\": "
					   "[\"HADM_ID\", \"ROW_ID\"], "
					   "\"column_contents\": [\"H.\", "
					   "\"R.\"]}\n```", 0, &a, &err), 0);
	assert_int_equal(mgen_answer_align(&a, "t", asked, 2, &al, &err), 0);
	assert_string_equal(al.comments[0], "R.");
	assert_string_equal(al.comments[1], "H.");
	mgen_alignment_release(&al);
	mgen_answer_release(&a);
}

/* An answer with `n` column entries: columns c0..c(n-1), each with the
 * comment "x"; caller frees. */
static char *many_entries(size_t n)
{
	mgen_buf b = MGEN_BUF_INIT;
	size_t i;

	mgen_buf_puts(&b, "{\"table\": \"T.\", \"columns\": [");
	for (i = 0; i < n; i++)
		mgen_buf_printf(&b, "%s\"c%zu\"", i ? "," : "", i);
	mgen_buf_puts(&b, "], \"column_contents\": [");
	for (i = 0; i < n; i++)
		mgen_buf_printf(&b, "%s\"x\"", i ? "," : "");
	mgen_buf_puts(&b, "]}");
	return mgen_buf_detach(&b);
}

/* 200,000 entries for 5 asked columns: refused with a reason, before
 * any entry is copied (the array walk was quadratic: > 120 s). */
static void test_answer__huge_answer_refused(void **state)
{
	char *text = many_entries(200000);
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_non_null(text);
	assert_int_equal(mgen_answer_entry_cap(5),
			 MGEN_ANSWER_ENTRY_FACTOR * 5 + MGEN_ANSWER_ENTRY_SLACK);
	assert_int_equal(mgen_answer_parse_capped(text, 0,
						  mgen_answer_entry_cap(5), &a,
						  &err),
			 MGEN_EVALIDATE);
	assert_non_null(strstr(err.msg, "more than 116 entries (at most 26 a "
				       "list"));
	assert_null(a.columns);
	assert_int_equal(a.n, 0);
	mgen_err_clear(&err);
	/* without asked columns, the absolute cap applies */
	assert_int_equal(mgen_answer_parse(text, 0, &a, &err), MGEN_EVALIDATE);
	assert_non_null(strstr(err.msg, "at most 65536 a list"));
	mgen_err_clear(&err);
	/* cut off (truncated) answers are held to the same cap */
	text[strlen(text) / 2] = '\0';
	assert_int_equal(mgen_answer_parse_capped(text, 1, 100, &a, &err),
			 MGEN_EVALIDATE);
	free(text);
}

/* Up to the cap every entry is kept, in order (one walk of each list). */
static void test_answer__many_entries_kept_in_order(void **state)
{
	char *text = many_entries(50000);
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_answer_parse_capped(text, 0, 50000, &a, &err),
			 0);
	assert_int_equal(a.n, 50000);
	assert_pair(&a, 0, "c0", "x");
	assert_pair(&a, 49999, "c49999", "x");
	mgen_answer_release(&a);
	assert_int_equal(mgen_answer_parse_capped(text, 0, 49999, &a, &err),
			 MGEN_EVALIDATE);
	assert_non_null(strstr(err.msg, "columns has 50000 entries, more than "
				       "the 49999"));
	free(text);
}

/* A NUL (escaped \u0000) is refused, not cut short silently; an escaped
 * backslash before "u0000" is not a NUL. */
static void test_answer__nul_refused(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(
	    mgen_answer_parse("{\"table\": \"Pat\\u0000ients\", "
			      "\"columns\": [], \"column_contents\": []}",
			      0, &a, &err),
	    MGEN_EPARSE);
	assert_non_null(strstr(err.msg, "NUL"));
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_answer_parse("{\"columns\": [\"a\"], \"column_contents\":"
			      " [\"x\\\\\\u0000\"]}", 0, &a, &err),
	    MGEN_EPARSE);
	mgen_err_clear(&err);
	assert_int_equal(
	    mgen_answer_parse("{\"columns\": [\"a\"], \"column_contents\":"
			      " [\"C:\\\\u0000dir\"]}", 0, &a, &err),
	    0);
	assert_pair(&a, 0, "a", "C:\\u0000dir");
	mgen_answer_release(&a);
}

/* Invalid UTF-8 (a stray byte, an overlong '/', a surrogate, a code
 * point above U+10FFFF, a cut sequence) becomes U+FFFD and is counted. */
static void test_answer__invalid_utf8_replaced(void **state)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(
	    mgen_answer_parse("{\"table\": \"ok \xC3\xA9\", \"columns\": "
			      "[\"a\xFF\", \"b\"], \"column_contents\": "
			      "[\"x\xC0\xAFy\", \"s\xED\xA0\x80 \xF4\x90"
			      "\x80\x80 \xE2\x82\"]}", 0, &a, &err),
	    0);
	assert_string_equal(a.table_comment, "ok \xC3\xA9");
	assert_pair(&a, 0, "a\xEF\xBF\xBD", "x\xEF\xBF\xBDy");
	assert_pair(&a, 1, "b",
		    "s\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD");
	assert_int_equal(a.fixed_count, 3);
	mgen_answer_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer__plain),
		cmocka_unit_test(test_answer__fenced),
		cmocka_unit_test(test_answer__chatter_around),
		cmocka_unit_test(test_answer__stringified_arrays),
		cmocka_unit_test(test_answer__object_form_and_aliases),
		cmocka_unit_test(test_answer__braces_and_escapes_in_strings),
		cmocka_unit_test(test_answer__unicode),
		cmocka_unit_test(test_answer__truncated_salvage),
		cmocka_unit_test(test_answer__length_mismatch),
		cmocka_unit_test(test_answer__non_string_entry),
		cmocka_unit_test(test_answer__trailing_commas),
		cmocka_unit_test(test_answer__garbage),
		cmocka_unit_test(test_answer__empty),
		cmocka_unit_test(test_answer__align_exact),
		cmocka_unit_test(test_answer__align_case_and_quotes),
		cmocka_unit_test(test_answer__align_reordered),
		cmocka_unit_test(test_answer__align_missing_no_shift),
		cmocka_unit_test(test_answer__align_duplicated),
		cmocka_unit_test(test_answer__align_unknown_extra),
		cmocka_unit_test(test_answer__align_empty_comment),
		cmocka_unit_test(test_answer__align_qualified),
		cmocka_unit_test(test_answer__parse_then_align),
		cmocka_unit_test(test_answer__huge_answer_refused),
		cmocka_unit_test(test_answer__many_entries_kept_in_order),
		cmocka_unit_test(test_answer__nul_refused),
		cmocka_unit_test(test_answer__invalid_utf8_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
