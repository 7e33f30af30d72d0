/*
 * test_dataset.c - JSONL examples (the MIMIC-III demo gold comments when
 * present), FILE:LINE errors, unknown keys kept, and the split by table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metagen/buf.h"
#include "metagen/dataset.h"
#include "util/util.h"

#include "test_data.h"

static void test_dataset__reads_mimic_gold_comments(void **st)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	char gold[512];

	mimic_path(gold, sizeof(gold), "gold_comments.jsonl");
	if (access(gold, R_OK) != 0)
		fail_msg("dataset missing: %s (METAGEN_TEST_DATASETS)", gold);
	assert_int_equal(mgen_dataset_read(gold, &ds, &err), 0);
	assert_int_equal(ds.n, 26);
	assert_int_equal(mgen_dataset_column_count(&ds), 295);
	assert_string_equal(ds.items[0].table, "mimiciii.admissions");
	assert_int_equal(ds.items[0].line, 1);
	assert_string_equal(ds.items[0].table_comment,
			    "Hospital admissions associated with an ICU stay.");
	assert_string_equal(mgen_kvlist_get(&ds.items[0].columns, "HADM_ID"),
			    "Identifies the hospital stay.");
	assert_null(ds.items[0].extra);
	mgen_dataset_release(&ds);
}

static void test_dataset__keeps_unknown_keys_and_nulls(void **st)
{
	static const char text[] =
	    "\n"
	    "{\"table\": \"s.t\", \"profile\": {\"rows\": 1.0, \"x\": [1e3]},"
	    " \"columns\": {\"a\": \"A.\", \"b\": null, \"a\": \"A2.\"},"
	    " \"table_comment\": null, \"note\": \"é\"}\n"
	    "   \n"
	    "{\"table\": \"s.u\"}";
	mgen_dataset ds = MGEN_DATASET_INIT;

	(void)st;
	assert_int_equal(
	    mgen_dataset_parse(text, strlen(text), "x.jsonl", &ds, NULL), 0);
	assert_int_equal(ds.n, 2);
	assert_int_equal(ds.items[0].line, 2);
	assert_int_equal(ds.items[1].line, 4);
	assert_null(ds.items[0].table_comment);
	assert_string_equal(ds.items[0].extra,
			    "{\"profile\":{\"rows\":1.0,\"x\":[1e3]},"
			    "\"note\":\"é\"}");
	/* null = no gold; a duplicate key: the last one wins */
	assert_int_equal(ds.items[0].columns.n, 1);
	assert_string_equal(mgen_kvlist_get(&ds.items[0].columns, "a"), "A2.");
	assert_int_equal(ds.items[1].columns.n, 0);
	assert_null(ds.items[1].extra);
	mgen_dataset_release(&ds);
}

static void expect_error(const char *text, int code, const char *msg)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;

	assert_int_equal(
	    mgen_dataset_parse(text, strlen(text), "g.jsonl", &ds, &err), code);
	assert_string_equal(err.msg, msg);
	assert_int_equal(ds.n, 0);
	assert_null(ds.items);
}

static void test_dataset__bad_lines_name_file_and_line(void **st)
{
	(void)st;
	expect_error("{\"table\": \"a.b\"}\n{\"table\": \"a.c\",}\n",
		     MGEN_EPARSE,
		     "g.jsonl:2: invalid JSON at column 17: expected a string "
		     "key");
	expect_error("{\"table\": \"a.b\"}\n\n[1]\n", MGEN_EINVAL,
		     "g.jsonl:3: not a JSON object");
	expect_error("{\"table\": \"\"}", MGEN_EINVAL,
		     "g.jsonl:1: \"table\" is missing or not a non-empty "
		     "string");
	expect_error("{\"columns\": {}}", MGEN_EINVAL,
		     "g.jsonl:1: \"table\" is missing or not a non-empty "
		     "string");
	expect_error("{\"table\": \"t\", \"table_comment\": 3}", MGEN_EINVAL,
		     "g.jsonl:1: \"table_comment\" is not a string or null");
	expect_error("{\"table\": \"t\", \"columns\": [\"a\"]}", MGEN_EINVAL,
		     "g.jsonl:1: \"columns\" is not an object");
	expect_error("{\"table\": \"t\", \"columns\": {\"ok\": \"x\", "
		     "\"subject_id\": 5}}",
		     MGEN_EINVAL,
		     "g.jsonl:1: column 'subject_id': comment is not a string");
}

static void test_dataset__missing_file_is_eio(void **st)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	assert_int_equal(mgen_dataset_read("/nonexistent/x.jsonl", &ds, &err),
			 MGEN_EIO);
	assert_string_equal(err.msg, "/nonexistent/x.jsonl: cannot read");
}

/* 20 tables; "s.t3" appears on three lines, in two spellings. */
static void synthetic(mgen_dataset *ds)
{
	mgen_buf b = MGEN_BUF_INIT;
	int i;

	for (i = 0; i < 20; i++)
		mgen_buf_printf(&b,
				"{\"table\": \"s.t%d\", \"columns\": "
				"{\"c\": \"comment %d\"}}\n",
				i, i);
	mgen_buf_puts(&b, "{\"table\": \"S.T3\"}\n{\"table\": \"s.t3\"}\n");
	assert_int_equal(mgen_dataset_parse(b.data, b.len, "syn", ds, NULL), 0);
	mgen_buf_release(&b);
}

static int has_table(const mgen_dataset *ds, const char *t)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (mgen__strcasecmp(ds->items[i].table, t) == 0)
			return 1;
	return 0;
}

static void
test_dataset__split_by_table_is_deterministic_and_disjoint(void **st)
{
	mgen_dataset ds = MGEN_DATASET_INIT, tr = MGEN_DATASET_INIT,
		     dv = MGEN_DATASET_INIT, tr2 = MGEN_DATASET_INIT,
		     dv2 = MGEN_DATASET_INIT, tr3 = MGEN_DATASET_INIT,
		     dv3 = MGEN_DATASET_INIT;
	size_t i, ndev_tables = 0;
	int differs = 0;

	(void)st;
	synthetic(&ds);
	assert_int_equal(mgen_dataset_split(&ds, 42, 0.25, &tr, &dv, NULL), 0);
	assert_int_equal(tr.n + dv.n, ds.n);
	for (i = 0; i < dv.n; i++) {
		assert_false(has_table(&tr, dv.items[i].table));
		if (strcmp(dv.items[i].table, "s.t3") != 0 &&
		    strcmp(dv.items[i].table, "S.T3") != 0)
			ndev_tables++;
	}
	if (has_table(&dv, "s.t3"))
		ndev_tables++;
	assert_int_equal(ndev_tables, 5); /* round(0.25 * 20) */
	/* file order kept inside each part */
	for (i = 1; i < tr.n; i++)
		assert_true(tr.items[i - 1].line < tr.items[i].line);
	/* same seed, same split; another seed, another split */
	assert_int_equal(mgen_dataset_split(&ds, 42, 0.25, &tr2, &dv2, NULL),
			 0);
	assert_int_equal(dv2.n, dv.n);
	for (i = 0; i < dv.n; i++)
		assert_string_equal(dv2.items[i].table, dv.items[i].table);
	assert_int_equal(mgen_dataset_split(&ds, 7, 0.25, &tr3, &dv3, NULL), 0);
	for (i = 0; i < dv3.n; i++)
		if (!has_table(&dv, dv3.items[i].table))
			differs = 1;
	assert_true(differs);
	/* deep copies: the source can go */
	mgen_dataset_release(&ds);
	assert_true(tr.items[0].columns.n == 1);
	assert_true(mgen__startswith(mgen_kvlist_get(&tr.items[0].columns, "c"),
				     "comment "));
	assert_true(mgen__startswith(tr.items[0].table, "s.t"));
	mgen_dataset_release(&tr);
	mgen_dataset_release(&dv);
	mgen_dataset_release(&tr2);
	mgen_dataset_release(&dv2);
	mgen_dataset_release(&tr3);
	mgen_dataset_release(&dv3);
}

static void test_dataset__split_bounds(void **st)
{
	mgen_dataset ds = MGEN_DATASET_INIT, tr = MGEN_DATASET_INIT,
		     dv = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	synthetic(&ds);
	/* a tiny fraction still gives one dev table; 1.0 leaves one train */
	assert_int_equal(mgen_dataset_split(&ds, 1, 0.001, &tr, &dv, NULL), 0);
	assert_true(dv.n >= 1 && dv.n <= 3);
	mgen_dataset_release(&tr);
	mgen_dataset_release(&dv);
	assert_int_equal(mgen_dataset_split(&ds, 1, 1.0, &tr, &dv, NULL), 0);
	assert_true(tr.n >= 1 && tr.n <= 3);
	mgen_dataset_release(&tr);
	mgen_dataset_release(&dv);
	assert_int_equal(mgen_dataset_split(&ds, 1, 0.0, &tr, &dv, NULL), 0);
	assert_int_equal(dv.n, 0);
	assert_int_equal(tr.n, ds.n);
	mgen_dataset_release(&tr);
	assert_int_equal(mgen_dataset_split(&ds, 1, 1.5, &tr, &dv, &err),
			 MGEN_EINVAL);
	assert_string_equal(err.msg, "dev fraction 1.5 is outside [0, 1]");
	mgen_dataset_release(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dataset__reads_mimic_gold_comments),
	    cmocka_unit_test(test_dataset__keeps_unknown_keys_and_nulls),
	    cmocka_unit_test(test_dataset__bad_lines_name_file_and_line),
	    cmocka_unit_test(test_dataset__missing_file_is_eio),
	    cmocka_unit_test(
		test_dataset__split_by_table_is_deterministic_and_disjoint),
	    cmocka_unit_test(test_dataset__split_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
