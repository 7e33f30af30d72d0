/*
 * test_offline.c - the offline describer (src/comment/offline.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/answer.h"
#include "util/util.h"

/* Adds a column with statistics (-1 = unknown, NULL = not computed). */
static mgen_column *col(mgen_table *t, const char *name, const char *type,
			long long nn, long long dc, const char *mn,
			const char *mx)
{
	mgen_column *c = NULL;

	assert_int_equal(mgen_table_add_column(t, &c), 0);
	c->name = mgen__strdup(name);
	c->data_type = mgen__strdup(type);
	c->ordinal = (int)t->column_count;
	c->non_null_count = nn;
	c->distinct_count = dc;
	c->min_value = mgen__strdup(mn);
	c->max_value = mgen__strdup(mx);
	return c;
}

/* The MIMIC-III admissions shape, profiled (129 rows). */
static void admissions(mgen_table *t)
{
	memset(t, 0, sizeof(*t));
	t->name = mgen__strdup("admissions");
	t->profiled = 1;
	t->row_count = 129;
	col(t, "hadm_id", "INT", 129, 129, "100375", "199395");
	col(t, "ICUStayID", "integer", 129, 120, "200001", "299999");
	col(t, "admittime", "timestamp(0)", 129, 129, "2100-06-07 10:00:00",
	    "2210-08-21 12:00:00");
	col(t, "deathtime", "timestamp(0)", 49, 40, "2105-06-11", "2192-05-15");
	col(t, "is_active", "boolean", 129, 2, "false", "true");
	col(t, "hospital_expire_flag", "smallint", 129, 2, "0", "1");
	col(t, "marital_status", "varchar(50)", 113, 6, "DIVORCED", "WIDOWED")
	    ->avg_length = 7.4;
	col(t, "patientName", "text", 129, 100, "Alice Secret", "Zed Secret");
	col(t, "dt", "DATE", 0, 0, NULL, NULL);
}

static mgen_kvlist abbrev(void)
{
	mgen_kvlist l = {NULL, 0, 0};

	assert_int_equal(mgen_kvlist_add(&l, "HADM", "hospital admission"), 0);
	assert_int_equal(mgen_kvlist_add(&l, "icu", "ICU"), 0);
	return l;
}

typedef struct described {
	char *table;
	char **cols;
	size_t n;
} described;

static described describe(const mgen_table *t, const mgen_kvlist *ab,
			  int allow_data)
{
	described d;

	d.n = t->column_count;
	d.cols = calloc(d.n, sizeof(char *));
	assert_non_null(d.cols);
	assert_int_equal(
	    mgen_offline_describe(t, ab, allow_data, &d.table, d.cols), 0);
	return d;
}

static void described_free(described *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->cols[i]);
	free(d->cols);
	free(d->table);
}

static void test_offline__names_and_abbreviations(void **state)
{
	mgen_table t;
	mgen_kvlist ab = abbrev();
	described d;

	(void)state;
	admissions(&t);
	d = describe(&t, &ab, 1);
	assert_string_equal(d.cols[0], "Hospital admission identifier. "
				       "Integer; 129 distinct values in 129 "
				       "rows, never null, ranges from 100375 "
				       "to 199395.");
	assert_true(mgen__startswith(d.cols[1], "ICU stay identifier. "));
	assert_true(mgen__startswith(d.cols[2], "Date and time of admit. "
						"Timestamp;"));
	assert_true(mgen__startswith(d.cols[4], "Flag: is active. Boolean;"));
	assert_true(mgen__startswith(d.cols[5], "Flag: hospital expire. "));
	assert_true(mgen__startswith(d.cols[6], "Marital status. Text;"));
	assert_true(mgen__startswith(d.cols[7], "Patient name. Text;"));
	described_free(&d);
	mgen_table_release(&t);
	mgen_kvlist_release(&ab);
}

static void test_offline__stats_phrasing(void **state)
{
	mgen_table t;
	described d;

	(void)state;
	admissions(&t);
	d = describe(&t, NULL, 1);
	/* without the caller's list "hadm" stays as written */
	assert_true(mgen__startswith(d.cols[0], "Hadm identifier. "));
	assert_non_null(strstr(d.cols[2], "ranges from 2100-06-07 10:00:00 "
					  "to 2210-08-21 12:00:00"));
	assert_non_null(strstr(d.cols[3], "40 distinct values in 129 rows, "
					  "62% null"));
	assert_non_null(strstr(d.cols[6], "12% null, average length 7 "
					  "characters"));
	assert_string_equal(d.cols[8], "Date. Date; 0 distinct values in 129 "
				       "rows, always null.");
	assert_string_equal(d.table, "Admissions table with 129 rows and 9 "
				     "columns: hadm identifier, ICU stay "
				     "identifier, admit time, death time, and "
				     "5 more.");
	described_free(&d);
	mgen_table_release(&t);
}

static void test_offline__no_data_without_allow_data(void **state)
{
	mgen_table t;
	described d;
	size_t i;

	(void)state;
	admissions(&t);
	d = describe(&t, NULL, 0);
	for (i = 0; i < d.n; i++) {
		assert_null(strstr(d.cols[i], "ranges"));
		assert_null(strstr(d.cols[i], t.columns[i].min_value
						  ? t.columns[i].min_value
						  : "\x01"));
		assert_null(strstr(d.cols[i], "Secret"));
		assert_null(strstr(d.cols[i], "2210"));
	}
	assert_null(strstr(d.table, "Secret"));
	described_free(&d);
	mgen_table_release(&t);
}

static void test_offline__deterministic(void **state)
{
	mgen_table t;
	mgen_kvlist ab = abbrev();
	described a, b;
	size_t i;

	(void)state;
	admissions(&t);
	a = describe(&t, &ab, 1);
	b = describe(&t, &ab, 1);
	assert_string_equal(a.table, b.table);
	for (i = 0; i < a.n; i++)
		assert_string_equal(a.cols[i], b.cols[i]);
	described_free(&a);
	described_free(&b);
	mgen_table_release(&t);
	mgen_kvlist_release(&ab);
}

/* Checks one line, valid UTF-8 by construction, < 300 bytes, non-empty. */
static void assert_clean(const char *s)
{
	size_t i;

	assert_non_null(s);
	assert_true(strlen(s) > 0 && strlen(s) < 300);
	for (i = 0; s[i]; i++)
		assert_true((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void test_offline__unknown_stats_and_odd_names(void **state)
{
	mgen_table t;
	mgen_column *c;
	described d;
	char longname[400];
	size_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = mgen__strdup("x");
	t.row_count = -1; /* not profiled */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	col(&t, "___", NULL, -1, -1, NULL, NULL);
	col(&t, longname, "varchar", -1, -1, NULL, NULL);
	col(&t, "note\ntext\xff", "", -1, -1, NULL, NULL);
	col(&t, "created_at", "TIMESTAMP WITH TIME ZONE", -1, -1, NULL, NULL);
	c = col(&t, "caf\xc3\xa9_nm", "geometry", -1, -1, "a\nb", "c");
	c->avg_length = 3;
	d = describe(&t, NULL, 1);
	for (i = 0; i < d.n; i++)
		assert_clean(d.cols[i]);
	assert_clean(d.table);
	assert_string_equal(d.cols[0], "Column 1.");
	assert_string_equal(d.cols[2], "Note text?.");
	assert_string_equal(d.cols[3], "Date and time of created. Timestamp.");
	assert_string_equal(d.cols[4], "Caf\xc3\xa9 name.");
	/* a word is cut at 47 bytes; "___" has no words and is skipped */
	longname[47] = 0;
	assert_true(mgen__startswith(d.table, "X table with 5 columns: "));
	assert_true(mgen__startswith(d.table + 24, longname));
	assert_string_equal(d.table + 24 + 47, ", note text?, created at, "
					       "caf\xc3\xa9 name, and 1 more.");
	described_free(&d);
	mgen_table_release(&t);
}

static void test_offline__long_values_capped(void **state)
{
	mgen_table t;
	described d;
	char big[500];

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = mgen__strdup("notes");
	t.profiled = 1;
	t.row_count = 10;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	col(&t, big, "text", 10, 10, big, big);
	col(&t, "body", "text", 10, 10, "a", big);
	d = describe(&t, NULL, 1);
	assert_clean(d.cols[0]);
	assert_clean(d.cols[1]);
	assert_clean(d.table);
	assert_non_null(strstr(d.cols[1], "ranges from a to zzz"));
	assert_non_null(strstr(d.cols[1], "z..."));
	described_free(&d);
	mgen_table_release(&t);
}

/* An approximate distinct count (HLL) is not printed as a fact, and two
 * approximate values do not make a flag. */
static void test_offline__approximate_distinct(void **state)
{
	mgen_table t;
	described d;

	(void)state;
	admissions(&t);
	col(&t, "grade", "integer", 129, 2, "1", "2");
	d = describe(&t, NULL, 1);
	assert_true(mgen__startswith(d.cols[9], "Flag"));
	described_free(&d);
	t.columns[3].distinct_approx = 1;
	t.columns[9].distinct_approx = 1;
	d = describe(&t, NULL, 1);
	assert_non_null(strstr(d.cols[3], "about 40 distinct values in 129 "
					  "rows"));
	assert_non_null(strstr(d.cols[2], "; 129 distinct values"));
	assert_false(mgen__startswith(d.cols[9], "Flag"));
	described_free(&d);
	mgen_table_release(&t);
}

/* A bit string is not a flag (PostgreSQL bit(n), bit varying; MySQL
 * BIT(n) with n > 1); bit and bit(1) are. A view, a materialized view
 * and a partitioned table are called what they are, not "table". An
 * empty or blank minimum is named, not printed as nothing. */
static void test_offline__bit_strings_and_object_kinds(void **state)
{
	static const struct {
		mgen_object_kind kind;
		const char *start;
	} kinds[] = {
	    {MGEN_OBJECT_TABLE, "Rates table with"},
	    {MGEN_OBJECT_VIEW, "Rates view with"},
	    {MGEN_OBJECT_MATERIALIZED_VIEW, "Rates materialized view with"},
	    {MGEN_OBJECT_FOREIGN_TABLE, "Rates foreign table with"},
	    {MGEN_OBJECT_STREAMING_TABLE, "Rates streaming table with"},
	    {MGEN_OBJECT_PARTITIONED_TABLE, "Rates partitioned table with"},
	};
	mgen_table t;
	described d;
	size_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.name = mgen__strdup("rates");
	t.row_count = -1;
	col(&t, "mask", "BIT(12)", -1, -1, NULL, NULL);
	col(&t, "bits", "bit varying(8)", -1, -1, NULL, NULL);
	col(&t, "wide", "bit ( 64 )", -1, -1, NULL, NULL);
	col(&t, "on", "bit", -1, -1, NULL, NULL);
	col(&t, "one", "BIT(1)", -1, -1, NULL, NULL);
	t.profiled = 1;
	t.row_count = 4;
	col(&t, "tags", "set('','d','e')", 4, 3, "", "d,e");
	col(&t, "pad", "char(3)", 4, 2, "   ", " x ");
	d = describe(&t, NULL, 1);
	assert_non_null(strstr(d.cols[5], "ranges from a blank value to d,e"));
	assert_non_null(strstr(d.cols[6], "ranges from a blank value to x"));
	for (i = 0; i < 3; i++) {
		assert_false(mgen__startswith(d.cols[i], "Flag"));
		assert_non_null(strstr(d.cols[i], "Bit string"));
	}
	assert_true(mgen__startswith(d.cols[3], "Flag"));
	assert_true(mgen__startswith(d.cols[4], "Flag"));
	described_free(&d);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		t.kind = kinds[i].kind;
		t.profiled = 0;
		d = describe(&t, NULL, 1);
		assert_true(mgen__startswith(d.table, kinds[i].start));
		described_free(&d);
	}
	mgen_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_offline__names_and_abbreviations),
	    cmocka_unit_test(test_offline__stats_phrasing),
	    cmocka_unit_test(test_offline__approximate_distinct),
	    cmocka_unit_test(test_offline__no_data_without_allow_data),
	    cmocka_unit_test(test_offline__deterministic),
	    cmocka_unit_test(test_offline__unknown_stats_and_odd_names),
	    cmocka_unit_test(test_offline__long_values_capped),
	    cmocka_unit_test(test_offline__bit_strings_and_object_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
