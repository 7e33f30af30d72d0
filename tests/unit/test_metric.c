/*
 * test_metric.c - token F1 and ROUGE-L on hand-computed pairs, SQuAD
 * normalisation, the per-table comment metric (gate, columns without
 * gold, table comment) and Evaluate's rounding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "metagen/metric.h"

#define EPS 1e-12

static double f1(const char *g, const char *p)
{
	double v = -1;

	assert_int_equal(mgen_metric_token_f1(g, p, &v), 0);
	return v;
}

static double rl(const char *g, const char *p)
{
	double v = -1;

	assert_int_equal(mgen_metric_rouge_l(g, p, &v), 0);
	return v;
}

static void test_metric__identical_and_disjoint(void **st)
{
	(void)st;
	assert_float_equal(
	    f1("Unique row identifier.", "Unique row identifier."), 1.0, EPS);
	assert_float_equal(
	    rl("Unique row identifier.", "Unique row identifier."), 1.0, EPS);
	assert_float_equal(f1("Time of death.", "Patient gender"), 0.0, EPS);
	assert_float_equal(rl("Time of death.", "Patient gender"), 0.0, EPS);
	/* SQuAD v2 edge cases */
	assert_float_equal(f1("", NULL), 1.0, EPS);
	assert_float_equal(f1("The.", ""), 1.0, EPS);
	assert_float_equal(f1("Time", ""), 0.0, EPS);
	assert_float_equal(rl("", "Time"), 0.0, EPS);
}

static void test_metric__token_f1_partial(void **st)
{
	(void)st;
	/* gold [time of admission to hospital], pred [hospital admission
	 * time]: 3 shared, P = 3/3, R = 3/5, F1 = 2*1*0.6/1.6 = 0.75 */
	assert_float_equal(
	    f1("Time of admission to the hospital.", "Hospital admission time"),
	    0.75, EPS);
	/* multiset: gold has "cat" twice, pred three times -> 2 shared,
	 * P = R = 2/3 */
	assert_float_equal(f1("the cat the cat sat", "cat cat cat"), 2.0 / 3.0,
			   EPS);
	/* order does not matter to F1 */
	assert_float_equal(
	    f1("Unique row identifier.", "Row identifier, unique"), 1.0, EPS);
}

static void test_metric__rouge_l_partial(void **st)
{
	(void)st;
	/* same pair as F1: LCS = 1 (one word in order); P = 1/3, R = 1/5,
	 * F = 2PR/(P+R) = (2/15)/(8/15) = 0.25 */
	assert_float_equal(
	    rl("Time of admission to the hospital.", "Hospital admission time"),
	    0.25, EPS);
	/* [unique row identifier] vs [row identifier unique]: LCS 2 */
	assert_float_equal(
	    rl("Unique row identifier.", "Row identifier, unique"), 2.0 / 3.0,
	    EPS);
	/* gold [a b c d] vs pred [a x c d y]: LCS 3, P = 3/5, R = 3/4 */
	assert_float_equal(rl("w1 w2 w3 w4", "w1 x w3 w4 y"),
			   2 * 0.6 * 0.75 / 1.35, EPS);
}

static void test_metric__normalisation(void **st)
{
	(void)st;
	/* case */
	assert_float_equal(f1("HOSPITAL Stay", "hospital stay"), 1.0, EPS);
	/* punctuation removed (not split): patient's -> patients */
	assert_float_equal(f1("The patient's ID!", "patients id"), 1.0, EPS);
	assert_float_equal(
	    f1("ICU (intensive-care) unit.", "icu intensivecare unit"), 1.0,
	    EPS);
	/* articles a/an/the dropped, but not inside words */
	assert_float_equal(f1("An apple a day", "apple day"), 1.0, EPS);
	assert_float_equal(f1("theme", "the me"), 0.0, EPS);
	/* whitespace of any kind */
	assert_float_equal(rl("row\t id\n", "  row id "), 1.0, EPS);
	/* non-ASCII kept as is */
	assert_float_equal(f1("Année", "année"), 1.0, EPS);
}

static const mgen_metric_item GOLD_COLS[] = {
    {"row_id", "Unique row identifier."},
    {"hadm_id", "Identifies the hospital stay."},
    {"edregtime", NULL}, /* no gold */
};
static const char *const ASKED[] = {"row_id", "hadm_id", "edregtime"};

static double comment(const mgen_metric_gold *g, const mgen_metric_pred *p)
{
	double v = -1;

	assert_int_equal(mgen_metric_comment(g, p, MGEN_SIM_TOKEN_F1, &v), 0);
	return v;
}

static void test_metric__comment_metric(void **st)
{
	mgen_metric_item pc[] = {
	    {"ROW_ID", "Unique row identifier."},
	    {"hadm_id", "Hospital stay identifier"},
	    {"EdRegTime", "Time of ED registration."},
	};
	mgen_metric_gold g = {"Hospital admissions.", GOLD_COLS, 3, ASKED, 3};
	mgen_metric_pred p = {1, "Hospital admissions.", pc, 3};
	double with_tc;

	(void)st;
	/* items: table 1, row_id 1, hadm_id 2/3 (hospital, stay shared of
	 * 3 and 3 tokens); edregtime has no gold and is left out */
	with_tc = comment(&g, &p);
	assert_float_equal(with_tc, (1.0 + 1.0 + 2.0 / 3.0) / 3.0, EPS);
	pc[2].comment = "Completely unrelated words";
	assert_float_equal(comment(&g, &p), with_tc, EPS);
	/* the table comment counts as one more item */
	p.table_comment = "Something else";
	assert_float_equal(comment(&g, &p), (0.0 + 1.0 + 2.0 / 3.0) / 3.0, EPS);
	g.table_comment = NULL;
	assert_float_equal(comment(&g, &p), (1.0 + 2.0 / 3.0) / 2.0, EPS);
	/* ROUGE-L as the similarity: hadm_id LCS 2 of 3/3 -> 2/3 as well;
	 * row_id 1 */
	{
		double v;

		assert_int_equal(
		    mgen_metric_comment(&g, &p, MGEN_SIM_ROUGE_L, &v), 0);
		assert_float_equal(v, (1.0 + 2.0 / 3.0) / 2.0, EPS);
	}
}

static void test_metric__comment_gate(void **st)
{
	mgen_metric_item pc[] = {
	    {"row_id", "Unique row identifier."},
	    {"hadm_id", "Identifies the hospital stay."},
	    {"edregtime", "Registration time."},
	};
	mgen_metric_gold g = {"Hospital admissions.", GOLD_COLS, 3, ASKED, 3};
	mgen_metric_pred p = {1, "Hospital admissions.", pc, 3};

	(void)st;
	assert_float_equal(comment(&g, &p), 1.0, EPS);
	/* did not parse */
	p.valid = 0;
	assert_float_equal(comment(&g, &p), 0.0, EPS);
	p.valid = 1;
	/* an asked column (even one without gold) is missing */
	p.column_count = 2;
	assert_float_equal(comment(&g, &p), 0.0, EPS);
	p.column_count = 3;
	pc[0].comment = NULL;
	assert_float_equal(comment(&g, &p), 0.0, EPS);
	/* asked = NULL: exactly the listed gold columns are asked */
	pc[0].comment = "Unique row identifier.";
	g.asked = NULL;
	p.column_count = 2;
	assert_float_equal(comment(&g, &p), 0.0, EPS); /* edregtime listed */
	g.column_count = 2;
	assert_float_equal(comment(&g, &p), 1.0, EPS);
	/* nothing to grade scores 0 */
	g.table_comment = "";
	g.column_count = 0;
	assert_float_equal(comment(&g, &p), 0.0, EPS);
}

static void test_metric__evaluate_rounding(void **st)
{
	double s3[] = {1.0, 0.0, 1.0};
	double *many = calloc(800, sizeof(double));
	int i;

	(void)st;
	assert_non_null(many);
	assert_float_equal(mgen_metric_evaluate_score(s3, 3), 66.67, EPS);
	assert_float_equal(mgen_metric_evaluate_score(s3 + 1, 1), 0.0, EPS);
	assert_float_equal(mgen_metric_evaluate_score(s3, 0), 0.0, EPS);
	/* 100 * 97 / 800 = 12.125 exactly: Python's round() gives 12.12
	 * (tie to even), not 12.13 */
	for (i = 0; i < 97; i++)
		many[i] = 1.0;
	assert_true(mgen_metric_evaluate_score(many, 800) == 12.12);
	many[97] = 0.5; /* 97.5 / 800 * 100 = 12.1875 -> 12.19 */
	assert_true(mgen_metric_evaluate_score(many, 800) == 12.19);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_metric__identical_and_disjoint),
	    cmocka_unit_test(test_metric__token_f1_partial),
	    cmocka_unit_test(test_metric__rouge_l_partial),
	    cmocka_unit_test(test_metric__normalisation),
	    cmocka_unit_test(test_metric__comment_metric),
	    cmocka_unit_test(test_metric__comment_gate),
	    cmocka_unit_test(test_metric__evaluate_rounding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
