/*
 * test_profile_rows.c - mgen_profile_rows: a table's statistics and
 * sample from rows a client handed over (the comment records of POST
 * /invocations): counts, exact distinct counts, numeric versus bytewise
 * min/max, average length in code points, the sample rules of
 * mgen_wh_profile (cut cells, mostly-NULL rows last, sample_size, nothing
 * without allow_data), an empty table and a column of NULLs only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/warehouse.h"

/* A table of `n` columns named c0, c1, ... */
static void make_table(mgen_table *t, size_t n)
{
	size_t i;
	mgen_column *c;
	char name[8];

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		assert_int_equal(mgen_table_add_column(t, &c), 0);
		snprintf(name, sizeof(name), "c%zu", i);
		c->name = strdup(name);
		c->ordinal = (int)i + 1;
	}
}

/* A heap copy of `n` cells (NULL stays NULL). */
static char **cells_of(const char *const *v, size_t n)
{
	char **c = calloc(n, sizeof(*c));
	size_t i;

	assert_non_null(c);
	for (i = 0; i < n; i++)
		c[i] = v[i] ? strdup(v[i]) : NULL;
	return c;
}

static void free_cells(char **c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i]);
	free(c);
}

static void test_profile_rows__statistics(void **state)
{
	/* numbers whose text order differs from their value order; text
	 * with a two-byte letter; a mostly-NULL row */
	static const char *const v[] = {
	    "80.25", "Oncology", NULL,	     "0.1", "Neurologie \xc3\xa9tage",
	    "x",     "1200.5",	 "Oncology", "y",   NULL,
	    NULL,    NULL};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	unsigned char numeric[3] = {1, 0, 0};
	mgen_table t;
	char **c = cells_of(v, 12);

	(void)state;
	make_table(&t, 3);
	assert_int_equal(mgen_profile_rows(&t, c, 4, numeric, &o), 0);
	assert_true(t.profiled);
	assert_int_equal(t.row_count, 4);
	assert_int_equal(t.columns[0].non_null_count, 3);
	assert_int_equal(t.columns[0].distinct_count, 3);
	assert_string_equal(t.columns[0].min_value, "0.1");
	assert_string_equal(t.columns[0].max_value, "1200.5"); /* by value */
	assert_true(t.columns[0].avg_length < 0);	       /* numeric */
	assert_int_equal(t.columns[1].non_null_count, 3);
	assert_int_equal(t.columns[1].distinct_count, 2);
	assert_string_equal(t.columns[1].min_value, "Neurologie \xc3\xa9tage");
	assert_string_equal(t.columns[1].max_value, "Oncology");
	/* (8 + 16 + 8) / 3 code points, not bytes */
	assert_true(t.columns[1].avg_length > 10.66 &&
		    t.columns[1].avg_length < 10.67);
	assert_int_equal(t.columns[2].non_null_count, 2);
	assert_string_equal(t.columns[2].max_value, "y");
	/* the sample: the mostly-NULL row last, cells moved out */
	assert_int_equal(t.sample_row_count, 4);
	assert_string_equal(t.sample[0], "80.25");
	assert_null(t.sample[9]);
	assert_null(c[0]);
	free_cells(c, 12);
	mgen_table_release(&t);
}

static void test_profile_rows__sample_rules(void **state)
{
	static const char *const v[] = {NULL,  "a b c d e", "p", NULL,
					"q r", "s",	    "t", "u"};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table t;
	char **c = cells_of(v, 8);

	(void)state;
	o.sample_size = 2;
	o.word_limit_per_cell = 2;
	make_table(&t, 2);
	assert_int_equal(mgen_profile_rows(&t, c, 4, NULL, &o), 0);
	/* rows 0 and 1 are half NULL: rows 2 and 3 come first */
	assert_int_equal(t.sample_row_count, 2);
	assert_string_equal(t.sample[0], "q r");
	assert_string_equal(t.sample[2], "t");
	/* the statistics saw the whole values; min/max are cut */
	assert_int_equal(t.columns[0].non_null_count, 3);
	assert_int_equal(t.columns[1].non_null_count, 3);
	assert_string_equal(t.columns[1].min_value, "a b...");
	free_cells(c, 8);
	mgen_table_release(&t);

	/* no data allowed: counts only, no sample, no min/max */
	c = cells_of(v, 8);
	o.allow_data = 0;
	make_table(&t, 2);
	assert_int_equal(mgen_profile_rows(&t, c, 4, NULL, &o), 0);
	assert_int_equal(t.sample_row_count, 0);
	assert_null(t.sample);
	assert_null(t.columns[0].min_value);
	assert_int_equal(t.columns[1].distinct_count, 3);
	free_cells(c, 8);
	mgen_table_release(&t);
}

static void test_profile_rows__empty_and_null_columns(void **state)
{
	static const char *const v[] = {NULL, "1", NULL, "2"};
	mgen_profile_options o = MGEN_PROFILE_OPTIONS_INIT;
	mgen_table t;
	char **c = cells_of(v, 4);

	(void)state;
	make_table(&t, 2);
	assert_int_equal(mgen_profile_rows(&t, NULL, 0, NULL, &o), 0);
	assert_int_equal(t.row_count, 0);
	assert_int_equal(t.columns[0].non_null_count, 0);
	assert_int_equal(t.columns[0].distinct_count, 0);
	assert_null(t.sample);
	mgen_table_release(&t);

	make_table(&t, 2);
	assert_int_equal(mgen_profile_rows(&t, c, 2, NULL, &o), 0);
	assert_int_equal(t.columns[0].non_null_count, 0);
	assert_null(t.columns[0].min_value);
	assert_true(t.columns[0].avg_length < 0);
	assert_int_equal(t.columns[1].distinct_count, 2);
	free_cells(c, 4);
	mgen_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_profile_rows__statistics),
	    cmocka_unit_test(test_profile_rows__sample_rules),
	    cmocka_unit_test(test_profile_rows__empty_and_null_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
