/*
 * test_qa.c - the ask program's QA data and scores (include/metagen/qa.h):
 * SQuAD normalisation of the answer F1 (punctuation, articles, Unicode
 * case, empty sides), the citations check, the judge's answer read
 * through the real ChatAdapter parser (hostile answers included), and
 * the QA file loader's errors and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metagen/ask_optimize.h"
#include "metagen/metric.h"
#include "metagen/qa.h"

#define EPS 1e-9

static double f1(const char *g, const char *p)
{
	double v = -1;

	assert_int_equal(mgen_metric_token_f1(g, p, &v), 0);
	return v;
}

static void test_qa__f1_normalisation(void **st)
{
	(void)st;
	/* punctuation: ASCII removed without splitting */
	assert_float_equal(f1("one row, per stay!", "One row per stay"), 1.0,
			   EPS);
	assert_float_equal(f1("patient's id", "patients id"), 1.0, EPS);
	/* non-ASCII punctuation is not string.punctuation: kept */
	assert_float_equal(f1("\xc2\xabstay\xc2\xbb", "stay"), 0.0, EPS);
	/* articles: whole words only */
	assert_float_equal(f1("the admissions table", "an admissions table"),
			   1.0, EPS);
	assert_float_equal(f1("theme", "the me"), 0.0, EPS);
	assert_float_equal(f1("A", "the"), 1.0, EPS); /* both empty */
	/* Unicode case folds as Python's str.lower() */
	assert_float_equal(f1("CAF\xc3\x89 ANN\xc3\x89"
			      "E",
			      "caf\xc3\xa9 ann\xc3\xa9"
			      "e"),
			   1.0, EPS);
	assert_float_equal(
	    f1("\xd0\x9c\xd0\x98\xd0\xa0", "\xd0\xbc\xd0\xb8\xd1\x80"), 1.0,
	    EPS); /* МИР / мир */
	/* U+023A (2 bytes) lowers to U+2C65 (3 bytes): the text grows */
	assert_float_equal(f1("\xc8\xba\xc8\xba\xc8\xba",
			      "\xe2\xb1\xa5\xe2\xb1\xa5\xe2\xb1\xa5"),
			   1.0, EPS);
	/* invalid UTF-8 bytes are kept, not folded or dropped */
	assert_float_equal(f1("X\xff b", "x\xff B"), 1.0, EPS);
	assert_float_equal(f1("\xff", "\xfe"), 0.0, EPS);
	/* empty sides (SQuAD v2): both empty 1, one empty 0 */
	assert_float_equal(f1("", ""), 1.0, EPS);
	assert_float_equal(f1(NULL, "..."), 1.0, EPS);
	assert_float_equal(f1("stay", ""), 0.0, EPS);
	assert_float_equal(f1("", "stay"), 0.0, EPS);
	/* a repeated token counts once per gold occurrence */
	assert_float_equal(f1("stay", "stay stay"), 2.0 / 3.0, EPS);
}

static void test_qa__recall_and_long_answers(void **st)
{
	double r = -1;
	size_t n = 200000, i;
	char *big = malloc(n * 2 + 1);

	(void)st;
	assert_int_equal(mgen_metric_token_recall("one row", "row one x", &r),
			 0);
	assert_float_equal(r, 1.0, EPS);
	assert_int_equal(mgen_metric_token_recall("row row", "row", &r), 0);
	assert_float_equal(r, 0.5, EPS);
	assert_int_equal(mgen_metric_token_recall("the", "x", &r), 0);
	assert_float_equal(r, 0.0, EPS); /* gold without a token */
	/* 200,000 one-letter tokens on both sides: sorted, not quadratic */
	assert_non_null(big);
	for (i = 0; i < n; i++) {
		big[2 * i] = (char)('b' + i % 20);
		big[2 * i + 1] = ' ';
	}
	big[2 * n] = '\0';
	assert_float_equal(f1(big, big), 1.0, EPS);
	free(big);
}

#define CTX2                                                                   \
	"[1] \xc2\xab"                                                         \
	"Admissions (a.md): The admissions table holds one row per "           \
	"stay.\xc2\xbb\n[2] \xc2\xab"                                          \
	"Patients (p.md): one row per person\xc2\xbb"

static mgen_qa_parts score(const char *gold, const char *ans, const char *ctx,
			   double judge)
{
	mgen_qa_parts p;

	assert_int_equal(mgen_qa_score(gold, ans, ctx, judge, &p), 0);
	return p;
}

static void test_qa__citations(void **st)
{
	mgen_qa_parts p;

	(void)st;
	/* valid citation: full score; the [n] is not an answer token */
	p = score("one row per stay", "One row per stay [1].", CTX2, -1);
	assert_int_equal(p.npassages, 2);
	assert_int_equal(p.ncited, 1);
	assert_int_equal(p.nbad, 0);
	assert_true(p.held);
	assert_float_equal(p.f1, 1.0, EPS);
	assert_float_equal(p.cite, 1.0, EPS);
	assert_float_equal(p.score, 1.0, EPS);
	assert_float_equal(p.judge, -1, EPS);
	/* no citation although the context held the answer: halved */
	p = score("one row per stay", "One row per stay.", CTX2, -1);
	assert_float_equal(p.cite, 0.5, EPS);
	assert_float_equal(p.score, 0.5, EPS);
	/* the last word of a passage ("stay»") counts as held */
	p = score("per person", "Per person.", CTX2, -1);
	assert_true(p.held);
	/* a passage that was not given: fabricated, 0 */
	p = score("one row per stay", "One row per stay [3].", CTX2, -1);
	assert_int_equal(p.nbad, 1);
	assert_float_equal(p.score, 0.0, EPS);
	p = score("one row per stay", "One row per stay [1, 0].", CTX2, -1);
	assert_int_equal(p.ncited, 2);
	assert_int_equal(p.nbad, 1);
	p = score("one row per stay",
		  "One row per stay [99999999999999999999].", CTX2, -1);
	assert_int_equal(p.nbad, 1);
	/* groups: spaces, several numbers; not citations: "[3 apples]",
	 * "[]", "[a]", an unclosed "[1" */
	p = score("x", "x [ 1 , 2 ] [3 apples] [] [a] [1", CTX2, -1);
	assert_int_equal(p.ncited, 2);
	assert_int_equal(p.nbad, 0);
	/* no citation needed when the context does not hold the answer */
	p = score("forty two", "I do not know.", CTX2, -1);
	assert_false(p.held);
	assert_float_equal(p.cite, 1.0, EPS);
	/* no context: any [n] is fabricated */
	p = score("x", "x [1]", NULL, -1);
	assert_int_equal(p.npassages, 0);
	assert_float_equal(p.score, 0.0, EPS);
	/* passages must be numbered from 1 in order at line starts */
	p = score("x", "x [2]", "[2] \xc2\xabnot first\xc2\xbb", -1);
	assert_int_equal(p.npassages, 0);
	/* the judge is averaged with F1 */
	p = score("one row per stay", "One row per stay [1].", CTX2, 0.5);
	assert_float_equal(p.score, 0.75, EPS);
	p = score("one row per stay", "One row per stay.", CTX2, 0.0);
	assert_float_equal(p.score, 0.25, EPS);
	/* NULL answer */
	p = score("x", NULL, CTX2, -1);
	assert_float_equal(p.score, 0.0, EPS);
}

/* J from a judge answer text through the real ChatAdapter parser, or -1
 * when either the parse or the reading refuses it. */
static double judge_of(const char *answer)
{
	mgen_signature *sig = NULL;
	mgen_example *pred = NULL;
	mgen_err err = MGEN_ERR_INIT;
	double j = -2;
	int rc;

	assert_int_equal(mgen_qa_judge_signature(&sig, &err), 0);
	rc = mgen_chat_adapter_parse(sig, answer, &pred, &err);
	if (rc == 0)
		rc = mgen_qa_judge_read(pred, &j, &err);
	if (rc != 0) {
		assert_int_equal(rc, MGEN_EPARSE);
		if (pred != NULL) /* read refused it: J is 0, not garbage */
			assert_float_equal(j, 0.0, EPS);
		assert_true(err.msg[0] != '\0');
		j = -1;
	}
	mgen_example_free(pred);
	mgen_signature_free(sig);
	return j;
}

#define JA(r, p)                                                               \
	"[[ ## recall ## ]]\n" r "\n\n[[ ## precision ## ]]\n" p               \
	"\n\n[[ ## completed ## ]]"

static void test_qa__judge_answers(void **st)
{
	mgen_signature *sig = NULL;
	mgen_err err = MGEN_ERR_INIT;
	char *s = NULL;

	(void)st;
	assert_int_equal(mgen_qa_judge_signature(&sig, &err), 0);
	assert_int_equal(mgen_signature_to_string(sig, &s), 0);
	assert_string_equal(s, "question, ground_truth, system_response -> "
			       "recall: float, precision: float");
	free(s);
	mgen_signature_free(sig);
	assert_float_equal(judge_of(JA("1.0", "0.5")), 2 * 0.5 / 1.5, EPS);
	assert_float_equal(judge_of(JA("1", "1")), 1.0, EPS);
	assert_float_equal(judge_of(JA("0", "0")), 0.0, EPS);
	assert_float_equal(judge_of(JA("\"0.8\"", "0.8")), 0.8, EPS);
	/* hostile: out of range, not finite, not numbers, missing */
	assert_float_equal(judge_of(JA("1.5", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("-0.1", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("1e999", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("NaN", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("Infinity", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("high", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("[1]", "1")), -1, EPS);
	assert_float_equal(judge_of(JA("null", "1")), -1, EPS);
	assert_float_equal(judge_of("[[ ## recall ## ]]\n1\n\n[[ ## completed "
				    "## ]]"),
			   -1, EPS);
	assert_float_equal(judge_of("Auto answer."), -1, EPS);
	assert_float_equal(judge_of(""), -1, EPS);
}

/* Parses `text` as a QA file "q.jsonl"; returns the code, message in
 * msg (when not NULL). */
static int parse(const char *text, mgen_example ***ex, size_t *n, char *msg)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc = mgen_qa_parse(text, strlen(text), "q.jsonl", ex, n, &err);

	if (msg)
		snprintf(msg, 512, "%s", err.msg);
	return rc;
}

static void expect_error(const char *text, int code, const char *msg_part)
{
	mgen_example **ex = (mgen_example **)1;
	size_t n = 9;
	char msg[512];

	assert_int_equal(parse(text, &ex, &n, msg), code);
	assert_null(ex);
	assert_int_equal(n, 0);
	if (strstr(msg, msg_part) == NULL)
		fail_msg("expected '%s' in '%s'", msg_part, msg);
}

static void test_qa__loader(void **st)
{
	mgen_example **ex = NULL;
	size_t n = 0;
	char *h = NULL;

	(void)st;
	assert_int_equal(
	    parse("{\"question\": \"q1\", \"answer\": \"a1\"}\n\n  \r\n"
		  "{\"question\": \"q2\", \"response\": \"a2\", \"history\": "
		  "[{\"role\": \"user\", \"content\": \"hi\"}], \"dspy_uuid\": "
		  "\"u\"}",
		  &ex, &n, NULL),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(mgen_example_get_str(ex[0], "question"), "q1");
	assert_int_equal(mgen_example_get_json(ex[0], "history", &h), 0);
	assert_string_equal(h, "[]");
	free(h);
	assert_string_equal(mgen_example_get_str(ex[1], "answer"), "a2");
	assert_false(mgen_example_has(ex[1], "response"));
	assert_string_equal(mgen_example_get_str(ex[1], "dspy_uuid"), "u");
	mgen_qa_examples_free(ex, n);
	mgen_qa_examples_free(NULL, 0);

	expect_error("", MGEN_EINVAL, "q.jsonl: no example");
	expect_error("\n{\"question\": \"q\"", MGEN_EPARSE,
		     "q.jsonl:2: invalid JSON at column");
	expect_error("[1]", MGEN_EINVAL, "q.jsonl:1: not a JSON object");
	expect_error("{\"answer\": \"a\"}", MGEN_EINVAL,
		     "q.jsonl:1: \"question\" is missing");
	expect_error("{\"question\": 3, \"answer\": \"a\"}", MGEN_EINVAL,
		     "\"question\" is missing or not a string");
	expect_error("{\"question\": \"\", \"answer\": \"a\"}", MGEN_EINVAL,
		     "\"question\" is empty");
	expect_error("{\"question\": \"q\"}", MGEN_EINVAL,
		     "\"answer\" is missing");
	expect_error("{\"question\": \"q\", \"answer\": null}", MGEN_EINVAL,
		     "\"answer\" is missing or not a string");
	expect_error("{\"question\": \"q\", \"response\": 1}", MGEN_EINVAL,
		     "\"response\" is missing or not a string");
	expect_error("{\"question\": \"q\", \"answer\": \"a\", \"response\": "
		     "\"b\"}",
		     MGEN_EINVAL, "both \"answer\" and \"response\"");
	expect_error("{\"question\": \"q\", \"answer\": \"a\", \"history\": "
		     "{}}",
		     MGEN_EINVAL, "\"history\" is not an array");
	expect_error("{\"question\": \"q\", \"answer\": \"a\", \"history\": "
		     "[{\"role\": \"system\", \"content\": \"x\"}]}",
		     MGEN_EINVAL, "\"history\"[0]: expected");
	expect_error("{\"question\": \"q\", \"answer\": \"a\", \"history\": "
		     "[{\"role\": \"user\", \"content\": \"x\"}, 5]}",
		     MGEN_EINVAL, "\"history\"[1]: expected");
	/* invalid UTF-8 and \u0000 in a string are JSON errors */
	expect_error("{\"question\": \"\xff\", \"answer\": \"a\"}", MGEN_EPARSE,
		     "q.jsonl:1: invalid JSON");
	expect_error("{\"question\": \"\\u0000\", \"answer\": \"a\"}",
		     MGEN_EPARSE, "q.jsonl:1: invalid JSON");
}

static void test_qa__loader_limits(void **st)
{
	size_t big = MGEN_QA_TEXT_MAX + 1, i;
	char *line = malloc(big + 64);
	char *hist = malloc((MGEN_QA_HISTORY_MAX + 1) * 40 + 64);
	char *p;
	mgen_example **ex = NULL;
	size_t n = 0;
	mgen_err err = MGEN_ERR_INIT;

	(void)st;
	assert_non_null(line);
	assert_non_null(hist);
	p = line + snprintf(line, 64, "{\"question\": \"");
	memset(p, 'q', big);
	snprintf(p + big, 40, "\", \"answer\": \"a\"}");
	expect_error(line, MGEN_EINVAL, "\"question\" is 65537 bytes, at most");
	/* exactly at the limit: accepted */
	snprintf(p + big - 1, 40, "\", \"answer\": \"a\"}");
	assert_int_equal(parse(line, &ex, &n, NULL), 0);
	mgen_qa_examples_free(ex, n);
	p = hist + snprintf(hist, 64,
			    "{\"question\": \"q\", \"answer\": \"a\", "
			    "\"history\": [");
	for (i = 0; i <= MGEN_QA_HISTORY_MAX; i++)
		p += snprintf(p, 40, "%s{\"role\":\"user\",\"content\":\"\"}",
			      i ? "," : "");
	snprintf(p, 8, "]}");
	expect_error(hist, MGEN_EINVAL, "\"history\" has 1001 messages");
	/* the file: missing, a folder */
	assert_int_equal(mgen_qa_read("/nonexistent/q.jsonl", &ex, &n, &err),
			 MGEN_EIO);
	assert_string_equal(err.msg, "/nonexistent/q.jsonl: cannot read");
	assert_int_equal(mgen_qa_read("/", &ex, &n, &err), MGEN_EIO);
	free(line);
	free(hist);
}

static void test_qa__loader_example_cap(void **st)
{
	const char *one = "{\"question\":\"q\",\"answer\":\"a\"}\n";
	size_t len = strlen(one), i, k = MGEN_QA_EXAMPLES_MAX + 1;
	char *text = malloc(len * k + 1);

	(void)st;
	assert_non_null(text);
	for (i = 0; i < k; i++)
		memcpy(text + i * len, one, len);
	text[len * k] = '\0';
	expect_error(text, MGEN_ELIMIT, "q.jsonl:100001: more than 100000");
	free(text);
}

/* The ask program's bound: each part from mgen_optimize_estimate on the
 * stage's set sizes (history examples for the rewrite, valset = the dev
 * history examples or its own trainset), 2 per history example to
 * prepare, the respond estimate again for the judge. */
static void test_qa__ask_bound_and_refusals(void **st)
{
	mgen_example **v = NULL;
	size_t n = 0;
	mgen_ask_options o = MGEN_ASK_OPTIONS_INIT;
	mgen_ask_calls c;
	mgen_program *prog = (mgen_program *)1;
	mgen_ask_eval ev;
	mgen_err err = MGEN_ERR_INIT;
	const mgen_example *const *tr, *const *dv;
	long long b;
	mgen_optimizer k;

	(void)st;
	assert_int_equal(
	    parse("{\"question\": \"q0\", \"answer\": \"a\"}\n"
		  "{\"question\": \"q1\", \"answer\": \"a\", \"history\": "
		  "[{\"role\": \"user\", \"content\": \"x\"}]}\n"
		  "{\"question\": \"q2\", \"answer\": \"a\", \"history\": "
		  "[{\"role\": \"user\", \"content\": \"y\"}]}\n"
		  "{\"question\": \"q3\", \"answer\": \"a\"}\n"
		  "{\"question\": \"q4\", \"answer\": \"a\"}\n",
		  &v, &n, NULL),
	    0);
	tr = (const mgen_example *const *)v; /* q0 q1 q2: 2 with history */
	dv = tr + 3;			     /* q3 q4: none */
	for (k = MGEN_OPT_LABELED; k <= MGEN_OPT_GEPA; k++) {
		b = mgen_ask_compile_estimate(k, tr, 3, dv, 2, &o, &c);
		assert_int_equal(c.rewrite,
				 mgen_optimize_estimate(k, 2, 2, &o.opt));
		assert_int_equal(c.prepare, 2 * 2);
		assert_int_equal(c.respond,
				 mgen_optimize_estimate(k, 3, 2, &o.opt));
		assert_int_equal(c.judge, 0);
		assert_int_equal(b, c.rewrite + c.prepare + c.respond);
	}
	o.judge = 1;
	o.opt.no_json_fallback = 1;
	b = mgen_ask_compile_estimate(MGEN_OPT_BOOTSTRAP, dv, 2, tr, 3, &o, &c);
	assert_int_equal(c.rewrite, 0); /* no training history: no stage */
	assert_int_equal(c.prepare, 2); /* the dev set's two, 1 call each */
	assert_int_equal(c.respond, 2 + 2 * 3);
	assert_int_equal(c.judge, c.respond);
	assert_int_equal(b, 2 + 2 * 8);
	assert_int_equal(mgen_ask_evaluate_estimate(tr, 3, &o), 2 + 3 + 3);
	/* refusals before any LM call (no LM at all here) */
	o.top_k = 0;
	mgen_err_clear(&err);
	assert_int_equal(mgen_ask_compile(MGEN_OPT_LABELED, NULL, &o, tr, 3, dv,
					  2, &prog, NULL, &err),
			 MGEN_EINVAL);
	assert_null(prog);
	assert_non_null(strstr(err.msg, "rag.top_k"));
	o.top_k = 5;
	o.max_context_tokens = 0;
	mgen_err_clear(&err);
	assert_int_equal(mgen_ask_evaluate(NULL, NULL, &o, dv, 2, &ev, &err),
			 MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "rag.max_context_tokens"));
	o.max_context_tokens = 400;
	mgen_err_clear(&err);
	assert_int_equal(mgen_ask_compile(MGEN_OPT_LABELED, NULL, &o, tr, 0, dv,
					  2, &prog, NULL, &err),
			 MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "empty trainset"));
	mgen_err_clear(&err);
	assert_int_equal(mgen_ask_evaluate(NULL, NULL, &o, dv, 0, &ev, &err),
			 MGEN_EINVAL);
	o.version = 99;
	mgen_err_clear(&err);
	assert_int_equal(mgen_ask_compile(MGEN_OPT_LABELED, NULL, &o, tr, 3, dv,
					  2, &prog, NULL, &err),
			 MGEN_EINVAL);
	assert_non_null(strstr(err.msg, "version 99"));
	mgen_qa_examples_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qa__f1_normalisation),
	    cmocka_unit_test(test_qa__recall_and_long_answers),
	    cmocka_unit_test(test_qa__citations),
	    cmocka_unit_test(test_qa__judge_answers),
	    cmocka_unit_test(test_qa__loader),
	    cmocka_unit_test(test_qa__loader_limits),
	    cmocka_unit_test(test_qa__loader_example_cap),
	    cmocka_unit_test(test_qa__ask_bound_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
