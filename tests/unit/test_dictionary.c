/*
 * test_dictionary.c - dictionary.md with hostile names and comments
 * (src/output/dictionary.c): Markdown and HTML in warehouse names, LM
 * comments and existing comments are shown as text, never as markup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/buf.h"
#include "output/output_internal.h"
#include "util/util.h"

static void add_column(mgen_table *t, const char *name, const char *comment)
{
	mgen_column *c = NULL;

	assert_int_equal(mgen_table_add_column(t, &c), 0);
	c->name = mgen__strdup(name);
	c->data_type = mgen__strdup("text");
	assert_int_equal(mgen_proposal_set(&c->proposal, comment,
					   MGEN_PATH_LEGACY,
					   MGEN_STATUS_PROPOSED, NULL),
			 0);
}

/* 1 when some line of `md` starts with `prefix`. */
static int line_starts(const char *md, const char *prefix)
{
	const char *p = md;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (mgen__startswith(p, prefix))
			return 1;
	return 0;
}

/* 1 when `what` occurs in `s` without a backslash before it. */
static int unescaped(const char *s, const char *what)
{
	const char *p;

	for (p = s; (p = strstr(p, what)) != NULL; p++)
		if (p == s || p[-1] != '\\')
			return 1;
	return 0;
}

static void test_dictionary__markdown_and_html_escaped(void **state)
{
	mgen_table t;
	mgen_buf md = MGEN_BUF_INIT;
	const char *s;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.schema = mgen__strdup("main");
	t.name = mgen__strdup("t<script>alert(1)</script>\n# Pwned");
	assert_int_equal(
	    mgen_proposal_set(&t.proposal,
			      "# Not a heading\n- not a list\n> no quote\n"
			      "    no code block\n1. no list\n"
			      "<img src=x onerror=alert(1)> & [link](http://e.x)"
			      " ![img](http://e.x/i.png) **bold** `code` a|b",
			      MGEN_PATH_LEGACY, MGEN_STATUS_PROPOSED, NULL),
	    0);
	add_column(&t, "[x](javascript:alert(1))", "<b>bold</b>\n| fake | row |");
	add_column(&t, "a|b", "ok_name *emph* ~~strike~~ \\ end\x1b[31m");
	assert_int_equal(mgen_output__dictionary(NULL, &t, 1, &md), 0);
	s = mgen_buf_str(&md);
	/* no raw HTML or links */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<img"));
	assert_null(strstr(s, "<b>"));
	assert_false(unescaped(s, "]("));
	assert_non_null(strstr(s, "&lt;img src=x onerror=alert(1)&gt; &amp; "
				  "\\[link\\](http://e.x) \\!\\[img\\]"));
	assert_non_null(strstr(s, "\\*\\*bold\\*\\* \\`code\\` a\\|b"));
	/* one heading per table; the name's newline is a space */
	assert_non_null(strstr(s, "\n## main.t&lt;script&gt;alert(1)&lt;/script"
				  "&gt; # Pwned\n"));
	assert_false(line_starts(s, "# Pwned"));
	assert_false(line_starts(s, "# Not"));
	assert_false(line_starts(s, "- "));
	assert_false(line_starts(s, "> "));
	assert_false(line_starts(s, "    "));
	assert_false(line_starts(s, "1. "));
	assert_true(line_starts(s, "\\# Not a heading"));
	assert_true(line_starts(s, "1\\. no list"));
	/* cells: one row per column, pipes and newlines inside escaped */
	assert_non_null(strstr(s, "| \\[x\\](javascript:alert(1)) | text | "
				  "&lt;b&gt;bold&lt;/b&gt;<br>\\| fake \\| row "
				  "\\| | legacy | proposed |\n"));
	assert_non_null(strstr(s, "| a\\|b | text | ok\\_name \\*emph\\* "
				  "\\~\\~strike\\~\\~ \\\\ end \\[31m |"));
	mgen_buf_release(&md);
	mgen_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dictionary__markdown_and_html_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
