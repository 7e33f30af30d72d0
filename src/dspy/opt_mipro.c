/*
 * opt_mipro.c - MIPROv2-style optimizer (dspy/teleprompt/
 * mipro_optimizer_v2.py, dspy/propose/grounded_proposer.py,
 * dspy/propose/dataset_summary_generator.py), for one predictor.
 *
 * Steps (plan: mgen_mipro_plan_for in optimize.h):
 *  1. Dataset summary: the first min(ntrain, 50) training examples in
 *     batches of 10, each batch (as JSON lines) summarised by the LM
 *     ("examples -> observations", previous observations passed along),
 *     then one "observations -> summary" call.
 *  2. n instruction candidates: 0 is the student's instruction; 1..n-1
 *     are proposed by the LM at temperature 1.0 (rollout id
 *     "mipro-proposal-<i>") from the summary, the signature's string
 *     form, up to 3 demos of demo set i mod n and a tip drawn among
 *     none/creative/simple/description/high_stakes/persona (DSPy's TIPS
 *     texts). A failed or empty proposal keeps the original instruction.
 *  3. n demo-set candidates: random-search seeds -3 .. n-4.
 *  4. Baseline: (instruction 0, demo set 0 = zero-shot) on the full
 *     valset.
 *  5. trials: each trial picks (instruction i, demo set d) and scores it
 *     on a minibatch of min(minibatch_size, nval) valset examples drawn
 *     without replacement. After every full_eval_every trials, and after
 *     the last, the pair with the best mean minibatch score so far gets a
 *     full valset evaluation unless it already had one; the best FULL
 *     score wins (strictly higher than the incumbent, baseline first).
 * Deviation: no TPE (Optuna). The search is epsilon-greedy over
 * per-component mean minibatch scores: a component value never tried is
 * tried first (lowest index first); otherwise with probability 1/4 the
 * least-tried value of each component, else the value with the best mean.
 * PRNG: splitmix64(seed + 0x4d495052) ("MIPR").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metagen/buf.h"
#include "dspy/optimize_internal.h"
#include "util/util.h"

static const char *const TIPS[] = {
    "",
    "Don't be afraid to be creative when creating the new instruction!",
    "Keep the instruction clear and concise.",
    "Make sure your instruction is very informative and descriptive.",
    "The instruction should include a high stakes scenario in which the LM "
    "must solve the task!",
    "Include a persona that is relevant to the task in the instruction "
    "(ie. \"You are a ...\")"};

#define DESCRIBE_INSTR                                                         \
	"Given several examples from a dataset please write observations "     \
	"about trends that hold for most or all of the samples."
#define SUMMARY_INSTR                                                          \
	"Given a series of observations I have made about my dataset, "        \
	"please summarize them into a brief 2-3 sentence summary which "       \
	"highlights only the most important details."
#define PROPOSE_INSTR                                                          \
	"Use the information below to learn about a task that we are "         \
	"trying to solve using calls to an LM, then generate a new "           \
	"instruction that will be used to prompt a Language Model to better "  \
	"solve the task."

/* One LM step at temperature 1.0: spec's single output into *out. */
static int ask(opt_ctx *c, const char *spec, const char *instr,
	       const char *const *kv, size_t nkv, const char *rollout,
	       char **out)
{
	mgen_predict_options po = mgen__opt_predict_options(c);
	mgen_signature *sig = NULL;
	mgen_example *in = NULL, *pred = NULL;
	mgen_predict_info info;
	const char *v;
	size_t i;
	int rc;

	*out = NULL;
	po.temperature = 1.0;
	po.rollout_id = rollout;
	rc = mgen_signature_parse(spec, instr, &sig, NULL);
	if (rc == 0)
		rc = mgen_example_new(&in);
	for (i = 0; rc == 0 && i + 1 < nkv; i += 2)
		rc = mgen_example_set_str(in, kv[i], kv[i + 1]);
	if (rc == 0) {
		rc = mgen_predict(c->lm, sig, NULL, 0, in, &po, &pred, &info,
				  NULL);
		c->made += info.lm_calls;
	}
	if (rc == 0) {
		v = mgen_example_get_str(pred, mgen_example_key(pred, 0));
		*out = v ? mgen__strdup(v) : NULL;
		if (*out == NULL)
			rc = MGEN_ENOMEM;
	}
	mgen_example_free(pred);
	mgen_example_free(in);
	mgen_signature_free(sig);
	return rc;
}

/* Appends the examples train[a..b) as JSON lines to *buf. */
static int batch_text(const opt_ctx *c, size_t a, size_t b, mgen_buf *buf)
{
	char *j = NULL;
	int rc = 0;

	for (; rc == 0 && a < b; a++) {
		rc = mgen_example_to_json(c->train[a], &j);
		if (rc == 0)
			rc = mgen_buf_printf(buf, "%s\n", j);
		free(j);
		j = NULL;
	}
	return rc;
}

/* Step 1: the dataset summary (*out "" when every call failed). */
static int dataset_summary(opt_ctx *c, char **out)
{
	mgen_buf obs, batch;
	size_t a, lim = c->ntrain < 50 ? c->ntrain : 50;
	char *o = NULL;
	const char *kv[4];
	int rc = 0;

	mgen_buf_init(&obs, 0);
	mgen_buf_init(&batch, 0);
	for (a = 0; rc == 0 && a < lim; a += 10) {
		mgen_buf_reset(&batch);
		rc = batch_text(c, a, a + 10 < lim ? a + 10 : lim, &batch);
		kv[0] = "examples";
		kv[1] = mgen_buf_str(&batch);
		kv[2] = "prior_observations";
		kv[3] = mgen_buf_str(&obs);
		if (rc == 0 &&
		    ask(c,
			"examples, prior_observations -> "
			"observations",
			DESCRIBE_INSTR, kv, 4, "mipro-summary", &o) == 0)
			rc = mgen_buf_printf(&obs, "%s\n", o);
		free(o);
		o = NULL;
	}
	kv[0] = "observations";
	kv[1] = mgen_buf_str(&obs);
	if (rc == 0 && ask(c, "observations -> summary", SUMMARY_INSTR, kv, 2,
			   "mipro-summary", out) != 0)
		*out = mgen__strdup("");
	if (rc == 0 && *out == NULL)
		rc = MGEN_ENOMEM;
	mgen_buf_release(&obs);
	mgen_buf_release(&batch);
	return rc;
}

/* Step 2: instruction candidate i (> 0) into *out. */
static int propose(opt_ctx *c, opt_rng *r, const char *summary,
		   const opt_cand *demos, size_t i, char **out)
{
	mgen_buf d;
	char *spec = NULL, *j = NULL, rid[48];
	const char *kv[10];
	size_t k;
	int rc;

	mgen_buf_init(&d, 0);
	rc = mgen_signature_to_string(c->sig, &spec);
	for (k = 0; rc == 0 && k < demos->n && k < 3; k++) {
		rc = mgen_example_to_json(demos->demos[k], &j);
		if (rc == 0)
			rc = mgen_buf_printf(&d, "%s\n", j);
		free(j);
		j = NULL;
	}
	kv[0] = "dataset_description";
	kv[1] = summary;
	kv[2] = "task_signature";
	kv[3] = spec ? spec : "";
	kv[4] = "task_demos";
	kv[5] = mgen_buf_str(&d);
	kv[6] = "basic_instruction";
	kv[7] = mgen_signature_instructions(c->sig);
	kv[8] = "tip";
	kv[9] = TIPS[mgen__opt_rng_below(r, sizeof(TIPS) / sizeof(*TIPS))];
	snprintf(rid, sizeof(rid), "mipro-proposal-%zu", i);
	if (rc == 0 && (ask(c,
			    "dataset_description, task_signature, "
			    "task_demos, basic_instruction, tip -> "
			    "proposed_instruction",
			    PROPOSE_INSTR, kv, 10, rid, out) != 0 ||
			(*out && (*out)[0] == '\0'))) {
		free(*out);
		*out = mgen__strdup(kv[7]);
	}
	if (rc == 0 && *out == NULL)
		rc = MGEN_ENOMEM;
	free(spec);
	mgen_buf_release(&d);
	return rc;
}

/* Search state: n x n pair stats and per-component stats. */
typedef struct mipro {
	size_t n;
	char **instr;	  /* n instructions (owned) */
	opt_cand *sets;	  /* n demo sets */
	double *pair_sum; /* n*n, index i*n+d */
	size_t *pair_cnt;
	char *full_done; /* n*n */
	double *isum, *dsum;
	size_t *icnt, *dcnt;
} mipro;

/* Scores (instruction i, demo set d) on set[0..k). */
static int eval_pair(opt_ctx *c, const mipro *m, size_t i, size_t d,
		     const mgen_example *const *set, size_t k, double *score,
		     mgen_err *err)
{
	opt_cand view = m->sets[d];
	int rc;

	view.sig = NULL;
	if (mgen_signature_copy(c->sig, &view.sig) != 0 ||
	    mgen_signature_set_instructions(view.sig, m->instr[i]) != 0) {
		mgen_signature_free(view.sig);
		return mgen_err_set(err, MGEN_ENOMEM, "mipro: oom");
	}
	rc = mgen__opt_eval(c, &view, set, k, score, err);
	mgen_signature_free(view.sig);
	return rc;
}

/* The value of one component to try next (see the head comment). */
static size_t pick(const double *sum, const size_t *cnt, size_t n, int explore)
{
	size_t j, best = 0;

	for (j = 0; j < n; j++)
		if (cnt[j] == 0)
			return j;
	for (j = 1; j < n; j++) {
		if (explore ? cnt[j] < cnt[best]
			    : sum[j] / (double)cnt[j] >
				  sum[best] / (double)cnt[best])
			best = j;
	}
	return best;
}

/* The tried pair with the best mean minibatch score. */
static size_t best_pair(const mipro *m)
{
	size_t p, best = (size_t)-1;

	for (p = 0; p < m->n * m->n; p++) {
		if (m->pair_cnt[p] == 0)
			continue;
		if (best == (size_t)-1 ||
		    m->pair_sum[p] / (double)m->pair_cnt[p] >
			m->pair_sum[best] / (double)m->pair_cnt[best])
			best = p;
	}
	return best;
}

/* Step 5. *win = index i*n+d of the best full evaluation. */
static int search(opt_ctx *c, mipro *m, opt_rng *r, const mgen_mipro_plan *pl,
		  size_t *win, double *top, mgen_err *err)
{
	const mgen_example **mb = malloc(c->nval * sizeof(*mb));
	size_t t, i, d, p;
	double s;
	int rc = 0, explore;

	if (mb == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "mipro: oom");
	for (t = 0; rc == 0 && t < pl->trials; t++) {
		explore = mgen__opt_rng_below(r, 4) == 0;
		i = pick(m->isum, m->icnt, m->n, explore);
		d = pick(m->dsum, m->dcnt, m->n, explore);
		memcpy(mb, c->val, c->nval * sizeof(*mb));
		mgen__opt_shuffle(r, mb, c->nval);
		rc = eval_pair(c, m, i, d, mb, pl->minibatch, &s, err);
		if (rc != 0)
			break;
		m->isum[i] += s;
		m->icnt[i]++;
		m->dsum[d] += s;
		m->dcnt[d]++;
		m->pair_sum[i * m->n + d] += s;
		m->pair_cnt[i * m->n + d]++;
		mgen__opt_log(c,
			      "mipro: trial %zu instruction %zu demos %zu "
			      "minibatch %.2f",
			      t + 1, i, d, s);
		if ((t + 1) % (size_t)c->o.full_eval_every != 0 &&
		    t + 1 != pl->trials)
			continue;
		p = best_pair(m);
		if (m->full_done[p])
			continue;
		m->full_done[p] = 1;
		rc = eval_pair(c, m, p / m->n, p % m->n, c->val, c->nval, &s,
			       err);
		mgen__opt_log(c, "mipro: full evaluation %.2f", s);
		if (rc == 0 && s > *top) {
			*top = s;
			*win = p;
		}
	}
	free(mb);
	return rc;
}

static void mipro_free(mipro *m)
{
	size_t j;

	for (j = 0; j < m->n; j++) {
		if (m->instr)
			free(m->instr[j]);
		if (m->sets)
			mgen__opt_cand_release(&m->sets[j]);
	}
	free(m->instr);
	free(m->sets);
	free(m->pair_sum);
	free(m->pair_cnt);
	free(m->full_done);
	free(m->isum);
	free(m->dsum);
	free(m->icnt);
	free(m->dcnt);
}

static int mipro_alloc(mipro *m, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->instr = calloc(n, sizeof(*m->instr));
	m->sets = calloc(n, sizeof(*m->sets));
	m->pair_sum = calloc(n * n, sizeof(double));
	m->pair_cnt = calloc(n * n, sizeof(size_t));
	m->full_done = calloc(n * n, 1);
	m->isum = calloc(n, sizeof(double));
	m->dsum = calloc(n, sizeof(double));
	m->icnt = calloc(n, sizeof(size_t));
	m->dcnt = calloc(n, sizeof(size_t));
	return m->instr && m->sets && m->pair_sum && m->pair_cnt &&
		       m->full_done && m->isum && m->dsum && m->icnt && m->dcnt
		   ? 0
		   : MGEN_ENOMEM;
}

/* Steps 1-3: the summary, the demo sets, the instructions. */
static int candidates(opt_ctx *c, mipro *m, opt_rng *r, mgen_err *err)
{
	char *summary = NULL;
	size_t j;
	int rc = dataset_summary(c, &summary);

	for (j = 0; rc == 0 && j < m->n; j++)
		rc = mgen__opt_demo_candidate(c, (long)j - 3, &m->sets[j], err);
	if (rc == 0) {
		m->instr[0] = mgen__strdup(mgen_signature_instructions(c->sig));
		rc = m->instr[0] ? 0 : MGEN_ENOMEM;
	}
	for (j = 1; rc == 0 && j < m->n; j++)
		rc =
		    propose(c, r, summary, &m->sets[j % m->n], j, &m->instr[j]);
	free(summary);
	if (rc != 0)
		mgen_err_set(err, rc, "mipro: out of memory");
	return rc;
}

int mgen__opt_mipro(opt_ctx *c, opt_cand *best, mgen_optimize_result *res,
		    mgen_err *err)
{
	mgen_mipro_plan pl;
	opt_rng r = {c->o.seed + 0x4d495052ULL};
	mipro m;
	size_t win = 0, j;
	double top = -1;
	int rc;

	memset(best, 0, sizeof(*best));
	mgen_mipro_plan_for(c->ntrain, c->nval, &c->o, &pl);
	rc = mipro_alloc(&m, pl.n);
	if (rc != 0)
		rc = mgen_err_set(err, rc, "mipro: out of memory");
	if (rc == 0)
		rc = candidates(c, &m, &r, err);
	if (rc == 0) {
		m.full_done[0] = 1;
		rc = eval_pair(c, &m, 0, 0, c->val, c->nval, &top, err);
		res->baseline_score = top;
	}
	if (rc == 0)
		rc = search(c, &m, &r, &pl, &win, &top, err);
	res->best_score = top;
	if (rc == 0 && (mgen_signature_copy(c->sig, &best->sig) != 0 ||
			mgen_signature_set_instructions(
			    best->sig, m.instr[win / m.n]) != 0))
		rc = mgen_err_set(err, MGEN_ENOMEM, "mipro: oom");
	for (j = 0; rc == 0 && j < m.sets[win % m.n].n; j++)
		rc = mgen__opt_cand_add(best, m.sets[win % m.n].demos[j]);
	mipro_free(&m);
	return rc;
}
