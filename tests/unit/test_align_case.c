/*
 * test_align_case.c - answer entries matched to columns whose names
 * differ only by case (issue 9 item 3): exact names first, case folded
 * only where that names one column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/answer.h"

/* Aligns the answer entries cols[i] -> texts[i] to `asked`, expecting
 * return code `want`; the alignment goes to *al. */
static void align(char **cols, char **texts, size_t n,
		  const char *const *asked, size_t asked_count, int want,
		  mgen_alignment *al)
{
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;

	memset(&a, 0, sizeof(a));
	a.columns = cols;
	a.contents = texts;
	a.n = n;
	assert_int_equal(mgen_answer_align(&a, "t", asked, asked_count, al, &err),
			 want);
	if (want == MGEN_EVALIDATE)
		assert_non_null(strstr(err.msg, "t."));
}

static const char *const three[] = {"Id", "ID", "id"};

static void test_align_case__exact_names_win(void **state)
{
	char *c[] = {"id", "Id", "ID"};
	char *t[] = {"lower.", "title.", "upper."};
	mgen_alignment al;

	(void)state;
	align(c, t, sizeof(c) / sizeof(c[0]), three, 3, 0, &al);
	assert_string_equal(al.comments[0], "title.");
	assert_string_equal(al.comments[1], "upper.");
	assert_string_equal(al.comments[2], "lower.");
	assert_int_equal(al.missing_count + al.duplicated_count + al.unknown_count, 0);
	mgen_alignment_release(&al);
}

static void test_align_case__ambiguous_fold_is_unknown(void **state)
{
	/* "iD" folds onto all three: no guess; quoted and qualified names
	 * still match exactly */
	char *c[] = {"iD", "\"Id\"", "t.ID", "`id`"};
	char *t[] = {"which?", "title.", "upper.", "lower."};
	mgen_alignment al;

	(void)state;
	align(c, t, sizeof(c) / sizeof(c[0]), three, 3, 0, &al);
	assert_string_equal(al.comments[0], "title.");
	assert_string_equal(al.comments[1], "upper.");
	assert_string_equal(al.comments[2], "lower.");
	assert_int_equal(al.unknown_count, 1);
	assert_string_equal(al.unknown, "iD");
	mgen_alignment_release(&al);
}

static void test_align_case__missing_one_of_three(void **state)
{
	/* "ID" never answered: its neighbours' answers do not cover it */
	char *c[] = {"Id", "id"};
	char *t[] = {"title.", "lower."};
	mgen_alignment al;

	(void)state;
	align(c, t, sizeof(c) / sizeof(c[0]), three, 3, MGEN_EVALIDATE, &al);
	assert_null(al.comments[1]);
	assert_string_equal(al.problems[1], "missing from answer");
	assert_int_equal(al.missing_count, 1);
	mgen_alignment_release(&al);
}

static void test_align_case__unambiguous_fold(void **state)
{
	/* one column per folded name: case is forgiven as before */
	const char *const asked[] = {"CustomerID", "name"};
	char *c[] = {"customerid", "NAME"};
	char *t[] = {"Customer.", "Name."};
	mgen_alignment al;

	(void)state;
	align(c, t, sizeof(c) / sizeof(c[0]), asked, 2, 0, &al);
	assert_string_equal(al.comments[0], "Customer.");
	assert_string_equal(al.comments[1], "Name.");
	mgen_alignment_release(&al);
}

static void test_align_case__fold_and_exact_same_column(void **state)
{
	/* "Id" exactly and "ID" folded onto the only column: one column
	 * answered twice with different texts is a duplicate, not a guess */
	const char *const asked[] = {"Id", "name"};
	char *c[] = {"Id", "ID", "name"};
	char *t[] = {"One.", "Two.", "Name."};
	mgen_alignment al;

	(void)state;
	align(c, t, sizeof(c) / sizeof(c[0]), asked, 2, MGEN_EVALIDATE, &al);
	assert_string_equal(al.problems[0], "duplicated in answer");
	assert_string_equal(al.comments[1], "Name.");
	mgen_alignment_release(&al);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_align_case__exact_names_win),
	    cmocka_unit_test(test_align_case__ambiguous_fold_is_unknown),
	    cmocka_unit_test(test_align_case__missing_one_of_three),
	    cmocka_unit_test(test_align_case__unambiguous_fold),
	    cmocka_unit_test(test_align_case__fold_and_exact_same_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
