/*
 * optimize_merge.c - `metagen optimize`'s second predictor: the merge
 * call of wide tables (comment_program.h "merge"). After the comment
 * predictor is compiled, the trainset's and devset's wide tables (more
 * columns than columns_per_call) are traced through it chunk by chunk
 * (mgen_merge_examples), and the merge predictor is compiled from those
 * merge examples with the same optimizer and settings, then saved in
 * the same program file. No wide table, or --optimizer knn (which makes
 * no LM call at compile): the merge predictor is saved with its
 * defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/comment_program.h"
#include "metagen/optimize.h"
#include "metagen/train.h"

/* The search optimizers score on a valset; without wide dev tables the
 * merge trainset is it (DSPy's `valset or trainset`). */
static int needs_valset(mgen_optimizer kind)
{
	return kind == MGEN_OPT_RANDOM_SEARCH || kind == MGEN_OPT_MIPRO ||
	       kind == MGEN_OPT_GEPA;
}

static size_t wide_count(mgen_example *const *ex, size_t n, size_t per)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += mgen_merge_chunks(ex[i], per) > 0;
	return k;
}

/* The merge compile's options: the comment compile's, for "merge". */
static mgen_optimize_options merge_options(const mgen_optimize_options *oo)
{
	mgen_optimize_options m = *oo;

	m.predictor_name = MGEN_MERGE_PREDICTOR;
	m.feedback = mgen_merge_feedback;
	m.feedback_ud = NULL;
	return m;
}

/* The valset size the merge compile gets for `ntr` training and `ndv`
 * dev merge examples; 0 also when GEPA's budget cannot score it once
 * (then the merge predictor is not compiled). */
static size_t merge_nval(mgen_optimizer kind, const mgen_optimize_options *m,
			 size_t ntr, size_t ndv)
{
	size_t nval = ndv == 0 && needs_valset(kind) ? ntr : ndv;
	mgen_gepa_plan pl;

	if (kind != MGEN_OPT_GEPA)
		return nval;
	mgen_gepa_plan_for(ntr, nval, m, &pl);
	return pl.metric_calls >= (long long)nval ? nval : 0;
}

long long optimize_merge_bound(mgen_optimizer kind,
			       const mgen_optimize_options *oo,
			       mgen_example *const *train, size_t ntrain,
			       mgen_example *const *dev, size_t ndev,
			       size_t per)
{
	mgen_optimize_options m = merge_options(oo);
	size_t wt = wide_count(train, ntrain, per);
	size_t nval = merge_nval(kind, &m, wt, wide_count(dev, ndev, per));
	long long b =
	    mgen_merge_trace_bound(train, ntrain, per, oo->no_json_fallback) +
	    mgen_merge_trace_bound(dev, ndev, per, oo->no_json_fallback);

	if (kind == MGEN_OPT_KNN) /* no tracing: knn asks nothing */
		return 0;
	if (wt > 0 && (nval > 0 || !needs_valset(kind)))
		b += mgen_optimize_estimate(kind, wt, nval, &m);
	return b;
}

/* Appends predictor `i` of `src` to `dst` under the name "merge". */
static int append_predictor(mgen_program *dst, const mgen_program *src,
			    size_t i, mgen_err *err)
{
	size_t k, p;
	int rc = mgen_program_add_predictor(
	    dst, MGEN_MERGE_PREDICTOR, mgen_program_instructions(src, i), err);

	p = mgen_program_count(dst) - 1;
	for (k = 0; rc == 0 && k < mgen_program_field_count(src, i); k++)
		rc = mgen_program_add_field(
		    dst, p, mgen_program_field_prefix(src, i, k),
		    mgen_program_field_description(src, i, k));
	for (k = 0; rc == 0 && k < mgen_program_demo_count(src, i); k++)
		rc = mgen_program_add_demo(dst, p, mgen_program_demo(src, i, k),
					   err);
	if (rc == 0 && mgen_program_lm(src, i))
		rc = mgen_program_set_lm(dst, p, mgen_program_lm(src, i), err);
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	return rc;
}

/* Traces the merge examples of the trainset and the devset through the
 * compiled comment program `cp`. */
static int trace_sets(mgen_lm *lm, const mgen_comment_program *cp,
		      const mgen_optimize_options *oo, size_t per,
		      const merge_sets *in, mgen_example ***mtr, size_t *ntr,
		      mgen_example ***mdv, size_t *ndv, long long *calls,
		      mgen_err *err)
{
	mgen_predict_options po = MGEN_PREDICT_OPTIONS_INIT;
	mgen_merge_trace tr;
	int rc;

	po.no_json_fallback = oo->no_json_fallback;
	tr.sig = mgen_comment_program_signature(cp);
	tr.demos = mgen_comment_program_demos(cp);
	tr.ndemos = mgen_comment_program_demo_count(cp);
	tr.per = per;
	tr.predict = &po;
	rc = mgen_merge_examples(lm, &tr, in->train, in->ntrain, mtr, ntr,
				 calls, err);
	if (rc == 0)
		rc = mgen_merge_examples(lm, &tr, in->dev, in->ndev, mdv, ndv,
					 calls, err);
	return rc;
}

int optimize_merge(mgen_optimizer kind, mgen_lm *lm,
		   const mgen_optimize_options *oo, const merge_sets *in,
		   size_t per, mgen_program *prog, mgen_optimize_result *res,
		   mgen_err *err)
{
	mgen_comment_program *cp = NULL;
	mgen_example **mtr = NULL, **mdv = NULL;
	size_t ntr = 0, ndv = 0, nval;
	mgen_program *mprog = NULL;
	mgen_optimize_options m = merge_options(oo);
	mgen_optimize_result mres;
	long long calls = 0;
	int rc = mgen_comment_program_from(prog, &cp, err);

	memset(&mres, 0, sizeof(mres));
	if (rc == 0 && kind != MGEN_OPT_KNN) /* knn: no LM at compile */
		rc = trace_sets(lm, cp, oo, per, in, &mtr, &ntr, &mdv, &ndv,
				&calls, err);
	nval = merge_nval(kind, &m, ntr, ndv);
	if (rc == 0 && ntr > 0 && (nval > 0 || !needs_valset(kind)))
		rc = mgen_optimize(
		    kind, lm, mgen_comment_program_merge(cp, NULL, NULL),
		    (const mgen_example *const *)mtr, ntr,
		    (const mgen_example *const *)(ndv ? mdv : mtr), nval,
		    mgen_merge_metric, NULL, &m, &mprog, &mres, err);
	if (rc == 0 && mprog)
		rc = append_predictor(prog, mprog, 0, err);
	else if (rc == 0) /* nothing to compile from: the defaults */
		rc = mgen_program_add_signature(
		    prog, MGEN_MERGE_PREDICTOR,
		    mgen_comment_program_merge(cp, NULL, NULL), err);
	if (rc == 0) {
		res->lm_calls_made += calls + mres.lm_calls_made;
		if (mprog)
			printf("metagen: merge predictor: %zu training and %zu "
			       "dev merge examples from tables over %zu "
			       "columns; %lld LM calls; dev score %.2f "
			       "(zero-shot %.2f); %zu demos\n",
			       ntr, ndv, per, calls + mres.lm_calls_made,
			       mres.best_score, mres.baseline_score,
			       mgen_program_demo_count(mprog, 0));
		else
			printf("metagen: merge predictor: %s (%zu training "
			       "merge examples from tables over %zu columns, "
			       "%lld LM calls); saved with its defaults\n",
			       kind == MGEN_OPT_KNN
				   ? "not compiled by knn (no LM call)"
			       : ntr ? "not compiled: the budget cannot score "
				       "its valset"
				     : "nothing to compile from",
			       ntr, per, calls);
	}
	mgen_program_free(mprog);
	mgen_train_examples_free(mtr, ntr);
	mgen_train_examples_free(mdv, ndv);
	mgen_comment_program_free(cp);
	return rc;
}
