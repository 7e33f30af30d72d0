/*
 * opt_gepa.c - GEPA, reflective prompt evolution (Agrawal et al. 2025,
 * "GEPA: Reflective Prompt Evolution Can Outperform Reinforcement
 * Learning", arXiv 2507.19457; DSPy's dspy.GEPA, dspy/teleprompt/gepa/,
 * on the gepa package's engine), for one predictor.
 *
 * A candidate is an instruction text. The loop (plan: mgen_gepa_plan_for
 * in optimize.h; B metric calls = predictions, mb = minibatch):
 *  0. The student's instruction is candidate 0, scored on every valset
 *     example (V predictions); its score is the zero-shot baseline.
 *  1. While used + 2 mb + V <= B:
 *     a. parent: drawn from the Pareto frontier of per-example valset
 *        scores, with probability proportional to the number of examples
 *        on whose front it is (mgen__gepa_front_freq, dominated
 *        candidates removed first);
 *     b. the next mb training examples of an epoch-shuffled order;
 *     c. the parent predicts them; each prediction is scored by the
 *        metric and described by the feedback function (opts->feedback,
 *        else "This trajectory got a score of S."; a failed prediction
 *        gets its error as feedback);
 *     d. all scores perfect (>= 1): nothing to learn, next iteration
 *        (DSPy's skip_perfect_score);
 *     e. one reflection LM call (temperature 1.0, rollout id
 *        "gepa-reflection-<i>") reads the parent's instruction and the
 *        examples (inputs, outputs, feedback) and writes a new
 *        instruction between ``` fences (mgen__gepa_extract); a failed
 *        call, an empty or oversized text, or the parent's own text ends
 *        the iteration;
 *     f. the child predicts the same minibatch; only a STRICTLY higher
 *        sum of scores admits it: it is scored on the whole valset and
 *        joins the pool (its parent recorded);
 *  2. The winner: the highest valset score (ties: the earliest).
 * Deviations from DSPy: the reflection is asked of the same LM (DSPy
 * takes a separate reflection_lm); no merge step (use_merge); the budget
 * is checked before an iteration for its worst case, so the calls made
 * never exceed B (GEPA checks after, and may overrun by one iteration);
 * the epoch order is reshuffled when fewer than mb examples remain (the
 * gepa package pads the last batch). The reflection prompt is metagen's
 * own wording. PRNG: splitmix64(seed + 0x47455041) ("GEPA").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dspy/gepa_internal.h"
#include "metagen/buf.h"
#include "util/util.h"

#define GEPA_SEED_OFFSET 0x47455041ULL
#define FIELD_CAP 4000	      /* bytes of one value in the prompt */
#define INSTRUCTION_CAP 32768 /* longest instruction accepted */
#define GEPA_MAX_MINIBATCH 64

/* ---------------------------------------------------------------- */
/* Pareto frontier and selection                                    */
/* ---------------------------------------------------------------- */

/* 1 when candidate y is on no front without another alive one. */
static int dominated(const unsigned char *on, const unsigned char *alive,
		     size_t ncand, size_t nval, size_t y)
{
	size_t i, k;

	for (i = 0; i < nval; i++) {
		if (!on[y * nval + i])
			continue;
		for (k = 0; k < ncand; k++)
			if (k != y && alive[k] && on[k * nval + i])
				break;
		if (k == ncand)
			return 0;
	}
	return 1;
}

/* Candidate indexes by total score ascending, ties by index. */
static void by_total(const double *scores, size_t ncand, size_t nval,
		     size_t *order, double *tot)
{
	size_t k, i, j, t;

	for (k = 0; k < ncand; k++) {
		tot[k] = 0;
		for (i = 0; i < nval; i++)
			tot[k] += scores[k * nval + i];
		order[k] = k;
	}
	for (i = 1; i < ncand; i++) /* insertion sort: stable */
		for (j = i; j > 0 && tot[order[j - 1]] > tot[order[j]]; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

/* on[k * nval + i] = k has example i's best score; alive = on a front. */
static void fronts(const double *scores, size_t ncand, size_t nval,
		   unsigned char *on, unsigned char *alive)
{
	size_t i, k;
	double best;

	for (i = 0; i < nval; i++) {
		best = scores[i];
		for (k = 1; k < ncand; k++)
			if (scores[k * nval + i] > best)
				best = scores[k * nval + i];
		for (k = 0; k < ncand; k++)
			if (scores[k * nval + i] == best) {
				on[k * nval + i] = 1;
				alive[k] = 1;
			}
	}
}

int mgen__gepa_front_freq(const double *scores, size_t ncand, size_t nval,
			  size_t *freq)
{
	unsigned char *on = calloc(ncand * nval + 1, 1);
	unsigned char *alive = calloc(ncand + 1, 1);
	size_t *order = calloc(ncand + 1, sizeof(*order));
	double *tot = calloc(ncand + 1, sizeof(*tot));
	size_t k, i, j;
	int changed = 1, rc = MGEN_ENOMEM;

	memset(freq, 0, ncand * sizeof(*freq));
	if (on == NULL || alive == NULL || order == NULL || tot == NULL)
		goto done;
	fronts(scores, ncand, nval, on, alive);
	by_total(scores, ncand, nval, order, tot);
	while (changed) {
		changed = 0;
		for (j = 0; j < ncand && !changed; j++) {
			k = order[j];
			if (alive[k] && dominated(on, alive, ncand, nval, k)) {
				alive[k] = 0;
				changed = 1;
			}
		}
	}
	for (k = 0; k < ncand; k++)
		for (i = 0; alive[k] && i < nval; i++)
			freq[k] += on[k * nval + i];
	rc = 0;
done:
	free(on);
	free(alive);
	free(order);
	free(tot);
	return rc;
}

size_t mgen__gepa_select(const size_t *freq, size_t ncand, opt_rng *r)
{
	size_t k, total = 0, d;

	for (k = 0; k < ncand; k++)
		total += freq[k];
	if (total == 0)
		return 0;
	d = mgen__opt_rng_below(r, total);
	for (k = 0; k < ncand; k++) {
		if (d < freq[k])
			return k;
		d -= freq[k];
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* The reflection answer                                            */
/* ---------------------------------------------------------------- */

static int blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int mgen__gepa_extract(const char *answer, size_t max_bytes, char **out)
{
	const char *a = answer ? answer : "", *b, *open, *close, *p;

	*out = NULL;
	b = a + strlen(a);
	open = strstr(a, "```");
	if (open != NULL) {
		a = strchr(open + 3, '\n');
		a = a ? a + 1 : b; /* the tag line is dropped */
		close = NULL;
		for (p = strstr(a, "```"); p; p = strstr(p + 3, "```"))
			close = p;
		if (close != NULL)
			b = close;
	}
	while (a < b && blank(*a))
		a++;
	while (b > a && blank(b[-1]))
		b--;
	if (a == b || (size_t)(b - a) > max_bytes)
		return 0;
	*out = malloc((size_t)(b - a) + 1);
	if (*out == NULL)
		return MGEN_ENOMEM;
	memcpy(*out, a, (size_t)(b - a));
	(*out)[b - a] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- */
/* Plan                                                             */
/* ---------------------------------------------------------------- */

void mgen_gepa_plan_for(size_t ntrain, size_t nval,
			const mgen_optimize_options *opts, mgen_gepa_plan *out)
{
	mgen_optimize_options def = MGEN_OPTIMIZE_OPTIONS_INIT;
	mgen_mipro_plan mp;
	long long v = (long long)nval, n, t, mb, b;

	if (opts == NULL)
		opts = &def;
	mgen_mipro_plan_for(ntrain, nval, opts, &mp);
	n = (long long)mp.n;
	t = (long long)mp.trials; /* DSPy's auto_budget: num_trials */
	b = opts->max_metric_calls > 0
		? opts->max_metric_calls
		: v + 5 * n + t * 35 + ((t + 1) / 5 + 1 + (t < 5)) * v;
	mb = opts->reflection_minibatch_size
		 ? (long long)opts->reflection_minibatch_size
		 : 3;
	if (mb > GEPA_MAX_MINIBATCH)
		mb = GEPA_MAX_MINIBATCH;
	if (mb > (long long)ntrain)
		mb = (long long)ntrain;
	out->metric_calls = b;
	out->minibatch = (size_t)mb;
	out->iterations =
	    mb > 0 && b >= 2 * v + 2 * mb ? (b - 2 * v - mb) / mb : 0;
	out->lm_calls = (opts->no_json_fallback ? 1 : 2) * b + out->iterations;
}

/* ---------------------------------------------------------------- */
/* The run                                                          */
/* ---------------------------------------------------------------- */

typedef struct gepa {
	opt_ctx *c;
	mgen_gepa_plan pl;
	char **instr;	/* candidates (owned) */
	double *scores; /* n x nval valset scores */
	double *agg;	/* n valset scores, 0..100 */
	size_t *parent; /* n; (size_t)-1 for the seed */
	size_t n, cap;
	long long used; /* metric calls (predictions) made */
	opt_rng r;
	const mgen_example **order; /* epoch order of the trainset */
	size_t pos;
} gepa;

/* The minibatch's predictions, scores and feedback. */
typedef struct gepa_batch {
	const mgen_example *ex[GEPA_MAX_MINIBATCH];
	mgen_example *pred[GEPA_MAX_MINIBATCH];
	double score[GEPA_MAX_MINIBATCH];
	char *fb[GEPA_MAX_MINIBATCH];
	size_t n;
} gepa_batch;

static void batch_clear(gepa_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		mgen_example_free(b->pred[i]);
		free(b->fb[i]);
		b->pred[i] = NULL;
		b->fb[i] = NULL;
	}
}

/* The signature of `c` with `instr` as its instructions. */
static int sig_with(const opt_ctx *c, const char *instr, mgen_signature **out)
{
	*out = NULL;
	if (mgen_signature_copy(c->sig, out) != 0 ||
	    mgen_signature_set_instructions(*out, instr) != 0) {
		mgen_signature_free(*out);
		*out = NULL;
		return MGEN_ENOMEM;
	}
	return 0;
}

/* Feedback of one prediction (`perr` when it failed). */
static int feedback_of(const opt_ctx *c, const mgen_example *ex,
		       const mgen_example *pred, double score, const char *perr,
		       char **out)
{
	char text[600];

	*out = NULL;
	if (pred != NULL && c->o.feedback != NULL)
		return c->o.feedback(c->o.feedback_ud, ex, pred, out);
	if (pred != NULL)
		snprintf(text, sizeof(text),
			 "This trajectory got a score of %.2f.", score);
	else
		snprintf(text, sizeof(text),
			 "The prediction failed (score 0): %s", perr);
	*out = mgen__strdup(text);
	return *out ? 0 : MGEN_ENOMEM;
}

/* Candidate `instr` on the batch's examples; feedback when `fb`. */
static int run_batch(gepa *g, const char *instr, gepa_batch *b, int fb,
		     double *sum, mgen_err *err)
{
	mgen_predict_options po = mgen__opt_predict_options(g->c);
	mgen_signature *sig = NULL;
	mgen_predict_info info;
	mgen_err perr;
	size_t i;
	int rc = sig_with(g->c, instr, &sig), prc;

	*sum = 0;
	for (i = 0; rc == 0 && i < b->n; i++) {
		mgen_err_clear(&perr);
		prc = mgen_predict(g->c->lm, sig, NULL, 0, b->ex[i], &po,
				   &b->pred[i], &info, &perr);
		g->c->made += info.lm_calls;
		g->used++;
		if (prc == MGEN_ENOMEM)
			rc = prc;
		b->score[i] =
		    prc == 0 ? g->c->metric(g->c->ud, b->ex[i], b->pred[i], 0)
			     : 0;
		*sum += b->score[i];
		if (rc == 0 && fb)
			rc = feedback_of(g->c, b->ex[i], b->pred[i],
					 b->score[i], perr.msg, &b->fb[i]);
	}
	mgen_signature_free(sig);
	return rc ? mgen_err_set(err, rc, "gepa: out of memory") : 0;
}

/* The next mb training examples of the epoch order. */
static void next_batch(gepa *g, gepa_batch *b)
{
	size_t i;

	if (g->pos + g->pl.minibatch > g->c->ntrain) {
		memcpy(g->order, g->c->train, g->c->ntrain * sizeof(*g->order));
		mgen__opt_shuffle(&g->r, g->order, g->c->ntrain);
		g->pos = 0;
	}
	b->n = g->pl.minibatch;
	for (i = 0; i < b->n; i++)
		b->ex[i] = g->order[g->pos++];
}

/* "- name: value" for each field of `ex` in sig's inputs or outputs. */
static void put_fields(const opt_ctx *c, const mgen_example *ex, int outputs,
		       mgen_buf *p)
{
	mgen_sig_field f;
	const char *v;
	char *json = NULL;
	size_t i, n = mgen_signature_n_fields(c->sig), len;

	for (i = 0; i < n; i++) {
		if (mgen_signature_field(c->sig, i, &f) != 0 ||
		    f.is_output != outputs)
			continue;
		v = mgen_example_get_str(ex, f.name);
		if (v == NULL && mgen_example_get_json(ex, f.name, &json) == 0)
			v = json;
		len = v ? strlen(v) : 0;
		mgen_buf_printf(
		    p, "- %s: %.*s%s\n", f.name,
		    (int)mgen__utf8_prefix(v ? v : "", len, FIELD_CAP),
		    v ? v : "(none)", len > FIELD_CAP ? " [cut]" : "");
		free(json);
		json = NULL;
	}
}

/* The reflection prompt for `instr` and the batch (*out owned). */
static int reflection_prompt(const gepa *g, const char *instr,
			     const gepa_batch *b, char **out)
{
	mgen_buf p;
	size_t i;

	mgen_buf_init(&p, 0);
	mgen_buf_printf(&p,
			"An assistant was given this instruction for a task:\n"
			"```\n%s\n```\n\nBelow are examples of the task: "
			"the inputs the assistant saw, what it answered, and "
			"feedback saying how its answer fell short.\n",
			instr);
	for (i = 0; i < b->n; i++) {
		mgen_buf_printf(&p, "\n## Example %zu\n### Inputs\n", i + 1);
		put_fields(g->c, b->ex[i], 0, &p);
		mgen_buf_puts(&p, "### Answer\n");
		if (b->pred[i])
			put_fields(g->c, b->pred[i], 1, &p);
		else
			mgen_buf_puts(&p, "(no answer could be read)\n");
		mgen_buf_printf(&p, "### Feedback\n%s\n",
				b->fb[i] ? b->fb[i] : "");
	}
	mgen_buf_puts(&p,
		      "\nWrite an improved instruction for the assistant. "
		      "Work out from the inputs and the feedback what the "
		      "task demands, which rules the answers broke and what "
		      "facts about the data they missed, and state all of it "
		      "in the instruction, keeping what the current one gets "
		      "right. Reply with the new instruction alone, between "
		      "``` fences.\n");
	if (mgen_buf_error(&p) != 0) {
		mgen_buf_release(&p);
		return MGEN_ENOMEM;
	}
	*out = mgen_buf_detach(&p);
	return *out ? 0 : MGEN_ENOMEM;
}

/* One reflection call: *out the proposed instruction or NULL. */
static int reflect(gepa *g, long long it, const char *instr,
		   const gepa_batch *b, char **out, mgen_err *err)
{
	mgen_lm_call_options call = MGEN_LM_CALL_OPTIONS_INIT;
	mgen_lm_response resp;
	mgen_message msg;
	mgen_err lerr = MGEN_ERR_INIT;
	char *prompt = NULL, rid[48];
	int rc;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	rc = reflection_prompt(g, instr, b, &prompt);
	if (rc != 0)
		return mgen_err_set(err, rc, "gepa: out of memory");
	snprintf(rid, sizeof(rid), "gepa-reflection-%lld", it);
	call.temperature = 1.0;
	call.rollout_id = rid;
	msg.role = "user";
	msg.content = prompt;
	rc = mgen_lm_chat_ex(g->c->lm, &msg, 1, NULL, &call, &resp, &lerr);
	g->c->made++;
	if (rc == 0)
		rc = mgen__gepa_extract(resp.content, INSTRUCTION_CAP, out);
	else if (rc != MGEN_ENOMEM) {
		mgen__opt_log(g->c, "gepa: reflection %lld failed: %s", it,
			      lerr.msg);
		rc = 0;
	}
	mgen_lm_response_release(&resp);
	free(prompt);
	return rc ? mgen_err_set(err, rc, "gepa: out of memory") : 0;
}

/* Adds `instr` (taken) with parent `par`, scored on the whole valset. */
static int add_candidate(gepa *g, char *instr, size_t par, mgen_err *err)
{
	mgen_evaluate_options eo = MGEN_EVALUATE_OPTIONS_INIT;
	mgen_evaluate_result r;
	mgen_signature *sig = NULL;
	size_t nv = g->c->nval;
	int rc;

	memset(&r, 0, sizeof(r));
	if (g->n == g->cap) { /* cap is fixed by the plan: never grows */
		free(instr);
		return mgen_err_set(err, MGEN_EINVAL, "gepa: pool full");
	}
	g->instr[g->n] = instr;
	g->parent[g->n] = par;
	g->n++;
	rc = sig_with(g->c, instr, &sig);
	eo.threads = g->c->o.threads;
	eo.predict = mgen__opt_predict_options(g->c);
	if (rc == 0)
		rc = mgen_evaluate(g->c->lm, sig, NULL, 0, g->c->val, nv,
				   g->c->metric, g->c->ud, &eo, &r, err);
	g->c->made += r.lm_calls;
	g->used += (long long)nv;
	g->c->full_evals++;
	if (rc == 0) {
		memcpy(g->scores + (g->n - 1) * nv, r.scores,
		       nv * sizeof(double));
		g->agg[g->n - 1] = r.score;
	}
	mgen_evaluate_result_release(&r);
	mgen_signature_free(sig);
	return rc ? mgen_err_set(err, rc, "gepa: out of memory") : 0;
}

/* The parent drawn from the frontier. */
static int pick_parent(gepa *g, size_t *par, mgen_err *err)
{
	size_t *freq = calloc(g->n, sizeof(*freq));
	int rc = freq ? mgen__gepa_front_freq(g->scores, g->n, g->c->nval, freq)
		      : MGEN_ENOMEM;

	if (rc == 0)
		*par = mgen__gepa_select(freq, g->n, &g->r);
	free(freq);
	return rc ? mgen_err_set(err, rc, "gepa: out of memory") : 0;
}

static int all_perfect(const gepa_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->score[i] < 1.0)
			return 0;
	return 1;
}

/* One iteration (steps a-f of the head comment). */
static int iterate(gepa *g, long long it, gepa_batch *pb, gepa_batch *cb,
		   mgen_err *err)
{
	size_t par = 0;
	double psum = 0, csum = 0;
	char *child = NULL;
	int rc = pick_parent(g, &par, err);

	if (rc == 0) {
		next_batch(g, pb);
		rc = run_batch(g, g->instr[par], pb, 1, &psum, err);
	}
	if (rc != 0 || all_perfect(pb)) {
		if (rc == 0)
			mgen__opt_log(g->c,
				      "gepa: iteration %lld: parent %zu "
				      "perfect on the minibatch",
				      it, par);
		return rc;
	}
	rc = reflect(g, it, g->instr[par], pb, &child, err);
	if (rc != 0 || child == NULL || strcmp(child, g->instr[par]) == 0) {
		free(child);
		return rc;
	}
	memcpy(cb->ex, pb->ex, pb->n * sizeof(*pb->ex));
	cb->n = pb->n;
	rc = run_batch(g, child, cb, 0, &csum, err);
	mgen__opt_log(g->c,
		      "gepa: iteration %lld: parent %zu minibatch "
		      "%.2f, child %.2f",
		      it, par, psum, csum);
	if (rc != 0 || csum <= psum) {
		free(child);
		return rc;
	}
	rc = add_candidate(g, child, par, err);
	if (rc == 0)
		mgen__opt_log(g->c,
			      "gepa: candidate %zu (parent %zu) scores "
			      "%.2f on the valset",
			      g->n - 1, par, g->agg[g->n - 1]);
	return rc;
}

static void gepa_free(gepa *g)
{
	size_t k;

	for (k = 0; g->instr && k < g->n; k++)
		free(g->instr[k]);
	free(g->instr);
	free(g->scores);
	free(g->agg);
	free(g->parent);
	free(g->order);
}

/* The pool sized by the plan; EINVAL when the budget cannot even score
 * the seed on the valset. */
static int gepa_alloc(gepa *g, opt_ctx *c, mgen_err *err)
{
	memset(g, 0, sizeof(*g));
	g->c = c;
	mgen_gepa_plan_for(c->ntrain, c->nval, &c->o, &g->pl);
	g->r.s = c->o.seed + GEPA_SEED_OFFSET;
	g->cap = (size_t)g->pl.iterations + 1;
	g->instr = calloc(g->cap, sizeof(*g->instr));
	g->scores = calloc(g->cap * (c->nval ? c->nval : 1), sizeof(double));
	g->agg = calloc(g->cap, sizeof(double));
	g->parent = calloc(g->cap, sizeof(size_t));
	g->order = calloc(c->ntrain + 1, sizeof(*g->order));
	g->pos = c->ntrain; /* the first batch shuffles */
	if (!(g->instr && g->scores && g->agg && g->parent && g->order))
		return mgen_err_set(err, MGEN_ENOMEM, "gepa: out of memory");
	if (g->pl.metric_calls < (long long)c->nval || g->pl.minibatch == 0)
		return mgen_err_set(
		    err, MGEN_EINVAL,
		    "gepa: a budget of %lld metric calls cannot "
		    "score the %zu dev examples once",
		    g->pl.metric_calls, c->nval);
	return 0;
}

/* The loop after the seed; *win the winner's index. */
static int evolve(gepa *g, size_t *win, mgen_err *err)
{
	gepa_batch pb, cb;
	long long it = 0, v = (long long)g->c->nval,
		  mb = (long long)g->pl.minibatch;
	size_t k;
	int rc = 0;

	memset(&pb, 0, sizeof(pb));
	memset(&cb, 0, sizeof(cb));
	while (rc == 0 && it < g->pl.iterations &&
	       g->used + 2 * mb + v <= g->pl.metric_calls) {
		rc = iterate(g, ++it, &pb, &cb, err);
		batch_clear(&pb);
		batch_clear(&cb);
	}
	*win = 0;
	for (k = 1; k < g->n; k++)
		if (g->agg[k] > g->agg[*win])
			*win = k;
	mgen__opt_log(g->c,
		      "gepa: %lld iterations, %zu candidates, %lld of "
		      "%lld metric calls",
		      it, g->n, g->used, g->pl.metric_calls);
	return rc;
}

int mgen__opt_gepa(opt_ctx *c, opt_cand *best, mgen_optimize_result *res,
		   mgen_err *err)
{
	gepa g;
	size_t win = 0;
	char *seed;
	int rc;

	memset(best, 0, sizeof(*best));
	rc = gepa_alloc(&g, c, err);
	if (rc != 0) {
		gepa_free(&g);
		return rc;
	}
	mgen__opt_log(c,
		      "gepa: budget %lld metric calls, minibatch %zu, at "
		      "most %lld iterations",
		      g.pl.metric_calls, g.pl.minibatch, g.pl.iterations);
	seed = mgen__strdup(mgen_signature_instructions(c->sig));
	rc = seed ? add_candidate(&g, seed, (size_t)-1, err)
		  : mgen_err_set(err, MGEN_ENOMEM, "gepa: out of memory");
	if (rc == 0)
		res->baseline_score = g.agg[0];
	if (rc == 0)
		rc = evolve(&g, &win, err);
	res->best_score = g.n ? g.agg[win] : -1;
	if (rc == 0 && sig_with(c, g.instr[win], &best->sig) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "gepa: out of memory");
	gepa_free(&g);
	return rc;
}
