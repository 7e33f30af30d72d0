/*
 * test_optimize.c - optimize.h against tests/server/fake_llm.py (started
 * per test, like test_lm.c): mgen_predict (ChatAdapter answer, JSON
 * fallback on a parse error only, fallback off, per-call temperature),
 * mgen_evaluate (threads, failures score 0, exact score), and each
 * optimizer on a toy "question -> answer" task whose scripted server
 * answers right ONLY when the prompt carries a marker demo (few-shot
 * optimizers) or an LM-proposed instruction (MIPRO): the compiled program
 * must score strictly higher than zero-shot, and the LM calls made must
 * stay within the estimate given before starting.
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

#include "metagen/optimize.h"
#include "util/json.h"
#include "util/util.h"

#define FAKE_SERVER_TAG "opt"
#include "fake_server.h"


/* ChatAdapter answers of the toy task. */
#define GOOD "[[ ## answer ## ]]\\nblue\\n\\n[[ ## completed ## ]]"
#define BAD "[[ ## answer ## ]]\\nred\\n\\n[[ ## completed ## ]]"

/* Right only when some message carries MARKER (a demo, or the input). */
static const char FEWSHOT_SCRIPT[] =
    "{\"rules\": [{\"when_all\": [\"MARKER\"], \"content\": \"" GOOD "\"},"
    " {\"content\": \"" BAD "\"}]}";

#include "opt_toy.h"

/* The score of a compiled program (its instructions and demos). */
static double program_score(mgen_lm *lm, const mgen_program *prog,
			    mgen_example **dev, size_t n)
{
	mgen_signature *sig = toy_sig();
	mgen_example **demos;
	mgen_evaluate_result r;
	size_t i, nd = mgen_program_demo_count(prog, 0);
	double score;

	demos = calloc(nd + 1, sizeof(*demos));
	assert_non_null(demos);
	for (i = 0; i < nd; i++)
		assert_int_equal(mgen_example_from_json(
				     mgen_program_demo(prog, 0, i), &demos[i],
				     NULL),
				 0);
	assert_int_equal(mgen_signature_set_instructions(
			     sig, mgen_program_instructions(prog, 0)),
			 0);
	assert_int_equal(mgen_evaluate(lm, sig,
				       (const mgen_example *const *)demos, nd,
				       (const mgen_example *const *)dev, n,
				       exact, NULL, NULL, &r, NULL),
			 0);
	score = r.score;
	mgen_evaluate_result_release(&r);
	free_set(demos, nd);
	mgen_signature_free(sig);
	return score;
}

static void test_optimize__predict_parses_chat_answer(void **state)
{
	srv *s = *state;
	mgen_signature *sig = toy_sig();
	mgen_example **in = toy_set("Q", 1, -1), *out = NULL;
	mgen_predict_options po = MGEN_PREDICT_OPTIONS_INIT;
	mgen_predict_info info;
	mgen_lm *lm;
	cJSON *rec;

	srv_start(s, "{\"default\": [{\"content\": \"" GOOD "\"}]}", NULL,
		  NULL);
	lm = new_lm(s);
	po.temperature = 1.0;
	assert_int_equal(mgen_predict(lm, sig, NULL, 0, in[0], &po, &out,
				      &info, NULL),
			 0);
	assert_string_equal(mgen_example_get_str(out, "answer"), "blue");
	assert_int_equal(info.lm_calls, 1);
	assert_int_equal(info.adapter, MGEN_ADAPTER_CHAT);
	assert_true(info.prompt_tokens > 0);
	rec = srv_records(s);
	assert_int_equal(cJSON_GetArraySize(rec), 1);
	/* the per-call temperature was sent, no response_format */
	assert_true(cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetArrayItem(rec, 0), "body"),
			"temperature")
			->valuedouble == 1.0);
	assert_null(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(rec, 0), "body"),
	    "response_format"));
	cJSON_Delete(rec);
	mgen_example_free(out);
	free_set(in, 1);
	mgen_signature_free(sig);
	mgen_lm_free(lm);
}

static const char FALLBACK_SCRIPT[] =
    "{\"rules\": [{\"when_all\": [\"Respond with a JSON object\"],"
    " \"content\": \"{\\\"answer\\\": \\\"green\\\"}\"},"
    " {\"when_all\": [\"HTTPFAIL\"], \"fault\": \"400\"},"
    " {\"content\": \"no markers at all\"}]}";

static void test_optimize__parse_error_falls_back_to_json(void **state)
{
	srv *s = *state;
	mgen_signature *sig = toy_sig();
	mgen_example **in = toy_set("Q", 1, -1), *out = NULL;
	mgen_predict_info info;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm;
	cJSON *rec, *body;

	srv_start(s, FALLBACK_SCRIPT, NULL, NULL);
	lm = new_lm(s);
	assert_int_equal(mgen_predict(lm, sig, NULL, 0, in[0], NULL, &out,
				      &info, &err),
			 0);
	assert_string_equal(mgen_example_get_str(out, "answer"), "green");
	assert_int_equal(info.lm_calls, 2);
	assert_int_equal(info.adapter, MGEN_ADAPTER_JSON);
	rec = srv_records(s);
	assert_int_equal(cJSON_GetArraySize(rec), 2);
	body = cJSON_GetObjectItem(cJSON_GetArrayItem(rec, 1), "body");
	assert_non_null(cJSON_GetObjectItem(body, "response_format"));
	cJSON_Delete(rec);
	mgen_example_free(out);
	out = NULL;
	free_set(in, 1);
	mgen_signature_free(sig);
	mgen_lm_free(lm);
}

static void test_optimize__fallback_can_be_disabled(void **state)
{
	srv *s = *state;
	mgen_signature *sig = toy_sig();
	mgen_example **in = toy_set("Q", 1, -1), *out = NULL;
	mgen_predict_options po = MGEN_PREDICT_OPTIONS_INIT;
	mgen_predict_info info;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm;

	srv_start(s, FALLBACK_SCRIPT, NULL, NULL);
	lm = new_lm(s);
	po.no_json_fallback = 1;
	assert_int_equal(mgen_predict(lm, sig, NULL, 0, in[0], &po, &out,
				      &info, &err),
			 MGEN_EPARSE);
	assert_null(out);
	assert_int_equal(info.lm_calls, 1);
	assert_int_equal(info.adapter, MGEN_ADAPTER_NONE);
	assert_non_null(strstr(err.msg, "chat adapter"));
	assert_int_equal(srv_count(s), 1);
	/* an HTTP error is not a parse error: no second call */
	assert_int_equal(mgen_example_set_str(in[0], "question", "HTTPFAIL"),
			 0);
	mgen_err_clear(&err);
	assert_int_equal(mgen_predict(lm, sig, NULL, 0, in[0], NULL, &out,
				      &info, &err),
			 MGEN_EHTTP);
	assert_int_equal(info.lm_calls, 1);
	assert_int_equal(srv_count(s), 2);
	free_set(in, 1);
	mgen_signature_free(sig);
	mgen_lm_free(lm);
}

static void test_optimize__evaluate_threads_exact_score(void **state)
{
	srv *s = *state;
	mgen_signature *sig = toy_sig();
	mgen_example **dev = toy_set("D", 6, -1);
	mgen_evaluate_options eo = MGEN_EVALUATE_OPTIONS_INIT;
	mgen_evaluate_result r;
	mgen_lm *lm;

	srv_start(s,
		  "{\"rules\": [{\"when_all\": [\"GOODQ\"], "
		  "\"content\": \"" GOOD "\"}, "
		  "{\"when_all\": [\"FAILQ\"], \"fault\": \"400\"},"
		  " {\"content\": \"" BAD "\"}]}",
		  NULL, NULL);
	lm = new_lm(s);
	mgen_example_set_str(dev[1], "question", "GOODQ one");
	mgen_example_set_str(dev[4], "question", "GOODQ two");
	mgen_example_set_str(dev[5], "question", "FAILQ");
	eo.threads = 4;
	assert_int_equal(mgen_evaluate(lm, sig, NULL, 0,
				       (const mgen_example *const *)dev, 6,
				       exact, NULL, &eo, &r, NULL),
			 0);
	/* 2 of 6 right: 100 * 2 / 6 = 33.33 */
	assert_true(r.score == 33.33);
	assert_int_equal(r.n, 6);
	assert_true(r.scores[1] == 1.0 && r.scores[4] == 1.0);
	assert_true(r.scores[0] == 0.0 && r.scores[5] == 0.0);
	assert_int_equal(r.failures, 1);
	assert_non_null(strstr(r.first_error, "example 5"));
	assert_int_equal(r.lm_calls, 6);
	assert_int_equal(srv_count(s), 6);
	mgen_evaluate_result_release(&r);
	free_set(dev, 6);
	mgen_signature_free(sig);
	mgen_lm_free(lm);
}

/* Compiles with `kind`; checks the estimate contract and that the
 * program beats zero-shot on dev. Returns the program (caller frees). */
static mgen_program *compile_and_check(srv *s, mgen_lm *lm,
				       mgen_optimizer kind,
				       const mgen_optimize_options *o,
				       mgen_example **train, size_t nt,
				       mgen_example **dev, size_t nd)
{
	mgen_signature *sig = toy_sig();
	mgen_program *prog = NULL, *zero = NULL;
	mgen_optimize_result res;
	mgen_err err = MGEN_ERR_INIT;
	long long est = mgen_optimize_estimate(kind, nt, nd, o), e2, m2;
	int before = srv_count(s), rc;
	const char *name = NULL;
	double zs, cs;

	rc = mgen_optimize(kind, lm, sig, (const mgen_example *const *)train,
			   nt, (const mgen_example *const *)dev, nd, exact,
			   NULL, o, &prog, &res, &err);
	assert_int_equal(rc, 0);
	assert_true(res.lm_calls_estimate == est);
	assert_true(res.lm_calls_made <= est);
	assert_true(res.lm_calls_made == srv_count(s) - before);
	printf("# %s: estimate %lld, made %lld; dev %.2f, zero-shot %.2f\n",
	       mgen_optimizer_name(kind), est, res.lm_calls_made,
	       res.best_score, res.baseline_score);
	/* every optimizer given a valset reports both scores on it */
	if (nd > 0)
		assert_true(res.best_score > res.baseline_score &&
			    res.baseline_score >= 0);
	assert_int_equal(mgen_program_meta(prog, &name, &e2, &m2), 1);
	assert_string_equal(name, mgen_optimizer_name(kind));
	assert_true(e2 == est && m2 == res.lm_calls_made);
	/* zero-shot: the same predictor without demos */
	assert_int_equal(mgen_program_new(&zero), 0);
	assert_int_equal(mgen_program_add_predictor(
			     zero, "self", mgen_signature_instructions(sig),
			     NULL),
			 0);
	zs = program_score(lm, zero, dev, nd);
	cs = program_score(lm, prog, dev, nd);
	assert_true(cs > zs);
	mgen_program_free(zero);
	mgen_signature_free(sig);
	return prog;
}

/* Demo i's "question" (an allocated copy). */
static char *demo_question(const mgen_program *p, size_t i)
{
	mgen_example *ex = NULL;
	char *q;

	assert_int_equal(
	    mgen_example_from_json(mgen_program_demo(p, 0, i), &ex, NULL), 0);
	q = mgen__strdup(mgen_example_get_str(ex, "question"));
	mgen_example_free(ex);
	return q;
}

static void test_optimize__labeled_few_shot(void **state)
{
	srv *s = *state;
	mgen_example **train = toy_set("Q", 8, 3), **dev = toy_set("D", 4, -1);
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_program *a, *b, *c;
	mgen_signature *sig = toy_sig();
	size_t i;
	char *qa, *qb;
	mgen_lm *lm;

	srv_start(s, FEWSHOT_SCRIPT, NULL, NULL);
	lm = new_lm(s);
	a = compile_and_check(s, lm, MGEN_OPT_LABELED, &o, train, 8, dev, 4);
	assert_int_equal(mgen_program_demo_count(a, 0), 8);
	mgen_program_free(a);
	/* k = 3, same seed -> the same demos in the same order */
	o.k = 3;
	o.seed = 7;
	assert_int_equal(mgen_optimize(MGEN_OPT_LABELED, lm, sig,
				       (const mgen_example *const *)train, 8,
				       NULL, 0, exact, NULL, &o, &a, NULL,
				       NULL),
			 0);
	assert_int_equal(mgen_optimize(MGEN_OPT_LABELED, lm, sig,
				       (const mgen_example *const *)train, 8,
				       NULL, 0, exact, NULL, &o, &b, NULL,
				       NULL),
			 0);
	o.seed = 8;
	assert_int_equal(mgen_optimize(MGEN_OPT_LABELED, lm, sig,
				       (const mgen_example *const *)train, 8,
				       NULL, 0, exact, NULL, &o, &c, NULL,
				       NULL),
			 0);
	assert_int_equal(mgen_program_demo_count(a, 0), 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(mgen_program_demo(a, 0, i),
				    mgen_program_demo(b, 0, i));
		qa = demo_question(a, i);
		qb = demo_question(a, (i + 1) % 3);
		assert_string_not_equal(qa, qb); /* without replacement */
		free(qa);
		free(qb);
	}
	/* another seed draws another sample (or order) */
	assert_true(strcmp(mgen_program_demo(a, 0, 0),
			   mgen_program_demo(c, 0, 0)) != 0 ||
		    strcmp(mgen_program_demo(a, 0, 1),
			   mgen_program_demo(c, 0, 1)) != 0 ||
		    strcmp(mgen_program_demo(a, 0, 2),
			   mgen_program_demo(c, 0, 2)) != 0);
	mgen_program_free(a);
	mgen_program_free(b);
	mgen_program_free(c);
	mgen_signature_free(sig);
	free_set(train, 8);
	free_set(dev, 4);
	mgen_lm_free(lm);
}

/* Requests sent at temperature 1.0. */
static int count_hot(const srv *s)
{
	cJSON *rec = srv_records(s), *r, *t;
	int n = 0;

	cJSON_ArrayForEach(r, rec)
	{
		t = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "body"),
					"temperature");
		n += t && t->valuedouble == 1.0;
	}
	cJSON_Delete(rec);
	return n;
}

static void test_optimize__bootstrap_few_shot(void **state)
{
	srv *s = *state;
	mgen_example **train = toy_set("Q", 6, 2), **dev = toy_set("D", 4, -1);
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_program *p, *back = NULL;
	mgen_example *ex = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char path[128];
	size_t i, naug = 0, n;
	mgen_lm *lm;

	srv_start(s, FEWSHOT_SCRIPT, NULL, NULL);
	lm = new_lm(s);
	o.max_labeled_demos = 4;
	o.max_rounds = 2;
	o.predictor_name = "answer.predict";
	p = compile_and_check(s, lm, MGEN_OPT_BOOTSTRAP, &o, train, 6, dev,
			      4);
	n = mgen_program_demo_count(p, 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(mgen_example_from_json(
				     mgen_program_demo(p, 0, i), &ex, NULL),
				 0);
		if (mgen_example_augmented(ex)) {
			/* bootstrapped first, every input and output */
			assert_int_equal(i, naug);
			naug++;
			assert_string_equal(mgen_example_get_str(ex, "answer"),
					    "blue");
			assert_non_null(mgen_example_get_str(ex, "question"));
		}
		mgen_example_free(ex);
		ex = NULL;
	}
	assert_true(naug >= 1);
	assert_non_null(strstr(mgen_program_demo(p, 0, 0), "MARKER"));
	/* failed first rounds were retried at temperature 1.0 */
	assert_true(count_hot(s) > 0);
	/* save, load back into a declared program */
	snprintf(path, sizeof(path), "%s/prog.json", s->dir);
	assert_int_equal(mgen_program_save(p, path, &err), 0);
	assert_int_equal(mgen_program_read(path, NULL, &back, &err), 0);
	assert_int_equal(mgen_program_count(back), 1);
	assert_string_equal(mgen_program_name(back, 0), "answer.predict");
	assert_int_equal(mgen_program_demo_count(back, 0), n);
	for (i = 0; i < n; i++)
		assert_string_equal(mgen_program_demo(back, 0, i),
				    mgen_program_demo(p, 0, i));
	assert_int_equal(mgen_program_field_count(back, 0), 2);
	assert_string_equal(mgen_program_field_prefix(back, 0, 1), "Answer:");
	unlink(path);
	mgen_program_free(back);
	mgen_program_free(p);
	free_set(train, 6);
	free_set(dev, 4);
	mgen_lm_free(lm);
}

static void test_optimize__random_search(void **state)
{
	srv *s = *state;
	mgen_example **train = toy_set("Q", 6, 4), **dev = toy_set("D", 5, -1);
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_optimize_result res;
	mgen_signature *sig = toy_sig();
	mgen_program *p;
	mgen_lm *lm;

	srv_start(s, FEWSHOT_SCRIPT, NULL, NULL);
	lm = new_lm(s);
	o.num_candidate_programs = 3;
	o.threads = 3;
	p = compile_and_check(s, lm, MGEN_OPT_RANDOM_SEARCH, &o, train, 6,
			      dev, 5);
	assert_true(mgen_program_demo_count(p, 0) > 0);
	mgen_program_free(p);
	/* the scores it reports: zero-shot 0, the winner 100, 6 candidates */
	assert_int_equal(mgen_optimize(MGEN_OPT_RANDOM_SEARCH, lm, sig,
				       (const mgen_example *const *)train, 6,
				       (const mgen_example *const *)dev, 5,
				       exact, NULL, &o, &p, &res, NULL),
			 0);
	assert_true(res.baseline_score == 0.0 && res.best_score == 100.0);
	assert_int_equal(res.candidates_evaluated, 6);
	mgen_program_free(p);
	mgen_signature_free(sig);
	free_set(train, 6);
	free_set(dev, 5);
	mgen_lm_free(lm);
}

#define SKY "Always answer with the colour of the sky."

static const char MIPRO_SCRIPT[] =
    "{\"rules\": ["
    "{\"when_all\": [\"[[ ## summary ## ]]\"], \"content\": "
    "\"[[ ## summary ## ]]\\nToy questions.\\n\\n[[ ## completed ## ]]\"},"
    "{\"when_all\": [\"[[ ## proposed_instruction ## ]]\"], \"content\": "
    "\"[[ ## proposed_instruction ## ]]\\n" SKY
    "\\n\\n[[ ## completed ## ]]\"},"
    "{\"when_all\": [\"[[ ## observations ## ]]\"], \"content\": "
    "\"[[ ## observations ## ]]\\nShort.\\n\\n[[ ## completed ## ]]\"},"
    "{\"when_all\": [\"colour of the sky\"], \"content\": \"" GOOD "\"},"
    "{\"content\": \"" BAD "\"}]}";

static void test_optimize__mipro_instruction(void **state)
{
	srv *s = *state;
	mgen_example **train = toy_set("Q", 12, -1),
		     **dev = toy_set("D", 6, -1);
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_mipro_plan pl;
	mgen_program *p;
	mgen_lm *lm;
	cJSON *rec, *r;
	int props = 0, hot = 0;

	mgen_mipro_plan_for(12, 6, &o, &pl);
	assert_int_equal(pl.n, 6);
	assert_int_equal(pl.trials, 10);
	assert_int_equal(pl.minibatch, 6);
	assert_int_equal(pl.full_evals, 2);
	assert_int_equal(pl.summary_calls, 3);
	o.mipro_auto = MGEN_MIPRO_MEDIUM;
	mgen_mipro_plan_for(100, 100, &o, &pl);
	assert_int_equal(pl.trials, 18);
	assert_int_equal(pl.minibatch, 35);
	o.mipro_auto = MGEN_MIPRO_HEAVY;
	mgen_mipro_plan_for(100, 100, &o, &pl);
	assert_int_equal(pl.trials, 27);
	o.mipro_auto = MGEN_MIPRO_LIGHT;
	o.minibatch_size = 3;
	srv_start(s, MIPRO_SCRIPT, NULL, NULL);
	lm = new_lm(s);
	p = compile_and_check(s, lm, MGEN_OPT_MIPRO, &o, train, 12, dev, 6);
	assert_string_equal(mgen_program_instructions(p, 0), SKY);
	/* proposals were asked at temperature 1.0 */
	rec = srv_records(s);
	cJSON_ArrayForEach(r, rec)
	{
		cJSON *b = cJSON_GetObjectItem(r, "body");
		char *t = cJSON_PrintUnformatted(b);

		if (strstr(t, "proposed_instruction")) {
			props++;
			hot += cJSON_GetObjectItem(b, "temperature")
				   ->valuedouble == 1.0;
		}
		free(t);
	}
	assert_int_equal(props, 5);
	assert_int_equal(hot, 5);
	cJSON_Delete(rec);
	mgen_program_free(p);
	free_set(train, 12);
	free_set(dev, 6);
	mgen_lm_free(lm);
}

static void test_optimize__bad_arguments(void **state)
{
	mgen_signature *sig = toy_sig();
	mgen_example **train = toy_set("Q", 2, -1);
	mgen_program *p = (mgen_program *)1;
	mgen_err err = MGEN_ERR_INIT;

	(void)state;
	assert_int_equal(mgen_optimize(MGEN_OPT_RANDOM_SEARCH, NULL, sig,
				       (const mgen_example *const *)train, 2,
				       NULL, 0, exact, NULL, NULL, &p, NULL,
				       &err),
			 MGEN_EINVAL);
	assert_null(p);
	assert_non_null(strstr(err.msg, "valset"));
	/* a valset costs the two scores (zero-shot, program) in every
	 * optimizer */
	assert_int_equal(mgen_optimize_estimate(MGEN_OPT_LABELED, 10, 0,
						NULL),
			 0);
	assert_int_equal(mgen_optimize_estimate(MGEN_OPT_LABELED, 10, 10,
						NULL),
			 2 * 2 * 10);
	assert_int_equal(mgen_optimize_estimate(MGEN_OPT_BOOTSTRAP, 10, 5,
						NULL),
			 20 + 2 * 2 * 5);
	assert_int_equal(mgen_optimize_estimate(MGEN_OPT_BOOTSTRAP, 10, 0,
						NULL),
			 20);
	assert_int_equal(mgen_optimize_estimate(MGEN_OPT_RANDOM_SEARCH, 10,
						5, NULL),
			 17 * 20 + 19 * 10);
	free_set(train, 2);
	mgen_signature_free(sig);
}

#define T(f) SRV_TEST(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_optimize__predict_parses_chat_answer),
		T(test_optimize__parse_error_falls_back_to_json),
		T(test_optimize__fallback_can_be_disabled),
		T(test_optimize__evaluate_threads_exact_score),
		T(test_optimize__labeled_few_shot),
		T(test_optimize__bootstrap_few_shot),
		T(test_optimize__random_search),
		T(test_optimize__mipro_instruction),
		T(test_optimize__bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
