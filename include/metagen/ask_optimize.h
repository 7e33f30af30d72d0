/*
 * ask_optimize.h - compiling and evaluating the ask program (agent.h)
 * from a QA set (qa.h) with the optimizers of optimize.h, unchanged: each
 * predictor of the program is compiled as the single-predictor program
 * those optimizers take, on examples prepared the way the agent runs.
 *
 * Stages of mgen_ask_compile (DSPy compiles a multi-stage program with
 * one trace per run; metagen compiles the two predictors one after the
 * other, the first one's result used to prepare the second one's
 * examples - a deviation):
 *   1. rewrite   only when some training examples have a non-empty
 *                history (a question with no history never reaches the
 *                rewrite predictor: the agent uses it as the query). Its
 *                examples are those (question, history; search_query
 *                when the line gives one); its metric is retrieval: the
 *                share of the gold answer's tokens found in the context
 *                the predicted search_query retrieves
 *                (mgen_metric_token_recall), no LM call. Its valset is
 *                the devset's history examples, else its own trainset.
 *   2. prepare   every example (train and dev) gets the agent's input:
 *                the search query (the question, or for a history
 *                example the rewrite predictor's answer: one prediction)
 *                and the `context` BM25 retrieves for it, laid out as the
 *                agent lays it out (top_k chunks, max_context_tokens
 *                words, "[n] «title (source): text»" lines). Deviation:
 *                an example with nothing retrieved is still asked (the
 *                agent answers the not-known sentence without a call).
 *   3. respond   compiled on the prepared examples with the QA metric
 *                (qa.h: token F1 x citations factor; with `judge`, the
 *                LLM judge averaged in). GEPA's feedback names the
 *                expected answer, the F1 and the citation problem.
 * The program saved has both predictors ("rewrite": the compiled one or
 * the default; "respond") in DSPy's layout, loadable by mgen_agent_new.
 *
 * LM calls: the bound printed before starting is
 *   E(rewrite) + P x (history examples of train and dev)
 *   + E(respond) + (judge ? E(respond) : 0)
 * with E = mgen_optimize_estimate on that stage's set sizes and P = 2 per
 * prediction (1 with no_json_fallback): the judge runs at most once (P
 * calls) per scored respond prediction, and an optimizer makes at most
 * E / P predictions. The calls made never exceed it.
 */
#ifndef METAGEN_ASK_OPTIMIZE_H
#define METAGEN_ASK_OPTIMIZE_H

#include <stddef.h>

#include "lm.h"
#include "metagen.h"
#include "optimize.h"
#include "program.h"
#include "qa.h"
#include "rag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_ask_options {
	int version;		   /* MGEN_ASK_OPTIONS_VERSION */
	mgen_rag *rag;		   /* the index (borrowed); NULL = no context */
	int top_k;		   /* chunks per question, 1..128 */
	int max_context_tokens;	   /* words of context, >= 1 */
	int judge;		   /* 1: the LLM judge in the QA metric */
	mgen_optimize_options opt; /* optimizer settings (the stage
				      predictor names are set here) */
} mgen_ask_options;

#define MGEN_ASK_OPTIONS_VERSION 1
#define MGEN_ASK_OPTIONS_INIT                                                  \
	{                                                                      \
		MGEN_ASK_OPTIONS_VERSION, NULL, 5, 400, 0,                     \
		    MGEN_OPTIMIZE_OPTIONS_INIT                                 \
	}

/* The parts of the most LM calls (bound = their sum). */
typedef struct mgen_ask_calls {
	long long rewrite, prepare, respond, judge;
} mgen_ask_calls;

/*
 * The bound above for `kind` on `train` / `dev` (the history examples
 * are counted here), into *parts when not NULL. Returns the sum.
 */
long long mgen_ask_compile_estimate(mgen_optimizer kind,
				    const mgen_example *const *train,
				    size_t ntrain,
				    const mgen_example *const *dev, size_t ndev,
				    const mgen_ask_options *o,
				    mgen_ask_calls *parts);

/* What a compile did. */
typedef struct mgen_ask_result {
	mgen_ask_calls bound;		   /* per part, as printed */
	mgen_ask_calls made;		   /* per part, each <= its bound */
	double best_score, baseline_score; /* respond's dev scores, 0-100 */
	size_t rewrite_examples;	   /* training examples with history */
	size_t judge_failures;		   /* judge answers not read */
} mgen_ask_result;

/*
 * Compiles the ask program with optimizer `kind` (stages above) on
 * `train` and `dev` (QA examples from mgen_qa_read; dev may be empty for
 * LABELED and BOOTSTRAP). *out gets the program (caller frees) with
 * metadata set_meta(optimizer name, bound, made). Returns 0,
 * MGEN_EINVAL (bad version or setting, empty train, empty dev for a
 * search optimizer), the index's errors (MGEN_EDB), MGEN_ENOMEM; LM
 * failures during a compile count as failed examples (as optimize.h).
 */
int mgen_ask_compile(mgen_optimizer kind, mgen_lm *lm,
		     const mgen_ask_options *o,
		     const mgen_example *const *train, size_t ntrain,
		     const mgen_example *const *dev, size_t ndev,
		     mgen_program **out, mgen_ask_result *res, mgen_err *err);

/* The QA figures of a devset (means over its examples, 0-100). */
typedef struct mgen_ask_eval {
	size_t n;
	double score; /* the QA metric, DSPy Evaluate's aggregate */
	double f1;
	double citations; /* mean citations factor */
	double cited;	  /* share of answers citing >= 1 valid passage */
	double judge;	  /* mean J, or -1 without the judge */
	size_t failures;  /* predictions that failed (scored 0) */
	size_t judge_failures;
	long long lm_calls;
	long long bound; /* P x (history examples + n) (+ P x n judge) */
} mgen_ask_eval;

/* The bound of mgen_ask_evaluate on `dev` (the `bound` it reports). */
long long mgen_ask_evaluate_estimate(const mgen_example *const *dev,
				     size_t ndev, const mgen_ask_options *o);

/*
 * Scores the ask program saved at `program_path` (NULL = the default
 * program) on `dev`: prepares each example (stage 2 with the program's
 * rewrite), answers with its respond predictor and scores with the QA
 * metric. Returns 0 and *out, the program loader's errors (prefixed with
 * the path), MGEN_EINVAL, MGEN_EDB or MGEN_ENOMEM.
 */
int mgen_ask_evaluate(mgen_lm *lm, const char *program_path,
		      const mgen_ask_options *o, const mgen_example *const *dev,
		      size_t ndev, mgen_ask_eval *out, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
