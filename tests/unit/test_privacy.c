/*
 * test_privacy.c - allow_data_in_comments false: the check that a
 * comment repeats a value the profile read (src/generate/privacy.c, its
 * rules), and the offline describer on a table of SSN-like values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "generate/privacy.h"
#include "metagen/answer.h"
#include "util/util.h"

#define ROWS 3

/* people(id, ssn, note, year, flag, sex) with a 3-row sample. */
static void people(mgen_table *t)
{
	static const char *const names[] = {"id", "ssn", "note", "year",
					    "flag", "status"};
	static const char *const cells[ROWS][6] = {
	    {"1", "123-45-6789", "Patient Johnathan Smithers", "2019", "true",
	     "status"},
	    {"2", "987-65-4321", "Patient Johnathan Smithers", "2020", "false",
	     "EMERGENCY"},
	    {"30000042", "555-12-3456", "  Lorem ipsum  ", "2021", "N/A", "ELECTIVE"},
	};
	mgen_column *c;
	size_t i, r;

	memset(t, 0, sizeof(*t));
	t->name = mgen__strdup("people");
	t->schema = mgen__strdup("main");
	t->profiled = 1;
	t->row_count = 10;
	for (i = 0; i < 6; i++) {
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		c->name = mgen__strdup(names[i]);
		c->data_type = mgen__strdup(i == 0 || i == 3 ? "INTEGER"
							     : "TEXT");
		c->ordinal = (int)i + 1;
		c->non_null_count = 10;
		c->distinct_count = 10;
		c->avg_length = -1;
	}
	t->columns[1].min_value = mgen__strdup("012-34-5678");
	t->columns[1].max_value = mgen__strdup("999-99-9999");
	t->sample = calloc(ROWS * 6, sizeof(char *));
	assert_non_null(t->sample);
	t->sample_row_count = ROWS;
	for (r = 0; r < ROWS; r++)
		for (i = 0; i < 6; i++)
			t->sample[r * 6 + i] = mgen__strdup(cells[r][i]);
}

static int repeats(const mgen_table *t, const char *comment, char *why)
{
	return mgen__repeats_value(t, NULL, 0, comment, why, 300);
}

/* The rules written in privacy.c, one line each. */
static void test_privacy__rules(void **state)
{
	mgen_table t;
	char why[300];

	(void)state;
	people(&t);
	/* a sample cell, a min, a max: found, the reason names the column
	 * and the kind of value, never the value */
	assert_true(repeats(&t, "SSN, e.g. 123-45-6789.", why));
	assert_string_equal(why, "a sample cell of column ssn");
	assert_null(strstr(why, "123-45"));
	assert_true(repeats(&t, "From 012-34-5678 up.", why));
	assert_string_equal(why, "the minimum of column ssn");
	assert_true(repeats(&t, "(999-99-9999)", why));
	assert_string_equal(why, "the maximum of column ssn");
	/* a long text cell, whole; blanks around a cell do not matter */
	assert_true(repeats(&t, "Mostly Patient Johnathan Smithers", why));
	assert_true(repeats(&t, "Lorem ipsum, dolor.", why));
	/* case-sensitive */
	assert_true(repeats(&t, "Admission type such as EMERGENCY.", why));
	assert_false(repeats(&t, "Admissions in an emergency.", why));
	/* word boundaries: not inside a longer word or number */
	assert_false(repeats(&t, "Lorem ipsumdolor text.", why));
	assert_false(repeats(&t, "Code 9123-45-67890.", why));
	assert_true(repeats(&t, "Row 30000042 is odd.", why));
	assert_false(repeats(&t, "Row 300000421 is fine.", why));
	/* ignored: short values, years and small numbers, booleans and
	 * null words, a value equal to a column's name */
	assert_false(repeats(&t, "Identifier, 1 or 2.", why));
	assert_false(repeats(&t, "Year of the visit, like 2019.", why));
	assert_false(repeats(&t, "Whether true or false; N/A if unknown.",
			     why));
	assert_false(repeats(&t, "The record's status.", why));
	assert_false(repeats(&t, NULL, why));
	/* only the columns asked about (the prompt's) are checked */
	{
		size_t only_note = 2;
		assert_false(mgen__repeats_value(&t, &only_note, 1,
						 "e.g. 123-45-6789", why,
						 sizeof(why)));
		assert_true(mgen__repeats_value(&t, &only_note, 1,
						"Lorem ipsum", why,
						sizeof(why)));
	}
	assert_true(mgen__value_is_telling(&t, "12345"));
	assert_false(mgen__value_is_telling(&t, "1234"));
	assert_false(mgen__value_is_telling(&t, "-3.25"));
	assert_true(mgen__value_is_telling(&t, "3.14159"));
	assert_false(mgen__value_is_telling(&t, "PEOPLE"));
	assert_false(mgen__value_is_telling(&t, "Integer"));
	assert_false(mgen__value_is_telling(&t, "Female"));
	assert_true(mgen__value_is_telling(&t, "ELECTIVE"));
	t.row_count = 30000042; /* a count is metadata, not a value */
	assert_false(repeats(&t, "Row 30000042 is odd.", why));
	t.columns[3].distinct_count = 123456;
	assert_false(mgen__value_is_telling(&t, "123456"));
	assert_false(mgen__value_is_telling(&t, "\xC3\xA9t\xC3\xA9"));
	mgen_table_release(&t);
}

/* The offline describer with data not allowed in comments: no sample
 * value, min or max in any comment (with data allowed it quotes the
 * SSN range, so the check can fail). */
static void test_privacy__offline_never_quotes_values(void **state)
{
	mgen_table t;
	char *tc = NULL, *cc[6] = {NULL};
	char why[300];
	size_t i;
	int allow;

	(void)state;
	people(&t);
	for (allow = 0; allow <= 1; allow++) {
		int leaked = 0;
		assert_int_equal(
		    mgen_offline_describe(&t, NULL, allow, &tc, cc), 0);
		leaked |= repeats(&t, tc, why);
		for (i = 0; i < 6; i++) {
			leaked |= repeats(&t, cc[i], why);
			leaked |= strstr(cc[i], "-45-") != NULL;
			free(cc[i]);
		}
		free(tc);
		assert_int_equal(leaked, allow);
	}
	mgen_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privacy__rules),
		cmocka_unit_test(test_privacy__offline_never_quotes_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
