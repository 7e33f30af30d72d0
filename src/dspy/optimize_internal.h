/*
 * optimize_internal.h - shared internals of the optimizers (opt_fewshot.c:
 * LabeledFewShot, BootstrapFewShot, random search, estimates;
 * opt_mipro.c: MIPROv2). Not part of the public API.
 */
#ifndef METAGEN_OPT_INTERNAL_H
#define METAGEN_OPT_INTERNAL_H

#include <stdint.h>

#include "metagen/optimize.h"

/* splitmix64 (Steele, Lea, Flood 2014): state += golden gamma, then mix. */
typedef struct opt_rng {
	uint64_t s;
} opt_rng;

uint64_t mgen__opt_rng_next(opt_rng *r);
/* Uniform in [0, n) (rejection sampling, no modulo bias); 0 when n = 0. */
size_t mgen__opt_rng_below(opt_rng *r, size_t n);
/* Fisher-Yates shuffle of v[0..n). */
void mgen__opt_shuffle(opt_rng *r, const mgen_example **v, size_t n);

/* A candidate program: its own signature copy and owned demos. */
typedef struct opt_cand {
	mgen_signature *sig;
	mgen_example **demos;
	size_t n, cap;
} opt_cand;

/* Appends a COPY of ex (augmented flag kept). 0 or MGEN_ENOMEM. */
int mgen__opt_cand_add(opt_cand *c, const mgen_example *ex);
void mgen__opt_cand_release(opt_cand *c);

/* Everything a compile shares. */
typedef struct opt_ctx {
	mgen_lm *lm;
	const mgen_signature *sig;
	const mgen_example *const *train;
	size_t ntrain;
	const mgen_example *const *val;
	size_t nval;
	mgen_metric_fn metric;
	void *ud;
	mgen_optimize_options o;
	long long made; /* LM calls made so far */
	size_t full_evals;
} opt_ctx;

/* 1 when `score` passes (metric_threshold > 0: >=, else > 0). */
int mgen__opt_pass(const opt_ctx *c, double score);

/* Logs at MGEN_LOG_INFO when a log callback is set. */
void mgen__opt_log(const opt_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* LabeledFewShot: min(k, n) of train drawn with splitmix64(seed) into a
 * fresh candidate (sig copied from c->sig). */
int mgen__opt_labeled(const opt_ctx *c, const mgen_example *const *train,
		      size_t n, size_t k, uint64_t seed, opt_cand *out,
		      mgen_err *err);

/* BootstrapFewShot over train[0..n) with max_boot bootstrapped demos. */
int mgen__opt_bootstrap(opt_ctx *c, const mgen_example *const *train, size_t n,
			size_t max_boot, opt_cand *out, mgen_err *err);

/* Demo-set candidate number i of the random search: seed i - 3. */
int mgen__opt_demo_candidate(opt_ctx *c, long seed, opt_cand *out,
			     mgen_err *err);

/* Scores `cand` on set[0..n) (c->made += calls); *score in [0, 100]. */
int mgen__opt_eval(opt_ctx *c, const opt_cand *cand,
		   const mgen_example *const *set, size_t n, double *score,
		   mgen_err *err);

/* The compiled program from the winner. */
int mgen__opt_program(const opt_ctx *c, const opt_cand *cand,
		      mgen_optimizer kind, long long estimate,
		      mgen_program **out, mgen_err *err);

/* MIPROv2 (opt_mipro.c): fills *best. */
int mgen__opt_mipro(opt_ctx *c, opt_cand *best, mgen_optimize_result *res,
		    mgen_err *err);

/* GEPA (src/dspy/opt_gepa.c): fills *best (instructions only). */
int mgen__opt_gepa(opt_ctx *c, opt_cand *best, mgen_optimize_result *res,
		   mgen_err *err);

/* KNNFewShot (opt_knn.c): keeps c's trainset in predictor 0's "train"
 * of `p` and sets its knn_k. 0, MGEN_ELIMIT or MGEN_ENOMEM. */
int mgen__opt_knn_program(const opt_ctx *c, mgen_program *p, mgen_err *err);

/* Predict options of a compile (fallback switch). */
mgen_predict_options mgen__opt_predict_options(const opt_ctx *c);

#endif
