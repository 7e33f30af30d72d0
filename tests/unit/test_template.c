/*
 * test_template.c - the prompt template engine (src/prompt/template.c):
 * substitution, sections, inverted sections, comments, the standalone-line
 * rule, errors with file:line, and verbatim insertion of values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/prompt.h"

/* Compiles and renders `text` with `vars`; returns the rendered text
 * (caller frees) or NULL, with the code in *rc and the detail in *err. */
static char *render(const char *text, const mgen_kvlist *vars, int *rc,
		    mgen_err *err)
{
	mgen_template *t = NULL;
	mgen_buf b = MGEN_BUF_INIT;
	char *s = NULL;

	mgen_err_clear(err);
	*rc = mgen_template_compile("t.txt", text, &t, err);
	if (*rc != 0) {
		assert_null(t);
		return NULL;
	}
	*rc = mgen_template_render(t, vars, &b, err);
	if (*rc == 0)
		s = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	mgen_template_free(t);
	return s;
}

/* Renders and checks the result equals `want`. */
static void expect(const char *text, const mgen_kvlist *vars, const char *want)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc;
	char *s = render(text, vars, &rc, &err);

	if (rc != 0)
		fail_msg("render failed: %s", err.msg);
	assert_string_equal(s, want);
	free(s);
}

/* Expects compile or render to fail with `code` and message `msg`. */
static void expect_error(const char *text, const mgen_kvlist *vars, int code,
			 const char *msg)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc;
	char *s = render(text, vars, &rc, &err);

	assert_null(s);
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

static int setup_vars(void **state)
{
	mgen_kvlist *v = calloc(1, sizeof(*v));

	if (v == NULL || mgen_kvlist_add(v, "name", "orders") != 0 ||
	    mgen_kvlist_add(v, "empty", "") != 0 ||
	    mgen_kvlist_add(v, "yes", "1") != 0 ||
	    mgen_kvlist_add(v, "braces", "{{name}} {\"a\": {}}") != 0)
		return -1;
	*state = v;
	return 0;
}

static int teardown_vars(void **state)
{
	mgen_kvlist_release(*state);
	free(*state);
	return 0;
}

static void test_template__substitution(void **state)
{
	const mgen_kvlist *v = *state;

	expect("table {{name}}!", v, "table orders!");
	expect("{{ name }}{{name}}", v, "ordersorders");
	expect("no tags at all", v, "no tags at all");
	expect("", v, "");
	expect("[{{empty}}]", v, "[]");
	/* single braces are plain text */
	expect("{\"a\": {\"b\": 1}}", v, "{\"a\": {\"b\": 1}}");
	/* lookup is case-insensitive like mgen_kvlist_get */
	expect("{{NAME}}", v, "orders");
}

static void test_template__sections(void **state)
{
	const mgen_kvlist *v = *state;

	expect("a{{#yes}}-in-{{/yes}}b", v, "a-in-b");
	expect("a{{#empty}}-in-{{/empty}}b", v, "ab");
	expect("{{#yes}}{{name}}{{/yes}}", v, "orders");
}

static void test_template__inverted_sections(void **state)
{
	const mgen_kvlist *v = *state;

	expect("a{{^empty}}none{{/empty}}b", v, "anoneb");
	expect("a{{^yes}}none{{/yes}}b", v, "ab");
}

static void test_template__nested_sections(void **state)
{
	const mgen_kvlist *v = *state;

	expect("{{#yes}}1{{#empty}}2{{/empty}}3{{^empty}}4{{/empty}}{{/yes}}",
	       v, "134");
	expect("{{#empty}}1{{#yes}}2{{/yes}}3{{/empty}}5", v, "5");
	expect("{{^empty}}{{#yes}}{{^empty}}x{{/empty}}{{/yes}}{{/empty}}", v,
	       "x");
}

static void test_template__comments(void **state)
{
	const mgen_kvlist *v = *state;

	expect("a{{! a comment with {{name}? no }}b", v, "ab");
	expect("a{{! multi\nline\ncomment }}b", v, "ab");
	/* a comment may name unknown variables */
	expect("{{! uses nothing: {{nope }}x", v, "x");
}

static void test_template__standalone_lines(void **state)
{
	const mgen_kvlist *v = *state;

	expect("a\n{{#yes}}\nb\n{{/yes}}\nc\n", v, "a\nb\nc\n");
	expect("a\n  {{#empty}}  \nb\n{{/empty}}\nc", v, "a\nc");
	expect("{{! top comment\n spanning lines }}\nbody\n", v, "body\n");
	expect("a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\n", v, "a\r\nb\r\n");
	/* not standalone: text on the same line is kept */
	expect("a {{#yes}}b{{/yes}} c\n", v, "a b c\n");
	expect("x{{#yes}}\ny\n{{/yes}}", v, "x\ny\n");
	/* a variable tag alone on its line keeps its newline */
	expect("{{name}}\nz", v, "orders\nz");
	/* a tag at the very end without a newline */
	expect("a\n{{#yes}}b\n{{/yes}}", v, "a\nb\n");
}

static void test_template__values_are_verbatim(void **state)
{
	const mgen_kvlist *v = *state;

	/* a value with braces is inserted as is, never expanded again */
	expect("<{{braces}}>", v, "<{{name}} {\"a\": {}}>");
	expect("<&\"'>", v, "<&\"'>");
}

static void test_template__errors_with_lines(void **state)
{
	const mgen_kvlist *v = *state;

	expect_error("line1\nline2 {{nope}}\n", v, MGEN_ETEMPLATE,
		     "t.txt:2: unknown variable 'nope'");
	expect_error("a\n\n{{#nope}}x{{/nope}}", v, MGEN_ETEMPLATE,
		     "t.txt:3: unknown variable 'nope'");
	expect_error("{{#yes}}\n{{#empty}}\nx\n{{/yes}}\n", v, MGEN_ETEMPLATE,
		     "t.txt:4: mismatched close 'yes' (open 'empty')");
	expect_error("a\nb\n{{#yes}}\nc\n", v, MGEN_ETEMPLATE,
		     "t.txt:3: unclosed section 'yes'");
	expect_error("a\n{{^yes}}{{#empty}}{{/empty}}", v, MGEN_ETEMPLATE,
		     "t.txt:2: unclosed section 'yes'");
	expect_error("a\nb\nc {{name", v, MGEN_ETEMPLATE,
		     "t.txt:3: unterminated tag");
	expect_error("{{! never closed\n", v, MGEN_ETEMPLATE,
		     "t.txt:1: unterminated tag");
	expect_error("x\n{{/yes}}", v, MGEN_ETEMPLATE,
		     "t.txt:2: unexpected close 'yes'");
	expect_error("x {{ }}", v, MGEN_ETEMPLATE, "t.txt:1: empty tag");
	expect_error("{{! c\n\n}}\n{{#}}", v, MGEN_ETEMPLATE,
		     "t.txt:4: empty tag");
}

static void test_template__unknown_variable_in_skipped_section(void **state)
{
	const mgen_kvlist *v = *state;
	mgen_err err = MGEN_ERR_INIT;
	int rc;
	char *s;

	/* the body of a false section is not rendered, so its unknown
	 * variable is not looked up */
	expect("{{#empty}}{{nope}}{{/empty}}ok", v, "ok");
	/* NULL vars: only templates without variables render */
	s = render("plain", NULL, &rc, &err);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "plain");
	free(s);
	s = render("{{x}}", NULL, &rc, &err);
	assert_null(s);
	assert_int_equal(rc, MGEN_ETEMPLATE);
}

static void test_template__render_many_times(void **state)
{
	const mgen_kvlist *v = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_template *t = NULL;
	mgen_kvlist other = {NULL, 0, 0};
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	assert_int_equal(mgen_template_compile(
			     "m.txt", "{{#yes}}[{{name}}]{{/yes}}", &t, &err),
			 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(mgen_template_render(t, v, &b, &err), 0);
	assert_string_equal(mgen_buf_str(&b), "[orders][orders][orders]");
	mgen_buf_reset(&b);
	assert_int_equal(mgen_kvlist_add(&other, "yes", "y"), 0);
	assert_int_equal(mgen_kvlist_add(&other, "name", "{{yes}}"), 0);
	assert_int_equal(mgen_template_render(t, &other, &b, &err), 0);
	assert_string_equal(mgen_buf_str(&b), "[{{yes}}]");
	mgen_buf_release(&b);
	mgen_kvlist_release(&other);
	mgen_template_free(t);
	mgen_template_free(NULL);
}

static void test_template__buffer_limit(void **state)
{
	const mgen_kvlist *v = *state;
	mgen_err err = MGEN_ERR_INIT;
	mgen_template *t = NULL;
	mgen_buf b;

	mgen_buf_init(&b, 4);
	assert_int_equal(mgen_template_compile("l.txt", "{{name}}", &t, &err),
			 0);
	assert_int_equal(mgen_template_render(t, v, &b, &err), MGEN_ELIMIT);
	assert_int_equal(err.code, MGEN_ELIMIT);
	assert_non_null(strstr(err.msg, "l.txt"));
	mgen_buf_release(&b);
	mgen_template_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_template__substitution),
	    cmocka_unit_test(test_template__sections),
	    cmocka_unit_test(test_template__inverted_sections),
	    cmocka_unit_test(test_template__nested_sections),
	    cmocka_unit_test(test_template__comments),
	    cmocka_unit_test(test_template__standalone_lines),
	    cmocka_unit_test(test_template__values_are_verbatim),
	    cmocka_unit_test(test_template__errors_with_lines),
	    cmocka_unit_test(
		test_template__unknown_variable_in_skipped_section),
	    cmocka_unit_test(test_template__render_many_times),
	    cmocka_unit_test(test_template__buffer_limit),
	};

	return cmocka_run_group_tests(tests, setup_vars, teardown_vars);
}
