/*
 * opt_fewshot.c - the few-shot optimizers of optimize.h: LabeledFewShot
 * (dspy/teleprompt/vanilla.py), BootstrapFewShot (bootstrap.py),
 * BootstrapFewShotWithRandomSearch (random_search.py), the LM-call
 * estimates, the splitmix64 PRNG, and mgen_optimize's dispatch.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/optimize_internal.h"
#include "util/hash.h"

uint64_t mgen__opt_rng_next(opt_rng *r)
{
	return mgen__splitmix64_next(&r->s);
}

size_t mgen__opt_rng_below(opt_rng *r, size_t n)
{
	uint64_t lim, x;

	if (n == 0)
		return 0;
	lim = UINT64_MAX - UINT64_MAX % n;
	do
		x = mgen__opt_rng_next(r);
	while (x >= lim);
	return (size_t)(x % n);
}

void mgen__opt_shuffle(opt_rng *r, const mgen_example **v, size_t n)
{
	const mgen_example *t;
	size_t i, j;

	for (i = n; i > 1; i--) {
		j = mgen__opt_rng_below(r, i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

int mgen__opt_cand_add(opt_cand *c, const mgen_example *ex)
{
	mgen_example **d;
	size_t cap;

	if (c->n == c->cap) {
		cap = c->cap ? 2 * c->cap : 8;
		d = realloc(c->demos, cap * sizeof(*d));
		if (d == NULL)
			return MGEN_ENOMEM;
		c->demos = d;
		c->cap = cap;
	}
	if (mgen_example_copy(ex, &c->demos[c->n]) != 0)
		return MGEN_ENOMEM;
	c->n++;
	return 0;
}

void mgen__opt_cand_release(opt_cand *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		mgen_example_free(c->demos[i]);
	free(c->demos);
	mgen_signature_free(c->sig);
	memset(c, 0, sizeof(*c));
}

int mgen__opt_pass(const opt_ctx *c, double score)
{
	return c->o.metric_threshold > 0 ? score >= c->o.metric_threshold
					 : score > 0;
}

void mgen__opt_log(const opt_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (c->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->o.log(c->o.log_userdata, MGEN_LOG_INFO, msg);
}

mgen_predict_options mgen__opt_predict_options(const opt_ctx *c)
{
	mgen_predict_options p = MGEN_PREDICT_OPTIONS_INIT;

	p.no_json_fallback = c->o.no_json_fallback;
	return p;
}

static int cand_init(const opt_ctx *c, opt_cand *out, mgen_err *err)
{
	memset(out, 0, sizeof(*out));
	if (mgen_signature_copy(c->sig, &out->sig) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "optimize: oom");
	return 0;
}

/* Pointers to train[0..n) (caller frees). NULL on ENOMEM (or n 0). */
static const mgen_example **ptr_copy(const mgen_example *const *v, size_t n)
{
	const mgen_example **p = malloc((n ? n : 1) * sizeof(*p));

	if (p && n)
		memcpy(p, v, n * sizeof(*p));
	return p;
}

/* The first min(k, n) draws of a partial Fisher-Yates over p[0..n)
 * (position i takes a draw from [i, n)); returns that count. */
static size_t sample_ptrs(const mgen_example **p, size_t n, size_t k,
			  uint64_t seed)
{
	const mgen_example *t;
	opt_rng r = {seed};
	size_t i, j;

	if (k > n)
		k = n;
	for (i = 0; i < k; i++) {
		j = i + mgen__opt_rng_below(&r, n - i);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return k;
}

int mgen__opt_labeled(const opt_ctx *c, const mgen_example *const *train,
		      size_t n, size_t k, uint64_t seed, opt_cand *out,
		      mgen_err *err)
{
	const mgen_example **p = ptr_copy(train, n);
	size_t i;
	int rc = cand_init(c, out, err);

	if (rc == 0 && p == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "optimize: out of memory");
	k = p ? sample_ptrs(p, n, k, seed) : 0;
	for (i = 0; rc == 0 && i < k; i++)
		if (mgen__opt_cand_add(out, p[i]) != 0)
			rc = mgen_err_set(err, MGEN_ENOMEM, "optimize: oom");
	free(p);
	return rc;
}

/* The augmented demo: every input of ex, then every predicted output. */
static int augmented_demo(const mgen_signature *sig, const mgen_example *ex,
			  const mgen_example *pred, mgen_example **out)
{
	mgen_sig_field f;
	const mgen_example *src;
	char *v = NULL;
	size_t i, nf = mgen_signature_n_fields(sig);
	int rc = mgen_example_new(out);

	for (i = 0; rc == 0 && i < nf; i++) {
		mgen_signature_field(sig, i, &f);
		src = f.is_output ? pred : ex;
		if (mgen_example_get_json(src, f.name, &v) != 0)
			continue;
		rc = mgen_example_set_json(*out, f.name, v, NULL);
		free(v);
		v = NULL;
	}
	if (rc == 0)
		mgen_example_set_augmented(*out, 1);
	else {
		mgen_example_free(*out);
		*out = NULL;
	}
	return rc ? MGEN_ENOMEM : 0;
}

/* One teacher attempt on train[x]; *demo set when the metric passes. */
static int bootstrap_one(opt_ctx *c, const mgen_example *const *tdemos,
			 size_t tn, const mgen_example *ex, int round,
			 mgen_example **demo)
{
	mgen_predict_options po = mgen__opt_predict_options(c);
	const mgen_example **d = ptr_copy(tdemos, tn);
	mgen_predict_info info;
	mgen_example *pred = NULL;
	char rid[32];
	size_t i, nd = 0;
	int rc;

	*demo = NULL;
	if (d == NULL)
		return MGEN_ENOMEM;
	for (i = 0; i < tn; i++) /* the example is not its own demo */
		if (tdemos[i] != ex)
			d[nd++] = tdemos[i];
	if (round > 0) {
		snprintf(rid, sizeof(rid), "%d", round);
		po.temperature = 1.0;
		po.rollout_id = rid;
	}
	rc = mgen_predict(c->lm, c->sig, d, nd, ex, &po, &pred, &info, NULL);
	c->made += info.lm_calls;
	free(d);
	if (rc == MGEN_ENOMEM)
		return rc;
	rc = 0;
	if (pred && mgen__opt_pass(c, c->metric(c->ud, ex, pred, 1)))
		rc = augmented_demo(c->sig, ex, pred, demo);
	mgen_example_free(pred);
	return rc;
}

/* Appends `ex`, taking ownership (freed on failure). */
static int cand_take(opt_cand *c, mgen_example *ex)
{
	int rc = mgen__opt_cand_add(c, ex);

	mgen_example_free(ex);
	return rc;
}

/* Raw demos after bootstrapping: the examples not bootstrapped,
 * shuffled with splitmix64(seed), up to max_labeled in all. */
static int fill_raw(const opt_ctx *c, const mgen_example *const *train,
		    size_t n, const char *used, opt_cand *out)
{
	const mgen_example **rest = ptr_copy(train, n);
	opt_rng r = {c->o.seed};
	size_t i, nr = 0;
	int rc = 0;

	if (rest == NULL)
		return MGEN_ENOMEM;
	for (i = 0; i < n; i++)
		if (!used[i])
			rest[nr++] = train[i];
	mgen__opt_shuffle(&r, rest, nr);
	for (i = 0; rc == 0 && i < nr && out->n < c->o.max_labeled_demos; i++)
		rc = mgen__opt_cand_add(out, rest[i]);
	free(rest);
	return rc;
}

int mgen__opt_bootstrap(opt_ctx *c, const mgen_example *const *train, size_t n,
			size_t max_boot, opt_cand *out, mgen_err *err)
{
	const mgen_example **teach = ptr_copy(train, n);
	char *used = calloc(n ? n : 1, 1);
	mgen_example *demo = NULL;
	size_t nt, i, nb = 0;
	int round, rc = cand_init(c, out, err);

	if (rc == 0 && (teach == NULL || used == NULL))
		rc = MGEN_ENOMEM;
	nt = teach ? sample_ptrs(teach, n, c->o.max_labeled_demos, c->o.seed)
		   : 0;
	for (i = 0; rc == 0 && i < n && nb < max_boot; i++) {
		for (round = 0; rc == 0 && round < c->o.max_rounds; round++) {
			rc =
			    bootstrap_one(c, teach, nt, train[i], round, &demo);
			if (rc == 0 && demo) {
				rc = cand_take(out, demo);
				used[i] = 1;
				nb++;
				break;
			}
		}
	}
	mgen__opt_log(c,
		      "bootstrap: %zu of %zu examples tried, %zu traces "
		      "kept",
		      i, n, nb);
	if (rc == 0)
		rc = fill_raw(c, train, n, used, out);
	free(teach);
	free(used);
	if (rc != 0)
		rc = mgen_err_set(err, rc, "bootstrap: out of memory");
	return rc;
}

int mgen__opt_demo_candidate(opt_ctx *c, long seed, opt_cand *out,
			     mgen_err *err)
{
	const mgen_example **sh;
	opt_rng r;
	size_t size = c->o.max_bootstrapped_demos;
	int rc;

	if (seed == -3)
		return cand_init(c, out, err);
	if (seed == -2)
		return mgen__opt_labeled(c, c->train, c->ntrain,
					 c->o.max_labeled_demos, c->o.seed, out,
					 err);
	if (seed == -1)
		return mgen__opt_bootstrap(c, c->train, c->ntrain, size, out,
					   err);
	sh = ptr_copy(c->train, c->ntrain);
	if (sh == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "optimize: oom");
	r.s = c->o.seed + (uint64_t)seed;
	mgen__opt_shuffle(&r, sh, c->ntrain);
	if (size > 0)
		size = 1 + mgen__opt_rng_below(&r, size);
	rc = mgen__opt_bootstrap(c, sh, c->ntrain, size, out, err);
	free(sh);
	return rc;
}

int mgen__opt_eval(opt_ctx *c, const opt_cand *cand,
		   const mgen_example *const *set, size_t n, double *score,
		   mgen_err *err)
{
	mgen_evaluate_options eo = MGEN_EVALUATE_OPTIONS_INIT;
	mgen_evaluate_result r;
	int rc;

	eo.threads = c->o.threads;
	eo.predict = mgen__opt_predict_options(c);
	rc = mgen_evaluate(c->lm, cand->sig,
			   (const mgen_example *const *)cand->demos, cand->n,
			   set, n, c->metric, c->ud, &eo, &r, err);
	c->made += r.lm_calls;
	*score = r.score;
	if (set == c->val && n == c->nval)
		c->full_evals++;
	mgen_evaluate_result_release(&r);
	return rc;
}

int mgen__opt_program(const opt_ctx *c, const opt_cand *cand,
		      mgen_optimizer kind, long long estimate,
		      mgen_program **out, mgen_err *err)
{
	mgen_program *p = NULL;
	mgen_sig_field f;
	char *json = NULL;
	size_t i, nf = mgen_signature_n_fields(cand->sig);
	int rc = mgen_program_new(&p);

	if (rc == 0)
		rc = mgen_program_add_predictor(
		    p, c->o.predictor_name ? c->o.predictor_name : "self",
		    mgen_signature_instructions(cand->sig), err);
	for (i = 0; rc == 0 && i < nf; i++) {
		mgen_signature_field(cand->sig, i, &f);
		rc = mgen_program_add_field(p, 0, f.prefix, f.desc);
	}
	for (i = 0; rc == 0 && i < cand->n; i++) {
		rc = mgen_example_to_json(cand->demos[i], &json);
		if (rc == 0)
			rc = mgen_program_add_demo(p, 0, json, err);
		free(json);
		json = NULL;
	}
	if (rc == 0)
		rc = mgen_program_set_meta(p, mgen_optimizer_name(kind),
					   estimate, c->made);
	if (rc != 0) {
		mgen_program_free(p);
		return mgen_err_set(err, rc, "optimize: cannot build program");
	}
	*out = p;
	return 0;
}

const char *mgen_optimizer_name(mgen_optimizer kind)
{
	switch (kind) {
	case MGEN_OPT_LABELED:
		return "labeled_few_shot";
	case MGEN_OPT_BOOTSTRAP:
		return "bootstrap_few_shot";
	case MGEN_OPT_RANDOM_SEARCH:
		return "bootstrap_few_shot_random_search";
	case MGEN_OPT_MIPRO:
		return "miprov2";
	case MGEN_OPT_GEPA:
		return "gepa";
	case MGEN_OPT_KNN:
		return "knn_few_shot";
	}
	return "unknown";
}

/* Options with defaults applied. */
static mgen_optimize_options norm_opts(const mgen_optimize_options *opts)
{
	mgen_optimize_options o = MGEN_OPTIMIZE_OPTIONS_INIT;

	if (opts)
		o = *opts;
	if (o.max_rounds < 1)
		o.max_rounds = 1;
	if (o.num_candidate_programs < 0)
		o.num_candidate_programs = 0;
	if (o.minibatch_size == 0)
		o.minibatch_size = 35;
	if (o.full_eval_every <= 0)
		o.full_eval_every = 5;
	if (o.threads <= 0)
		o.threads = 8;
	return o;
}

void mgen_mipro_plan_for(size_t ntrain, size_t nval,
			 const mgen_optimize_options *opts,
			 mgen_mipro_plan *out)
{
	mgen_optimize_options o = norm_opts(opts);
	double n, a, b;
	size_t batches = (ntrain < 50 ? ntrain : 50);

	out->n = o.mipro_auto == MGEN_MIPRO_HEAVY    ? 18
		 : o.mipro_auto == MGEN_MIPRO_MEDIUM ? 12
						     : 6;
	n = (double)out->n;
	a = 2.0 * 2.0 * log2(n);
	b = 1.5 * n;
	out->trials = (size_t)(a > b ? a : b);
	out->minibatch = o.minibatch_size < nval ? o.minibatch_size : nval;
	out->full_evals = (out->trials + (size_t)o.full_eval_every - 1) /
			  (size_t)o.full_eval_every;
	batches = (batches + 9) / 10;
	out->summary_calls = ntrain ? batches + 1 : 0;
}

long long mgen_optimize_estimate(mgen_optimizer kind, size_t ntrain,
				 size_t nval, const mgen_optimize_options *opts)
{
	mgen_optimize_options o = norm_opts(opts);
	long long p = o.no_json_fallback ? 1 : 2, t = (long long)ntrain,
		  v = (long long)nval, r = o.max_rounds,
		  cn = o.num_candidate_programs;
	mgen_mipro_plan m;
	mgen_gepa_plan g;

	switch (kind) {
	case MGEN_OPT_LABELED: /* + zero-shot and the program on the valset */
		return 2 * p * v;
	case MGEN_OPT_BOOTSTRAP:
		return p * t * r + 2 * p * v;
	case MGEN_OPT_RANDOM_SEARCH:
		return (cn + 1) * p * t * r + (cn + 3) * p * v;
	case MGEN_OPT_MIPRO:
		mgen_mipro_plan_for(ntrain, nval, &o, &m);
		return p * ((long long)m.summary_calls + (long long)m.n - 1 +
			    ((long long)m.n - 2) * t * r +
			    (long long)(m.trials * m.minibatch) +
			    (1 + (long long)m.full_evals) * v);
	case MGEN_OPT_GEPA:
		mgen_gepa_plan_for(ntrain, nval, opts, &g);
		return g.lm_calls;
	case MGEN_OPT_KNN: /* demos chosen per call: nothing at compile */
		return 0;
	}
	return 0;
}
