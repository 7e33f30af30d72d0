/*
 * ask_optimize.c - the ask program compiled and evaluated from a QA set
 * (include/metagen/ask_optimize.h): the rewrite stage (retrieval metric),
 * the examples prepared as the agent runs, the respond stage (QA metric,
 * optional judge), each through mgen_optimize / mgen_evaluate unchanged.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_internal.h"
#include "metagen/ask_optimize.h"
#include "metagen/buf.h"
#include "metagen/metric.h"
#include "util/util.h"

#define ROW_KEY "metagen_row" /* evaluation only: the example's index */

/* What the metrics share; called from several threads at once. */
typedef struct qa_ud {
	mgen_lm *lm;
	mgen_signature *judge; /* NULL = no judge */
	mgen_predict_options po;
	atomic_llong judge_calls, judge_failures;
	const mgen_ask_options *o;
	pthread_mutex_t rag_lock;
	mgen_qa_parts *parts; /* evaluation: one per example, else NULL */
	size_t nparts;
} qa_ud;

/* A stage's set: owned copies of examples. */
typedef struct exset {
	mgen_example **v;
	size_t n;
} exset;

static void exset_release(exset *s)
{
	mgen_qa_examples_free(s->v, s->n);
	memset(s, 0, sizeof(*s));
}

static int has_history(const mgen_example *ex)
{
	char *h = NULL;
	int yes = mgen_example_get_json(ex, "history", &h) == 0 && h &&
		  strcmp(h, "[]") != 0 && strcmp(h, "null") != 0;

	free(h);
	return yes;
}

static size_t count_history(const mgen_example *const *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += (size_t)has_history(v[i]);
	return k;
}

/* Copies of the examples of v[0..n) with a history. */
static int history_set(const mgen_example *const *v, size_t n, exset *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (out->v == NULL)
		return MGEN_ENOMEM;
	for (i = 0; i < n; i++)
		if (has_history(v[i]) &&
		    mgen_example_copy(v[i], &out->v[out->n++]) != 0) {
			out->n--;
			return MGEN_ENOMEM;
		}
	return 0;
}

static long long per_prediction(const mgen_ask_options *o)
{
	return o->opt.no_json_fallback ? 1 : 2;
}

long long mgen_ask_compile_estimate(mgen_optimizer kind,
				    const mgen_example *const *train,
				    size_t ntrain,
				    const mgen_example *const *dev, size_t ndev,
				    const mgen_ask_options *o,
				    mgen_ask_calls *parts)
{
	size_t ht = count_history(train, ntrain), hd = count_history(dev, ndev);
	mgen_ask_calls c;

	memset(&c, 0, sizeof(c));
	if (ht > 0)
		c.rewrite =
		    mgen_optimize_estimate(kind, ht, hd ? hd : ht, &o->opt);
	c.prepare = per_prediction(o) * (long long)(ht + hd);
	c.respond = mgen_optimize_estimate(kind, ntrain, ndev, &o->opt);
	c.judge = o->judge ? c.respond : 0;
	if (parts)
		*parts = c;
	return c.rewrite + c.prepare + c.respond + c.judge;
}

/* ---- metrics ---- */

/* The rewrite stage's metric: share of the gold answer's tokens in the
 * context the predicted search_query retrieves. No LM call. */
static double rewrite_metric(void *ud, const mgen_example *ex,
			     const mgen_example *pred, int has_trace)
{
	qa_ud *u = ud;
	mgen_rag_hit *h = NULL;
	size_t n = 0;
	char *ctx = NULL;
	double r = 0;
	const char *q = mgen_example_get_str(pred, "search_query");

	if (q == NULL || *q == '\0')
		return 0;
	if (mgen__agent_retrieve(u->o->rag, &u->rag_lock, q, u->o->top_k,
				 u->o->max_context_tokens, &h, &n, &ctx,
				 NULL) == 0)
		mgen_metric_token_recall(mgen_example_get_str(ex, "answer"),
					 ctx, &r);
	mgen_rag_hits_free(h, n);
	free(ctx);
	return r;
}

/* The respond stage's metric: the QA metric of qa.h. */
static double qa_metric(void *ud, const mgen_example *ex,
			const mgen_example *pred, int has_trace)
{
	qa_ud *u = ud;
	mgen_qa_parts parts;
	const char *gold = mgen_example_get_str(ex, "answer");
	const char *ans = mgen_example_get_str(pred, "answer");
	double j = -1;
	int calls = 0;
	char *row = NULL;

	if (u->judge != NULL) {
		if (mgen_qa_judge(u->lm, u->judge, &u->po,
				  mgen_example_get_str(ex, "question"), gold,
				  ans ? ans : "", &j, &calls, NULL) != 0)
			atomic_fetch_add(&u->judge_failures, 1);
		atomic_fetch_add(&u->judge_calls, calls);
	}
	if (mgen_qa_score(gold, ans, mgen_example_get_str(ex, "context"), j,
			  &parts) != 0)
		return 0;
	if (u->parts && mgen_example_get_json(ex, ROW_KEY, &row) == 0) {
		unsigned long i = strtoul(row, NULL, 10);

		if (i < u->nparts)
			u->parts[i] = parts; /* each row is one thread's */
	}
	free(row);
	return parts.score;
}

/* GEPA's feedback on a respond prediction (no judge call). */
static int qa_feedback(void *ud, const mgen_example *ex,
		       const mgen_example *pred, char **out)
{
	mgen_qa_parts p;
	mgen_buf b = MGEN_BUF_INIT;
	const char *gold = mgen_example_get_str(ex, "answer");

	if (mgen_qa_score(gold, mgen_example_get_str(pred, "answer"),
			  mgen_example_get_str(ex, "context"), -1, &p) != 0)
		return MGEN_ENOMEM;
	mgen_buf_printf(&b, "expected answer: \"%s\"; token F1 %.2f.",
			gold ? gold : "", p.f1);
	if (p.nbad > 0)
		mgen_buf_printf(&b,
				" %d citation(s) name a passage the context "
				"does not have (it has %d).",
				p.nbad, p.npassages);
	else if (p.cite < 1)
		mgen_buf_puts(&b, " The context held the answer but the "
				  "answer cites no passage as [n].");
	*out = mgen_buf_detach(&b);
	mgen_buf_release(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

static int ud_init(qa_ud *u, mgen_lm *lm, const mgen_ask_options *o,
		   mgen_err *err)
{
	memset(u, 0, sizeof(*u));
	u->lm = lm;
	u->o = o;
	u->po = (mgen_predict_options)MGEN_PREDICT_OPTIONS_INIT;
	u->po.no_json_fallback = o->opt.no_json_fallback;
	atomic_init(&u->judge_calls, 0);
	atomic_init(&u->judge_failures, 0);
	if (pthread_mutex_init(&u->rag_lock, NULL) != 0)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (o->judge && mgen_qa_judge_signature(&u->judge, err) != 0) {
		pthread_mutex_destroy(&u->rag_lock);
		return MGEN_ENOMEM;
	}
	return 0;
}

static void ud_release(qa_ud *u)
{
	mgen_signature_free(u->judge);
	pthread_mutex_destroy(&u->rag_lock);
}

/* ---- preparing examples as the agent runs ---- */

/* One example's search query: the question, or the rewrite's answer for
 * a history example (an LM failure falls back to the question). */
static int query_of(mgen_lm *lm, const mgen__agent_predictor *rw,
		    const mgen_predict_options *po, const mgen_example *ex,
		    char **q, long long *calls)
{
	const char *question = mgen_example_get_str(ex, "question");
	mgen_example *pred = NULL;
	mgen_predict_info info;
	const char *s = NULL;
	int rc = 0;

	memset(&info, 0, sizeof(info));
	if (has_history(ex)) {
		rc = mgen_predict(lm, rw->sig,
				  (const mgen_example *const *)rw->demos,
				  rw->ndemos, ex, po, &pred, &info, NULL);
		*calls += info.lm_calls;
		if (rc == 0)
			s = mgen_example_get_str(pred, "search_query");
	}
	*q = mgen__strdup(s && *s ? s : question);
	mgen_example_free(pred);
	if (rc == MGEN_ENOMEM || *q == NULL)
		return MGEN_ENOMEM;
	return 0;
}

/* Copies of v[0..n) with "context" retrieved for each one's query. */
static int prepare(qa_ud *u, const mgen__agent_predictor *rw,
		   const mgen_example *const *v, size_t n, exset *out,
		   long long *calls, mgen_err *err)
{
	mgen_rag_hit *h = NULL;
	size_t i, nh = 0;
	char *q = NULL, *ctx = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (out->v == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		rc = query_of(u->lm, rw, &u->po, v[i], &q, calls);
		if (rc == 0)
			rc = mgen__agent_retrieve(
			    u->o->rag, NULL, q, u->o->top_k,
			    u->o->max_context_tokens, &h, &nh, &ctx, err);
		if (rc == 0 && mgen_example_copy(v[i], &out->v[i]) == 0) {
			out->n++;
			rc = mgen_example_set_str(out->v[i], "context", ctx);
		} else if (rc == 0)
			rc = MGEN_ENOMEM;
		mgen_rag_hits_free(h, nh);
		free(q);
		free(ctx);
		h = NULL, nh = 0, q = ctx = NULL;
	}
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	return rc;
}

/* ---- compile ---- */

static int check(const mgen_ask_options *o, mgen_err *err)
{
	if (o == NULL || o->version != MGEN_ASK_OPTIONS_VERSION)
		return mgen_err_set(err, MGEN_EINVAL,
				    "ask optimize: options version %d, "
				    "expected %d",
				    o ? o->version : 0,
				    MGEN_ASK_OPTIONS_VERSION);
	if (o->top_k < 1 || o->top_k > 128)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag.top_k: %d is not in 1..128", o->top_k);
	if (o->max_context_tokens < 1)
		return mgen_err_set(err, MGEN_EINVAL,
				    "rag.max_context_tokens: %d is not "
				    "positive",
				    o->max_context_tokens);
	return 0;
}

/* Appends predictor `name` (its signature's texts and its demos). */
static int add_stage(mgen_program *prog, const char *name,
		     const mgen__agent_predictor *p, mgen_err *err)
{
	size_t i = mgen_program_count(prog), d;
	char *json = NULL;
	int rc = mgen_program_add_signature(prog, name, p->sig, err);

	for (d = 0; rc == 0 && d < p->ndemos; d++) {
		rc = mgen_example_to_json(p->demos[d], &json);
		if (rc == 0)
			rc = mgen_program_add_demo(prog, i, json, err);
		free(json);
		json = NULL;
	}
	if (rc == MGEN_ENOMEM)
		mgen_err_set(err, rc, "out of memory");
	return rc;
}

/* One stage: mgen_optimize on the predictor `name`'s default signature,
 * then the winner fitted back into *p. */
static int stage(mgen_optimizer kind, qa_ud *u, const char *name,
		 const exset *tr, const exset *va, mgen_metric_fn metric,
		 mgen_feedback_fn fb, mgen__agent_predictor *p,
		 mgen_optimize_result *r, mgen_err *err)
{
	mgen_optimize_options oo = u->o->opt;
	mgen_signature *sig = NULL;
	mgen_program *sp = NULL;
	int rc = mgen_agent_signature(name, &sig, err);

	oo.predictor_name = name;
	oo.feedback = fb;
	oo.feedback_ud = u;
	memset(r, 0, sizeof(*r));
	if (rc == 0)
		rc = mgen_optimize(kind, u->lm, sig,
				   (const mgen_example *const *)tr->v, tr->n,
				   (const mgen_example *const *)va->v, va->n,
				   metric, u, &oo, &sp, r, err);
	if (rc == 0)
		rc = mgen__agent_predictor_load(sp, name, p, err);
	mgen_program_free(sp);
	mgen_signature_free(sig);
	return rc;
}

typedef struct compile_state {
	qa_ud u;
	exset ht, hd, rt, rd;
	mgen__agent_predictor rw, rs;
	mgen_optimize_result r;
} compile_state;

static void state_release(compile_state *s)
{
	exset_release(&s->ht);
	exset_release(&s->hd);
	exset_release(&s->rt);
	exset_release(&s->rd);
	mgen__agent_predictor_release(&s->rw);
	mgen__agent_predictor_release(&s->rs);
}

/* Stages 1 and 2: the rewrite predictor, then the prepared examples. */
static int rewrite_and_prepare(mgen_optimizer kind, compile_state *s,
			       const mgen_example *const *train, size_t ntrain,
			       const mgen_example *const *dev, size_t ndev,
			       mgen_ask_result *res, mgen_err *err)
{
	int rc = history_set(train, ntrain, &s->ht);

	if (rc == 0)
		rc = history_set(dev, ndev, &s->hd);
	if (rc != 0)
		return mgen_err_set(err, rc, "out of memory");
	res->rewrite_examples = s->ht.n;
	if (s->ht.n > 0) {
		rc = stage(kind, &s->u, MGEN_AGENT_REWRITE, &s->ht,
			   s->hd.n ? &s->hd : &s->ht, rewrite_metric, NULL,
			   &s->rw, &s->r, err);
		res->made.rewrite = s->r.lm_calls_made;
		memset(&s->r, 0, sizeof(s->r)); /* respond's from here */
	} else
		rc = mgen__agent_predictor_load(NULL, MGEN_AGENT_REWRITE,
						&s->rw, err);
	if (rc == 0)
		rc = prepare(&s->u, &s->rw, train, ntrain, &s->rt,
			     &res->made.prepare, err);
	if (rc == 0)
		rc = prepare(&s->u, &s->rw, dev, ndev, &s->rd,
			     &res->made.prepare, err);
	return rc;
}

static long long calls_sum(const mgen_ask_calls *c)
{
	return c->rewrite + c->prepare + c->respond + c->judge;
}

int mgen_ask_compile(mgen_optimizer kind, mgen_lm *lm,
		     const mgen_ask_options *o,
		     const mgen_example *const *train, size_t ntrain,
		     const mgen_example *const *dev, size_t ndev,
		     mgen_program **out, mgen_ask_result *res, mgen_err *err)
{
	compile_state s;
	mgen_program *prog = NULL;
	mgen_ask_result local;
	int rc = check(o, err);

	*out = NULL;
	res = res ? res : &local;
	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	if (rc != 0)
		return rc;
	if (ntrain == 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "ask optimize: empty trainset");
	mgen_ask_compile_estimate(kind, train, ntrain, dev, ndev, o,
				  &res->bound);
	if ((rc = ud_init(&s.u, lm, o, err)) != 0)
		return rc;
	rc = rewrite_and_prepare(kind, &s, train, ntrain, dev, ndev, res, err);
	if (rc == 0)
		rc = stage(kind, &s.u, MGEN_AGENT_RESPOND, &s.rt, &s.rd,
			   qa_metric, qa_feedback, &s.rs, &s.r, err);
	res->made.respond = s.r.lm_calls_made;
	res->made.judge = atomic_load(&s.u.judge_calls);
	res->judge_failures = (size_t)atomic_load(&s.u.judge_failures);
	res->best_score = s.r.best_score;
	res->baseline_score = s.r.baseline_score;
	if (rc == 0 && (rc = mgen_program_new(&prog)) != 0)
		rc = mgen_err_set(err, rc, "out of memory");
	if (rc == 0)
		rc = add_stage(prog, MGEN_AGENT_REWRITE, &s.rw, err);
	if (rc == 0)
		rc = add_stage(prog, MGEN_AGENT_RESPOND, &s.rs, err);
	if (rc == 0 && mgen_program_set_meta(prog, mgen_optimizer_name(kind),
					     calls_sum(&res->bound),
					     calls_sum(&res->made)) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0)
		*out = prog;
	else
		mgen_program_free(prog);
	state_release(&s);
	ud_release(&s.u);
	return rc;
}

/* ---- evaluate ---- */

/* The means of the parts into *out (n > 0). */
static void figures(const mgen_qa_parts *p, size_t n, int judge,
		    mgen_ask_eval *out)
{
	double f1 = 0, cite = 0, cited = 0, j = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		f1 += p[i].f1;
		cite += p[i].cite;
		cited += p[i].ncited > 0 && p[i].nbad == 0;
		j += p[i].judge > 0 ? p[i].judge : 0;
	}
	out->f1 = 100 * f1 / (double)n;
	out->citations = 100 * cite / (double)n;
	out->cited = 100 * cited / (double)n;
	out->judge = judge ? 100 * j / (double)n : -1;
}

/* Numbers the prepared examples (ROW_KEY) so the metric can file its
 * parts by row. */
static int number_rows(exset *s)
{
	char num[32];
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < s->n; i++) {
		snprintf(num, sizeof(num), "%zu", i);
		rc = mgen_example_set_json(s->v[i], ROW_KEY, num, NULL);
	}
	return rc;
}

long long mgen_ask_evaluate_estimate(const mgen_example *const *dev,
				     size_t ndev, const mgen_ask_options *o)
{
	long long p = per_prediction(o);

	return p * (long long)(count_history(dev, ndev) + ndev) +
	       (o->judge ? p * (long long)ndev : 0);
}

int mgen_ask_evaluate(mgen_lm *lm, const char *program_path,
		      const mgen_ask_options *o, const mgen_example *const *dev,
		      size_t ndev, mgen_ask_eval *out, mgen_err *err)
{
	mgen_evaluate_options eo = MGEN_EVALUATE_OPTIONS_INIT;
	mgen_evaluate_result r;
	compile_state s;
	int ud_ok = 0, rc = check(o, err);

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	if (rc != 0)
		return rc;
	if (ndev == 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "ask evaluate: empty devset");
	out->n = ndev;
	out->bound = mgen_ask_evaluate_estimate(dev, ndev, o);
	rc = mgen__agent_program_load(program_path, &s.rw, &s.rs, err);
	if (rc == 0)
		ud_ok = (rc = ud_init(&s.u, lm, o, err)) == 0;
	if (rc == 0)
		rc =
		    prepare(&s.u, &s.rw, dev, ndev, &s.rd, &out->lm_calls, err);
	if (rc == 0 && number_rows(&s.rd) != 0)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	s.u.parts = rc == 0 ? calloc(ndev, sizeof(*s.u.parts)) : NULL;
	s.u.nparts = ndev;
	if (rc == 0 && s.u.parts == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	eo.threads = o->opt.threads;
	eo.predict = s.u.po;
	if (rc == 0)
		rc = mgen_evaluate(
		    lm, s.rs.sig, (const mgen_example *const *)s.rs.demos,
		    s.rs.ndemos, (const mgen_example *const *)s.rd.v, s.rd.n,
		    qa_metric, &s.u, &eo, &r, err);
	if (rc == 0) {
		figures(s.u.parts, ndev, o->judge, out);
		out->score = r.score;
		out->failures = r.failures;
		out->lm_calls += r.lm_calls + atomic_load(&s.u.judge_calls);
		out->judge_failures = (size_t)atomic_load(&s.u.judge_failures);
	}
	mgen_evaluate_result_release(&r);
	free(s.u.parts);
	if (ud_ok)
		ud_release(&s.u);
	state_release(&s);
	return rc;
}
