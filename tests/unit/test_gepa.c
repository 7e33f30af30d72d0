/*
 * test_gepa.c - GEPA (src/dspy/opt_gepa.c): the Pareto frontier and the
 * parent selection on hand-made score tables, the instruction taken out
 * of a reflection answer (hostile shapes too), the budget plan against
 * DSPy's auto_budget figures, and whole compiles against
 * tests/server/fake_llm.py on a toy "question -> answer" task whose
 * scripted server answers right ONLY when the instruction carries a
 * marker, and proposes that marker ONLY when the reflection prompt
 * carries the feedback: the compiled program must score strictly higher
 * than zero-shot, and the LM calls made must stay within the plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dspy/gepa_internal.h"
#include "metagen/buf.h"
#include "metagen/optimize.h"
#include "metagen/train.h"
#include "util/json.h"
#include "util/text.h"
#include "util/util.h"

#define FAKE_SERVER_TAG "gepa"
#include "fake_server.h"
#include "opt_toy.h"

/* ---------------------------------------------------------------- */
/* frontier and selection                                           */
/* ---------------------------------------------------------------- */

static void freq_of(const double *scores, size_t nc, size_t nv, size_t *f)
{
	assert_int_equal(mgen__gepa_front_freq(scores, nc, nv, f), 0);
}

static void test_gepa__front_each_best_counts(void **state)
{
	/* A best on 0 and 1, B best on 2, C best nowhere, D ties A on 1 */
	static const double s[] = {1.0, 0.9, 0.1,  /* A */
				   0.2, 0.3, 0.8,  /* B */
				   0.5, 0.5, 0.5,  /* C */
				   0.0, 0.9, 0.0}; /* D */
	size_t f[4];

	(void)state;
	freq_of(s, 4, 3, f);
	/* D is on example 1's front only, where A is too: dominated */
	assert_int_equal(f[0], 2);
	assert_int_equal(f[1], 1);
	assert_int_equal(f[2], 0);
	assert_int_equal(f[3], 0);
}

static void test_gepa__front_removes_lowest_total_first(void **state)
{
	/* A and C are equal everywhere: the one removed first is the one
	 * with the lower total (A), then C alone holds example 0 */
	static const double s[] = {1.0, 0.0, 0.0,  /* A total 1 */
				   0.0, 1.0, 0.0,  /* B */
				   1.0, 0.0, 0.5}; /* C total 1.5 */
	static const double same[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
	size_t f[3];

	(void)state;
	freq_of(s, 3, 3, f);
	assert_int_equal(f[0], 0);
	assert_int_equal(f[1], 1);
	assert_int_equal(f[2], 2);
	/* all equal: ties by index, lowest removed first, the last stays */
	freq_of(same, 3, 2, f);
	assert_int_equal(f[0], 0);
	assert_int_equal(f[1], 0);
	assert_int_equal(f[2], 2);
}

static void test_gepa__front_degenerate(void **state)
{
	static const double one[] = {0.0, 0.0};
	size_t f[2] = {7, 7};

	(void)state;
	/* no examples: nobody is on a front */
	freq_of(one, 2, 0, f);
	assert_int_equal(f[0] + f[1], 0);
	/* one candidate scoring 0 everywhere is still the frontier */
	freq_of(one, 1, 2, f);
	assert_int_equal(f[0], 2);
}

static void test_gepa__select_follows_frequency(void **state)
{
	size_t f[3] = {0, 3, 1}, zero[2] = {0, 0}, hits[3] = {0, 0, 0}, i;
	opt_rng r = {42}, r2 = {42};

	(void)state;
	for (i = 0; i < 4000; i++)
		hits[mgen__gepa_select(f, 3, &r)]++;
	assert_int_equal(hits[0], 0);
	/* 3:1 within a generous margin */
	assert_true(hits[1] > 2700 && hits[1] < 3300);
	assert_int_equal(hits[1] + hits[2], 4000);
	/* the same seed draws the same parents */
	r.s = 42;
	for (i = 0; i < 50; i++)
		assert_int_equal(mgen__gepa_select(f, 3, &r),
				 mgen__gepa_select(f, 3, &r2));
	assert_int_equal(mgen__gepa_select(zero, 2, &r), 0);
}

/* ---------------------------------------------------------------- */
/* the reflection answer                                            */
/* ---------------------------------------------------------------- */

static void extract_is(const char *answer, size_t cap, const char *want)
{
	char *out = (char *)1;

	assert_int_equal(mgen__gepa_extract(answer, cap, &out), 0);
	if (want == NULL) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_gepa__extract_instruction(void **state)
{
	(void)state;
	extract_is("Sure!\n```text\n  Do X.\nThen Y.\n```\nBye", 100,
		   "Do X.\nThen Y.");
	extract_is("```\nA\n```\n```\nB\n```", 100, "A\n```\n```\nB");
	extract_is("no fences at all\n", 100, "no fences at all");
	extract_is("```\nunclosed instruction", 100, "unclosed instruction");
	extract_is("```\n   \n```", 100, NULL);
	extract_is("```", 100, NULL);
	extract_is("", 100, NULL);
	extract_is(NULL, 100, NULL);
	extract_is("```\n0123456789\n```", 9, NULL);
	extract_is("```\n0123456789\n```", 10, "0123456789");
}

/* ---------------------------------------------------------------- */
/* budget                                                           */
/* ---------------------------------------------------------------- */

static void test_gepa__plan_matches_dspy_auto_budget(void **state)
{
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_gepa_plan p;

	(void)state;
	/* DSPy's auto_budget(1 predictor, n, V): light 4V + 380 */
	mgen_gepa_plan_for(20, 5, &o, &p);
	assert_true(p.metric_calls == 4 * 5 + 380);
	assert_int_equal(p.minibatch, 3);
	assert_true(p.iterations == (400 - 10 - 3) / 3);
	assert_true(p.lm_calls == 2 * 400 + p.iterations);
	assert_true(mgen_optimize_estimate(MGEN_OPT_GEPA, 20, 5, &o) ==
		    p.lm_calls);
	o.mipro_auto = MGEN_MIPRO_MEDIUM;
	mgen_gepa_plan_for(20, 10, &o, &p);
	assert_true(p.metric_calls == 5 * 10 + 690);
	o.mipro_auto = MGEN_MIPRO_HEAVY;
	mgen_gepa_plan_for(20, 10, &o, &p);
	assert_true(p.metric_calls == 7 * 10 + 1035);
	/* an explicit budget wins; one call per prediction without the
	 * JSON fallback */
	o.max_metric_calls = 30;
	o.no_json_fallback = 1;
	o.reflection_minibatch_size = 4;
	mgen_gepa_plan_for(20, 5, &o, &p);
	assert_true(p.metric_calls == 30);
	assert_int_equal(p.minibatch, 4);
	assert_true(p.iterations == (30 - 10 - 4) / 4);
	assert_true(p.lm_calls == 30 + 4);
	/* the minibatch never exceeds the trainset, nor 64 */
	mgen_gepa_plan_for(2, 5, &o, &p);
	assert_int_equal(p.minibatch, 2);
	o.reflection_minibatch_size = 1000;
	mgen_gepa_plan_for(5000, 5, &o, &p);
	assert_int_equal(p.minibatch, 64);
	/* too small for one iteration (2V + 2mb): none */
	o.reflection_minibatch_size = 3;
	o.max_metric_calls = 2 * 5 + 2 * 3 - 1;
	mgen_gepa_plan_for(20, 5, &o, &p);
	assert_true(p.iterations == 0);
	o.max_metric_calls++;
	mgen_gepa_plan_for(20, 5, &o, &p);
	assert_true(p.iterations == 1);
}

/* ---------------------------------------------------------------- */
/* compiles against the test server                                 */
/* ---------------------------------------------------------------- */

#define GOOD "[[ ## answer ## ]]\\nblue\\n\\n[[ ## completed ## ]]"
#define BAD "[[ ## answer ## ]]\\nred\\n\\n[[ ## completed ## ]]"
#define REFLECT_MARK "An assistant was given this instruction"
#define LEARNED "Answer with the colour of the sky. SKYMARK"

/* The reflection proposes the marker only when it reads the feedback
 * ("expected blue"); the task is answered right only with the marker. */
static const char LEARN_SCRIPT[] =
    "{\"rules\": ["
    "{\"when_all\": [\"" REFLECT_MARK "\", \"expected blue\"], "
    "\"content\": \"Here it is:\\n```\\n" LEARNED "\\n```\"},"
    "{\"when_all\": [\"" REFLECT_MARK "\"], \"content\": "
    "\"```\\nAnswer the question.\\n```\"},"
    "{\"when_all\": [\"SKYMARK\"], \"content\": \"" GOOD "\"},"
    "{\"content\": \"" BAD "\"}]}";

/* Feedback naming the gold answer; counts its calls in *ud. */
static int says_expected(void *ud, const mgen_example *ex,
			 const mgen_example *pred, char **out)
{
	char text[128];

	(*(int *)ud)++;
	snprintf(text, sizeof(text), "expected %s, the answer said %s",
		 mgen_example_get_str(ex, "answer"),
		 mgen_example_get_str(pred, "answer"));
	*out = mgen__strdup(text);
	return *out ? 0 : MGEN_ENOMEM;
}

typedef struct run {
	mgen_program *prog;
	mgen_optimize_result res;
	int requests, reflections;
} run;

/* One GEPA compile of 6 train / 4 dev toy examples on server `s`. */
static int compile(srv *s, const mgen_optimize_options *o, run *out)
{
	mgen_signature *sig = toy_sig();
	mgen_example **train = toy_set("Q", 6, -1), **dev = toy_set("D", 4, -1);
	mgen_lm *lm = new_lm(s);
	int before = srv_count(s), rc;
	cJSON *rec, *r;

	memset(out, 0, sizeof(*out));
	rc = mgen_optimize(MGEN_OPT_GEPA, lm, sig,
			   (const mgen_example *const *)train, 6,
			   (const mgen_example *const *)dev, 4, exact, NULL,
			   o, &out->prog, &out->res, NULL);
	out->requests = srv_count(s) - before;
	rec = srv_records(s);
	cJSON_ArrayForEach(r, rec)
	{
		char *t = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "body"));

		out->reflections += t && strstr(t, REFLECT_MARK) != NULL;
		free(t);
	}
	cJSON_Delete(rec);
	mgen_signature_free(sig);
	mgen_lm_free(lm);
	free_set(train, 6);
	free_set(dev, 4);
	return rc;
}

static void test_gepa__learns_marker_within_budget(void **state)
{
	srv *s = *state;
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_gepa_plan pl;
	const char *name = NULL;
	long long est = 0, made = 0;
	int fbcalls = 0;
	run a, b;

	o.max_metric_calls = 40;
	o.threads = 2;
	o.feedback = says_expected;
	o.feedback_ud = &fbcalls;
	mgen_gepa_plan_for(6, 4, &o, &pl);
	srv_start(s, LEARN_SCRIPT, NULL, NULL);
	assert_int_equal(compile(s, &o, &a), 0);
	printf("# gepa: estimate %lld, made %lld; dev %.2f, zero-shot %.2f; "
	       "%d reflections\n",
	       a.res.lm_calls_estimate, a.res.lm_calls_made, a.res.best_score,
	       a.res.baseline_score, a.reflections);
	assert_true(a.res.lm_calls_estimate == pl.lm_calls);
	assert_true(a.res.lm_calls_made <= pl.lm_calls);
	assert_true(a.res.lm_calls_made == a.requests);
	assert_true(a.res.baseline_score == 0 && a.res.best_score == 100);
	assert_string_equal(mgen_program_instructions(a.prog, 0), LEARNED);
	assert_true(a.reflections >= 1 && a.reflections <= pl.iterations);
	assert_true(fbcalls >= 3);
	assert_int_equal(mgen_program_meta(a.prog, &name, &est, &made), 1);
	assert_string_equal(name, "gepa");
	assert_true(est == pl.lm_calls && made == a.res.lm_calls_made);
	/* deterministic with the seed: the same calls, the same program */
	assert_int_equal(compile(s, &o, &b), 0);
	assert_true(b.res.lm_calls_made == a.res.lm_calls_made);
	assert_string_equal(mgen_program_instructions(b.prog, 0), LEARNED);
	mgen_program_free(a.prog);
	mgen_program_free(b.prog);
}

static void test_gepa__no_feedback_no_lesson(void **state)
{
	srv *s = *state;
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_gepa_plan pl;
	run a;

	/* without a feedback function the reflection sees only scores and
	 * never proposes the marker: the seed instruction stays, and the
	 * whole budget is spent within the bound */
	o.max_metric_calls = 40;
	mgen_gepa_plan_for(6, 4, &o, &pl);
	srv_start(s, LEARN_SCRIPT, NULL, NULL);
	assert_int_equal(compile(s, &o, &a), 0);
	assert_true(a.res.best_score == 0 && a.res.baseline_score == 0);
	assert_true(a.res.lm_calls_made <= pl.lm_calls);
	assert_true(a.res.lm_calls_made == a.requests);
	/* each iteration: parent and child on the minibatch (2 x 3), one
	 * reflection; they start while used + 6 + 4 <= 40 from used = 4:
	 * at 4, 10, 16, 22, 28 */
	assert_int_equal(a.reflections, 5);
	assert_true(a.reflections <= pl.iterations);
	assert_non_null(strstr(mgen_program_instructions(a.prog, 0),
			       "Given the fields"));
	mgen_program_free(a.prog);
}

static void test_gepa__reflection_failures_are_survived(void **state)
{
	srv *s = *state;
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	int fb = 0;
	run a;

	/* every reflection answers HTTP 500: each costs one call, the run
	 * ends with the seed program and no error */
	srv_start(s, "{\"rules\": [{\"when_all\": [\"" REFLECT_MARK "\"], "
		     "\"fault\": \"500\"}, {\"content\": \"" BAD "\"}]}",
		  NULL, NULL);
	o.max_metric_calls = 30;
	o.feedback = says_expected;
	o.feedback_ud = &fb;
	assert_int_equal(compile(s, &o, &a), 0);
	assert_true(a.reflections >= 1);
	assert_true(a.res.lm_calls_made == a.requests);
	assert_true(a.res.lm_calls_made <= a.res.lm_calls_estimate);
	assert_true(a.res.best_score == a.res.baseline_score);
	mgen_program_free(a.prog);
}

static void test_gepa__budget_below_devset_refused(void **state)
{
	srv *s = *state;
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	run a;

	srv_start(s, NULL, NULL, NULL);
	o.max_metric_calls = 3; /* 4 dev examples */
	assert_int_equal(compile(s, &o, &a), MGEN_EINVAL);
	assert_null(a.prog);
	assert_int_equal(a.requests, 0);
}

/* ---------------------------------------------------------------- */
/* the comment metric's feedback (train.h)                          */
/* ---------------------------------------------------------------- */

#define GOLD_EX                                                              \
	"{\"table_name\": \"s.t\", \"table_data\": {\"columns\": [\"a\", "   \
	"\"b\", \"c\"]}, \"comments\": {\"table\": \"Patient stays.\", "      \
	"\"columns\": [\"a\", \"b\", \"c\"], \"column_contents\": [\"Stay "   \
	"identifier.\", \"Admission time of the stay.\", \"Ward name.\"]}}"

/* The feedback for a prediction whose `comments` is `pred_json`. */
static char *feedback_for(const char *gold_json, const char *pred_json)
{
	mgen_example *ex = NULL, *pred = NULL;
	char *fb = NULL;

	assert_int_equal(mgen_example_from_json(gold_json, &ex, NULL), 0);
	assert_int_equal(mgen_example_new(&pred), 0);
	assert_int_equal(mgen_example_set_json(pred, "comments", pred_json,
					       NULL),
			 0);
	assert_int_equal(mgen_train_feedback(NULL, ex, pred, &fb), 0);
	assert_non_null(fb);
	mgen_example_free(ex);
	mgen_example_free(pred);
	return fb;
}

static void test_gepa__feedback_names_failed_columns_and_gold(void **state)
{
	char *fb;

	(void)state;
	/* b missing, c answered badly, an unknown name */
	fb = feedback_for(GOLD_EX,
			  "{\"table\": \"Patient stays.\", \"columns\": [\"a\", "
			  "\"c\", \"zz\"], \"column_contents\": [\"Stay "
			  "identifier.\", \"Something.\", \"Extra.\"]}");
	assert_non_null(strstr(fb, "Score 0.00 of 1"));
	assert_non_null(strstr(fb, "Column `b` failed validation: missing "
				   "from answer."));
	assert_null(strstr(fb, "Column `a` failed"));
	assert_non_null(strstr(fb, "not asked about: zz"));
	/* the lowest-F1 columns with their gold, lowest first */
	assert_non_null(strstr(fb, "Column `b` (F1 0.00): expected "
				   "\"Admission time of the stay.\"; the "
				   "answer said nothing."));
	assert_non_null(strstr(fb, "Column `c` (F1 0.00): expected \"Ward "
				   "name.\"; the answer said \"Something.\""));
	assert_true(strstr(fb, "Column `b` (F1") < strstr(fb, "Column `c` (F1"));
	assert_null(strstr(fb, "Column `a` (F1")); /* perfect: not shown */
	assert_null(strstr(fb, "Table comment"));
	free(fb);
	/* not an answer object: the validation error and the gold */
	fb = feedback_for(GOLD_EX, "[1, 2]");
	assert_non_null(strstr(fb, "The answer failed validation: "));
	assert_non_null(strstr(fb, "expected \"Stay identifier.\""));
	assert_non_null(strstr(fb, "Table comment (F1 0.00): expected "
				   "\"Patient stays.\""));
	free(fb);
	/* perfect: the score only */
	fb = feedback_for(GOLD_EX,
			  "{\"table\": \"Patient stays.\", \"columns\": [\"a\", "
			  "\"b\", \"c\"], \"column_contents\": [\"Stay "
			  "identifier.\", \"Admission time of the stay.\", "
			  "\"Ward name.\"]}");
	assert_non_null(strstr(fb, "Score 1.00 of 1"));
	assert_null(strstr(fb, "expected"));
	assert_null(strstr(fb, "failed"));
	free(fb);
}

static void test_gepa__feedback_is_bounded(void **state)
{
	mgen_buf g;
	char *fb, name[16];
	size_t i;

	(void)state;
	/* 40 asked columns, none answered; one gold text of 3000 bytes */
	mgen_buf_init(&g, 0);
	mgen_buf_puts(&g, "{\"table_name\": \"s.w\", \"table_data\": "
			  "{\"columns\": [");
	for (i = 0; i < 40; i++)
		mgen_buf_printf(&g, "%s\"c%zu\"", i ? ", " : "", i);
	mgen_buf_puts(&g, "]}, \"comments\": {\"table\": \"\", \"columns\": "
			  "[\"c0\"], \"column_contents\": [\"");
	for (i = 0; i < 1000; i++)
		mgen_buf_puts(&g, "\xc3\xa9 ");
	mgen_buf_puts(&g, "\"]}}");
	assert_int_equal(mgen_buf_error(&g), 0);
	fb = feedback_for(mgen_buf_str(&g), "{\"table\": \"T\", \"columns\": "
					    "[], \"column_contents\": []}");
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "`c%zu`", i);
		assert_non_null(strstr(fb, name));
	}
	assert_null(strstr(fb, "`c8` failed"));
	assert_non_null(strstr(fb, "... and 32 more columns failed "
				   "validation."));
	/* the gold is quoted cut, on a UTF-8 boundary */
	assert_non_null(strstr(fb, "...\"; the answer said nothing."));
	assert_true(strlen(fb) < 2000);
	assert_int_equal(mgen__utf8_invalid(fb, strlen(fb)), 0);
	free(fb);
	mgen_buf_release(&g);
}

#define T(f) SRV_TEST(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gepa__front_each_best_counts),
		cmocka_unit_test(test_gepa__front_removes_lowest_total_first),
		cmocka_unit_test(test_gepa__front_degenerate),
		cmocka_unit_test(test_gepa__select_follows_frequency),
		cmocka_unit_test(test_gepa__extract_instruction),
		cmocka_unit_test(test_gepa__plan_matches_dspy_auto_budget),
		T(test_gepa__learns_marker_within_budget),
		T(test_gepa__no_feedback_no_lesson),
		T(test_gepa__reflection_failures_are_survived),
		T(test_gepa__budget_below_devset_refused),
		cmocka_unit_test(
		    test_gepa__feedback_names_failed_columns_and_gold),
		cmocka_unit_test(test_gepa__feedback_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
