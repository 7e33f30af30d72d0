/*
 * optimize.h - the generic DSPy-style optimized path: run one predictor
 * (mgen_predict), score a program over a devset (mgen_evaluate), and
 * compile a program with an optimizer (mgen_optimize) into an
 * mgen_program (program.h) ready to save in DSPy's layout.
 *
 * Generic: nothing here knows about tables or comments. A "program" is
 * ONE predictor: a signature (whose instructions are the prompt's task
 * description) plus demos (mgen_example, signature.h). For
 * ChainOfThought the caller passes mgen_signature_chain_of_thought(sig)
 * (dspy/predict/chain_of_thought.py); demos and predictions then carry
 * `reasoning`.
 *
 * Mirrors DSPy 3.x (docs/reference/dspy.md "Predict /
 * ChainOfThought", "Optimizers", "Evaluate"):
 *   mgen_predict    dspy/predict/predict.py + dspy/adapters/chat_adapter.py
 *                   (__call__: ChatAdapter, on a parse error the whole
 *                   call again with JSONAdapter)
 *   mgen_evaluate   dspy/evaluate/evaluate.py
 *   MGEN_OPT_LABELED          dspy/teleprompt/vanilla.py (LabeledFewShot)
 *   MGEN_OPT_BOOTSTRAP        dspy/teleprompt/bootstrap.py
 *   MGEN_OPT_RANDOM_SEARCH    dspy/teleprompt/random_search.py
 *   MGEN_OPT_MIPRO            dspy/teleprompt/mipro_optimizer_v2.py,
 *                             dspy/propose/grounded_proposer.py,
 *                             dspy/propose/dataset_summary_generator.py
 * Deviations are marked "Deviation" below.
 *
 * Randomness: every random choice (LabeledFewShot's sample, the
 * random-search shuffles, MIPRO's tips, minibatches and exploration)
 * comes from splitmix64 (Steele, Lea, Flood 2014; Vigna's reference
 * constants) seeded with the option `seed` (plus a documented offset).
 * Same inputs and seed -> same demos, byte for byte. Deviation: Python's
 * random.Random (Mersenne Twister) is NOT reproduced bit for bit, so the
 * demos chosen differ from DSPy's for the same seed.
 *
 * LM calls: one "LM call" is one mgen_lm_chat request (a cache hit
 * counts; HTTP retries inside it do not). Every optimizer computes the
 * most calls it can make BEFORE starting (mgen_optimize_estimate), each
 * prediction counted as 2 (ChatAdapter + the JSONAdapter fallback, 1
 * when the fallback is off); the calls actually made never exceed it.
 *
 * Thread safety: mgen_predict and mgen_evaluate may run concurrently on
 * one shared mgen_lm (lm.h is thread-safe). The metric callback is
 * called from several threads at once and must be thread-safe.
 */
#ifndef METAGEN_OPTIMIZE_H
#define METAGEN_OPTIMIZE_H

#include <stddef.h>

#include "buf.h"
#include "lm.h"
#include "metagen.h"
#include "program.h"
#include "signature.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Predict                                                             */
/* ------------------------------------------------------------------ */

typedef enum mgen_adapter_kind {
	MGEN_ADAPTER_NONE = 0, /* no answer parsed */
	MGEN_ADAPTER_CHAT = 1,
	MGEN_ADAPTER_JSON = 2
} mgen_adapter_kind;

/*
 * One LM call of a prediction, as mgen_predict reports it to
 * mgen_predict_options.on_call once the call returned (before its answer
 * is parsed): for tracing. `response` is borrowed for the callback only
 * (its strings may be NULL after a failure; usage, attempts, http_status,
 * latency_ms and cache_hit are set either way, lm.h).
 */
typedef struct mgen_predict_call {
	int adapter;	 /* mgen_adapter_kind that rendered the call */
	double start_ms; /* CLOCK_MONOTONIC milliseconds at the call */
	double ms;	 /* its wall time */
	int rc;		 /* mgen_lm_chat_ex's result: 0 or an error code */
	const struct mgen_lm_response *response;
} mgen_predict_call;

typedef void (*mgen_predict_call_fn)(void *ud, const mgen_predict_call *c);

typedef struct mgen_predict_options {
	int version;		/* MGEN_PREDICT_OPTIONS_VERSION */
	int no_json_fallback;	/* 1: a ChatAdapter parse error is final */
	double temperature;	/* < 0: the client's temperature */
	const char *rollout_id; /* NULL: the client's (cache key only) */
	/* since version 2 */
	mgen_predict_call_fn on_call; /* NULL = none; called on the calling
					 thread after each LM call */
	void *on_call_ud;
} mgen_predict_options;

/* Version 1 (up to rollout_id) is still accepted and means no on_call. */
#define MGEN_PREDICT_OPTIONS_VERSION 2
#define MGEN_PREDICT_OPTIONS_INIT                                              \
	{                                                                      \
		MGEN_PREDICT_OPTIONS_VERSION, 0, -1.0, NULL, NULL, NULL        \
	}

/* What one prediction cost and how it was answered. */
typedef struct mgen_predict_info {
	int lm_calls;	    /* mgen_lm_chat calls made: 0, 1 or 2 */
	long prompt_tokens; /* summed over those calls */
	long completion_tokens;
	int cache_hits;		   /* of those calls */
	mgen_adapter_kind adapter; /* which adapter's parse succeeded */
} mgen_predict_info;

/*
 * One prediction: renders `sig` (its instructions included), `demos`
 * and `inputs` with the ChatAdapter, calls the LM (with the overrides
 * of `opts`), parses with mgen_chat_adapter_parse. On a PARSE error only
 * (MGEN_EPARSE from the parser; an LM/HTTP error is returned at once)
 * and unless opts->no_json_fallback, the whole call is made again with
 * the JSONAdapter and its response_format, as DSPy's ChatAdapter does.
 * `demos` may be NULL when ndemos is 0; `opts` NULL = defaults; `info`
 * may be NULL and is filled on success and failure.
 * On success *outputs holds every output field of `sig` (caller frees
 * with mgen_example_free). Returns 0, MGEN_EPARSE (both parses failed:
 * `err` holds the last parser's message), any error of mgen_lm_chat
 * (MGEN_EHTTP, MGEN_EAUTH, ...), MGEN_ELIMIT, MGEN_EINVAL (bad opts
 * version) or MGEN_ENOMEM.
 */
int mgen_predict(mgen_lm *lm, const mgen_signature *sig,
		 const mgen_example *const *demos, size_t ndemos,
		 const mgen_example *inputs, const mgen_predict_options *opts,
		 mgen_example **outputs, mgen_predict_info *info,
		 mgen_err *err);

/* ------------------------------------------------------------------ */
/* Evaluate                                                            */
/* ------------------------------------------------------------------ */

/*
 * A metric: the score of `prediction` (the output fields) for `example`
 * (the gold), usually in [0, 1]; has_trace is 1 while bootstrapping
 * (DSPy's `trace` argument is not None: be strict), 0 when evaluating.
 * Called from several threads at once.
 */
typedef double (*mgen_metric_fn)(void *ud, const mgen_example *example,
				 const mgen_example *prediction, int has_trace);

typedef struct mgen_evaluate_options {
	int version; /* MGEN_EVALUATE_OPTIONS_VERSION */
	int threads; /* worker threads; <= 0 = 8 (DSPy's default) */
	mgen_predict_options predict;
} mgen_evaluate_options;

#define MGEN_EVALUATE_OPTIONS_VERSION 1
#define MGEN_EVALUATE_OPTIONS_INIT                                             \
	{                                                                      \
		MGEN_EVALUATE_OPTIONS_VERSION, 8, MGEN_PREDICT_OPTIONS_INIT    \
	}

/* The outcome of mgen_evaluate; release with mgen_evaluate_result_release. */
typedef struct mgen_evaluate_result {
	double score;	/* 100 * sum / n, 2 decimals (mgen_metric_
			   evaluate_score); 0 when n is 0 */
	double *scores; /* n per-example scores, devset order (owned) */
	size_t n;
	size_t failures;    /* examples whose prediction failed (scored 0) */
	long long lm_calls; /* mgen_lm_chat calls made */
	long long prompt_tokens, completion_tokens;
	char first_error[256]; /* message of the first failure, or "" */
} mgen_evaluate_result;

/*
 * DSPy's Evaluate: predicts every example of `devset` (its input fields
 * are the inputs; extra keys ignored) with `sig` and `demos` in
 * opts->threads threads sharing `lm`, and scores each prediction with
 * metric(ud, example, prediction, 0). A failed prediction (any error of
 * mgen_predict but MGEN_ENOMEM) scores 0 and is counted in `failures`.
 * `opts` NULL = defaults. Fills `out` (zeroed first). Returns 0,
 * MGEN_EINVAL (NULL metric, bad version) or MGEN_ENOMEM.
 */
int mgen_evaluate(mgen_lm *lm, const mgen_signature *sig,
		  const mgen_example *const *demos, size_t ndemos,
		  const mgen_example *const *devset, size_t n,
		  mgen_metric_fn metric, void *ud,
		  const mgen_evaluate_options *opts, mgen_evaluate_result *out,
		  mgen_err *err);

/* Frees out->scores and zeroes the struct. NULL is harmless. */
void mgen_evaluate_result_release(mgen_evaluate_result *r);

/* ------------------------------------------------------------------ */
/* Optimizers                                                          */
/* ------------------------------------------------------------------ */

typedef enum mgen_optimizer {
	MGEN_OPT_LABELED = 0,	    /* "labeled_few_shot" */
	MGEN_OPT_BOOTSTRAP = 1,	    /* "bootstrap_few_shot" */
	MGEN_OPT_RANDOM_SEARCH = 2, /* "bootstrap_few_shot_random_search" */
	MGEN_OPT_MIPRO = 3,	    /* "miprov2" */
	MGEN_OPT_GEPA = 4,	    /* "gepa" (opt_gepa.c) */
	MGEN_OPT_KNN = 5	    /* "knn_few_shot" (opt_knn.c) */
} mgen_optimizer;

/*
 * GEPA's textual feedback on one prediction (DSPy's GEPA metric returning
 * dspy.Prediction(score, feedback)): writes into *feedback (caller frees)
 * what the prediction got wrong against the gold `example`, for the
 * reflection LM to read. Returns 0 or MGEN_ENOMEM. Called from one thread
 * at a time by the optimizer, but must not keep state between calls.
 */
typedef int (*mgen_feedback_fn)(void *ud, const mgen_example *example,
				const mgen_example *prediction,
				char **feedback);

/* MIPROv2's and GEPA's budget levels (DSPy's AUTO_RUN_SETTINGS). */
typedef enum mgen_mipro_auto {
	MGEN_MIPRO_LIGHT = 0,  /* n = 6 candidates */
	MGEN_MIPRO_MEDIUM = 1, /* n = 12 */
	MGEN_MIPRO_HEAVY = 2   /* n = 18 */
} mgen_mipro_auto;

typedef struct mgen_optimize_options {
	int version;		       /* MGEN_OPTIMIZE_OPTIONS_VERSION */
	const char *predictor_name;    /* in the program; NULL = "self" */
	unsigned long long seed;       /* PRNG seed; default 0 (DSPy's 0) */
	size_t k;		       /* LabeledFewShot k; default 16 */
	size_t max_bootstrapped_demos; /* default 4 */
	size_t max_labeled_demos;      /* default 16 */
	int max_rounds;		       /* default 1 */
	double metric_threshold;       /* > 0: pass when score >= it; <= 0: pass
					  when score > 0 (DSPy's truthiness) */
	int num_candidate_programs;    /* random search; default 16 */
	mgen_mipro_auto mipro_auto;    /* default light */
	size_t minibatch_size;	       /* MIPRO; default 35 */
	int full_eval_every;	       /* MIPRO; default 5 trials */
	int threads;		       /* evaluation threads; default 8 */
	int no_json_fallback;	       /* 1: predictions make one call */
	mgen_log_fn log;	       /* optional progress (MGEN_LOG_INFO) */
	void *log_userdata;
	long long max_metric_calls;	  /* GEPA: > 0 = this budget of
					     predictions, else mipro_auto's */
	size_t reflection_minibatch_size; /* GEPA; default 3 */
	mgen_feedback_fn feedback;	  /* GEPA; NULL = the score only */
	void *feedback_ud;
} mgen_optimize_options;

#define MGEN_OPTIMIZE_OPTIONS_VERSION 1
#define MGEN_OPTIMIZE_OPTIONS_INIT                                             \
	{                                                                      \
		MGEN_OPTIMIZE_OPTIONS_VERSION, NULL, 0, 16, 4, 16, 1, -1.0,    \
		    16, MGEN_MIPRO_LIGHT, 35, 5, 8, 0, NULL, NULL, 0, 3, NULL, \
		    NULL                                                       \
	}

/* What a compile cost. */
typedef struct mgen_optimize_result {
	long long lm_calls_estimate; /* = mgen_optimize_estimate() */
	long long lm_calls_made;     /* <= lm_calls_estimate */
	double best_score;	     /* valset score of the winner (every
					optimizer given a valset; -1 without) */
	double baseline_score;	     /* zero-shot valset score (the same) */
	size_t candidates_evaluated; /* full valset evaluations */
} mgen_optimize_result;

/* The name written as metadata.metagen.optimizer (static string). */
const char *mgen_optimizer_name(mgen_optimizer kind);

/*
 * The most LM calls mgen_optimize(kind, ..., ntrain, nval, opts) can
 * make; P = 2 per prediction (1 with no_json_fallback), R = max_rounds,
 * C = num_candidate_programs, n = MIPRO's 6/12/18:
 *   LABELED        2 * P * nval              (zero-shot and the program
 *                                             scored on the valset)
 *   BOOTSTRAP      P * ntrain * R            (one teacher run per
 *                  + 2 * P * nval             example and round; the
 *                                             same two scores)
 *   RANDOM_SEARCH  (C + 1) * P * ntrain * R  (seed -1 and seeds 0..C-1
 *                  + (C + 3) * P * nval       bootstrap; every candidate
 *                                             is evaluated)
 *   MIPRO          see mgen_mipro_plan: summary calls + (n - 1)
 *                  proposals, each * P; (n - 2) bootstraps * P * ntrain
 *                  * R; trials * P * minibatch; (1 + full evaluations)
 *                  * P * nval.
 *   GEPA           see mgen_gepa_plan: P * metric calls + reflections.
 *   KNN            0 (the demos are chosen at prediction time; no
 *                  bootstrap and no valset score at compile)
 * opts NULL = defaults. Never negative.
 */
long long mgen_optimize_estimate(mgen_optimizer kind, size_t ntrain,
				 size_t nval,
				 const mgen_optimize_options *opts);

/*
 * MIPRO's plan for a run: n candidates (instructions and demo sets),
 * trials = (size_t)max(2 * V * log2(n), 1.5 * n) with V = 2 (one
 * predictor: its instruction and its demo set; DSPy's num_vars), the
 * minibatch min(minibatch_size, nval), full evaluations = ceil(trials /
 * full_eval_every) (plus the baseline), the dataset summary's calls =
 * ceil(min(ntrain, 50) / 10) batch calls + 1 final one (0 when ntrain is
 * 0). For light: n 6 -> 10 trials; medium 12 -> 18; heavy 18 -> 27.
 */
typedef struct mgen_mipro_plan {
	size_t n, trials, minibatch, full_evals, summary_calls;
} mgen_mipro_plan;

/* Fills *out with the plan above for `ntrain` training and `nval`
 * validation examples at opts->mipro_auto (NULL opts: the defaults). */
void mgen_mipro_plan_for(size_t ntrain, size_t nval,
			 const mgen_optimize_options *opts,
			 mgen_mipro_plan *out);

/*
 * GEPA's plan (opt_gepa.c): B = metric_calls, the predictions it may
 * make: opts->max_metric_calls when > 0, else DSPy's auto_budget for one
 * predictor at opts->mipro_auto (n = 6/12/18, trials N as MIPRO's,
 * minibatch M = 35, full evaluation every m = 5 trials):
 *   B = V + 5n + N*M + ((N + 1) / m + 1 + (N < m)) * V,  V = nval
 * (light 4V + 380, medium 5V + 690, heavy 7V + 1035). minibatch =
 * min(reflection_minibatch_size, ntrain) = mb. An iteration starts only
 * while the calls used + 2 mb + V <= B (it may evaluate the parent and
 * the child on a minibatch and the child on the valset), so B is never
 * exceeded; each iteration uses >= mb and makes <= 1 reflection call:
 *   iterations = B >= 2V + 2mb ? (B - 2V - mb) / mb : 0
 *   lm_calls   = P * B + iterations   (P as above)
 */
typedef struct mgen_gepa_plan {
	long long metric_calls, iterations, lm_calls;
	size_t minibatch;
} mgen_gepa_plan;

/* Fills *out with the plan above (NULL opts: the defaults). */
void mgen_gepa_plan_for(size_t ntrain, size_t nval,
			const mgen_optimize_options *opts, mgen_gepa_plan *out);

/*
 * Compiles the student `sig` (zero-shot; its instructions are the
 * starting instruction) with optimizer `kind` on `trainset` (demos come
 * from here) and `valset` (the search optimizers score candidates here;
 * LABELED and BOOTSTRAP ignore it, and nval may be 0 for them).
 * Examples hold every input and output field of `sig` (extra keys are
 * kept in labeled demos, as DSPy keeps dspy_uuid).
 *
 *   LABELED: min(k, ntrain) training examples drawn without replacement
 *     (partial Fisher-Yates with splitmix64(seed)) as raw demos, in draw
 *     order. No LM call.
 *   BOOTSTRAP: teacher = `sig` with LabeledFewShot(max_labeled_demos)
 *     demos; the trainset is walked in order; for each example, up to
 *     max_rounds attempts (round r > 0 at temperature 1.0 with rollout
 *     id "r" - DSPy's lm.copy(rollout_id=r, temperature=1.0)) run the
 *     teacher WITHOUT that example among its demos; the first attempt
 *     whose metric(ex, pred, has_trace=1) passes yields an augmented
 *     demo: every input of the example then every output predicted.
 *     Stops at max_bootstrapped_demos; then raw demos fill up to
 *     max_labeled_demos from the examples not bootstrapped, shuffled
 *     with splitmix64(seed). Demos = bootstrapped, then raw.
 *   RANDOM_SEARCH: candidates seed -3 zero-shot, -2 LabeledFewShot(
 *     max_labeled_demos), -1 BOOTSTRAP on the trainset as given, seeds
 *     s = 0..C-1: the trainset shuffled with splitmix64(seed + s) and
 *     BOOTSTRAP with max_bootstrapped drawn uniformly in [1, max]. Each
 *     is evaluated on the valset; a candidate replaces the best only
 *     with a STRICTLY higher score (ties keep the earlier one).
 *   MIPRO: see opt_mipro.c's head comment. Deviations: no TPE (an
 *     epsilon-greedy search over per-component mean minibatch scores);
 *     its demo sets use max_bootstrapped/max_labeled_demos from `opts`
 *     (DSPy's MIPROv2 defaults both to 4: pass 4 and 4 to match); the
 *     proposer gets the signature's string form where DSPy gives the
 *     program's source code and an LM-written program description.
 *   GEPA: see opt_gepa.c's head comment (reflective instruction
 *     evolution on a Pareto frontier of per-example valset scores;
 *     opts->feedback writes the textual feedback).
 *   KNN: KNNFewShot(k = opts->k): the student's instructions, no demos,
 *     every training example (mgen_example_to_json) in the predictor's
 *     "train" and knn_k = k in the metadata (mgen_program_set_knn); the
 *     demos of each call are mgen_knn_nearest's. No LM call; the valset
 *     is not scored (best and baseline -1). Deviation: DSPy's KNNFewShot
 *     runs BootstrapFewShot on the k neighbours at every call; metagen
 *     uses them as labeled demos (DSPy's max_bootstrapped_demos=0).
 *     MGEN_EINVAL when k is not in 1..MGEN_KNN_MAX_K, MGEN_ELIMIT over
 *     MGEN_PROGRAM_MAX_TRAIN examples.
 * The program gets one predictor (opts->predictor_name) with the
 * winner's instructions, the fields of `sig` (prefix, description) and
 * its demos (mgen_example_to_json), lm null, and metadata
 * set_meta(mgen_optimizer_name(kind), estimate, made). `res` may be
 * NULL. LM failures during bootstrapping/proposals count as failed
 * attempts (DSPy skips them too), not as errors.
 * Returns 0 and *out (caller frees), MGEN_EINVAL (NULL metric, empty
 * trainset, empty valset for the search optimizers (random search,
 * MIPRO, GEPA), a GEPA budget below nval, bad version), MGEN_ENOMEM.
 */
int mgen_optimize(mgen_optimizer kind, mgen_lm *lm, const mgen_signature *sig,
		  const mgen_example *const *trainset, size_t ntrain,
		  const mgen_example *const *valset, size_t nval,
		  mgen_metric_fn metric, void *ud,
		  const mgen_optimize_options *opts, mgen_program **out,
		  mgen_optimize_result *res, mgen_err *err);

/* ------------------------------------------------------------------ */
/* KNNFewShot's retriever (opt_knn.c)                                  */
/* ------------------------------------------------------------------ */

/* Longest key text indexed or searched, in bytes (cut after a space). */
#define MGEN_KNN_KEY_BYTES 16384

typedef struct mgen_knn mgen_knn;

/* Writes the retrieval key of `ex` (inputs of a call or a training
 * example) into `out`. Returns 0 or a negative mgen_error_code. */
typedef int (*mgen_knn_key_fn)(void *ud, const mgen_example *ex, mgen_buf *out);

/*
 * The nearest-example retriever over train[0..n) (borrowed: it must
 * outlive the retriever, as must `sig` and `ud`): each example's key -
 * key(ud, ex), or with key NULL the value of every input field of `sig`
 * the example has, joined by " | ", JSON values as compact JSON
 * (deviation: dspy/predict/knn.py writes "name: value"; under BM25 a name
 * every example shares would match them all) - cut at MGEN_KNN_KEY_BYTES
 * and indexed as
 * one chunk of a private in-memory RAG index (rag.h, mgen_rag_open
 * ":memory:"; never the configured rag.index). n may be 0. Returns 0,
 * MGEN_EINVAL (k not in 1..MGEN_KNN_MAX_K, n > MGEN_PROGRAM_MAX_TRAIN,
 * neither sig nor key), the key function's errors, MGEN_EDB, MGEN_ENOMEM.
 */
int mgen_knn_new(const mgen_signature *sig, const mgen_example *const *train,
		 size_t n, size_t k, mgen_knn_key_fn key, void *ud,
		 mgen_knn **out, mgen_err *err);

/*
 * The positions (into the trainset) of the min(k, n) examples nearest to
 * `inputs`, nearest first, into idx[0..*n) (room for k): first the BM25
 * hits of the inputs' key (mgen_rag_search; equal scores in trainset
 * order), then the examples sharing no word with it, in trainset order.
 * Same inputs, same answer. Thread-safe (a lock around the index).
 * Returns 0, MGEN_EDB, MGEN_ENOMEM or the key function's errors.
 */
int mgen_knn_nearest(mgen_knn *knn, const mgen_example *inputs, size_t *idx,
		     size_t *n, mgen_err *err);

/* The retriever's k. */
size_t mgen_knn_k(const mgen_knn *knn);

/* Frees the retriever (not what it borrows). NULL is harmless. */
void mgen_knn_free(mgen_knn *knn);

#ifdef __cplusplus
}
#endif

#endif
