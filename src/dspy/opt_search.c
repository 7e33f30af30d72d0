/*
 * opt_search.c - mgen_optimize (optimize.h): argument checks, the
 * estimate computed before any LM call, the dispatch to LabeledFewShot /
 * BootstrapFewShot (opt_fewshot.c), BootstrapFewShotWithRandomSearch
 * (here; dspy/teleprompt/random_search.py) and MIPROv2 (opt_mipro.c),
 * and the compiled program.
 */
#include <string.h>

#include "dspy/optimize_internal.h"

/* Seeds -3 .. C-1, each evaluated on the valset; strictly higher wins. */
static int random_search(opt_ctx *c, opt_cand *best, mgen_optimize_result *res,
			 mgen_err *err)
{
	opt_cand cand;
	double score, top = -1;
	long seed;
	int rc = 0;

	memset(best, 0, sizeof(*best));
	for (seed = -3; rc == 0 && seed < c->o.num_candidate_programs; seed++) {
		rc = mgen__opt_demo_candidate(c, seed, &cand, err);
		if (rc == 0)
			rc = mgen__opt_eval(c, &cand, c->val, c->nval, &score,
					    err);
		if (rc != 0) {
			mgen__opt_cand_release(&cand);
			break;
		}
		mgen__opt_log(c, "random search: seed %ld scores %.2f", seed,
			      score);
		if (seed == -3)
			res->baseline_score = score;
		if (score > top) {
			top = score;
			mgen__opt_cand_release(best);
			*best = cand;
		} else {
			mgen__opt_cand_release(&cand);
		}
	}
	res->best_score = top;
	return rc;
}

/* LabeledFewShot and BootstrapFewShot select nothing on a valset, but
 * when one is given the compiled program and zero-shot are scored on it,
 * so every optimizer reports its dev score (2 evaluations). */
static int score_on_val(opt_ctx *c, const opt_cand *best,
			mgen_optimize_result *res, mgen_err *err)
{
	opt_cand zero;
	int rc = mgen__opt_demo_candidate(c, -3, &zero, err);

	if (rc == 0)
		rc = mgen__opt_eval(c, &zero, c->val, c->nval,
				    &res->baseline_score, err);
	mgen__opt_cand_release(&zero);
	if (rc == 0)
		rc = mgen__opt_eval(c, best, c->val, c->nval, &res->best_score,
				    err);
	return rc;
}

int mgen_optimize(mgen_optimizer kind, mgen_lm *lm, const mgen_signature *sig,
		  const mgen_example *const *trainset, size_t ntrain,
		  const mgen_example *const *valset, size_t nval,
		  mgen_metric_fn metric, void *ud,
		  const mgen_optimize_options *opts, mgen_program **out,
		  mgen_optimize_result *res, mgen_err *err)
{
	mgen_optimize_options def = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_optimize_result local;
	opt_ctx c;
	opt_cand best;
	int rc, search = kind == MGEN_OPT_RANDOM_SEARCH ||
			 kind == MGEN_OPT_MIPRO || kind == MGEN_OPT_GEPA;

	*out = NULL;
	memset(&best, 0, sizeof(best));
	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->best_score = res->baseline_score = -1;
	if (opts == NULL)
		opts = &def;
	if (opts->version != MGEN_OPTIMIZE_OPTIONS_VERSION || metric == NULL ||
	    sig == NULL || ntrain == 0 || (search && nval == 0))
		return mgen_err_set(err, MGEN_EINVAL,
				    "optimize: needs a metric, a non-empty "
				    "trainset%s and options version %d",
				    search ? ", a non-empty valset" : "",
				    MGEN_OPTIMIZE_OPTIONS_VERSION);
	memset(&c, 0, sizeof(c));
	c.lm = lm;
	c.sig = sig;
	c.train = trainset;
	c.ntrain = ntrain;
	c.val = valset;
	c.nval = nval;
	c.metric = metric;
	c.ud = ud;
	res->lm_calls_estimate =
	    mgen_optimize_estimate(kind, ntrain, nval, opts);
	c.o = *opts;
	/* the same defaults the estimate applied */
	if (c.o.max_rounds < 1)
		c.o.max_rounds = 1;
	if (c.o.minibatch_size == 0)
		c.o.minibatch_size = 35;
	if (c.o.full_eval_every <= 0)
		c.o.full_eval_every = 5;
	mgen__opt_log(&c, "%s: at most %lld lm calls",
		      mgen_optimizer_name(kind), res->lm_calls_estimate);
	switch (kind) {
	case MGEN_OPT_LABELED:
		rc = mgen__opt_labeled(&c, trainset, ntrain, c.o.k, c.o.seed,
				       &best, err);
		break;
	case MGEN_OPT_BOOTSTRAP:
		rc =
		    mgen__opt_bootstrap(&c, trainset, ntrain,
					c.o.max_bootstrapped_demos, &best, err);
		break;
	case MGEN_OPT_RANDOM_SEARCH:
		rc = random_search(&c, &best, res, err);
		break;
	case MGEN_OPT_MIPRO:
		rc = mgen__opt_mipro(&c, &best, res, err);
		break;
	case MGEN_OPT_GEPA:
		rc = mgen__opt_gepa(&c, &best, res, err);
		break;
	case MGEN_OPT_KNN: /* zero-shot; the demos come per call */
		rc = c.o.k < 1 || c.o.k > MGEN_KNN_MAX_K
			 ? mgen_err_set(err, MGEN_EINVAL,
					"knn: k must be from 1 to %d, got %zu",
					MGEN_KNN_MAX_K, c.o.k)
			 : mgen__opt_labeled(&c, trainset, ntrain, 0, 0, &best,
					     err);
		break;
	default:
		rc = mgen_err_set(err, MGEN_EINVAL, "optimize: unknown kind");
	}
	if (rc == 0 && !search && nval > 0 && kind != MGEN_OPT_KNN)
		rc = score_on_val(&c, &best, res, err);
	res->lm_calls_made = c.made;
	res->candidates_evaluated = c.full_evals;
	if (rc == 0)
		rc = mgen__opt_program(&c, &best, kind, res->lm_calls_estimate,
				       out, err);
	if (rc == 0 && kind == MGEN_OPT_KNN &&
	    (rc = mgen__opt_knn_program(&c, *out, err)) != 0) {
		mgen_program_free(*out);
		*out = NULL;
	}
	mgen__opt_cand_release(&best);
	return rc;
}
